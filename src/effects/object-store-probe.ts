/**
 * Whether a cache manifest exists in an S3 bucket or an Azure Blob container, for a tool that
 * takes one import (envd): a signed HEAD on the object BuildKit reads for the import's first
 * `name` (where the backend says it keeps it), with the same attributes (bucket, endpoint,
 * credentials) BuildKit gets. The signing is done here (AWS Signature Version 4, Azure Shared
 * Key): no SDK for one HEAD.
 */
import { createHash, createHmac } from 'node:crypto'
import { azblobManifestUrl } from '../backends/azblob.js'
import { type StoreAttributes, encodeKeyPath } from '../backends/object-store.js'
import { s3ManifestUrl } from '../backends/s3.js'
import type { ProbeResult } from './registry-client.js'

/** A store that answers slower than this is taken as not probed. */
export const PROBE_TIMEOUT_MS = 3000

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest()

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** `20130524T000000Z`: SigV4's timestamp. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

/**
 * The headers that sign a bodiless S3 request with AWS Signature Version 4 (`headers` are
 * signed too: pass every header the request will carry besides Host).
 */
export function signS3Request(
  request: { method: string; url: URL; region: string; headers?: Record<string, string> },
  credentials: AwsCredentials,
  date: Date
): Record<string, string> {
  const timestamp = amzDate(date)
  const day = timestamp.slice(0, 8)
  const headers: Record<string, string> = {
    ...request.headers,
    'x-amz-content-sha256': sha256Hex(''),
    'x-amz-date': timestamp,
    ...(credentials.sessionToken && { 'x-amz-security-token': credentials.sessionToken })
  }
  const canonical: Record<string, string> = { host: request.url.host }
  for (const [name, value] of Object.entries(headers)) canonical[name.toLowerCase()] = value.trim().replace(/\s+/g, ' ')
  const names = Object.keys(canonical).sort()
  const query = [...request.url.searchParams]
    .map(([k, v]) => [encodeKeyPath(k), encodeKeyPath(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const canonicalRequest = [
    request.method,
    request.url.pathname || '/',
    query,
    ...names.map(name => `${name}:${canonical[name]}`),
    '',
    names.join(';'),
    headers['x-amz-content-sha256']
  ].join('\n')
  const scope = `${day}/${request.region}/s3/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', timestamp, scope, sha256Hex(canonicalRequest)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), request.region), 's3'), 'aws4_request')
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex')
  return {
    ...headers,
    Authorization:
      `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, ` + `Signature=${signature}`
  }
}

/** BuildKit's account name: the attribute, else the first label of the account URL's host. */
export function azblobAccountName(attributes: StoreAttributes): string {
  return attributes.account_name || new URL(attributes.account_url).hostname.split('.')[0]
}

/** The Blob service version the probe speaks. */
export const AZURE_API_VERSION = '2021-08-06'

/**
 * Shared Key's string to sign for a request without a body: the verb, eleven empty standard
 * headers (Content-Encoding … Range), the x-ms-* headers sorted, then the resource: the
 * account, the URL's (encoded) path and each query parameter on its own line.
 */
export function azureStringToSign(method: string, url: URL, accountName: string, headers: Record<string, string>): string {
  const msHeaders = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .filter(([name]) => name.startsWith('x-ms-'))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('')
  const params = new Map<string, string[]>()
  for (const [k, v] of url.searchParams) params.set(k.toLowerCase(), [...(params.get(k.toLowerCase()) ?? []), v])
  const query = [...params.keys()]
    .sort()
    .map(k => `\n${k}:${params.get(k)!.sort().join(',')}`)
    .join('')
  return `${method}\n${'\n'.repeat(11)}${msHeaders}/${accountName}${url.pathname}${query}`
}

/** The headers that sign a bodiless Blob service request with Shared Key (x-ms-date and x-ms-version added). */
export function signAzureRequest(
  request: { method: string; url: URL; accountName: string; headers?: Record<string, string> },
  accountKey: string,
  date: Date
): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers, 'x-ms-date': date.toUTCString(), 'x-ms-version': AZURE_API_VERSION }
  const stringToSign = azureStringToSign(request.method, request.url, request.accountName, headers)
  const signature = createHmac('sha256', Buffer.from(accountKey, 'base64')).update(stringToSign, 'utf8').digest('base64')
  return { ...headers, Authorization: `SharedKey ${request.accountName}:${signature}` }
}

/** What a HEAD on the manifest object says. */
function resultOf(status: number): ProbeResult {
  return status >= 200 && status < 300 ? 'found' : status === 404 ? 'missing' : 'unknown'
}

/**
 * The signed HEAD for the manifest of an import of a store with this API (a StoreApi); undefined
 * when it cannot be signed (no credentials in the attributes, an API it does not sign for).
 */
export function manifestRequest(
  api: string,
  attributes: StoreAttributes,
  date = new Date()
): { url: URL; headers: Record<string, string> } | undefined {
  if (api === 's3') {
    if (!attributes.access_key_id || !attributes.secret_access_key || !attributes.bucket || !attributes.region) return undefined
    const url = s3ManifestUrl(attributes)
    const credentials = {
      accessKeyId: attributes.access_key_id,
      secretAccessKey: attributes.secret_access_key,
      sessionToken: attributes.session_token
    }
    return { url, headers: signS3Request({ method: 'HEAD', url, region: attributes.region }, credentials, date) }
  }
  if (api === 'azblob') {
    if (!attributes.secret_access_key || !attributes.account_url) return undefined
    const url = azblobManifestUrl(attributes)
    return {
      url,
      headers: signAzureRequest({ method: 'HEAD', url, accountName: azblobAccountName(attributes) }, attributes.secret_access_key, date)
    }
  }
  return undefined
}

/** found / missing, or unknown: no credentials to sign with, a refusal, an error, or no answer within the timeout. */
export async function probeObjectStore(api: string, attributes: StoreAttributes, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  try {
    const request = manifestRequest(api, attributes)
    if (!request) return 'unknown'
    const response = await fetch(request.url, { method: 'HEAD', headers: request.headers, signal: AbortSignal.timeout(timeoutMs) })
    return resultOf(response.status)
  } catch {
    return 'unknown'
  }
}
