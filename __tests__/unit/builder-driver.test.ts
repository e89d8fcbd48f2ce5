import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import {
  DRIVER_CANNOT_EXPORT,
  currentBuilder,
  exportsNeedingCacheExport,
  usesContainerdStore,
  withoutDriverExport
} from '../../src/effects/builder-driver.js'
import type { Plan } from '../../src/core/plan.js'
import { decodeSpec } from '../../src/core/spec.js'

const CONFIG = '/cfg'
const SOCK = 'unix:///run/user/docker.sock'
const hash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 20)
const instance = (name: string, driver: string) =>
  JSON.stringify({ Name: name, Driver: driver, Nodes: [{ Name: `${name}0`, Endpoint: SOCK }], Dynamic: false })
const current = (name: string, key = SOCK, global = false) => JSON.stringify({ Key: key, Name: name, Global: global })

describe('currentBuilder: the builder buildx uses, from its files', () => {
  it.each<
    [
      string,
      Record<string, string>,
      Record<string, string | undefined>,
      string | undefined,
      { name: string; driver?: string; endpoint?: string }
    ]
  >([
    [
      'no buildx files: the default context builder, docker driver, on DOCKER_HOST',
      {},
      { DOCKER_HOST: SOCK },
      undefined,
      { name: 'default', driver: 'docker', endpoint: SOCK }
    ],
    [
      'no DOCKER_HOST: the default socket',
      {},
      {},
      undefined,
      { name: 'default', driver: 'docker', endpoint: 'unix:///var/run/docker.sock' }
    ],
    [
      'current names no builder (as a fresh buildx writes it)',
      { 'buildx/current': current('') },
      { DOCKER_HOST: SOCK },
      undefined,
      { name: 'default', driver: 'docker', endpoint: SOCK }
    ],
    [
      'setup-buildx-action: current names a docker-container builder for this engine',
      { 'buildx/current': current('builder-1'), 'buildx/instances/builder-1': instance('builder-1', 'docker-container') },
      { DOCKER_HOST: SOCK },
      undefined,
      { name: 'builder-1', driver: 'docker-container' }
    ],
    [
      'current was set for another engine: not this one',
      {
        'buildx/current': current('builder-1', 'unix:///other.sock'),
        'buildx/instances/builder-1': instance('builder-1', 'docker-container')
      },
      { DOCKER_HOST: SOCK },
      undefined,
      { name: 'default', driver: 'docker', endpoint: SOCK }
    ],
    [
      'current set globally (buildx use --global) holds for every engine',
      { 'buildx/current': current('remote-1', 'unix:///other.sock', true), 'buildx/instances/remote-1': instance('remote-1', 'remote') },
      { DOCKER_HOST: SOCK },
      undefined,
      { name: 'remote-1', driver: 'remote' }
    ],
    [
      'the engine default (buildx use --default) in defaults/<hash of the key>',
      { [`buildx/defaults/${hash(SOCK)}`]: 'kube', 'buildx/instances/kube': instance('kube', 'kubernetes') },
      { DOCKER_HOST: SOCK },
      undefined,
      { name: 'kube', driver: 'kubernetes' }
    ],
    [
      'the builder input names an instance (names are lower-cased on disk)',
      { 'buildx/instances/mybuilder': instance('MyBuilder', 'remote') },
      { DOCKER_HOST: SOCK },
      'MyBuilder',
      { name: 'MyBuilder', driver: 'remote' }
    ],
    [
      'BUILDX_BUILDER names it when the input does not',
      { 'buildx/instances/b': instance('b', 'docker-container') },
      { DOCKER_HOST: SOCK, BUILDX_BUILDER: 'b' },
      undefined,
      { name: 'b', driver: 'docker-container' }
    ],
    [
      'the input wins over BUILDX_BUILDER',
      { 'buildx/instances/b': instance('b', 'docker-container') },
      { DOCKER_HOST: SOCK, BUILDX_BUILDER: 'b' },
      'default',
      { name: 'default', driver: 'docker', endpoint: SOCK }
    ],
    ['an unknown name: not told', {}, { DOCKER_HOST: SOCK }, 'nosuch', { name: 'nosuch' }],
    [
      'a docker context (config.json) is its own docker-driver builder; its engine is not known here',
      { 'config.json': '{"currentContext":"ctx"}' },
      {},
      undefined,
      { name: 'ctx', driver: 'docker' }
    ],
    [
      'DOCKER_HOST means the default context, whatever config.json says',
      { 'config.json': '{"currentContext":"ctx"}' },
      { DOCKER_HOST: SOCK },
      undefined,
      { name: 'default', driver: 'docker', endpoint: SOCK }
    ],
    [
      'DOCKER_CONTEXT names the context',
      { 'buildx/current': current('b', 'ctx'), 'buildx/instances/b': instance('b', 'docker-container') },
      { DOCKER_CONTEXT: 'ctx' },
      undefined,
      { name: 'b', driver: 'docker-container' }
    ],
    [
      'an unreadable instance file: the current builder is not known, the context builder is used',
      { 'buildx/current': current('b'), 'buildx/instances/b': '{not json' },
      { DOCKER_HOST: SOCK },
      undefined,
      { name: 'default', driver: 'docker', endpoint: SOCK }
    ]
  ])('%s', (_, files, env, requested, expected) => {
    const read = (path: string) => files[path.slice(CONFIG.length + 1)]
    expect(currentBuilder(read, { DOCKER_CONFIG: CONFIG, ...env }, requested)).toEqual(expected)
  })

  it('BUILDX_CONFIG moves buildx files; DOCKER_CONFIG unset means ~/.docker', () => {
    const files: Record<string, string> = { '/bx/current': current('b'), '/bx/instances/b': instance('b', 'remote') }
    expect(currentBuilder(path => files[path], { DOCKER_HOST: SOCK, BUILDX_CONFIG: '/bx' })).toEqual({ name: 'b', driver: 'remote' })
    const home: Record<string, string> = {
      '/home/u/.docker/buildx/current': current('b'),
      '/home/u/.docker/buildx/instances/b': instance('b', 'remote')
    }
    expect(currentBuilder(path => home[path], { DOCKER_HOST: SOCK }, undefined, '/home/u')).toEqual({ name: 'b', driver: 'remote' })
  })
})

