// Cache service v1: REST under {ACTIONS_CACHE_URL}_apis/artifactcache/, as spoken by
// @actions/cache (cacheHttpClient) and BuildKit's gha backend without version=2.
import { createReadStream } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { authenticate, jsonBody, sendEmpty, sendJson, type Ctx, type ServiceState } from './http.js'
import type { Entry } from './store.js'

const SIZE_LIMIT = 10 * 1024 ** 3

/** The error body of the v1 service (clients read `message`; BuildKit also reads `typeKey`). */
function v1Error(ctx: Ctx, status: number, message: string, typeKey: string): void {
  sendJson(ctx.res, status, {
    $id: '1',
    innerException: null,
    message,
    typeName: `GitHub.Services.Cache.Server.${typeKey}, GitHub.Services.Cache.Server`,
    typeKey,
    errorCode: 0,
    eventId: 3000
  })
}

/** Where a client downloads an entry: a SAS URL in the blob store, or this server for v1 bytes. */
export function downloadUrl(svc: ServiceState, e: Entry): string {
  if (e.storage === 'v2') return svc.blobs!.signedUrl(e.blob!, 'download', svc.signedUrlTtlSeconds)
  return `${svc.publicUrl}/_blobs/${e.id}?sig=${e.urlSecret}`
}

/** Merges received byte ranges; true when they cover exactly [0, size). */
function covers(ranges: [number, number][], size: number): boolean {
  let next = 0
  for (const [s, e] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (s > next) return false
    next = Math.max(next, e + 1)
  }
  return next === size
}

export async function handleV1(svc: ServiceState, ctx: Ctx, sub: string): Promise<void> {
  const auth = authenticate(ctx.req)
  if (!auth.ok) return v1Error(ctx, 401, auth.reason, 'UnauthorizedRequestException')
  const { readRefs, writeRef } = auth.access
  const q = ctx.url.searchParams

  if (ctx.method === 'GET' && sub === 'cache') {
    const keys = (q.get('keys') ?? '').split(',').filter(k => k !== '')
    const version = q.get('version') ?? ''
    if (!keys.length || !version) return v1Error(ctx, 400, 'keys and version are required', 'ArgumentException')
    if (!readRefs.length) {
      return v1Error(ctx, 403, 'cache read denied: the token grants no readable cache scope', 'CacheReadDeniedException')
    }
    ctx.log.key = keys[0]
    const e = svc.store.lookup(readRefs, keys, version)
    if (!e) {
      ctx.log.result = 'miss'
      return sendEmpty(ctx.res, 204)
    }
    Object.assign(ctx.log, { result: 'hit', ref: e.ref, key: e.key })
    return sendJson(ctx.res, 200, {
      scope: e.ref,
      cacheKey: e.key,
      cacheVersion: e.version,
      creationTime: e.createdAt.toISOString(),
      archiveLocation: downloadUrl(svc, e)
    })
  }

  if (ctx.method === 'GET' && sub === 'caches') {
    // Diagnostics listing (@actions/cache calls it on a miss in debug mode).
    const key = q.get('key') ?? ''
    const found = svc.store.all().filter(e => e.committed && e.key === key && readRefs.includes(e.ref))
    return sendJson(ctx.res, 200, {
      totalCount: found.length,
      artifactCaches: found.map(e => ({
        scope: e.ref,
        cacheKey: e.key,
        cacheVersion: e.version,
        creationTime: e.createdAt.toISOString()
      }))
    })
  }

  if (ctx.method === 'POST' && sub === 'caches') {
    const body = await jsonBody<{ key?: string; version?: string; cacheSize?: number }>(ctx)
    if (!body?.key || !body.version) return v1Error(ctx, 400, 'key and version are required', 'ArgumentException')
    ctx.log.key = body.key
    if (writeRef === undefined) {
      return v1Error(
        ctx,
        403,
        `cache write denied: the token grants no writable cache scope (key ${body.key})`,
        'CacheWriteDeniedException'
      )
    }
    ctx.log.ref = writeRef
    if ((body.cacheSize ?? 0) > SIZE_LIMIT) {
      return v1Error(ctx, 400, `Cache size of ${body.cacheSize} B is over the 10GB limit, not saving cache.`, 'ArgumentException')
    }
    const e = svc.store.reserve(writeRef, body.key, body.version, 'v1', svc.staleReservationMs)
    if (!e) {
      return v1Error(
        ctx,
        409,
        `Cache already exists. Scope: ${writeRef}, Key: ${body.key}, Version: ${body.version}`,
        'ArtifactCacheItemAlreadyExistsException'
      )
    }
    e.file = await svc.files.create(e.id)
    e.ranges = []
    e.urlSecret = randomBytes(16).toString('hex')
    return sendJson(ctx.res, 201, { cacheId: e.id })
  }

  const idMatch = /^caches\/(\d+)$/.exec(sub)
  if (idMatch && (ctx.method === 'PATCH' || ctx.method === 'POST')) {
    if (writeRef === undefined)
      return v1Error(ctx, 403, 'cache write denied: the token grants no writable cache scope', 'CacheWriteDeniedException')
    const e = svc.store.get(Number(idMatch[1]))
    if (e?.storage !== 'v1' || e.ref !== writeRef) {
      return v1Error(ctx, 404, `Cache with id ${idMatch[1]} was not found in ${writeRef}`, 'ArtifactCacheNotFoundException')
    }
    Object.assign(ctx.log, { ref: e.ref, key: e.key })
    if (e.committed) return v1Error(ctx, 400, `Cache ${e.id} is already committed`, 'InvalidOperationException')

    if (ctx.method === 'PATCH') {
      const m = /^bytes (\d+)-(\d+)\/(?:\*|\d+)$/.exec(String(ctx.req.headers['content-range'] ?? ''))
      if (!m) return v1Error(ctx, 400, 'Content-Range "bytes start-end/*" is required', 'ArgumentException')
      const [start, end] = [Number(m[1]), Number(m[2])]
      const data = await ctx.body()
      if (end < start || data.length !== end - start + 1) {
        return v1Error(ctx, 400, `Content-Range ${m[0]} does not match a body of ${data.length} bytes`, 'ArgumentException')
      }
      await svc.files.writeAt(e.file!, start, data)
      e.ranges!.push([start, end])
      return sendEmpty(ctx.res, 204)
    }

    const body = await jsonBody<{ size?: number }>(ctx)
    const size = Number(body?.size)
    if (!Number.isInteger(size) || size < 0) return v1Error(ctx, 400, 'size is required', 'ArgumentException')
    const onDisk = await svc.files.size(e.file!)
    if (onDisk !== size || !covers(e.ranges!, size)) {
      return v1Error(
        ctx,
        400,
        `Uploaded data does not match the size ${size} (received ${onDisk} bytes in ${e.ranges!.length} chunks)`,
        'ArgumentException'
      )
    }
    e.size = size
    e.committed = true
    return sendEmpty(ctx.res, 204)
  }

  return v1Error(ctx, 404, `no route for ${ctx.method} _apis/artifactcache/${sub}`, 'NotFoundException')
}

