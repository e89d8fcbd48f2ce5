import { describe, expect, it } from '@jest/globals'
import { runContext } from '../../src/core/context.js'
import { readInputs } from '../../src/core/inputs.js'
import { displayCommand, invocationOf, namespaceOf, plan, withoutExport } from '../../src/core/plan.js'
import type { Env } from '../../src/core/context.js'
import { encodeSpec } from '../../src/core/spec.js'
import { mintRuntimeToken } from '../../testbed/cache-service/token.js'

const PR_PAYLOAD = {
  number: 7,
  pull_request: { number: 7, base: { ref: 'main', repo: { full_name: 'o/r' } }, head: { ref: 'feature', repo: { full_name: 'o/r' } } },
  repository: { default_branch: 'main', full_name: 'o/r' }
}
const PR_ENV = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'abc', GITHUB_REPOSITORY: 'o/r' }
const PR_CONTEXT = runContext(PR_ENV, PR_PAYLOAD)
const COMMENT_PAYLOAD = { issue: { number: 7, pull_request: {} }, repository: { default_branch: 'main', full_name: 'o/r' } }

const RW = mintRuntimeToken({
  scopes: [
    { ref: 'refs/pull/7/merge', permission: 3 },
    { ref: 'refs/heads/main', permission: 1 }
  ]
})
const READ_ONLY = mintRuntimeToken({
  scopes: [
    { ref: 'refs/pull/7/merge', permission: 1 },
    { ref: 'refs/heads/main', permission: 1 }
  ]
})

function inputs(values: Record<string, string>) {
  return readInputs(name => values[name] ?? '')
}

function service(token: string, mode?: string): Env {
  return {
    ACTIONS_RUNTIME_TOKEN: token,
    ACTIONS_RESULTS_URL: 'http://cache.test/',
    RUNNER_TEMP: '/runner/temp',
    ...(mode && { ACTIONS_CACHE_MODE: mode })
  }
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
    if (backend === 'local')
      expect({ restore: p.local!.canRestore, save: p.local!.canSave }).toEqual({ restore: want.imports, save: want.exports })
  })

  // buildx skips the cache export of a call that does not build ("skipping cache export for empty result").
  it.each([
    ['check', false],
    ['outline,format=json', false],
    ['targets', false],
    ['build', true]
  ])('call: %s exports: %s', (call, exports) => {
    const p = plan(inputs({ call, 'cache-backend': 'local' }), PR_CONTEXT, service(RW))
    expect({ cacheExport: p.cacheExport, exports: p.exports.length > 0 }).toEqual({ cacheExport: exports, exports })
    if (!exports) expect(p.exportReason).toBe(`call: ${call} evaluates the build without running it`)
  })

  it('cache-export: true cannot override a read-only token, and says so in one warning', () => {
    const p = plan(inputs({ 'cache-export': 'true' }), PR_CONTEXT, service(READ_ONLY))
    expect(p.cacheExport).toBe(false)
    expect(p.warnings).toEqual(['cache-export: true cannot override the runtime token is read-only: export skipped.'])
  })

  it('warns about, and skips, fallback branches the token cannot read', () => {
    const p = plan(inputs({ 'fallback-branches': 'develop' }), PR_CONTEXT, service(RW))
    expect(p.chain.map(s => s.id)).toEqual(['pr-7', 'main'])
    expect(p.warnings).toHaveLength(1)
    expect(p.warnings[0]).toContain('"develop" lives under refs/heads/develop, which this job\'s runtime token cannot read')
  })

  it('skips a base branch the trigger cannot read with a log line, not a warning', () => {
    // issue_comment runs on the default branch: its token cannot read the pull request's base.
    const context = {
      ...runContext({ ...PR_ENV, GITHUB_EVENT_NAME: 'issue_comment', GITHUB_REF: 'refs/heads/main' }, COMMENT_PAYLOAD),
      baseBranch: 'release'
    }
    const token = mintRuntimeToken({ scopes: [{ ref: 'refs/heads/main', permission: 3 }] })
    const p = plan(inputs({}), context, service(token))
    expect(p.chain.map(s => [s.id, s.ref])).toEqual([
      ['pr-7', 'refs/heads/main'],
      ['main', 'refs/heads/main']
    ])
    expect(p.warnings).toEqual([])
    expect(p.details.join('\n')).toContain('"release" lives under refs/heads/release')
  })
})

