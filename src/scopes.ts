import type { RunContext } from './context.js'
import { safeName, shortHash } from './names.js'

/**
 * The scope chain: the scope this run exports to, and the scopes it imports from, in order.
 * The event table of the README lives here.
 */
export type ScopeRole = 'own' | 'base' | 'default' | 'fallback'

export interface Scope {
  /** The scope's name in every backend, e.g. `pr-7` or `main` (before any namespace). */
  name: string
  /** The git ref whose cache this is: GitHub's cache service isolates entries by it. */
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

/**
 * A branch's scope name. `pr-<N>` names a pull request's scope, so a branch called that gets a
 * hash appended, as a sanitised name does: it never shares (or, on clean-up, loses) PR N's cache.
 */
function branchScopeName(branch: string): string {
  return /^pr-\d+$/.test(branch) ? `${branch}-${shortHash(branch)}` : safeName(branch)
}

function branchScope(branch: string, role: ScopeRole): Scope {
  return { name: branchScopeName(branch), ref: `refs/heads/${branch}`, role }
}

function ownScope(context: RunContext): Scope | undefined {
  if (context.kind === 'pull-request' && context.pullRequest !== undefined) {
    return { name: `pr-${context.pullRequest}`, ref: `refs/pull/${context.pullRequest}/merge`, role: 'own' }
  }
  if (context.kind === 'branch' && context.branch) return branchScope(context.branch, 'own')
  return undefined
}

function eventExport(context: RunContext, own: Scope | undefined): { eventExports: boolean; eventReason: string } {
  if (context.kind === 'merge-queue') return { eventExports: false, eventReason: 'a merge queue build imports only' }
  if (context.kind === 'tag') return { eventExports: false, eventReason: `a tag build (${context.tag}) has no scope of its own` }
  if (context.fromFork && context.kind === 'branch') {
    return { eventExports: false, eventReason: `${context.event} of a fork's branch must not write to this repository's scopes` }
  }
  if (!own) return { eventExports: false, eventReason: `no branch to scope the cache by (ref ${context.ref || 'unset'})` }
  return { eventExports: true, eventReason: `${context.event} on ${own.ref}` }
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
