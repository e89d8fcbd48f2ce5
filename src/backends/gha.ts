import { type Backend, type BackendSettings, exportAttributes, pick, scopeId } from './backend.js'
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

export const gha: Backend = {
  name: 'gha',
  sharedOptions: ['timeout'],
  exportOptions: ['ignore-error'],
  usesActionsCache: true,
  imports: (chain, settings) =>
    chain.map(scope => ({
      label: scopeId(scope, settings),
      attributes: [['type', 'gha'], ['scope', scopeId(scope, settings)], ...serviceAttributes(settings), ...pick(settings.options, gha.sharedOptions)]
    })),
  exportTo: (own, settings) => [
    ['type', 'gha'],
    ['scope', scopeId(own, settings)],
    ...serviceAttributes(settings),
    ...exportAttributes(gha, settings)
  ]
}
