import { describe, expect, it } from '@jest/globals'
import { UNRESTRICTED, actionsCacheAccess, decodeTokenScopes, parseCacheMode } from '../../src/core/access.js'

const b64url = (value: string) => Buffer.from(value).toString('base64url')

/** A runtime token shaped like the runner's: a JWT whose `ac` claim is a JSON string. */
function token(claims: Record<string, unknown>): string {
  return [
    b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5t: 'h3NR3b6KqB9hJjrzsKzPq1Mzs3k' })),
    b64url(JSON.stringify(claims)),
    'c2lnbmF0dXJl'
  ].join('.')
}

const runtimeClaims = (ac: unknown) => ({
  nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd',
  scp:
    'Actions.GenericRead:00000000-0000-0000-0000-000000000000 ' +
    'Actions.Results:1a2b3c4d-0000-0000-0000-000000000000:5e6f7a8b-0000-0000-0000-000000000000',
  IdentityTypeClaim: 'System:ServiceIdentity',
  ac,
  acsl: '10',
  orchid: '1a2b3c4d-0000-0000-0000-000000000000.build.__default',
  iss: 'vstoken.actions.githubusercontent.com',
  aud: 'vso:7b7c7d7e-0000-0000-0000-000000000000',
  nbf: 1709287200,
  exp: 1709309400
})

const RW = token(
  runtimeClaims(
    JSON.stringify([
      { Scope: 'refs/heads/feature/login', Permission: 3 },
      { Scope: 'refs/heads/main', Permission: 1 }
    ])
  )
)
const READ_ONLY = token(
  runtimeClaims(
    JSON.stringify([
      { Scope: 'refs/pull/12/merge', Permission: 1 },
      { Scope: 'refs/heads/main', Permission: 1 }
    ])
  )
)

describe('decodeTokenScopes', () => {
  it.each([
    ['read-write token', RW, { readable: ['refs/heads/feature/login', 'refs/heads/main'], writable: ['refs/heads/feature/login'] }],
    ['read-only token (fork pull request)', READ_ONLY, { readable: ['refs/pull/12/merge', 'refs/heads/main'], writable: [] }],
    ['write bit alone', token(runtimeClaims('[{"Scope":"refs/heads/x","Permission":2}]')), { readable: [], writable: ['refs/heads/x'] }],
    [
      'ac as a JSON array rather than a string',
      token(runtimeClaims([{ Scope: 'refs/heads/main', Permission: 3 }])),
      { readable: ['refs/heads/main'], writable: ['refs/heads/main'] }
    ]
  ])('%s', (_title, value, expected) => {
    expect(decodeTokenScopes(value)).toEqual(expected)
  })

  it.each([
    // Shapes that say nothing about refs: the service decides (act, Gitea and Forgejo runners).
    ['empty ac list', token(runtimeClaims('[]'))],
    ["act's one entry for an empty ref", token(runtimeClaims('[{"Scope":"","Permission":2}]'))],
    ['an entry that is not a ref', token(runtimeClaims('[{"Scope":"main","Permission":3}]'))],
    ['undefined', undefined],
    ['empty string', ''],
    ['not a JWT', 'ghs_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['JWT without `ac`', token({ iss: 'vstoken.actions.githubusercontent.com', scp: 'Actions.GenericRead' })],
    ['`ac` that is not JSON', token(runtimeClaims('[{Scope: refs/heads/main'))],
    ['`ac` that is JSON but not a list', token(runtimeClaims('{"Scope":"refs/heads/main","Permission":3}'))],
    ['`ac` that is JSON null', token(runtimeClaims('null'))],
    ['`ac` list of non-objects', token(runtimeClaims('[null]'))],
    ['payload that is not base64 JSON', 'eyJhbGciOiJSUzI1NiJ9.%%%not-base64%%%.sig'],
    ['payload that is JSON null', `x.${b64url('null')}.y`],
    ['header only', 'eyJhbGciOiJSUzI1NiJ9.']
  ])('malformed: %s → undefined', (_title, value) => {
    expect(decodeTokenScopes(value)).toBeUndefined()
  })

  it('reads base64url (- and _) without padding', () => {
    // A scope whose JSON encodes to bytes that need - and _ in base64url.
    const scope = 'refs/heads/\u00ff\u00fe~~~>>>???'
    const value = token(runtimeClaims(JSON.stringify([{ Scope: scope, Permission: 3 }])))
    expect(value.split('.')[1]).toMatch(/[-_]/)
    expect(value.split('.')[1]).not.toContain('=')
    expect(decodeTokenScopes(value)).toEqual({ readable: [scope], writable: [scope] })
  })
})

describe('parseCacheMode', () => {
  it.each([
    ['read', 'read'],
    ['write', 'write'],
    ['write-only', 'write-only'],
    ['none', 'none'],
    [' Read \n', 'read'],
    ['WRITE-ONLY', 'write-only'],
    ['', undefined],
    ['   ', undefined],
    [undefined, undefined],
    ['readwrite', undefined]
  ])('%j → %j', (value, expected) => {
    expect(parseCacheMode(value)).toBe(expected)
  })
})

describe('actionsCacheAccess: ACTIONS_CACHE_MODE × runtime token', () => {
  const EXPORT_RO = 'the runtime token is read-only'
  it.each([
    // mode, token, canImport, canExport, importDenied, exportDenied
    [undefined, RW, true, true, undefined, undefined],
    ['', RW, true, true, undefined, undefined],
    ['write', RW, true, true, undefined, undefined],
    ['read', RW, true, false, undefined, 'ACTIONS_CACHE_MODE=read'],
    ['write-only', RW, false, true, 'ACTIONS_CACHE_MODE=write-only', undefined],
    ['none', RW, false, false, 'ACTIONS_CACHE_MODE=none', 'ACTIONS_CACHE_MODE=none'],
    [undefined, READ_ONLY, true, false, undefined, EXPORT_RO],
    ['write', READ_ONLY, true, false, undefined, EXPORT_RO],
    ['read', READ_ONLY, true, false, undefined, 'ACTIONS_CACHE_MODE=read'],
    ['write-only', READ_ONLY, false, false, 'ACTIONS_CACHE_MODE=write-only', EXPORT_RO],
    ['none', READ_ONLY, false, false, 'ACTIONS_CACHE_MODE=none', 'ACTIONS_CACHE_MODE=none'],
    // An unreadable token says nothing: only the mode decides.
    [undefined, 'not-a-jwt', true, true, undefined, undefined],
    ['read', undefined, true, false, undefined, 'ACTIONS_CACHE_MODE=read'],
    ['write-only', undefined, false, true, 'ACTIONS_CACHE_MODE=write-only', undefined],
    [' None ', undefined, false, false, 'ACTIONS_CACHE_MODE=None', 'ACTIONS_CACHE_MODE=None']
  ])('mode %j, token %#', (mode, value, canImport, canExport, importDenied, exportDenied) => {
    const access = actionsCacheAccess(value, mode)
    expect(access.canImport).toBe(canImport)
    expect(access.canExport).toBe(canExport)
    expect(access.importDenied).toBe(importDenied)
    expect(access.exportDenied).toBe(exportDenied)
  })

  it('reports the readable refs when the token could be decoded', () => {
    expect(actionsCacheAccess(RW, undefined).readableRefs).toEqual(['refs/heads/feature/login', 'refs/heads/main'])
    expect(actionsCacheAccess('not-a-jwt', undefined).readableRefs).toBeUndefined()
  })

  it('backends outside GitHub’s cache rules are unrestricted', () => {
    expect(UNRESTRICTED).toEqual({ canImport: true, canExport: true })
  })
})
