import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PR_7 } from './pull-request-7.js'
import { mount } from './cache-mount.js'
import { parseSize } from '../../src/core/format.js'
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { type CacheMount, cacheMountsOf } from '../../src/core/cache-mounts.js'
import { readInputs } from '../../src/core/inputs.js'
import {
  type MountCarry,
  carriedMounts,
  extractDockerfile,
  injectDockerfile,
  mountKeyPrefix,
  mountLines,
  mountSaveDecision,
  ownedMountKeys,
  restoredScope
} from '../../src/core/mount-carry.js'
import { safeName } from '../../src/core/names.js'
import { plan } from '../../src/core/plan.js'
import type { Env } from '../../src/core/context.js'
import { mintRuntimeToken } from '../../testbed/cache-service/token.js'

const CARRY: MountCarry = {
  setting: 'auto',
  dockerfile: 'Dockerfile',
  buildArgs: {},
  root: '/t/mounts',
  generated: '/t/mounts-build',
  image: 'busybox:stable',
  maxBytes: 1e9,
  cacheTimeout: 120,
  chain: ['org/app/pr-7', 'org/app/main'],
  own: 'org/app/pr-7',
  sha: 'abc',
  restore: true,
  save: true
}

describe('keys per scope and chain', () => {
  it.each<[string, Partial<MountCarry>, string, string[]]>([
    [
      'a pull request: saves under its own scope, restores own, base, default',
      {},
      'buildkit-mount-gomod--org/app/pr-7#abc',
      ['buildkit-mount-gomod--org/app/pr-7#', 'buildkit-mount-gomod--org/app/main#']
    ],
    [
      'main: its own scope is the chain',
      { chain: ['main'], own: 'main' },
      'buildkit-mount-gomod--main#abc',
      ['buildkit-mount-gomod--main#']
    ],
    [
      'a tag build: no own scope, restores the default branch',
      { chain: ['main'], own: undefined },
      'buildkit-mount-gomod--main#abc',
      ['buildkit-mount-gomod--main#']
    ]
  ])('%s', (_, carry, key, restoreKeys) => {
    const { carried } = carriedMounts({ ...CARRY, ...carry }, [mount('gomod', { target: '/go/pkg/mod' })])
    expect(carried.map(c => ({ key: c.key, restoreKeys: c.restoreKeys, dir: c.dir }))).toEqual([
      { key, restoreKeys, dir: '/t/mounts/gomod' }
    ])
  })

  it('a mount without id is keyed by its cleaned target, named by safeName', () => {
    const { carried } = carriedMounts(CARRY, [mount('/root/.cache/go-build')])
    expect(carried[0].restoreKeys[1]).toBe(`buildkit-mount-${safeName('/root/.cache/go-build')}--org/app/main#`)
  })

  it('the restored key names the chain scope it came from', () => {
    const { carried } = carriedMounts(CARRY, [mount('gomod')])
    expect(restoredScope(CARRY, carried[0], 'buildkit-mount-gomod--org/app/main#0123')).toBe('org/app/main')
    expect(restoredScope(CARRY, carried[0], 'buildkit-mount-gomod--org/app/pr-7#0123')).toBe('org/app/pr-7')
  })

  it.each<[string, CacheMount, string]>([
    ['starts from a stage', mount('x', { from: 'seed', source: '/c' }), 'it starts from "seed", which the build makes'],
    ['key only the build knows', mount('x-$TARGETARCH', { unresolved: ['TARGETARCH'] }), 'only the build knows'],
    ['key the action does not quote', mount('a b'), 'does not write into a Dockerfile']
  ])('not carried: %s', (_, m, reason) => {
    const { carried, skipped } = carriedMounts(CARRY, [m])
    expect(carried).toEqual([])
    expect(skipped[0].reason).toContain(reason)
  })

  const name = fc.string({ minLength: 1, maxLength: 20 }).map(s => safeName(s))
  const scope = fc.array(name, { minLength: 1, maxLength: 3 }).map(parts => parts.join('/'))

  it('no restore key of one (mount, scope) matches a key of another, nor the local backend', () => {
    fc.assert(
      fc.property(name, scope, name, scope, (n1, s1, n2, s2) => {
        fc.pre(n1 !== n2 || s1 !== s2)
        expect(`${mountKeyPrefix(n2, s2)}abc`.startsWith(mountKeyPrefix(n1, s1))).toBe(false)
        expect(`buildkit-${s2}#abc`.startsWith(mountKeyPrefix(n1, s1))).toBe(false)
        expect(`${mountKeyPrefix(n2, s2)}abc`.startsWith(`buildkit-${s1}#`)).toBe(false)
      })
    )
  })

  it("clean-up takes every mount of the own scope and nothing of another's", () => {
    fc.assert(
      fc.property(name, scope, scope, (n, own, other) => {
        fc.pre(own !== other)
        expect(ownedMountKeys(own).matches(`${mountKeyPrefix(n, own)}abc`)).toBe(true)
        expect(ownedMountKeys(own).matches(`${mountKeyPrefix(n, other)}abc`)).toBe(false)
        expect(ownedMountKeys(own).matches(`buildkit-${own}#abc`)).toBe(false)
      })
    )
  })
})

