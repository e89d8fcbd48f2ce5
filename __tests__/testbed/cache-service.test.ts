// Trust tests for the cache service stand-in: the real clients (@actions/cache over v2 and v1,
// Octokit for the REST API, BuildKit's gha backend through buildx) work against it, and it
// enforces GitHub's ref isolation and injects faults.
import { jest } from '@jest/globals'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as cache from '@actions/cache'
import { getOctokit } from '@actions/github'
import { startCacheService, type CacheService } from '../../testbed/cache-service/server.js'
import { mintRuntimeToken, pullRequestToken, pushToken, readOnlyToken } from '../../testbed/cache-service/token.js'
import type { LogRecord } from '../../testbed/cache-service/http.js'
import { countCachedSteps, fixtureContext, testbedEnv, toolEnv } from '../../testbed/env.js'

let svc: CacheService
let work: string
const nonce = randomBytes(3).toString('hex')

beforeAll(async () => {
  // Its own instance (not the bed's on 8055), so entries and faults stay private to this file.
  svc = await startCacheService({ blobUrl: testbedEnv().azblob.accountUrl, container: 'actions-cache-trust', quiet: true })
  work = await mkdtemp(path.join(tmpdir(), 'cache-service-test-'))
})

afterAll(async () => {
  await svc?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

async function admin<T = unknown>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${svc.url}_admin/${p}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  if (!res.ok) throw new Error(`admin ${method} ${p}: ${res.status} ${await res.text()}`)
  return (res.status === 204 ? undefined : await res.json()) as T
}

interface AdminEntry {
  id: number
  ref: string
  key: string
  version: string
  size: number
  committed: boolean
  storage: 'v1' | 'v2'
}
const entries = () => admin<AdminEntry[]>('GET', 'entries')
const requestsSince = (n: number) => admin<LogRecord[]>('GET', `requests?since=${n}`)
const lastRequestNo = async () => (await admin<LogRecord[]>('GET', 'requests')).reduce((m, r) => Math.max(m, r.n), 0)

type Protocol = 'v2' | 'v1'

/**
 * Runs fn with the runner's variables for one protocol and token, capturing what @actions/core
 * prints (warnings arrive as ::warning:: lines on stdout).
 */
async function asStep<T>(protocol: Protocol, token: string, ws: string, fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const vars: Record<string, string | undefined> = {
    ACTIONS_RUNTIME_TOKEN: token,
    ACTIONS_CACHE_SERVICE_V2: protocol === 'v2' ? 'true' : undefined,
    ACTIONS_RESULTS_URL: protocol === 'v2' ? svc.url : undefined,
    ACTIONS_CACHE_URL: protocol === 'v1' ? svc.url : undefined,
    ACTIONS_CACHE_MODE: undefined,
    GITHUB_SERVER_URL: undefined,
    RUNNER_DEBUG: undefined,
    GITHUB_WORKSPACE: ws,
    RUNNER_TEMP: path.join(work, 'runner-temp')
  }
  const saved = Object.fromEntries(Object.keys(vars).map(k => [k, process.env[k]]))
  const setAll = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k]
      else process.env[k] = x
    }
  }
  const chunks: string[] = []
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c))
    return true
  })
  setAll(vars)
  try {
    return { value: await fn(), out: chunks.join('') }
  } finally {
    spy.mockRestore()
    setAll(saved)
  }
}

/**
 * The workspace of one protocol's tests, with one file to cache. @actions/cache versions an
 * entry by its path list, so every test of a protocol caches the same absolute path.
 */
async function workspace(name: string, content: string): Promise<{ ws: string; paths: string[]; file: string }> {
  const ws = path.join(work, name)
  await mkdir(path.join(ws, 'deps'), { recursive: true })
  const file = path.join(ws, 'deps', 'data.txt')
  await writeFile(file, content)
  return { ws, paths: [path.join(ws, 'deps')], file }
}

