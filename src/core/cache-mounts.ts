import { InputError } from './input-error.js'
import { safeName } from './names.js'
import { decodeSpec } from './spec.js'

/**
 * The cache mounts (`RUN --mount=type=cache`) of the stages a build reaches, read as BuildKit's
 * Dockerfile frontend reads them, so that each can be carried between runs by its key.
 *
 * BuildKit names a cache mount's directory `<namespace>/<key>`, the key being `id`, else the
 * cleaned `target` as written (a relative target is not joined to WORKDIR). The namespace is one
 * per build (the BUILDKIT_CACHE_MOUNT_NS build-arg), not per stage: mounts with one key in any
 * stage or step are one cache. A mount with a base (`from=`, or `uid`/`gid`/`mode`, which BuildKit
 * applies to an empty base it makes) is also keyed by that base's record: whatever carries a cache
 * in or out must mount it with the same settings to reach the same directory, and two mounts with
 * one id and different settings are two directories. One entry per key keeps the first mount's
 * settings and records the others' as conflicts, so the caller can say which one is carried.
 */

export type CacheSharing = 'shared' | 'private' | 'locked'

export interface CacheMount {
  /** BuildKit's key for the cache: `id`, else the cleaned `target`. */
  key: string
  /** The key as a name of the tag grammar (safeName: one to one), for the carried cache's key. */
  name: string
  target: string
  sharing: CacheSharing
  uid?: number
  gid?: number
  /** The cache directory's mode, written in octal. */
  mode?: number
  /** The stage or image the cache starts from, and the path in it. */
  from?: string
  source?: string
  readonly: boolean
  /**
   * Variables in the key or settings whose values only the build knows (the base image's ENV,
   * BuildKit's platform ARGs unless given as build-args): they stay as written, so the key or a
   * setting may not be BuildKit's. A target does not count when an id gives the key.
   */
  unresolved?: string[]
  /** Settings of later mounts with this key that differ from this one's, e.g. `uid: 1000, then unset`. */
  conflicts?: string[]
}

/** `auto`: read the Dockerfile; `off`: carry none; or the mounts given. */
export type CacheMountsSetting = 'auto' | 'off' | CacheMount[]

// BuildKit's platform ARGs: known to the build, not to the action unless passed as build-args.
const PLATFORM_ARGS = [
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDOSVERSION',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETOSVERSION',
  'TARGETARCH',
  'TARGETVARIANT'
]
const MOUNT_TYPES = ['bind', 'cache', 'tmpfs', 'secret', 'ssh']
const SHARING: readonly CacheSharing[] = ['shared', 'private', 'locked']
const MAX_UINT32 = 0xffffffff
// ASCII only: BuildKit splits flag words byte by byte.
const SPACE = /[ \t\n\v\f\r]/

/** BuildKit would refuse this Dockerfile or mount: the build stops there, so nothing is carried. */
class Refused extends Error {}

interface Instruction {
  keyword: string
  flags: string[]
  args: string
}

/**
 * A variable's value: a string; undefined when unset; null when only the build can know it. A
 * stage on an image starts with `complete` false (the image's ENV is unknown); on scratch, true.
 */
interface Env {
  vars: Map<string, string | null>
  complete: boolean
}

const lookup = (env: Env, name: string): string | undefined | null =>
  env.vars.has(name) ? env.vars.get(name)! : env.complete ? undefined : null

/**
 * A word as BuildKit's shell lexer processes it: quotes, escapes and `$VAR`, `${VAR}`,
 * `${VAR:-word}`, `${VAR:+word}` (with or without `:`), `${VAR?word}`. A variable whose value is
 * unknown, or used with a shell pattern (`#`, `%`, `/`, which the action does not evaluate), is
 * kept as written and added to `unresolved`.
 */
