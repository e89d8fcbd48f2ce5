import { createHash } from 'node:crypto'

// A registry tag's grammar, which is also safe as a gha scope, an S3/Azure object name part
// and a directory name: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
const MAX_NAME = 128
const HASH_LENGTH = 8

export function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, HASH_LENGTH)
}

/**
 * Turns any ref or image name into a name of the tag grammar. When that changed the name
 * (or truncated it), a hash of the original is appended so that `feature/a` and `feature-a`
 * never share a scope.
 */
export function safeName(raw: string, maxLength = MAX_NAME): string {
  let name = raw
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
  if (name === raw && name !== '' && name.length <= maxLength) return name
  const suffix = `-${shortHash(raw)}`
  name = name.replace(/-+$/, '').slice(0, maxLength - suffix.length).replace(/-+$/, '')
  return name === '' ? `h${shortHash(raw)}` : `${name}${suffix}`
}

/** `ghcr.io/org/app:1.0` → `ghcr.io/org/app` (drops the tag and digest, keeps a registry port). */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0]
  const lastSlash = withoutDigest.lastIndexOf('/')
  const lastColon = withoutDigest.lastIndexOf(':')
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest
}

/** `ghcr.io/org/app` → { host: 'ghcr.io', path: 'org/app' }; no host in Docker Hub's short form. */
export function splitRegistryHost(repository: string): { host?: string; path: string } {
  const [first, ...rest] = repository.split('/')
  const isHost = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost')
  return isHost ? { host: first, path: rest.join('/') } : { path: repository }
}

/** `ghcr.io/org/app:1.0` → `org/app`: the repository path without its registry host. */
export function imagePath(image: string): string {
  return splitRegistryHost(imageRepository(image)).path
}
