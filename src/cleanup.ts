import * as core from '@actions/core'
import type { RunContext } from './core/context.js'
import type { KeyMatch } from './backends/backend.js'
import { type DeletedCache, deleteActionsCachesOfRef } from './effects/github-api.js'
import { InputError } from './core/input-error.js'
import type { Inputs } from './core/inputs.js'
import { plan } from './core/plan.js'
import type { Env } from './core/context.js'
import { type TagDeletion, deleteRegistryTag } from './effects/registry-client.js'
import { formatBytes } from './core/format.js'
import { writeOutputs } from './effects/outputs.js'
import { ownedMountKeys } from './core/mount-carry.js'

/**
 * A pull request's caches live under `refs/pull/N/merge` (its pull_request runs), and under its
 * base and the default branch where pull_request_target and issue_comment runs wrote its scope:
 * there only the keys of its own scope go. `wholeRef`: everything under the pull request's ref
 * goes (the backend keeps its cache there); else only the owned keys.
 */
async function deletePullRequestCaches(
  token: string,
  env: Env,
  context: RunContext,
  owned: Array<(ref: string) => KeyMatch>,
  wholeRef: boolean
): Promise<DeletedCache[]> {
  const pullRef = `refs/pull/${context.pullRequest}/merge`
  const branchRefs = [...new Set([context.baseBranch, context.defaultBranch].filter(Boolean).map(branch => `refs/heads/${branch}`))]
  try {
    const deleted = wholeRef ? await deleteActionsCachesOfRef(token, env, context, pullRef) : []
    for (const ref of wholeRef ? branchRefs : [pullRef, ...branchRefs])
      for (const keys of owned) deleted.push(...(await deleteActionsCachesOfRef(token, env, context, ref, keys(ref))))
    return deleted
  } catch (error) {
    if ((error as { status?: number }).status === 403) {
      throw InputError.refusing({
        input: 'github-token',
        reason: `may not delete caches (${(error as Error).message}); give the job "permissions: actions: write".`
      })
    }
    throw error
  }
}

/**
 * `cleanup: true` on a closed pull request: delete that pull request's caches, which no run
 * can read any more. Caches of branches are left alone.
 */
export async function cleanUpClosedPullRequest(inputs: Inputs, context: RunContext, env: Env, action: string | undefined): Promise<void> {
  if (context.kind !== 'pull-request' || context.pullRequest === undefined || !/^pull_request/.test(context.event) || action !== 'closed') {
    core.notice(
      'cleanup: true deletes the caches of a closed pull request; this run is not a closed pull_request event, so nothing is deleted.'
    )
    return
  }
  const p = plan({ ...inputs, cacheExport: 'true' }, context, env)
  const mountKeys = p.mounts?.own ? ownedMountKeys(p.mounts.own) : undefined
  const ownedMounts = mountKeys ? [() => mountKeys] : []
  let lines: string[]
  let freed = 0
  const listDeleted = (deleted: DeletedCache[]) => {
    freed += deleted.reduce((sum, d) => sum + d.bytes, 0)
    return deleted.map(d => `deleted cache ${d.key} (${formatBytes(d.bytes)})`)
  }
  if (p.ownedKeys) {
    if (!inputs.githubToken)
      throw InputError.refusing({ input: 'github-token', reason: 'cleanup needs a token with the actions: write permission.' })
    lines = listDeleted(await deletePullRequestCaches(inputs.githubToken, env, context, [p.ownedKeys, ...ownedMounts], true))
    if (!lines.length) lines = [`no GitHub Actions caches of pull request #${context.pullRequest}`]
  } else if (p.ownedTag) {
    const tagRef = p.ownedTag
    const deletion: TagDeletion = await deleteRegistryTag(tagRef, env)
    lines = [
      deletion.result === 'deleted'
        ? `deleted cache tag ${tagRef}`
        : deletion.result === 'missing'
          ? `no cache tag ${tagRef} to delete`
          : deletion.result === 'kept'
            ? `cache tag ${tagRef} left in place: ${deletion.reason}`
            : `the registry does not allow deleting ${tagRef} through its API: delete that tag by hand or with the registry's own tools`
    ]
    if (deletion.result === 'unsupported' || deletion.result === 'kept') core.notice(lines[0])
  } else {
    lines = [
      `the ${p.backend} backend keeps ${p.scope} under its own name; delete that object yourself (the action does not manage bucket or ` +
        `container contents)`
    ]
    core.notice(lines[0])
  }
  // Cache mounts go through the Actions cache whatever the backend: a backend that keeps its own
  // cache elsewhere needs no token for that, so a token that may not delete them is a warning.
  if (!p.ownedKeys && ownedMounts.length && inputs.githubToken) {
    try {
      lines.push(...listDeleted(await deletePullRequestCaches(inputs.githubToken, env, context, ownedMounts, false)))
    } catch (error) {
      core.warning(`The pull request's cache mounts were not deleted: ${(error as Error).message}`)
    }
  }
  for (const line of lines) core.info(line)
  writeOutputs({ scope: p.scope, 'cleaned-bytes': String(freed) })
  await core.summary
    .addHeading(`Cache clean-up for pull request #${context.pullRequest}`, 3)
    .addList(lines)
    .addRaw(`Freed: ${formatBytes(freed)}`, true)
    .write()
}
