// Cache service v2: Twirp (JSON) under {ACTIONS_RESULTS_URL}twirp/github.actions.results.api.v1.CacheService/,
// as spoken by @actions/cache >= 4 and BuildKit's gha backend with version=2. Bytes go straight
// between the client and the blob store through SAS-signed URLs.
import { authenticate, jsonBody, sendJson, type Ctx, type ServiceState } from './http.js'
import { downloadUrl } from './v1.js'

export const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/'

const TWIRP_STATUS: Record<string, number> = {
  invalid_argument: 400,
  malformed: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  failed_precondition: 412,
  resource_exhausted: 429,
  internal: 500,
  unavailable: 503
}

export function twirpError(ctx: Ctx, code: string, msg: string, headers: Record<string, string> = {}): void {
  sendJson(ctx.res, TWIRP_STATUS[code] ?? 500, { code, msg, meta: {} }, headers)
}

/** The Twirp code for an HTTP status (used by injected faults). */
export function twirpCodeFor(status: number): string {
  return Object.entries(TWIRP_STATUS).find(([, s]) => s === status)?.[0] ?? 'internal'
}

const RPCS = ['CreateCacheEntry', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL']

interface CacheRequest {
  key?: string
  version?: string
  restore_keys?: string[]
  size_bytes?: string | number
  metadata?: { repository_id?: string | number; scope?: { scope?: string; permission?: string | number }[] }
}

export async function handleTwirp(svc: ServiceState, ctx: Ctx, rpc: string): Promise<void> {
  ctx.log.rpc = rpc
  if (!RPCS.includes(rpc)) return twirpError(ctx, 'bad_route', `unknown method CacheService/${rpc}`)
  if (ctx.method !== 'POST') return twirpError(ctx, 'bad_route', `${ctx.method} is not POST`)
  if (!/^application\/json\b/i.test(String(ctx.req.headers['content-type'] ?? ''))) {
    return twirpError(ctx, 'bad_route', 'only the JSON encoding (Content-Type: application/json) is served')
  }
  const auth = authenticate(ctx.req)
  if (!auth.ok) return twirpError(ctx, 'unauthenticated', auth.reason)
  const { readRefs, writeRef } = auth.access
  const body = await jsonBody<CacheRequest>(ctx)
  if (!body) return twirpError(ctx, 'malformed', 'the request body is not JSON')
  const { key, version } = body
  if (!key || !version) return twirpError(ctx, 'invalid_argument', 'key and version are required')
  ctx.log.key = key

  // A read-only token: GitHub answers the write RPCs with ok=false and a message that clients
  // classify by its `cache write denied:` prefix.
  const writeDenied = (empty: Record<string, unknown>): void => {
    const msg = `cache write denied: the token for this run grants no writable cache scope (key ${key})`
    if (svc.v2WriteDenied === 'twirp') return twirpError(ctx, 'permission_denied', msg)
    sendJson(ctx.res, 200, { ok: false, ...empty, message: msg })
  }

  switch (rpc) {
    case 'CreateCacheEntry': {
      if (writeRef === undefined) return writeDenied({ signed_upload_url: '' })
      ctx.log.ref = writeRef
      if (!svc.blobs) return twirpError(ctx, 'internal', 'this cache service runs without a blob store (--blob-url)')
      try {
        await svc.blobs.ensureContainer()
      } catch (err) {
        return twirpError(ctx, 'unavailable', `blob store unreachable: ${(err as Error).message}`)
      }
      const e = svc.store.reserve(writeRef, key, version, 'v2', svc.staleReservationMs)
      if (!e) return twirpError(ctx, 'already_exists', 'cache entry with the same key, version, and scope already exists')
      e.blob = `${svc.blobPrefix}/${e.id}`
      return sendJson(ctx.res, 200, {
        ok: true,
        signed_upload_url: svc.blobs.signedUrl(e.blob, 'upload', svc.signedUrlTtlSeconds)
      })
    }

    case 'FinalizeCacheEntryUpload': {
      if (writeRef === undefined) return writeDenied({ entry_id: '0' })
      ctx.log.ref = writeRef
      const e = svc.store.find(writeRef, key, version)
      if (e?.storage !== 'v2') return twirpError(ctx, 'not_found', `no reserved cache entry for key ${key} in ${writeRef}`)
      if (e.committed) return twirpError(ctx, 'already_exists', 'cache entry is already finalized')
      const declared = Number(body.size_bytes ?? 0)
      const actual = await svc.blobs!.size(e.blob!)
      if (actual === undefined) return sendJson(ctx.res, 200, { ok: false, entry_id: '0', message: `no blob was uploaded for key ${key}` })
      if (actual !== declared) {
        return sendJson(ctx.res, 200, {
          ok: false,
          entry_id: '0',
          message: `size_bytes ${declared} does not match the uploaded blob's ${actual} bytes`
        })
      }
      e.size = actual
      e.committed = true
      // int64 travels as a JSON string in proto3 JSON (BuildKit decodes entry_id into a string).
      return sendJson(ctx.res, 200, { ok: true, entry_id: String(e.id) })
    }

    case 'GetCacheEntryDownloadURL': {
      if (!readRefs.length) {
        return twirpError(ctx, 'permission_denied', 'cache read denied: the token for this run grants no readable cache scope')
      }
      const keys = [key, ...(Array.isArray(body.restore_keys) ? body.restore_keys : [])]
      const e = svc.store.lookup(readRefs, keys, version)
      if (!e) {
        ctx.log.result = 'miss'
        return sendJson(ctx.res, 200, { ok: false, signed_download_url: '', matched_key: '' })
      }
      Object.assign(ctx.log, { result: 'hit', ref: e.ref, key: e.key })
      return sendJson(ctx.res, 200, { ok: true, signed_download_url: downloadUrl(svc, e), matched_key: e.key })
    }
  }
}
