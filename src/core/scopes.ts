import type { RunContext } from './context.js'
import { safeName } from './names.js'

/**
 * The scope chain: the scope this run exports to, and the scopes it imports from, in order.
 * The event table of the README lives here.
 */
export type ScopeRole = 'own' | 'base' | 'default' | 'fallback'

export interface Scope {
  /** The scope's name in every backend, e.g. `pr-7` or `main` (before any namespace). */
  name: string
  /**
   * The ref the scope's entries live under: the ref of the runs that write it (GitHub's cache
   * service keeps every entry under its writer's GITHUB_REF and lets a run read only some refs).
   */
  ref: string
  role: ScopeRole
}

export interface ScopeChain {
  own?: Scope
  imports: Scope[]
  /** Whether the event lets this run export to its own scope, and why (not). */
  eventExports: boolean
  eventReason: string
}

function branchScope(branch: string, role: ScopeRole): Scope {
  return { name: safeName(branch), ref: `refs/heads/${branch}`, role }
}

/** Pull request `n`'s own scope, kept under `ref`. */
export function pullRequestScope(n: number, ref: string): Scope {
  return { name: `pr-${n}`, ref, role: 'own' }
}

/** The pull request whose pull_request runs write under `ref`, if it is such a ref. */
export function pullRequestOfRef(ref: string): number | undefined {
  const pr = /^refs\/pull\/(\d+)\/merge$/.exec(ref)
  return pr ? Number(pr[1]) : undefined
}

/** The own scope of the runs whose ref is `ref`: a branch's push, or a pull request's pull_request runs. */
export function scopeOfRef(ref: string): Scope | undefined {
  const pr = pullRequestOfRef(ref)
  if (pr !== undefined) return pullRequestScope(pr, ref)
  return ref.startsWith('refs/heads/') ? branchScope(ref.slice('refs/heads/'.length), 'own') : undefined
}

/**
 * GitHub keeps a cache entry under the ref of the run that wrote it (GITHUB_REF), and that is
 * the ref the runtime token names. So the own scope lives under the run's ref: for a pull
 * request `refs/pull/N/merge`, but for pull_request_target, issue_comment and workflow_run,
 * which run in the base repository's context, the base (or default) branch.
 */
function ownScope(context: RunContext): Scope | undefined {
  if (context.kind === 'pull-request' && context.pullRequest !== undefined) {
    return pullRequestScope(context.pullRequest, context.ref || `refs/pull/${context.pullRequest}/merge`)
  }
  if (context.kind === 'branch' && context.branch)
    return { ...branchScope(context.branch, 'own'), ...(context.ref && { ref: context.ref }) }
  return undefined
}

/** The ref a pull request's or a branch's own runs write under. */
function naturalRef(context: RunContext): string | undefined {
  if (context.kind === 'pull-request') return `refs/pull/${context.pullRequest}/merge`
  return context.branch === undefined ? undefined : `refs/heads/${context.branch}`
}

function eventExport(context: RunContext, own: Scope | undefined): { eventExports: boolean; eventReason: string } {
  if (context.kind === 'merge-queue') return { eventExports: false, eventReason: 'a merge queue build imports only' }
  if (context.kind === 'tag') return { eventExports: false, eventReason: `a tag build (${context.tag}) has no scope of its own` }
  if (context.fromFork && context.kind === 'branch') {
    return { eventExports: false, eventReason: `${context.event} of a fork's branch must not write to this repository's scopes` }
  }
  if (!own) return { eventExports: false, eventReason: `no branch to scope the cache by (ref ${context.ref || 'unset'})` }
  const kept = own.ref === naturalRef(context) ? '' : `: ${own.name} is kept under that ref`
  return { eventExports: true, eventReason: `${context.event} on ${own.ref}${kept}` }
}

export function scopeChain(context: RunContext, fallbackBranches: readonly string[]): ScopeChain {
  const own = ownScope(context)
  const candidates: Scope[] = [
    ...(own ? [own] : []),
    ...(context.baseBranch ? [branchScope(context.baseBranch, 'base')] : []),
    ...(context.defaultBranch ? [branchScope(context.defaultBranch, 'default')] : []),
    ...fallbackBranches.map(branch => branchScope(branch, 'fallback'))
  ]
  const imports = candidates.filter((scope, i) => candidates.findIndex(s => s.name === scope.name) === i)
  return { own, imports, ...eventExport(context, own) }
}
