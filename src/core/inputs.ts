import { parseSize } from './format.js'
import { parse as parseYaml } from 'yaml'
import { BACKENDS } from '../backends/index.js'
import { TOOLS } from '../tools/index.js'
import type { BuildOptions, SecretSource } from '../tools/tool.js'
import { type CacheMountsSetting, parseCacheMountsInput } from './cache-mounts.js'
import { type CacheBudget, parseCacheBudget } from './budget.js'
import { InputError } from './input-error.js'

/** Every input, read and checked in one place. Errors are one line naming the input. */
export interface Inputs extends BuildOptions {
  /** A key of TOOLS. */
  buildTool: string
  cacheBackend: string
  /** Undefined: the backend's default (max, or min for inline). */
  cacheMode?: 'min' | 'max'
  cacheOptions: Record<string, string>
  cacheRef?: string
  cacheDir?: string
  scopePrefix?: string
  fallbackBranches: string[]
  cacheExport: 'auto' | 'true' | 'false'
  cacheFrom: string[]
  cacheTo: string[]
  githubToken?: string
  dryRun: boolean
  cleanup: boolean
  /** buildx: what to do when the builder's driver cannot export the cache (off: build without the export). */
  driverFallback: 'off' | 'docker-container'
  /** `--driver-opt` values for the builder driver-fallback creates. */
  driverFallbackOpts: string[]
  /** Seconds cache traffic may make no progress before the build is stopped (0: unwatched). */
  cacheTimeout: number
  /** How much of the repository's Actions cache this action's caches may fill before the post step deletes some. */
  cacheBudget: CacheBudget
  /** The cache mounts carried between runs: read from the Dockerfile, none, or the ones listed. */
  cacheMounts: CacheMountsSetting
  /** A mount bigger than this (bytes) is not saved. */
  cacheMountsMaxSize: number
  /** The image the builds that carry mounts in and out run in (a shell, tar, find, sort, sha256sum, stat, du). */
  cacheMountsImage: string
}

/** An input's value as the runner gives it (not trimmed: `secrets` values keep their spaces). */
export type InputReader = (name: string) => string

// Attributes the action itself sets per scope, and the input that controls each instead.
const SET_BY_ACTION: Record<string, string> = {
  type: 'cache-backend',
  mode: 'cache-mode',
  scope: 'scope-prefix',
  name: 'scope-prefix',
  ref: 'cache-ref',
  src: 'cache-dir',
  dest: 'cache-dir',
  url: 'the runner environment (ACTIONS_CACHE_URL)',
  url_v2: 'the runner environment (ACTIONS_RESULTS_URL)',
  token: 'the runner environment (ACTIONS_RUNTIME_TOKEN)',
  version: 'the runner environment (ACTIONS_CACHE_SERVICE_V2)'
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(`Input "${name}": ${JSON.stringify(value)} is not allowed; use one of: ${allowed.join(', ')}.`)
}

function bool(name: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback
  if (/^(true|True|TRUE)$/.test(value)) return true
  if (/^(false|False|FALSE)$/.test(value)) return false
  throw new InputError(`Input "${name}": ${JSON.stringify(value)} is not a boolean; use true or false.`)
}

/**
 * How an input's list is split. build-push-action reads every list as CSV (its getInputList):
 * each line a record of comma-separated fields, a field in double quotes (`""` for a quote)
 * taken whole, commas and newlines and all. Its options differ per input, and so do these.
 */
export interface ListRule {
  /** Every field is a value; else a line (its fields joined again) is one value (build-push-action's ignoreComma). */
  commas: boolean
  /** false: double quotes are plain characters (build-push-action's outputs). */
  quotes?: boolean
  /** Values keep their surrounding spaces (build-push-action's secrets). */
  keepSpaces?: boolean
  /** An unquoted value starting with `#` drops out (this action's own lists). */
  comments?: boolean
}

interface Field {
  text: string
  quoted: boolean
}

/** Where the unquoted field starting at `from` ends: the next comma or line end. */
function fieldEnd(text: string, from: number): number {
  const match = /[,\r\n]/.exec(text.slice(from))
  return match ? from + match.index : text.length
}