describe.each<Protocol>(['v2', 'v1'])('@actions/cache over %s', protocol => {
  const k = (s: string) => `${protocol}-${nonce}-${s}`

  test('saved on main, restored from a pull request through a restore-key prefix', async () => {
    const { ws, paths, file } = await workspace(protocol, 'built on main')
    const saved = await asStep(protocol, pushToken('main'), ws, () => cache.saveCache(paths, k('deps-main-1')))
    expect(saved.value).toBeGreaterThan(0)
    const stored = (await entries()).find(e => e.key === k('deps-main-1'))
    expect(stored).toMatchObject({ ref: 'refs/heads/main', committed: true, storage: protocol })

    await rm(file)
    const before = await lastRequestNo()
    const restored = await asStep(protocol, pullRequestToken(7, 'main'), ws, () => cache.restoreCache(paths, k('deps-pr7-1'), [k('deps-')]))
    expect(restored.value).toBe(k('deps-main-1'))
    expect(await readFile(file, 'utf8')).toBe('built on main')
    const lookups = (await requestsSince(before)).filter(r => r.result)
    expect(lookups).toEqual([expect.objectContaining({ result: 'hit', ref: 'refs/heads/main', key: k('deps-main-1') })])
  })

  test("a pull request's own entry wins over main's, and a sibling branch cannot see it", async () => {
    const { ws, paths, file } = await workspace(protocol, 'built on PR 7')
    expect(
      await asStep(protocol, pullRequestToken(7, 'main'), ws, () => cache.saveCache(paths, k('deps-pr7-2'))).then(r => r.value)
    ).toBeGreaterThan(0)
    expect((await entries()).find(e => e.key === k('deps-pr7-2'))?.ref).toBe('refs/pull/7/merge')

    await rm(file)
    const own = await asStep(protocol, pullRequestToken(7, 'main'), ws, () => cache.restoreCache(paths, k('deps-x'), [k('deps-')]))
    expect(own.value).toBe(k('deps-pr7-2'))
    expect(await readFile(file, 'utf8')).toBe('built on PR 7')

    for (const token of [pushToken('feature', 'main'), pullRequestToken(8, 'main'), pushToken('main')]) {
      const other = await asStep(protocol, token, ws, () => cache.restoreCache(paths, k('deps-pr7-2'), []))
      expect(other.value).toBeUndefined()
    }
    // ...while the prefix still finds main's entry for them.
    const sibling = await asStep(protocol, pushToken('feature', 'main'), ws, () => cache.restoreCache(paths, k('deps-x'), [k('deps-')]))
    expect(sibling.value).toBe(k('deps-main-1'))
  })

  test('a read-only token: save does not throw, stores nothing, and warns "cache write denied"', async () => {
    const { ws, paths } = await workspace(protocol, 'untrusted')
    const r = await asStep(protocol, readOnlyToken('main'), ws, () => cache.saveCache(paths, k('deps-ro')))
    expect(r.value).toBe(-1)
    expect((await entries()).filter(e => e.key === k('deps-ro'))).toEqual([])
    expect(r.out).toMatch(/::warning::Failed to save: Unable to reserve cache with key .*cache write denied:/)
  })

  test('saving an existing key again is refused as a conflict, without a throw', async () => {
    const { ws, paths } = await workspace(protocol, 'twice')
    expect((await asStep(protocol, pushToken('main'), ws, () => cache.saveCache(paths, k('dup')))).value).toBeGreaterThan(0)
    const again = await asStep(protocol, pushToken('main'), ws, () => cache.saveCache(paths, k('dup')))
    expect(again.value).toBe(-1)
    expect(again.out).toMatch(/Failed to save: Unable to reserve cache with key .*another job may be creating this cache/)
    expect((await entries()).filter(e => e.key === k('dup'))).toHaveLength(1)
  })

  test('a 500 on lookup makes restoreCache return undefined, without a throw', async () => {
    const { ws, paths } = await workspace(protocol, '')
    const match = protocol === 'v2' ? 'GetCacheEntryDownloadURL' : 'GET /_apis/artifactcache/cache?'
    await admin('POST', 'faults', { match, status: 500 })
    const before = await lastRequestNo()
    try {
      const r = await asStep(protocol, pushToken('main'), ws, () => cache.restoreCache(paths, k('deps-main-1'), []))
      expect(r.value).toBeUndefined()
      // Both clients wrap the 5xx in a plain Error, so restoreCache logs it as a warning.
      expect(r.out).toMatch(/::warning::Failed to restore: .*500/)
      expect(r.out).not.toContain('::error::')
    } finally {
      await admin('DELETE', 'faults')
    }
    const attempts = (await requestsSince(before)).filter(r => r.fault)
    // The v2 client retries a 500 (5 attempts with backoff); the v1 client retries only 502-504.
    expect(attempts).toHaveLength(protocol === 'v2' ? 5 : 1)
  })

  test('a dropped connection on lookup: v2 gives up (a miss), v1 retries (a hit); a single 503 is retried', async () => {
    const { ws, paths } = await workspace(protocol, '')
    const match = protocol === 'v2' ? 'GetCacheEntryDownloadURL' : 'GET /_apis/artifactcache/cache?'
    await admin('POST', 'faults', { match, drop: true, times: 1 })
    const before = await lastRequestNo()
    const dropped = await asStep(protocol, pushToken('main'), ws, () => cache.restoreCache(paths, k('deps-main-1'), []))
    const lookups = (await requestsSince(before)).filter(r => r.path.endsWith(protocol === 'v2' ? 'GetCacheEntryDownloadURL' : '/cache'))
    if (protocol === 'v2') {
      expect(dropped.value).toBeUndefined()
      expect(lookups).toHaveLength(1)
    } else {
      // The v1 client treats a network error as retryable (a 500 is not).
      expect(dropped.value).toBe(k('deps-main-1'))
      expect(lookups.map(r => r.result ?? 'dropped')).toEqual(['dropped', 'hit'])
    }

    await admin('POST', 'faults', { match, status: 503, times: 1 })
    const retried = await asStep(protocol, pushToken('main'), ws, () => cache.restoreCache(paths, k('deps-main-1'), []))
    expect(retried.value).toBe(k('deps-main-1'))
    await admin('DELETE', 'faults')
  })
})

