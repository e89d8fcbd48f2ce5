import { describe, expect, it } from '@jest/globals'
import {
  type WatchEvent,
  CacheWatch,
  failureWarning,
  importFailures,
  isNotFound,
  plainEvents,
  rawJsonEvents,
  withRetryTimeout
} from '../../src/core/cache-watch.js'
import { parseCacheTimeout, readCacheTimeout } from '../../src/core/inputs.js'
import { isSilence, readProbeOf, readProbes, silentRead } from '../../src/effects/cache-probe.js'
import type { CacheImport } from '../../src/backends/backend.js'

describe('cache-timeout', () => {
  it.each([
    ['2m', 120],
    ['90s', 90],
    ['1m30s', 90],
    ['1h', 3600],
    ['45', 45],
    ['0', 0],
    [' 10s ', 10],
    ['2 m', undefined],
    ['1.5m', undefined],
    ['soon', undefined],
    ['-1s', undefined]
  ])('%j is %j seconds', (text, seconds) => {
    expect(parseCacheTimeout(text)).toBe(seconds)
  })

  it('defaults to 2m and names the input when invalid', () => {
    expect(readCacheTimeout(() => '')).toBe(120)
    expect(() => readCacheTimeout(() => 'soon')).toThrow(/^Input "cache-timeout": "soon" is not a duration/)
  })

  it.each<[string, Array<[string, string]>, number, Array<[string, string]>]>([
    [
      'gha gets the timeout',
      [
        ['type', 'gha'],
        ['scope', 'main']
      ],
      10,
      [
        ['type', 'gha'],
        ['scope', 'main'],
        ['timeout', '10s']
      ]
    ],
    [
      "the user's timeout wins",
      [
        ['type', 'gha'],
        ['timeout', '5m']
      ],
      10,
      [
        ['type', 'gha'],
        ['timeout', '5m']
      ]
    ],
    ['0: BuildKit keeps its default', [['type', 'gha']], 0, [['type', 'gha']]],
    [
      'other backends have no such attribute',
      [
        ['type', 'registry'],
        ['ref', 'r:t']
      ],
      10,
      [
        ['type', 'registry'],
        ['ref', 'r:t']
      ]
    ]
  ])('%s', (_, attributes, seconds, expected) => {
    expect(withRetryTimeout(attributes, seconds)).toEqual(expected)
  })
})

