import { objectStoreBackend } from './object-store.js'

export const s3 = objectStoreBackend({
  name: 's3',
  sharedOptions: ['bucket', 'region', 'endpoint_url', 'use_path_style', 'access_key_id', 'secret_access_key', 'session_token', 'prefix', 'blobs_prefix', 'manifests_prefix'],
  exportOptions: ['ignore-error', 'touch_refresh', 'upload_parallelism'],
  secretOptions: ['access_key_id', 'secret_access_key', 'session_token'],
  requiredOptions: ['bucket', 'region']
})
