import { join } from 'node:path'
import { type Backend, type BackendSettings, type CarriedDirectory, exportAttributes, scopeId } from './backend.js'
import type { Scope } from '../core/scopes.js'

/**
 * A directory carried between runs by @actions/cache: one directory is restored through the
 * chain's restore keys and the build exports into it again, so BuildKit writes only the blobs
 * it does not already hold (a fresh directory would take a copy of every layer); the blobs the
 * new manifest no longer reaches are deleted after the build. envd imports a local cache only
 * with an export to the same directory, so this is its way too.
 */
const layoutDir = (settings: BackendSettings) => join(settings.cacheDir, 'cache')

/** The key prefix of a scope's saved directories; `#` ends the scope, so `main#` never matches `main-hotfix#…`. */
export function localKeyPrefix(scope: Scope, settings: BackendSettings): string {
  return `buildkit-${scopeId(scope, settings)}#`
}

/** One directory per namespace, saved per commit under its scope and restored through the chain's keys. */
function carriedDirectory(own: Scope | undefined, chain: readonly Scope[], settings: BackendSettings): CarriedDirectory {
  const keyOf = (scope: Scope) => localKeyPrefix(scope, settings)
  const keyScope = own ?? chain[0] ?? { name: 'none', ref: '', role: 'own' }
  return {
    dir: layoutDir(settings),
    key: `${keyOf(keyScope)}${settings.sha}`,
    restoreKeys: chain.map(keyOf)
  }
}

export const local: Backend = {
  name: 'local',
  sharedOptions: [],
  exportOptions: ['compression', 'compression-level', 'force-compression', 'oci-mediatypes', 'image-manifest', 'ignore-error'],
  usesActionsCache: true,
  importsOnClassicDockerStore: true,
  carriedDirectory,
  imports: (chain, settings) => {
    const src = layoutDir(settings)
    return [
      {
        label: chain.map(scope => scope.name).join(' → ') || src,
        ...(chain.length === 1 && { scope: chain[0] }),
        ...(chain.length > 1 && { wholeChain: true }),
        attributes: [
          ['type', 'local'],
          ['src', src]
        ],
        probe: { kind: 'directory', path: src }
      }
    ]
  },
  ownedKeys: (own, settings) => {
    const prefix = localKeyPrefix(own, settings)
    return { prefix, matches: key => key.startsWith(prefix) }
  },
  exportTo: (_own, settings) => [['type', 'local'], ['dest', layoutDir(settings)], ...exportAttributes(local, settings)]
}