describe('failed imports: not found is no failure', () => {
  it.each([
    ['registry', 'failed to configure registry cache importer: 127.0.0.1:5000/app:buildcache-pr-7: not found', true],
    [
      'registry',
      'failed to configure registry cache importer: unexpected status from HEAD request to ' +
        'http://127.0.0.1:5000/v2/app/manifests/buildcache-main: 500 Internal Server Error',
      false
    ],
    [
      'registry',
      'failed to configure registry cache importer: failed to do request: Head "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: ' +
        'connection refused',
      false
    ],
    ['inline', 'failed to configure inline cache importer: r/app:buildcache-main: not found', true],
    ['gha', 'not found', false],
    ['gha', 'unexpected end of JSON input', false]
  ])('%s: %j → not found %s', (backend, error, expected) => {
    expect(isNotFound(backend, error)).toBe(expected)
  })

  const registryChain = [
    { id: 'app/pr-7', location: 'r/app:buildcache-pr-7' },
    { id: 'app/main', location: 'r/app:buildcache-main' }
  ]
  const ghaChain = [{ id: 'app/pr-7' }, { id: 'app/main' }]

  it.each([
    {
      title: 'registry: a missing pr-7 is quiet, a 500 on main is one warning naming main',
      backend: 'registry',
      chain: registryChain,
      imports: [
        {
          source: 'r/app:buildcache-pr-7',
          found: false,
          error: 'failed to configure registry cache importer: r/app:buildcache-pr-7: not found'
        },
        {
          source: 'r/app:buildcache-main',
          found: false,
          error: 'failed to configure registry cache importer: unexpected status from HEAD request: 500'
        }
      ],
      expected: [
        {
          scopes: ['app/main'],
          ambiguous: false,
          reason: 'failed to configure registry cache importer: unexpected status from HEAD request: 500'
        }
      ]
    },
    {
      title: 'gha: every import failed: one per scope, in chain order',
      backend: 'gha',
      chain: ghaChain,
      imports: [
        { source: 'gha:111', found: false, error: 'internal' },
        { source: 'gha:222', found: false, error: 'internal' }
      ],
      expected: [
        { scopes: ['app/pr-7'], ambiguous: false, reason: 'internal' },
        { scopes: ['app/main'], ambiguous: false, reason: 'internal' }
      ]
    },
    {
      title: "s3: every import failed, the commit's own name too: one per scope",
      backend: 's3',
      chain: ghaChain,
      imports: [
        { source: 's3:111', found: false, error: 'StatusCode: 500' },
        { source: 's3:222', found: false, error: 'StatusCode: 500' },
        { source: 's3:333', found: false, error: 'StatusCode: 503' }
      ],
      expected: [
        { scopes: ['app/pr-7'], ambiguous: false, reason: 'StatusCode: 500; StatusCode: 503' },
        { scopes: ['app/main'], ambiguous: false, reason: 'StatusCode: 500; StatusCode: 503' }
      ]
    },
    {
      title: 'gha: one of two failed (a corrupt index): BuildKit does not say which',
      backend: 'gha',
      chain: ghaChain,
      imports: [
        { source: 'gha:111', found: true },
        { source: 'gha:222', found: false, error: 'unexpected end of JSON input' }
      ],
      expected: [{ scopes: ['app/pr-7', 'app/main'], ambiguous: true, reason: 'unexpected end of JSON input' }]
    },
    {
      title: 'gha: nothing there yet is no error at all',
      backend: 'gha',
      chain: ghaChain,
      imports: [
        { source: 'gha:111', found: true },
        { source: 'gha:222', found: true }
      ],
      expected: []
    },
    {
      title: "a raw cache-from that failed is named by BuildKit's own words",
      backend: 'registry',
      chain: registryChain,
      imports: [{ source: 'other/cache:x', found: false, error: 'connection refused' }],
      expected: [{ scopes: ['other/cache:x'], ambiguous: false, reason: 'connection refused' }]
    }
  ])('$title', ({ backend, chain, imports, expected }) => {
    expect(importFailures(backend, chain, imports)).toEqual(expected.map(e => ({ kind: 'import', backend, ...e })))
  })

  it('says scope, backend and reason in one line', () => {
    expect(failureWarning({ kind: 'import', backend: 'gha', scopes: ['app/main'], ambiguous: false, reason: 'internal' })).toBe(
      'Cache import from scope app/main (gha) failed, the build went on without it: internal'
    )
    expect(failureWarning({ kind: 'import', backend: 'gha', scopes: ['a', 'b'], ambiguous: true, reason: 'x' })).toMatch(
      /^Cache import from one of the scopes a, b \(gha\)/
    )
  })
})

const IMPORT = 'importing cache manifest from gha:123'
const EXPORT = 'exporting cache to GitHub Actions Cache'
const STEP = '[2/3] RUN make'
const BLOB = `sha256:${'a'.repeat(64)}`
const vertex = (id: string, name: string, more: Partial<Extract<WatchEvent, { type: 'vertex' }>> = {}): WatchEvent => ({
  type: 'vertex',
  id,
  name,
  started: true,
  ...more
})
const status = (vertexId: string, current: number, more: Partial<Extract<WatchEvent, { type: 'status' }>> = {}): WatchEvent => ({
  type: 'status',
  vertex: vertexId,
  id: BLOB,
  current,
  total: 1e6,
  ...more
})