describe('the save decision', () => {
  const carried = { key: 'buildkit-mount-gomod--main#new', mount: mount('gomod') }
  const content = { digest: 'd1', entries: 3, bytes: 5000 }
  it.each<[string, Partial<MountCarry>, { key?: string; digest?: string }, typeof content & { oversize?: boolean }, string | true]>([
    ['changed content: saved', {}, { key: 'buildkit-mount-gomod--main#old', digest: 'd0' }, content, true],
    ['nothing restored: saved', {}, {}, content, true],
    ['unchanged since restored: not saved', {}, { key: 'k0', digest: 'd1' }, content, 'unchanged since restored from k0'],
    ['the same commit again, changed: the key is taken', {}, { key: carried.key, digest: 'd0' }, content, 'already saved'],
    ['empty: not saved', {}, {}, { ...content, entries: 0 }, 'empty'],
    ['over the bound: not saved', { maxBytes: 4000 }, {}, content, 'over cache-mounts-max-size'],
    ['measured over the bound in the builder', {}, {}, { ...content, oversize: true }, 'over cache-mounts-max-size'],
    ['read-only token', { save: false, noSave: 'the runtime token is read-only' }, {}, content, 'the runtime token is read-only'],
    ['ACTIONS_CACHE_MODE=read', { save: false, noSave: 'ACTIONS_CACHE_MODE=read' }, {}, content, 'ACTIONS_CACHE_MODE=read']
  ])('%s', (_, carry, restored, extracted, expected) => {
    const decision = mountSaveDecision({ ...CARRY, ...carry }, carried, restored, extracted)
    if (expected === true) expect(decision).toEqual({ save: true })
    else expect(decision.save === false && decision.reason).toContain(expected)
  })

  it('a mount over the bound is a notice naming it', () => {
    const decision = mountSaveDecision({ ...CARRY, maxBytes: 1000 }, carried, {}, content)
    expect(decision.save === false && decision.notice).toBe('Cache mount gomod not saved: 5.0 kB is over cache-mounts-max-size (1.0 kB).')
  })

  it.each<[string, number | undefined]>([
    ['1GB', 1e9],
    ['1g', 1e9],
    ['500MB', 5e8],
    ['750k', 750e3],
    ['1.5g', 1.5e9],
    ['123', 123],
    ['0', undefined],
    ['1 TB', 1e12],
    ['8 GiB', undefined],
    ['-1g', undefined],
    ['', undefined]
  ])('size %j', (text, bytes) => expect(parseSize(text)).toBe(bytes))
})

describe('the generated builds reach the Dockerfile mount’s cache', () => {
  const mounts = [
    mount('/root/.cache/go-build', { target: '/root/.cache/go-build/' }),
    mount('npm', { target: '/home/node/.npm', sharing: 'locked', uid: 1000, gid: 1000, mode: 0o700 }),
    mount('rel', { target: './rel' })
  ]
  const { carried } = carriedMounts(CARRY, mounts)
  const settings = (m: CacheMount) => ({ key: m.key, sharing: m.sharing, uid: m.uid, gid: m.gid, mode: m.mode })

  it.each([
    ['inject', injectDockerfile('busybox:stable', carried, 'n0nce')],
    ['extract', extractDockerfile('busybox:stable', carried, 1e9, 'n0nce')]
  ])('%s: the same keys and settings, read as BuildKit reads them', (_, dockerfile) => {
    expect(cacheMountsOf(dockerfile).map(settings)).toEqual(mounts.map(settings))
  })

  it('each run of a generated build runs its step (the nonce), never with --no-cache (which gives the step fresh mounts)', () => {
    expect(injectDockerfile('img', carried, 'n1')).not.toBe(injectDockerfile('img', carried, 'n2'))
  })
})

