import { describe, expect, it } from '@jest/globals'
import { runContext } from '../../src/context.js'
import { readInputs } from '../../src/inputs.js'
import { type Env, displayCommand, invocationOf, namespaceOf, plan, withoutExport } from '../../src/plan.js'
import { encodeSpec } from '../../src/spec.js'
import { mintRuntimeToken } from '../../testbed/cache-service/token.js'

const PR_PAYLOAD = {
  number: 7,
  pull_request: { number: 7, base: { ref: 'main', repo: { full_name: 'o/r' } }, head: { ref: 'feature', repo: { full_name: 'o/r' } } },
  repository: { default_branch: 'main', full_name: 'o/r' }
}
const PR_ENV = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'abc', GITHUB_REPOSITORY: 'o/r' }
const PR_CONTEXT = runContext(PR_ENV, PR_PAYLOAD)

const RW = mintRuntimeToken({ scopes: [{ ref: 'refs/pull/7/merge', permission: 3 }, { ref: 'refs/heads/main', permission: 1 }] })
const READ_ONLY = mintRuntimeToken({ scopes: [{ ref: 'refs/pull/7/merge', permission: 1 }, { ref: 'refs/heads/main', permission: 1 }] })

function inputs(values: Record<string, string>) {
  return readInputs(name => values[name] ?? '')
}

function service(token: string, mode?: string): Env {
  return { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: 'http://cache.test/', RUNNER_TEMP: '/runner/temp', ...(mode && { ACTIONS_CACHE_MODE: mode }) }
}

describe('GitHub cache rules: ACTIONS_CACHE_MODE × token × backend', () => {
  const modes = [undefined, 'read', 'write', 'write-only', 'none'] as const
  const expected: Record<string, { imports: boolean; exports: boolean; reason?: string }> = {
    'unset/rw': { imports: true, exports: true },
    'read/rw': { imports: true, exports: false, reason: 'ACTIONS_CACHE_MODE=read' },
    'write/rw': { imports: true, exports: true },
    'write-only/rw': { imports: false, exports: true },
    'none/rw': { imports: false, exports: false, reason: 'ACTIONS_CACHE_MODE=none' },
    'unset/ro': { imports: true, exports: false, reason: 'the runtime token is read-only' },
    'read/ro': { imports: true, exports: false, reason: 'ACTIONS_CACHE_MODE=read' },
    'write/ro': { imports: true, exports: false, reason: 'the runtime token is read-only' },
    'write-only/ro': { imports: false, exports: false, reason: 'the runtime token is read-only' },
    'none/ro': { imports: false, exports: false, reason: 'ACTIONS_CACHE_MODE=none' }
  }
  const rows = modes.flatMap(mode =>
    (['rw', 'ro'] as const).flatMap(token => (['gha', 'local', 'registry'] as const).map(backend => ({ mode, token, backend })))
  )

  it.each(rows)('$backend, ACTIONS_CACHE_MODE=$mode, $token token', ({ mode, token, backend }) => {
    const p = plan(
      inputs({ 'cache-backend': backend, tags: 'ghcr.io/o/app:1' }),
      PR_CONTEXT,
      service(token === 'rw' ? RW : READ_ONLY, mode)
    )
    // registry is not governed by GitHub's cache rules.
    const want = backend === 'registry' ? { imports: true, exports: true } : expected[`${mode ?? 'unset'}/${token}`]
    expect({ imports: p.imports.length > 0, exports: p.exports.length > 0 }).toEqual({ imports: want.imports, exports: want.exports })
    expect(p.cacheExport).toBe(want.exports)
    if (want.reason) expect(p.exportReason).toBe(want.reason)
    if (backend === 'local') expect({ restore: p.local!.canRestore, save: p.local!.canSave }).toEqual({ restore: want.imports, save: want.exports })
  })

  it('cache-export: true cannot override a read-only token, and says so in one warning', () => {
    const p = plan(inputs({ 'cache-export': 'true' }), PR_CONTEXT, service(READ_ONLY))
    expect(p.cacheExport).toBe(false)
    expect(p.warnings).toEqual(['cache-export: true cannot override the runtime token is read-only: export skipped.'])
  })

  it('warns about, and skips, chain scopes the token cannot read', () => {
    const p = plan(inputs({ 'fallback-branches': 'develop' }), PR_CONTEXT, service(RW))
    expect(p.chain.map(s => s.id)).toEqual(['pr-7', 'main'])
    expect(p.warnings).toHaveLength(1)
    expect(p.warnings[0]).toContain('"develop" (refs/heads/develop) is not readable')
  })
})