/**
 * The CSV records of `text`. As in build-push-action's reader, a quote opens a quoted field only
 * at the field's start (here also after spaces), and a field that goes on after its closing quote
 * is plain text, quotes included.
 */
function csvRecords(text: string, quotes: boolean, input: string): Field[][] {
  const records: Field[][] = []
  let fields: Field[] = []
  let at = 0
  for (;;) {
    const start = at + (/^[ \t]*/.exec(text.slice(at))?.[0].length ?? 0)
    let field: Field
    if (quotes && text[start] === '"') {
      let inner = ''
      let i = start + 1
      for (; text[i] !== '"' || text[i + 1] === '"'; i += text[i] === '"' ? 2 : 1) {
        if (i >= text.length)
          throw InputError.refusing({ input, reason: 'a double-quoted value is not closed (write "" for a quote inside one).' })
        inner += text[i]
      }
      const after = i + 1 + (/^[ \t]*/.exec(text.slice(i + 1))?.[0].length ?? 0)
      const end = fieldEnd(text, after)
      field =
        end === after
          ? { text: inner, quoted: true }
          : { text: `${text.slice(at, start)}"${inner}"${text.slice(i + 1, end)}`, quoted: false }
      at = end
    } else {
      const end = fieldEnd(text, at)
      field = { text: text.slice(at, end), quoted: false }
      at = end
    }
    fields.push(field)
    if (text[at] === ',') {
      at++
      continue
    }
    records.push(fields)
    fields = []
    if (at >= text.length) return records
    at += text.startsWith('\r\n', at) ? 2 : 1
  }
}

const COMMAS: ListRule = { commas: true }
const LINES: ListRule = { commas: false }

/** The values of a list input, split by its rule; an error names the input. */
export function list(text: string, rule: ListRule, input: string): string[] {
  const values = csvRecords(text, rule.quotes !== false, input).flatMap(fields =>
    rule.commas ? fields : [{ text: fields.map(f => f.text).join(','), quoted: fields[0].quoted }]
  )
  return values
    .filter(value => !(rule.comments && !value.quoted && value.text.trim().startsWith('#')))
    .map(value => (rule.keepSpaces ? value.text : value.text.trim()))
    .filter(value => value.trim() !== '')
}

function cacheOptions(value: string): Record<string, string> {
  if (value.trim() === '') return {}
  let parsed: unknown
  try {
    // failsafe: every value stays the string it was written as (`prefix: 1.10` is not 1.1).
    parsed = parseYaml(value, { schema: 'failsafe' })
  } catch (error) {
    throw new InputError(`Input "cache-options": not valid YAML (${(error as Error).message.split('\n')[0]}).`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError('Input "cache-options": must be a YAML mapping of attribute: value, e.g. "region: us-east-1".')
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([key, v]) => {
      if (v === null || typeof v === 'object')
        throw new InputError(`Input "cache-options": ${JSON.stringify(key)} must have a plain value.`)
      return [key, String(v)]
    })
  )
}

function checkCacheOptions(backendName: string, options: Record<string, string>): void {
  const backend = BACKENDS[backendName]
  const known = new Set([...backend.sharedOptions, ...backend.exportOptions])
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue
    const instead = SET_BY_ACTION[key]
    const allowed = [...known].join(', ') || 'none'
    throw new InputError(
      instead
        ? `Input "cache-options": ${JSON.stringify(key)} is set by the action for each scope; use ${instead} instead.`
        : `Input "cache-options": ${JSON.stringify(key)} is not an attribute of the ${backendName} backend; allowed: ${allowed}.`
    )
  }
  const missing = (backend.requiredOptions ?? []).filter(key => !options[key])
  if (missing.length) {
    throw new InputError(`Input "cache-options": the ${backendName} backend needs ${missing.join(' and ')}, e.g. "${missing[0]}: ...".`)
  }
  const empty = Object.keys(options).find(key => options[key] === '')
  if (empty) throw new InputError(`Input "cache-options": ${JSON.stringify(empty)} is empty; give it a value or leave it out.`)
}

