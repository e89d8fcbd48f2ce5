// Test controls under /_admin/ (no auth):
//   GET    health                      {ok, blobStore, entries, faults}
//   GET    entries                     [{id, ref, key, version, size, committed, storage, created, lastAccessed}]
//   DELETE entries                     forget every entry (and delete its bytes)
//   GET    faults | POST faults {match, status?, delayMs?, times?, drop?, retryAfter?} | DELETE faults
//   POST   readonly-github-tokens {token}   REST deletes with this token get 403
//   GET    requests?since=N            request log records with n > N | DELETE requests
//   POST   reset                       all of the above back to empty
import { jsonBody, sendEmpty, sendJson, type Ctx, type Fault, type ServiceState } from './http.js'
import { deleteEntry } from './rest.js'

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
      return sendEmpty(ctx.res, 204)
    default:
      return sendJson(ctx.res, 404, { message: `no admin route ${route}` })
  }
}
