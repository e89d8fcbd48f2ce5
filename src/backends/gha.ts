import { type Backend, type BackendSettings, type ReadProbe, attribute, exportAttributes, pick, scopeId } from './backend.js'
import type { Scope } from '../core/scopes.js'
import type { Attributes } from '../core/spec.js'
import type { Env } from '../core/context.js'

/**
 * buildx reads the cache service's URL and token from its environment; envd reads neither,
 * so for envd they travel as attributes.
 */
function serviceAttributes(settings: BackendSettings): Attributes {
  const service = settings.actionsCache
  if (settings.builder.readsCredentialEnv || !service) return []
  return service.urlV2
    ? [
        ['url_v2', service.urlV2],
        ['version', '2'],
        ['token', service.token]
      ]
    : [
        ['url', service.url ?? ''],
        ['token', service.token]
      ]
}

/**
 * envd takes a single import, so it cannot walk the chain itself. Under one scope name for
 * every branch, GitHub's ref isolation walks it instead: BuildKit looks the scope's index up
 * under every ref the token may read (own ref, base branch, default branch) and writes under
 * the run's own ref.
 */
function scopeName(scope: Scope, settings: BackendSettings): string {
  return settings.builder.singleImport ? settings.namespace || 'buildkit' : scopeId(scope, settings)
}

/**
 * The name the own scope is written under. For envd that is the chain's one name, except where
 * the own scope lives under the same ref as another scope of the chain (pull_request_target,
 * issue_comment and workflow_run write under the base or default branch's ref): there ref
 * isolation cannot tell them apart, so the own scope keeps a name of its own rather than
 * overwrite that branch's cache.
 */
function exportName(own: Scope, settings: BackendSettings, chain: readonly Scope[]): string {
  const sharesRef = chain.some(scope => scope.name !== own.name && scope.ref === own.ref)
  return settings.builder.singleImport && sharesRef ? scopeId(own, settings) : scopeName(own, settings)
}

function scopeAttributes(name: string, settings: BackendSettings): Attributes {
  return [['type', 'gha'], ['scope', name], ...serviceAttributes(settings)]
}

/** The cache service a gha spec talks to, as buildx fills it (attributes first, then the environment). */
function ghaService(attributes: Attributes, env: Env): { url: string; v2: boolean; token: string } | undefined {
  const token = attribute(attributes, 'token') ?? env.ACTIONS_RUNTIME_TOKEN
  const v2 = (attribute(attributes, 'version') ?? (env.ACTIONS_CACHE_SERVICE_V2 === 'true' ? '2' : '1')) === '2'
  const url = v2
    ? (attribute(attributes, 'url_v2') ?? env.ACTIONS_RESULTS_URL)
    : (attribute(attributes, 'url') ?? env.ACTIONS_CACHE_URL ?? env.ACTIONS_RESULTS_URL)
  if (!token || !url) return undefined
  return { url: url.endsWith('/') ? url : `${url}/`, v2, token }
}

/** The cache service's lookup of the scope's index, BuildKit's first read of a gha import. */
function indexLookup(attributes: Attributes, env: Env): ReadProbe | undefined {
  const service = ghaService(attributes, env)
  if (!service) return undefined
  const key = `index-${attribute(attributes, 'scope') ?? 'buildkit'}-`
  const auth = { Authorization: `Bearer ${service.token}` }
  return service.v2
    ? {
        what: `the cache service (GetCacheEntryDownloadURL ${key})`,
        url: `${service.url}twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL`,
        init: {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ key, restore_keys: [key], version: 'probe' })
        }
      }
    : {
        what: `the cache service (cache ${key})`,
        url: `${service.url}_apis/artifactcache/cache?keys=${encodeURIComponent(key)}&version=probe`,
        init: { method: 'GET', headers: { ...auth, Accept: 'application/json;api-version=6.0-preview.1' } }
      }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export const gha: Backend = {
  name: 'gha',
  sharedOptions: ['timeout'],
  exportOptions: ['ignore-error'],
  usesActionsCache: true,
  buildsThroughActionsCache: true,
  retryTimeoutAttribute: 'timeout',
  readProbe: indexLookup,
  imports: (chain, settings) => {
    const scopes = settings.builder.singleImport ? chain.slice(0, 1) : chain
    return scopes.map(scope => ({
      // One import for the whole chain reads no one scope, unless the chain is that scope.
      ...((!settings.builder.singleImport || chain.length === 1) && { scope }),
      ...(settings.builder.singleImport && chain.length > 1 && { wholeChain: true }),
      label: settings.builder.singleImport
        ? `${scopeName(scope, settings)} (read under ${chain.map(s => s.ref).join(', ')})`
        : scopeId(scope, settings),
      attributes: [...scopeAttributes(scopeName(scope, settings), settings), ...pick(settings.options, gha.sharedOptions)]
    }))
  },
  exportTo: (own, settings, chain) => [...scopeAttributes(exportName(own, settings, chain), settings), ...exportAttributes(gha, settings)],
  ownedKeys: (own, settings, chain) => {
    const name = exportName(own, settings, chain)
    const index = new RegExp(`^index-${escapeRegExp(name)}-\\d+-[0-9a-f]+(#\\d+)?$`)
    return { prefix: `index-${name}-`, matches: key => index.test(key) }
  },
  // BuildKit keeps a scope's cache index as `index-<scope>-<version>-<ref hash>` under the ref that wrote it.
  indexKey: (scope, settings) => `index-${scopeName(scope, settings)}-`
}