describe('gha service settings', () => {
  it('fails before any build when the token or URL is missing', () => {
    expect(() => plan(inputs({}), PR_CONTEXT, { RUNNER_TEMP: '/t' })).toThrow(/gha needs ACTIONS_RUNTIME_TOKEN/)
  })

  it('keeps URL and token out of buildx argv, and hands envd them as masked attributes', () => {
    const env = service(RW)
    const buildx = plan(inputs({}), PR_CONTEXT, env)
    const argv = invocationOf(buildx, buildx.imports, env)
    expect(argv.args.join(' ')).not.toContain(RW)
    expect(argv.env).toEqual({ ACTIONS_CACHE_SERVICE_V2: 'true' })

    const envd = plan(inputs({ 'build-tool': 'envd', outputs: 'type=oci,dest=/tmp/x.tar' }), PR_CONTEXT, env)
    const envdArgv = invocationOf(envd, envd.imports, env)
    expect(envdArgv.args).toContain(encodeSpec([['type', 'gha'], ['scope', 'buildkit'], ['url_v2', 'http://cache.test/'], ['version', '2'], ['token', RW]]))
    expect(envd.secrets).toContain(RW)
    expect(displayCommand(envdArgv, envd.secrets)).not.toContain(RW)
    expect(displayCommand(envdArgv, envd.secrets)).toContain('token=***')
  })
})

describe('namespace', () => {
  it.each([
    [{ 'scope-prefix': 'team/api' }, 'team/api'],
    [{ tags: 'ghcr.io/octo-org/app:1.0,ghcr.io/octo-org/other:2' }, 'octo-org/app'],
    [{ target: 'release' }, 'release'],
    [{ file: 'docker/api.Dockerfile' }, 'docker/api.Dockerfile'],
    [{}, '']
  ])('%j → %s', (values, namespace) => {
    expect(namespaceOf(inputs(values))).toBe(namespace)
  })
})

describe('events without an own scope', () => {
  it('a merge queue imports base then default and exports nothing', () => {
    const context = runContext(
      { GITHUB_EVENT_NAME: 'merge_group', GITHUB_REF: 'refs/heads/gh-readonly-queue/release/pr-9-0123abcd', GITHUB_REPOSITORY: 'o/r' },
      { merge_group: { head_ref: 'refs/heads/gh-readonly-queue/release/pr-9-0123abcd', base_ref: 'refs/heads/release' }, repository: { default_branch: 'main' } }
    )
    const p = plan(inputs({ 'cache-backend': 'registry', tags: 'ghcr.io/o/app:1' }), context, { RUNNER_TEMP: '/t' })
    expect(p.scope).toBe('')
    expect(p.chain.map(s => s.name)).toEqual(['release', 'main'])
    expect(p.exports).toEqual([])
    expect(p.exportReason).toBe('a merge queue build imports only')
  })
})

describe('building again without the export', () => {
  it('keeps the imports and drops every export, cache tag and the user’s cache-to, with the reason', () => {
    const p = plan(inputs({ 'cache-backend': 'inline', 'cache-mode': 'min', tags: 'ghcr.io/o/app:1', 'cache-to': 'type=local,dest=/x' }), PR_CONTEXT, { RUNNER_TEMP: '/t' })
    const fallback = withoutExport(p, 'the inline cache export could not be set up')
    expect(fallback.imports).toEqual(p.imports)
    expect(fallback).toMatchObject({ exports: [], extraTags: [], cacheExport: false, exportReason: 'the inline cache export could not be set up' })
    expect(invocationOf(fallback, fallback.imports, {}).args.filter(a => a === '--cache-to' || a.includes('buildcache-pr-7') && !a.startsWith('type='))).toEqual([])
  })
})

describe('local cache keys', () => {
  it('restores through the chain, and a scope never matches a longer one', () => {
    const p = plan(inputs({ 'cache-backend': 'local' }), PR_CONTEXT, service(RW))
    expect(p.local).toMatchObject({ key: 'buildkit-pr-7#abc', restoreKeys: ['buildkit-pr-7#', 'buildkit-main#'], importDir: '/runner/temp/buildkit-cache/default/cache' })
  })
})