describe('CacheWatch: no progress past cache-timeout is a stall', () => {
  // [time in seconds, event] fed in order, then check at `at`.
  it.each<{ title: string; feed: Array<[number, WatchEvent]>; at: number; importing?: boolean; expected: object | undefined }>([
    {
      title: 'an import answered in time',
      feed: [
        [0, vertex('i', IMPORT)],
        [3, vertex('i', IMPORT, { completed: true })]
      ],
      at: 60,
      expected: undefined
    },
    {
      title: 'an import never answered',
      feed: [[0, vertex('i', IMPORT)]],
      at: 11,
      expected: { phase: 'import', what: IMPORT, idleSeconds: 11 }
    },
    { title: 'an import not answered yet, within the bound', feed: [[0, vertex('i', IMPORT)]], at: 10, expected: undefined },
    {
      title: 'an import that failed is no stall (a warning says so)',
      feed: [
        [0, vertex('i', IMPORT)],
        [2, vertex('i', IMPORT, { error: 'internal' })]
      ],
      at: 60,
      expected: undefined
    },
    { title: 'a step that runs long is not cache traffic', feed: [[0, vertex('s', STEP)]], at: 600, expected: undefined },
    {
      title: 'an export that hangs after the build finished',
      feed: [
        [0, vertex('s', STEP)],
        [5, vertex('s', STEP, { completed: true })],
        [5, vertex('e', EXPORT)],
        [6, { type: 'status', vertex: 'e', id: `writing layer ${BLOB}` }]
      ],
      at: 17,
      expected: { phase: 'export', what: EXPORT, idleSeconds: 11, resultWritten: true }
    },
    {
      title: 'an export that hangs while a step still runs has no result yet',
      feed: [
        [0, vertex('s', STEP)],
        [0, vertex('e', EXPORT)]
      ],
      at: 11,
      expected: { phase: 'export', resultWritten: false }
    },
    {
      title: 'a cache layer download at 1 KB/s',
      feed: [
        [0, vertex('s', STEP)],
        [0, status('s', 0)],
        ...Array.from({ length: 11 }, (_, i): [number, WatchEvent] => [i + 1, status('s', (i + 1) * 1024)])
      ],
      at: 11,
      importing: true,
      expected: { phase: 'import', idleSeconds: 11 }
    },
    {
      title: 'a layer download at 1 MB/s',
      feed: [
        [0, vertex('s', STEP)],
        [0, status('s', 0)],
        ...Array.from({ length: 11 }, (_, i): [number, WatchEvent] => [i + 1, status('s', (i + 1) * 1e6)])
      ],
      at: 11,
      importing: true,
      expected: undefined
    },
    {
      title: 'a slow download when nothing is imported is not cache traffic',
      feed: [
        [0, vertex('s', STEP)],
        [0, status('s', 0)],
        [11, status('s', 10)]
      ],
      at: 12,
      importing: false,
      expected: undefined
    },
    {
      title: 'a base image pulled slowly is not cache traffic',
      feed: [
        [0, vertex('f', '[1/3] FROM docker.io/library/alpine')],
        [0, status('f', 0)],
        [11, status('f', 10)]
      ],
      at: 12,
      importing: true,
      expected: undefined
    },
    {
      title: 'a step cached from the import, started again to fetch its layers at 1 KB/s (what buildx reports)',
      feed: [
        [0, vertex('s', STEP, { started: true, completed: true, cached: true })],
        [0, vertex('s', STEP, { started: true })],
        [0, status('s', 0)],
        ...Array.from({ length: 11 }, (_, i): [number, WatchEvent] => [i + 1, status('s', (i + 1) * 1024)])
      ],
      at: 11,
      importing: true,
      expected: { phase: 'import', idleSeconds: 11 }
    },
    {
      title: 'a cached step never started again is done',
      feed: [
        [0, vertex('s', STEP, { started: true, completed: true, cached: true })],
        [0, status('s', 0)],
        [11, status('s', 10)]
      ],
      at: 12,
      importing: true,
      expected: undefined
    },
    {
      title: 'a finished download is no stall',
      feed: [
        [0, vertex('s', STEP)],
        [0, status('s', 0)],
        [1, status('s', 1e6, { completed: true })]
      ],
      at: 60,
      importing: true,
      expected: undefined
    }
  ])('$title', ({ feed, at, importing, expected }) => {
    const watch = new CacheWatch({ timeoutMs: 10_000, minBytesPerSecond: 16 * 1024, importing: importing ?? true })
    for (const [t, event] of feed) watch.feed(event, t * 1000)
    const stall = watch.check(at * 1000)
    if (expected === undefined) expect(stall).toBeUndefined()
    else expect(stall).toMatchObject(expected)
  })

  it.each([
    [true, { phase: 'export', what: 'exporting to image', resultWritten: false }],
    [false, undefined]
  ])('an image push that carries the cache tag (inline: %s) and goes silent stalls its export, before the result', (carries, expected) => {
    const watch = new CacheWatch({ timeoutMs: 10_000, minBytesPerSecond: 16 * 1024, importing: false, pushCarriesCache: carries })
    watch.feed(vertex('s', STEP, { completed: true }), 0)
    watch.feed(vertex('x', 'exporting to image'), 1000)
    const stall = watch.check(30_000)
    if (expected === undefined) expect(stall).toBeUndefined()
    else expect(stall).toMatchObject(expected)
  })

  it('a fast download measured window by window never stalls', () => {
    const watch = new CacheWatch({ timeoutMs: 10_000, minBytesPerSecond: 1000, importing: true })
    watch.feed(vertex('s', STEP), 0)
    for (let t = 0; t <= 60; t++) {
      watch.feed(status('s', t * 2000), t * 1000)
      expect(watch.check(t * 1000)).toBeUndefined()
    }
  })
})

