// Test controls under /_admin/ (no auth):
//   GET    health                      {ok, blobStore, entries, faults}
//   GET    entries                     [{id, ref, key, version, size, committed, storage, created, lastAccessed}]
//   DELETE entries                     forget every entry (and delete its bytes)
//   GET    faults | POST faults {match, status?, delayMs?, times?, drop?, retryAfter?} | DELETE faults
//   POST   entries [{ref, key, size, version?, createdAt?, lastAccessedAt?}]   seed committed entries without bytes
//   POST   readonly-github-tokens {token}   REST deletes with this token get 403
//   POST   admin-github-tokens {token}      this token may read the repository's cache storage limit
//   PUT    cache-limit {bytes}              the repository's cache storage limit (default 10 GB)
//   PUT    pulls [{number, state}]          the pull requests the REST API knows, open or closed
//   GET    requests?since=N            request log records with n > N | DELETE requests
//   POST   reset                       all of the above back to empty
import { jsonBody, sendEmpty, sendJson, type Ctx, type Fault, type ServiceState } from './http.js'
import { DEFAULT_CACHE_LIMIT_BYTES, deleteEntry } from './rest.js'

let nextFaultId = 1

export async function handleAdmin(svc: ServiceState, ctx: Ctx, sub: string): Promise<void> {
  const route = `${ctx.method} ${sub.replace(/\/+$/, '')}`
  switch (route) {
    case 'GET health':
      return sendJson(ctx.res, 200, {
        ok: true,
        blobStore: svc.blobs ? svc.blobs.containerName : null,
        entries: svc.store.all().length,
        faults: svc.faults.length
      })
    case 'GET entries':
      return sendJson(
        ctx.res,
        200,
        svc.store.all().map(e => ({
          id: e.id,
          ref: e.ref,
          key: e.key,
          version: e.version,
          size: e.size,
          committed: e.committed,
          storage: e.storage,
          created: e.createdAt.toISOString(),
          lastAccessed: e.lastAccessedAt.toISOString()
        }))
      )
    case 'POST entries': {
      type Seed = { ref?: string; key?: string; size?: number; version?: string; createdAt?: string; lastAccessedAt?: string }
      const seeds = await jsonBody<Seed[]>(ctx)
      if (!Array.isArray(seeds) || seeds.some(e => !e.ref || !e.key || typeof e.size !== 'number')) {
        return sendJson(ctx.res, 400, { message: 'a list of {ref, key, size} is required' })
      }
      const date = (text?: string) => (text ? new Date(text) : undefined)
      const made = seeds.map(e =>
        svc.store.seed({
          ref: e.ref!,
          key: e.key!,
          size: e.size!,
          version: e.version,
          createdAt: date(e.createdAt),
          lastAccessedAt: date(e.lastAccessedAt)
        })
      )
      return sendJson(
        ctx.res,
        201,
        made.map(e => ({ id: e.id, ref: e.ref, key: e.key }))
      )
    }
    case 'PUT cache-limit': {
      const b = await jsonBody<{ bytes?: number }>(ctx)
      if (typeof b?.bytes !== 'number' || b.bytes <= 0) return sendJson(ctx.res, 400, { message: 'bytes (a positive number) is required' })
      svc.cacheLimitBytes = b.bytes
      return sendEmpty(ctx.res, 204)
    }
    case 'PUT pulls': {
      const pulls = await jsonBody<Array<{ number?: number; state?: string }>>(ctx)
      if (!Array.isArray(pulls) || pulls.some(p => typeof p.number !== 'number' || (p.state !== 'open' && p.state !== 'closed'))) {
        return sendJson(ctx.res, 400, { message: 'a list of {number, state: open|closed} is required' })
      }
      for (const p of pulls) svc.pulls.set(p.number!, p.state as 'open' | 'closed')
      return sendEmpty(ctx.res, 204)
    }
    case 'POST admin-github-tokens': {
      const b = await jsonBody<{ token?: string }>(ctx)
      if (!b?.token) return sendJson(ctx.res, 400, { message: 'token is required' })
      svc.adminGithubTokens.add(b.token)
      return sendEmpty(ctx.res, 204)
    }
    case 'DELETE entries':
      for (const e of svc.store.all()) await deleteEntry(svc, e)
      return sendEmpty(ctx.res, 204)
    case 'GET faults':
      return sendJson(ctx.res, 200, svc.faults)
    case 'POST faults': {
      const f = await jsonBody<Partial<Fault>>(ctx)
      if (!f || typeof f.match !== 'string' || !f.match) return sendJson(ctx.res, 400, { message: 'match (a string) is required' })
      if (f.status === undefined && !f.drop && f.delayMs === undefined) {
        return sendJson(ctx.res, 400, { message: 'a fault needs status, drop or delayMs' })
      }
      const fault: Fault = {
        id: nextFaultId++,
        match: f.match,
        status: f.status,
        delayMs: f.delayMs,
        times: f.times,
        drop: f.drop,
        retryAfter: f.retryAfter,
        hits: 0
      }
      svc.faults.push(fault)
      return sendJson(ctx.res, 201, fault)
    }
    case 'DELETE faults':
      svc.faults.length = 0
      return sendEmpty(ctx.res, 204)
    case 'POST readonly-github-tokens': {
      const b = await jsonBody<{ token?: string }>(ctx)
      if (!b?.token) return sendJson(ctx.res, 400, { message: 'token is required' })
      svc.readonlyGithubTokens.add(b.token)
      return sendEmpty(ctx.res, 204)
    }
    case 'GET requests': {
      const since = Number(ctx.url.searchParams.get('since') ?? 0)
      return sendJson(
        ctx.res,
        200,
        svc.requests.filter(r => r.n > since)
      )
    }
    case 'DELETE requests':
      svc.requests.length = 0
      return sendEmpty(ctx.res, 204)
    case 'POST reset':
      for (const e of svc.store.all()) await deleteEntry(svc, e)
      svc.faults.length = 0
      svc.requests.length = 0
      svc.readonlyGithubTokens.clear()
      svc.adminGithubTokens.clear()
      svc.cacheLimitBytes = DEFAULT_CACHE_LIMIT_BYTES
      svc.pulls.clear()
      return sendEmpty(ctx.res, 204)
    default:
      return sendJson(ctx.res, 404, { message: `no admin route ${route}` })
  }
}
