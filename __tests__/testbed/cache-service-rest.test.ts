// The stand-in's REST calls the cache budget relies on, through Octokit as the action makes them,
// with GitHub's semantics: usage, the storage limit (administration permission only), listing
// sorted and paged with a Link header, deletes (403 without actions: write), pull requests.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { getOctokit } from '@actions/github'
import { type CacheService, startCacheService } from '../../testbed/cache-service/server.js'

let svc: CacheService
const owner = 'octo-org'
const repo = 'octo-repo'
const octokit = (token: string) => getOctokit(token, { baseUrl: svc.url.replace(/\/$/, '') })

async function admin(method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${svc.url}_admin/${p}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  if (!res.ok) throw new Error(`admin ${method} ${p}: ${res.status} ${await res.text()}`)
  return res.status === 204 ? undefined : res.json()
}

const minutes = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString()

beforeAll(async () => {
  // An instance of its own (v1 only): usage counts every entry, so no other test's may be there.
  svc = await startCacheService({ quiet: true })
  await admin('POST', 'entries', [
    { ref: 'refs/heads/main', key: 'index-a', size: 300, createdAt: minutes(1), lastAccessedAt: minutes(50) },
    { ref: 'refs/heads/main', key: 'index-b', size: 100, createdAt: minutes(2), lastAccessedAt: minutes(10) },
    { ref: 'refs/pull/3/merge', key: 'index-a', size: 200, createdAt: minutes(3), lastAccessedAt: minutes(30) }
  ])
})

afterAll(async () => {
  await svc?.close()
})

describe('cache usage and the storage limit', () => {
  it('usage: the bytes and the count of the active caches', async () => {
    const { data } = await octokit('ghs_reader').rest.actions.getActionsCacheUsage({ owner, repo })
    expect(data).toEqual({ full_name: `${owner}/${repo}`, active_caches_size_in_bytes: 600, active_caches_count: 3 })
  })

  it('the storage limit: 403 for a token without the administration permission (GITHUB_TOKEN never has it)', async () => {
    await expect(
      octokit('ghs_job').request('GET /repos/{owner}/{repo}/actions/cache/storage-limit', { owner, repo })
    ).rejects.toMatchObject({ status: 403 })
  })

  it('the storage limit: 10 GB by default, as set, in GB, for an administration token', async () => {
    await admin('POST', 'admin-github-tokens', { token: 'ghs_admin' })
    const limit = () => octokit('ghs_admin').request('GET /repos/{owner}/{repo}/actions/cache/storage-limit', { owner, repo })
    expect((await limit()).data).toEqual({ max_cache_size_gb: 10 })
    await admin('PUT', 'cache-limit', { bytes: 2.5e9 })
    expect((await limit()).data).toEqual({ max_cache_size_gb: 2.5 })
  })
})

describe('listing caches', () => {
  const list = async (params: Record<string, string | number>) =>
    (await octokit('ghs_reader').rest.actions.getActionsCacheList({ owner, repo, ...params })).data.actions_caches.map(
      c => `${c.ref} ${c.key}`
    )

  it.each<[string, Record<string, string | number>, string[]]>([
    ['default: last used first', {}, ['refs/heads/main index-a', 'refs/pull/3/merge index-a', 'refs/heads/main index-b']],
    [
      'last_accessed_at asc',
      { sort: 'last_accessed_at', direction: 'asc' },
      ['refs/heads/main index-b', 'refs/pull/3/merge index-a', 'refs/heads/main index-a']
    ],
    [
      'created_at desc',
      { sort: 'created_at', direction: 'desc' },
      ['refs/pull/3/merge index-a', 'refs/heads/main index-b', 'refs/heads/main index-a']
    ],
    [
      'size_in_bytes desc',
      { sort: 'size_in_bytes', direction: 'desc' },
      ['refs/heads/main index-a', 'refs/pull/3/merge index-a', 'refs/heads/main index-b']
    ],
    ['a ref', { ref: 'refs/heads/main', sort: 'created_at', direction: 'asc' }, ['refs/heads/main index-a', 'refs/heads/main index-b']],
    ['a key prefix and a ref', { key: 'index-b', ref: 'refs/heads/main' }, ['refs/heads/main index-b']],
    ['a page', { sort: 'created_at', direction: 'asc', per_page: 2, page: 2 }, ['refs/pull/3/merge index-a']]
  ])('%s', async (_what, params, expected) => {
    expect(await list(params)).toEqual(expected)
  })

  it('250 entries: pages of 100 with a Link header, which Octokit follows to the last', async () => {
    await admin(
      'POST',
      'entries',
      Array.from({ length: 250 }, (_, i) => ({ ref: 'refs/heads/many', key: `many-${i}`, size: 1 }))
    )
    const client = octokit('ghs_reader')
    const first = await client.rest.actions.getActionsCacheList({ owner, repo, ref: 'refs/heads/many', per_page: 100 })
    expect(first.data.total_count).toBe(250)
    expect(first.data.actions_caches).toHaveLength(100)
    expect(first.headers.link).toMatch(/[?&]page=2[^>]*>; rel="next", <[^>]*[?&]page=3[^>]*>; rel="last"/)
    const all = await client.paginate(client.rest.actions.getActionsCacheList, { owner, repo, ref: 'refs/heads/many', per_page: 100 })
    expect(new Set(all.map(c => c.key)).size).toBe(250)
    for (const c of all) await client.rest.actions.deleteActionsCacheById({ owner, repo, cache_id: c.id! })
    expect((await client.rest.actions.getActionsCacheUsage({ owner, repo })).data.active_caches_count).toBe(3)
  })
})

