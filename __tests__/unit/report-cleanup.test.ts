import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runContext } from '../../src/core/context.js'
import { readInputs } from '../../src/core/inputs.js'
import { plan } from '../../src/core/plan.js'
import type { Env } from '../../src/core/context.js'
import { deleteRegistryTag, nextPage } from '../../src/effects/registry-client.js'
import { type BuildOutcome, chainMarks } from '../../src/core/summary.js'
import { mintRuntimeToken } from '../../testbed/cache-service/token.js'

const PR_PAYLOAD = {
  number: 7,
  pull_request: { number: 7, base: { ref: 'release', repo: { full_name: 'o/r' } }, head: { ref: 'feature', repo: { full_name: 'o/r' } } },
  repository: { default_branch: 'main', full_name: 'o/r' }
}
const PR_CONTEXT = runContext(
  { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'abc', GITHUB_REPOSITORY: 'o/r' },
  PR_PAYLOAD
)
const TOKEN = mintRuntimeToken({
  scopes: [
    { ref: 'refs/pull/7/merge', permission: 3 },
    { ref: 'refs/heads/release', permission: 1 },
    { ref: 'refs/heads/main', permission: 1 }
  ]
})
const ENV: Env = { ACTIONS_RUNTIME_TOKEN: TOKEN, ACTIONS_RESULTS_URL: 'http://cache.test/', RUNNER_TEMP: '/runner/temp' }

function planFor(backend: string) {
  return plan(
    readInputs(name => ({ 'cache-backend': backend, tags: 'ghcr.io/o/app:1' })[name] ?? ''),
    PR_CONTEXT,
    ENV
  )
}

describe('Import chain marks of the local backend come from the restore', () => {
  const p = planFor('local')
  const outcome = (restored: BuildOutcome['restored']): BuildOutcome => ({ chosen: p.imports, restored })

  it('the chain is pr-7, release, main, with one restore key each', () => {
    expect(p.chain.map(s => s.id)).toEqual(['o/app/pr-7', 'o/app/release', 'o/app/main'])
    expect(p.local!.restoreKeys).toEqual(['buildkit-o/app/pr-7#', 'buildkit-o/app/release#', 'buildkit-o/app/main#'])
  })

  it.each([
    ['the own key', 'buildkit-o/app/pr-7#abc', 'o/app/pr-7 ✓ → o/app/release ? → o/app/main ?'],
    ["an older commit's key of the own scope", 'buildkit-o/app/pr-7#0123', 'o/app/pr-7 ✓ → o/app/release ? → o/app/main ?'],
    ["the base branch's key", 'buildkit-o/app/release#9', 'o/app/pr-7 ✗ → o/app/release ✓ → o/app/main ?'],
    ["the default branch's key", 'buildkit-o/app/main#9', 'o/app/pr-7 ✗ → o/app/release ✗ → o/app/main ✓']
  ])('restored from %s', (_, key, marks) => {
    expect(chainMarks(p, outcome({ key, bytes: 10, looked: true }))).toBe(marks)
  })

  it('nothing restored: every scope ✗', () => {
    expect(chainMarks(p, outcome({ bytes: 0, looked: true }))).toBe('o/app/pr-7 ✗ → o/app/release ✗ → o/app/main ✗')
  })

  it('a restore that failed or was not tried says nothing: ?', () => {
    expect(chainMarks(p, outcome({ bytes: 0 }))).toBe('o/app/pr-7 ? → o/app/release ? → o/app/main ?')
    expect(chainMarks(p, outcome(undefined))).toBe('o/app/pr-7 ? → o/app/release ? → o/app/main ?')
  })

  it("other backends still read BuildKit's import lines", () => {
    const registry = planFor('registry')
    const imports = [
      { source: 'ghcr.io/o/app:buildcache-pr-7', found: false },
      { source: 'ghcr.io/o/app:buildcache-main', found: true }
    ]
    const report = { totalSteps: 1, cachedSteps: 1, runSeconds: 0, importSeconds: 0, exportSeconds: 0, imports, exportErrors: [] }
    expect(chainMarks(registry, { chosen: registry.imports, report })).toBe('o/app/pr-7 ✗ → o/app/release ? → o/app/main ✓')
  })

  it('gha: the marks come from the cache index lookup when there is one, else ?', () => {
    const gha = planFor('gha')
    expect(gha.chain.map(s => [s.indexKey, s.ref])).toEqual([
      ['index-o/app/pr-7-', 'refs/pull/7/merge'],
      ['index-o/app/release-', 'refs/heads/release'],
      ['index-o/app/main-', 'refs/heads/main']
    ])
    expect(chainMarks(gha, { chosen: gha.imports, indexFound: [false, false, true] })).toBe('o/app/pr-7 ✗ → o/app/release ✗ → o/app/main ✓')
    expect(chainMarks(gha, { chosen: gha.imports })).toBe('o/app/pr-7 ? → o/app/release ? → o/app/main ?')
  })

  it("envd: the chosen registry scope ✓, the ones probed before it ✗; gha's one import read under every ref: ?", () => {
    const envdPlan = (backend: string) =>
      plan(
        readInputs(name => ({ 'build-tool': 'envd', 'cache-backend': backend, tags: 'ghcr.io/o/app:1' })[name] ?? ''),
        PR_CONTEXT,
        ENV
      )
    const report = { totalSteps: 3, cachedSteps: 3, runSeconds: 0, importSeconds: 0, exportSeconds: 0, imports: [], exportErrors: [] }
    const registry = envdPlan('registry')
    expect(chainMarks(registry, { chosen: registry.imports.slice(2), report })).toBe('o/app/pr-7 ✗ → o/app/release ✗ → o/app/main ✓')
    const gha = envdPlan('gha')
    expect(chainMarks(gha, { chosen: gha.imports, report })).toBe('o/app/pr-7 ? → o/app/release ? → o/app/main ?')
  })
})

