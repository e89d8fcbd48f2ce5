// What the action tells a user about the cache, and how it cleans up after a pull request,
// run as GitHub's runner runs it (node dist/index.js + post) against real BuildKit and the
// cache-service stand-in:
//   1. the report (outputs and the job summary's table) of a cold build, of a pull request's
//      build that hits main's cache, and of a build whose chain has no cache anywhere;
//   2. the local backend's saved cache stays as large as one fresh export over ten builds;
//   3. `cleanup: true` on a closed pull request deletes that pull request's caches and
//      nothing else, reports the bytes freed, and fails with the fix on a token that may not.
import { describe, expect, it, beforeAll } from '@jest/globals'
import { randomBytes, randomInt } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type TestbedEnv, fixtureContext, testbedEnv } from '../../testbed/env.js'
import type { RunResult } from '../../testbed/runner.js'
import {
  type ServiceEntry,
  closedPullRequestRun,
  pruneBuildKit,
  pullRequestBuild,
  pushBuild,
  serviceEntries,
  tempDir
} from '../../testbed/scenario.js'
import { formatBytes } from '../../src/core/format.js'

/** A build context whose every step is new to the builder: a nonce file is its first layer. */
function uniqueContext(nonce: string, steps: string[], bed: TestbedEnv): string {
  const dir = fixtureContext(steps, bed)
  writeFileSync(path.join(dir, 'nonce'), `${nonce}\n`)
  const dockerfile = path.join(dir, 'Dockerfile')
  writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace('FROM scratch\n', 'FROM scratch\nCOPY nonce /nonce\n'))
  return dir
}

/** The build table of the job summary, as label → value. */
function summaryTable(result: RunResult): Record<string, string> {
  return Object.fromEntries([...result.summary.matchAll(/<tr><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)].map(m => [m[1], m[2]]))
}

function problems(result: RunResult) {
  return result.annotations.filter(a => a.level === 'warning' || a.level === 'error')
}

function expectSuccess(result: RunResult): void {
  if (result.main.exitCode !== 0 || result.post?.exitCode)
    console.log(`action failed:\n${result.log}\n${result.main.stderr}\n${result.post?.stderr ?? ''}`)
  expect(result.main.exitCode).toBe(0)
  expect(result.post?.exitCode ?? 0).toBe(0)
}

/**
 * A build that only prepares what a test looks at. Other test runs share the Docker Engine and
 * prune its build cache at any time, which can pull a snapshot from under a running build:
 * that (and only that) is retried once.
 */
async function seed(run: () => Promise<RunResult>): Promise<void> {
  let result = await run()
  if (result.main.exitCode !== 0 && /snapshot .*does not exist/.test(result.log)) result = await run()
  expectSuccess(result)
}

async function restList(bed: TestbedEnv, ref: string): Promise<{ total_count: number; actions_caches: Array<{ key: string }> }> {
  const url = `${bed.cacheService!.url}repos/octo-org/octo-repo/actions/caches?per_page=100&ref=${encodeURIComponent(ref)}`
  const res = await fetch(url, { headers: { Authorization: 'Bearer ghs_reader' } })
  return (await res.json()) as { total_count: number; actions_caches: Array<{ key: string }> }
}