function expand(word: string, env: Env, escapeChar: string, unresolved: Set<string>): string {
  let i = 0
  const name = (): string => {
    const match = /^(?:\d+|[@*#?\-$!0]|[\p{L}\p{N}_]*)/u.exec(word.slice(i))![0]
    i += match.length
    return match
  }
  const known = (variable: string, start: number): string => {
    const value = lookup(env, variable)
    if (value !== null) return value ?? ''
    unresolved.add(variable)
    return word.slice(start, i)
  }
  const dollar = (): string => {
    const start = i++
    if (word[i] !== '{') {
      const variable = name()
      return variable === '' ? '$' : known(variable, start)
    }
    i++
    if (i >= word.length || '{}:'.includes(word[i])) throw new Refused('bad substitution')
    const variable = name()
    let op = word[i++]
    if (op === '}') return known(variable, start)
    if (op === '/') {
      until('/')
      until('}')
      unresolved.add(variable)
      return word.slice(start, i)
    }
    const colon = op === ':'
    if (colon) op = word[i++]
    if (op === undefined || !'+-?#%'.includes(op) || (colon && '#%'.includes(op))) throw new Refused('bad substitution')
    const alternative = until('}')
    const value = lookup(env, variable)
    if (value === null || '#%'.includes(op)) {
      unresolved.add(variable)
      return word.slice(start, i)
    }
    const empty = value === undefined || (colon && value === '')
    if (op === '-') return empty ? alternative : value
    if (op === '+') return empty ? '' : alternative
    if (empty) throw new Refused(`${variable} is not set`)
    return value
  }
  const doubleQuoted = (): string => {
    let out = ''
    i++
    for (;;) {
      if (i >= word.length) throw new Refused('unclosed double quote')
      const c = word[i]
      if (c === '"') {
        i++
        return out
      }
      if (c === '$') {
        out += dollar()
        continue
      }
      i++
      if (c === escapeChar && ['"', '$', escapeChar].includes(word[i])) out += word[i++]
      else if (c !== escapeChar || i < word.length) out += c
    }
  }
  const until = (stop?: string): string => {
    let out = ''
    while (i < word.length) {
      const c = word[i]
      if (c === stop) {
        i++
        return out
      }
      if (c === '$') out += dollar()
      else if (c === '"') out += doubleQuoted()
      else if (c === "'") {
        const end = word.indexOf("'", i + 1)
        if (end < 0) throw new Refused('unclosed single quote')
        out += word.slice(i + 1, end)
        i = end + 1
      } else {
        i += c === escapeChar ? 2 : 1
        out += word[i - 1] ?? ''
      }
    }
    if (stop !== undefined) throw new Refused(`no closing ${stop}`)
    return out
  }
  return until()
}

/** A value for ENV or ARG: null when it cannot be known here (or BuildKit would refuse it). */
function wordValue(word: string, env: Env, escapeChar: string): string | null {
  const unresolved = new Set<string>()
  try {
    const value = expand(word, env, escapeChar, unresolved)
    return unresolved.size ? null : value
  } catch {
    return null
  }
}

/**
 * Words split at unquoted spaces, quotes and escapes kept (BuildKit's parseWords). With
 * `heredocs`, `<<` takes the spaces after it, as BuildKit's heredoc lexer does.
 */
function rawWords(text: string, escapeChar: string, heredocs = false): string[] {
  const words: string[] = []
  let word = ''
  let quote = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote) {
      word += c
      if (c === quote) quote = ''
      else if (c === escapeChar && quote === '"' && i + 1 < text.length) word += text[++i]
    } else if (SPACE.test(c)) {
      if (word) words.push(word)
      word = ''
    } else if (c === escapeChar) {
      if (i + 1 < text.length) word += c + text[++i]
    } else if (heredocs && text.startsWith('<<', i)) {
      const spaces = /^<<[ \t]*/.exec(text.slice(i))![0]
      word += spaces
      i += spaces.length - 1
    } else {
      if (c === "'" || c === '"') quote = c
      word += c
    }
  }
  if (word) words.push(word)
  return words
}