describe('deleting caches', () => {
  it('a token without actions: write: 403 on a delete by id and by key, nothing deleted', async () => {
    await admin('POST', 'readonly-github-tokens', { token: 'ghs_readonly' })
    const client = octokit('ghs_readonly')
    const [entry] = (await client.rest.actions.getActionsCacheList({ owner, repo, key: 'index-b' })).data.actions_caches
    await expect(client.rest.actions.deleteActionsCacheById({ owner, repo, cache_id: entry.id! })).rejects.toMatchObject({ status: 403 })
    await expect(client.rest.actions.deleteActionsCacheByKey({ owner, repo, key: 'index-b' })).rejects.toMatchObject({ status: 403 })
    expect((await client.rest.actions.getActionsCacheUsage({ owner, repo })).data.active_caches_count).toBe(3)
  })

  it('by id: 204, then 404; the usage drops by its size', async () => {
    const client = octokit('ghs_writer')
    const [entry] = (await client.rest.actions.getActionsCacheList({ owner, repo, key: 'index-b' })).data.actions_caches
    expect((await client.rest.actions.deleteActionsCacheById({ owner, repo, cache_id: entry.id! })).status).toBe(204)
    await expect(client.rest.actions.deleteActionsCacheById({ owner, repo, cache_id: entry.id! })).rejects.toMatchObject({ status: 404 })
    expect((await client.rest.actions.getActionsCacheUsage({ owner, repo })).data).toMatchObject({
      active_caches_size_in_bytes: 500,
      active_caches_count: 2
    })
  })

  it('by key and ref: only that ref; by key alone: every ref', async () => {
    const client = octokit('ghs_writer')
    await admin('POST', 'entries', [{ ref: 'refs/heads/other', key: 'index-a', size: 1 }])
    const byRef = await client.rest.actions.deleteActionsCacheByKey({ owner, repo, key: 'index-a', ref: 'refs/pull/3/merge' })
    expect(byRef.data.actions_caches.map(c => c.ref)).toEqual(['refs/pull/3/merge'])
    const byKey = await client.rest.actions.deleteActionsCacheByKey({ owner, repo, key: 'index-a' })
    expect(byKey.data.actions_caches.map(c => c.ref).sort()).toEqual(['refs/heads/main', 'refs/heads/other'])
    expect((await client.rest.actions.getActionsCacheUsage({ owner, repo })).data.active_caches_count).toBe(0)
  })
})

describe('pull requests', () => {
  beforeAll(async () => {
    await admin(
      'PUT',
      'pulls',
      Array.from({ length: 120 }, (_, i) => ({ number: i + 1, state: i % 3 === 0 ? 'closed' : 'open' }))
    )
  })

  it('open ones by default, newest first, paged: Octokit gets all 80', async () => {
    const client = octokit('ghs_reader')
    const open = await client.paginate(client.rest.pulls.list, { owner, repo, per_page: 30 })
    expect(open).toHaveLength(80)
    expect(open.every(p => p.state === 'open')).toBe(true)
    expect(open[0].number).toBe(120)
    const closed = await client.paginate(client.rest.pulls.list, { owner, repo, state: 'closed', per_page: 100 })
    expect(closed.map(p => p.number).slice(0, 2)).toEqual([118, 115])
  })

  it('one by number; an unknown number is a 404', async () => {
    const client = octokit('ghs_reader')
    expect((await client.rest.pulls.get({ owner, repo, pull_number: 4 })).data).toMatchObject({ number: 4, state: 'closed' })
    await expect(client.rest.pulls.get({ owner, repo, pull_number: 999 })).rejects.toMatchObject({ status: 404 })
  })
})
