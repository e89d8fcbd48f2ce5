import { AsyncLocalStorage } from 'node:async_hooks'
import * as core from '@actions/core'
import { cacheManifestDigest, directorySize } from './oci-layout.js'
import { type LocalCacheState, STATE } from '../core/state.js'
import type { Plan } from '../core/plan.js'
import type { Restored } from '../core/summary.js'
import { formatBytes } from '../core/format.js'
import { type CacheFailure, failureWarning } from '../core/cache-watch.js'
import type { Env } from '../core/context.js'

// @actions/cache is most of the bundle: loaded only by the runs that carry a local cache.
const actionsCache = () => import('@actions/cache')

/**
 * What a line @actions/cache writes says about its call. It never throws for a restore or save
 * that failed: it says why in its own log (an error annotation for a 5xx, a warning otherwise, a
 * plain "Failed to save: …" for a refused reservation, "Attempt 1 of 5 failed with error: …" for
 * each retry) and returns as if there was no cache or nothing to save. `complaint`: that reason;
 * `annotation`: the line is a workflow command the action replaces with its own warning; `moved`:
 * the call shows progress (any other line, but a transfer count that did not grow).
 */
export function toolkitLine(
  line: string,
  lastCount: number | undefined
): { complaint?: string; annotation: boolean; moved: boolean; count?: number } {
  const command = /^::(error|warning)(?: [^:]*)?::(.*)$/.exec(line)
  if (command) {
    const text = command[2].replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
    return { complaint: text.replace(/^Failed to (restore|save): /, ''), annotation: true, moved: false, count: lastCount }
  }
  const failed =
    /^(?:Failed to (?:restore|save): |Attempt \d+ of \d+ failed with error: )(.*?)(?:\. Retrying request in \d+ ms\.\.\.)?$/.exec(line)
  if (failed) return { complaint: failed[1], annotation: false, moved: false, count: lastCount }
  const count = /^(?:Received|Sent) (\d+) of /.exec(line)
  if (!count) return { annotation: false, moved: line.trim() !== '', count: lastCount }
  return { annotation: false, moved: lastCount === undefined || Number(count[1]) > lastCount, count: Number(count[1]) }
}

/**
 * Which toolkit call is writing: @actions/cache writes its lines to stdout from inside the call, so
 * the lines of calls carried at once (several cache mounts restored together) are told apart by
 * the async context they are written in.
 */
const hearing = new AsyncLocalStorage<(line: string) => boolean>()
let callsHeard = 0
let plainWrite: typeof process.stdout.write | undefined

/** While any call is carried, stdout's lines go past the call that writes them, which may drop one (an annotation it replaces). */
function hearStdout(): () => void {
  if (callsHeard++ === 0) {
    const write = process.stdout.write.bind(process.stdout)
    plainWrite = process.stdout.write
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
      const hear = hearing.getStore()
      if (!hear) return write(chunk, ...rest)
      const kept = String(chunk)
        .split(/(?<=\n)/)
        .filter(hear)
      return kept.length ? write(kept.join(''), ...rest) : true
    }) as typeof process.stdout.write
  }
  return () => {
    if (--callsHeard === 0) process.stdout.write = plainWrite!
  }
}

/**
 * Runs one @actions/cache call, taking back the reason it logs instead of throwing, and giving it
 * up when it shows no progress for `timeoutMs` (0: no limit): a server that never answers would
 * hold the step (main.ts ends the step's process, so the request left behind cannot).
 */
export async function carryToolkitCall<T>(
  call: () => Promise<T>,
  timeoutMs: number
): Promise<{ value?: T; complaint?: string; stalled?: boolean }> {
  const complaints: string[] = []
  let count: number | undefined
  let timer: NodeJS.Timeout | undefined
  let stall: (outcome: { stalled: true }) => void = () => undefined
  const idle = () => {
    clearTimeout(timer)
    if (timeoutMs > 0) timer = setTimeout(() => stall({ stalled: true }), timeoutMs)
  }
  let over = false
  // A call given up may still write while another is carried: its lines pass, and start no timer.
  const hear = (line: string) => {
    if (over) return true
    const said = toolkitLine(line.trimEnd(), count)
    if (said.complaint) complaints.push(said.complaint)
    if (said.moved) idle()
    count = said.count
    return !said.annotation
  }
  const stopHearing = hearStdout()
  try {
    idle()
    const outcome = await Promise.race([
      hearing.run(hear, call).then(value => ({ value })),
      new Promise<{ stalled: true }>(resolve => (stall = resolve))
    ])
    return { ...outcome, ...(complaints.length && { complaint: [...new Set(complaints)].join('; ') }) }
  } finally {
    over = true
    clearTimeout(timer)
    stopHearing()
  }
}

