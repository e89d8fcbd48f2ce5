// What the action does after each build run, for every way a cache can break a build: the
// recovery rules as a table, with no builder and no test bed.
import { describe, expect, it } from '@jest/globals'
import { readInputs } from '../../src/core/inputs.js'
import { type Plan, plan } from '../../src/core/plan.js'
import type { BuildReport } from '../../src/core/progress.js'
import { type Attempt, type BuildRun, failedPush, recover } from '../../src/core/recovery.js'
import type { Stall } from '../../src/core/cache-watch.js'
import { PR_7, PR_7_ENV } from './pull-request-7.js'

const PR = PR_7
const ENV = PR_7_ENV

function planFor(values: Record<string, string>): Plan {
  return plan(
    readInputs(name => values[name] ?? ''),
    PR,
    ENV
  )
}

const REPORT: BuildReport = {
  totalSteps: 5,
  cachedSteps: 0,
  runSeconds: 1,
  importSeconds: 0,
  exportSeconds: 0,
  imports: [],
  exportErrors: []
}
const NO_STEPS: BuildReport = { ...REPORT, totalSteps: 0 }
const ok: BuildRun = { exitCode: 0, report: REPORT, denied: false, exporterSetupFailed: false }
const failed: BuildRun = { ...ok, exitCode: 1 }
const stall = (phase: Stall['phase'], resultWritten = false): Stall => ({
  phase,
  what: `${phase}ing cache`,
  idleSeconds: 11,
  resultWritten
})

