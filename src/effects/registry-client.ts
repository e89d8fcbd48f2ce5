import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { registryBaseUrl, splitImageRef } from '../core/names.js'
import type { Env } from '../core/context.js'

/**
 * The few calls of the distribution API the action makes on cache tags: does a tag exist
 * (envd's single import), and delete one (clean-up of a closed pull request). Requests go
 * anonymously first, then with a bearer token from the registry's realm, with the
 * credentials of `docker login` when there are any.
 */
export type ProbeResult = 'found' | 'missing' | 'unknown'

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

/** The docker CLI's config directory: where `docker login` keeps credentials and buildx its files. */
export function dockerConfigDir(env: Env, home = homedir()): string {
  return env.DOCKER_CONFIG || join(home, '.docker')
}

async function dockerLogin(host: string, env: Env): Promise<string | undefined> {
  try {
    const config = JSON.parse(await readFile(join(dockerConfigDir(env), 'config.json'), 'utf8'))
    return config.auths?.[host]?.auth
  } catch {
    return undefined
  }
}

async function bearerToken(challenge: string, basic: string | undefined): Promise<string | undefined> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]]))
  if (!params.realm) return undefined
  const url = new URL(params.realm)
  if (params.service) url.searchParams.set('service', params.service)
  if (params.scope) url.searchParams.set('scope', params.scope)
  const response = await fetch(url, { headers: basic ? { Authorization: `Basic ${basic}` } : {} })
  if (!response.ok) return undefined
  const body = (await response.json()) as { token?: string; access_token?: string }
  return body.token ?? body.access_token
}

/** One request to a registry (path: `/v2/…`), anonymously first, then as the 401 challenge asks. */
async function registryRequest(
  host: string,
  path: string,
  method: 'GET' | 'HEAD' | 'DELETE' | 'PUT',
  env: Env,
  body?: { type: string; data: ArrayBuffer }
): Promise<Response> {
  const url = `${registryBaseUrl(host)}${path}`
  const send = (authorization?: string) =>
    fetch(url, {
      method,
      headers: { Accept: ACCEPT, ...(body && { 'Content-Type': body.type }), ...(authorization && { Authorization: authorization }) },
      ...(body && { body: body.data }),
      signal: AbortSignal.timeout(10000)
    })
  let response = await send()
  if (response.status === 401) {
    const basic = await dockerLogin(host, env)
    const challenge = response.headers.get('www-authenticate') ?? ''
    const token = /^bearer/i.test(challenge) ? await bearerToken(challenge, basic) : undefined
    if (token) response = await send(`Bearer ${token}`)
    else if (basic) response = await send(`Basic ${basic}`)
  }
  return response
}

const manifestPath = (path: string, reference: string) => `/v2/${path}/manifests/${encodeURIComponent(reference)}`

/** One manifest request on `ref`'s repository (reference: its tag, or a digest). */
async function manifestRequest(ref: string, method: 'HEAD' | 'DELETE', env: Env, reference?: string): Promise<Response | undefined> {
  const { host, path, tag } = splitImageRef(ref)
  if (!host) return undefined
  return registryRequest(host, manifestPath(path, reference ?? tag), method, env)
}

