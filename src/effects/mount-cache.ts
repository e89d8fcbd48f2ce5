import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as core from '@actions/core'
import * as exec from '@actions/exec'
import { type CacheMount, cacheMountsOf } from '../core/cache-mounts.js'
import { formatBytes } from '../core/format.js'
import {
  type CarriedMount,
  type Extracted,
  KEPT,
  type MountCarry,
  type MountIn,
  type MountsState,
  type SaveDecision,
  type SkippedMount,
  carriedMounts,
  extractDockerfile,
  generatedBuildArgs,
  injectDockerfile,
  mountLines,
  mountSaveDecision,
  restoredScope
} from '../core/mount-carry.js'
import { STATE } from '../core/state.js'
import { restoreCarried, saveCarried } from './local-cache.js'
import { directorySize } from './oci-layout.js'
import type { Env } from '../core/context.js'

/**
 * The build's cache mounts, carried between runs: restored through the chain and put into the
 * builder before the build (main step), taken out and saved when changed after it (post step).
 * Each of these goes through a small generated build on the build's own builder, which reaches
 * the same cache mounts. Nothing here fails a build: a mount that cannot be carried is a warning.
 */

/** What the main step did with the mounts, for the post step and the summary. */
export interface MountsCarriedIn {
  carry: MountCarry
  mounts: MountIn[]
  skipped: SkippedMount[]
  /** The builder they were last put into. */
  builder: string | undefined
}

/** The summary's lines for the mounts, as they stand after the last builder they were put into. */
export function carriedMountLines(carried: MountsCarriedIn | undefined): string[] | undefined {
  return carried && mountLines(carried.carry, carried.mounts, carried.skipped)
}

/** `auto`: the mounts of the Dockerfile the build reads; a Dockerfile the action cannot read has none it knows of. */
async function mountsOf(carry: MountCarry): Promise<CacheMount[]> {
  if (carry.setting !== 'auto') return carry.setting === 'off' ? [] : carry.setting
  const text = await readFile(carry.dockerfile, 'utf8').catch(() => undefined)
  if (text === undefined) {
    core.info(`cache mounts: ${carry.dockerfile} cannot be read here, so none are carried`)
    return []
  }
  return cacheMountsOf(text, carry.target, carry.buildArgs)
}

/** Runs a generated build in a log group; its output is only for people (it is not the build's). */
async function generatedBuild(what: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  const result = await core.group(what, () => exec.getExecOutput('docker', args, { ignoreReturnCode: true }))
  const output = `${result.stdout}\n${result.stderr}`
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split('\n').pop() ?? `exit code ${result.exitCode}`
    return { ok: false, output: reason }
  }
  return { ok: true, output }
}

/** Writes a generated Dockerfile beside, not into, what the builder is sent. */
async function writeGenerated(carry: Pick<MountCarry, 'generated'>, name: string, text: string): Promise<string> {
  await mkdir(carry.generated, { recursive: true })
  const file = join(carry.generated, name)
  await writeFile(file, text)
  return file
}

const nonce = () => randomBytes(8).toString('hex')

async function readDigest(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, 'digest'), 'utf8').catch(() => undefined)
  return text?.trim().split(/\s+/)[0]
}

