import { DOCKERFILE_STEP, RawJsonReader } from '../core/progress.js'
import { usesCacheServiceV2 } from '../core/access.js'
import { encodeSpec } from '../core/spec.js'
import { attestValues } from './attests.js'
import { type Tool, repeated } from './tool.js'

/**
 * `docker buildx build`. The cache service's URL and token stay in the environment, where
 * buildx reads them, so they never appear on the command line.
 */
export const buildx: Tool = {
  name: 'buildx',
  traits: {
    singleImport: false,
    readsCredentialEnv: true,
    pushesOneName: false,
    driverMayLackExporters: true,
    plainProgress: false,
    canBuildWithoutCache: true,
    reachesCacheMounts: true
  },
  progress: () => new RawJsonReader(DOCKERFILE_STEP),
  invocation(request, cache, env) {
    const args = [
      'buildx',
      'build',
      ...(request.builder ? ['--builder', request.builder] : []),
      ...(request.file ? ['--file', request.file] : []),
      ...repeated('--tag', [...request.tags, ...cache.extraTags]),
      ...(request.platforms.length ? ['--platform', request.platforms.join(',')] : []),
      ...repeated('--build-arg', request.buildArgs),
      ...repeated('--label', request.labels),
      ...(request.target ? ['--target', request.target] : []),
      ...(request.noCache ? ['--no-cache'] : []),
      ...repeated('--no-cache-filter', request.noCacheFilters),
      ...(request.pull ? ['--pull'] : []),
      ...(request.network ? ['--network', request.network] : []),
      ...repeated('--add-host', request.addHosts),
      ...(request.shmSize ? ['--shm-size', request.shmSize] : []),
      ...repeated('--ulimit', request.ulimit),
      ...(request.cgroupParent ? ['--cgroup-parent', request.cgroupParent] : []),
      ...(request.allow.length ? ['--allow', request.allow.join(',')] : []),
      ...repeated('--build-context', request.buildContexts),
      ...repeated('--annotation', request.annotations),
      ...repeated('--attest', attestValues(request, env)),
      ...(request.call ? ['--call', request.call] : []),
      ...repeated(
        '--secret',
        request.secrets.map(secret => encodeSpec([['id', secret.id], 'file' in secret ? ['src', secret.file] : ['env', secret.env]]))
      ),
      ...repeated('--ssh', request.ssh),
      ...repeated('--output', request.outputs),
      ...(request.push ? ['--push'] : []),
      ...(request.load ? ['--load'] : []),
      ...repeated('--cache-from', cache.imports.map(encodeSpec)),
      ...repeated('--cache-to', cache.exports.map(encodeSpec)),
      '--metadata-file',
      request.metadataFile,
      '--progress',
      'rawjson',
      request.context
    ]
    // Without it, buildx reads ACTIONS_RESULTS_URL as a v1 URL when ACTIONS_CACHE_URL is absent.
    const toldV2 = /^(true|1)$/i.test(env.ACTIONS_CACHE_SERVICE_V2 ?? '')
    const childEnv: Record<string, string> = usesCacheServiceV2(env) && !toldV2 ? { ACTIONS_CACHE_SERVICE_V2: 'true' } : {}
    return { file: 'docker', args, env: childEnv }
  }
}
