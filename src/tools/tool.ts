import type { InputRefusal } from '../inputs.js'
import type { ProgressReader } from '../progress.js'
import type { Attributes } from '../spec.js'

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
}

export interface BuildRequest extends BuildOptions {
  /** Where buildx writes the build's metadata (digest): a path in the runner's temp dir. */
  metadataFile: string
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

export interface Tool {
  name: 'buildx' | 'envd'
  /** envd takes one --import-cache: the action picks the first chain entry that exists. */
  singleImport: boolean
  invocation(request: BuildRequest, cache: CacheFlags, env: Readonly<Record<string, string | undefined>>): Invocation
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
