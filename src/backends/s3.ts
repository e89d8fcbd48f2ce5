import type { Backend } from './backend.js'
import { type StoreAttributes, encodeKeyPath, importedName, objectStoreBackend } from './object-store.js'

/** Where BuildKit keeps a manifest: `<prefix><manifests_prefix><name>`, manifests_prefix `manifests/` unless given. */
export function s3ManifestKey(attributes: StoreAttributes): string {
  return `${attributes.prefix ?? ''}${attributes.manifests_prefix ?? 'manifests/'}${importedName(attributes)}`
}

/** The manifest object's URL, as the AWS SDK addresses it (path style only when asked, with an endpoint). */
export function s3ObjectUrl(attributes: StoreAttributes, key: string): URL {
  const { bucket, region } = attributes
  const path = encodeKeyPath(key)
  if (!attributes.endpoint_url) return new URL(`https://${bucket}.s3.${region}.amazonaws.com/${path}`)
  const endpoint = new URL(attributes.endpoint_url)
  const base = endpoint.pathname.replace(/\/+$/, '')
  if (/^(1|t|true)$/i.test(attributes.use_path_style ?? '')) return new URL(`${endpoint.origin}${base}/${bucket}/${path}`)
  return new URL(`${endpoint.protocol}//${bucket}.${endpoint.host}${base}/${path}`)
}

/** The URL of the manifest BuildKit reads for an import. */
export function s3ManifestUrl(attributes: StoreAttributes): URL {
  return s3ObjectUrl(attributes, s3ManifestKey(attributes))
}

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
  api: 's3',
  manifestUrl: store => (store.bucket && (store.endpoint_url || store.region) ? s3ManifestUrl(store) : undefined),
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