/** The leading `--flag` words of an instruction, unquoted, and the rest (BuildKit's extractBuilderFlags). */
function splitFlags(rest: string, escapeChar: string): { flags: string[]; args: string } {
  const flags: string[] = []
  let pos = 0
  for (;;) {
    while (pos < rest.length && SPACE.test(rest[pos])) pos++
    if (!rest.startsWith('--', pos)) return { flags, args: rest.slice(pos) }
    let word = ''
    let quote = ''
    let quoted = false
    for (; pos < rest.length; pos++) {
      let c = rest[pos]
      if (!quote && SPACE.test(c)) break
      if (quote ? c === quote : c === "'" || c === '"') {
        quote = quote ? '' : c
        quoted = true
        continue
      }
      if (c === escapeChar) {
        if (++pos === rest.length) break
        c = rest[pos]
      }
      word += c
    }
    if (word === '--') return { flags, args: rest.slice(pos) }
    if (word || quoted) flags.push(word)
  }
}

/** `{ keyword, flags, args }` of a whole instruction line. */
function instructionOf(line: string, escapeChar: string): Instruction {
  const [, keyword, rest = ''] = /^(\S+)(?:[ \t\v\f\r]+([\s\S]*))?$/.exec(line.trim()) ?? ['', '', '']
  return { keyword: keyword.toLowerCase(), ...splitFlags(rest, escapeChar) }
}

/** The heredocs an instruction line opens, in order: terminator and whether leading tabs go. */
function heredocsOf(line: string, instruction: Instruction, escapeChar: string): Array<{ name: string; chomp: boolean }> {
  // BuildKit also skips the JSON form: its strings are quoted words, where no heredoc starts.
  const inner = instruction.keyword === 'onbuild' ? instructionOf(instruction.args, escapeChar) : instruction
  if (!['run', 'copy', 'add'].includes(inner.keyword) || !line.includes('<<')) return []
  const docs: Array<{ name: string; chomp: boolean }> = []
  for (const word of rawWords(line, '\\', true)) {
    const match = /^\d*<<(-?)\s*([^<]*)$/.exec(word)
    if (!match || match[2] === '') continue
    try {
      docs.push({ name: expand(match[2], { vars: new Map(), complete: false }, '\\', new Set()), chomp: match[1] === '-' })
    } catch {
      // Not a word BuildKit reads as a heredoc's name either: it refuses the line.
    }
  }
  return docs
}

/**
 * The instructions of a Dockerfile as BuildKit's parser joins them: parser directives (only
 * `escape` matters here) before anything else, comments, line continuations (the escape
 * character last on a line), comment and empty lines inside a continuation skipped, and heredoc
 * bodies read as text, not as instructions.
 */
