import * as core from '@actions/core'
import type { getOctokit } from '@actions/github'
import type { KeyMatch } from '../backends/backend.js'
import type { CacheEntry } from '../core/budget.js'
import type { RunContext } from '../core/context.js'
import type { Env } from '../core/context.js'

type Octokit = ReturnType<typeof getOctokit>

// The API client is loaded only by the runs that call the API (most events carry what they need).
async function client(token: string, env: Env): Promise<Octokit> {
  const { getOctokit } = await import('@actions/github')
  return getOctokit(token, { baseUrl: env.GITHUB_API_URL || 'https://api.github.com' })
}

function ownerRepo(context: RunContext): { owner: string; repo: string } {
  const [owner, repo] = context.repository.split('/')
  return { owner, repo }
}

/**
 * Fills in what the event payload did not carry: the default branch (from the repository)
 * and a commented pull request's base branch. Without a token, or when the API fails, the
 * chain is just shorter: a warning, never a failure.
 */
export async function lookUpMissingBranches(context: RunContext, token: string | undefined, env: Env): Promise<RunContext> {
  const needsBase = context.kind === 'pull-request' && !context.baseBranch && context.pullRequest !== undefined
  if ((context.defaultBranch && !needsBase) || !context.repository) return context
  if (!token) {
    const missing = [!context.defaultBranch && 'the default branch', needsBase && "the pull request's base branch"]
      .filter(Boolean)
      .join(' and ')
    core.warning(`The event does not name ${missing} and no github-token is set: the chain leaves it out.`)
    return context
  }
  const octokit = await client(token, env)
  const filled = { ...context }
  try {
    if (!filled.defaultBranch) filled.defaultBranch = (await octokit.rest.repos.get(ownerRepo(context))).data.default_branch
    if (needsBase)
      filled.baseBranch = (await octokit.rest.pulls.get({ ...ownerRepo(context), pull_number: context.pullRequest! })).data.base.ref
  } catch (error) {
    core.warning(
      `Could not look up the ${filled.defaultBranch ? "pull request's base" : 'default'} branch with github-token: ` +
        `${(error as Error).message}`
    )
  }
  return filled
}

export interface DeletedCache {
  key: string
  bytes: number
}

/**
 * Deletes the GitHub Actions caches of one ref (listing by ref, deleting by id, as the API
 * requires): every one, or with `keys` only those it matches.
 */
export async function deleteActionsCachesOfRef(
  token: string,
  env: Env,
  context: RunContext,
  ref: string,
  keys?: KeyMatch
): Promise<DeletedCache[]> {
  const octokit = await client(token, env)
  const { owner, repo } = ownerRepo(context)
  const listed = await octokit.paginate(octokit.rest.actions.getActionsCacheList, {
    owner,
    repo,
    ref,
    per_page: 100,
    ...(keys && { key: keys.prefix })
  })
  const caches = keys ? listed.filter(entry => keys.matches(entry.key ?? '')) : listed
  const deleted: DeletedCache[] = []
  for (const entry of caches) {
    if (await deleteActionsCache(token, env, context, entry.id!)) deleted.push({ key: entry.key ?? '', bytes: entry.size_in_bytes ?? 0 })
  }
  return deleted
}

/** Deletes one cache by id (needs `actions: write`); false when it was gone already. */
export async function deleteActionsCache(token: string, env: Env, context: RunContext, id: number): Promise<boolean> {
  const octokit = await client(token, env)
  try {
    await octokit.rest.actions.deleteActionsCacheById({ ...ownerRepo(context), cache_id: id })
    return true
  } catch (error) {
    // Gone since the listing (another clean-up job, or GitHub's eviction): not freed by this run.
    if ((error as { status?: number }).status === 404) return false
    throw error
  }
}

/** Bytes the repository's GitHub Actions cache holds (`actions: read`); GitHub refreshes the figure every few minutes. */
export async function actionsCacheUsage(token: string, env: Env, context: RunContext): Promise<number> {
  const octokit = await client(token, env)
  return (await octokit.rest.actions.getActionsCacheUsage(ownerRepo(context))).data.active_caches_size_in_bytes
}

/**
 * The repository's cache storage limit in bytes, or undefined when the token may not read it:
 * that takes the administration permission, which a job's GITHUB_TOKEN never has.
 */
export async function actionsCacheLimit(token: string, env: Env, context: RunContext): Promise<number | undefined> {
  const octokit = await client(token, env)
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/cache/storage-limit', ownerRepo(context))
    return typeof data.max_cache_size_gb === 'number' ? data.max_cache_size_gb * 1e9 : undefined
  } catch (error) {
    if ([403, 404].includes((error as { status?: number }).status ?? 0)) return undefined
    throw error
  }
}

/** Every entry of the repository's GitHub Actions cache (`actions: read`), 100 a call. */
export async function listActionsCaches(token: string, env: Env, context: RunContext): Promise<CacheEntry[]> {
  const octokit = await client(token, env)
  const listed = await octokit.paginate(octokit.rest.actions.getActionsCacheList, { ...ownerRepo(context), per_page: 100 })
  return listed.map(entry => ({
    id: entry.id!,
    key: entry.key ?? '',
    ref: entry.ref ?? '',
    bytes: entry.size_in_bytes ?? 0,
    createdAt: Date.parse(entry.created_at ?? '') || 0,
    lastAccessedAt: Date.parse(entry.last_accessed_at ?? '') || 0
  }))
}

/** The numbers of the repository's open pull requests, 100 a call. */
export async function openPullRequests(token: string, env: Env, context: RunContext): Promise<Set<number>> {
  const octokit = await client(token, env)
  const open = await octokit.paginate(octokit.rest.pulls.list, { ...ownerRepo(context), state: 'open', per_page: 100 })
  return new Set(open.map(pull => pull.number))
}

/**
 * For each (key prefix, ref): whether the GitHub Actions cache held an entry created before
 * `before` (so this run's own export never counts). Needs `actions: read`.
 */
export async function actionsCachesExist(
  token: string,
  env: Env,
  context: RunContext,
  lookups: ReadonlyArray<{ key: string; ref: string }>,
  before: Date
): Promise<boolean[]> {
  const octokit = await client(token, env)
  return Promise.all(
    lookups.map(async ({ key, ref }) => {
      const { data } = await octokit.rest.actions.getActionsCacheList({
        ...ownerRepo(context),
        key,
        ref,
        sort: 'created_at',
        direction: 'asc',
        per_page: 1
      })
      const oldest = data.actions_caches[0]?.created_at
      return !!oldest && Date.parse(oldest) < before.getTime()
    })
  )
}
