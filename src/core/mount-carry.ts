import { join } from 'node:path'
import type { KeyMatch } from '../backends/backend.js'
import type { CacheMount, CacheMountsSetting } from './cache-mounts.js'
import { formatBytes } from './format.js'
import type { Env } from './context.js'

/**
 * Carrying a build's cache mounts (`RUN --mount=type=cache`) between runs: which mounts, under
 * which keys of the Actions cache, restored through which chain, saved or not and why, and the
 * generated builds that put a mount's content into the builder and take it out again. Pure.
 *
 * A mount is saved per scope and commit as `buildkit-mount-<name>--<scope>#<sha>` and restored
 * through `buildkit-mount-<name>--<scope>#` for each scope of the chain, as the local backend's
 * directory is. A mount's name is safeName's (no `--`, no trailing `-`) and a scope holds no `#`,
 * so no mount of one scope can match another mount's or another scope's keys, nor the local
 * backend's `buildkit-<scope>#`.
 */
export const MOUNT_KEY_PREFIX = 'buildkit-mount-'

/** What the planner decides for the mounts of this run, before the Dockerfile is read. */
export interface MountCarry {
  setting: CacheMountsSetting
  /** The Dockerfile `auto` reads, its target and the build-args its ARGs take. */
  dockerfile: string
  target?: string
  buildArgs: Record<string, string>
  /** The directory each mount's saved content is restored into and saved from, one per mount. */
  root: string
  /** The generated builds' Dockerfiles live here, outside the content sent to the builder. */
  generated: string
  /** The image with a shell (sh, tar, find, sort, sha256sum, stat, du) the generated builds run in. */
  image: string
  maxBytes: number
  /** Seconds a restore may make no progress (cache-timeout; 0: no limit). */
  cacheTimeout: number
  /** The chain's scope ids this run may read, in order. */
  chain: string[]
  /** The scope a save goes to (else the first of the chain, for the restore's primary key). */
  own?: string
  sha: string
  restore: boolean
  save: boolean
  /** Why nothing is restored or saved, when so. */
  noRestore?: string
  noSave?: string
}

export interface CarriedMount {
  mount: CacheMount
  /** The key this run saves the mount under. */
  key: string
  /** One per chain scope, in order. */
  restoreKeys: string[]
  dir: string
}

export interface SkippedMount {
  key: string
  reason: string
}

/** A mount's saved caches of one scope: the `#` ends the scope, so `main#` never matches `main-hotfix#…`. */
export function mountKeyPrefix(name: string, scopeId: string): string {
  return `${MOUNT_KEY_PREFIX}${name}--${scopeId}#`
}

/** Every mount's saved caches of one scope (clean-up of a closed pull request). */
export function ownedMountKeys(scopeId: string): KeyMatch {
  return {
    prefix: MOUNT_KEY_PREFIX,
    matches: key => {
      if (!key.startsWith(MOUNT_KEY_PREFIX)) return false
      const rest = key.slice(MOUNT_KEY_PREFIX.length)
      const scopeStart = rest.indexOf('--') + 2
      return scopeStart > 1 && rest.slice(scopeStart, rest.indexOf('#')) === scopeId
    }
  }
}

// What the generated Dockerfile may hold unquoted: a key with anything else (quotes, `$`, commas,
// spaces) would need the frontend's quoting and expansion rules to reach the same cache.
const PLAIN_KEY = /^[A-Za-z0-9_./@:+-]+$/

/** Why the action cannot put content into this mount as the build will find it; undefined when it can. */
function notCarried(mount: CacheMount): string | undefined {
  if (mount.from !== undefined) return `it starts from ${JSON.stringify(mount.from)}, which the build makes`
  if (mount.unresolved?.length) return `its key or settings use ${mount.unresolved.join(', ')}, which only the build knows`
  if (!PLAIN_KEY.test(mount.key)) return 'its key holds characters the action does not write into a Dockerfile'
  return undefined
}

/** The mounts the action carries, with their keys, and the ones it leaves and why. */
export function carriedMounts(carry: MountCarry, mounts: readonly CacheMount[]): { carried: CarriedMount[]; skipped: SkippedMount[] } {
  const carried: CarriedMount[] = []
  const skipped: SkippedMount[] = []
  const keyScope = carry.own ?? carry.chain[0] ?? 'none'
  for (const mount of mounts) {
    const reason = notCarried(mount)
    if (reason) {
      skipped.push({ key: mount.key, reason })
      continue
    }
    carried.push({
      mount,
      key: `${mountKeyPrefix(mount.name, keyScope)}${carry.sha}`,
      restoreKeys: carry.chain.map(scope => mountKeyPrefix(mount.name, scope)),
      dir: join(carry.root, mount.name)
    })
  }
  return { carried, skipped }
}

