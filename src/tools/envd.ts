import { PlainProgressReader } from '../progress.js'
import { encodeSpec } from '../spec.js'
import { shortHash } from '../names.js'
import { type Tool, repeated } from './tool.js'

/**
 * `envd build`: `context` is envd's `--path`, `file` its `--from` (`build.envd:build`), the
 * first tag its `--tag`, `outputs` its `--output`. One `--import-cache` and one `--export-cache`.
 */
// Each run() of a build.envd becomes a `bash -c …` vertex: those are the steps a cache saves.
const ENVD_STEP = /^bash -c /

/** `unix:///run/buildkitd.sock` → unix + the bare path (envd stores `unix://` itself); `tcp://h:p` → tcp + h:p. */
export function envdBuilderAddress(address: string): { kind: string; address: string } {
  const match = /^([a-z-]+):\/\/(.*)$/.exec(address)
  return match ? { kind: match[1], address: match[2] } : { kind: 'unix', address }
}

export const envd: Tool = {
  name: 'envd',
  singleImport: true,
  progress: () => new PlainProgressReader(ENVD_STEP),
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
    const args = [
      'build',
      '--path', request.context,
      ...(request.file ? ['--from', request.file] : []),
      ...(request.tags.length ? ['--tag', request.tags[0]] : []),
      ...(request.platforms.length ? ['--platform', request.platforms.join(',')] : []),
      ...repeated('--output', request.outputs),
      ...repeated('--import-cache', cache.imports.slice(0, 1).map(encodeSpec)),
      ...repeated('--export-cache', cache.exports.slice(0, 1).map(encodeSpec))
    ]
    // envd sends usage data unless told not to; a CI build should not, unless the user asks.
    const childEnv: Record<string, string> = env.ENVD_ANALYTICS === undefined ? { ENVD_ANALYTICS: 'false' } : {}
    return { file: 'envd', args, env: childEnv }
  }
}