describe('progress lines into events', () => {
  it('reads rawjson vertices and statuses', () => {
    const line = JSON.stringify({
      vertexes: [{ digest: 'sha256:v', name: IMPORT, started: '2026-01-01T00:00:00Z' }],
      statuses: [{ id: BLOB, vertex: 'sha256:v', current: 10, total: 20 }]
    })
    expect(rawJsonEvents(line)).toEqual([
      { type: 'vertex', id: 'sha256:v', name: IMPORT, started: true, completed: false, cached: false },
      { type: 'status', vertex: 'sha256:v', id: BLOB, current: 10, total: 20, completed: false }
    ])
    expect(rawJsonEvents('not json')).toEqual([])
  })

  it.each<[string, WatchEvent[]]>([
    ['#4 importing cache manifest from gha:42', [{ type: 'vertex', id: '4', name: 'importing cache manifest from gha:42', started: true }]],
    ['#4 DONE 0.1s', [{ type: 'vertex', id: '4', completed: true }]],
    ['#4 ERROR: internal', [{ type: 'vertex', id: '4', error: 'internal' }]],
    ['#6 CACHED', [{ type: 'vertex', id: '6', cached: true }]],
    [`#7 ${BLOB} 1.05MB / 2.10MB 0.4s`, [{ type: 'status', vertex: '7', id: BLOB, current: 1.05e6, total: 2.1e6, completed: false }]],
    [`#7 ${BLOB} 2.10MB / 2.10MB 0.8s done`, [{ type: 'status', vertex: '7', id: BLOB, current: 2.1e6, total: 2.1e6, completed: true }]],
    ['no vertex here', []]
  ])('plain %j', (line, events) => {
    expect(plainEvents(line)).toEqual(events)
  })
})

