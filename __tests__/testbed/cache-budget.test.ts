// cache-budget, run as GitHub's runner runs the action (main step, then post step) on a
// repository whose GitHub Actions cache is over budget: a cache service of its own (usage counts
// every entry), seeded through its admin API with this action's caches under a closed and an
// open pull request, a closed pull request's kept under main (pull_request_target), two
// branches and the default branch, and other tools' caches; then a push to main with the local
// backend, whose post step keeps the budget.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { type TestbedEnv, fixtureContext, testbedEnv } from '../../testbed/env.js'
import type { RunResult } from '../../testbed/runner.js'
import { type CacheService, startCacheService } from '../../testbed/cache-service/server.js'
import { pushBuild, serviceEntries, tempDir } from '../../testbed/scenario.js'
import { admin as adminCall, minutesAgo, seedThousandCaches } from '../../testbed/cache-budget-seed.js'

const MB = 1e6
const nonce = randomBytes(4).toString('hex')
const namespace = `budget${nonce}/app`
const key = (scope: string, commit: string) => `buildkit-${namespace}/${scope}#${commit}`
const ago = minutesAgo

/** Seeded: 9 caches of 10 MB. This action's, in the order the budget deletes them, then what stays. */
const SEEDS = [
  { ref: 'refs/pull/501/merge', key: key('pr-501', 'c1'), at: 20 }, // closed pull request: first, though used lately
  { ref: 'refs/heads/main', key: key('pr-503', 'c8'), at: 10 }, // closed pull request whose pull_request_target runs kept it under main
  { ref: 'refs/heads/old', key: key('old', 'c2'), at: 40 }, // the ref used longest ago
  { ref: 'refs/pull/502/merge', key: key('pr-502', 'c3'), at: 30 }, // an open pull request, used later
  { ref: 'refs/heads/new', key: key('new', 'c4'), at: 5 }, // the branch used last
  { ref: 'refs/heads/main', key: key('main', 'c5'), at: 100 }, // main's oldest commit: superseded
  { ref: 'refs/heads/main', key: key('main', 'c6'), at: 90 }, // main's next commit: enough is freed before it
  { ref: 'refs/pull/501/merge', key: 'npm-linux-x64', at: 60 }, // another tool's, under the closed pull request
  { ref: 'refs/heads/older', key: `buildkit-budget${nonce}/other/older#c7`, at: 200 } // another image's namespace
]
const DELETED = SEEDS.slice(0, 6).map(s => s.key)

