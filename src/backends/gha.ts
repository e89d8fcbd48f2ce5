import { type Backend, type BackendSettings, exportAttributes, pick, scopeId } from './backend.js'
import type { Scope } from '../scopes.js'
import type { Attributes } from '../spec.js'

/**
 * buildx reads the cache service's URL and token from its environment; envd reads neither,
 * so for envd they travel as attributes.
 */
function serviceAttributes(settings: BackendSettings): Attributes {
  const service = settings.actionsCache
  if (settings.tool !== 'envd' || !service) return []
  return service.urlV2
    ? [['url_v2', service.urlV2], ['version', '2'], ['token', service.token]]
    : [['url', service.url ?? ''], ['token', service.token]]
}

/**
 * envd takes a single import, so it cannot walk the chain itself. Under one scope name for
 * every branch, GitHub's ref isolation walks it instead: BuildKit looks the scope's index up
 * under every ref the token may read (own ref, base branch, default branch) and writes under
 * the run's own ref.
 */
function scopeName(scope: Scope, settings: BackendSettings): string {
  return settings.tool === 'envd' ? settings.namespace || 'buildkit' : scopeId(scope, settings)
}

function scopeAttributes(scope: Scope, settings: BackendSettings): Attributes {
  return [['type', 'gha'], ['scope', scopeName(scope, settings)], ...serviceAttributes(settings)]
}

export const gha: Backend = {
  name: 'gha',
  sharedOptions: ['timeout'],
  exportOptions: ['ignore-error'],
  usesActionsCache: true,
  imports: (chain, settings) => {
    const scopes = settings.tool === 'envd' ? chain.slice(0, 1) : chain
    return scopes.map(scope => ({
      label: settings.tool === 'envd' ? `${scopeName(scope, settings)} (read under ${chain.map(s => s.ref).join(', ')})` : scopeId(scope, settings),
      attributes: [...scopeAttributes(scope, settings), ...pick(settings.options, gha.sharedOptions)]
    }))
  },
  exportTo: (own, settings) => [...scopeAttributes(own, settings), ...exportAttributes(gha, settings)],
  // BuildKit keeps a scope's cache index as `index-<scope>-<version>-<ref hash>` under the ref that wrote it.
  indexKey: (scope, settings) => `index-${scopeName(scope, settings)}-`
}
