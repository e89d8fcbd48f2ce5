import { type Backend, type BackendSettings, exportAttributes } from './backend.js'
import type { Scope } from '../scopes.js'
import { safeName } from '../names.js'

/**
 * The cache tag of a scope. In the image's own repository the tags start with `buildcache-` so
 * they never clash with the image's own tags; in a repository given as `cache-ref`, which
 * several images may share, the namespace leads instead.
 */
export function cacheTag(scope: Scope, settings: BackendSettings): string {
  // safeName, not a plain `/` → `-`, so that `org/app` and `org-app` never share a tag.
  const namespace = settings.namespace ? safeName(settings.namespace) : ''
  const lead = settings.cacheRepositoryGiven
    ? namespace
    : settings.explicitNamespace ? `buildcache-${namespace}` : 'buildcache'
  return safeName(`${lead}-${scope.name}`)
}

export function cacheImageRef(scope: Scope, settings: BackendSettings): string {
  return `${settings.cacheRepository}:${cacheTag(scope, settings)}`
}

export function checkCacheRepository(settings: BackendSettings): string | undefined {
  return settings.cacheRepository
    ? undefined
    : 'cache-ref: required for this backend when no tags are given (the cache repository is derived from the first tag)'
}

export const registry: Backend = {
  name: 'registry',
  sharedOptions: [],
  exportOptions: ['compression', 'compression-level', 'force-compression', 'oci-mediatypes', 'image-manifest', 'ignore-error'],
  check: checkCacheRepository,
  imports: (chain, settings) =>
    chain.map(scope => {
      const ref = cacheImageRef(scope, settings)
      return { label: ref, attributes: [['type', 'registry'], ['ref', ref]], probe: { kind: 'registry', ref } }
    }),
  exportTo: (own, settings) => [['type', 'registry'], ['ref', cacheImageRef(own, settings)], ...exportAttributes(registry, settings)]
}