describe('gha service settings', () => {
  it('without a runtime token or URL (act by default): builds without the gha cache, with one warning', () => {
    for (const env of [
      { RUNNER_TEMP: '/t' },
      { RUNNER_TEMP: '/t', ACTIONS_RUNTIME_TOKEN: RW },
      { RUNNER_TEMP: '/t', ACTIONS_RESULTS_URL: 'http://cache.test/' }
    ]) {
      const p = plan(inputs({}), PR_CONTEXT, env)
      expect({ imports: p.imports, exports: p.exports, cacheExport: p.cacheExport }).toEqual({
        imports: [],
        exports: [],
        cacheExport: false
      })
      expect(p.warnings).toHaveLength(1)
      expect(p.warnings[0]).toMatch(/^No gha cache for this build: the job has no cache service \(ACTIONS_RUNTIME_TOKEN/)
      expect(p.notices).toEqual([])
      expect(p.exportReason).toMatch(/no cache service/)
    }
  })

  it("act's runtime token ([{Scope: '', Permission: 2}]) reads the whole chain and exports", () => {
    const act = mintRuntimeToken({ scopes: [{ ref: '', permission: 2 }] })
    const p = plan(inputs({}), PR_CONTEXT, service(act))
    expect(p.chain.map(s => s.id)).toEqual(['pr-7', 'main'])
    expect(p.imports).toHaveLength(2)
    expect(p.cacheExport).toBe(true)
    expect(p.warnings).toEqual([])
  })

  it('keeps URL and token out of buildx argv, and hands envd them as masked attributes', () => {
    const env = service(RW)
    const buildx = plan(inputs({}), PR_CONTEXT, env)
    const argv = invocationOf(buildx, buildx.imports, env)
    expect(argv.args.join(' ')).not.toContain(RW)
    expect(argv.env).toEqual({ ACTIONS_CACHE_SERVICE_V2: 'true' })

    const envd = plan(inputs({ 'build-tool': 'envd', outputs: 'type=oci,dest=/tmp/x.tar' }), PR_CONTEXT, env)
    const envdArgv = invocationOf(envd, envd.imports, env)
    expect(envdArgv.args).toContain(
      encodeSpec([
        ['type', 'gha'],
        ['scope', 'buildkit'],
        ['url_v2', 'http://cache.test/'],
        ['version', '2'],
        ['token', RW],
        ['timeout', '120s']
      ])
    )
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
      {
        merge_group: { head_ref: 'refs/heads/gh-readonly-queue/release/pr-9-0123abcd', base_ref: 'refs/heads/release' },
        repository: { default_branch: 'main' }
      }
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
    const p = plan(
      inputs({ 'cache-backend': 'inline', 'cache-mode': 'min', tags: 'ghcr.io/o/app:1', 'cache-to': 'type=local,dest=/x' }),
      PR_CONTEXT,
      { RUNNER_TEMP: '/t' }
    )
    const fallback = withoutExport(p, 'the inline cache export could not be set up')
    expect(fallback.imports).toEqual(p.imports)
    expect(fallback).toMatchObject({
      exports: [],
      extraTags: [],
      cacheExport: false,
      exportReason: 'the inline cache export could not be set up'
    })
    expect(
      invocationOf(fallback, fallback.imports, {}).args.filter(
        a => a === '--cache-to' || (a.includes('buildcache-pr-7') && !a.startsWith('type='))
      )
    ).toEqual([])
  })
})

describe('local cache keys', () => {
  it('restores through the chain, and a scope never matches a longer one', () => {
    const p = plan(inputs({ 'cache-backend': 'local' }), PR_CONTEXT, service(RW))
    expect(p.local).toMatchObject({
      key: 'buildkit-pr-7#abc',
      restoreKeys: ['buildkit-pr-7#', 'buildkit-main#'],
      dir: '/runner/temp/buildkit-cache/default/cache'
    })
  })
})

describe('untrusted triggers: the own scope lives under the ref the runtime token names', () => {
  const targetEnv = { ...PR_ENV, GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/heads/main' }
  const targetContext = runContext(targetEnv, PR_PAYLOAD)
  const baseWritable = mintRuntimeToken({ scopes: [{ ref: 'refs/heads/main', permission: 3 }] })
  const baseReadOnly = mintRuntimeToken({ scopes: [{ ref: 'refs/heads/main', permission: 1 }] })

  it('imports pr-7, then main, with no warning, and exports pr-7 under refs/heads/main', () => {
    const p = plan(inputs({}), targetContext, service(baseWritable))
    expect(p.chain.map(s => [s.id, s.ref])).toEqual([
      ['pr-7', 'refs/heads/main'],
      ['main', 'refs/heads/main']
    ])
    expect(p.warnings).toEqual([])
    expect(p.cacheExport).toBe(true)
    expect(p.exportReason).toBe('pull_request_target on refs/heads/main: pr-7 is kept under that ref')
    expect(p.exports.map(encodeSpec)).toEqual(['type=gha,scope=pr-7,mode=max,ignore-error=true,timeout=120s'])
  })

  it('a read-only token (fork pull requests) imports the chain and never exports', () => {
    const p = plan(inputs({}), targetContext, service(baseReadOnly))
    expect(p.chain.map(s => s.id)).toEqual(['pr-7', 'main'])
    expect(p.exports).toEqual([])
    expect(p.exportReason).toBe('the runtime token is read-only')
  })

  it('envd (one gha name for the chain) writes pr-7 under its own name there, never over main’s cache', () => {
    const p = plan(
      inputs({ 'build-tool': 'envd', outputs: 'type=oci,dest=x.tar', 'scope-prefix': 'app' }),
      targetContext,
      service(baseWritable)
    )
    const scopeOf = (spec: string) => /scope=([^,]+)/.exec(spec)?.[1]
    expect(p.imports.map(i => scopeOf(encodeSpec(i.attributes)))).toEqual(['app'])
    expect(p.exports.map(e => scopeOf(encodeSpec(e)))).toEqual(['app/pr-7'])
    // On pull_request, pr-7 has a ref of its own: the shared name walks the chain there.
    const pr = plan(inputs({ 'build-tool': 'envd', outputs: 'type=oci,dest=x.tar', 'scope-prefix': 'app' }), PR_CONTEXT, service(RW))
    expect(pr.exports.map(e => scopeOf(encodeSpec(e)))).toEqual(['app'])
  })

  it.each<[string, string, string, boolean]>([
    ['gha', 'refs/heads/main', 'index-pr-7-1-0123abcd', true],
    ['gha', 'refs/heads/main', 'index-pr-7-1-0123abcd#2', true],
    ['gha', 'refs/heads/main', 'index-main-1-0123abcd', false],
    ['gha', 'refs/heads/main', 'index-pr-7-hotfix-1-0123abcd', false],
    ['gha', 'refs/heads/main', 'buildkit-blob-1-sha256:00', false],
    ['local', 'refs/heads/main', 'buildkit-pr-7#abc', true],
    ['local', 'refs/heads/main', 'buildkit-pr-70#abc', false]
  ])('clean-up keys (%s) under %s: %s → %s', (backend, ref, key, owned) => {
    const p = plan(inputs({ 'cache-backend': backend }), targetContext, service(baseWritable))
    expect(p.ownedKeys?.(ref).matches(key)).toBe(owned)
  })

  it('clean-up keys of envd gha under the base ref are the own name, never the shared one', () => {
    const p = plan(inputs({ 'build-tool': 'envd', outputs: 'type=oci,dest=x.tar', 'scope-prefix': 'app' }), PR_CONTEXT, service(RW))
    expect(p.ownedKeys?.('refs/heads/main').matches('index-app/pr-7-1-0123abcd')).toBe(true)
    expect(p.ownedKeys?.('refs/heads/main').matches('index-app-1-0123abcd')).toBe(false)
  })
})

describe('names that must not meet', () => {
  const push = (branch: string) =>
    runContext({ ...PR_ENV, GITHUB_EVENT_NAME: 'push', GITHUB_REF: `refs/heads/${branch}` }, { repository: { default_branch: 'main' } })
  const scopeOf = (values: Record<string, string>, branch: string) =>
    plan(inputs(values), push(branch), service(RW)).exports.map(encodeSpec)[0]

  it.each<[string, Record<string, string>, string, Record<string, string>, string]>([
    ['feature/a and feature-a-<its hash>', {}, 'feature/a', {}, `feature-a-${'951d42dc'}`],
    ['pr-7 branch and pull request 7', {}, 'pr-7', {}, 'pr-7-c1cec5c4'],
    [
      'scope-prefix a + b-main and a-b + main (registry)',
      { 'cache-backend': 'registry', tags: 'r.test/app:1', 'scope-prefix': 'a' },
      'b-main',
      { 'cache-backend': 'registry', tags: 'r.test/app:1', 'scope-prefix': 'a-b' },
      'main'
    ],
    [
      'a branch named like the commit (s3)',
      { 'cache-backend': 's3', 'cache-options': 'bucket: b\nregion: r' },
      'abc',
      { 'cache-backend': 's3', 'cache-options': 'bucket: b\nregion: r' },
      'x'
    ]
  ])('%s', (_title, aValues, aBranch, bValues, bBranch) => {
    expect(scopeOf(aValues, aBranch)).not.toBe(scopeOf(bValues, bBranch))
  })

  it('a branch named like the commit never names the commit’s s3 object', () => {
    const sha = '6113728f27ae82c7b1a177c8d03f9e96e0adf246'
    const context = runContext(
      { ...PR_ENV, GITHUB_EVENT_NAME: 'push', GITHUB_REF: `refs/heads/${sha}`, GITHUB_SHA: sha },
      { repository: { default_branch: 'main' } }
    )
    const name = /name=([^,]+)/.exec(
      encodeSpec(plan(inputs({ 'cache-backend': 's3', 'cache-options': 'bucket: b\nregion: r' }), context, service(RW)).exports[0])
    )![1]
    const [scopeName, commitName] = name.split(';')
    expect(commitName).toBe(sha)
    expect(scopeName).not.toBe(commitName)
  })
})

describe('matrix jobs that build other platforms', () => {
  const scopeOf = (values: Record<string, string>) => plan(inputs({ tags: 'r.test/o/app:1', ...values }), PR_CONTEXT, service(RW)).scope
  const tagOf = (values: Record<string, string>) =>
    encodeSpec(plan(inputs({ 'cache-backend': 'registry', tags: 'r.test/o/app:1', ...values }), PR_CONTEXT, service(RW)).exports[0])

  it('each platform list has a scope and a cache tag of its own; the order does not matter', () => {
    expect(scopeOf({})).toBe('o/app/pr-7')
    expect(scopeOf({ platforms: 'linux/amd64' })).toBe('o/app/linux-amd64/pr-7')
    expect(scopeOf({ platforms: 'linux/arm64,linux/amd64' })).toBe('o/app/linux-amd64.linux-arm64/pr-7')
    expect(scopeOf({ platforms: 'linux/amd64,linux/arm64' })).toBe(scopeOf({ platforms: 'linux/arm64\nlinux/amd64' }))
    const tags = (
      [{}, { platforms: 'linux/amd64' }, { platforms: 'linux/arm64' }, { platforms: 'linux/amd64,linux/arm64' }] as Array<
        Record<string, string>
      >
    ).map(tagOf)
    expect(new Set(tags).size).toBe(4)
    expect(tags[1]).toContain(':buildcache-linux-amd64--pr-7')
  })
})

describe('smaller things a user trips over', () => {
  it('inline without push exports nothing and says so', () => {
    const p = plan(inputs({ 'cache-backend': 'inline', tags: 'r.test/o/app:1' }), PR_CONTEXT, service(RW))
    expect(p.cacheExport).toBe(false)
    expect(p.exports).toEqual([])
    expect(p.extraTags).toEqual([])
    expect(p.exportReason).toMatch(/pushes none \(push: false\)/)
    const pushed = plan(inputs({ 'cache-backend': 'inline', tags: 'r.test/o/app:1', push: 'true' }), PR_CONTEXT, service(RW))
    expect(pushed.cacheExport).toBe(true)
    const output = plan(
      inputs({ 'cache-backend': 'inline', tags: 'r.test/o/app:1', outputs: 'type=image,name=r.test/o/app:1,push=true' }),
      PR_CONTEXT,
      service(RW)
    )
    expect(output.cacheExport).toBe(true)
  })

  it('each step writes its own metadata file', () => {
    const step = (id: string) => plan(inputs({}), PR_CONTEXT, { ...service(RW), GITHUB_ACTION: id }).request.metadataFile
    expect(step('build')).not.toBe(step('__owner_repo_2'))
    expect(step('build')).toMatch(/^\/runner\/temp\//)
  })

  it('scope-prefix takes tag-grammar parts separated by /', () => {
    expect(inputs({ 'scope-prefix': 'team-a/app_1.0' }).scopePrefix).toBe('team-a/app_1.0')
    for (const bad of ['a//b', '/a', 'a b', 'a#b', 'a,b']) expect(() => inputs({ 'scope-prefix': bad })).toThrow(/^Input "scope-prefix": /)
  })

  it('envd: an input it cannot take fails before anything runs, naming the input', () => {
    expect(() => inputs({ 'build-tool': 'envd', 'build-args': 'A=1' })).toThrow(/^Input "build-args": envd has no build arguments/)
    expect(() => inputs({ 'build-tool': 'envd', tags: 'a:1,a:2' })).toThrow(/^Input "tags": envd takes one image name/)
  })
})
