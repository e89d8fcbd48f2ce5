/**
 * What a finished run tells the user: the outputs, the warnings about the cache, and the
 * summary's facts. Pure: the plan, what the action found before the build and what the builds
 * told it, in; values out. run.ts writes them, once.
 */
import type { CacheImport } from '../backends/backend.js'
import { backendOfSpec } from '../backends/index.js'
import { type CacheFailure, type Stall, dedupe, failedScopes, failureWarning, importFailures, reasonOf } from './cache-watch.js'
import type { Outputs } from '../effects/outputs.js'
import { type Plan, displayCommand, invocationOf, maskSecrets, specsOf } from './plan.js'
import type { Env } from './context.js'
import { type BuildReport, hitRatio } from './progress.js'
import type { Attempt, BuildRun } from './recovery.js'
import { type BuildOutcome, type Restored, sourceOf } from './summary.js'
import { TOOLS } from '../tools/index.js'

/** The attempt a run ends with, and the outputs that describe it before any build (a dry run). */
export function planOutputs(attempt: Attempt, env: Env): Pick<Outputs, 'scope' | 'cache-from' | 'cache-to' | 'cache-export' | 'command'> {
  const p = attempt.plan
  return {
    scope: p.scope,
    // envd carries the gha token as a spec attribute: later steps read these outputs, never the token.
    'cache-from': maskSecrets(specsOf(attempt.imports.map(i => i.attributes)).join('\n'), p.secrets),
    'cache-to': maskSecrets(specsOf(p.exports).join('\n'), p.secrets),
    'cache-export': String(p.cacheExport),
    command: displayCommand(invocationOf(p, attempt.imports, env, attempt.noCache), p.secrets)
  }
}

/**
 * Which scope the cached steps came from: the restored directory's key, else the first chain
 * entry BuildKit found, else (BuildKit names gha imports by a hash) the first that held an index.
 */
export function cacheSource(
  p: Plan,
  report: BuildReport,
  chosen: readonly CacheImport[],
  facts: Pick<Facts, 'restored' | 'indexFound'>
): string {
  const restoredKey = facts.restored?.key
  if (report.cachedSteps === 0) return 'none'
  const restoredFrom = restoredKey && p.local?.restoreKeys.findIndex(prefix => restoredKey.startsWith(prefix))
  if (typeof restoredFrom === 'number' && restoredFrom >= 0) return p.chain[restoredFrom]?.id ?? 'unknown'
  const found = p.chain.find(scope => report.imports.some(i => i.found && sourceOf(i.source, scope)))
  if (found) return found.id
  const indexed = facts.indexFound && p.chain.find((_, i) => facts.indexFound![i])
  if (indexed) return indexed.id
  // A builder that takes one import does not log it: the chosen one is the source.
  const single =
    TOOLS[p.tool].traits.singleImport && chosen.length === 1 ? p.chain.find(scope => scope.location === chosen[0].label) : undefined
  return single?.id ?? 'unknown'
}

/** Every cache import or export of these runs that failed for a reason other than "nothing there yet". */
export function cacheFailures(p: Plan, chosen: readonly CacheImport[], runs: readonly BuildRun[]): CacheFailure[] {
  const denied = runs.some(r => r.denied)
  // A builder that takes one import imports the chosen candidate: any failed import line is about
  // the scopes it reads.
  const chain = TOOLS[p.tool].traits.singleImport
    ? chosen.flatMap(i =>
        i.wholeChain
          ? p.chain.map(s => ({ id: s.id }))
          : [
              {
                id: p.chain.find(s => s.location === i.label)?.id ?? i.label,
                location: backendOfSpec(i.attributes)?.importLocation?.(i.attributes)
              }
            ]
      )
    : p.chain.map(s => ({ id: s.id, location: s.location }))
  // A run the action stopped for a stall: its canceled vertices are the stall's warning, not more.
  const failures = runs.flatMap(run => [
    ...(run.stall ? [] : importFailures(p.backend, chain, run.report.imports)),
    ...(run.stall?.phase === 'export' ? [] : run.report.exportErrors)
      .filter(error => !(denied && /cache write denied/i.test(error)))
      .map(error => ({
        kind: 'export' as const,
        backend: p.backend,
        scopes: [p.scope || '(own)'],
        ambiguous: false,
        reason: reasonOf(error)
      }))
  ])
  return dedupe(failures)
}