describe("DRIVER_CANNOT_EXPORT: buildx's refusal", () => {
  it.each<[string, boolean]>([
    // buildx 0.29 (measured on the test bed's classic-store engine)
    ['ERROR: failed to build: Cache export is not supported for the docker driver.', true],
    // older buildx releases
    [
      'error: cache export feature is currently not supported for docker driver. Please switch to a different driver (eg. "docker buildx ' +
        'create --use")',
      true
    ],
    ['ERROR: Cache export feature is currently not supported for docker driver. Please switch to a different driver', true],
    // other refusals of the same kind are not about the cache
    ['ERROR: failed to build: Multi-platform build is not supported for the docker driver.', false],
    ['ERROR: failed to build: OCI exporter is not supported for the docker driver.', false],
    ['ERROR: failed to build: Attestation is not supported for the docker driver.', false],
    ['#5 importing cache manifest from 127.0.0.1:5000/app:buildcache-main', false]
  ])('%s → %s', (line, matches) => {
    expect(DRIVER_CANNOT_EXPORT.test(line)).toBe(matches)
  })
})

describe("usesContainerdStore: docker info's DriverStatus", () => {
  it.each<[string, unknown, boolean | undefined]>([
    ['containerd image store (overlayfs snapshotter)', [['driver-type', 'io.containerd.snapshotter.v1']], true],
    [
      'classic overlay2',
      [
        ['Backing Filesystem', 'extfs'],
        ['Supports d_type', 'true'],
        ['Using metacopy', 'false'],
        ['Native Overlay Diff', 'true'],
        ['userxattr', 'false']
      ],
      false
    ],
    ['empty', [], false],
    ['absent (an engine too old to say)', undefined, undefined],
    ['not a list', 'overlay2', undefined]
  ])('%s', (_, status, expected) => {
    expect(usesContainerdStore(status)).toBe(expected)
  })
})