/** Puts the restored mounts into the builder, in one generated build; marks the ones the builder kept its own content in. */
async function inject(carry: MountCarry, mounts: MountIn[], builder: string | undefined): Promise<void> {
  const restored = mounts.filter(m => m.restoredKey)
  if (!restored.length) return
  for (const m of restored) {
    m.kept = false
    m.notInjected = false
  }
  const carried = restored.map(m => m.carried)
  const file = await writeGenerated(carry, 'inject.Dockerfile', injectDockerfile(carry.image, carried, nonce()))
  const built = await generatedBuild(
    'Put the restored cache mounts into the builder',
    generatedBuildArgs(carry, builder, file, carry.root, 'type=cacheonly')
  )
  if (!built.ok) {
    core.warning(`Cache mounts not put into the builder (${built.output}); the build goes on without their saved content.`)
    for (const m of restored) m.notInjected = true
    return
  }
  // A line the step printed (`#6 0.123 …`), not the step's name, which holds the script.
  const said = built.output.split('\n').filter(line => /^#\d+ \d+\.\d+ /.test(line))
  for (const m of restored) m.kept = said.some(line => line.endsWith(`cache mount ${m.carried.mount.name}: ${KEPT}`))
}

/**
 * The main step, before the build: finds the mounts, restores each through the chain's keys and
 * puts what was restored into the builder. Undefined when there is nothing to carry (no cache
 * mounts: no restore, no generated build).
 */
export async function carryMountsIn(carry: MountCarry | undefined, builder: string | undefined): Promise<MountsCarriedIn | undefined> {
  if (!carry) return undefined
  try {
    return await restoreAndInject(carry, builder)
  } catch (error) {
    core.warning(`Cache mounts not carried in, the build goes on without them: ${(error as Error).message}`)
    return undefined
  }
}

/** Restores every mount at once (each its own @actions/cache call), then says what each found, in order. */
async function restoreAll(carry: MountCarry, carried: CarriedMount[]): Promise<MountIn[]> {
  const what = carried.length === 1 ? `cache mount ${carried[0].mount.key}` : `${carried.length} cache mounts`
  const restores = await core.group(`Restore ${what}`, () =>
    Promise.all(carried.map(c => restoreCarried(c.dir, c.key, c.restoreKeys, carry.cacheTimeout * 1000)))
  )
  const mounts: MountIn[] = []
  for (const [i, c] of carried.entries()) {
    const restored = restores[i]
    if (restored.failure) core.warning(`Cache mount ${c.mount.key} not restored, the build goes on without it: ${restored.failure}`)
    if (!restored.key) {
      if (!restored.failure) core.info(`no cache mount ${c.mount.key} under ${c.restoreKeys.join(', ')}`)
      mounts.push({ carried: c, bytes: 0 })
      continue
    }
    const bytes = await directorySize(c.dir)
    core.info(`cache mount ${c.mount.key} restored from ${restored.key} (${bytes} bytes)`)
    mounts.push({
      carried: c,
      restoredKey: restored.key,
      from: restoredScope(carry, c, restored.key),
      digest: await readDigest(c.dir),
      bytes
    })
  }
  return mounts
}

async function restoreAndInject(carry: MountCarry, builder: string | undefined): Promise<MountsCarriedIn | undefined> {
  const found = await mountsOf(carry)
  if (!found.length) return undefined
  const { carried, skipped } = carriedMounts(carry, found)
  for (const s of skipped) core.info(`cache mount ${s.key} not carried: ${s.reason}`)
  const mounts = carry.restore ? await restoreAll(carry, carried) : carried.map(c => ({ carried: c, bytes: 0 }))
  await inject(carry, mounts, builder)
  return { carry, mounts, skipped, builder }
}

/**
 * A builder the build moved to mid-run (driver-fallback: docker-container, once buildx said the
 * first builder cannot export) has none of the restored content: it is put into that one too.
 */
export async function carryMountsInto(carried: MountsCarriedIn | undefined, builder: string | undefined): Promise<void> {
  if (!carried || carried.builder === builder) return
  carried.builder = builder
  try {
    await inject(carried.carry, carried.mounts, builder)
  } catch (error) {
    core.warning(`Cache mounts not put into builder "${builder}", the build goes on without them: ${(error as Error).message}`)
  }
}

/**
 * Hands the mounts to the post step, on the builder the build ended on; only when it may save one
 * and a step ran: a build whose every step came from the cache ran no RUN, so it changed no mount.
 */
export function handMountsToPost(carried: MountsCarriedIn | undefined, builder: string | undefined, stepsRan: boolean): void {
  if (!carried?.carry.save || !carried.mounts.length) return
  if (!stepsRan) {
    core.info('cache mounts: every step came from the cache, so no mount changed: not taken out')
    return
  }
  const { carry, mounts } = carried
  const state: MountsState = {
    carry: {
      save: carry.save,
      noSave: carry.noSave,
      maxBytes: carry.maxBytes,
      root: carry.root,
      generated: carry.generated,
      image: carry.image,
      buildArgs: carry.buildArgs,
      cacheTimeout: carry.cacheTimeout
    },
    builder,
    mounts
  }
  core.saveState(STATE.cacheMounts, JSON.stringify(state))
}

/** Takes every mount out of the builder into its directory (replacing what was restored), in one generated build. */
async function extract(state: MountsState): Promise<Map<string, Extracted> | undefined> {
  const { carry } = state
  const carried: CarriedMount[] = state.mounts.map(m => m.carried)
  await rm(carry.root, { recursive: true, force: true })
  const dockerfile = extractDockerfile(
    carry.image,
    carried,
    carry.maxBytes,
    nonce(),
    state.mounts.map(m => m.digest)
  )
  const file = await writeGenerated(carry, 'extract.Dockerfile', dockerfile)
  const built = await generatedBuild(
    'Take the cache mounts out of the builder',
    generatedBuildArgs(carry, state.builder, file, carry.generated, `type=local,dest=${carry.root}`)
  )
  if (!built.ok) {
    core.warning(`Cache mounts not taken out of the builder (${built.output}); none is saved.`)
    return undefined
  }
  const found = new Map<string, Extracted>()
  for (const c of carried) {
    const oversize = await readFile(join(c.dir, 'oversize'), 'utf8').catch(() => undefined)
    if (oversize !== undefined) {
      found.set(c.mount.name, { bytes: Number(oversize.trim()), oversize: true })
      continue
    }
    const [digest, entries] = (await readFile(join(c.dir, 'digest'), 'utf8')).trim().split(/\s+/)
    // No tar: the content is the restored one, which the post step does not save.
    const bytes = await stat(join(c.dir, 'mount.tar')).then(
      tar => tar.size,
      () => 0
    )
    found.set(c.mount.name, { digest, entries: Number(entries), bytes })
  }
  return found
}

/** The post step: takes the mounts out and saves each that changed, under the own scope. Never fails the job. */
export async function carryMountsOut(env: Env): Promise<void> {
  try {
    const state = JSON.parse(core.getState(STATE.cacheMounts)) as MountsState
    const extracted = await extract(state)
    // Each mount's line, in order; the saves run at once.
    const lines = await Promise.all(
      state.mounts.map(async m => {
        const key = m.carried.mount.key
        const found = extracted?.get(m.carried.mount.name)
        const decision: SaveDecision = found
          ? mountSaveDecision(state.carry, m.carried, { key: m.restoredKey, digest: m.digest }, found)
          : { save: false, reason: 'not taken out' }
        if (!decision.save) {
          if (decision.notice) core.notice(decision.notice)
          core.info(`cache mount ${key} not saved: ${decision.reason}`)
          return `Cache mount ${key} not saved: ${decision.reason}`
        }
        const failure = await saveCarried(m.carried.dir, m.carried.key, state.carry.cacheTimeout * 1000)
        if (failure) {
          core.warning(`Cache mount ${key} not saved as ${m.carried.key}: ${failure}`)
          return `⚠ Cache mount ${key} not saved: ${failure}`
        }
        core.info(`cache mount ${key} saved as ${m.carried.key} (${found!.bytes} bytes)`)
        return `Cache mount ${key} saved as <code>${m.carried.key}</code>: ${formatBytes(found!.bytes)}`
      })
    )
    if (env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(lines.join('<br>'), true).write()
  } catch (error) {
    core.warning(`Post step: cache mounts: ${(error as Error).message}`)
  }
}
