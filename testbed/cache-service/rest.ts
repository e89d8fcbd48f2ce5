// GitHub's REST API for managing caches (GITHUB_API_URL can point at this server):
//   GET    /repos/{owner}/{repo}/actions/caches?key=&ref=&sort=&direction=&per_page=&page=
//   DELETE /repos/{owner}/{repo}/actions/caches?key=&ref=
//   DELETE /repos/{owner}/{repo}/actions/caches/{cache_id}
// One repository's caches are served whatever {owner}/{repo} says.
import { bearer, sendEmpty, sendJson, type Ctx, type ServiceState } from './http.js'
import type { Entry } from './store.js'

export const REST_ROUTE = /^\/repos\/[^/]+\/[^/]+\/actions\/caches(?:\/(\d+))?\/?$/

const view = (e: Entry) => ({
  id: e.id,
  ref: e.ref,
  key: e.key,
  version: e.version,
  last_accessed_at: e.lastAccessedAt.toISOString(),
  created_at: e.createdAt.toISOString(),
  size_in_bytes: e.size
})

export async function deleteEntry(svc: ServiceState, e: Entry): Promise<void> {
  svc.store.delete(e.id)
  if (e.file) await svc.files.delete(e.file)
  if (e.blob && svc.blobs) await svc.blobs.delete(e.blob).catch(() => undefined)
}

export async function handleRest(svc: ServiceState, ctx: Ctx, id: string | undefined): Promise<void> {
  const token = bearer(ctx.req)
  if (!token) return sendJson(ctx.res, 401, { message: 'Requires authentication', status: '401' })
  const q = ctx.url.searchParams
  const committed = svc.store.all().filter(e => e.committed)

  if (ctx.method === 'GET' && id === undefined) {
    const key = q.get('key')
    const ref = q.get('ref')
    const sort = (q.get('sort') ?? 'last_accessed_at') as 'last_accessed_at' | 'created_at' | 'size_in_bytes'
    const dir = q.get('direction') === 'asc' ? 1 : -1
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30) || 30))
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1)
    const found = committed
      .filter(e => (key ? e.key.startsWith(key) : true) && (ref ? e.ref === ref : true))
      .map(view)
      .sort((a, b) => dir * (a[sort] < b[sort] ? -1 : a[sort] > b[sort] ? 1 : a.id - b.id))
    return sendJson(ctx.res, 200, { total_count: found.length, actions_caches: found.slice((page - 1) * perPage, page * perPage) })
  }

  if (ctx.method !== 'DELETE') return sendJson(ctx.res, 404, { message: 'Not Found', status: '404' })
  if (svc.readonlyGithubTokens.has(token)) {
    return sendJson(ctx.res, 403, { message: 'Resource not accessible by integration', status: '403' })
  }

  if (id !== undefined) {
    const e = committed.find(x => x.id === Number(id))
    if (!e) return sendJson(ctx.res, 404, { message: 'Not Found', status: '404' })
    Object.assign(ctx.log, { ref: e.ref, key: e.key })
    await deleteEntry(svc, e)
    return sendEmpty(ctx.res, 204)
  }

  const key = q.get('key')
  const ref = q.get('ref')
  if (!key) return sendJson(ctx.res, 422, { message: 'Invalid request.\n\n"key" wasn\'t supplied.', status: '422' })
  Object.assign(ctx.log, { key, ref: ref ?? undefined })
  const doomed = committed.filter(e => e.key === key && (ref ? e.ref === ref : true))
  if (!doomed.length) return sendJson(ctx.res, 404, { message: 'Not Found', status: '404' })
  for (const e of doomed) await deleteEntry(svc, e)
  return sendJson(ctx.res, 200, { total_count: doomed.length, actions_caches: doomed.map(view) })
}
