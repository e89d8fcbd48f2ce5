// What a finished run tells the user about its export: the `cache-export` output and the
// summary's row say whether this run saved its cache, not whether it meant to.
import { describe, expect, it } from '@jest/globals'
import { runContext } from '../../src/core/context.js'
import { readInputs } from '../../src/core/inputs.js'
import { type Plan, plan } from '../../src/core/plan.js'
import type { BuildReport } from '../../src/core/progress.js'
import type { Attempt, BuildRun } from '../../src/core/recovery.js'
import { report } from '../../src/core/report.js'
import { summaryRows } from '../../src/core/summary.js'
import { mintRuntimeToken } from '../../testbed/cache-service/token.js'

const PR = runContext(
  { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'abc', GITHUB_REPOSITORY: 'o/r' },
  { number: 7, pull_request: { number: 7, base: { ref: 'main' }, head: { ref: 'feature' } }, repository: { default_branch: 'main' } }
)
const ENV = {
  ACTIONS_RUNTIME_TOKEN: mintRuntimeToken({
    scopes: [
      { ref: 'refs/pull/7/merge', permission: 3 },
      { ref: 'refs/heads/main', permission: 1 }
    ]
  }),
  ACTIONS_RESULTS_URL: 'http://cache.test/',
  RUNNER_TEMP: '/runner/temp'
}

const PROGRESS: BuildReport = {
  totalSteps: 5,
  cachedSteps: 4,
  runSeconds: 1,
  importSeconds: 0,
  exportSeconds: 0,
  imports: [],
  exportErrors: []
}

function finished(p: Plan, run: Partial<BuildRun>, progress: Partial<BuildReport> = {}, indexFound?: boolean[]) {
  const attempt: Attempt = { plan: p, imports: p.imports, noCache: false }
  const runs: BuildRun[] = [{ exitCode: 0, denied: false, exporterSetupFailed: false, ...run, report: { ...PROGRESS, ...progress } }]
  const result = report(
    { first: attempt, last: attempt, runs, exitCode: 0, problems: [], stalled: [], seconds: 1 },
    { metadata: { text: '' }, indexFound },
    ENV
  )
  return {
    output: result.outputs['cache-export'],
    row: Object.fromEntries(summaryRows(p, result.outcome))['Cache export'],
    source: result.outputs['cache-source']
  }
}

describe('cache-export says whether the cache was saved', () => {
  for (const backend of ['gha', 'registry']) {
    const p = plan(
      readInputs(name => ({ 'cache-backend': backend, 'cache-ref': 'r.test/o/cache' })[name] ?? ''),
      PR,
      ENV
    )

    it(`${backend}: an export that went through: true, and where`, () => {
      expect(finished(p, {})).toMatchObject({ output: 'true', row: expect.stringMatching(/^yes: type=/) })
    })

    it(`${backend}: an export BuildKit reports as failed: false, and the row says it failed`, () => {
      const result = finished(p, {}, { exportErrors: ['exporting cache to registry: error writing layer blob: 500'] })
      expect(result).toMatchObject({ output: 'false', row: expect.stringMatching(/^failed: type=.*see Cache problems/) })
    })

    it(`${backend}: a write the cache service denied: false`, () => {
      expect(finished(p, { denied: true })).toMatchObject({ output: 'false', row: expect.stringMatching(/^failed: /) })
    })
  }
})

describe('cache-source names a scope when BuildKit names only a hash (gha)', () => {
  const p = plan(
    readInputs(() => ''),
    PR,
    ENV
  )
  // BuildKit's gha importer logs `importing cache manifest from gha:<number>`: no scope in it.
  const imports = [
    { source: 'gha:12533599930739031126', found: true },
    { source: 'gha:5883432850876279859', found: true }
  ]

  it.each([
    ['only the base branch held an index', [false, true], 'main'],
    ['both held one: the first of the chain', [true, true], 'pr-7'],
    ['nothing was looked up: unknown', undefined, 'unknown']
  ])('%s', (_, indexFound, source) => {
    expect(finished(p, {}, { imports }, indexFound).source).toBe(source)
  })

  it('nothing came from the cache: none, whatever the indexes', () => {
    expect(finished(p, {}, { imports, cachedSteps: 0 }, [true, true]).source).toBe('none')
  })
})
