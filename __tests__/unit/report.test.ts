// What a finished run tells the user about its export: the `cache-export` output and the
// summary's row say whether this run saved its cache, not whether it meant to.
import { describe, expect, it } from '@jest/globals'
import { readInputs } from '../../src/core/inputs.js'
import { type Plan, plan } from '../../src/core/plan.js'
import type { BuildReport } from '../../src/core/progress.js'
import type { Attempt, BuildRun } from '../../src/core/recovery.js'
import { report, stepsRun } from '../../src/core/report.js'
import { chainMarks, summaryRows } from '../../src/core/summary.js'
import { PR_7, PR_7_ENV } from './pull-request-7.js'

const PR = PR_7
const ENV = PR_7_ENV

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

/** The report of one build that imported `imports` and whose import from `source` failed with "internal". */
function reportOfFailedImport(p: Plan, imports: Attempt['imports'], source: string) {
  const attempt: Attempt = { plan: p, imports, noCache: false }
  const run: BuildRun = {
    exitCode: 0,
    denied: false,
    exporterSetupFailed: false,
    report: { ...PROGRESS, cachedSteps: 0, imports: [{ source, found: false, error: 'internal' }] }
  }
  return report(
    { first: attempt, last: attempt, runs: [run], exitCode: 0, problems: [], stalled: [], seconds: 1 },
    { metadata: { text: '' } },
    ENV
  )
}

describe('a failed import that reads the whole chain is every scope of it', () => {
  // envd takes one gha import, read under every ref of the chain; the local directory is restored through all of them.
  it.each([
    ['gha with envd', { 'build-tool': 'envd' }, 'gha:1234'],
    ['local', { 'cache-backend': 'local' }, 'local:5678']
  ])('%s: one warning per scope, each marked ⚠', (_, given: Record<string, string>, source) => {
    const p = plan(
      readInputs(name => given[name] ?? ''),
      PR,
      ENV
    )
    const result = reportOfFailedImport(p, p.imports, source)
    expect(result.warnings).toEqual([
      expect.stringMatching(/^Cache import from scope pr-7 \(\w+\) failed.*: internal$/),
      expect.stringMatching(/^Cache import from scope main \(\w+\) failed.*: internal$/)
    ])
    expect(Object.fromEntries(summaryRows(p, result.outcome))['Import chain']).toBe('pr-7 ⚠ → main ⚠')
  })
})

describe('the steps counted are those of the build that ran them', () => {
  const run = (cachedSteps: number, more: Partial<BuildRun> = {}): BuildRun => ({
    exitCode: 0,
    denied: false,
    exporterSetupFailed: false,
    report: { ...PROGRESS, cachedSteps },
    ...more
  })
  const refused = { exitCode: 1, pushFailed: { ref: 'r.test/o/app:buildcache-pr-7', reason: '500' } }
  it.each<[string, BuildRun[], number]>([
    ['one run: its steps', [run(4)], 4],
    ['a rebuild after a stall: the rebuild built the result', [run(0, { exitCode: 1 }), run(2)], 2],
    ['a push again after the registry refused a cache tag: the steps of the run that built them', [run(4, refused), run(5)], 4]
  ])('%s', (_, runs, cached) => {
    expect(stepsRun(runs).report.cachedSteps).toBe(cached)
  })
})

describe('a builder that takes one import: the chain marks follow the probe', () => {
  const p = plan(
    readInputs(
      name =>
        ({ 'build-tool': 'envd', outputs: 'type=oci,dest=x.tar', 'cache-backend': 'registry', 'cache-ref': 'r.test/o/cache' })[name] ?? ''
    ),
    PR,
    ENV
  )
  const marks = (chosen: number | undefined, failed: string[] = []) =>
    chainMarks(p, {
      chosen: chosen === undefined ? [] : [p.imports[chosen]],
      report: { ...PROGRESS, cachedSteps: 0 },
      failed: new Set(failed)
    })
  it.each([
    ['nothing found: every scope was looked up', undefined, [], 'pr-7 ✗ → main ✗'],
    ['main chosen: pr-7 had nothing', 1, [], 'pr-7 ✗ → main ?'],
    ['pr-7 chosen and its import failed: main was not looked up', 0, ['pr-7'], 'pr-7 ⚠ → main ?']
  ])('%s', (_, chosen, failed, expected) => {
    expect(marks(chosen, failed)).toBe(expected)
  })
})

describe('a builder that takes one import: a failed registry import is the scope the chosen import reads', () => {
  // BuildKit's import line names the registry ref; the ref is the registry backend's to say, for raw cache-from specs too.
  it.each([
    [
      'a chain scope',
      { 'cache-backend': 'registry', 'cache-ref': 'r.test/o/cache' },
      'r.test/o/cache:buildcache-pr-7',
      /scope pr-7 \(registry\)/
    ],
    [
      'a raw cache-from',
      { 'cache-backend': 'none', 'cache-from': 'type=registry,ref=r.test/o/app:cache' },
      'r.test/o/app:cache',
      /scope type=registry,ref=r\.test\/o\/app:cache \(none\)/
    ]
  ])('%s', (_, given: Record<string, string>, source, scope) => {
    const values: Record<string, string> = { 'build-tool': 'envd', outputs: 'type=oci,dest=x.tar', ...given }
    const p = plan(
      readInputs(name => values[name] ?? ''),
      PR,
      ENV
    )
    expect(reportOfFailedImport(p, p.imports.slice(0, 1), source).warnings).toEqual([expect.stringMatching(scope)])
  })
})
