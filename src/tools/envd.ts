import { type BuildReport, PlainProgressReader, type ProgressReader } from '../core/progress.js'
import { type Attributes, encodeSpec } from '../core/spec.js'
import { shortHash } from '../core/names.js'
import type { InputRefusal } from '../core/input-error.js'
import { asksForAttestation } from './attests.js'
import { type BuildOptions, type Tool, repeated } from './tool.js'

/**
 * `envd build`: `context` is envd's `--path`, `file` its `--from` (`build.envd:build`), the
 * first tag its `--tag`, `outputs` its `--output`. One `--import-cache` and one `--export-cache`.
 */
// Each run() of a build.envd becomes a `bash -c …` vertex: those are the steps a cache saves.
const ENVD_STEP = /^bash -c /

/**
 * envd's plain progress, with one correction. A cached step whose layers the output needs
 * is not always shown as `#6 CACHED`: BuildKit may show only the download of its layers from
 * the imported cache (`#6 sha256:<hex> 1.2MB / 1.2MB 0.1s done`). A step that ran prints its
 * log under its own number (`#7 0.072 …`, or under `#0`, which names no step); one that only
 * downloaded its layers never ran, so it counts as cached.
 */
export class EnvdProgressReader implements ProgressReader {
  private readonly plain = new PlainProgressReader(ENVD_STEP)
  private readonly downloaded = new Set<string>()
  private readonly ran = new Set<string>()

  line(text: string): string[] {
    const match = /^#(\d+) (.*)$/.exec(text.trimEnd())
    if (match && /^sha256:[0-9a-f]{64} /.test(match[2])) this.downloaded.add(match[1])
    if (match && /^\d+\.\d+ /.test(match[2])) this.ran.add(match[1])
    return this.plain.line(text)
  }

  report(): BuildReport {
    // Told to the plain reader, not printed: the log shows what envd printed.
    for (const id of this.downloaded) if (!this.ran.has(id)) this.plain.line(`#${id} CACHED`)
    return this.plain.report()
  }
}

/** `unix:///run/buildkitd.sock` → unix + the bare path (envd stores `unix://` itself); `tcp://h:p` → tcp + h:p. */
export function envdBuilderAddress(address: string): { kind: string; address: string } {
  const match = /^([a-z-]+):\/\/(.*)$/.exec(address)
  return match ? { kind: match[1], address: match[2] } : { kind: 'unix', address }
}

/**
 * envd's local cache importer answers "unknown service" unless the same build also exports to
 * the same directory. A build that must not export (read-only token, ACTIONS_CACHE_MODE=read,
 * a tag) still writes there, into the restored copy on the runner, and nothing is saved.
 */
function localImportCompanion(imports: readonly Attributes[]): Attributes[] {
  const src = imports[0]?.find(([key]) => key === 'src')?.[1]
  const local = imports[0]?.some(([key, value]) => key === 'type' && value === 'local')
  return local && src
    ? [
        [
          ['type', 'local'],
          ['dest', src],
          ['ignore-error', 'true']
        ]
      ]
    : []
}

/** build-push-action's inputs that only buildx takes (envd's `--force` stands for no-cache). */
const BUILDX_ONLY: Array<[string, (options: BuildOptions) => boolean]> = [
  ['no-cache-filters', o => o.noCacheFilters.length > 0],
  ['pull', o => o.pull],
  ['network', o => !!o.network],
  ['add-hosts', o => o.addHosts.length > 0],
  ['shm-size', o => !!o.shmSize],
  ['ulimit', o => o.ulimit.length > 0],
  ['cgroup-parent', o => !!o.cgroupParent],
  ['allow', o => o.allow.length > 0],
  ['build-contexts', o => o.buildContexts.length > 0],
  ['annotations', o => o.annotations.length > 0],
  ['call', o => !!o.call],
  ['secrets', o => o.secrets.some(secret => 'value' in secret)],
  ['secret-files', o => o.secrets.some(secret => 'file' in secret)],
  ['secret-envs', o => o.secrets.some(secret => 'env' in secret)],
  ['ssh', o => o.ssh.length > 0]
]

