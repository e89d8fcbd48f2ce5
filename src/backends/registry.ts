import { type Backend, type BackendSettings, attribute, exportAttributes } from './backend.js'
import type { Scope } from '../core/scopes.js'
import type { InputRefusal } from '../core/input-error.js'
import { joinNames, registryBaseUrl, splitImageRef } from '../core/names.js'

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
  importsOnClassicDockerStore: true,
  importLocation: attributes => attribute(attributes, 'ref'),
  readProbe: attributes => {
    const ref = attribute(attributes, 'ref')
    const { host, path, tag } = ref ? splitImageRef(ref) : { host: undefined, path: '', tag: '' }
    if (!host) return undefined
    return {
      what: `the registry ${host} (manifest ${path}:${tag})`,
      url: `${registryBaseUrl(host)}/v2/${path}/manifests/${encodeURIComponent(tag)}`,
      init: { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' } }
    }
  },
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
