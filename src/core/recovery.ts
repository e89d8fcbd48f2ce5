/**
 * What the action does after a build run, decided from what the run told it: done, or build
 * again another way. A missing or sick cache never fails a build, so each rule drops what the
 * cache broke (the imports, the export) and says why in one warning. Pure: runs in, decision out.
 */
import type { CacheImport } from '../backends/backend.js'
import { type Stall, reasonOf } from './cache-watch.js'
import { type Plan, withoutExport } from './plan.js'
import type { BuildReport } from './progress.js'
import { TOOLS } from '../tools/index.js'

/** One build of a plan: the imports it uses, and whether it builds without the builder's cache. */
export interface Attempt {
  plan: Plan
  imports: CacheImport[]
  /** Stay apart from a stopped build's steps, which BuildKit goes on fetching (see recover). */
  noCache: boolean
}

/** What one build run told the action. */
export interface BuildRun {
  exitCode: number
  report: BuildReport
  /** The cache service answered a write with `cache write denied`. */
  denied: boolean
  /** BuildKit could not set up the cache exporter and stopped before building. */
  exporterSetupFailed: boolean
  /** buildx refused what its docker driver cannot do without the containerd image store: a cache export, the default provenance. */
  driverLacksStore?: boolean
  /** Cache traffic made no progress for cache-timeout: the action stopped the build. */
  stall?: Stall
  /** The first image name the build could not push, and why (buildx: `failed to push <ref>: <reason>`). */
  pushFailed?: { ref: string; reason: string }
}

/** The push a line of the build's output says failed, if it does. */
export function failedPush(line: string): BuildRun['pushFailed'] {
  const match = /failed to push (\S+): (.*)$/.exec(line)
  return match ? { ref: match[1], reason: match[2].trim() } : undefined
}

export type Next =
  | { kind: 'finish'; exitCode: number; plan: Plan; problem?: string }
  | { kind: 'retry'; attempt: Attempt; problem: string; stalledImport?: Stall }
  /** buildx's docker driver refused the export: the shell fits the plan to that builder. */
  | { kind: 'fit-to-docker-driver' }

const APART = " (with --no-cache: BuildKit goes on fetching the stopped build's layers, and a build of the same steps would wait for them)"

const stalledFor = (stall: Stall, cacheTimeout: number) =>
  `${stall.what} made no progress for ${stall.idleSeconds} s (cache-timeout: ${cacheTimeout} s)`

/**
 * After `run` of `attempt` (`earlier` are the runs before it): finish, or the next attempt.
 * - An export that stalled after the build's result was written: the result is kept (exit 0).
 * - An import that stalled: build again without imports. BuildKit goes on fetching the stopped
 *   build's layers outside that build, and a build of the same steps would join and wait for
 *   them, so the rebuild skips the builder's cache where the builder can.
 * - An export that stalled before the result: build again without exporting.
 * - A build stopped a second time on cache traffic: finish as it ended.
 * - buildx's docker driver refused the export before any step: fit the plan to that builder.
 * - BuildKit could not set up the exporter (azblob whose account does not answer) and stopped
 *   before any step, ignore-error or not: build again without exporting.
 * - The registry refused a cache tag the image is pushed under (inline), which fails the push,
 *   ignore-error or not: build again without it (the image goes out under its own tags).
 */
export function recover(attempt: Attempt, run: BuildRun, earlier: readonly BuildRun[], cacheTimeout: number): Next {
  const p = attempt.plan
  const stall = run.stall
  const stoppedBefore = earlier.some(r => r.stall)
  if (stall?.phase === 'export' && stall.resultWritten) {
    return {
      kind: 'finish',
      exitCode: 0,
      plan: withoutExport(p, `the ${p.backend} cache export stalled (cache-timeout)`),
      problem:
        `Cache export to scope ${p.scope || '(own)'} (${p.backend}) stalled: ${stalledFor(stall, cacheTimeout)}. The action ` +
        `stopped it; the build's result is kept, its cache was not saved.`
    }
  }
  if (stall && stoppedBefore) {
    return {
      kind: 'finish',
      exitCode: run.exitCode,
      plan: p,
      problem: `The build stalled again on cache traffic (${stall.what}); it was stopped.`
    }
  }
  if (stall?.phase === 'import') {
    const apart = TOOLS[p.tool].traits.canBuildWithoutCache
    return {
      kind: 'retry',
      attempt: { plan: p, imports: [], noCache: apart },
      stalledImport: stall,
      problem:
        `Cache import (${p.backend}) stalled: ${stalledFor(stall, cacheTimeout)}. The action stopped the build and built again ` +
        `without importing the cache${apart ? APART : ''}.`
    }
  }
  if (stall) {
    return {
      kind: 'retry',
      attempt: { ...attempt, plan: withoutExport(p, `the ${p.backend} cache export stalled (cache-timeout)`) },
      problem:
        `Cache export to scope ${p.scope || '(own)'} (${p.backend}) stalled before the build's result was written: ` +
        `${stalledFor(stall, cacheTimeout)}. The action stopped the build and built again without exporting the cache.`
    }
  }
  const refused = run.exitCode !== 0 && run.pushFailed
  // buildx names a tag as given, or with the registry and library/ prefixed (docker.io).
  if (refused && p.extraTags.some(tag => refused.ref === tag || refused.ref.endsWith(`/${tag}`))) {
    return {
      kind: 'retry',
      attempt: { ...attempt, plan: withoutExport(p, `the registry refused the ${p.backend} cache tag`) },
      problem:
        `Cache export to scope ${p.scope || '(own)'} (${p.backend}) failed: the registry refused the cache tag ${refused.ref} ` +
        `(${refused.reason}), which fails the image's push; the build ran again without it, its cache was not saved.`
    }
  }
  // The image and a cache export to the same registry upload a shared layer at once, and some
  // registries refuse one of the two ("provided digest did not match uploaded content"): the
  // image must not be lost to the cache, so it is pushed again alone, once.
  const refusedHost = refused ? refused.ref.split('/')[0] : undefined
  const exportsThere = p.exports.some(spec => spec.some(([key, value]) => key === 'ref' && value.split('/')[0] === refusedHost))
  if (refused && exportsThere && run.report.exportErrors.length && !earlier.some(r => r.pushFailed)) {
    return {
      kind: 'retry',
      attempt: { ...attempt, plan: withoutExport(p, `the ${p.backend} cache export failed beside the image's push`) },
      problem:
        `Cache export to scope ${p.scope || '(own)'} (${p.backend}) failed beside the image's push to ${refusedHost} ` +
        `(${reasonOf(run.report.exportErrors[0])}; the push: ${refused.reason}); the build ran again without exporting the cache, ` +
        'its cache was not saved.'
    }
  }
  const stoppedBeforeAnyStep = run.exitCode !== 0 && run.report.totalSteps === 0
  if (stoppedBeforeAnyStep && run.driverLacksStore && !earlier.some(r => r.driverLacksStore)) return { kind: 'fit-to-docker-driver' }
  if (stoppedBeforeAnyStep && run.exporterSetupFailed && p.exports.length) {
    return {
      kind: 'retry',
      attempt: { ...attempt, plan: withoutExport(p, `the ${p.backend} cache export could not be set up (its server did not answer)`) },
      problem:
        `Cache export to scope ${p.scope || '(own)'} (${p.backend}) failed: BuildKit could not set up the export (its server did not ` +
        'answer as it should) and stopped before building, which ignore-error does not cover; the build ran again without exporting ' +
        'the cache.'
    }
  }
  return { kind: 'finish', exitCode: run.exitCode, plan: p }
}
