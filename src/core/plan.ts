import { join } from 'node:path'
import { type CacheAccess, UNRESTRICTED, actionsCacheAccess, usesCacheServiceV2 } from './access.js'
import type { Backend, BackendSettings, CacheImport, CarriedDirectory, KeyMatch } from '../backends/backend.js'
import { scopeId } from '../backends/backend.js'
import { BACKENDS } from '../backends/index.js'
import type { Env, RunContext } from './context.js'
import { InputError } from './input-error.js'
import type { Inputs } from './inputs.js'
import { imagePath, imageRepository, platformsName, safeName } from './names.js'
import { withRetryTimeout } from './cache-watch.js'
import type { KeyGroup } from './budget.js'
import { type Scope, type ScopeChain, pullRequestOfRef, pullRequestScope, scopeChain, scopeOfRef } from './scopes.js'
import { type MountCarry, buildArgValues, ownedMountKeys } from './mount-carry.js'
import { type Attributes, decodeSpec, encodeSpec } from './spec.js'
import type { BuildRequest, Invocation, SecretMount } from '../tools/tool.js'
import { TOOLS } from '../tools/index.js'

/** A backend's directory on the runner (local), and whether this run may restore and save it. */
export interface LocalCachePlan extends CarriedDirectory {
  canRestore: boolean
  canSave: boolean
}

export interface Plan {
  tool: Inputs['buildTool']
  backend: string
  context: RunContext
  /** This run's own scope id, e.g. `pr-7` or `org/app/main`; empty when it has none. */
  scope: string
  /** The chain of scopes to import from, in order, with their ids and where the backend looks for each. */
  chain: Array<Scope & { id: string; location?: string; indexKey?: string }>
  /** Candidate imports, chain order, then the user's raw `cache-from`. */
  imports: CacheImport[]
  exports: Attributes[]
  /** Image tags the cache needs (inline). */
  extraTags: string[]
  cacheExport: boolean
  /** Why the cache is (not) exported, for the log, the output and the summary. */
  exportReason: string
  importReason?: string
  needsBuildKitDriver: boolean
  local?: LocalCachePlan
  /** The build's cache mounts, carried through the Actions cache (undefined: none are). */
  mounts?: MountCarry
  /** The Actions cache keys the own scope's export is saved under, when written by a run on `ref` (clean-up). */
  ownedKeys?: (ref: string) => KeyMatch
  /**
   * The Actions cache keys this namespace's runs on `ref` write (that branch's or pull request's
   * scope, and on a branch the pull requests' scopes kept under it: their layer cache, their cache
   * mounts), each with the group whose newest entry the cache budget keeps and the pull request
   * it is of; undefined for any other key.
   */
  keysOfRef?: (ref: string) => ((key: string) => KeyGroup | undefined) | undefined
  /** The registry tag of the own scope's cache (clean-up). */
  ownedTag?: string
  request: BuildRequest
  /** The `secrets` values to write to files before the build (the request mounts them from there). */
  secretFiles?: SecretFiles
  /** Values to mask in every log line and in the `command` output. */
  secrets: string[]
  warnings: string[]
  notices: string[]
  /** Plain lines for the log's plan section. */
  details: string[]
}

/**
 * Keeps images, targets and platforms built in one repository from sharing (and overwriting) a
 * scope: the scope-prefix (else the image's path, else the target or the file), then the
 * platforms, each part a name of the tag grammar.
 */
function namespaceParts(inputs: Inputs): { named: string[]; platforms: string[] } {
  const raw = inputs.scopePrefix ?? (inputs.tags.length ? imagePath(inputs.tags[0]) : (inputs.target ?? inputs.file ?? ''))
  return {
    named: raw
      .split('/')
      .filter(Boolean)
      .map(part => safeName(part)),
    platforms: inputs.platforms.length ? [platformsName(inputs.platforms)] : []
  }
}

export function namespaceOf(inputs: Inputs): string {
  const { named, platforms } = namespaceParts(inputs)
  return [...named, ...platforms].join('/')
}

function actionsCacheService(env: Env): BackendSettings['actionsCache'] {
  const token = env.ACTIONS_RUNTIME_TOKEN
  const useV2 = usesCacheServiceV2(env)
  const url = useV2 ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL
  if (!token || !url) return undefined
  return useV2 ? { urlV2: url, token } : { url, token }
}