/** A carried directory whose restore failed or stalled: the import of every chain scope (it is restored through all of them). */
export function restoreFailures(p: Plan, restored: Restored | undefined): CacheFailure[] {
  const failure = restored?.failure
  if (!failure || !p.chain.length) return []
  return [{ kind: 'import', backend: p.backend, scopes: p.chain.map(s => s.id), ambiguous: false, ...failure }]
}

/** Which chain scopes a stalled import was about: the one it names, else all (the import was dropped). */
export function stalledScopes(p: Plan, stall: Stall): string[] {
  const named = p.chain.filter(s => s.location && stall.what.includes(s.location))
  return (named.length ? named : p.chain).map(s => s.id)
}

/**
 * The run whose steps the figures count: the last, unless it only exported again what the run
 * before it built, whose push failed or whose export stalled (recover's rules): the steps came
 * from the cache (or ran) in that run, the rebuild took them from the builder.
 */
export function stepsRun(runs: readonly BuildRun[]): BuildRun {
  const [before, last] = runs.slice(-2)
  const builtBefore = (before?.pushFailed && before.exitCode !== 0) || before?.stall?.phase === 'export'
  return last && builtBefore ? before : runs[runs.length - 1]
}

/** What the builds told the action, from the first attempt to the last. */
export interface Execution {
  first: Attempt
  last: Attempt
  runs: BuildRun[]
  exitCode: number
  /** Warnings the recovery gave, in order. */
  problems: string[]
  /** Chain scopes whose import stalled or did not answer. */
  stalled: string[]
  seconds: number
}

/** What the action found out before the build. */
export interface Facts {
  restored?: Restored
  /** Per chain scope: whether the GitHub Actions cache held its index before the build (gha). */
  indexFound?: boolean[]
  metadata: { text: string; digest?: string; imageId?: string }
  localExport?: BuildOutcome['localExport']
}

/**
 * What buildx's metadata file says of the image: its digest, and its ID as buildx's --iidfile
 * (build-push-action's imageid) has it: the config's digest, or the digest of an index (several
 * platforms, attestations), which has no config.
 */
export function buildMetadata(text: string): Facts['metadata'] {
  try {
    const metadata = JSON.parse(text)
    const digest: string | undefined = metadata['containerimage.digest']
    return { text, digest, imageId: metadata['containerimage.config.digest'] ?? digest }
  } catch {
    return { text: '' }
  }
}

export interface Report {
  outputs: Partial<Outputs>
  warnings: string[]
  outcome: BuildOutcome
  /** The step's failure, when the build failed. */
  failure?: string
}

export function report(execution: Execution, facts: Facts, env: Env): Report {
  const p = execution.last.plan
  const { report: progress } = stepsRun(execution.runs)
  const failures = [...restoreFailures(p, facts.restored), ...cacheFailures(p, execution.first.imports, execution.runs)]
  const warnings = [...execution.problems, ...failures.map(failureWarning)]
  if (execution.runs.some(r => r.denied))
    warnings.push('The cache service denied the cache write (cache write denied): this run could not save its cache; the build went on.')
  // The plan meant to export; the output and the summary say whether the cache was saved.
  const exportFailed = failures.some(f => f.kind === 'export') || execution.runs.some(r => r.denied)
  const source = cacheSource(p, progress, execution.last.imports, facts)
  const invocation = invocationOf(p, execution.last.imports, env, execution.last.noCache)
  return {
    outputs: {
      ...planOutputs(execution.last, env),
      ...(exportFailed && { 'cache-export': 'false' }),
      imageid: facts.metadata.imageId ?? '',
      digest: facts.metadata.digest ?? '',
      metadata: facts.metadata.text,
      'cached-steps': String(progress.cachedSteps),
      'total-steps': String(progress.totalSteps),
      'cache-hit-ratio': hitRatio(progress),
      'cache-source': source
    },
    warnings,
    outcome: {
      chosen: execution.last.imports,
      report: progress,
      buildSeconds: execution.seconds,
      exitCode: execution.exitCode,
      restored: facts.restored,
      cacheSource: source,
      indexFound: facts.indexFound,
      failed: new Set([...failedScopes(failures), ...execution.stalled]),
      exportFailed,
      problems: warnings,
      ...(facts.localExport && { localExport: facts.localExport })
    },
    ...(execution.exitCode !== 0 && { failure: `${invocation.file} ${invocation.args[0]} failed with exit code ${execution.exitCode}.` })
  }
}