/** The chain scope a restored key belongs to. */
export function restoredScope(carry: MountCarry, carried: CarriedMount, restoredKey: string): string | undefined {
  const index = carried.restoreKeys.findIndex(prefix => restoredKey.startsWith(prefix))
  return index < 0 ? undefined : carry.chain[index]
}

/** What the extract found in the builder's mount. */
export interface Extracted {
  /** A digest of the content (paths, types, modes, owners, file contents, link targets; not times). */
  digest?: string
  entries?: number
  bytes: number
  /** Over the size bound: measured, not taken out. */
  oversize?: boolean
}

export type SaveDecision = { save: true } | { save: false; reason: string; notice?: string }

/**
 * Whether the post step saves a mount: only what this run may write (GitHub's cache rules and
 * the event, as for the layer cache), only content (not an empty mount), within the size bound,
 * and only when it differs from what was restored (the next run restores that through the chain).
 */
export function mountSaveDecision(
  carry: Pick<MountCarry, 'save' | 'noSave' | 'maxBytes'>,
  carried: Pick<CarriedMount, 'key' | 'mount'>,
  restored: { key?: string; digest?: string },
  extracted: Extracted
): SaveDecision {
  if (!carry.save) return { save: false, reason: carry.noSave ?? 'this run does not save' }
  if (extracted.oversize || extracted.bytes > carry.maxBytes) {
    const reason = `${formatBytes(extracted.bytes)} is over cache-mounts-max-size (${formatBytes(carry.maxBytes)})`
    return { save: false, reason, notice: `Cache mount ${carried.mount.key} not saved: ${reason}.` }
  }
  if (!extracted.entries) return { save: false, reason: 'empty' }
  if (restored.digest !== undefined && restored.digest === extracted.digest)
    return { save: false, reason: `unchanged since restored from ${restored.key}` }
  if (restored.key === carried.key) return { save: false, reason: `${carried.key} is already saved (a key is written once)` }
  return { save: true }
}

/** `--mount=type=cache,...` with the Dockerfile's settings: BuildKit keys a cache by its id and these. */
function mountFlag(mount: CacheMount, target: string): string {
  const fields = [
    'type=cache',
    `id=${mount.key}`,
    `target=${target}`,
    `sharing=${mount.sharing}`,
    ...(mount.uid !== undefined ? [`uid=${mount.uid}`] : []),
    ...(mount.gid !== undefined ? [`gid=${mount.gid}`] : []),
    ...(mount.mode !== undefined ? [`mode=0${mount.mode.toString(8)}`] : [])
  ]
  return `--mount=${fields.join(',')}`
}

/** One RUN that mounts each cache at /m/<i> and runs the script, which must run every time (the nonce). */
function mountingDockerfile(image: string, mounts: readonly CarriedMount[], extra: string, script: string[], nonce: string): string {
  const flags = [...mounts.map((m, i) => mountFlag(m.mount, `/m/${i}`)), extra].filter(Boolean).join(' ')
  return `FROM ${image}\nRUN ${flags} ${JSON.stringify(['sh', '-c', [`: ${nonce}`, 'set -e', ...script].join('\n')])}\n`
}

export const KEPT = "kept the builder's own content"

/**
 * Puts each restored mount's content (`<name>/mount.tar` under the build context) into the
 * builder's cache mount. A mount the builder already holds content in keeps it: that is what
 * BuildKit would have used without the action, and is at least as new.
 */
export function injectDockerfile(image: string, mounts: readonly CarriedMount[], nonce: string): string {
  const script = mounts.map(
    (m, i) =>
      `if [ -n "$(ls -A /m/${i})" ]; then echo "cache mount ${m.mount.name}: ${KEPT}"; ` +
      `else tar -xpf /src/${m.mount.name}/mount.tar -C /m/${i}; fi`
  )
  return mountingDockerfile(image, mounts, '--mount=type=bind,source=.,target=/src', script, nonce)
}

/**
 * Takes each mount's content out as `<name>/mount.tar` (owners and modes kept) with a digest of
 * it in `<name>/digest` (`<sha256> <entries>`); a mount over `maxBytes` (as du counts) is only
 * measured, in `<name>/oversize` (bytes). A mount whose digest is still the restored one
 * (`restoredDigests`, by position) gets only its digest: the post step would not save it, and
 * a large mount's tar is most of the take-out's time.
 */
