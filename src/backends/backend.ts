import type { Attributes } from '../core/spec.js'
import type { Env } from '../core/context.js'
import type { InputRefusal } from '../core/input-error.js'
import type { Scope } from '../core/scopes.js'
import type { BuildOptions, BuilderTraits } from '../tools/tool.js'

/** What a backend needs to place a scope: everything is resolved and validated before. */
export interface BackendSettings {
  /** What the builder does with specs (whether it reads credentials itself, takes one import, ...). */
  builder: BuilderTraits
  /** The namespace that keeps images or targets of one repository apart, e.g. `octo-org/app`. */
  namespace: string
  /**
   * The namespace's parts a registry cache tag must carry: every part in a repository given as
   * `cache-ref` (several images may share it), else only what the image's own repository does
   * not already say (a `scope-prefix`, the platforms). Each part is a safeName output.
   */
  tagNamespace: string[]
  mode: 'min' | 'max'
  /** User attributes from `cache-options`, already checked against the backend's keys. */
  options: Record<string, string>
  /** Registry repository for cache manifests (registry, inline), e.g. `ghcr.io/org/app`. */
  cacheRepository?: string
  /** The repository came from `cache-ref` (possibly shared by several images), not from the first tag. */
  cacheRepositoryGiven: boolean
  /** Directory the local cache is restored to and exported from. */
  cacheDir: string
  /** The GitHub Actions cache service, for tools that do not read it from the environment. */
  actionsCache?: { url?: string; urlV2?: string; token: string }
  sha: string
}

/** A directory a backend's cache lives in on the runner, carried between runs by @actions/cache. */
export interface CarriedDirectory {
  /** Restored before the build, imported from and exported into, saved by the post step. */
  dir: string
  /** Saved under this key; restored by `key`, then by each restore key (a prefix) in order. */
  key: string
  restoreKeys: string[]
}

export interface KeyMatch {
  prefix: string
  matches(key: string): boolean
}

/** The API an object store speaks: where BuildKit keeps a manifest object in it and how a request to it is signed. */
export type StoreApi = 's3' | 'azblob'

/** A place to look for cache: its spec attributes and how the action can tell whether it exists. */
export interface CacheImport {
  label: string
  /** The one chain scope this import reads, when it reads exactly one (the summary marks it). */
  scope?: Scope
  /** One import reads every scope of the chain (a restored directory, gha read under each ref): its failure is theirs. */
  wholeChain?: boolean
  attributes: Attributes
  /** How to tell before the build whether there is anything there (used where only one import is allowed). */
  probe?: { kind: 'directory'; path: string } | { kind: 'registry'; ref: string } | { kind: 'object-store'; api: StoreApi }
}

/** A request made as BuildKit would make it; the effects send it. */
export interface ReadProbe {
  /** What is asked, for the warning (never holds the token). */
  what: string
  url: string
  init: { method: string; headers: Record<string, string>; body?: string }
}

export interface Backend {
  name: string
  /** `cache-options` keys that go to both import and export specs, and to exports only. */
  sharedOptions: readonly string[]
  exportOptions: readonly string[]
  /**
   * BuildKit's words for "this scope has no cache yet" on an import vertex. Without them every
   * import error is a failure: gha, s3, azblob and local give a missing index no error at all.
   */
  importNotFound?: RegExp
  /** The attribute that bounds BuildKit's own retries against the server (gha: `timeout`), set from cache-timeout. */
  retryTimeoutAttribute?: string
  /** Options whose values are credentials: masked in the log. */
  secretOptions?: readonly string[]
  /** Options the backend cannot work without. */
  requiredOptions?: readonly string[]
  /** BuildKit's `docker` driver lacks this exporter: it needs a docker-container or remote builder. */
  needsBuildKitDriver?: boolean
  /** The cache travels inside the built image (inline): no cache exporter writes it, so a builder that has none still can. */
  exportedWithImage?: boolean
  /**
   * BuildKit's `docker` driver imports this cache without the containerd image store (measured:
   * registry and local do; gha answers "unknown cache importer: gha").
   */
  importsOnClassicDockerStore?: boolean
  /** Carried by the GitHub Actions cache service, so GitHub's cache rules apply to it. */
  usesActionsCache?: boolean
  /** BuildKit itself reads and writes the cache service during the build (gha): no service, no cache. */
  buildsThroughActionsCache?: boolean
  /** `min` only (inline): the reason, said as an input error when `max` is asked for. */
  minOnly?: string
  /** Why this build's cache cannot be exported although it may be (inline without a push), or undefined. */
  exportBlocked?(request: BuildOptions): string | undefined
  /** A setting error (one line), or undefined. */
  check?(settings: BackendSettings): InputRefusal | undefined
  imports(chain: readonly Scope[], settings: BackendSettings): CacheImport[]
  /** The export of the own scope; `chain` is the whole scope chain, readable or not. */
  exportTo(own: Scope, settings: BackendSettings, chain: readonly Scope[]): Attributes
  /**
   * The GitHub Actions cache keys the own scope's export is saved under (the key prefix the REST
   * API filters on, and the exact test), so that clean-up deletes them and nothing else.
   */
  ownedKeys?(own: Scope, settings: BackendSettings, chain: readonly Scope[]): KeyMatch
  /**
   * The key prefix of a scope's cache index in the GitHub Actions cache (gha), under the
   * scope's own ref: whether a scope has a cache can then be listed through the REST API.
   */
  indexKey?(scope: Scope, settings: BackendSettings): string
  /**
   * Attributes taken from the step's environment where neither the tool nor BuildKit reads
   * them there (BuildKit reads only its own daemon's environment), for options not given.
   */
  optionsFromEnv?(env: Env, builder: BuilderTraits, given: Readonly<Record<string, string>>): Record<string, string>
  /**
   * The directory the cache lives in, when the backend keeps it on the runner (local): `own` is
   * the scope it is saved under (or undefined), `chain` the readable scopes it is restored from.
   */
  carriedDirectory?(own: Scope | undefined, chain: readonly Scope[], settings: BackendSettings): CarriedDirectory
  /** The registry tag that holds the own scope's cache (registry, inline): what clean-up deletes. */
  cacheTagOf?(own: Scope, settings: BackendSettings): string
  /** Extra image tags the build must carry for the export to be found again (inline). */
  exportTags?(own: Scope, settings: BackendSettings): string[]
  /**
   * The first read BuildKit makes for an import spec of this type: a server that never answers
   * it holds the build up, so the action makes it first. Undefined when the spec does not say where to read.
   */
  readProbe?(attributes: Attributes, env: Env): ReadProbe | undefined
  /** Where an import spec of this type reads, as BuildKit's import line names it (a registry ref); else the line names a hash. */
  importLocation?(attributes: Attributes): string | undefined
}

export function attribute(attributes: Attributes, key: string): string | undefined {
  return attributes.find(([k]) => k === key)?.[1]
}

/** `<namespace>/<scope>`: the id of a scope in backends whose names may hold slashes. */
export function scopeId(scope: Scope, settings: BackendSettings): string {
  return settings.namespace ? `${settings.namespace}/${scope.name}` : scope.name
}

export function pick(options: Record<string, string>, keys: readonly string[]): Array<[string, string]> {
  return keys.filter(key => key in options).map(key => [key, options[key]])
}

/** mode, then the backend's export options, with ignore-error on unless the user chose. */
export function exportAttributes(backend: Backend, settings: BackendSettings): Array<[string, string]> {
  const options = { 'ignore-error': 'true', ...settings.options }
  return [['mode', settings.mode], ...pick(options, [...backend.sharedOptions, ...backend.exportOptions])]
}