describe('protocol edges (raw HTTP)', () => {
  const twirp = (rpc: string, token: string | undefined, body: unknown) =>
    fetch(`${svc.url}twirp/github.actions.results.api.v1.CacheService/${rpc}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body)
    })

  test('missing or expired tokens get 401', async () => {
    const body = { key: 'k', version: 'v' }
    expect((await twirp('GetCacheEntryDownloadURL', undefined, body)).status).toBe(401)
    const expired = mintRuntimeToken({ scopes: [{ ref: 'refs/heads/main', permission: 3 }], expiresInSeconds: -10 })
    const res = await twirp('GetCacheEntryDownloadURL', expired, body)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ code: 'unauthenticated' })
    const v1 = await fetch(`${svc.url}_apis/artifactcache/cache?keys=k&version=v`, { headers: { Authorization: `Bearer ${expired}` } })
    expect(v1.status).toBe(401)
  })

  test('a token with no readable scope is denied reads with "cache read denied:"', async () => {
    const writeOnly = mintRuntimeToken({ scopes: [{ ref: 'refs/heads/main', permission: 2 }] })
    const res = await twirp('GetCacheEntryDownloadURL', writeOnly, { key: 'k', version: 'v' })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ code: 'permission_denied', msg: expect.stringMatching(/^cache read denied:/) })
  })

  test('v1: chunks out of order, a size check on commit, Range reads of the archive', async () => {
    const token = pushToken('range-test')
    const h = { Authorization: `Bearer ${token}`, Accept: 'application/json;api-version=6.0-preview.1' }
    const reserve = await fetch(`${svc.url}_apis/artifactcache/caches`, {
      method: 'POST',
      headers: { ...h, 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: `range-${nonce}`, version: 'v' })
    })
    const { cacheId } = (await reserve.json()) as { cacheId: number }
    const patch = (s: number, data: string) =>
      fetch(`${svc.url}_apis/artifactcache/caches/${cacheId}`, {
        method: 'PATCH',
        headers: { ...h, 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${s}-${s + data.length - 1}/*` },
        body: data
      })
    await Promise.all([patch(5, '56789'), patch(0, '01234')])
    const commit = (size: number) =>
      fetch(`${svc.url}_apis/artifactcache/caches/${cacheId}`, {
        method: 'POST',
        headers: { ...h, 'Content-Type': 'application/json' },
        body: JSON.stringify({ size })
      })
    expect((await commit(11)).status).toBe(400)
    expect((await commit(10)).status).toBe(204)
    const again = await fetch(`${svc.url}_apis/artifactcache/caches`, {
      method: 'POST',
      headers: { ...h, 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: `range-${nonce}`, version: 'v' })
    })
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ typeKey: 'ArtifactCacheItemAlreadyExistsException' })

    const hit = await fetch(`${svc.url}_apis/artifactcache/cache?keys=range-&version=v`, { headers: h })
    const { archiveLocation } = (await hit.json()) as { archiveLocation: string }
    expect(await (await fetch(archiveLocation)).text()).toBe('0123456789')
    const part = await fetch(archiveLocation, { headers: { Range: 'bytes=4-' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 4-9/10')
    expect(await part.text()).toBe('456789')
    expect((await fetch(archiveLocation.replace(/sig=\w+/, 'sig=nope'))).status).toBe(403)
  })
})

