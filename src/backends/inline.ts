import type { Backend } from './backend.js'
import { cacheImageRef, checkCacheRepository, registry } from './registry.js'

/**
 * The cache travels inside the pushed image, so every scope is an image tag: the build is
 * tagged with its own scope's cache tag, and imports read the chain's tags as registry caches.
 */
export const inline: Backend = {
  name: 'inline',
  sharedOptions: [],
  exportOptions: [],
  minOnly: 'inline cache holds only the layers of the final image',
  check: checkCacheRepository,
  imports: registry.imports,
  exportTo: () => [['type', 'inline']],
  exportTags: (own, settings) => [cacheImageRef(own, settings)]
}
