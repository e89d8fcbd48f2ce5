/**
 * The cache budget's calls: the repository's limit, looked up beside the build, and in the post
 * step of a run that exported, one usage call; only over budget the list of caches, the open
 * pull requests, and the deletes selectPrunes (pure) chooses. Nothing here fails a build.
 */
import { readFile } from 'node:fs/promises'
import * as core from '@actions/core'
import { type CacheBudget, DEFAULT_CACHE_LIMIT_BYTES, type CacheEntry, type Prune, budgetBytes, selectPrunes } from '../core/budget.js'
import { type RunContext, runContext } from '../core/context.js'
import { formatBytes } from '../core/format.js'
import { readInputs } from '../core/inputs.js'
import { type Plan, plan } from '../core/plan.js'
import type { Env } from '../core/context.js'
import { type CacheBudgetState, STATE } from '../core/state.js'
import { actionsCacheLimit, actionsCacheUsage, deleteActionsCache, listActionsCaches, openPullRequests } from './github-api.js'

/**
 * Main step, beside the build: what the post step needs, for a run whose export goes to the
 * Actions cache (undefined for the others). A share of the limit needs the limit: the
 * repository's when the token may read it, else GitHub's default.
 */
export async function lookUpCacheBudget(
  p: Plan,
  budget: CacheBudget,
  token: string | undefined,
  env: Env
): Promise<CacheBudgetState | undefined> {
  if (budget.kind === 'off' || !p.keysOfRef || !p.cacheExport || !token) return undefined
  const base = { defaultBranch: p.context.defaultBranch, ownRef: p.context.ref }
  if (budget.kind === 'bytes') return { ...base, budget: budget.bytes, said: 'set by cache-budget' }
  const limit = await actionsCacheLimit(token, env, p.context).catch(() => undefined)
  return {
    ...base,
    budget: budgetBytes(budget, limit ?? DEFAULT_CACHE_LIMIT_BYTES),
    said:
      `${budget.percent}% of the ${formatBytes(limit ?? DEFAULT_CACHE_LIMIT_BYTES)} limit` +
      (limit === undefined ? " (GitHub's default: reading the repository's own takes the administration permission)" : '')
  }
}

const PERMISSION = '"permissions: actions: write"'

/** Post step: when the repository's cache is over the budget, delete this action's least useful caches. Never fails the job. */
export async function keepCacheBudget(env: Env): Promise<void> {
  try {
    const state = JSON.parse(core.getState(STATE.cacheBudget)) as CacheBudgetState
    const token = core.getInput('github-token')
    const payload = env.GITHUB_EVENT_PATH ? JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) : {}
    const context: RunContext = { ...runContext(env, payload), defaultBranch: state.defaultBranch }
    const usage = await actionsCacheUsage(token, env, context)
    if (usage <= state.budget) {
      core.info(`cache budget: ${formatBytes(usage)} in use, within ${formatBytes(state.budget)} (${state.said})`)
      return
    }
    await prune(state, token, context, env)
  } catch (error) {
    core.warning(`Cache budget: ${(error as Error).message}`)
  }
}

async function prune(state: CacheBudgetState, token: string, context: RunContext, env: Env): Promise<void> {
  const p = plan(
    readInputs(name => core.getInput(name, { trimWhitespace: false })),
    context,
    env
  )
  const entries = await listActionsCaches(token, env, context)
  const keys = new Map([...new Set(entries.map(entry => entry.ref))].map(ref => [ref, p.keysOfRef?.(ref)]))
  const scopeOf = (entry: CacheEntry) => keys.get(entry.ref)?.(entry.key)
  const open = entries.some(entry => scopeOf(entry)?.pullRequest !== undefined)
    ? await openPullRequests(token, env, context).catch(error => {
        core.info(`cache budget: could not list the open pull requests (${error.message}); no pull request counts as closed`)
        return undefined
      })
    : undefined
  const usage = entries.reduce((sum, entry) => sum + entry.bytes, 0)
  const selection = selectPrunes({
    // The listing, not the usage call: GitHub refreshes that figure only every few minutes.
    usage,
    budget: state.budget,
    entries,
    openPullRequests: open,
    defaultBranch: state.defaultBranch,
    ownRef: state.ownRef,
    scopeOf
  })
  const deleted: Prune[] = []
  let refusal: string | undefined
  for (const prune of selection.prunes) {
    try {
      if (await deleteActionsCache(token, env, context, prune.entry.id)) deleted.push(prune)
    } catch (error) {
      refusal = (error as { status?: number }).status === 403 ? 'forbidden' : (error as Error).message
      break
    }
  }
  const freed = deleted.reduce((sum, d) => sum + d.entry.bytes, 0)
  const over =
    `the repository's GitHub Actions cache holds ${formatBytes(usage)}, over the budget of ${formatBytes(state.budget)} ` +
    `(${state.said})`
  if (refusal === 'forbidden' && !deleted.length) {
    const wouldFree = selection.prunes.reduce((sum, d) => sum + d.entry.bytes, 0)
    core.notice(
      `Cache budget: ${over}. Deleting ${selection.prunes.length} of this action's caches would free ${formatBytes(wouldFree)}, ` +
        `but github-token may not delete caches: give the job ${PERMISSION}.`
    )
    return
  }
  if (refusal)
    core.warning(`Cache budget: deleting caches stopped after ${deleted.length} (${refusal === 'forbidden' ? PERMISSION : refusal}).`)
  for (const d of deleted)
    core.info(`cache budget: deleted ${d.entry.key} under ${d.entry.ref} (${formatBytes(d.entry.bytes)}; ${d.reason})`)
  const after = usage - freed
  core.info(`cache budget: ${over}; freed ${formatBytes(freed)} (${freed} bytes), ${formatBytes(after)} left`)
  if (selection.shortfall) core.info(`cache budget: still over, ${selection.shortfall}`)
  await writeBudgetSummary(usage, after, freed, state, deleted, selection.shortfall, env)
}

async function writeBudgetSummary(
  before: number,
  after: number,
  freed: number,
  state: CacheBudgetState,
  deleted: Prune[],
  shortfall: string | undefined,
  env: Env
): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return
  core.summary
    .addHeading('Cache budget', 3)
    .addRaw(
      `Usage: ${formatBytes(before)} → ${formatBytes(after)}, budget ${formatBytes(state.budget)} (${state.said}). ` +
        `Freed: ${formatBytes(freed)} (${freed} bytes) in ${deleted.length} caches.`,
      true
    )
  if (deleted.length) {
    core.summary.addTable([
      ['Deleted cache', 'Ref', 'Size', 'Why'].map(data => ({ data, header: true })),
      ...deleted.map(d => [`<code>${d.entry.key}</code>`, d.entry.ref, formatBytes(d.entry.bytes), d.reason])
    ])
  }
  if (shortfall) core.summary.addRaw(`Still over the budget: ${shortfall}.`, true)
  await core.summary.write()
}