describe('REST cache management through Octokit', () => {
  const owner = 'octo-org'
  const repo = 'octo-repo'

  test('list by ref and key prefix, delete by key+ref and by id, read-only token refused', async () => {
    const octokit = getOctokit('ghs_admin', { baseUrl: svc.url.replace(/\/$/, '') })
    const { ws, paths } = await workspace('rest', 'rest')
    for (const [token, key] of [
      [pullRequestToken(21, 'main'), `rest-${nonce}-a`],
      [pullRequestToken(21, 'main'), `rest-${nonce}-b`],
      [pushToken('main'), `rest-${nonce}-a`]
    ] as const) {
      expect((await asStep('v2', token, ws, () => cache.saveCache(paths, key))).value).toBeGreaterThan(0)
    }

    const pr = await octokit.rest.actions.getActionsCacheList({ owner, repo, ref: 'refs/pull/21/merge', key: `rest-${nonce}-` })
    expect(pr.data.total_count).toBe(2)
    expect(pr.data.actions_caches.map(c => c.key).sort()).toEqual([`rest-${nonce}-a`, `rest-${nonce}-b`])
    expect(pr.data.actions_caches[0]).toEqual(
      expect.objectContaining({
        id: expect.any(Number),
        version: expect.any(String),
        size_in_bytes: expect.any(Number),
        created_at: expect.any(String),
        last_accessed_at: expect.any(String)
      })
    )

    const readOnly = getOctokit('ghs_readonly', { baseUrl: svc.url.replace(/\/$/, '') })
    await admin('POST', 'readonly-github-tokens', { token: 'ghs_readonly' })
    await expect(
      readOnly.rest.actions.deleteActionsCacheByKey({ owner, repo, key: `rest-${nonce}-a`, ref: 'refs/pull/21/merge' })
    ).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration')
    })

    const del = await octokit.rest.actions.deleteActionsCacheByKey({ owner, repo, key: `rest-${nonce}-a`, ref: 'refs/pull/21/merge' })
    expect(del.status).toBe(200)
    expect(del.data.actions_caches.map(c => c.ref)).toEqual(['refs/pull/21/merge'])
    await expect(
      octokit.rest.actions.deleteActionsCacheByKey({ owner, repo, key: `rest-${nonce}-a`, ref: 'refs/pull/21/merge' })
    ).rejects.toMatchObject({ status: 404 })

    // GitHub has no delete-by-ref: the key is required. Clean-up lists by ref, then deletes by id.
    await expect(
      octokit.request('DELETE /repos/{owner}/{repo}/actions/caches', { owner, repo, ref: 'refs/pull/21/merge' } as never)
    ).rejects.toMatchObject({ status: 422 })
    expect((await entries()).filter(e => e.key === `rest-${nonce}-b`)).toHaveLength(1)

    const b = pr.data.actions_caches.find(c => c.key === `rest-${nonce}-b`)!
    expect((await octokit.rest.actions.deleteActionsCacheById({ owner, repo, cache_id: b.id! })).status).toBe(204)
    const left = (await entries()).filter(e => e.key.startsWith(`rest-${nonce}-`))
    expect(left.map(e => e.ref)).toEqual(['refs/heads/main'])
  })
})

