import { PlainProgressReader } from '../progress.js'
import { encodeSpec } from '../spec.js'
import { type Tool, repeated } from './tool.js'

/**
 * `envd build`: `context` is envd's `--path`, `file` its `--from` (`build.envd:build`), the
 * first tag its `--tag`, `outputs` its `--output`. One `--import-cache` and one `--export-cache`.
 */
export const envd: Tool = {
  name: 'envd',
  singleImport: true,
  progress: () => new PlainProgressReader(),
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
