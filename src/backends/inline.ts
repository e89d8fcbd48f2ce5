import type { Backend } from './backend.js'
import type { BuildOptions } from '../tools/tool.js'
import { cacheImageRef, checkCacheRepository, registry } from './registry.js'

/** `push: true`, or an output that writes to a registry. */
function pushesImage(request: BuildOptions): boolean {
  return request.push || request.outputs.some(output => /(^|,)(push=true|type=registry)(,|$)/.test(output))
}

/**
 * The cache travels inside the pushed image, so every scope is an image tag: the build is
 * tagged with its own scope's cache tag, and imports read the chain's tags as registry caches.
 */
export const inline: Backend = {
  name: 'inline',
  sharedOptions: [],
  exportOptions: [],
  minOnly: 'inline cache holds only the layers of the final image',
  exportedWithImage: true,
  check: checkCacheRepository,
  exportBlocked: request =>
    pushesImage(request)
      ? undefined
      : 'inline cache travels inside the pushed image and this build pushes none (push: false); the next build imports the last pushed ' +
        'one. Use the registry backend to export without pushing',
  imports: registry.imports,
  exportTo: () => [['type', 'inline']],
  cacheTagOf: cacheImageRef,
  importNotFound: registry.importNotFound,
  exportTags: (own, settings) => [cacheImageRef(own, settings)]
}
