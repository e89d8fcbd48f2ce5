import { createHash } from 'node:crypto'

// A registry tag's grammar, which is also safe as a gha scope, an S3/Azure object name part
// and a directory name: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
const MAX_NAME = 128
const HASH_LENGTH = 8
const TAG_GRAMMAR = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/**
 * Shapes a name keeps only when the action made it, so no branch can take one over: the two
 * forms safeName gives a changed name, a pull request's scope, a commit's object name, and
 * `--`, which joins names into one registry tag. A name of one of these shapes is hashed.
 */
const RESERVED = [/-[0-9a-f]{8}$/, /^h[0-9a-f]{8}$/, /^pr-\d+$/, /^[0-9a-f]{40}$|^[0-9a-f]{64}$/, /--/, /-$/]

export function shortHash(value: string, length = HASH_LENGTH): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length)
}

/** Whether `name` goes through safeName unchanged. */
export function isPlainName(name: string, maxLength = MAX_NAME): boolean {
  return name.length <= maxLength && TAG_GRAMMAR.test(name) && !RESERVED.some(shape => shape.test(name))
}

/**
 * Turns any ref or image name into a name of the tag grammar, one to one: a name is kept only
 * when it is already plain (see RESERVED); any other name becomes its sanitised, truncated
 * form plus a hash of the original (or `h<hash>` when nothing is left), a shape no kept name
 * has. So `feature/a`, `feature-a` and `feature-a-<hash>` all get names of their own.
 */
export function safeName(raw: string, maxLength = MAX_NAME): string {
  if (isPlainName(raw, maxLength)) return raw
  const suffix = `-${shortHash(raw)}`
  const name = raw
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, maxLength - suffix.length)
    .replace(/-+$/, '')
  return name === '' ? `h${shortHash(raw)}` : `${name}${suffix}`
}

/**
 * Names the action made (safeName's outputs, `pr-<N>`) joined into one name of the tag grammar,
 * one to one: none of them holds `--` or ends in `-`, so `--` between them can always be split
 * again. Over `maxLength`, the join is cut and a hash of it appended after `---`, which no join holds.
 */
export function joinNames(names: readonly string[], maxLength = MAX_NAME): string {
  const joined = names.join('--')
  if (joined.length <= maxLength) return joined
  const suffix = `---${shortHash(joined, 16)}`
  return `${joined.slice(0, maxLength - suffix.length)}${suffix}`
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

/** `host/path:tag`; no host for a reference without one (Docker Hub's short form). */
export function splitImageRef(ref: string): { host?: string; path: string; tag: string } {
  const repository = imageRepository(ref)
  const rest = ref.slice(repository.length)
  return { ...splitRegistryHost(repository), tag: rest.startsWith(':') ? rest.slice(1).split('@')[0] : 'latest' }
}

/** The scheme a registry host answers on: plain HTTP only on the loopback host (as BuildKit does). */
export function registryBaseUrl(host: string): string {
  return `${/^(localhost|127\.|\[::1\])/.test(host) ? 'http' : 'https'}://${host}`
}

/** `ghcr.io/org/app:1.0` → `org/app`: the repository path without its registry host. */
export function imagePath(image: string): string {
  return splitRegistryHost(imageRepository(image)).path
}

/**
 * The platforms a build targets, as one name: `linux/amd64,linux/arm64` → `linux-amd64.linux-arm64`
 * (sorted: the order names the same build). Parts holding anything but [a-z0-9] would make the
 * readable form ambiguous, so such a list is hashed.
 */
export function platformsName(platforms: readonly string[]): string {
  const sorted = [...new Set(platforms.map(p => p.trim()).filter(Boolean))].sort()
  const parts = sorted.map(platform => platform.split('/'))
  const readable = parts.every(p => p.every(part => /^[a-z0-9]+$/.test(part)))
  return safeName(readable ? parts.map(p => p.join('-')).join('.') : sorted.join(','))
}
