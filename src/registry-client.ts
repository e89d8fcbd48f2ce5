import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { imageRepository, splitRegistryHost } from './names.js'

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

/** `host/path:tag`; no host for a reference without one (Docker Hub's short form). */
export function splitImageRef(ref: string): { host?: string; path: string; tag: string } {
  const repository = imageRepository(ref)
  const rest = ref.slice(repository.length)
  return { ...splitRegistryHost(repository), tag: rest.startsWith(':') ? rest.slice(1).split('@')[0] : 'latest' }
}

async function dockerLogin(host: string): Promise<string | undefined> {
  try {
    const dir = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker')
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
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

/** One manifest request on `ref`'s repository (reference: its tag, or a digest). */
async function manifestRequest(ref: string, method: 'HEAD' | 'DELETE', reference?: string): Promise<Response | undefined> {
  const { host, path, tag } = splitImageRef(ref)
  if (!host) return undefined
  const scheme = /^(localhost|127\.|\[::1\])/.test(host) ? 'http' : 'https'
  const url = `${scheme}://${host}/v2/${path}/manifests/${encodeURIComponent(reference ?? tag)}`
  const send = (authorization?: string) =>
    fetch(url, { method, headers: { Accept: ACCEPT, ...(authorization && { Authorization: authorization }) }, signal: AbortSignal.timeout(10000) })
  let response = await send()
  if (response.status === 401) {
    const basic = await dockerLogin(host)
    const challenge = response.headers.get('www-authenticate') ?? ''
    const token = /^bearer/i.test(challenge) ? await bearerToken(challenge, basic) : undefined
    if (token) response = await send(`Bearer ${token}`)
    else if (basic) response = await send(`Basic ${basic}`)
  }
  return response
}

export async function probeRegistryTag(ref: string): Promise<ProbeResult> {
  try {
    const response = await manifestRequest(ref, 'HEAD')
    if (!response) return 'unknown'
    return response.ok ? 'found' : response.status === 404 ? 'missing' : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Deletes a tag's manifest (the registry removes the tag with it). */
export async function deleteRegistryTag(ref: string): Promise<'deleted' | 'missing' | 'unsupported'> {
  const head = await manifestRequest(ref, 'HEAD').catch(() => undefined)
  if (head?.status === 404) return 'missing'
  const digest = head?.headers.get('docker-content-digest')
  if (!head?.ok || !digest) return 'unsupported'
  const response = await manifestRequest(ref, 'DELETE', digest).catch(() => undefined)
  return response?.ok ? 'deleted' : response?.status === 404 ? 'missing' : 'unsupported'
}