/**
 * GET/HEAD /_blobs/{id}?sig=...: the pre-authenticated archiveLocation of a v1 entry. Honours
 * `Range` (and Azure's `x-ms-range`), as BuildKit resumes reads at an offset.
 */
export function serveV1Blob(svc: ServiceState, ctx: Ctx, id: number): void {
  const e = svc.store.get(id)
  if (!e?.committed || e.storage !== 'v1') return sendJson(ctx.res, 404, { message: 'BlobNotFound' })
  if (ctx.url.searchParams.get('sig') !== e.urlSecret) return sendJson(ctx.res, 403, { message: 'AuthenticationFailed' })
  Object.assign(ctx.log, { ref: e.ref, key: e.key })
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Last-Modified': e.createdAt.toUTCString(),
    ETag: `"${e.id}-${e.size}"`,
    'x-ms-blob-type': 'BlockBlob'
  }
  let start = 0
  let end = e.size - 1
  let status = 200
  const range = String(ctx.req.headers['x-ms-range'] ?? ctx.req.headers.range ?? '')
  const m = /^bytes=(\d*)-(\d*)$/.exec(range)
  if (m && (m[1] !== '' || m[2] !== '')) {
    if (m[1] === '')
      start = Math.max(0, e.size - Number(m[2])) // suffix range: the last N bytes
    else {
      start = Number(m[1])
      if (m[2] !== '') end = Math.min(end, Number(m[2]))
    }
    if (start >= e.size || end < start) {
      ctx.res.writeHead(416, { 'Content-Range': `bytes */${e.size}`, 'Content-Length': 0 })
      return void ctx.res.end()
    }
    status = 206
    headers['Content-Range'] = `bytes ${start}-${end}/${e.size}`
  }
  headers['Content-Length'] = Math.max(0, end - start + 1)
  ctx.res.writeHead(status, headers)
  if (ctx.method === 'HEAD' || e.size === 0) return void ctx.res.end()
  createReadStream(e.file!, { start, end }).pipe(ctx.res)
}
