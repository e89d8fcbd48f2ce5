import { type Backend, type BackendSettings, exportAttributes } from './backend.js'
import type { Scope } from '../core/scopes.js'
import type { InputRefusal } from '../core/inputs.js'
import { joinNames } from '../core/names.js'

/**
 * The cache tag of a scope: `buildcache-` and the names that tell it from every other scope
 * in the repository, joined one to one (`joinNames`), so no two scopes share a tag.
 */
export function cacheTag(scope: Scope, settings: BackendSettings): string {
  const lead = 'buildcache-'
  return `${lead}${joinNames([...settings.tagNamespace, scope.name], 128 - lead.length)}`
}

export function cacheImageRef(scope: Scope, settings: BackendSettings): string {
  return `${settings.cacheRepository}:${cacheTag(scope, settings)}`
}

export function checkCacheRepository(settings: BackendSettings): InputRefusal | undefined {
  return settings.cacheRepository
    ? undefined
    : {
        input: 'cache-ref',
        reason: 'required for this backend when no tags are given (the cache repository is derived from the first tag)'
      }
}

export const registry: Backend = {
  name: 'registry',
  sharedOptions: [],
  exportOptions: ['compression', 'compression-level', 'force-compression', 'oci-mediatypes', 'image-manifest', 'ignore-error'],
  check: checkCacheRepository,
  cacheTagOf: cacheImageRef,
  // The registry's resolver fails a missing tag with `<ref>: not found`.
  importNotFound: /: not found$/,
  imports: (chain, settings) =>
    chain.map(scope => {
      const ref = cacheImageRef(scope, settings)
      return {
        label: ref,
        scope,
        attributes: [
          ['type', 'registry'],
          ['ref', ref]
        ],
        probe: { kind: 'registry', ref }
      }
    }),
  exportTo: (own, settings) => [['type', 'registry'], ['ref', cacheImageRef(own, settings)], ...exportAttributes(registry, settings)]
}