describe("the take-out's script, run by sh on this machine's tools", () => {
  const [one] = carriedMounts(CARRY, [mount('objects', { target: '/objects' })]).carried
  /** Runs the extract step's script with its mount and output directories under `root`. */
  function takeOut(root: string, restoredDigest?: string): { digest: string; tar: boolean } {
    const dockerfile = extractDockerfile('busybox:stable', [one], 1e9, 'n0nce', [restoredDigest])
    const run = JSON.parse(/^RUN .*? (\[.*\])$/m.exec(dockerfile)![1]) as string[]
    const script = run[2].replaceAll('/m/0', join(root, 'm')).replaceAll('/out/', `${join(root, 'out')}/`)
    rmSync(join(root, 'out'), { recursive: true, force: true })
    execFileSync('sh', ['-c', script])
    const out = join(root, 'out', one.mount.name)
    return { digest: readFileSync(join(out, 'digest'), 'utf8').split(' ')[0], tar: existsSync(join(out, 'mount.tar')) }
  }

  it('a mount still as restored gets only its digest; a changed one, or one with no digest to go by, its tar too', () => {
    const root = mkdtempSync(join(tmpdir(), 'take-out-'))
    try {
      mkdirSync(join(root, 'm'))
      writeFileSync(join(root, 'm', 'a.o'), 'object a')
      const first = takeOut(root)
      expect(first.tar).toBe(true)
      expect(first.digest).toMatch(/^[0-9a-f]{64}$/)
      expect(takeOut(root, first.digest)).toEqual({ digest: first.digest, tar: false })
      expect(takeOut(root, '$(touch pwned)')).toEqual({ digest: first.digest, tar: true })
      writeFileSync(join(root, 'm', 'b.o'), 'object b')
      const changed = takeOut(root, first.digest)
      expect(changed.tar).toBe(true)
      expect(changed.digest).not.toBe(first.digest)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe('the plan: which runs restore and save mounts', () => {
  const context = PR_7
  const token = (permission: 1 | 3) =>
    mintRuntimeToken({
      scopes: [
        { ref: 'refs/pull/7/merge', permission },
        { ref: 'refs/heads/main', permission: 1 }
      ]
    })
  const env = (extra: Env): Env => ({ ACTIONS_RESULTS_URL: 'http://cache.test/', RUNNER_TEMP: '/rt', ...extra })
  const mountsOf = (values: Record<string, string>, e: Env) =>
    plan(
      readInputs(name => values[name] ?? ''),
      context,
      e
    ).mounts

  it.each<[string, Record<string, string>, Env, Partial<MountCarry> | undefined]>([
    ['read-write token', {}, env({ ACTIONS_RUNTIME_TOKEN: token(3) }), { restore: true, save: true, chain: ['pr-7', 'main'] }],
    [
      'read-only token: restores, never saves',
      {},
      env({ ACTIONS_RUNTIME_TOKEN: token(1) }),
      { restore: true, save: false, noSave: 'the runtime token is read-only' }
    ],
    [
      'ACTIONS_CACHE_MODE=read',
      {},
      env({ ACTIONS_RUNTIME_TOKEN: token(3), ACTIONS_CACHE_MODE: 'read' }),
      { restore: true, save: false, noSave: 'ACTIONS_CACHE_MODE=read' }
    ],
    [
      'ACTIONS_CACHE_MODE=none: neither',
      {},
      env({ ACTIONS_RUNTIME_TOKEN: token(3), ACTIONS_CACHE_MODE: 'none' }),
      { restore: false, save: false, noRestore: 'ACTIONS_CACHE_MODE=none' }
    ],
    ['no cache service: neither', {}, { RUNNER_TEMP: '/rt' }, { restore: false, save: false, noRestore: 'the job has no cache service' }],
    [
      'whatever the layer backend',
      { 'cache-backend': 'registry', tags: 'r.test/o/app:1' },
      env({ ACTIONS_RUNTIME_TOKEN: token(3) }),
      { restore: true, save: true, chain: ['o/app/pr-7', 'o/app/main'], own: 'o/app/pr-7' }
    ],
    ['cache-export: false', { 'cache-export': 'false' }, env({ ACTIONS_RUNTIME_TOKEN: token(3) }), { save: false }],
    ['cache-mounts: off', { 'cache-mounts': 'off' }, env({ ACTIONS_RUNTIME_TOKEN: token(3) }), undefined],
    ['envd', { 'build-tool': 'envd' }, env({ ACTIONS_RUNTIME_TOKEN: token(3) }), undefined],
    ['call: check runs no step, so it uses no mount', { call: 'check' }, env({ ACTIONS_RUNTIME_TOKEN: token(3) }), undefined],
    ['call: outline,format=json', { call: 'outline,format=json' }, env({ ACTIONS_RUNTIME_TOKEN: token(3) }), undefined],
    ['call: build', { call: 'build' }, env({ ACTIONS_RUNTIME_TOKEN: token(3) }), { restore: true, save: true }]
  ])('%s', (_, values, e, expected) => {
    const mounts = mountsOf(values, e)
    if (expected === undefined) expect(mounts).toBeUndefined()
    else expect(mounts).toMatchObject(expected)
  })

  it('auto reads <context>/Dockerfile, else the file input, with the target and the build-args', () => {
    const e = env({ ACTIONS_RUNTIME_TOKEN: token(3), FROM_ENV: 'v' })
    expect(mountsOf({ context: 'app' }, e)).toMatchObject({ dockerfile: 'app/Dockerfile', setting: 'auto' })
    expect(mountsOf({ context: 'app', file: 'build/Dockerfile', target: 't', 'build-args': 'A=1\nFROM_ENV' }, e)).toMatchObject({
      dockerfile: 'build/Dockerfile',
      target: 't',
      buildArgs: { A: '1', FROM_ENV: 'v' }
    })
  })

  it('inputs: a list with envd is refused naming the input; a size that is none is too', () => {
    const read = (values: Record<string, string>) => () => readInputs(name => values[name] ?? '')
    expect(read({ 'build-tool': 'envd', 'cache-mounts': '/root/.cache' })).toThrow(/^Input "cache-mounts": envd's cache mounts/)
    expect(read({ 'build-tool': 'envd', 'cache-mounts': 'off' })).not.toThrow()
    expect(read({ 'cache-mounts-max-size': 'lots' })).toThrow(/^Input "cache-mounts-max-size": "lots" is not a size/)
  })
})

describe('the summary lines', () => {
  const { carried } = carriedMounts(CARRY, [mount('gomod')])
  it.each<[string, Partial<MountCarry>, Record<string, unknown>, string]>([
    [
      'restored from the base branch',
      {},
      { restoredKey: 'buildkit-mount-gomod--org/app/main#0', from: 'org/app/main', bytes: 2e6 },
      'gomod: restored from org/app/main (2.0 MB); saved in the post step when changed'
    ],
    [
      'nothing in the chain',
      {},
      { bytes: 0 },
      'gomod: nothing saved under org/app/pr-7, org/app/main; saved in the post step when changed'
    ],
    [
      'read-only',
      { save: false, noSave: 'the runtime token is read-only' },
      { restoredKey: 'k', from: 'org/app/main', bytes: 1e3, kept: true },
      "gomod: restored from org/app/main (1.0 kB), kept the builder's own content; not saved: the runtime token is read-only"
    ],
    [
      'none',
      { restore: false, noRestore: 'ACTIONS_CACHE_MODE=none', save: false, noSave: 'ACTIONS_CACHE_MODE=none' },
      { bytes: 0 },
      'gomod: not restored (ACTIONS_CACHE_MODE=none); not saved: ACTIONS_CACHE_MODE=none'
    ]
  ])('%s', (_, carry, restored, line) => {
    expect(mountLines({ ...CARRY, ...carry }, [{ carried: carried[0], bytes: 0, ...restored }], [])).toEqual([line])
  })
})