describe.each<Protocol>(['v2', 'v1'])("BuildKit's gha backend over %s (buildx on the Docker Engine)", protocol => {
  let env: NodeJS.ProcessEnv
  let context: string

  beforeAll(() => {
    const bed = testbedEnv()
    env = toolEnv(bed)
    for (const k of Object.keys(env)) if (k.startsWith('ACTIONS_')) delete env[k]
    // Fresh step contents per run, so nothing can come from an earlier run's cache.
    context = fixtureContext([`echo ${protocol}-${nonce} > /a`, 'cat /a /a > /b', 'cat /a /b > /c'], bed)
  })
  afterAll(() => rm(context, { recursive: true, force: true }))

  /** Runs docker with buildx's view of a runner step: the runtime token and the protocol's URL. */
  function docker(args: string[], token?: string): Promise<{ code: number; out: string }> {
    const vars: NodeJS.ProcessEnv = { ...env }
    if (token) {
      vars.ACTIONS_RUNTIME_TOKEN = token
      if (protocol === 'v2') Object.assign(vars, { ACTIONS_RESULTS_URL: svc.url, ACTIONS_CACHE_SERVICE_V2: 'true' })
      else vars.ACTIONS_CACHE_URL = svc.url
    }
    return new Promise((resolve, reject) => {
      const child = spawn('docker', args, { env: vars, stdio: ['ignore', 'pipe', 'pipe'] })
      const out: Buffer[] = []
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => out.push(b))
      child.on('error', reject)
      child.on('close', code => resolve({ code: code ?? -1, out: Buffer.concat(out).toString('utf8') }))
    })
  }
  const build = (token: string, ...cacheArgs: string[]) =>
    docker(['buildx', 'build', '--progress', 'rawjson', ...cacheArgs, context], token)
  const prune = async () => expect((await docker(['buildx', 'prune', '-af'])).code).toBe(0)
  const indexLookups = async (since: number) =>
    (await requestsSince(since)).filter(r => r.result && r.key?.startsWith('index-')).map(r => `${r.result} ${r.ref ?? ''}`.trim())

  test('main exports scope=main; after a prune, pull request 7 imports it: every step cached', async () => {
    const exported = await build(pushToken('main'), '--cache-to', 'type=gha,scope=main,mode=max')
    expect(exported.code).toBe(0)
    const mine = (await entries()).filter(e => e.storage === protocol && e.ref === 'refs/heads/main')
    expect(mine.filter(e => e.key.startsWith('index-main-1-'))).not.toHaveLength(0)
    expect(mine.filter(e => e.key.startsWith('buildkit-blob-1-sha256:')).length).toBeGreaterThanOrEqual(3)
    expect(mine.every(e => e.committed)).toBe(true)

    await prune()
    const before = await lastRequestNo()
    const imported = await build(pullRequestToken(7, 'main'), '--cache-from', 'type=gha,scope=main')
    expect(imported.code).toBe(0)
    const steps = countCachedSteps(imported.out)
    expect(steps.total).toBeGreaterThanOrEqual(4)
    expect(steps.cached).toBe(steps.total)
    // BuildKit asks for the scope's index under each readable ref (in parallel): the PR's own, main's.
    expect((await indexLookups(before)).sort()).toEqual(['hit refs/heads/main', 'miss'])
  })

  test('a branch whose token cannot read main: nothing cached, and the build still succeeds', async () => {
    await prune()
    const before = await lastRequestNo()
    const feature = mintRuntimeToken({ scopes: [{ ref: 'refs/heads/feature', permission: 3 }] })
    const r = await build(feature, '--cache-from', 'type=gha,scope=main')
    expect(r.code).toBe(0)
    const steps = countCachedSteps(r.out)
    expect(steps.total).toBeGreaterThanOrEqual(4)
    expect(steps.cached).toBe(0)
    expect(await indexLookups(before)).toEqual(['miss'])
  })

  test('a read-only token cannot export: the build fails, unless ignore-error=true', async () => {
    const before = (await entries()).length
    const failed = await build(readOnlyToken('main'), '--cache-to', `type=gha,scope=ro-${protocol},mode=max`)
    expect(failed.code).not.toBe(0)
    // v2 refuses with ok=false and BuildKit reports only that; v1 carries the service's message.
    expect(failed.out).toMatch(protocol === 'v2' ? /failed to reserve cache/ : /cache write denied:/)
    const ignored = await build(readOnlyToken('main'), '--cache-to', `type=gha,scope=ro-${protocol},mode=max,ignore-error=true`)
    expect(ignored.code).toBe(0)
    expect((await entries()).length).toBe(before)
  })
})
