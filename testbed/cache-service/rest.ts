// GitHub's REST API for managing caches (GITHUB_API_URL can point at this server):
//   GET    /repos/{owner}/{repo}/actions/caches?key=&ref=&sort=&direction=&per_page=&page=
//   DELETE /repos/{owner}/{repo}/actions/caches?key=&ref=
//   DELETE /repos/{owner}/{repo}/actions/caches/{cache_id}
//   GET    /repos/{owner}/{repo}/actions/cache/usage
//   GET    /repos/{owner}/{repo}/actions/cache/storage-limit   (administration permission only)
//   GET    /repos/{owner}/{repo}/pulls?state=&per_page=&page=  and  /pulls/{number}
// One repository's caches are served whatever {owner}/{repo} says. Lists are paged as GitHub
// pages them: per_page (at most 100), page, and a Link header naming the next and last pages.
import { bearer, sendEmpty, sendJson, type Ctx, type ServiceState } from './http.js'
import type { Entry } from './store.js'

export const REST_ROUTE =
  /^\/repos\/([^/]+\/[^/]+)\/(actions\/caches(?:\/\d+)?|actions\/cache\/(?:usage|storage-limit)|pulls(?:\/\d+)?)\/?$/

/** GitHub's default cache storage limit of a repository. */
export const DEFAULT_CACHE_LIMIT_BYTES = 10e9

const FORBIDDEN = { message: 'Resource not accessible by integration', status: '403' }
const NOT_FOUND = { message: 'Not Found', status: '404' }

/** One page of `items` as GitHub pages a list, with its Link header. */
function paged<T>(ctx: Ctx, items: T[]): { page: T[]; headers: Record<string, string> } {
  const q = ctx.url.searchParams
  const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30) || 30))
  const page = Math.max(1, Number(q.get('page') ?? 1) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (n: number, rel: string) => {
    const url = new URL(ctx.url.pathname + ctx.url.search, `http://${ctx.req.headers.host}`)
    url.searchParams.set('page', String(n))
    return `<${url}>; rel="${rel}"`
  }
  const rels = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(1, 'first')] : [])]
  return { page: items.slice((page - 1) * perPage, page * perPage), headers: rels.length ? { Link: rels.join(', ') } : {} }
}

const pullView = (number: number, state: 'open' | 'closed') => ({ number, state, merged_at: null })

function handlePulls(svc: ServiceState, ctx: Ctx, number: string | undefined): void {
  const res = ctx.res
  if (ctx.method !== 'GET') return sendJson(res, 404, NOT_FOUND)
  if (number !== undefined) {
    const state = svc.pulls.get(Number(number))
    return state ? sendJson(res, 200, pullView(Number(number), state)) : sendJson(res, 404, NOT_FOUND)
  }
  const wanted = ctx.url.searchParams.get('state') ?? 'open'
  const pulls = [...svc.pulls]
    .filter(([, state]) => wanted === 'all' || state === wanted)
    .sort(([a], [b]) => b - a)
    .map(([n, state]) => pullView(n, state))
  const { page, headers } = paged(ctx, pulls)
  return sendJson(res, 200, page, headers)
}

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

export async function handleRest(svc: ServiceState, ctx: Ctx, fullName: string, resource: string): Promise<void> {
  const token = bearer(ctx.req)
  if (!token) return sendJson(ctx.res, 401, { message: 'Requires authentication', status: '401' })
  const q = ctx.url.searchParams
  const committed = svc.store.all().filter(e => e.committed)
  if (resource.startsWith('pulls')) return handlePulls(svc, ctx, resource.split('/')[1])
  if (resource === 'actions/cache/usage') {
    if (ctx.method !== 'GET') return sendJson(ctx.res, 404, NOT_FOUND)
    return sendJson(ctx.res, 200, {
      full_name: fullName,
      active_caches_size_in_bytes: committed.reduce((sum, e) => sum + e.size, 0),
      active_caches_count: committed.length
    })
  }
  if (resource === 'actions/cache/storage-limit') {
    if (ctx.method !== 'GET') return sendJson(ctx.res, 404, NOT_FOUND)
    if (!svc.adminGithubTokens.has(token)) return sendJson(ctx.res, 403, FORBIDDEN)
    return sendJson(ctx.res, 200, { max_cache_size_gb: svc.cacheLimitBytes / 1e9 })
  }
  const id = resource.split('/')[2]

  if (ctx.method === 'GET' && id === undefined) {
    const key = q.get('key')
    const ref = q.get('ref')
    const sort = (q.get('sort') ?? 'last_accessed_at') as 'last_accessed_at' | 'created_at' | 'size_in_bytes'
    const dir = q.get('direction') === 'asc' ? 1 : -1
    const found = committed
      .filter(e => (key ? e.key.startsWith(key) : true) && (ref ? e.ref === ref : true))
      .map(view)
      .sort((a, b) => dir * (a[sort] < b[sort] ? -1 : a[sort] > b[sort] ? 1 : a.id - b.id))
    const { page, headers } = paged(ctx, found)
    return sendJson(ctx.res, 200, { total_count: found.length, actions_caches: page }, headers)
  }

  if (ctx.method !== 'DELETE') return sendJson(ctx.res, 404, NOT_FOUND)
  if (svc.readonlyGithubTokens.has(token)) return sendJson(ctx.res, 403, FORBIDDEN)

  if (id !== undefined) {
    const e = committed.find(x => x.id === Number(id))
    if (!e) return sendJson(ctx.res, 404, NOT_FOUND)
    Object.assign(ctx.log, { ref: e.ref, key: e.key })
    await deleteEntry(svc, e)
    return sendEmpty(ctx.res, 204)
  }

  const key = q.get('key')
  const ref = q.get('ref')
  if (!key) return sendJson(ctx.res, 422, { message: 'Invalid request.\n\n"key" wasn\'t supplied.', status: '422' })
  Object.assign(ctx.log, { key, ref: ref ?? undefined })
  const doomed = committed.filter(e => e.key === key && (ref ? e.ref === ref : true))
  if (!doomed.length) return sendJson(ctx.res, 404, NOT_FOUND)
  for (const e of doomed) await deleteEntry(svc, e)
  return sendJson(ctx.res, 200, { total_count: doomed.length, actions_caches: doomed.map(view) })
}
