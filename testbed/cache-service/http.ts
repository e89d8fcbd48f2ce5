// Small request/response helpers shared by the protocol modules.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { BlobStore, FileStore } from './blobs.js'
import { accessOf, type Access, type Store } from './store.js'
import { decodeRuntimeToken } from './token.js'

export interface LogRecord {
  n: number
  time: string
  method: string
  path: string
  /** Twirp method name for v2 calls. */
  rpc?: string
  status: number
  /** The ref a call acted on: the ref written to, or the ref of the entry a lookup matched. */
  ref?: string
  key?: string
  /** "hit" / "miss" for lookups. */
  result?: string
  fault?: string
  ms: number
}

export interface Ctx {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  method: string
  path: string
  log: LogRecord
  body(): Promise<Buffer>
}

export interface Fault {
  id: number
  /** Substring of "METHOD /path?query" (a Twirp path ends in the RPC name). */
  match: string
  status?: number
  delayMs?: number
  /** How many matching requests it hits; unlimited when absent. */
  times?: number
  /** Destroy the socket without answering. */
  drop?: boolean
  /** Seconds, sent as Retry-After with the status. */
  retryAfter?: number
  hits: number
}

export interface ServiceState {
  faults: Fault[]
  requests: LogRecord[]
  store: Store
  blobs?: BlobStore
  files: FileStore
  /** Blob names of this process start under this prefix, so restarts never collide. */
  blobPrefix: string
  /** Base URL of this server as clients reach it, without a trailing slash. */
  publicUrl: string
  readonlyGithubTokens: Set<string>
  /** REST tokens with the repository's administration permission (the only ones that may read its cache storage limit). */
  adminGithubTokens: Set<string>
  /** The repository's cache storage limit; GitHub's default is 10 GB. */
  cacheLimitBytes: number
  /** Pull requests the REST API knows, by number (an unknown number is a 404). */
  pulls: Map<number, 'open' | 'closed'>
  signedUrlTtlSeconds: number
  staleReservationMs: number
  v2WriteDenied: 'ok-false' | 'twirp'
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': data.length, ...headers })
  res.end(data)
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 })
  res.end()
}

/** Parses a JSON body; undefined (not a throw) when it is not JSON. */
export async function jsonBody<T>(ctx: Ctx): Promise<T | undefined> {
  try {
    return JSON.parse((await ctx.body()).toString('utf8') || '{}') as T
  } catch {
    return undefined
  }
}

export function bearer(req: IncomingMessage): string | undefined {
  const m = /^(?:Bearer|token)\s+(\S+)/i.exec(req.headers.authorization ?? '')
  return m?.[1]
}

export type Auth = { ok: true; access: Access } | { ok: false; reason: string }

/** Checks the runtime token of a cache call: present, decodable, inside nbf..exp. */
export function authenticate(req: IncomingMessage): Auth {
  const raw = bearer(req)
  if (!raw) return { ok: false, reason: 'missing Authorization bearer token' }
  let token: ReturnType<typeof decodeRuntimeToken>
  try {
    token = decodeRuntimeToken(raw)
  } catch (err) {
    return { ok: false, reason: `invalid token: ${(err as Error).message}` }
  }
  const now = Date.now() / 1000
  if (token.exp <= now) return { ok: false, reason: `token expired at ${new Date(token.exp * 1000).toISOString()}` }
  if (token.nbf > now + 60) return { ok: false, reason: `token not valid before ${new Date(token.nbf * 1000).toISOString()}` }
  return { ok: true, access: accessOf(token) }
}
