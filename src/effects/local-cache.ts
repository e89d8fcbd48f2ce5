import * as core from '@actions/core'
import { cacheManifestDigest, directorySize } from './oci-layout.js'
import { type LocalCacheState, STATE } from '../core/state.js'
import type { Plan } from '../core/plan.js'
import type { Restored } from '../core/summary.js'
import { formatBytes } from '../core/format.js'

// @actions/cache is most of the bundle: loaded only by the runs that carry a local cache.
const actionsCache = () => import('@actions/cache')

/** Restores the local backend's directory through the chain's restore keys; never fails the build. */
export async function restoreLocalCache(p: Plan): Promise<Restored> {
  const local = p.local!
  if (!local.canRestore) return { bytes: 0 }
  try {
    const key = await core.group('Restore local cache', async () =>
      (await actionsCache()).restoreCache([local.importDir], local.key, local.restoreKeys)
    )
    const bytes = key ? await directorySize(local.importDir) : 0
    core.info(key ? `local cache restored from ${key} (${bytes} bytes)` : `no local cache under ${local.restoreKeys.join(', ')}`)
    return { key, bytes, looked: true, digest: key ? await cacheManifestDigest(local.importDir) : undefined }
  } catch (error) {
    core.warning(`Local cache not restored, the build goes on uncached: ${(error as Error).message}`)
    return { bytes: 0 }
  }
}

/** Saves the exported directory (post step). A denied or failed save is a warning. */
export async function saveLocalCache(state: LocalCacheState): Promise<number | undefined> {
  if (!state.canSave) return undefined
  if (state.restoredKey === state.key) {
    core.info(`local cache: ${state.key} is already saved`)
    return undefined
  }
  // A build that took everything from the restored cache exports that same cache again; the
  // next run restores it through the chain's keys as well, so a second copy would only take space.
  if (state.unchanged) {
    core.info(`local cache: the same as the restored ${state.restoredKey}, not saved again as ${state.key}`)
    return undefined
  }
  try {
    const id = await (await actionsCache()).saveCache([state.path], state.key)
    if (id === -1) return undefined
    core.info(`local cache saved as ${state.key} (${state.bytes} bytes)`)
    return state.bytes
  } catch (error) {
    core.warning(`Local cache not saved: ${(error as Error).message}`)
    return undefined
  }
}

/** The post step: saves what the main step exported and says how big it is. Never fails the job. */
export async function saveLocalCacheStep(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  try {
    const state = JSON.parse(core.getState(STATE.localCache)) as LocalCacheState
    const bytes = await saveLocalCache(state)
    if (bytes !== undefined && env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(`Local cache saved as <code>${state.key}</code>: ${formatBytes(bytes)}`, true).write()
    }
  } catch (error) {
    core.warning(`Post step: ${(error as Error).message}`)
  }
}

/**
 * Restores another directory carried by @actions/cache (a cache mount's) as the local backend's
 * is: through the chain's restore keys, given up after `timeoutMs` (0: never). The key found, or
 * why nothing was restored; never throws.
 */
export async function restoreCarried(
  path: string,
  key: string,
  restoreKeys: string[],
  timeoutMs: number
): Promise<{ key?: string; failure?: string }> {
  try {
    const restore = (await actionsCache()).restoreCache([path], key, restoreKeys)
    const stalled = new Promise<'stalled'>(resolve => timeoutMs > 0 && setTimeout(resolve, timeoutMs, 'stalled').unref())
    const hit = await Promise.race([restore, stalled])
    return hit === 'stalled' ? { failure: `the restore took longer than ${timeoutMs / 1000} s` } : { key: hit }
  } catch (error) {
    return { failure: (error as Error).message }
  }
}

/** Saves another carried directory as `key`: undefined when saved, else why not; never throws. */
export async function saveCarried(path: string, key: string): Promise<string | undefined> {
  try {
    return (await (await actionsCache()).saveCache([path], key)) === -1 ? 'the cache service did not take it' : undefined
  } catch (error) {
    return (error as Error).message
  }
}
