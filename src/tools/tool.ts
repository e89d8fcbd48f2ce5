import type { InputRefusal } from '../core/input-error.js'
import type { ProgressReader } from '../core/progress.js'
import type { Attributes } from '../core/spec.js'
import type { Env } from '../core/context.js'

/** The build as the user asked for it (the tool's own flags), independent of caching. */
export interface BuildOptions {
  context: string
  file?: string
  tags: string[]
  push: boolean
  load: boolean
  platforms: string[]
  buildArgs: string[]
  labels: string[]
  target?: string
  outputs: string[]
  builder?: string
  /** Build without the builder's cache (also what a rebuild after a stalled import asks). */
  noCache: boolean
  noCacheFilters: string[]
  pull: boolean
  network?: string
  addHosts: string[]
  shmSize?: string
  ulimit: string[]
  cgroupParent?: string
  allow: string[]
  buildContexts: string[]
  annotations: string[]
  call?: string
  /** build-push-action's `provenance`: true, false, or attributes (`mode=max`, …); unset: its default. */
  provenance?: string
  /** build-push-action's `sbom`: true, false, or attributes (`generator=<image>`, …). */
  sbom?: string
  /** `--attest` values, one per line (`type=sbom,generator=<image>`, …). */
  attests: string[]
  /** Secrets a RUN step may mount, in the order given: `secrets`, then `secret-files`, then `secret-envs`. */
  secrets: SecretSource[]
  /** `--ssh` values: `default`, or `<id>=<socket or key>`. */
  ssh: string[]
}

/** A build secret by id: a value (`secrets`), a file (`secret-files`) or a variable of the builder's environment (`secret-envs`). */
export type SecretSource = { id: string; value: string } | SecretMount

/** A secret as the builder is told of it: never a value, so none reaches a command line. */
export type SecretMount = { id: string; file: string } | { id: string; env: string }

export interface BuildRequest extends Omit<BuildOptions, 'secrets'> {
  /** Where buildx writes the build's metadata (digest): a path in the runner's temp dir. */
  metadataFile: string
  /**
   * The mode of build-push-action's default provenance for this run: max for a public
   * repository, min for a private one. Unset: none, the builder cannot attach attestations.
   */
  defaultProvenance?: 'min' | 'max'
  /** The `secrets` values are written to files first (the plan's secretFiles), and mounted from there. */
  secrets: SecretMount[]
}

export interface CacheFlags {
  imports: Attributes[]
  exports: Attributes[]
  /** Image tags the cache needs on top of the user's (inline cache). */
  extraTags: string[]
}

export interface Invocation {
  file: string
  args: string[]
  /** Variables set for the child on top of the action's own environment. */
  env: Record<string, string>
}

/** What a builder does with cache specs and images: what backends and the run ask of it. */
export interface BuilderTraits {
  /** Takes one --import-cache (envd): the action picks the first chain entry that exists. */
  singleImport: boolean
  /** Reads the cache service's URL and token and the AWS credentials from its own environment (buildx); else they travel in the spec. */
  readsCredentialEnv: boolean
  /** Writes one image name, so a cache tag cannot be a second name of the build: the action tags the pushed image afterwards (envd). */
  pushesOneName: boolean
  /** Builds on a builder whose driver may lack some cache exporters (buildx's docker driver). */
  driverMayLackExporters: boolean
  /** Prints BuildKit's plain progress (envd): cache import and export times and a hit's scope are not in it. */
  plainProgress: boolean
  /** Can build without the builder's cache when asked (buildx --no-cache). */
  canBuildWithoutCache: boolean
  /** Builds a Dockerfile whose cache mounts a generated buildx build on the same builder reaches (cache-mounts). */
  reachesCacheMounts: boolean
}

export interface Tool {
  name: string
  traits: BuilderTraits
  invocation(request: BuildRequest, cache: CacheFlags, env: Env): Invocation
  /**
   * Commands that point the tool at `request.builder` before the build: tried in order
   * until one succeeds (e.g. create a context, else use the one that exists).
   */
  prepare?(request: BuildRequest): Invocation[]
  /** Whether the build hands its image to a Docker engine (envd without an output loads it). */
  needsDockerEngine?(request: BuildRequest): boolean
  /** A build input the tool cannot take (one line, naming the input), or undefined. */
  check?(options: BuildOptions): InputRefusal | undefined
  /** A reader for the progress the tool prints. */
  progress(): ProgressReader
}

/** `--flag value` for each value. */
export function repeated(flag: string, values: readonly string[]): string[] {
  return values.flatMap(value => [flag, value])
}