describe('recover: what follows a build run', () => {
  const gha = planFor({})
  const envd = planFor({ 'build-tool': 'envd', outputs: 'type=oci,dest=x.tar' })
  const inline = planFor({ 'cache-backend': 'inline', tags: 'r.test/o/app:latest', push: 'true' })
  const pushOf = (ref: string) => ({ ref, reason: 'unexpected status from PUT request: 500 Internal Server Error' })
  const registry = planFor({ 'cache-backend': 'registry', tags: 'r.test/o/app:latest', push: 'true' })
  const collided: BuildRun = {
    ...failed,
    pushFailed: { ref: 'r.test/o/app:latest', reason: 'unknown: provided digest did not match uploaded content' },
    report: { ...REPORT, exportErrors: ['exporting cache to registry: error writing layer blob: context canceled'] }
  }
  const attempt = (p: Plan): Attempt => ({ plan: p, imports: p.imports, noCache: false })

  it.each<
    [
      string,
      Plan,
      BuildRun,
      BuildRun[],
      { kind: string; exitCode?: number; imports?: number; exports?: number; noCache?: boolean; problem?: RegExp }
    ]
  >([
    ['a build that went well: finish', gha, ok, [], { kind: 'finish', exitCode: 0, exports: 1 }],
    ['a build that failed on its own: finish with its exit code', gha, failed, [], { kind: 'finish', exitCode: 1 }],
    [
      'an export stalled after the result was written: keep the result, exit 0, no export',
      gha,
      { ...failed, stall: stall('export', true) },
      [],
      {
        kind: 'finish',
        exitCode: 0,
        exports: 0,
        problem: new RegExp(
          '^Cache export to scope pr-7 \\(gha\\) stalled: exporting cache made no progress for 11 s \\(cache-timeout: 10 s\\)\\. ' +
            "The action stopped it; the build's result is kept"
        )
      }
    ],
    [
      'an import stalled (buildx): build again without imports, and without the builder’s cache',
      gha,
      { ...failed, stall: stall('import') },
      [],
      {
        kind: 'retry',
        imports: 0,
        exports: 1,
        noCache: true,
        problem: /^Cache import \(gha\) stalled: .*built again without importing the cache \(with --no-cache/
      }
    ],
    [
      'an import stalled (envd, which cannot skip its cache): build again without imports',
      envd,
      { ...failed, stall: stall('import') },
      [],
      { kind: 'retry', imports: 0, noCache: false, problem: /without importing the cache\.$/ }
    ],
    [
      'an export stalled before the result: build again without exporting',
      gha,
      { ...failed, stall: stall('export') },
      [],
      { kind: 'retry', imports: 2, exports: 0, problem: /stalled before the build's result was written/ }
    ],
    [
      'a rebuild stalled again: finish as it ended',
      gha,
      { ...failed, stall: stall('import') },
      [{ ...failed, stall: stall('import') }],
      { kind: 'finish', exitCode: 1, problem: /^The build stalled again on cache traffic/ }
    ],
    [
      'a rebuild whose export stalls after the result: still exit 0',
      gha,
      { ...failed, stall: stall('export', true) },
      [{ ...failed, stall: stall('import') }],
      { kind: 'finish', exitCode: 0, exports: 0, problem: /the build's result is kept/ }
    ],
    [
      'the exporter could not be set up, before any step: build again without exporting',
      gha,
      { ...failed, report: NO_STEPS, exporterSetupFailed: true },
      [],
      { kind: 'retry', imports: 2, exports: 0, problem: /^Cache export to scope pr-7 \(gha\) failed: BuildKit could not set up the export/ }
    ],
    [
      'the registry refused the inline cache tag: build again without it',
      inline,
      { ...failed, pushFailed: pushOf(inline.extraTags[0]) },
      [],
      {
        kind: 'retry',
        imports: 2,
        exports: 0,
        problem: /^Cache export to scope o\/app\/pr-7 \(inline\) failed: the registry refused the cache tag \S+ \(unexpected status.*500/
      }
    ],
    [
      "the image's push failed beside a failed cache export to the same registry: build again without exporting",
      registry,
      collided,
      [],
      {
        kind: 'retry',
        imports: 2,
        exports: 0,
        problem: /^Cache export to scope o\/app\/pr-7 \(registry\) failed beside the image's push to r\.test/
      }
    ],
    [
      "the image's push failed again without the export: that is the build failing",
      registry,
      collided,
      [collided],
      { kind: 'finish', exitCode: 1 }
    ],
    [
      "the image's push failed, the cache export did not: that is the build failing",
      registry,
      { ...collided, report: REPORT },
      [],
      { kind: 'finish', exitCode: 1 }
    ],
    [
      "the registry refused the image's own tag: that is the build failing",
      inline,
      { ...failed, pushFailed: pushOf('r.test/o/app:latest') },
      [],
      { kind: 'finish', exitCode: 1 }
    ],
    [
      'the exporter failed after steps ran: that is the build failing',
      gha,
      { ...failed, exporterSetupFailed: true },
      [],
      { kind: 'finish', exitCode: 1 }
    ],
    [
      'the docker driver refused the export before any step: fit the plan to it',
      gha,
      { ...failed, report: NO_STEPS, driverLacksStore: true },
      [],
      { kind: 'fit-to-docker-driver' }
    ],
    [
      'the docker driver refused again after the fit: finish',
      gha,
      { ...failed, report: NO_STEPS, driverLacksStore: true },
      [{ ...failed, report: NO_STEPS, driverLacksStore: true }],
      { kind: 'finish', exitCode: 1 }
    ]
  ])('%s', (_title, p, run, earlier, want) => {
    const next = recover(attempt(p), run, earlier, 10)
    expect(next.kind).toBe(want.kind)
    if (next.kind === 'finish') {
      expect(next.exitCode).toBe(want.exitCode)
      if (want.exports !== undefined) expect(next.plan.exports).toHaveLength(want.exports)
      if (want.exports === 0) expect(next.plan.cacheExport).toBe(false)
      if (want.problem) expect(next.problem).toMatch(want.problem)
      else expect(next.problem).toBeUndefined()
    }
    if (next.kind === 'retry') {
      if (want.imports !== undefined) expect(next.attempt.imports).toHaveLength(want.imports)
      if (want.exports !== undefined) expect(next.attempt.plan.exports).toHaveLength(want.exports)
      if (want.noCache !== undefined) expect(next.attempt.noCache).toBe(want.noCache)
      expect(next.problem).toMatch(want.problem!)
    }
  })

  it('every rule ends: a run of stalls finishes within two builds', () => {
    let current = attempt(gha)
    const runs: BuildRun[] = []
    for (let i = 0; i < 3; i++) {
      const run = { ...failed, stall: stall('import') }
      const next = recover(current, run, runs, 10)
      runs.push(run)
      if (next.kind !== 'retry') return expect(runs.length).toBeLessThanOrEqual(2)
      current = next.attempt
    }
    throw new Error('three stalled builds and still retrying')
  })
})

describe('failedPush: the push a line of the build says failed', () => {
  it.each([
    [
      'ERROR: failed to build: failed to solve: failed to push r.test/o/app:buildcache-pr-7: unexpected status from PUT request: 500',
      { ref: 'r.test/o/app:buildcache-pr-7', reason: 'unexpected status from PUT request: 500' }
    ],
    ['#12 pushing layers 0.1s done', undefined]
  ])('%s', (line, expected) => {
    expect(failedPush(line)).toEqual(expected)
  })
})
