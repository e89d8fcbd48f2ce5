/**
 * The cache budget: when GitHub's Actions cache of the repository holds more than the budget,
 * which entries this action deletes, and in which order, so that GitHub's own eviction never
 * reaches the default branch's cache. Pure: the post step lists, looks up and deletes.
 */
import { formatBytes, parseSize } from './format.js'

/** `cache-budget`: a share of the repository's cache limit, a size, or off. */
export type CacheBudget = { kind: 'off' } | { kind: 'percent'; percent: number } | { kind: 'bytes'; bytes: number }

/** GitHub's cache limit of a repository whose limit the token cannot read (its default). */
export const DEFAULT_CACHE_LIMIT_BYTES = 10e9

/** `80%`, `off`, or a size (`8GB`, `500 MB`); undefined when it is none of these. */
export function parseCacheBudget(text: string): CacheBudget | undefined {
  if (text === 'off') return { kind: 'off' }
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text)
  if (percent) {
    const value = Number(percent[1])
    return value > 0 && value <= 100 ? { kind: 'percent', percent: value } : undefined
  }
  // A bare number could mean a share or bytes: neither is assumed.
  const bytes = /^[\d.]+$/.test(text) ? undefined : parseSize(text)
  return bytes ? { kind: 'bytes', bytes } : undefined
}

/** The budget in bytes, given the repository's limit (a size budget does not need it). */
export function budgetBytes(budget: CacheBudget, limit: number): number {
  if (budget.kind === 'off') return Number.POSITIVE_INFINITY
  return budget.kind === 'bytes' ? budget.bytes : Math.floor((limit * budget.percent) / 100)
}

/** An entry of the GitHub Actions cache, as the REST API lists it (times in ms since the epoch). */
export interface CacheEntry {
  id: number
  key: string
  ref: string
  bytes: number
  createdAt: number
  lastAccessedAt: number
}

/** The scope of this action that wrote an entry: the group whose newest entry is kept, and the pull request it is of. */
export interface KeyGroup {
  group: string
  pullRequest?: number
}

export type PruneReason = 'closed pull request' | 'least recently used ref' | 'superseded'

export interface Prune {
  entry: CacheEntry
  reason: PruneReason
}

export interface BudgetFacts {
  /** Bytes the repository's cache holds now. */
  usage: number
  /** The budget in bytes. */
  budget: number
  entries: readonly CacheEntry[]
  /** Numbers of the open pull requests; undefined when they could not be looked up (then none counts as closed). */
  openPullRequests?: ReadonlySet<number>
  defaultBranch?: string
  /** The ref this run wrote under: like the default branch's, its newest entries stay. */
  ownRef: string
  /** The scope of this action that wrote the entry, or undefined for another tool's entry, which is never deleted. */
  scopeOf(entry: CacheEntry): KeyGroup | undefined
}

export interface PruneSelection {
  prunes: Prune[]
  /** Usage once the prunes are deleted. */
  usageAfter: number
  /** Why nothing is selected although usage is over budget, or why it stays over. */
  shortfall?: string
}

const byAge = (a: CacheEntry, b: CacheEntry) => a.lastAccessedAt - b.lastAccessedAt || a.id - b.id
const newestFirst = (a: CacheEntry, b: CacheEntry) => b.createdAt - a.createdAt || b.id - a.id

/**
 * Which entries to delete, in order, to bring usage down to the budget: this action's entries
 * of closed pull requests' scopes, then under the refs used longest ago (a ref's last use
 * is the latest access of any entry under it), then the superseded entries of a scope (older
 * commits) under the default branch and this run's ref. Under those two refs the newest entry of
 * each scope always stays; another tool's entries are never selected. It stops as soon as usage
 * is within the budget.
 */
export function selectPrunes(facts: BudgetFacts): PruneSelection {
  const { usage, budget } = facts
  if (usage <= budget) return { prunes: [], usageAfter: usage }
  if (!facts.defaultBranch) {
    return { prunes: [], usageAfter: usage, shortfall: 'the default branch is not known, so its cache cannot be told apart' }
  }
  const kept = new Set([`refs/heads/${facts.defaultBranch}`, facts.ownRef])
  const lastUse = new Map<string, number>()
  for (const entry of facts.entries) lastUse.set(entry.ref, Math.max(lastUse.get(entry.ref) ?? 0, entry.lastAccessedAt))
  const owned = facts.entries.filter(entry => facts.scopeOf(entry) !== undefined)
  const byRefAge = (a: CacheEntry, b: CacheEntry) => lastUse.get(a.ref)! - lastUse.get(b.ref)! || a.ref.localeCompare(b.ref) || byAge(a, b)

  // A closed pull request's scope goes wherever it is kept: pull_request_target keeps it under the base branch.
  const closed = (entry: CacheEntry) => {
    const pr = facts.scopeOf(entry)?.pullRequest
    return pr !== undefined && !!facts.openPullRequests && !facts.openPullRequests.has(pr)
  }
  const closedPullRequests = owned.filter(closed).sort(byRefAge)
  const otherRefs = owned.filter(entry => !kept.has(entry.ref) && !closed(entry)).sort(byRefAge)
  const newest = new Set<number>()
  const seen = new Set<string>()
  const keptOpen = owned.filter(entry => kept.has(entry.ref) && !closed(entry))
  for (const entry of [...keptOpen].sort(newestFirst)) {
    const scope = `${entry.ref}\n${facts.scopeOf(entry)!.group}`
    if (!seen.has(scope)) newest.add(entry.id)
    seen.add(scope)
  }
  const superseded = keptOpen.filter(entry => !newest.has(entry.id)).sort((a, b) => -newestFirst(a, b))

  const candidates: Prune[] = [
    ...closedPullRequests.map(entry => ({ entry, reason: 'closed pull request' as const })),
    ...otherRefs.map(entry => ({ entry, reason: 'least recently used ref' as const })),
    ...superseded.map(entry => ({ entry, reason: 'superseded' as const }))
  ]
  const prunes: Prune[] = []
  let usageAfter = usage
  for (const prune of candidates) {
    if (usageAfter <= budget) break
    prunes.push(prune)
    usageAfter -= prune.entry.bytes
  }
  return {
    prunes,
    usageAfter,
    ...(usageAfter > budget && {
      shortfall:
        `the rest (${formatBytes(usageAfter)}) is the newest cache of the default branch and of this run's ref, and other tools' ` +
        'caches, which the action never deletes'
    })
  }
}