/**
 * What GitHub's cache rules allow a backend carried by the Actions cache service. A backend that
 * BuildKit itself points at the service (gha) has no cache at all without it; that is a warning,
 * not a failed step (act runs jobs without a runtime token by default).
 */
function cacheAccess(backend: Backend, settings: BackendSettings, env: Env): CacheAccess & { serviceMissing?: boolean } {
  if (!backend.usesActionsCache) return UNRESTRICTED
  const access = actionsCacheAccess(env.ACTIONS_RUNTIME_TOKEN, env.ACTIONS_CACHE_MODE)
  if (settings.actionsCache || !backend.buildsThroughActionsCache || !(access.canImport || access.canExport)) return access
  const reason =
    "the job has no cache service (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL are not set; GitHub's runners " +
    'always set them, act only with its cache server on)'
  return { canImport: false, canExport: false, importDenied: reason, exportDenied: reason, serviceMissing: true }
}

function settingsFor(inputs: Inputs, env: Env, backend: Backend, context: RunContext): BackendSettings {
  const namespace = namespaceOf(inputs)
  const parts = namespaceParts(inputs)
  const cacheRepository = inputs.cacheRef
    ? imageRepository(inputs.cacheRef)
    : inputs.tags.length
      ? imageRepository(inputs.tags[0])
      : undefined
  return {
    builder: TOOLS[inputs.buildTool].traits,
    namespace,
    tagNamespace: inputs.cacheRef || inputs.scopePrefix ? [...parts.named, ...parts.platforms] : parts.platforms,
    mode: inputs.cacheMode ?? (backend.minOnly ? 'min' : 'max'),
    options: { ...backend.optionsFromEnv?.(env, TOOLS[inputs.buildTool].traits, inputs.cacheOptions), ...inputs.cacheOptions },
    cacheRepository,
    cacheRepositoryGiven: !!inputs.cacheRef,
    cacheDir: inputs.cacheDir ?? join(env.RUNNER_TEMP ?? '.', 'buildkit-cache', namespace.replace(/\//g, '-') || 'default'),
    actionsCache: actionsCacheService(env),
    sha: context.sha
  }
}

/**
 * Each `secrets` value in a file of its own, in a directory of this step that only the runner's
 * user may read, written before the build and removed after it (and by the post step, should the
 * main step die).
 */
export interface SecretFiles {
  dir: string
  files: Array<{ path: string; value: string }>
}

/** A path of this step's in the runner's temp dir: one per step (GITHUB_ACTION names it), so no step reads another's files. */
function stepPath(env: Env, name: string): string {
  return join(env.RUNNER_TEMP ?? '.', `branch-cache-build-${safeName(env.GITHUB_ACTION || 'step')}-${name}`)
}

/** The secrets as the builder mounts them: a `secrets` value from the file it is written to, the others as given. */
function secretMounts(inputs: Inputs, env: Env): { mounts: SecretMount[]; files?: SecretFiles } {
  const dir = stepPath(env, 'secrets')
  const files: SecretFiles['files'] = []
  const mounts = inputs.secrets.map(secret => {
    if (!('value' in secret)) return secret
    const path = join(dir, String(files.length))
    files.push({ path, value: secret.value })
    return { id: secret.id, file: path }
  })
  return { mounts, ...(files.length && { files: { dir, files } }) }
}

/** What to mask of a secret: the value and each of its lines (a log line holds one line of it at most). */
export function secretMasks(value: string): string[] {
  return [...new Set([value, ...value.split(/\r\n|\r|\n/)])].filter(mask => mask.trim() !== '')
}

function buildRequest(inputs: Inputs, context: RunContext, env: Env, secrets: SecretMount[]): BuildRequest {
  return {
    context: inputs.context,
    file: inputs.file,
    tags: inputs.tags,
    push: inputs.push,
    load: inputs.load,
    platforms: inputs.platforms,
    buildArgs: inputs.buildArgs,
    labels: inputs.labels,
    target: inputs.target,
    outputs: inputs.outputs,
    builder: inputs.builder,
    noCache: inputs.noCache,
    noCacheFilters: inputs.noCacheFilters,
    pull: inputs.pull,
    network: inputs.network,
    addHosts: inputs.addHosts,
    shmSize: inputs.shmSize,
    ulimit: inputs.ulimit,
    cgroupParent: inputs.cgroupParent,
    allow: inputs.allow,
    buildContexts: inputs.buildContexts,
    annotations: inputs.annotations,
    call: inputs.call,
    provenance: inputs.provenance,
    sbom: inputs.sbom,
    attests: inputs.attests,
    // build-push-action's: max where anyone may read the repository, so also its build's provenance.
    defaultProvenance: context.privateRepository ? 'min' : 'max',
    secrets,
    ssh: inputs.ssh,
    metadataFile: stepPath(env, 'metadata.json')
  }
}

interface ExportDecision {
  cacheExport: boolean
  reason: string
  warning?: string
}

/** `call: check`, `outline` or `targets`: the build is evaluated without running a step, so it uses no mount and exports nothing. */
function evaluatesOnly(inputs: Inputs): boolean {
  return inputs.call !== undefined && inputs.call.split(',')[0].trim() !== 'build'
}

/** The export rule: the user's choice, then the event, then what GitHub's cache rules allow. */
export function exportDecision(inputs: Inputs, chain: ReturnType<typeof scopeChain>, access: CacheAccess): ExportDecision {
  if (inputs.cacheBackend === 'none') return { cacheExport: false, reason: 'cache-backend: none' }
  if (inputs.cacheExport === 'false') return { cacheExport: false, reason: 'cache-export: false' }
  if (evaluatesOnly(inputs)) return { cacheExport: false, reason: `call: ${inputs.call} evaluates the build without running it` }
  if (!chain.own) return { cacheExport: false, reason: chain.eventReason }
  if (!access.canExport) {
    const reason = access.exportDenied ?? 'the cache service does not allow writes'
    return inputs.cacheExport === 'true'
      ? { cacheExport: false, reason, warning: `cache-export: true cannot override ${reason}: export skipped.` }
      : { cacheExport: false, reason }
  }
  if (!chain.eventExports && inputs.cacheExport === 'auto') return { cacheExport: false, reason: chain.eventReason }
  return { cacheExport: true, reason: inputs.cacheExport === 'true' ? 'cache-export: true' : chain.eventReason }
}

/**
 * Cache mounts go through the Actions cache whatever backend carries the layers, so GitHub's
 * cache rules and the event decide for them as for the local backend's directory.
 */
function mountCarryOf(inputs: Inputs, env: Env, context: RunContext, chain: ScopeChain, settings: BackendSettings): MountCarry | undefined {
  if (inputs.cacheMounts === 'off' || !TOOLS[inputs.buildTool].traits.reachesCacheMounts) return undefined
  if (evaluatesOnly(inputs)) return undefined
  const access = actionsCacheAccess(env.ACTIONS_RUNTIME_TOKEN, env.ACTIONS_CACHE_MODE)
  const readable = access.readableRefs && new Set(access.readableRefs)
  const scopes = access.canImport ? chain.imports.filter(scope => !readable || readable.has(scope.ref)) : []
  const saving = exportDecision(inputs, chain, access)
  const service = !!settings.actionsCache
  const noService = 'the job has no cache service'
  return {
    setting: inputs.cacheMounts,
    dockerfile: inputs.file ?? join(inputs.context, 'Dockerfile'),
    target: inputs.target,
    buildArgs: buildArgValues(inputs.buildArgs, env),
    root: join(settings.cacheDir, 'mounts'),
    generated: join(settings.cacheDir, 'mounts-build'),
    image: inputs.cacheMountsImage,
    maxBytes: inputs.cacheMountsMaxSize,
    cacheTimeout: inputs.cacheTimeout,
    chain: scopes.map(scope => scopeId(scope, settings)),
    ...(chain.own && { own: scopeId(chain.own, settings) }),
    sha: context.sha,
    restore: service && scopes.length > 0,
    save: service && saving.cacheExport,
    ...((!service || !scopes.length) && { noRestore: !service ? noService : (access.importDenied ?? 'no scope to restore from') }),
    ...((!service || !saving.cacheExport) && { noSave: !service ? noService : saving.reason })
  }
}

function rawImports(specs: readonly string[]): CacheImport[] {
  return specs.map(spec => ({ label: spec, attributes: decodeSpec(spec) }))
}

/** Where the backend looks for a scope: the label of the import that reads exactly it. */
function locationOf(scope: Scope, imports: readonly CacheImport[]): { location?: string } {
  const reading = imports.find(i => i.scope?.name === scope.name)
  return reading ? { location: reading.label } : {}
}

/** The group an entry of this action's `scope` belongs to: its layer cache's prefix, or a mount's key up to the commit. */
function keyGroupsOf(backend: Backend, settings: BackendSettings, scope: Scope): (key: string) => string | undefined {
  const layers = backend.ownedKeys?.(scope, settings, [scope])
  const mountKeys = ownedMountKeys(scopeId(scope, settings))
  return key => (layers?.matches(key) ? layers.prefix : mountKeys.matches(key) ? key.slice(0, key.indexOf('#') + 1) : undefined)
}

/** Plan.keysOfRef: the keys this namespace's runs on `ref` write, with their group and pull request. */
function keysOfRef(backend: Backend, settings: BackendSettings, ref: string): ((key: string) => KeyGroup | undefined) | undefined {
  const own = scopeOfRef(ref)
  if (!own) return undefined
  const ownGroup = keyGroupsOf(backend, settings, own)
  const pullRequest = pullRequestOfRef(ref)
  return key => {
    const group = ownGroup(key)
    if (group) return { group, ...(pullRequest !== undefined && { pullRequest }) }
    if (pullRequest !== undefined) return undefined
    // pull_request_target, issue_comment and workflow_run runs keep a pull request's scope
    // under a branch's ref: each number the key names is tried as that scope.
    for (const [, n] of key.matchAll(/pr-(\d+)/g)) {
      const group = keyGroupsOf(backend, settings, pullRequestScope(Number(n), ref))(key)
      if (group) return { group, pullRequest: Number(n) }
    }
    return undefined
  }
}

/**
 * Everything the action decides, from inputs, the run's context and the environment.
 * Throws InputError for a setting that cannot work, before anything runs.
 */
export function plan(inputs: Inputs, context: RunContext, env: Env): Plan {
  const backend = BACKENDS[inputs.cacheBackend]
  const chain = scopeChain(context, inputs.fallbackBranches)
  const mounted = secretMounts(inputs, env)
  const request = buildRequest(inputs, context, env, mounted.mounts)
  const warnings: string[] = []
  const notices: string[] = []
  const details: string[] = []
  const buildSecrets = inputs.secrets.map(secret => ('value' in secret ? secret.value : 'env' in secret ? env[secret.env] : undefined))
  const secrets = [env.ACTIONS_RUNTIME_TOKEN, inputs.githubToken, ...buildSecrets].filter((s): s is string => !!s).flatMap(secretMasks)
  const common = {
    tool: inputs.buildTool,
    backend: inputs.cacheBackend,
    context,
    request,
    ...(mounted.files && { secretFiles: mounted.files }),
    secrets,
    warnings,
    notices,
    details
  }

  if (!backend) {
    return {
      ...common,
      scope: '',
      chain: [],
      imports: rawImports(inputs.cacheFrom),
      exports: inputs.cacheTo.map(decodeSpec),
      extraTags: [],
      cacheExport: inputs.cacheTo.length > 0,
      exportReason: 'cache-backend: none',
      needsBuildKitDriver: false
    }
  }

  const settings = settingsFor(inputs, env, backend, context)
  const refused = backend.check?.(settings)
  if (refused) throw InputError.refusing(refused)
  const access = cacheAccess(backend, settings, env)
  if (access.serviceMissing) warnings.push(`No ${backend.name} cache for this build: ${access.importDenied}.`)
  for (const key of backend.secretOptions ?? []) if (settings.options[key]) secrets.push(settings.options[key])

  let importScopes = chain.imports
  if (access.readableRefs) {
    const readable = new Set(access.readableRefs)
    for (const scope of importScopes.filter(s => !readable.has(s.ref))) {
      const skipped =
        `Cache scope "${scope.name}" lives under ${scope.ref}, which this job's runtime token cannot read (GitHub lets a ` +
        `run read its own ref, its base branch and the default branch): skipped.`
      // A fallback branch is the user's choice, so it is news; the others follow from the trigger.
      ;(scope.role === 'fallback' ? warnings : details).push(skipped)
    }
    importScopes = importScopes.filter(s => readable.has(s.ref))
  }
  if (!access.canImport) {
    if (!access.serviceMissing) notices.push(`Cache import skipped: ${access.importDenied}.`)
    importScopes = []
  }

  const blocked = backend.exportBlocked?.(inputs)
  const allowed = exportDecision(inputs, chain, access)
  const decision = allowed.cacheExport && blocked ? { cacheExport: false, reason: blocked } : allowed
  if (decision.warning) warnings.push(decision.warning)
  if (!access.canImport && !access.canExport && !access.serviceMissing)
    notices.push(`No ${backend.name} cache for this build (${access.importDenied}): it runs uncached.`)

  const carried = backend.carriedDirectory?.(chain.own, importScopes, settings)
  const hasService = !!settings.actionsCache
  const local: LocalCachePlan | undefined = carried && {
    ...carried,
    canRestore: hasService && access.canImport,
    canSave: hasService && access.canExport && !!chain.own
  }
  if (local && !settings.actionsCache) {
    warnings.push('The local cache directory is not carried between runs: ACTIONS_RUNTIME_TOKEN or the cache service URL is missing.')
  }

  const own = decision.cacheExport ? chain.own : undefined
  const chainImports = importScopes.length ? backend.imports(importScopes, settings) : []
  const mounts = mountCarryOf(inputs, env, context, chain, settings)
  return {
    ...common,
    scope: chain.own ? scopeId(chain.own, settings) : '',
    chain: importScopes.map(scope => ({
      ...scope,
      id: scopeId(scope, settings),
      ...locationOf(scope, chainImports),
      ...(backend.indexKey && { indexKey: backend.indexKey(scope, settings) })
    })),
    // BuildKit's gha client retries a 429 for its own timeout: cache-timeout ends that loop too.
    imports: [...chainImports, ...rawImports(inputs.cacheFrom)].map(i => ({
      ...i,
      attributes: withRetryTimeout(i.attributes, inputs.cacheTimeout)
    })),
    exports: [...(own ? [backend.exportTo(own, settings, chain.imports)] : []), ...inputs.cacheTo.map(decodeSpec)].map(e =>
      withRetryTimeout(e, inputs.cacheTimeout)
    ),
    extraTags: own ? (backend.exportTags?.(own, settings) ?? []) : [],
    cacheExport: decision.cacheExport,
    exportReason: decision.reason,
    importReason: access.importDenied,
    needsBuildKitDriver: TOOLS[inputs.buildTool].traits.driverMayLackExporters && !!backend.needsBuildKitDriver,
    local,
    mounts,
    ...(chain.own &&
      backend.ownedKeys && { ownedKeys: (ref: string) => backend.ownedKeys!({ ...chain.own!, ref }, settings, chain.imports) }),
    ...((backend.ownedKeys || mounts) && { keysOfRef: (ref: string) => keysOfRef(backend, settings, ref) }),
    ...(chain.own && backend.cacheTagOf && { ownedTag: backend.cacheTagOf(chain.own, settings) })
  }
}

/** The same build without any cache export, and why (e.g. the export could not be set up). */
export function withoutExport(p: Plan, reason: string): Plan {
  return { ...p, exports: [], extraTags: [], cacheExport: false, exportReason: reason }
}

/**
 * The tool's command line for the imports that will really be used (envd: the one chosen);
 * with `noCache`, without the builder's cache.
 */
export function invocationOf(plan: Plan, imports: readonly CacheImport[], env: Env, noCache = false): Invocation {
  return TOOLS[plan.tool].invocation(
    noCache ? { ...plan.request, noCache } : plan.request,
    { imports: imports.map(i => i.attributes), exports: plan.exports, extraTags: plan.extraTags },
    env
  )
}

export function specsOf(attributes: readonly Attributes[]): string[] {
  return attributes.map(encodeSpec)
}

/** `text` with every secret replaced by ***. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((line, secret) => line.split(secret).join('***'), text)
}

/** A command line for people: shell-quoted where needed, secrets replaced by ***. */
export function displayCommand(invocation: Invocation, secrets: readonly string[]): string {
  const quoted = [invocation.file, ...invocation.args].map(arg => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
  return maskSecrets(quoted.join(' '), secrets)
}