/** build-push-action's attestation inputs: envd attaches none, which only an empty (or a false) one asks for. */
const ATTESTATIONS: Array<[string, (options: BuildOptions) => boolean, string]> = [
  ['provenance', o => asksForAttestation(o.provenance), 'empty or false'],
  ['sbom', o => asksForAttestation(o.sbom), 'empty or false'],
  ['attests', o => o.attests.length > 0, 'empty']
]

/**
 * build-push-action's inputs that envd has no flag for. `push` and `load` it has as outputs:
 * push writes the first tag to the registry, load (envd's default without an output) hands the
 * image to Docker.
 */
function unsupported(options: BuildOptions): InputRefusal | undefined {
  if (options.tags.length > 1)
    return { input: 'tags', reason: 'envd takes one image name; give one tag (and tag it again in a later step if needed)' }
  if (options.buildArgs.length) return { input: 'build-args', reason: 'envd has no build arguments; read values in build.envd instead' }
  if (options.labels.length) return { input: 'labels', reason: 'envd cannot set image labels' }
  if (options.target) return { input: 'target', reason: 'envd builds the function named in file (e.g. build.envd:build), not a stage' }
  if (options.push && options.load) return { input: 'load', reason: 'envd writes one output: push or load, not both' }
  if (options.push && options.outputs.length)
    return { input: 'push', reason: 'with outputs given, put push=true in the output (e.g. type=image,name=<ref>,push=true)' }
  if (options.push && !options.tags.length) return { input: 'push', reason: 'envd pushes the image named by tags; give one tag' }
  if (options.load && options.outputs.length)
    return { input: 'load', reason: 'with outputs given, envd does not load the image into Docker' }
  const buildxOnly = BUILDX_ONLY.find(([, given]) => given(options))
  if (buildxOnly) return { input: buildxOnly[0], reason: 'envd has no such build flag' }
  const attesting = ATTESTATIONS.find(([, given]) => given(options))
  if (attesting)
    return { input: attesting[0], reason: `envd attaches no attestations to the image it builds; leave ${attesting[0]} ${attesting[2]}` }
  return undefined
}

export const envd: Tool = {
  name: 'envd',
  traits: {
    singleImport: true,
    readsCredentialEnv: false,
    pushesOneName: true,
    driverMayLackExporters: false,
    plainProgress: true,
    canBuildWithoutCache: false,
    reachesCacheMounts: false
  },
  check: unsupported,
  needsDockerEngine: request => !request.outputs.length && !request.push,
  progress: () => new EnvdProgressReader(),
  prepare(request) {
    if (!request.builder) return []
    const { kind, address } = envdBuilderAddress(request.builder)
    const name = `bcb-${shortHash(request.builder)}`
    const env = { ENVD_ANALYTICS: 'false' }
    return [
      { file: 'envd', args: ['context', 'create', '--name', name, '--builder', kind, '--builder-address', address, '--use'], env },
      { file: 'envd', args: ['context', 'use', '--name', name], env }
    ]
  },
  invocation(request, cache, env) {
    const imports = cache.imports.slice(0, 1)
    const exports = cache.exports.slice(0, 1)
    const args = [
      'build',
      '--path',
      request.context,
      ...(request.file ? ['--from', request.file] : []),
      ...(request.tags.length ? ['--tag', request.tags[0]] : []),
      ...(request.platforms.length ? ['--platform', request.platforms.join(',')] : []),
      ...(request.noCache ? ['--force'] : []),
      ...repeated('--output', request.push ? [`type=image,name=${request.tags[0]},push=true`] : request.outputs),
      ...repeated('--import-cache', imports.map(encodeSpec)),
      ...repeated('--export-cache', (exports.length ? exports : localImportCompanion(imports)).map(encodeSpec))
    ]
    // envd sends usage data unless told not to; a CI build should not, unless the user asks.
    const childEnv: Record<string, string> = env.ENVD_ANALYTICS === undefined ? { ENVD_ANALYTICS: 'false' } : {}
    return { file: 'envd', args, env: childEnv }
  }
}