export async function probeRegistryTag(ref: string, env: Env): Promise<ProbeResult> {
  try {
    const response = await manifestRequest(ref, 'HEAD', env)
    if (!response) return 'unknown'
    return response.ok ? 'found' : response.status === 404 ? 'missing' : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** The `next` page of a `Link` header (RFC 5988), as the distribution API paginates tag lists. */
export function nextPage(link: string | null): string | undefined {
  return link
    ?.split(',')
    .map(part => /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)?.[1])
    .find(Boolean)
}

const MAX_TAG_PAGES = 20

/** Every tag of `ref`'s repository; undefined when the registry does not list them (or lists too many). */
async function listTags(host: string, path: string, env: Env): Promise<string[] | undefined> {
  const tags: string[] = []
  let page: string | undefined = `/v2/${path}/tags/list?n=1000`
  for (let i = 0; page && i < MAX_TAG_PAGES; i++) {
    const response = await registryRequest(host, page, 'GET', env)
    if (!response.ok) return undefined
    tags.push(...(((await response.json()) as { tags?: string[] | null }).tags ?? []))
    const next = nextPage(response.headers.get('link'))
    page = next ? (next.startsWith('/') ? next : next.replace(/^https?:\/\/[^/]+/, '')) : undefined
  }
  return page ? undefined : tags
}

/** The first other tag of the repository whose manifest is `digest` ('unknown' when that cannot be told). */
async function otherTagOf(ref: string, digest: string, env: Env): Promise<string | undefined | 'unknown'> {
  const { host, path, tag } = splitImageRef(ref)
  const tags = host ? await listTags(host, path, env).catch(() => undefined) : undefined
  if (!host || !tags) return 'unknown'
  const others = tags.filter(t => t !== tag)
  for (let i = 0; i < others.length; i += 8) {
    const batch = others.slice(i, i + 8)
    const digests = await Promise.all(
      batch.map(t =>
        registryRequest(host, manifestPath(path, t), 'HEAD', env).then(
          r => (r.ok ? r.headers.get('docker-content-digest') : null),
          () => 'unknown'
        )
      )
    )
    const shared = batch.find((_, j) => digests[j] === digest)
    if (shared) return shared
    if (digests.includes('unknown')) return 'unknown'
  }
  return undefined
}

export type TagDeletion =
  | { result: 'deleted' | 'missing' | 'unsupported' }
  /** Left in place: deleting its manifest would delete another tag with it (or that could not be ruled out). */
  | { result: 'kept'; reason: string }

/**
 * Deletes a tag. The distribution API deletes manifests, not tags: deleting the tag's manifest
 * removes every tag that points at it. A pull request whose build changed nothing exports the
 * very manifest its base branch did, so the manifest is deleted only when no other tag of the
 * repository points at it.
 */
export async function deleteRegistryTag(ref: string, env: Env): Promise<TagDeletion> {
  const head = await manifestRequest(ref, 'HEAD', env).catch(() => undefined)
  if (head?.status === 404) return { result: 'missing' }
  const digest = head?.headers.get('docker-content-digest')
  if (!head?.ok || !digest) return { result: 'unsupported' }
  const other = await otherTagOf(ref, digest, env)
  if (other === 'unknown')
    return {
      result: 'kept',
      reason:
        "the registry does not list the repository's tags, so it cannot be ruled out that another tag shares its manifest (which a " +
        'delete would remove too)'
    }
  if (other)
    return {
      result: 'kept',
      reason:
        `tag ${other} points at the same manifest, and deleting the manifest would delete that tag too (the cache tag takes no ` +
        `space of its own)`
    }
  const response = await manifestRequest(ref, 'DELETE', env, digest).catch(() => undefined)
  return { result: response?.ok ? 'deleted' : response?.status === 404 ? 'missing' : 'unsupported' }
}

/**
 * Tags `source`'s manifest (an image or an index, byte for byte) as `target` in the same
 * registry: what a second image name does in buildx. The blobs must already be in the target's
 * repository (the same repository, or one the registry mounts them into).
 */
export async function copyTag(source: string, target: string, env: Env): Promise<{ ok: true } | { ok: false; reason: string }> {
  const from = splitImageRef(source)
  const to = splitImageRef(target)
  if (!from.host || from.host !== to.host) return { ok: false, reason: `${target} is not in the registry of ${source}` }
  try {
    const got = await registryRequest(from.host, manifestPath(from.path, from.tag), 'GET', env)
    if (!got.ok) return { ok: false, reason: `reading ${source} answered HTTP ${got.status}` }
    const type = got.headers.get('content-type') ?? 'application/vnd.oci.image.manifest.v1+json'
    const data = await got.arrayBuffer()
    const put = await registryRequest(to.host!, manifestPath(to.path, to.tag), 'PUT', env, { type, data })
    return put.ok ? { ok: true } : { ok: false, reason: `writing ${target} answered HTTP ${put.status}` }
  } catch (error) {
    return { ok: false, reason: (error as Error).message }
  }
}
