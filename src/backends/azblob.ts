import type { Backend } from './backend.js'
import { type StoreAttributes, encodeKeyPath, importedName, objectStoreBackend } from './object-store.js'

/**
 * Where BuildKit keeps a manifest blob in its container: the path join of prefix,
 * manifests_prefix (`manifests` unless given) and name.
 */
export function azblobManifestKey(attributes: StoreAttributes): string {
  const parts = [attributes.prefix ?? '', attributes.manifests_prefix ?? 'manifests', importedName(attributes)]
  return parts
    .join('/')
    .split('/')
    .filter(part => part !== '' && part !== '.')
    .join('/')
}

/** The blob's URL, in container `buildkit-cache` unless given. */
export function azblobObjectUrl(attributes: StoreAttributes, key: string): URL {
  const base = attributes.account_url.replace(/\/+$/, '')
  return new URL(`${base}/${encodeURIComponent(attributes.container ?? 'buildkit-cache')}/${encodeKeyPath(key)}`)
}

/** The URL of the manifest blob BuildKit reads for an import. */
export function azblobManifestUrl(attributes: StoreAttributes): URL {
  return azblobObjectUrl(attributes, azblobManifestKey(attributes))
}

/**
 * BuildKit reads BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME only from its own daemon's environment
 * and the account key from no variable at all, and neither buildx nor envd copies them into
 * the spec: the action does, from the step's environment, for attributes not given.
 */
export const azureCredentialsFromEnv: NonNullable<Backend['optionsFromEnv']> = (env, _tool, given) => {
  const taken: Record<string, string> = {}
  if (!given.account_name && env.BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME) taken.account_name = env.BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME
  if (!given.secret_access_key && env.BUILDKIT_AZURE_STORAGE_ACCESS_KEY) taken.secret_access_key = env.BUILDKIT_AZURE_STORAGE_ACCESS_KEY
  return taken
}

export const azblob = objectStoreBackend({
  name: 'azblob',
  api: 'azblob',
  manifestUrl: store => (store.account_url ? azblobManifestUrl(store) : undefined),
  sharedOptions: ['account_url', 'account_name', 'secret_access_key', 'container', 'prefix', 'blobs_prefix', 'manifests_prefix'],
  exportOptions: ['ignore-error'],
  secretOptions: ['secret_access_key'],
  requiredOptions: ['account_url'],
  optionsFromEnv: azureCredentialsFromEnv
})
