/**
 * Before a build that imports a cache from a server: does it answer a read at all within
 * cache-timeout? BuildKit resolves cache imports outside the build's own
 * context and without a time limit, and while such a read hangs its solver waits on it for
 * every build of that BuildKit: stopping the client frees nothing, and a build run again on
 * the same builder waits too, until the server lets the connection go. So a server that
 * does not answer is found out here, with the read BuildKit would make first (a registry
 * manifest, the cache service's download-URL lookup, an s3 or azblob manifest object), and
 * then the build neither imports nor exports (an export reads too: it asks which blobs exist).
 *
 * Any answer counts, an error status or a refused connection too: BuildKit fails those fast
 * and the warnings name them. Only silence until the deadline is a stall, so the object
 * stores' reads go unsigned: a refusal of the signature is an answer too.
 */
import type { CacheImport } from '../backends/backend.js'
import type { Attributes } from '../core/spec.js'
import { azblobManifestKey, azblobObjectUrl, s3ManifestKey, s3ObjectUrl } from './object-store-probe.js'
import { splitImageRef } from './registry-client.js'

export interface ReadProbe {
  /** What is asked, for the warning (never holds the token). */
  what: string
  url: string
  init: { method: string; headers: Record<string, string>; body?: string }
}

const attr = (attributes: Attributes, key: string) => attributes.find(([k]) => k === key)?.[1]

/** The scheme a registry host answers on: plain HTTP only on the loopback host (as BuildKit does). */
function registryBase(host: string): string {
  return `${/^(localhost|127\.|\[::1\])/.test(host) ? 'http' : 'https'}://${host}`
}

/** The cache service a gha spec talks to, as buildx fills it (attributes first, then the environment). */
export function ghaService(
  attributes: Attributes,
  env: Readonly<Record<string, string | undefined>>
): { url: string; v2: boolean; token: string } | undefined {
  const token = attr(attributes, 'token') ?? env.ACTIONS_RUNTIME_TOKEN
  const v2 = (attr(attributes, 'version') ?? (env.ACTIONS_CACHE_SERVICE_V2 === 'true' ? '2' : '1')) === '2'
  const url = v2
    ? (attr(attributes, 'url_v2') ?? env.ACTIONS_RESULTS_URL)
    : (attr(attributes, 'url') ?? env.ACTIONS_CACHE_URL ?? env.ACTIONS_RESULTS_URL)
  if (!token || !url) return undefined
  return { url: url.endsWith('/') ? url : `${url}/`, v2, token }
}

/** Where BuildKit reads an object store import's manifest; undefined when the attributes do not say (BuildKit fails those itself). */
function manifestUrl(type: 's3' | 'azblob', store: Record<string, string>): URL | undefined {
  try {
    if (type === 'azblob') return store.account_url ? azblobObjectUrl(store, azblobManifestKey(store)) : undefined
    return store.bucket && (store.endpoint_url || store.region) ? s3ObjectUrl(store, s3ManifestKey(store)) : undefined
  } catch {
    return undefined
  }
}

/** The first read BuildKit makes for one import, or undefined for a backend that is not probed. */
export function readProbeOf(imp: CacheImport, env: Readonly<Record<string, string | undefined>>): ReadProbe | undefined {
  const type = attr(imp.attributes, 'type')
  if (type === 'registry') {
    const ref = attr(imp.attributes, 'ref')
    const { host, path, tag } = ref ? splitImageRef(ref) : { host: undefined, path: '', tag: '' }
    if (!host) return undefined
    return {
      what: `the registry ${host} (manifest ${path}:${tag})`,
      url: `${registryBase(host)}/v2/${path}/manifests/${encodeURIComponent(tag)}`,
      init: { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' } }
    }
  }
  if (type === 'gha') {
    const service = ghaService(imp.attributes, env)
    if (!service) return undefined
    const key = `index-${attr(imp.attributes, 'scope') ?? 'buildkit'}-`
    const auth = { Authorization: `Bearer ${service.token}` }
    return service.v2
      ? {
          what: `the cache service (GetCacheEntryDownloadURL ${key})`,
          url: `${service.url}twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL`,
          init: {
            method: 'POST',
            headers: { ...auth, 'Content-Type': 'application/json' },
            body: JSON.stringify({ key, restore_keys: [key], version: 'probe' })
          }
        }
      : {
          what: `the cache service (cache ${key})`,
          url: `${service.url}_apis/artifactcache/cache?keys=${encodeURIComponent(key)}&version=probe`,
          init: { method: 'GET', headers: { ...auth, Accept: 'application/json;api-version=6.0-preview.1' } }
        }
  }
  if (type === 's3' || type === 'azblob') {
    const url = manifestUrl(type, Object.fromEntries(imp.attributes))
    return url && { what: `the ${type} store ${url.host} (${url.pathname})`, url: url.href, init: { method: 'HEAD', headers: {} } }
  }
  return undefined
}

/** The distinct reads for these imports (one per server and request). */
export function readProbes(imports: readonly CacheImport[], env: Readonly<Record<string, string | undefined>>): ReadProbe[] {
  const seen = new Set<string>()
  return imports
    .flatMap(i => readProbeOf(i, env) ?? [])
    .filter(p => !seen.has(p.url + (p.init.body ?? '')) && !!seen.add(p.url + (p.init.body ?? '')))
}

/** Whether a failed request failed by the deadline (silence), not by an answer or a refusal. */
export function isSilence(error: unknown): boolean {
  const name = (error as { name?: string })?.name
  return name === 'TimeoutError' || name === 'AbortError'
}

/**
 * The first of these reads the server let go unanswered for `timeoutMs` (the answer's body
 * included), or undefined when every one was answered somehow. They run side by side.
 */
export async function silentRead(
  probes: readonly ReadProbe[],
  timeoutMs: number,
  send: typeof fetch = fetch
): Promise<ReadProbe | undefined> {
  const results = await Promise.all(
    probes.map(async probe => {
      try {
        const response = await send(probe.url, { ...probe.init, signal: AbortSignal.timeout(timeoutMs) })
        await response.arrayBuffer()
        return undefined
      } catch (error) {
        return isSilence(error) ? probe : undefined
      }
    })
  )
  return results.find(Boolean)
}