/** The digest a registry tag points at; undefined when the tag does not exist. */
async function tagDigest(bed: TestbedEnv, repository: string, tag: string): Promise<string | undefined> {
  const res = await fetch(`http://${bed.registry}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      Accept:
        'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
        'application/vnd.docker.distribution.manifest.v2+json'
    }
  })
  if (res.status === 404) return undefined
  if (!res.ok) throw new Error(`HEAD ${repository}:${tag}: ${res.status}`)
  return res.headers.get('docker-content-digest') ?? undefined
}

// ---------------------------------------------------------------------------------------------
// 1. The report

interface ReportCase {
  backend: 'registry' | 'local' | 'gha'
  /** The marks of the Import chain row: cold main, PR (pr-7, main), fresh branch (branch, main). */
  marks: { cold: string[]; pr: string[]; fresh: string[] }
  /** cache-source of the PR build. */
  prSource: (scope: (name: string) => string) => string
  exportWhere: (bed: TestbedEnv, repository: string, scope: (name: string) => string) => string
}

const REPORT_CASES: ReportCase[] = [
  {
    // BuildKit's log names each cache tag and says whether it was found.
    backend: 'registry',
    marks: { cold: ['✗'], pr: ['✗', '✓'], fresh: ['✗', '✗'] },
    prSource: scope => scope('main'),
    exportWhere: (bed, repository) => `type=registry,ref=${bed.registry}/${repository}:buildcache-main`
  },
  {
    // The restore of the directory says which scope's key it found, and which it did not.
    backend: 'local',
    marks: { cold: ['✗'], pr: ['✗', '✓'], fresh: ['✗', '✗'] },
    prSource: scope => scope('main'),
    exportWhere: () => 'type=local,dest='
  },
  {
    // BuildKit's gha importer logs an opaque id and succeeds whether or not it found anything:
    // the marks, and the source (the first scope that held an index), come from listing each
    // scope's cache index through the REST API.
    backend: 'gha',
    marks: { cold: ['✗'], pr: ['✗', '✓'], fresh: ['✗', '✗'] },
    prSource: scope => scope('main'),
    exportWhere: (_bed, _repository, scope) => `type=gha,scope=${scope('main')}`
  }
]

describe.each(REPORT_CASES)('the report ($backend backend)', reportCase => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  const repository = `report${nonce}/app`
  const scope = (name: string) => `${repository}/${name}`
  const chainRow = (names: string[], marks: string[]) => names.map((n, i) => `${scope(n)} ${marks[i]}`).join(' → ')
  let inputs: Record<string, string>
  let runnerTemp: string
  let cold: RunResult

  beforeAll(async () => {
    bed = testbedEnv()
    runnerTemp = tempDir('runner-temp-')
    inputs = {
      context: uniqueContext(nonce, [`echo deps-${nonce} > /deps`, `echo app-${nonce} > /app`, 'echo done > /done'], bed),
      'cache-backend': reportCase.backend,
      tags: `${bed.registry}/${repository}:latest`
    }
    cold = await pushBuild('main', inputs, { runnerTemp })
  })

  it('a cold build on main: 0 cached steps, the cache exported, every row of the table', () => {
    expectSuccess(cold)
    expect(cold.outputs).toMatchObject({
      scope: scope('main'),
      'cached-steps': '0',
      'total-steps': '6',
      'cache-hit-ratio': '0.00',
      'cache-source': 'none',
      'cache-export': 'true'
    })
    const table = summaryTable(cold)
    expect(cold.summary).toContain(`<h3>Build cache: ${scope('main')}</h3>`)
    expect(Object.keys(table).slice(0, 8)).toEqual([
      'Builder',
      'Backend',
      'Own scope',
      'Import chain',
      'Cached steps',
      'Cache source',
      'Build time',
      'Cache export'
    ])
    expect(table).toMatchObject({
      Builder: 'buildx',
      Backend: reportCase.backend,
      'Own scope': scope('main'),
      'Import chain': chainRow(['main'], reportCase.marks.cold),
      'Cached steps': '0 / 6 (0.00)',
      'Cache source': 'none'
    })
    expect(table['Build time']).toMatch(/^\d+\.\d s \(steps that ran: \d+\.\d s, cache import: \d+\.\d s, export: \d+\.\d s\)$/)
    expect(table['Cache export']).toContain(`yes: ${reportCase.exportWhere(bed, repository, scope)}`)
    if (reportCase.backend === 'local') {
      expect(table['Local cache restored']).toBe('nothing')
      expect(table['Local cache exported']).toMatch(/^\d+\.\d (kB|MB); saved in the post step$/)
      expect(cold.summary).toMatch(new RegExp(`Local cache saved as <code>buildkit-${scope('main')}#a{40}</code>: \\d+\\.\\d (kB|MB)`))
    }
    expect(problems(cold)).toEqual([])
  })

  it("pull request 7's first build, BuildKit's state wiped: every step from main, ✓ on main", async () => {
    await pruneBuildKit(undefined, bed)
    const pr = await pullRequestBuild(7, 'main', inputs, { runnerTemp })
    expectSuccess(pr)
    expect(pr.outputs).toMatchObject({
      scope: scope('pr-7'),
      'cached-steps': '6',
      'total-steps': '6',
      'cache-hit-ratio': '1.00',
      'cache-source': reportCase.prSource(scope),
      'cache-export': 'true'
    })
    const table = summaryTable(pr)
    expect(table).toMatchObject({
      'Own scope': scope('pr-7'),
      'Import chain': chainRow(['pr-7', 'main'], reportCase.marks.pr),
      'Cached steps': '6 / 6 (1.00)',
      'Cache source': reportCase.prSource(scope)
    })
    if (reportCase.backend === 'local')
      expect(table['Local cache restored']).toMatch(new RegExp(`^buildkit-${scope('main')}#a{40} \\(\\d+\\.\\d (kB|MB)\\)$`))
    expect(problems(pr)).toEqual([])
  })

  it('a fresh branch whose chain has no cache anywhere: 0 cached, ✗ where the import found nothing, no warning', async () => {
    await pruneBuildKit(undefined, bed)
    const elsewhere = `report${nonce}/other`
    const other = (name: string) => `${elsewhere}/${name}`
    const branch = `feature${nonce}`
    const fresh = await pushBuild(branch, { ...inputs, tags: `${bed.registry}/${elsewhere}:latest` }, { runnerTemp, sha: 'f'.repeat(40) })
    expectSuccess(fresh)
    expect(fresh.outputs).toMatchObject({
      scope: other(branch),
      'cached-steps': '0',
      'total-steps': '6',
      'cache-source': 'none',
      'cache-export': 'true'
    })
    expect(summaryTable(fresh)).toMatchObject({
      'Import chain': [other(branch), other('main')].map((s, i) => `${s} ${reportCase.marks.fresh[i]}`).join(' → '),
      'Cached steps': '0 / 6 (0.00)',
      'Cache source': 'none'
    })
    expect(problems(fresh)).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------
// 2. The local backend's saved cache stays flat

describe('local backend: ten builds on main, the saved cache stays as large as one fresh export', () => {
  const nonce = randomBytes(4).toString('hex')
  const BUILDS = 10
  /** ~300 kB of incompressible data in the step that changes, so any dead layer kept would show. */
  const stepsOf = (n: number, i: number) => [
    `echo deps-${n} > /deps`,
    `echo app-${n} > /app`,
    `echo build-${i} && head -c 300000 /dev/urandom > /blob`
  ]

  it('after each of ten builds (each changing the last step) the saved size is ≤ 1.25 × a fresh export', async () => {
    const bed = testbedEnv()
    const runnerTemp = tempDir('runner-temp-')
    const repository = `flat${nonce}/app`
    const saved: Array<{ reported: number; stored: number }> = []
    const savedSize = async (result: RunResult, key: string) => {
      expectSuccess(result)
      const line = new RegExp(`local cache saved as ${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\((\\d+) bytes\\)`).exec(result.log)
      expect(line).not.toBeNull()
      const reported = Number(line![1])
      expect(result.summary).toContain(`Local cache saved as <code>${key}</code>: ${formatBytes(reported)}`)
      const stored = (await serviceEntries(bed)).filter(e => e.key === key && e.committed)
      expect(stored).toHaveLength(1)
      return { reported, stored: stored[0].size }
    }

    for (let i = 1; i <= BUILDS; i++) {
      // A fresh runner: BuildKit has nothing, RUNNER_TEMP is the same path and empty.
      await pruneBuildKit(undefined, bed)
      const sha = i.toString(16).padStart(40, '0')
      const inputs = {
        context: uniqueContext(nonce, stepsOf(0, i), bed),
        'cache-backend': 'local',
        tags: `${bed.registry}/${repository}:latest`
      }
      const result = await pushBuild('main', inputs, { runnerTemp, sha })
      saved.push(await savedSize(result, `buildkit-${repository}/main#${sha}`))
      if (i > 1) {
        expect(result.outputs).toMatchObject({ 'cached-steps': '5', 'total-steps': '6', 'cache-source': `${repository}/main` })
        expect(summaryTable(result)['Local cache restored']).toContain(
          `buildkit-${repository}/main#${(i - 1).toString(16).padStart(40, '0')}`
        )
      }
    }

    // One fresh export of the tenth build's Dockerfile, in a namespace of its own.
    await pruneBuildKit(undefined, bed)
    const freshRepository = `flat${nonce}/fresh`
    const freshInputs = {
      context: uniqueContext(nonce, stepsOf(0, BUILDS), bed),
      'cache-backend': 'local',
      tags: `${bed.registry}/${freshRepository}:latest`
    }
    const fresh = await savedSize(
      await pushBuild('main', freshInputs, { runnerTemp, sha: 'e'.repeat(40) }),
      `buildkit-${freshRepository}/main#${'e'.repeat(40)}`
    )

    console.log(
      `local cache saved per build (directory bytes / stored archive bytes): ${saved.map(s => `${s.reported}/${s.stored}`).join(', ')}; ` +
        `one fresh export: ${fresh.reported}/${fresh.stored}`
    )
    for (const s of saved) {
      expect(s.reported).toBeLessThanOrEqual(1.25 * fresh.reported)
      expect(s.stored).toBeLessThanOrEqual(1.25 * fresh.stored)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// 3. Clean-up of a closed pull request

describe('cleanup: true on a closed pull request (GitHub Actions caches)', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  const repository = `cleanup${nonce}/app`
  // Pull request numbers of their own: clean-up deletes every cache of refs/pull/N/merge, and
  // other tests on the same cache service build pull requests 7 and 8.
  const closed = 20000 + randomInt(70000)
  const open = closed + 1
  const refOf = (n: number) => `refs/pull/${n}/merge`
  let runnerTemp: string
  let gha: Record<string, string>
  let before: ServiceEntry[]

  beforeAll(async () => {
    bed = testbedEnv()
    runnerTemp = tempDir('runner-temp-')
    const context = (last: string) => uniqueContext(nonce, [`echo deps-${nonce} > /deps`, `echo ${last} > /last`], bed)
    gha = { context: context('main'), 'cache-backend': 'gha', tags: `${bed.registry}/${repository}:latest` }
    const local = { ...gha, 'cache-backend': 'local' }
    // main, then both pull requests with changes of their own, with the gha and local backends.
    for (const run of [
      () => pushBuild('main', gha, { runnerTemp }),
      () => pushBuild('main', local, { runnerTemp }),
      () => pullRequestBuild(closed, 'main', { ...gha, context: context(`pr-${closed}`) }, { runnerTemp }),
      () => pullRequestBuild(closed, 'main', { ...local, context: context(`pr-${closed}`) }, { runnerTemp }),
      () => pullRequestBuild(open, 'main', { ...gha, context: context(`pr-${open}`) }, { runnerTemp })
    ]) {
      await seed(run)
    }
    before = (await serviceEntries(bed)).filter(e => e.committed)
  })

  it('the seeded caches exist: gha and local entries under the closed pull request, gha under the open one and main', () => {
    const closedKeys = before.filter(e => e.ref === refOf(closed)).map(e => e.key)
    expect(closedKeys).toEqual(
      expect.arrayContaining([expect.stringMatching(/^buildkit-blob-/), `buildkit-${repository}/pr-${closed}#${'b'.repeat(40)}`])
    )
    expect(closedKeys.some(k => k.includes(`${repository}/pr-${closed}`) && k.startsWith('index-'))).toBe(true)
    expect(before.filter(e => e.ref === refOf(open)).length).toBeGreaterThan(0)
    expect(before.filter(e => e.ref === 'refs/heads/main' && e.key.includes(repository)).length).toBeGreaterThanOrEqual(2)
  })

  it('a github-token without actions: write: the step fails naming the permission, nothing is deleted', async () => {
    const token = `ghs_readonly_${nonce}`
    const res = await fetch(`${bed.cacheService!.url}_admin/readonly-github-tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token })
    })
    expect(res.status).toBe(204)
    const result = await closedPullRequestRun(open, 'main', { ...gha, cleanup: 'true', 'github-token': token }, { runnerTemp })
    expect(result.main.exitCode).toBe(1)
    const errors = result.annotations.filter(a => a.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0].message).toContain('actions: write')
    const ids = (await serviceEntries(bed)).map(e => e.id)
    expect(ids).toEqual(expect.arrayContaining(before.filter(e => e.ref === refOf(open)).map(e => e.id)))
  })

  it("deletes the closed pull request's caches only; cleaned-bytes and the summary say what was freed", async () => {
    const doomed = before.filter(e => e.ref === refOf(closed))
    const freed = doomed.reduce((sum, e) => sum + e.size, 0)
    const result = await closedPullRequestRun(
      closed,
      'main',
      { ...gha, cleanup: 'true', 'github-token': `ghs_cleanup_${nonce}` },
      { runnerTemp }
    )
    expectSuccess(result)
    expect(result.outputs['cleaned-bytes']).toBe(String(freed))
    expect(result.outputs.scope).toBe(`${repository}/pr-${closed}`)
    expect(result.summary).toContain(`<h3>Cache clean-up for pull request #${closed}</h3>`)
    for (const e of doomed) expect(result.summary).toContain(`<li>deleted cache ${e.key} (${formatBytes(e.size)})</li>`)
    expect(result.summary).toContain(`Freed: ${formatBytes(freed)}`)
    expect(problems(result)).toEqual([])
    console.log(`cleanup freed ${freed} bytes in ${doomed.length} caches of ${refOf(closed)}`)

    const after = await serviceEntries(bed)
    expect(after.filter(e => e.ref === refOf(closed))).toEqual([])
    expect((await restList(bed, refOf(closed))).total_count).toBe(0)
    const kept = before.filter(e => e.ref === refOf(open) || e.ref === 'refs/heads/main').map(e => e.id)
    expect(after.map(e => e.id)).toEqual(expect.arrayContaining(kept))
    expect((await restList(bed, refOf(open))).total_count).toBe(before.filter(e => e.ref === refOf(open)).length)
  })

  it('run again: nothing left to delete, 0 bytes', async () => {
    const result = await closedPullRequestRun(
      closed,
      'main',
      { ...gha, 'cache-backend': 'local', cleanup: 'true', 'github-token': `ghs_cleanup_${nonce}` },
      { runnerTemp }
    )
    expectSuccess(result)
    expect(result.outputs['cleaned-bytes']).toBe('0')
    expect(result.summary).toContain(`<li>no GitHub Actions caches of pull request #${closed}</li>`)
  })
})

describe('cleanup: true on a closed pull request (registry cache tags)', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  const repository = `cleanup${nonce}/registry`
  let inputs: Record<string, string>
  const digest = (tag: string) => tagDigest(bed, repository, tag)

  beforeAll(async () => {
    bed = testbedEnv()
    const context = (last: string) => uniqueContext(nonce, [`echo deps-${nonce} > /deps`, `echo ${last} > /last`], bed)
    inputs = { context: context('main'), 'cache-backend': 'registry', tags: `${bed.registry}/${repository}:latest` }
    // Pull request 7 changes a step; pull request 8 changes nothing, so it exports main's very manifest.
    await seed(() => pushBuild('main', inputs))
    await seed(() => pullRequestBuild(7, 'main', { ...inputs, context: context('pr-7') }))
    await seed(() => pullRequestBuild(8, 'main', inputs))
  })

  it("deletes the closed pull request's cache tag; main's and another pull request's stay", async () => {
    const main = await digest('buildcache-main')
    const pr8 = await digest('buildcache-pr-8')
    expect(main).toBeDefined()
    expect(await digest('buildcache-pr-7')).toBeDefined()
    const result = await closedPullRequestRun(7, 'main', { ...inputs, cleanup: 'true' })
    expectSuccess(result)
    expect(result.summary).toContain(`<li>deleted cache tag ${bed.registry}/${repository}:buildcache-pr-7</li>`)
    // A registry frees the blobs at its own garbage collection, not at the delete.
    expect(result.outputs['cleaned-bytes']).toBe('0')
    expect(await digest('buildcache-pr-7')).toBeUndefined()
    expect(await digest('buildcache-main')).toBe(main)
    expect(await digest('buildcache-pr-8')).toBe(pr8)
  })

  it("keeps a tag that shares its manifest with main's (deleting it would delete main's), and says so", async () => {
    const main = await digest('buildcache-main')
    expect(await digest('buildcache-pr-8')).toBe(main)
    const result = await closedPullRequestRun(8, 'main', { ...inputs, cleanup: 'true' })
    expectSuccess(result)
    expect(await digest('buildcache-main')).toBe(main)
    expect(await digest('buildcache-pr-8')).toBe(main)
    const notices = result.annotations.filter(a => a.level === 'notice').map(a => a.message)
    expect(notices).toEqual([expect.stringMatching(/buildcache-pr-8 left in place: tag buildcache-main points at the same manifest/)])
    expect(result.outputs['cleaned-bytes']).toBe('0')
  })
})