describe('nextPage reads the Link header of a tag list', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['</v2/a/tags/list?last=b&n=2>; rel="next"', '/v2/a/tags/list?last=b&n=2'],
    [
      '<https://r.test/v2/a/tags/list?last=b>; rel="prev", <https://r.test/v2/a/tags/list?last=c>; rel="next"',
      'https://r.test/v2/a/tags/list?last=c'
    ]
  ])('%p', (link, next) => {
    expect(nextPage(link)).toBe(next)
  })
})

/** A distribution-API registry in memory: tags → manifests, DELETE by digest removes every tag of it. */
function fakeRegistry(tags: Record<string, string>, pageSize = 2) {
  const digestOf = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`
  const deleted: string[] = []
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    const list = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname)
    if (list && req.method === 'GET') {
      const all = Object.keys(tags).sort()
      const after = url.searchParams.get('last')
      const rest = after ? all.filter(t => t > after) : all
      const page = rest.slice(0, pageSize)
      if (rest.length > pageSize)
        res.setHeader('Link', `</v2/${list[1]}/tags/list?last=${page[page.length - 1]}&n=${pageSize}>; rel="next"`)
      res.setHeader('Content-Type', 'application/json')
      return res.end(JSON.stringify({ name: list[1], tags: page }))
    }
    const manifest = /^\/v2\/.+\/manifests\/(.+)$/.exec(url.pathname)
    if (manifest) {
      const reference = decodeURIComponent(manifest[1])
      if (req.method === 'HEAD') {
        if (!(reference in tags)) return res.writeHead(404).end()
        return res.writeHead(200, { 'Docker-Content-Digest': digestOf(tags[reference]) }).end()
      }
      if (req.method === 'DELETE') {
        const doomed = Object.keys(tags).filter(t => digestOf(tags[t]) === reference)
        if (!doomed.length) return res.writeHead(404).end()
        for (const t of doomed) delete tags[t]
        deleted.push(...doomed)
        return res.writeHead(202).end()
      }
    }
    res.writeHead(404).end()
  })
  return { server, tags, deleted }
}

describe('deleteRegistryTag deletes a manifest only when no other tag points at it', () => {
  let registry: ReturnType<typeof fakeRegistry>
  let host: string
  beforeAll(async () => {
    registry = fakeRegistry({
      'buildcache-main': 'cache-A',
      'buildcache-pr-7': 'cache-A',
      'buildcache-pr-8': 'cache-B',
      'buildcache-pr-9': 'cache-C',
      latest: 'image'
    })
    await new Promise<void>(resolve => registry.server.listen(0, '127.0.0.1', resolve))
    host = `127.0.0.1:${(registry.server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>(resolve => registry.server.close(() => resolve())))

  it("keeps a pull request's tag that shares its manifest with main's, and says why", async () => {
    const result = await deleteRegistryTag(`${host}/o/app:buildcache-pr-7`, {})
    expect(result).toEqual({ result: 'kept', reason: expect.stringContaining('buildcache-main') })
    expect(registry.deleted).toEqual([])
  })

  it('deletes a tag whose manifest is its own (the tag list spans several pages)', async () => {
    expect(await deleteRegistryTag(`${host}/o/app:buildcache-pr-9`, {})).toEqual({ result: 'deleted' })
    expect(registry.deleted).toEqual(['buildcache-pr-9'])
    expect(Object.keys(registry.tags).sort()).toEqual(['buildcache-main', 'buildcache-pr-7', 'buildcache-pr-8', 'latest'])
  })

  it('a tag that does not exist is missing', async () => {
    expect(await deleteRegistryTag(`${host}/o/app:buildcache-pr-9`, {})).toEqual({ result: 'missing' })
  })
})
