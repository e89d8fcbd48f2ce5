import type { Backend } from './backend.js'
import { objectStoreBackend } from './object-store.js'

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
  sharedOptions: ['account_url', 'account_name', 'secret_access_key', 'container', 'prefix', 'blobs_prefix', 'manifests_prefix'],
  exportOptions: ['ignore-error'],
  secretOptions: ['secret_access_key'],
  requiredOptions: ['account_url'],
  optionsFromEnv: azureCredentialsFromEnv
})