/** Names of the tag grammar separated by `/`, as the namespace derived from an image path is. */
function scopePrefix(value: string): string | undefined {
  if (value === '') return undefined
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/.test(value)) return value
  throw new InputError(
    `Input "scope-prefix": ${JSON.stringify(value)} is not allowed; use letters, digits, ".", "_" and "-", with "/" between parts (e.g. ` +
      `"team-a/app").`
  )
}

/** `<id>=<rest>`, split at the first `=`; undefined unless both parts are there. */
function idAnd(entry: string): [string, string] | undefined {
  const eq = entry.indexOf('=')
  return eq > 0 && eq < entry.length - 1 ? [entry.slice(0, eq), entry.slice(eq + 1)] : undefined
}

/**
 * build-push-action's secrets (id=value, values keep their spaces), secret-files (id=path) and
 * secret-envs (id=VARIABLE), as one list by id. No error shows a `secrets` entry: it holds a value.
 */
function buildSecrets(values: (name: string, rule: ListRule) => string[]): SecretSource[] {
  const pairs = (name: string, rule: ListRule, refusal: (entry: string, index: number) => string) =>
    values(name, rule).map((entry, index) => {
      const pair = idAnd(entry)
      if (!pair) throw InputError.refusing({ input: name, reason: refusal(entry, index) })
      return pair
    })
  return [
    ...pairs(
      'secrets',
      { commas: false, keepSpaces: true },
      (_, index) => `entry ${index + 1} is not id=value (the value is not shown).`
    ).map(([id, value]) => ({ id, value })),
    ...pairs('secret-files', LINES, entry => `${JSON.stringify(entry)} is not id=path.`).map(([id, file]) => ({ id, file })),
    ...pairs('secret-envs', COMMAS, entry => `${JSON.stringify(entry)} is not id=VARIABLE.`).map(([id, env]) => ({ id, env }))
  ]
}

/** Parses `cache-timeout`: `90s`, `2m`, `1m30s`, `1h`, or bare seconds; 0 turns the watch off. */
export function parseCacheTimeout(text: string): number | undefined {
  const value = text.trim()
  if (/^\d+$/.test(value)) return Number(value)
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value)
  if (!value || !match) return undefined
  const [, h = '0', m = '0', s = '0'] = match
  return Number(h) * 3600 + Number(m) * 60 + Number(s)
}

/** Reads the `cache-timeout` input (action.yml's default: 2m) in seconds; an error names the input. */
function cacheBudget(text: string): CacheBudget {
  const budget = parseCacheBudget(text)
  if (budget) return budget
  throw new InputError(
    `Input "cache-budget": ${JSON.stringify(text)} is not a budget; use a share of the repository's cache limit (e.g. 80%), a size ` +
      '(e.g. 8GB) or off.'
  )
}

export function readCacheTimeout(get: InputReader): number {
  const text = get('cache-timeout').trim() || '2m'
  const seconds = parseCacheTimeout(text)
  if (seconds === undefined) {
    throw new InputError(
      `Input "cache-timeout": ${JSON.stringify(text)} is not a duration; use e.g. 90s, 2m, 1m30s (0 turns the watch off).`
    )
  }
  return seconds
}

/** `cache-mounts`; a list is refused by a builder whose mounts a generated build cannot reach. */
function cacheMounts(value: string, buildTool: string): CacheMountsSetting {
  const setting = parseCacheMountsInput(value)
  if (Array.isArray(setting) && !TOOLS[buildTool].traits.reachesCacheMounts) {
    throw InputError.refusing({
      input: 'cache-mounts',
      reason: `${buildTool}'s cache mounts are not carried yet; leave it auto (nothing carried) or off (build-tool: ${buildTool}).`
    })
  }
  return setting
}

function cacheMountsMaxSize(text: string): number {
  const bytes = parseSize(text)
  if (bytes === undefined)
    throw InputError.refusing({ input: 'cache-mounts-max-size', reason: `${JSON.stringify(text)} is not a size; use e.g. 500MB or 2GB.` })
  return bytes
}

