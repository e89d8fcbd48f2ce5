// GitHub-shaped Actions runtime tokens for the test bed.
//
// The runner hands every step an ACTIONS_RUNTIME_TOKEN: a JWT whose payload carries the cache
// scopes in `ac`, a JSON *string* of [{"Scope":"refs/heads/main","Permission":3}, ...]
// (1 = read, 2 = write, 3 = both), plus numeric `nbf`/`exp`. Clients (BuildKit, @actions/cache)
// decode it without checking the signature, and so does the cache service stand-in, so the
// signature here is a dummy.

export type Permission = 1 | 2 | 3
export const READ = 1
export const WRITE = 2

export interface TokenScope {
  ref: string
  permission: Permission
}

export interface MintOptions {
  scopes: TokenScope[]
  repositoryId?: string
  expiresInSeconds?: number
  /** Seconds since the epoch; default now - 60 (runners' tokens are valid from slightly before issue). */
  notBefore?: number
}

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url')

export function mintRuntimeToken(opts: MintOptions): string {
  const now = Math.floor(Date.now() / 1000)
  const nbf = opts.notBefore ?? now - 60
  const header = { typ: 'JWT', alg: 'RS256', x5t: 'dGVzdGJlZA' }
  const payload = {
    nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd',
    scp: 'Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:1:1',
    IdentityTypeClaim: 'System:ServiceIdentity',
    ac: JSON.stringify(opts.scopes.map(s => ({ Scope: s.ref, Permission: s.permission }))),
    acsl: '10',
    repository_id: opts.repositoryId ?? '1',
    iss: 'testbed',
    aud: 'testbed',
    nbf,
    iat: nbf,
    exp: now + (opts.expiresInSeconds ?? 6 * 3600)
  }
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url('dummy-signature')}`
}

const branchRef = (b: string): string => (b.startsWith('refs/') ? b : `refs/heads/${b}`)

/** A push to `branch`: its own ref read+write, and (like GitHub) the default branch readable. */
export function pushToken(branch: string, defaultBranch?: string): string {
  const scopes: TokenScope[] = [{ ref: branchRef(branch), permission: 3 }]
  if (defaultBranch && branchRef(defaultBranch) !== branchRef(branch)) {
    scopes.push({ ref: branchRef(defaultBranch), permission: 1 })
  }
  return mintRuntimeToken({ scopes })
}

/** A pull_request run: refs/pull/N/merge read+write, then its base and the default branch readable. */
export function pullRequestToken(n: number, base: string, defaultBranch?: string): string {
  const scopes: TokenScope[] = [{ ref: `refs/pull/${n}/merge`, permission: 3 }]
  for (const b of [base, defaultBranch]) {
    if (b && !scopes.some(s => s.ref === branchRef(b))) scopes.push({ ref: branchRef(b), permission: 1 })
  }
  return mintRuntimeToken({ scopes })
}

/** A token that may read the given refs (branch names or full refs) and write nothing. */
export function readOnlyToken(...refs: string[]): string {
  return mintRuntimeToken({ scopes: refs.map(r => ({ ref: branchRef(r), permission: 1 as Permission })) })
}

export interface DecodedToken {
  scopes: TokenScope[]
  exp: number
  nbf: number
  repositoryId?: string
}

/** Decodes a runtime token (no signature check). Throws with a reason on anything malformed. */
export function decodeRuntimeToken(token: string): DecodedToken {
  const parts = token.split('.')
  if (parts.length !== 3) throw new Error('token is not a JWT')
  let payload: Record<string, unknown>
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch {
    throw new Error('token payload is not JSON')
  }
  if (typeof payload.ac !== 'string') throw new Error('token has no "ac" claim string')
  if (typeof payload.exp !== 'number' || typeof payload.nbf !== 'number') {
    throw new Error('token has no numeric exp/nbf')
  }
  const raw = JSON.parse(payload.ac) as { Scope?: unknown; Permission?: unknown }[]
  if (!Array.isArray(raw)) throw new Error('"ac" is not a JSON array')
  const scopes = raw.map(s => ({ ref: String(s.Scope), permission: Number(s.Permission) as Permission }))
  return {
    scopes,
    exp: payload.exp,
    nbf: payload.nbf,
    repositoryId: payload.repository_id === undefined ? undefined : String(payload.repository_id)
  }
}
