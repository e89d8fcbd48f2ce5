import { join } from 'node:path'
import { type Backend, type BackendSettings, type CarriedDirectory, exportAttributes, scopeId } from './backend.js'
import type { Scope } from '../core/scopes.js'

/**
 * A directory carried between runs by @actions/cache: one directory is restored through the
 * chain's restore keys, and the export goes to a fresh directory that replaces it, so dead
 * blobs never accumulate. envd imports only with the manifest digest and an export to the
 * same directory, so for envd both point at the restored one (compacted after the build).
 */
export const LOCAL_IMPORT_DIR = 'cache'
export const LOCAL_EXPORT_DIR = 'cache-new'

/** The key prefix of a scope's saved directories; `#` ends the scope, so `main#` never matches `main-hotfix#…`. */
export function localKeyPrefix(scope: Scope, settings: BackendSettings): string {
  return `buildkit-${scopeId(scope, settings)}#`
}

/** buildx exports to a fresh directory; a builder that imports only with an export there writes into the restored one. */
export function localExportDir(settings: BackendSettings): string {
  return join(settings.cacheDir, settings.builder.localImportNeedsExportThere ? LOCAL_IMPORT_DIR : LOCAL_EXPORT_DIR)
}

/** One directory per namespace, saved per commit under its scope and restored through the chain's keys. */
function carriedDirectory(own: Scope | undefined, chain: readonly Scope[], settings: BackendSettings): CarriedDirectory {
  const keyOf = (scope: Scope) => localKeyPrefix(scope, settings)
  const keyScope = own ?? chain[0] ?? { name: 'none', ref: '', role: 'own' }
  return {
    dir: settings.cacheDir,
    importDir: join(settings.cacheDir, LOCAL_IMPORT_DIR),
    exportDir: localExportDir(settings),
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
    const src = join(settings.cacheDir, LOCAL_IMPORT_DIR)
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
  exportTo: (_own, settings) => [['type', 'local'], ['dest', localExportDir(settings)], ...exportAttributes(local, settings)]
}
