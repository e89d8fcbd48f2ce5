import { parse as parseYaml } from 'yaml'
import { BACKENDS } from '../backends/index.js'
import { TOOLS } from '../tools/index.js'
import type { BuildOptions } from '../tools/tool.js'

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
}

/** An input the action cannot take, said by the part that knows why (a backend, a builder). */
export interface InputRefusal {
  input: string
  reason: string
}

export class InputError extends Error {
  static refusing({ input, reason }: InputRefusal): InputError {
    return new InputError(`Input "${input}": ${reason}`)
  }
}

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
 * Newline-separated values; with `commas`, commas separate values too, and a value in double
 * quotes (`""` for a quote) is taken whole, so it may hold a comma or start with `#`. Blank
 * values and unquoted `#` comments drop out.
 */
export function list(value: string, commas: boolean): string[] {
  if (!commas)
    return value
      .split('\n')
      .map(item => item.trim())
      .filter(item => item !== '' && !item.startsWith('#'))
  const items: string[] = []
  for (const line of value.split('\n')) {
    // A quoted value, or anything up to the next comma.
    for (const [, quoted, plain] of line.matchAll(/\s*(?:"((?:[^"]|"")*)"[^,]*|([^,]*))(?:,|$)/g)) {
      if (quoted !== undefined) items.push(quoted.replace(/""/g, '"'))
      else if (plain?.trim() && !plain.trim().startsWith('#')) items.push(plain.trim())
    }
  }
  return items
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

export function readInputs(get: InputReader): Inputs {
  const text = (name: string) => get(name).trim()
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
    tags: list(get('tags'), true),
    push: bool('push', text('push'), false),
    load: bool('load', text('load'), false),
    platforms: list(get('platforms'), true),
    buildArgs: list(get('build-args'), false),
    labels: list(get('labels'), false),
    target: optional('target'),
    outputs: list(get('outputs'), false),
    noCache: bool('no-cache', text('no-cache'), false),
    noCacheFilters: list(get('no-cache-filters'), true),
    pull: bool('pull', text('pull'), false),
    network: optional('network'),
    addHosts: list(get('add-hosts'), true),
    shmSize: optional('shm-size'),
    ulimit: list(get('ulimit'), false),
    cgroupParent: optional('cgroup-parent'),
    allow: list(get('allow'), true),
    buildContexts: list(get('build-contexts'), false),
    annotations: list(get('annotations'), false),
    call: optional('call'),
    cacheBackend,
    cacheMode,
    cacheOptions: options,
    cacheRef: optional('cache-ref'),
    cacheDir: optional('cache-dir'),
    scopePrefix: scopePrefix(text('scope-prefix')),
    fallbackBranches: list(get('fallback-branches'), true),
    cacheExport: oneOf('cache-export', text('cache-export') || 'auto', ['auto', 'true', 'false'] as const),
    cacheFrom: list(get('cache-from'), false),
    cacheTo: list(get('cache-to'), false),
    githubToken: optional('github-token'),
    dryRun: bool('dry-run', text('dry-run'), false),
    cleanup: bool('cleanup', text('cleanup'), false),
    driverFallback: oneOf('driver-fallback', text('driver-fallback') || 'off', ['off', 'docker-container'] as const),
    driverFallbackOpts: list(get('driver-fallback-opts'), false),
    cacheTimeout: readCacheTimeout(get)
  }
  const refused = TOOLS[buildTool].check?.(inputs)
  if (refused) throw InputError.refusing({ ...refused, reason: `${refused.reason} (build-tool: ${buildTool}).` })
  return inputs
}