describe('cache-budget: a repository over budget', () => {
  let svc: CacheService
  let bed: TestbedEnv
  let inputs: Record<string, string>
  let runnerTemp: string

  const admin = (method: string, what: string, body: unknown) => adminCall(svc, method, what, body)
  const run = (more: Record<string, string>): Promise<RunResult> =>
    pushBuild('main', { ...inputs, ...more }, { bed, runnerTemp, protocol: 'v1' })

  beforeAll(async () => {
    svc = await startCacheService({ quiet: true })
    bed = { ...testbedEnv(), cacheService: { url: svc.url } }
    runnerTemp = tempDir('runner-temp-')
    inputs = {
      context: fixtureContext([`echo budget-${nonce} > /budget`], bed),
      'cache-backend': 'local',
      tags: `${bed.registry}/${namespace}:latest`
    }
    await admin(
      'POST',
      'entries',
      SEEDS.map(s => ({ ref: s.ref, key: s.key, size: 10 * MB, createdAt: ago(s.at), lastAccessedAt: ago(s.at) }))
    )
    await admin('PUT', 'pulls', [
      { number: 501, state: 'closed' },
      { number: 502, state: 'open' },
      { number: 503, state: 'closed' }
    ])
    await admin('POST', 'readonly-github-tokens', { token: 'ghs_readonly' })
    await admin('POST', 'admin-github-tokens', { token: 'ghs_admin' })
  })

  afterAll(async () => {
    await svc?.close()
  })

  const keys = async () => (await serviceEntries(bed)).map(e => e.key)

  it('a token without actions: write: one notice with what would be freed and the permission, nothing deleted', async () => {
    const result = await run({ 'github-token': 'ghs_readonly', 'cache-budget': '35MB' })
    expect(result.main.exitCode).toBe(0)
    expect(result.post?.exitCode).toBe(0)
    const notices = result.annotations.filter(a => a.level !== 'debug').map(a => `${a.level}: ${a.message}`)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(
      /^notice: Cache budget: the repository's GitHub Actions cache holds 91\.\d MB, over the budget of 35\.0 MB \(set by cache-budget\)\. /
    )
    expect(notices[0]).toMatch(/Deleting 6 of this action's caches would free 60\.0 MB, but github-token may not delete caches: /)
    expect(notices[0]).toMatch(/give the job "permissions: actions: write"\.$/)
    expect(await keys()).toEqual(expect.arrayContaining(SEEDS.map(s => s.key)))
    expect(await keys()).toContain(key('main', 'a'.repeat(40)))
  })

  it("80% of the repository's limit: deletes exactly the expected caches in order; main's newest and other tools' stay", async () => {
    // 43.75 MB: the budget is 35 MB; 90 MB and this run's export (about 1 MB) are in use.
    await admin('PUT', 'cache-limit', { bytes: 43.75 * MB })
    const started = Date.now()
    const result = await run({ 'github-token': 'ghs_admin' })
    expect(result.main.exitCode).toBe(0)
    expect(result.post?.exitCode).toBe(0)
    expect(result.annotations.filter(a => a.level === 'warning' || a.level === 'error' || a.level === 'notice')).toEqual([])
    const order = [...result.log.matchAll(/cache budget: deleted (\S+) under (\S+) \(10\.0 MB; ([a-z ]+)\)/g)].map(m => [m[1], m[3]])
    expect(order).toEqual([
      [DELETED[0], 'closed pull request'],
      [DELETED[1], 'closed pull request'],
      [DELETED[2], 'least recently used ref'],
      [DELETED[3], 'least recently used ref'],
      [DELETED[4], 'least recently used ref'],
      [DELETED[5], 'superseded']
    ])
    const left = await keys()
    for (const deleted of DELETED) expect(left).not.toContain(deleted)
    expect(left).toEqual(expect.arrayContaining([key('main', 'a'.repeat(40)), ...SEEDS.slice(6).map(s => s.key)]))
    expect(result.log).toMatch(/cache budget: .*; freed 60\.0 MB \(60000000 bytes\), 31\.\d MB left/)
    expect(result.summary).toContain('<h3>Cache budget</h3>')
    expect(result.summary).toMatch(
      /Usage: 91\.\d MB → 31\.\d MB, budget 35\.0 MB \(80% of the 43\.8 MB limit\)\. Freed: 60\.0 MB \(60000000 bytes\) in 6 caches\./
    )
    expect(result.summary).toContain(
      `<td><code>${DELETED[0]}</code></td><td>refs/pull/501/merge</td><td>10.0 MB</td><td>closed pull request</td>`
    )
    console.log(`cache budget: the run (main and post steps) took ${Date.now() - started} ms`)
  })

  it('within the budget: the post step makes one usage call and nothing else', async () => {
    const before = (await (await fetch(`${svc.url}_admin/requests`)).json()) as Array<{ n: number }>
    const since = before.reduce((m, r) => Math.max(m, r.n), 0)
    const result = await run({ 'github-token': 'ghs_admin' })
    expect(result.post?.exitCode).toBe(0)
    expect(result.log).toMatch(/cache budget: 31\.\d MB in use, within 35\.0 MB/)
    const calls = (await (await fetch(`${svc.url}_admin/requests?since=${since}`)).json()) as Array<{ method: string; path: string }>
    expect(calls.filter(c => c.path.includes('/repos/')).map(c => `${c.method} ${c.path.replace(/^\/repos\/[^/]+\/[^/]+/, '')}`)).toEqual([
      'GET /actions/cache/storage-limit',
      'GET /actions/cache/usage'
    ])
  })

  it('1,000 caches, 40 of them to delete: what the budget adds to the post step (target: under 1 s)', async () => {
    await seedThousandCaches(svc, key)
    // In use: the ~31 MB left above, 40 MB of this action's, 96 MB of other tools'.
    const off = await run({ 'github-token': 'ghs_admin', 'cache-budget': 'off' })
    const on = await run({ 'github-token': 'ghs_admin', 'cache-budget': '128MB' })
    expect(on.post?.exitCode).toBe(0)
    expect([...on.log.matchAll(/cache budget: deleted \S+ under refs\/pull\/6\d\d\/merge \(1\.0 MB; closed pull request\)/g)]).toHaveLength(
      40
    )
    expect(on.log).toMatch(/freed 40\.0 MB \(40000000 bytes\)/)
    const added = on.post!.wallMs - off.post!.wallMs
    console.log(
      `cache budget on 1,000 caches: post step ${on.post!.wallMs} ms with the budget (1 usage call, 10 list calls, 1 pull request list, ` +
        `40 deletes) against ${off.post!.wallMs} ms with cache-budget: off: ${added} ms added`
    )
    // A shared 2-core machine: the bound is loose, the log line is the measurement.
    expect(added).toBeLessThan(3000)
  })
})