export function extractDockerfile(
  image: string,
  mounts: readonly CarriedMount[],
  maxBytes: number,
  nonce: string,
  restoredDigests: readonly (string | undefined)[] = []
): string {
  const maxKb = Math.floor(maxBytes / 1024)
  const script = mounts.flatMap((m, i) => {
    const out = `/out/${m.mount.name}`
    // The digest file came from a cache entry: only a digest's shape goes into the script.
    const restored = /^[0-9a-f]{64}$/.test(restoredDigests[i] ?? '') ? restoredDigests[i] : undefined
    return [
      `mkdir -p ${out} && cd /m/${i} && kb=$(du -sk . | cut -f1)`,
      `if [ "$kb" -gt ${maxKb} ]; then echo $((kb * 1024)) > ${out}/oversize; else`,
      `listing=$(find . -mindepth 1 -exec stat -c '%n|%F|%a|%u|%g|%N' {} + | LC_ALL=C sort)`,
      `contents=$(find . -type f -exec sha256sum {} + | LC_ALL=C sort)`,
      `digest=$(printf '%s\\n%s\\n' "$listing" "$contents" | sha256sum | cut -d' ' -f1)`,
      restored ? `[ "$digest" = ${restored} ] || tar -cf ${out}/mount.tar .` : `tar -cf ${out}/mount.tar .`,
      `echo "$digest $(find . -mindepth 1 | wc -l)" > ${out}/digest; fi`
    ]
  })
  return `${mountingDockerfile(image, mounts, '', script, nonce)}FROM scratch\nCOPY --from=0 /out /\n`
}

/** A generated build's argv: on the build's builder, with its cache-mount namespace, never cached itself. */
export function generatedBuildArgs(
  carry: Pick<MountCarry, 'buildArgs'>,
  builder: string | undefined,
  dockerfile: string,
  context: string,
  output: string
): string[] {
  const namespace = carry.buildArgs.BUILDKIT_CACHE_MOUNT_NS
  return [
    'buildx',
    'build',
    ...(builder ? ['--builder', builder] : []),
    '--file',
    dockerfile,
    ...(namespace !== undefined ? ['--build-arg', `BUILDKIT_CACHE_MOUNT_NS=${namespace}`] : []),
    '--provenance=false',
    '--progress',
    'plain',
    '--output',
    output,
    context
  ]
}

/** `--build-arg` values as the Dockerfile's ARGs take them: `NAME=value`, or `NAME` from the environment. */
export function buildArgValues(lines: readonly string[], env: Env): Record<string, string> {
  const values: Record<string, string> = {}
  for (const line of lines) {
    const eq = line.indexOf('=')
    const name = eq < 0 ? line : line.slice(0, eq)
    const value = eq < 0 ? env[line] : line.slice(eq + 1)
    if (value !== undefined) values[name] = value
  }
  return values
}

/** One carried mount after the main step's restore and inject, and what the post step needs of it. */
export interface MountIn {
  carried: CarriedMount
  restoredKey?: string
  /** The chain scope the content came from. */
  from?: string
  /** The restored content's digest, to tell an unchanged mount in the post step. */
  digest?: string
  bytes: number
  kept?: boolean
  /** The restored content could not be put into the builder. */
  notInjected?: boolean
}

/** The summary's lines for the mounts, as the main step knows them (the post step adds whether each was saved). */
export function mountLines(carry: MountCarry, mounts: readonly MountIn[], skipped: readonly SkippedMount[]): string[] {
  const saving = carry.save ? 'saved in the post step when changed' : `not saved: ${carry.noSave}`
  return [
    ...mounts.map(m => {
      const restored = !carry.restore
        ? `not restored (${carry.noRestore})`
        : m.restoredKey
          ? `restored from ${m.from ?? m.restoredKey} (${formatBytes(m.bytes)})` +
            (m.kept ? `, ${KEPT}` : m.notInjected ? ', not put into the builder (see the warning)' : '')
          : `nothing saved under ${carry.chain.join(', ')}`
      return `${m.carried.mount.key}: ${restored}; ${saving}`
    }),
    ...skipped.map(s => `${s.key}: not carried: ${s.reason}`)
  ]
}

/** What the main step hands the post step to take the mounts out and save them. */
export interface MountsState {
  carry: Pick<MountCarry, 'save' | 'noSave' | 'maxBytes' | 'root' | 'generated' | 'image' | 'buildArgs' | 'cacheTimeout'>
  builder?: string
  mounts: MountIn[]
}
