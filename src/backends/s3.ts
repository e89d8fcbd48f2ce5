import type { Backend } from './backend.js'
import { objectStoreBackend } from './object-store.js'

/**
 * buildx copies the AWS credentials of its own environment into the spec; envd sends only the
 * spec, and BuildKit reads only its daemon's environment (else the instance metadata service).
 * So for envd the action does what buildx does: the step's AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN fill the attributes not given, unless both the
 * key id and the secret are given (then the session token is left alone too).
 */
export const awsCredentialsFromEnv: NonNullable<Backend['optionsFromEnv']> = (env, builder, given) => {
  if (builder.readsCredentialEnv || (given.access_key_id && given.secret_access_key)) return {}
  const taken: Record<string, string> = {}
  const take = (key: string, variable: string) => {
    if (!given[key] && env[variable]) taken[key] = env[variable]!
  }
  take('access_key_id', 'AWS_ACCESS_KEY_ID')
  take('secret_access_key', 'AWS_SECRET_ACCESS_KEY')
  take('session_token', 'AWS_SESSION_TOKEN')
  return taken
}

export const s3 = objectStoreBackend({
  name: 's3',
  sharedOptions: [
    'bucket',
    'region',
    'endpoint_url',
    'use_path_style',
    'access_key_id',
    'secret_access_key',
    'session_token',
    'prefix',
    'blobs_prefix',
    'manifests_prefix'
  ],
  exportOptions: ['ignore-error', 'touch_refresh', 'upload_parallelism'],
  secretOptions: ['access_key_id', 'secret_access_key', 'session_token'],
  requiredOptions: ['bucket', 'region'],
  optionsFromEnv: awsCredentialsFromEnv
})