describe('read probe before the build: the first read BuildKit would make', () => {
  const token = 'tkn'
  const gha = (attributes: Array<[string, string]>): CacheImport => ({
    label: 'x',
    attributes: [['type', 'gha'], ['scope', 'main'], ...attributes]
  })
  it.each<[string, CacheImport, Record<string, string>, object | undefined]>([
    [
      'registry: HEAD of the manifest, plain HTTP on loopback',
      {
        label: 'r',
        attributes: [
          ['type', 'registry'],
          ['ref', '127.0.0.1:5000/org/cache:main']
        ]
      },
      {},
      { url: 'http://127.0.0.1:5000/v2/org/cache/manifests/main', init: { method: 'HEAD' } }
    ],
    [
      'registry: https elsewhere',
      {
        label: 'r',
        attributes: [
          ['type', 'registry'],
          ['ref', 'ghcr.io/org/cache:pr-7']
        ]
      },
      {},
      { url: 'https://ghcr.io/v2/org/cache/manifests/pr-7' }
    ],
    [
      'gha v2 from the environment',
      gha([]),
      { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' },
      {
        url: 'http://127.0.0.1:1/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL',
        init: { method: 'POST', headers: { Authorization: 'Bearer tkn', 'Content-Type': 'application/json' } }
      }
    ],
    [
      'gha v1 from the environment (URL without a slash)',
      gha([]),
      { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_CACHE_URL: 'http://127.0.0.1:2' },
      { url: 'http://127.0.0.1:2/_apis/artifactcache/cache?keys=index-main-&version=probe', init: { method: 'GET' } }
    ],
    [
      'gha attributes (envd) win over the environment',
      gha([
        ['url_v2', 'http://127.0.0.1:3/'],
        ['version', '2'],
        ['token', 'own']
      ]),
      { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' },
      {
        url: 'http://127.0.0.1:3/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL',
        init: { headers: { Authorization: 'Bearer own' } }
      }
    ],
    ['gha without a token: buildx drops the spec, nothing to probe', gha([]), { ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' }, undefined],
    [
      's3: its manifest object, unsigned (any answer counts)',
      {
        label: 's',
        attributes: [
          ['type', 's3'],
          ['bucket', 'b'],
          ['region', 'r'],
          ['endpoint_url', 'http://127.0.0.1:9000'],
          ['use_path_style', 'true'],
          ['name', 'app/pr-7'],
          ['secret_access_key', 'sk']
        ]
      },
      {},
      { url: 'http://127.0.0.1:9000/b/manifests/app/pr-7', init: { method: 'HEAD', headers: {} } }
    ],
    [
      'azblob: its manifest blob in the default container',
      {
        label: 'a',
        attributes: [
          ['type', 'azblob'],
          ['account_url', 'http://127.0.0.1:10000/acct'],
          ['name', 'app/main']
        ]
      },
      {},
      { url: 'http://127.0.0.1:10000/acct/buildkit-cache/manifests/app/main', init: { method: 'HEAD' } }
    ],
    [
      's3 without a region or an endpoint: BuildKit fails it itself',
      {
        label: 's',
        attributes: [
          ['type', 's3'],
          ['bucket', 'b']
        ]
      },
      {},
      undefined
    ],
    [
      's3 with an endpoint that is no URL',
      {
        label: 's',
        attributes: [
          ['type', 's3'],
          ['bucket', 'b'],
          ['endpoint_url', 'not a url']
        ]
      },
      {},
      undefined
    ]
  ])('%s', (_, imp, env, expected) => {
    const probe = readProbeOf(imp, env)
    if (expected === undefined) expect(probe).toBeUndefined()
    else expect(probe).toMatchObject(expected)
    expect(probe?.what ?? '').not.toContain(token)
  })

  it('one probe per distinct request', () => {
    const r = (tag: string): CacheImport => ({
      label: tag,
      attributes: [
        ['type', 'registry'],
        ['ref', `127.0.0.1:5000/o/c:${tag}`]
      ]
    })
    expect(readProbes([r('pr-7'), r('main'), r('main')], {}).map(p => p.url)).toEqual([
      'http://127.0.0.1:5000/v2/o/c/manifests/pr-7',
      'http://127.0.0.1:5000/v2/o/c/manifests/main'
    ])
  })

  it.each<[string, () => Promise<Response>, boolean]>([
    ['an answer, even 500, is no stall', async () => new Response('no', { status: 500 }), false],
    [
      'a refused connection is no stall',
      async () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })),
      false
    ],
    ['silence until the deadline is', () => new Promise<Response>(() => undefined), true]
  ])('%s', async (_, answer, silent) => {
    const probe = { what: 'w', url: 'http://127.0.0.1:9/', init: { method: 'GET', headers: {} } }
    const send = ((_url: unknown, init?: RequestInit) =>
      new Promise<Response>((resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason))
        answer().then(resolve, reject)
      })) as typeof fetch
    expect(await silentRead([probe], 50, send)).toEqual(silent ? probe : undefined)
  })

  it.each([
    ['TimeoutError', Object.assign(new Error('t'), { name: 'TimeoutError' }), true],
    ['AbortError', Object.assign(new Error('a'), { name: 'AbortError' }), true],
    ['TypeError (refused, reset)', new TypeError('fetch failed'), false]
  ])('isSilence: %s', (_, error, expected) => {
    expect(isSilence(error)).toBe(expected)
  })
})