/** Restores the local backend's directory through the chain's restore keys; never fails the build. */
export async function restoreLocalCache(p: Plan, cacheTimeout: number): Promise<Restored> {
  const local = p.local!
  if (!local.canRestore) return { bytes: 0 }
  try {
    const {
      value: key,
      complaint,
      stalled
    } = await core.group('Restore local cache', async () => {
      const toolkit = await actionsCache()
      return carryToolkitCall(() => toolkit.restoreCache([local.dir], local.key, local.restoreKeys), cacheTimeout * 1000)
    })
    // A restore still retrying a failed request when cache-timeout ends failed, for that reason.
    const given = `for cache-timeout (${cacheTimeout} s): given up`
    if (stalled && complaint) return { bytes: 0, failure: { reason: `${complaint} (still failing ${given})`, stalled: false } }
    if (stalled) return { bytes: 0, failure: { reason: `the restore made no progress ${given}`, stalled } }
    if (complaint) return { bytes: 0, failure: { reason: complaint, stalled: false } }
    const bytes = key ? await directorySize(local.dir) : 0
    core.info(key ? `local cache restored from ${key} (${bytes} bytes)` : `no local cache under ${local.restoreKeys.join(', ')}`)
    return { key, bytes, looked: true, digest: key ? await cacheManifestDigest(local.dir) : undefined }
  } catch (error) {
    return { bytes: 0, failure: { reason: (error as Error).message, stalled: false } }
  }
}

/** Why a save was given up: no progress, and what the toolkit was retrying, if anything. */
function stalledSave(seconds: number, complaint: string | undefined): string {
  return `the save made no progress for ${seconds} s (cache-timeout)${complaint ? `, retrying ${complaint}` : ''}: given up`
}

/** What the post step's save came to: the bytes saved, the failure, a stall, or nothing to save. */
type Saved = { bytes: number } | { failure: CacheFailure } | { stalledSeconds: number; complaint?: string } | undefined

/** Saves the exported directory (post step). */
export async function saveLocalCache(state: LocalCacheState): Promise<Saved> {
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
  const failed = (reason: string): Saved => ({
    failure: { kind: 'export', backend: 'local', scopes: [state.scope], ambiguous: false, reason }
  })
  try {
    const toolkit = await actionsCache()
    const {
      value: id,
      complaint,
      stalled
    } = await carryToolkitCall(() => toolkit.saveCache([state.path], state.key), state.cacheTimeout * 1000)
    if (stalled) return { stalledSeconds: state.cacheTimeout, complaint }
    if (id === undefined || id === -1) return failed(complaint ?? 'the cache service did not take it')
    core.info(`local cache saved as ${state.key} (${state.bytes} bytes)`)
    return { bytes: state.bytes }
  } catch (error) {
    return failed((error as Error).message)
  }
}

/** The post step: saves what the main step exported and says how big it is, or why it was not saved. Never fails the job. */
export async function saveLocalCacheStep(env: Env): Promise<void> {
  try {
    const state = JSON.parse(core.getState(STATE.localCache)) as LocalCacheState
    const saved = await saveLocalCache(state)
    if (!saved) return
    let line: string
    if ('bytes' in saved) line = `Local cache saved as <code>${state.key}</code>: ${formatBytes(saved.bytes)}`
    else {
      const reason = 'failure' in saved ? saved.failure.reason : stalledSave(saved.stalledSeconds, saved.complaint)
      core.warning(
        'failure' in saved
          ? failureWarning(saved.failure)
          : `Cache export to scope ${state.scope} (local) stalled: ${reason}, the directory was not saved.`
      )
      line = `⚠ Local cache not saved as <code>${state.key}</code>: ${reason}`
    }
    if (!env.GITHUB_STEP_SUMMARY) return
    await core.summary.addRaw(line, true).write()
  } catch (error) {
    core.warning(`Post step: ${(error as Error).message}`)
  }
}

/**
 * Restores another directory carried by @actions/cache (a cache mount's) as the local backend's
 * is: through the chain's restore keys, given up after `timeoutMs` without progress (0: never).
 * The key found, or why nothing was restored; never throws.
 */
export async function restoreCarried(
  path: string,
  key: string,
  restoreKeys: string[],
  timeoutMs: number
): Promise<{ key?: string; failure?: string }> {
  try {
    const toolkit = await actionsCache()
    const { value, complaint, stalled } = await carryToolkitCall(() => toolkit.restoreCache([path], key, restoreKeys), timeoutMs)
    if (stalled) return { failure: `the restore made no progress for ${timeoutMs / 1000} s` }
    return complaint ? { failure: complaint } : { key: value }
  } catch (error) {
    return { failure: (error as Error).message }
  }
}

/** Saves another carried directory as `key`, given up after `timeoutMs` without progress: undefined when saved, else why not. */
export async function saveCarried(path: string, key: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const toolkit = await actionsCache()
    const { value: id, complaint, stalled } = await carryToolkitCall(() => toolkit.saveCache([path], key), timeoutMs)
    if (stalled) return stalledSave(timeoutMs / 1000, complaint)
    return id === undefined || id === -1 ? (complaint ?? 'the cache service did not take it') : undefined
  } catch (error) {
    return (error as Error).message
  }
}