function instructionsOf(dockerfile: string): { escapeChar: string; instructions: Instruction[] } {
  const lines = dockerfile
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map(line => line.replace(/[\r\n]+$/, ''))
  let escapeChar = '\\'
  let directives = true
  let continuation = /([^\\])\\[ \t]*$|^\\[ \t]*$/
  const isComment = (line: string) => line.trimStart().startsWith('#')
  const instructions: Instruction[] = []
  let i = 0
  while (i < lines.length) {
    const first = lines[i++].trimStart()
    if (directives) {
      const directive = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(first)
      const name = directive?.[1].toLowerCase()
      if (name === 'escape' && (directive![2] === '`' || directive![2] === '\\')) {
        escapeChar = directive![2]
        const e = `\\${escapeChar}`
        continuation = new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`)
      }
      if (name === 'escape' || name === 'syntax' || name === 'check') continue
      directives = false
    }
    if (isComment(first) || first.trim() === '') continue
    let line = ''
    let next: string | undefined = first
    for (;;) {
      const continued = continuation.test(next)
      line += continued ? next.replace(continuation, '$1') : next
      if (!continued) break
      next = lines[i++]
      while (next !== undefined && (isComment(next) || next.trim() === '')) next = lines[i++]
      if (next === undefined) break
    }
    const instruction = instructionOf(line, escapeChar)
    for (const { name, chomp } of heredocsOf(line, instruction, escapeChar)) {
      while (i < lines.length && (chomp ? lines[i].replace(/^\t+/, '') : lines[i]) !== name) i++
      i++
    }
    instructions.push(instruction)
  }
  return { escapeChar, instructions }
}

/** POSIX path.Clean, as Go's, which BuildKit applies to a target used as a key. */
function cleanPath(path: string): string {
  const rooted = path.startsWith('/')
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part !== '..') parts.push(part)
    else if (parts.length && parts[parts.length - 1] !== '..') parts.pop()
    else if (!rooted) parts.push('..')
  }
  return rooted ? `/${parts.join('/')}` : parts.join('/') || '.'
}

const parseBool = (value: string): boolean | undefined =>
  /^(1|t|T|TRUE|true|True)$/.test(value) ? true : /^(0|f|F|FALSE|false|False)$/.test(value) ? false : undefined

/** uid and gid: decimal, 32 bits. */
const parseId = (value: string): number | undefined => (/^\d+$/.test(value) && Number(value) <= MAX_UINT32 ? Number(value) : undefined)

/** mode: octal, 32 bits. */
const parseMode = (value: string): number | undefined =>
  /^[0-7]+$/.test(value) && Number.parseInt(value, 8) <= MAX_UINT32 ? Number.parseInt(value, 8) : undefined

const parseSharing = (value: string): CacheSharing | undefined => SHARING.find(s => s === value.toLowerCase())

/** What a mount is made of: its id (may be empty) and target, and any settings. */
type MountFields = { id?: string; target: string } & Partial<Omit<CacheMount, 'key' | 'name' | 'target'>>

/** The mount of these fields: key, name and defaults filled in, no field left undefined. */
function cacheMount({ id, ...fields }: MountFields): CacheMount {
  const key = id || cleanPath(fields.target)
  const mount: CacheMount = { key, name: safeName(key), sharing: 'shared', readonly: false, ...fields }
  for (const field of Object.keys(mount) as Array<keyof CacheMount>) if (mount[field] === undefined) delete mount[field]
  return mount
}

/**
 * A `--mount` value as BuildKit's parseMount reads it (CSV fields, keys case-insensitive, each
 * value a shell word of the stage's ARG and ENV): the cache mount, or undefined for another type
 * or a mount BuildKit refuses.
 */
function parseMount(spec: string, env: Env, escapeChar: string): CacheMount | undefined {
  const unresolvedIn = new Map<string, Set<string>>()
  let type = 'bind'
  let readonly = false
  const fields: Partial<MountFields> = {}
  for (const [rawKey, rawValue] of decodeSpec(spec)) {
    const key = rawKey.toLowerCase()
    // A bare readonly/ro/readwrite/rw is a flag; the CSV reader gives it an empty value.
    const flag = rawValue === '' && ['readonly', 'ro', 'readwrite', 'rw'].includes(key)
    const unresolved = new Set<string>()
    const value = flag ? 'true' : expand(rawValue, env, escapeChar, unresolved)
    const known = unresolved.size === 0
    if (!known) unresolvedIn.set(['target', 'dst', 'destination'].includes(key) ? 'target' : key, unresolved)
    const valid = <T>(parsed: T | undefined): T | undefined => {
      if (known && parsed === undefined) throw new Refused(`invalid ${key}`)
      return parsed
    }
    if (key === 'type') {
      if (!known || !MOUNT_TYPES.includes(value.toLowerCase())) return undefined
      type = value.toLowerCase()
    } else if (key === 'id') fields.id = value
    else if (['target', 'dst', 'destination'].includes(key)) fields.target = value
    else if (key === 'from') fields.from = value
    else if (key === 'source' || key === 'src') fields.source = value
    else if (key === 'readonly' || key === 'ro') readonly = valid(parseBool(value)) ?? readonly
    else if (key === 'readwrite' || key === 'rw') readonly = !(valid(parseBool(value)) ?? !readonly)
    else if (key === 'sharing') fields.sharing = valid(parseSharing(value))
    else if (key === 'uid') fields.uid = valid(parseId(value))
    else if (key === 'gid') fields.gid = valid(parseId(value))
    else if (key === 'mode') fields.mode = valid(parseMode(value))
    // env names a secret's variable; BuildKit takes it on any type. required and size are for
    // secret/ssh and tmpfs mounts only.
    else if (key !== 'env') throw new Refused(`unexpected key ${key}`)
  }
  // A cache mount with no target mounts over WORKDIR under the key "."; no Dockerfile means that.
  if (type !== 'cache' || !fields.target) return undefined
  const unresolved = [...unresolvedIn]
    .filter(([key]) => !['readonly', 'ro', 'readwrite', 'rw', 'env'].includes(key) && !(key === 'target' && fields.id))
    .flatMap(([, variables]) => [...variables])
  return cacheMount({ ...fields, target: fields.target, readonly, unresolved: unresolved.length ? [...new Set(unresolved)] : undefined })
}

/** The value of a `--name=value` flag word, if it is one. */
function flagValue(flag: string, name: string): string | undefined {
  return flag.startsWith(`--${name}=`) ? flag.slice(name.length + 3) : undefined
}

interface Stage {
  name?: string
  /** The stage it is built FROM, else the image. */
  base: number | string
  instructions: Instruction[]
}

/** Adds one ARG instruction's values to `env` (BuildKit's dispatchArg). */
function declareArgs(instruction: Instruction, env: Env, global: Env, buildArgs: Record<string, string>, escapeChar: string): void {
  for (const word of rawWords(instruction.args, escapeChar)) {
    const eq = word.indexOf('=')
    const name = eq < 0 ? word : word.slice(0, eq)
    if (Object.hasOwn(buildArgs, name)) env.vars.set(name, buildArgs[name])
    else if (eq >= 0) env.vars.set(name, wordValue(word.slice(eq + 1), env, escapeChar))
    else if (global.vars.has(name)) env.vars.set(name, global.vars.get(name)!)
  }
}

/** Adds one ENV instruction's values to `env`: `NAME=value ...`, or the old `NAME value`. */
function declareEnv(instruction: Instruction, env: Env, escapeChar: string): void {
  const words = rawWords(instruction.args, escapeChar)
  if (!words.length) return
  if (!words[0].includes('=')) {
    const [name, value = ''] = instruction.args.trim().split(/[ \t\v\f\r]+([\s\S]*)/)
    env.vars.set(name, wordValue(value, env, escapeChar))
    return
  }
  const values = words.map(
    word => [word.slice(0, word.indexOf('=')), wordValue(word.slice(word.indexOf('=') + 1), env, escapeChar)] as const
  )
  for (const [name, value] of values) env.vars.set(name, value)
}

/** The stages of a Dockerfile, the indexes of those a build of `target` (else the last stage) runs, and the global ARGs. */
function reachedStages(
  instructions: Instruction[],
  target: string | undefined,
  buildArgs: Record<string, string>,
  escapeChar: string
): { stages: Stage[]; reached: number[]; global: Env } {
  const stages: Stage[] = []
  const byName = new Map<string, number>()
  const global: Env = { vars: new Map(), complete: true }
  for (const name of PLATFORM_ARGS) global.vars.set(name, buildArgs[name] ?? null)
  global.vars.set('TARGETSTAGE', buildArgs.TARGETSTAGE ?? (target || lastStageName(instructions) || 'default'))
  for (const instruction of instructions) {
    if (instruction.keyword === 'from') {
      const [image, as, name] = instruction.args.trim().split(/[ \t\v\f\r]+/)
      const base = wordValue(image, global, escapeChar) ?? image
      const stageName = as?.toLowerCase() === 'as' && name ? name.toLowerCase() : undefined
      // Only an earlier stage can be a base: BuildKit looks the name up, as written, as each stage is added.
      stages.push({ name: stageName, base: byName.get(base) ?? base, instructions: [] })
      if (stageName) byName.set(stageName, stages.length - 1)
    } else if (stages.length) stages[stages.length - 1].instructions.push(instruction)
    else if (instruction.keyword === 'arg') declareArgs(instruction, global, { vars: new Map(), complete: true }, buildArgs, escapeChar)
  }
  const start = target === undefined ? stages.length - 1 : byName.get(target.toLowerCase())
  const reached = new Set<number>()
  const visit = (index: number) => {
    if (reached.has(index)) return
    reached.add(index)
    for (const dep of dependencies(stages[index], byName)) if (dep < stages.length) visit(dep)
  }
  if (start !== undefined && start >= 0) visit(start)
  return { stages, reached: [...reached].sort((a, b) => a - b), global }
}

/** TARGETSTAGE without a target: the last stage's name (BuildKit's default). */
function lastStageName(instructions: Instruction[]): string | undefined {
  const froms = instructions.filter(i => i.keyword === 'from').map(i => i.args.trim().split(/[ \t\v\f\r]+/))
  const last = froms[froms.length - 1]
  return last?.[1]?.toLowerCase() === 'as' ? last[2]?.toLowerCase() : undefined
}

/** The stages a stage needs: its FROM stage, `COPY --from` (a name or an index), a mount's `from=`. */
function dependencies(stage: Stage, byName: Map<string, number>): number[] {
  const deps = typeof stage.base === 'number' ? [stage.base] : []
  for (const instruction of stage.instructions) {
    for (const flag of instruction.flags) {
      if (instruction.keyword === 'copy') {
        const from = flagValue(flag, 'from')
        const dep = from === undefined ? undefined : /^\d+$/.test(from) ? Number(from) : byName.get(from.toLowerCase())
        if (dep !== undefined) deps.push(dep)
      } else if (instruction.keyword === 'run') {
        // A mount's from= is read before any expansion (BuildKit refuses a variable there).
        const from = decodeSpec(flagValue(flag, 'mount') ?? '').find(([key]) => key.toLowerCase() === 'from')?.[1]
        const dep = from === undefined ? undefined : byName.get(from.toLowerCase())
        if (dep !== undefined) deps.push(dep)
      }
    }
  }
  return deps
}

/** One entry per key, in order of first use, with the first mount's settings. */
function mergeByKey(mounts: CacheMount[]): CacheMount[] {
  const byKey = new Map<string, CacheMount>()
  const show = (field: string, value: unknown) =>
    value === undefined ? 'unset' : field === 'mode' ? `0${(value as number).toString(8)}` : String(value)
  for (const mount of mounts) {
    const first = byKey.get(mount.key)
    if (!first) {
      byKey.set(mount.key, mount)
      continue
    }
    for (const field of ['sharing', 'uid', 'gid', 'mode', 'from', 'source'] as const) {
      if (first[field] === mount[field]) continue
      const conflict = `${field}: ${show(field, first[field])}, then ${show(field, mount[field])}`
      if (!first.conflicts?.includes(conflict)) first.conflicts = [...(first.conflicts ?? []), conflict]
    }
    if (mount.unresolved) first.unresolved = [...new Set([...(first.unresolved ?? []), ...mount.unresolved])]
  }
  return [...byKey.values()]
}

/**
 * The cache mounts of the stages a build of `target` (else the last stage) reaches: the target,
 * the stage it is built FROM, and every stage a `COPY --from` or a `RUN --mount` `from=` names,
 * on through theirs. Values are expanded from the ARGs and ENVs before each RUN, an ARG taking its
 * value from `buildArgs`, else its default, else the global ARG. One entry per key; nothing for
 * a Dockerfile without cache mounts, or for a target it lacks (BuildKit refuses that build).
 */
export function cacheMountsOf(dockerfile: string, target?: string, buildArgs: Record<string, string> = {}): CacheMount[] {
  const { escapeChar, instructions } = instructionsOf(dockerfile)
  const { stages, reached, global } = reachedStages(instructions, target, buildArgs, escapeChar)
  const envs = new Map<number, Env>()
  const mounts: CacheMount[] = []
  for (const index of reached) {
    const stage = stages[index]
    // A stage built FROM another starts with its ARG and ENV values (BuildKit keeps ARGs in the env).
    const base = typeof stage.base === 'number' ? envs.get(stage.base) : undefined
    const env: Env = base ? { vars: new Map(base.vars), complete: base.complete } : { vars: new Map(), complete: stage.base === 'scratch' }
    envs.set(index, env)
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'arg') declareArgs(instruction, env, global, buildArgs, escapeChar)
      else if (instruction.keyword === 'env') declareEnv(instruction, env, escapeChar)
      else if (instruction.keyword === 'run') {
        for (const spec of instruction.flags.map(flag => flagValue(flag, 'mount'))) {
          if (spec === undefined) continue
          try {
            const mount = parseMount(spec, env, escapeChar)
            if (mount) mounts.push(mount)
          } catch (error) {
            if (!(error instanceof Refused)) throw error
          }
        }
      }
    }
  }
  return mergeByKey(mounts)
}

const refuse = (reason: string) => InputError.refusing({ input: 'cache-mounts', reason })

/** One line of an explicit list: `id=...,target=...` with the Dockerfile's attributes, else bare absolute targets. */
function listedMounts(line: string): CacheMount[] {
  if (!line.includes('=')) {
    return line
      .split(',')
      .map(path => path.trim())
      .filter(Boolean)
      .map(path => {
        if (path.startsWith('/')) return cacheMount({ target: path })
        throw refuse(
          `${JSON.stringify(path)} is not auto, off, an absolute path or id=...,target=... (e.g. "id=gomod,target=/go/pkg/mod").`
        )
      })
  }
  const fields: Partial<MountFields> = {}
  for (const [rawKey, rawValue] of decodeSpec(line)) {
    const [key, value] = [rawKey.trim().toLowerCase(), rawValue.trim()]
    const attribute = key === 'dst' || key === 'destination' ? 'target' : key
    const setting = JSON.stringify(`${key}=${value}`)
    if (!['type', 'id', 'target', 'sharing', 'uid', 'gid', 'mode'].includes(attribute)) {
      throw refuse(`${JSON.stringify(rawKey.trim())} is not an attribute of a cache mount; use id, target, sharing, uid, gid and mode.`)
    }
    if (value === '') throw refuse(`${JSON.stringify(key)} is empty; give it a value or leave it out.`)
    if (attribute === 'type') {
      if (value.toLowerCase() !== 'cache') throw refuse(`${setting}: only cache mounts are carried.`)
      continue
    }
    if (attribute in fields) throw refuse(`${JSON.stringify(attribute)} is given twice.`)
    if (attribute === 'id' || attribute === 'target') fields[attribute] = value
    else if (attribute === 'sharing') fields.sharing = parseSharing(value) ?? fail(`${setting} is not shared, private or locked.`)
    else if (attribute === 'mode') fields.mode = parseMode(value) ?? fail(`${setting} is not an octal mode (e.g. 0755).`)
    else fields[attribute as 'uid' | 'gid'] = parseId(value) ?? fail(`${setting} is not a number (a decimal ${attribute}).`)
  }
  if (fields.target === undefined) {
    throw refuse(`${JSON.stringify(line)} has no target: give the path the Dockerfile mounts it at, e.g. "id=gomod,target=/go/pkg/mod".`)
  }
  return [cacheMount({ ...fields, target: fields.target })]
}

function fail(reason: string): never {
  throw refuse(reason)
}

/**
 * Reads the `cache-mounts` input: `auto` (also when empty), `off`, or the mounts to carry, one a
 * line as `id=...,target=...` (with sharing, uid, gid, mode as in the Dockerfile), or bare
 * absolute targets separated by commas. A mount listed twice (one key) is an error.
 */
export function parseCacheMountsInput(value: string): CacheMountsSetting {
  const text = value.trim()
  if (text === '' || text === 'auto') return 'auto'
  if (text === 'off') return 'off'
  const mounts: CacheMount[] = []
  const lines = text
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))
  for (const mount of lines.flatMap(listedMounts)) {
    if (mounts.some(other => other.key === mount.key)) {
      throw refuse(`${JSON.stringify(mount.key)} is listed twice: mounts with one id, or one target and no id, are one cache.`)
    }
    mounts.push(mount)
  }
  return mounts
}