describe('which exports need the driver to export caches', () => {
  it.each<[string[], string[]]>([
    [['type=gha,scope=main,mode=max,ignore-error=true'], ['type=gha,scope=main,mode=max,ignore-error=true']],
    [['type=inline'], []],
    [['type=inline', 'type=registry,ref=r/app:buildcache-main'], ['type=registry,ref=r/app:buildcache-main']],
    [['type=local,dest=/tmp/x'], ['type=local,dest=/tmp/x']]
  ])('%j → %j', (specs, expected) => {
    expect(exportsNeedingCacheExport(specs.map(decodeSpec)).map(spec => spec.map(([k, v]) => `${k}=${v}`).join(','))).toEqual(expected)
  })
})

describe('withoutDriverExport: the plan a docker driver without the containerd image store runs', () => {
  const planWith = (exports: string[], imports: string[], cacheExport = true) =>
    ({
      exports: exports.map(decodeSpec),
      imports: imports.map(spec => ({ label: spec, attributes: decodeSpec(spec) })),
      extraTags: [],
      cacheExport,
      exportReason: 'push on refs/heads/main'
    }) as unknown as Plan

  it.each<[string, Plan, { exports: number; imports: number; cacheExport: boolean; reason: RegExp }]>([
    [
      'registry: no export, imports kept',
      planWith(['type=registry,ref=r:c-main'], ['type=registry,ref=r:c-main']),
      { exports: 0, imports: 1, cacheExport: false, reason: /cannot export the registry cache without/ }
    ],
    [
      'gha: neither export nor import',
      planWith(['type=gha,scope=main'], ['type=gha,scope=main', 'type=gha,scope=dev']),
      { exports: 0, imports: 0, cacheExport: false, reason: /cannot export or import the gha cache without/ }
    ],
    [
      'local: imports kept',
      planWith(['type=local,dest=/d'], ['type=local,src=/s']),
      { exports: 0, imports: 1, cacheExport: false, reason: /cannot export the local cache/ }
    ],
    [
      'inline with a raw registry cache-to: inline stays, the export still counts',
      planWith(['type=inline', 'type=registry,ref=r:x'], []),
      { exports: 1, imports: 0, cacheExport: true, reason: /^push on/ }
    ],
    [
      'a read-only run importing gha: imports dropped, nothing exported anyway',
      planWith([], ['type=gha,scope=main'], false),
      { exports: 0, imports: 0, cacheExport: false, reason: /^push on/ }
    ]
  ])('%s', (_, p, expected) => {
    const fitted = withoutDriverExport(p, 'default')
    expect(fitted.exports).toHaveLength(expected.exports)
    expect(fitted.imports).toHaveLength(expected.imports)
    expect(fitted.cacheExport).toBe(expected.cacheExport)
    expect(fitted.exportReason).toMatch(expected.reason)
  })

  it("without build-push-action's default provenance: buildx refuses any attestation on that driver without the store", () => {
    const p = { ...planWith(['type=registry,ref=r:c-main'], []), request: { defaultProvenance: 'max' } } as unknown as Plan
    expect(withoutDriverExport(p, 'default').request.defaultProvenance).toBeUndefined()
  })

  it('only the default provenance in the way (inline): dropped with a log line, no warning, the cache untouched', () => {
    const p = { ...planWith(['type=inline'], ['type=registry,ref=r:c-main']), request: { defaultProvenance: 'max' } } as unknown as Plan
    const written: string[] = []
    const write = process.stdout.write
    process.stdout.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stdout.write
    let fitted: Plan
    try {
      fitted = withoutDriverExport(p, 'default')
    } finally {
      process.stdout.write = write
    }
    expect(fitted.request.defaultProvenance).toBeUndefined()
    expect(fitted.exports).toEqual(p.exports)
    expect(fitted.imports).toEqual(p.imports)
    expect(written.filter(line => line.startsWith('::warning'))).toEqual([])
    expect(written.join('')).toMatch(/No default provenance attestation/)
  })
})
