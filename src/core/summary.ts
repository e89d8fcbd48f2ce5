import type { CacheImport } from '../backends/backend.js'
import type { Plan } from './plan.js'
import type { BuildReport } from './progress.js'
import { hitRatio } from './progress.js'
import { formatBytes } from './format.js'
import { TOOLS } from '../tools/index.js'

/** What the restore of a carried directory found. */
export interface Restored {
  key?: string
  bytes: number
  /** The cache service answered the lookup (with a hit or with nothing); false when it was not asked or failed. */
  looked?: boolean
  /** The restored cache manifest's digest. */
  digest?: string
  /** The restore failed (the reason) or made no progress for cache-timeout: there may be a cache, it could not be read. */
  failure?: { reason: string; stalled: boolean }
}

export interface BuildOutcome {
  dryRun?: boolean
  chosen: readonly CacheImport[]
  report?: BuildReport
  buildSeconds?: number
  exitCode?: number
  restored?: Restored
  cacheSource?: string
  localExport?: { bytes: number; freed: number; unchanged?: boolean }
  /** Per chain scope: whether the GitHub Actions cache held its index before the build (gha). */
  indexFound?: boolean[]
  /** Chain scopes whose cache import failed or stalled (marked ⚠, not ✗: there may be a cache, it could not be read). */
  failed?: ReadonlySet<string>
  /** The export was planned and BuildKit or the cache service refused it: nothing was saved. */
  exportFailed?: boolean
  /** The cache warnings of this run, one line each. */
  problems?: readonly string[]
  /** One line per cache mount: restored from where, and whether it is saved. */
  mounts?: readonly string[]
}

/** Whether BuildKit's "importing cache manifest from X" names this scope. */
export function sourceOf(source: string, scope: Plan['chain'][number]): boolean {
  return scope.location ? source.includes(scope.location) : source.includes(scope.id)
}

/**
 * The local backend's marks come from the restore, not from BuildKit (whose log names no scope):
 * the cache service tries the chain's restore keys in order, so the scopes before the one it
 * restored had nothing, and the ones after it were not needed. Undefined when the restore says nothing.
 */
function restoreMarks(p: Plan, restored: BuildOutcome['restored']): string[] | undefined {
  if (!p.local || !restored?.looked) return undefined
  const hit = restored.key ? p.local.restoreKeys.findIndex(prefix => restored.key!.startsWith(prefix)) : -1
  if (restored.key && hit < 0) return undefined
  return p.chain.map((_, i) => (hit < 0 || i < hit ? '✗' : i === hit ? '✓' : '?'))
}

/**
 * ✓ where the scope's cache was found, ✗ where it was looked for and missing, ⚠ where reading
 * it failed or stalled (the cache may be there), ? where nothing says: the local restore, the
 * gha index lookup, else BuildKit's import lines.
 */
export function chainMarks(p: Plan, outcome: BuildOutcome): string {
  const failed = outcome.failed ?? new Set<string>()
  const marks = restoreMarks(p, outcome.restored) ?? outcome.indexFound?.map(found => (found ? '✓' : '✗'))
  if (marks) return p.chain.map((scope, i) => `${scope.id} ${failed.has(scope.id) ? '⚠' : marks[i]}`).join(' → ')
  const imports = outcome.report?.imports ?? []
  // A builder that takes one import: the chain marks come from the action's choice of it.
  const single = TOOLS[p.tool].traits.singleImport
  // The action probed the chain in order up to the import it chose: the scopes after it were not looked up.
  const chosenAt = p.chain.findIndex(scope => outcome.chosen.some(c => c.label === scope.location))
  return p.chain
    .map((scope, i) => {
      const seen = imports.filter(i => sourceOf(i.source, scope))
      if (failed.has(scope.id)) return `${scope.id} ⚠`
      // One import read under every ref of the chain (gha with envd) is no one scope's.
      if (single && !scope.location) return `${scope.id} ?`
      const chosen = outcome.chosen.some(c => c.label === scope.location)
      if (seen.some(i => i.found) || (chosen && single && (outcome.report?.cachedSteps ?? 0) > 0)) return `${scope.id} ✓`
      if (seen.length || (single && !chosen && (chosenAt < 0 || i < chosenAt))) return `${scope.id} ✗`
      return `${scope.id} ?`
    })
    .join(' → ')
}

/** The rows of one build's table, as [label, value]. Pure, for the summary and for tests. */
export function summaryRows(p: Plan, outcome: BuildOutcome): Array<[string, string]> {
  const report = outcome.report
  const rows: Array<[string, string]> = [
    ['Builder', p.tool],
    ['Backend', p.backend],
    ['Own scope', p.scope || '(none)'],
    ['Import chain', p.chain.length ? chainMarks(p, outcome) : `(none)${p.importReason ? `: ${p.importReason}` : ''}`]
  ]
  if (report) {
    rows.push(
      ['Cached steps', `${report.cachedSteps} / ${report.totalSteps} (${hitRatio(report)})`],
      ['Cache source', outcome.cacheSource ?? 'unknown'],
      [
        'Build time',
        `${(outcome.buildSeconds ?? 0).toFixed(1)} s (steps that ran: ${report.runSeconds.toFixed(1)} s, cache import: ` +
          `${report.importSeconds.toFixed(1)} s, export: ${report.exportSeconds.toFixed(1)} s)`
      ]
    )
  }
  const where = p.exports
    .map(e =>
      e
        .filter(([k]) => ['type', 'scope', 'ref', 'name', 'dest'].includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    )
    .join('; ')
  const exportRow = !p.cacheExport
    ? `no: ${p.exportReason}`
    : outcome.exportFailed
      ? `failed: ${where} (see Cache problems)`
      : `yes: ${where}`
  rows.push(['Cache export', exportRow])
  if (outcome.restored)
    rows.push([
      'Local cache restored',
      outcome.restored.key ? `${outcome.restored.key} (${formatBytes(outcome.restored.bytes)})` : 'nothing'
    ])
  const exported = outcome.localExport
  if (exported) {
    const freed = exported.freed ? `, ${formatBytes(exported.freed)} of dead blobs removed` : ''
    const saved = exported.unchanged ? 'the same as the restored cache: not saved again' : 'saved in the post step'
    rows.push(['Local cache exported', `${formatBytes(exported.bytes)}${freed}; ${saved}`])
  }
  if (outcome.mounts?.length) rows.push(['Cache mounts', outcome.mounts.join('<br>')])
  if (outcome.problems?.length) rows.push(['Cache problems', outcome.problems.map(line => `⚠ ${line}`).join('<br>')])
  if (TOOLS[p.tool].traits.plainProgress)
    rows.push([
      'Note',
      `${p.tool} prints BuildKit's plain progress: cache import and export times and the scope a hit came from are not in it`
    ])
  if (outcome.dryRun) rows.push(['Dry run', 'nothing was built'])
  return rows
}