export function readInputs(get: InputReader): Inputs {
  const text = (name: string) => get(name).trim()
  const values = (name: string, rule: ListRule) => list(get(name), rule, name)
  const optional = (name: string) => text(name) || undefined
  const buildTool = oneOf('build-tool', text('build-tool') || 'buildx', Object.keys(TOOLS))
  const cacheBackend = oneOf('cache-backend', text('cache-backend') || 'gha', [...Object.keys(BACKENDS), 'none'])
  const modeText = text('cache-mode')
  const cacheMode = modeText === '' ? undefined : oneOf('cache-mode', modeText, ['min', 'max'] as const)
  const minOnly = BACKENDS[cacheBackend]?.minOnly
  if (cacheMode === 'max' && minOnly) {
    throw new InputError(
      `Input "cache-mode": "max" is not supported by the ${cacheBackend} backend (${minOnly}); use min, or the registry backend for max.`
    )
  }
  const options = cacheOptions(get('cache-options'))
  if (cacheBackend !== 'none') checkCacheOptions(cacheBackend, options)
  else if (Object.keys(options).length) throw new InputError('Input "cache-options": given, but cache-backend is none.')

  const inputs: Inputs = {
    buildTool,
    builder: optional('builder'),
    context: text('context') || '.',
    file: optional('file'),
    tags: values('tags', COMMAS),
    push: bool('push', text('push'), false),
    load: bool('load', text('load'), false),
    platforms: values('platforms', COMMAS),
    buildArgs: values('build-args', LINES),
    labels: values('labels', LINES),
    target: optional('target'),
    outputs: values('outputs', { commas: false, quotes: false }),
    noCache: bool('no-cache', text('no-cache'), false),
    noCacheFilters: values('no-cache-filters', COMMAS),
    pull: bool('pull', text('pull'), false),
    network: optional('network'),
    addHosts: values('add-hosts', COMMAS),
    shmSize: optional('shm-size'),
    ulimit: values('ulimit', LINES),
    cgroupParent: optional('cgroup-parent'),
    allow: values('allow', COMMAS),
    buildContexts: values('build-contexts', LINES),
    annotations: values('annotations', LINES),
    call: optional('call'),
    provenance: optional('provenance'),
    sbom: optional('sbom'),
    attests: values('attests', LINES),
    secrets: buildSecrets(values),
    ssh: values('ssh', COMMAS),
    cacheBackend,
    cacheMode,
    cacheOptions: options,
    cacheRef: optional('cache-ref'),
    cacheDir: optional('cache-dir'),
    scopePrefix: scopePrefix(text('scope-prefix')),
    fallbackBranches: values('fallback-branches', { commas: true, comments: true }),
    cacheExport: oneOf('cache-export', text('cache-export') || 'auto', ['auto', 'true', 'false'] as const),
    cacheFrom: values('cache-from', LINES),
    cacheTo: values('cache-to', LINES),
    githubToken: optional('github-token'),
    dryRun: bool('dry-run', text('dry-run'), false),
    cleanup: bool('cleanup', text('cleanup'), false),
    driverFallback: oneOf('driver-fallback', text('driver-fallback') || 'off', ['off', 'docker-container'] as const),
    driverFallbackOpts: values('driver-fallback-opts', { commas: false, quotes: false, comments: true }),
    cacheTimeout: readCacheTimeout(get),
    cacheBudget: cacheBudget(text('cache-budget') || '80%'),
    cacheMounts: cacheMounts(get('cache-mounts'), buildTool),
    cacheMountsMaxSize: cacheMountsMaxSize(text('cache-mounts-max-size') || '1GB'),
    cacheMountsImage: text('cache-mounts-image') || 'busybox:stable'
  }
  const refused = TOOLS[buildTool].check?.(inputs)
  if (refused) throw InputError.refusing({ ...refused, reason: `${refused.reason} (build-tool: ${buildTool}).` })
  return inputs
}
