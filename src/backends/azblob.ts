import { objectStoreBackend } from './object-store.js'

export const azblob = objectStoreBackend({
  name: 'azblob',
  sharedOptions: ['account_url', 'account_name', 'secret_access_key', 'prefix', 'blobs_prefix', 'manifests_prefix'],
  exportOptions: ['ignore-error'],
  secretOptions: ['secret_access_key'],
  requiredOptions: ['account_url']
})
