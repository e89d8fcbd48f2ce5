import { oneRun } from './one-run.js'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { runContext } from '../../src/core/context.js'
import { readInputs } from '../../src/core/inputs.js'
import { type Plan, displayCommand, invocationOf, plan } from '../../src/core/plan.js'
import type { Env } from '../../src/core/context.js'
import { type Execution, buildMetadata, report } from '../../src/core/report.js'
import type { Attributes } from '../../src/core/spec.js'
import { decodeSpec, encodeSpec } from '../../src/core/spec.js'
import type { Scope } from '../../src/core/scopes.js'
import type { BackendSettings } from '../../src/backends/backend.js'
import { BACKENDS } from '../../src/backends/index.js'
import { TOOLS } from '../../src/tools/index.js'
import type { BuildRequest, CacheFlags } from '../../src/tools/tool.js'

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246'
const IMAGE_REPO = 'registry.example.com/octo-org/app'
const CACHE_REPO = 'registry.example.com/octo-org/build-cache'
const CACHE_DIR = join('runner-temp', 'buildkit-cache', 'octo-org-app')

/** The chain of a pull request #7 into main. */
const PR: Scope = { name: 'pr-7', ref: 'refs/pull/7/merge', role: 'own' }
const MAIN: Scope = { name: 'main', ref: 'refs/heads/main', role: 'base' }
const CHAIN = [PR, MAIN]

/** Settings as the action derives them from the first tag `registry.example.com/octo-org/app:1.0`. */
function settings(overrides: Partial<BackendSettings> = {}): BackendSettings {
  return {
    builder: TOOLS.buildx.traits,
    namespace: 'octo-org/app',
    tagNamespace: [],
    mode: 'max',
    options: {},
    cacheRepository: IMAGE_REPO,
    cacheRepositoryGiven: false,
    cacheDir: CACHE_DIR,
    sha: SHA,
    ...overrides
  }
}
/** scope-prefix: team-a */
const withPrefix = (o: Partial<BackendSettings> = {}) => settings({ namespace: 'team-a', tagNamespace: ['team-a'], ...o })
/** cache-ref: registry.example.com/octo-org/build-cache */
const withCacheRef = (o: Partial<BackendSettings> = {}) =>
  settings({ cacheRepository: CACHE_REPO, cacheRepositoryGiven: true, tagNamespace: ['octo-org', 'app'], ...o })

const importsOf = (backend: string, s: BackendSettings) => BACKENDS[backend].imports(CHAIN, s).map(i => i.attributes)
const exportOf = (backend: string, s: BackendSettings) => BACKENDS[backend].exportTo(PR, s, CHAIN)

describe('backend registry', () => {
  it('has every backend the cache-backend input names', () => {
    expect(Object.keys(BACKENDS).sort()).toEqual(['azblob', 'gha', 'inline', 'local', 'registry', 's3'])
  })
})

describe.each<[string, () => BackendSettings, Attributes[], Attributes]>([
  // backend, settings, imports for (pr-7, main), export for pr-7
  [
    'gha',
    () => settings(),
    [
      [
        ['type', 'gha'],
        ['scope', 'octo-org/app/pr-7']
      ],
      [
        ['type', 'gha'],
        ['scope', 'octo-org/app/main']
      ]
    ],
    [
      ['type', 'gha'],
      ['scope', 'octo-org/app/pr-7'],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ]
  ],
  [
    'gha, scope-prefix',
    () => withPrefix(),
    [
      [
        ['type', 'gha'],
        ['scope', 'team-a/pr-7']
      ],
      [
        ['type', 'gha'],
        ['scope', 'team-a/main']
      ]
    ],
    [
      ['type', 'gha'],
      ['scope', 'team-a/pr-7'],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ]
  ],
  [
    'gha, no namespace',
    () => settings({ namespace: '' }),
    [
      [
        ['type', 'gha'],
        ['scope', 'pr-7']
      ],
      [
        ['type', 'gha'],
        ['scope', 'main']
      ]
    ],
    [
      ['type', 'gha'],
      ['scope', 'pr-7'],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ]
  ],
  [
    'gha, options and min',
    () => settings({ mode: 'min', options: { timeout: '10m', 'ignore-error': 'false' } }),
    [
      [
        ['type', 'gha'],
        ['scope', 'octo-org/app/pr-7'],
        ['timeout', '10m']
      ],
      [
        ['type', 'gha'],
        ['scope', 'octo-org/app/main'],
        ['timeout', '10m']
      ]
    ],
    [
      ['type', 'gha'],
      ['scope', 'octo-org/app/pr-7'],
      ['mode', 'min'],
      ['timeout', '10m'],
      ['ignore-error', 'false']
    ]
  ],

  [
    'registry',
    () => settings(),
    [
      [
        ['type', 'registry'],
        ['ref', `${IMAGE_REPO}:buildcache-pr-7`]
      ],
      [
        ['type', 'registry'],
        ['ref', `${IMAGE_REPO}:buildcache-main`]
      ]
    ],
    [
      ['type', 'registry'],
      ['ref', `${IMAGE_REPO}:buildcache-pr-7`],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ]
  ],
  [
    'registry, scope-prefix',
    () => withPrefix(),
    [
      [
        ['type', 'registry'],
        ['ref', `${IMAGE_REPO}:buildcache-team-a--pr-7`]
      ],
      [
        ['type', 'registry'],
        ['ref', `${IMAGE_REPO}:buildcache-team-a--main`]
      ]
    ],
    [
      ['type', 'registry'],
      ['ref', `${IMAGE_REPO}:buildcache-team-a--pr-7`],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ]
  ],
  [
    'registry, cache-ref',
    () => withCacheRef(),
    [
      [
        ['type', 'registry'],
        ['ref', `${CACHE_REPO}:buildcache-octo-org--app--pr-7`]
      ],
      [
        ['type', 'registry'],
        ['ref', `${CACHE_REPO}:buildcache-octo-org--app--main`]
      ]
    ],
    [
      ['type', 'registry'],
      ['ref', `${CACHE_REPO}:buildcache-octo-org--app--pr-7`],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ]
  ],
  [
    'registry, export options',
    () => settings({ options: { 'image-manifest': 'true', compression: 'zstd', 'oci-mediatypes': 'true' } }),
    [
      [
        ['type', 'registry'],
        ['ref', `${IMAGE_REPO}:buildcache-pr-7`]
      ],
      [
        ['type', 'registry'],
        ['ref', `${IMAGE_REPO}:buildcache-main`]
      ]
    ],
    [
      ['type', 'registry'],
      ['ref', `${IMAGE_REPO}:buildcache-pr-7`],
      ['mode', 'max'],
      ['compression', 'zstd'],
      ['oci-mediatypes', 'true'],
      ['image-manifest', 'true'],
      ['ignore-error', 'true']
    ]
  ],

  [
    'inline',
    () => settings({ mode: 'min' }),
    [
      [
        ['type', 'registry'],
        ['ref', `${IMAGE_REPO}:buildcache-pr-7`]
      ],
      [
        ['type', 'registry'],
        ['ref', `${IMAGE_REPO}:buildcache-main`]
      ]
    ],
    [['type', 'inline']]
  ],
  [
    'inline, cache-ref',
    () => withCacheRef({ mode: 'min' }),
    [
      [
        ['type', 'registry'],
        ['ref', `${CACHE_REPO}:buildcache-octo-org--app--pr-7`]
      ],
      [
        ['type', 'registry'],
        ['ref', `${CACHE_REPO}:buildcache-octo-org--app--main`]
      ]
    ],
    [['type', 'inline']]
  ],

  [
    'local',
    () => settings(),
    [
      [
        ['type', 'local'],
        ['src', join(CACHE_DIR, 'cache')]
      ]
    ],
    [
      ['type', 'local'],
      ['dest', join(CACHE_DIR, 'cache')],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ]
  ],
  [
    'local, envd',
    () => settings({ builder: TOOLS.envd.traits }),
    [
      [
        ['type', 'local'],
        ['src', join(CACHE_DIR, 'cache')]
      ]
    ],
    [
      ['type', 'local'],
      ['dest', join(CACHE_DIR, 'cache')],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ]
  ],

  [
    's3',
    () => settings({ options: { bucket: 'ci-cache', region: 'eu-west-1', upload_parallelism: '8' } }),
    [
      [
        ['type', 's3'],
        ['name', 'octo-org/app/pr-7'],
        ['bucket', 'ci-cache'],
        ['region', 'eu-west-1']
      ],
      [
        ['type', 's3'],
        ['name', 'octo-org/app/main'],
        ['bucket', 'ci-cache'],
        ['region', 'eu-west-1']
      ],
      [
        ['type', 's3'],
        ['name', `octo-org/app/${SHA}`],
        ['bucket', 'ci-cache'],
        ['region', 'eu-west-1']
      ]
    ],
    [
      ['type', 's3'],
      ['name', `octo-org/app/pr-7;octo-org/app/${SHA}`],
      ['mode', 'max'],
      ['bucket', 'ci-cache'],
      ['region', 'eu-west-1'],
      ['ignore-error', 'true'],
      ['upload_parallelism', '8']
    ]
  ],
  [
    's3, scope-prefix',
    () => withPrefix({ options: { bucket: 'ci-cache', region: 'eu-west-1' } }),
    [
      [
        ['type', 's3'],
        ['name', 'team-a/pr-7'],
        ['bucket', 'ci-cache'],
        ['region', 'eu-west-1']
      ],
      [
        ['type', 's3'],
        ['name', 'team-a/main'],
        ['bucket', 'ci-cache'],
        ['region', 'eu-west-1']
      ],
      [
        ['type', 's3'],
        ['name', `team-a/${SHA}`],
        ['bucket', 'ci-cache'],
        ['region', 'eu-west-1']
      ]
    ],
    [
      ['type', 's3'],
      ['name', `team-a/pr-7;team-a/${SHA}`],
      ['mode', 'max'],
      ['bucket', 'ci-cache'],
      ['region', 'eu-west-1'],
      ['ignore-error', 'true']
    ]
  ],

  [
    'azblob',
    () => settings({ options: { account_url: 'https://ci.blob.example.net/', secret_access_key: 's3cr3t' } }),
    [
      [
        ['type', 'azblob'],
        ['name', 'octo-org/app/pr-7'],
        ['account_url', 'https://ci.blob.example.net/'],
        ['secret_access_key', 's3cr3t']
      ],
      [
        ['type', 'azblob'],
        ['name', 'octo-org/app/main'],
        ['account_url', 'https://ci.blob.example.net/'],
        ['secret_access_key', 's3cr3t']
      ],
      [
        ['type', 'azblob'],
        ['name', `octo-org/app/${SHA}`],
        ['account_url', 'https://ci.blob.example.net/'],
        ['secret_access_key', 's3cr3t']
      ]
    ],
    [
      ['type', 'azblob'],
      ['name', `octo-org/app/pr-7;octo-org/app/${SHA}`],
      ['mode', 'max'],
      ['account_url', 'https://ci.blob.example.net/'],
      ['secret_access_key', 's3cr3t'],
      ['ignore-error', 'true']
    ]
  ]
])('%s', (title, make, imports, exported) => {
  const backend = title.split(',')[0]

  it('imports the chain (pr-7, main) in order (object stores: then the commit)', () => {
    expect(importsOf(backend, make())).toEqual(imports)
  })

  it('exports to pr-7', () => {
    expect(exportOf(backend, make())).toEqual(exported)
  })

  it('every spec reads back with the same attributes', () => {
    for (const attributes of [...imports, exported]) expect(decodeSpec(encodeSpec(attributes))).toEqual(attributes)
  })
})

describe('backend details', () => {
  it('gha for envd: one import under the namespace, the cache service as attributes; buildx never carries it', () => {
    const service = { urlV2: 'https://results-receiver.actions.example.com/', token: 'runtime-token' }
    const envd = settings({ builder: TOOLS.envd.traits, actionsCache: service })
    expect(exportOf('gha', envd)).toEqual([
      ['type', 'gha'],
      ['scope', 'octo-org/app'],
      ['url_v2', service.urlV2],
      ['version', '2'],
      ['token', 'runtime-token'],
      ['mode', 'max'],
      ['ignore-error', 'true']
    ])
    expect(BACKENDS.gha.imports(CHAIN, envd)).toEqual([
      {
        label: 'octo-org/app (read under refs/pull/7/merge, refs/heads/main)',
        wholeChain: true,
        attributes: [
          ['type', 'gha'],
          ['scope', 'octo-org/app'],
          ['url_v2', service.urlV2],
          ['version', '2'],
          ['token', 'runtime-token']
        ]
      }
    ])
    expect(exportOf('gha', settings({ builder: TOOLS.buildx.traits, actionsCache: service })).map(([k]) => k)).toEqual([
      'type',
      'scope',
      'mode',
      'ignore-error'
    ])
  })

  it('gha for envd with the v1 service, and without a namespace', () => {
    const service = { url: 'https://artifactcache.actions.example.com/abc/', token: 'runtime-token' }
    expect(importsOf('gha', settings({ builder: TOOLS.envd.traits, namespace: '', actionsCache: service }))).toEqual([
      [
        ['type', 'gha'],
        ['scope', 'buildkit'],
        ['url', service.url],
        ['token', 'runtime-token']
      ]
    ])
  })

  it('object stores: a tag build (no own scope) also reads the commit’s own manifest; no commit, no extra name', () => {
    const s3 = settings({ options: { bucket: 'ci-cache', region: 'eu-west-1' } })
    expect(BACKENDS.s3.imports([MAIN], s3).map(i => i.label)).toEqual(['octo-org/app/main', `octo-org/app/${SHA}`])
    expect(BACKENDS.azblob.imports([MAIN], settings({ sha: '' })).map(i => i.label)).toEqual(['octo-org/app/main'])
    expect(BACKENDS.s3.exportTo(PR, { ...s3, sha: '' }, CHAIN)[1]).toEqual(['name', 'octo-org/app/pr-7'])
  })

  it('labels: the scope id, the registry ref, or the local chain', () => {
    expect(BACKENDS.gha.imports(CHAIN, settings()).map(i => i.label)).toEqual(['octo-org/app/pr-7', 'octo-org/app/main'])
    expect(BACKENDS.registry.imports(CHAIN, settings()).map(i => i.label)).toEqual([
      `${IMAGE_REPO}:buildcache-pr-7`,
      `${IMAGE_REPO}:buildcache-main`
    ])
    expect(BACKENDS.local.imports(CHAIN, settings()).map(i => i.label)).toEqual(['pr-7 → main'])
  })

  it('probes: registry refs for registry and inline, the restored directory for local', () => {
    expect(BACKENDS.registry.imports(CHAIN, settings())[0].probe).toEqual({ kind: 'registry', ref: `${IMAGE_REPO}:buildcache-pr-7` })
    expect(BACKENDS.inline.imports(CHAIN, settings())[1].probe).toEqual({ kind: 'registry', ref: `${IMAGE_REPO}:buildcache-main` })
    expect(BACKENDS.local.imports(CHAIN, settings())[0].probe).toEqual({ kind: 'directory', path: join(CACHE_DIR, 'cache') })
    expect(BACKENDS.gha.imports(CHAIN, settings())[0].probe).toBeUndefined()
  })

  it('inline tags the image with its own scope’s cache tag', () => {
    expect(BACKENDS.inline.exportTags?.(PR, settings({ mode: 'min' }))).toEqual([`${IMAGE_REPO}:buildcache-pr-7`])
    expect(BACKENDS.inline.exportTags?.(PR, withCacheRef({ mode: 'min' }))).toEqual([`${CACHE_REPO}:buildcache-octo-org--app--pr-7`])
  })

  it('registry cache tags are of the tag grammar, even for long or odd scope names', () => {
    const odd: Scope = { name: 'release-2.x-1a2b3c4d', ref: 'refs/heads/release/2.x', role: 'base' }
    const long: Scope = { name: 'a'.repeat(128), ref: `refs/heads/${'a'.repeat(128)}`, role: 'own' }
    for (const s of [settings(), withPrefix(), withCacheRef(), withCacheRef({ namespace: '' })]) {
      for (const imp of BACKENDS.registry.imports([odd, long], s)) {
        const tag = imp.label.slice(imp.label.lastIndexOf(':') + 1)
        expect(tag).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
      }
    }
  })

  it('registry and inline need a cache repository', () => {
    const missing = settings({ cacheRepository: undefined })
    expect(BACKENDS.registry.check?.(missing)).toEqual({
      input: 'cache-ref',
      reason: 'required for this backend when no tags are given (the cache repository is derived from the first tag)'
    })
    expect(BACKENDS.inline.check?.(missing)).toEqual(BACKENDS.registry.check?.(missing))
    expect(BACKENDS.registry.check?.(settings())).toBeUndefined()
  })

  it('backend properties: driver needs, Actions cache, min only, secrets', () => {
    expect(
      Object.values(BACKENDS)
        .filter(b => b.needsBuildKitDriver)
        .map(b => b.name)
        .sort()
    ).toEqual(['azblob', 's3'])
    expect(
      Object.values(BACKENDS)
        .filter(b => b.usesActionsCache)
        .map(b => b.name)
        .sort()
    ).toEqual(['gha', 'local'])
    expect(
      Object.values(BACKENDS)
        .filter(b => b.minOnly)
        .map(b => b.name)
    ).toEqual(['inline'])
    expect(BACKENDS.s3.secretOptions).toEqual(['access_key_id', 'secret_access_key', 'session_token'])
    expect(BACKENDS.azblob.secretOptions).toEqual(['secret_access_key'])
  })

  it('every exporting backend except inline defaults to ignore-error=true', () => {
    for (const name of ['gha', 'registry', 'local', 's3', 'azblob']) {
      expect(exportOf(name, settings())).toContainEqual(['ignore-error', 'true'])
      expect(exportOf(name, settings({ options: { 'ignore-error': 'false' } }))).toContainEqual(['ignore-error', 'false'])
    }
  })
})

describe('tool invocations', () => {
  const request: BuildRequest = {
    context: '.',
    tags: [`${IMAGE_REPO}:1.0`, `${IMAGE_REPO}:latest`],
    push: true,
    load: false,
    platforms: ['linux/amd64', 'linux/arm64'],
    buildArgs: ['VERSION=1.0', 'LIST=a,b'],
    labels: [`org.opencontainers.image.revision=${SHA}`],
    outputs: [],
    noCache: false,
    noCacheFilters: [],
    pull: false,
    addHosts: [],
    ulimit: [],
    allow: [],
    buildContexts: [],
    annotations: [],
    attests: [],
    secrets: [],
    ssh: [],
    metadataFile: join('runner-temp', 'branch-cache-build-metadata.json')
  }
  /** What envd can take of it: one tag, no build arguments or labels, no push. */
  const envdRequest: BuildRequest = { ...request, tags: request.tags.slice(0, 1), push: false, buildArgs: [], labels: [] }
  const cache: CacheFlags = {
    imports: BACKENDS.gha.imports(CHAIN, settings()).map(i => i.attributes),
    exports: [BACKENDS.gha.exportTo(PR, settings(), CHAIN)],
    extraTags: []
  }

  it('buildx build', () => {
    expect(TOOLS.buildx.invocation(request, cache, { ACTIONS_CACHE_URL: 'https://artifactcache.actions.example.com/abc/' })).toEqual({
      file: 'docker',
      args: [
        'buildx',
        'build',
        '--tag',
        `${IMAGE_REPO}:1.0`,
        '--tag',
        `${IMAGE_REPO}:latest`,
        '--platform',
        'linux/amd64,linux/arm64',
        '--build-arg',
        'VERSION=1.0',
        '--build-arg',
        'LIST=a,b',
        '--label',
        `org.opencontainers.image.revision=${SHA}`,
        '--push',
        '--cache-from',
        'type=gha,scope=octo-org/app/pr-7',
        '--cache-from',
        'type=gha,scope=octo-org/app/main',
        '--cache-to',
        'type=gha,scope=octo-org/app/pr-7,mode=max,ignore-error=true',
        '--metadata-file',
        join('runner-temp', 'branch-cache-build-metadata.json'),
        '--progress',
        'rawjson',
        '.'
      ],
      env: {}
    })
  })

  it('buildx with builder, file, target, outputs, load and inline cache tags', () => {
    const inv = TOOLS.buildx.invocation(
      {
        ...request,
        builder: 'ci-builder',
        file: 'docker/Dockerfile',
        target: 'prod',
        outputs: ['type=docker'],
        push: false,
        load: true,
        platforms: [],
        buildArgs: [],
        labels: [],
        tags: [`${IMAGE_REPO}:1.0`]
      },
      {
        imports: BACKENDS.inline.imports([MAIN], settings({ mode: 'min' })).map(i => i.attributes),
        exports: [[['type', 'inline']]],
        extraTags: [`${IMAGE_REPO}:buildcache-pr-7`]
      },
      {}
    )
    expect(inv.args).toEqual([
      'buildx',
      'build',
      '--builder',
      'ci-builder',
      '--file',
      'docker/Dockerfile',
      '--tag',
      `${IMAGE_REPO}:1.0`,
      '--tag',
      `${IMAGE_REPO}:buildcache-pr-7`,
      '--target',
      'prod',
      '--output',
      'type=docker',
      '--load',
      '--cache-from',
      `type=registry,ref=${IMAGE_REPO}:buildcache-main`,
      '--cache-to',
      'type=inline',
      '--metadata-file',
      join('runner-temp', 'branch-cache-build-metadata.json'),
      '--progress',
      'rawjson',
      '.'
    ])
  })

  it.each<[string, Record<string, string>, Record<string, string>]>([
    [
      'v2 service only: tell buildx it is v2',
      { ACTIONS_RESULTS_URL: 'https://results-receiver.actions.example.com/' },
      { ACTIONS_CACHE_SERVICE_V2: 'true' }
    ],
    [
      'v1 service URL present',
      {
        ACTIONS_CACHE_URL: 'https://artifactcache.actions.example.com/abc/',
        ACTIONS_RESULTS_URL: 'https://results-receiver.actions.example.com/'
      },
      {}
    ],
    ['already told', { ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: 'https://results-receiver.actions.example.com/' }, {}],
    ['no service', {}, {}]
  ])('buildx environment: %s', (_title, env, childEnv) => {
    expect(TOOLS.buildx.invocation(request, cache, env).env).toEqual(childEnv)
  })

  it('the runtime token never appears on the buildx command line', () => {
    const env = { ACTIONS_RUNTIME_TOKEN: 'runtime-token', ACTIONS_RESULTS_URL: 'https://results-receiver.actions.example.com/' }
    expect(TOOLS.buildx.invocation(request, cache, env).args.join(' ')).not.toContain('runtime-token')
  })

  it('a scope with a comma stays one attribute on the command line', () => {
    const odd: Attributes = [
      ['type', 'gha'],
      ['scope', 'team,mode=min/pr-7']
    ]
    const inv = TOOLS.buildx.invocation(request, { imports: [odd], exports: [], extraTags: [] }, {})
    expect(inv.args).toContain('type=gha,"scope=team,mode=min/pr-7"')
  })

  it('envd build: one import, one export, the first tag (only the first import is passed)', () => {
    const envdCache: CacheFlags = {
      imports: [
        ...BACKENDS.gha.imports(CHAIN, settings({ builder: TOOLS.envd.traits })).map(i => i.attributes),
        [
          ['type', 'gha'],
          ['scope', 'other']
        ]
      ],
      exports: [BACKENDS.gha.exportTo(PR, settings({ builder: TOOLS.envd.traits }), CHAIN)],
      extraTags: []
    }
    expect(TOOLS.envd.traits.singleImport).toBe(true)
    expect(TOOLS.buildx.traits.singleImport).toBe(false)
    expect(TOOLS.envd.invocation({ ...envdRequest, file: 'build.envd:build' }, envdCache, {})).toEqual({
      file: 'envd',
      args: [
        'build',
        '--path',
        '.',
        '--from',
        'build.envd:build',
        '--tag',
        `${IMAGE_REPO}:1.0`,
        '--platform',
        'linux/amd64,linux/arm64',
        '--import-cache',
        'type=gha,scope=octo-org/app',
        '--export-cache',
        'type=gha,scope=octo-org/app,mode=max,ignore-error=true'
      ],
      env: { ENVD_ANALYTICS: 'false' }
    })
  })

  it('envd local import without an export still exports to the imported directory (envd imports nothing otherwise)', () => {
    const imported = BACKENDS.local.imports(CHAIN, settings({ builder: TOOLS.envd.traits }))[0].attributes
    const src = join(CACHE_DIR, 'cache')
    const withDigest: Attributes = [...imported, ['digest', `sha256:${'1'.repeat(64)}`]]
    const args = (cache: CacheFlags) => TOOLS.envd.invocation({ ...envdRequest, tags: [], platforms: [] }, cache, {}).args
    expect(args({ imports: [withDigest], exports: [], extraTags: [] })).toEqual([
      'build',
      '--path',
      '.',
      '--import-cache',
      `type=local,src=${src},digest=sha256:${'1'.repeat(64)}`,
      '--export-cache',
      `type=local,dest=${src},ignore-error=true`
    ])
    const exported = BACKENDS.local.exportTo(PR, settings({ builder: TOOLS.envd.traits }), CHAIN)
    expect(args({ imports: [withDigest], exports: [exported], extraTags: [] }).filter(a => a.startsWith('type=local,dest'))).toEqual([
      `type=local,dest=${src},mode=max,ignore-error=true`
    ])
    expect(
      args({ imports: [BACKENDS.gha.imports(CHAIN, settings({ builder: TOOLS.envd.traits }))[0].attributes], exports: [], extraTags: [] })
    ).not.toContain('--export-cache')
  })

  it('envd: outputs, no tags, no cache; the user’s ENVD_ANALYTICS is left alone', () => {
    const inv = TOOLS.envd.invocation(
      { ...envdRequest, tags: [], platforms: [], outputs: ['type=oci,dest=image.tar'] },
      { imports: [], exports: [], extraTags: [] },
      { ENVD_ANALYTICS: 'true' }
    )
    expect(inv).toEqual({ file: 'envd', args: ['build', '--path', '.', '--output', 'type=oci,dest=image.tar'], env: {} })
  })

  it('envd push: the first tag becomes a pushed image output, and no Docker engine is needed', () => {
    const pushed = { ...envdRequest, push: true }
    expect(TOOLS.envd.invocation(pushed, { imports: [], exports: [], extraTags: [] }, {}).args).toEqual(
      expect.arrayContaining(['--output', `type=image,name=${IMAGE_REPO}:1.0,push=true`])
    )
    expect(TOOLS.envd.needsDockerEngine?.(pushed)).toBe(false)
    expect(TOOLS.envd.needsDockerEngine?.(envdRequest)).toBe(true)
    expect(TOOLS.envd.needsDockerEngine?.({ ...envdRequest, outputs: ['type=oci,dest=image.tar'] })).toBe(false)
  })

  it.each<[string, Partial<BuildRequest>, string | undefined]>([
    ['one tag, no push', {}, undefined],
    ['push with one tag', { push: true }, undefined],
    ['load', { load: true }, undefined],
    ['a second tag', { tags: ['a:1', 'a:2'] }, 'tags'],
    ['build-args', { buildArgs: ['A=1'] }, 'build-args'],
    ['labels', { labels: ['a=b'] }, 'labels'],
    ['target', { target: 'runtime' }, 'target'],
    ['push and load', { push: true, load: true }, 'load'],
    ['push with outputs', { push: true, outputs: ['type=oci,dest=x.tar'] }, 'push'],
    ['push without a tag', { push: true, tags: [] }, 'push'],
    ['load with outputs', { load: true, outputs: ['type=oci,dest=x.tar'] }, 'load']
  ])('envd refuses what it cannot take, naming the input: %s', (_title, change, input) => {
    expect(TOOLS.envd.check?.({ ...envdRequest, ...change })?.input).toBe(input)
    expect(TOOLS.buildx.check?.({ ...envdRequest, ...change })).toBeUndefined()
  })

  it.each<[string, Partial<BuildRequest>, string[]]>([
    ['no-cache', { noCache: true }, ['--no-cache']],
    ['no-cache-filters', { noCacheFilters: ['deps', 'app'] }, ['--no-cache-filter', 'deps', '--no-cache-filter', 'app']],
    ['pull', { pull: true }, ['--pull']],
    ['network', { network: 'host' }, ['--network', 'host']],
    ['add-hosts', { addHosts: ['docker:10.180.0.1', 'db:10.180.0.2'] }, ['--add-host', 'docker:10.180.0.1', '--add-host', 'db:10.180.0.2']],
    ['shm-size', { shmSize: '2g' }, ['--shm-size', '2g']],
    ['ulimit', { ulimit: ['nofile=1024:1024', 'nproc=64'] }, ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=64']],
    ['cgroup-parent', { cgroupParent: '/ci' }, ['--cgroup-parent', '/ci']],
    ['allow', { allow: ['network.host', 'security.insecure'] }, ['--allow', 'network.host,security.insecure']],
    [
      'build-contexts',
      { buildContexts: ['alpine=docker-image://alpine:3', 'src=./src'] },
      ['--build-context', 'alpine=docker-image://alpine:3', '--build-context', 'src=./src']
    ],
    [
      'annotations',
      { annotations: ['index:org.opencontainers.image.title=app, with a comma'] },
      ['--annotation', 'index:org.opencontainers.image.title=app, with a comma']
    ],
    ['call', { call: 'check' }, ['--call', 'check']],
    ['secret-files', { secrets: [{ id: 'npmrc', file: '.npmrc' }] }, ['--secret', 'id=npmrc,src=.npmrc']],
    ['secret-envs', { secrets: [{ id: 'aws', env: 'AWS_SECRET_ACCESS_KEY' }] }, ['--secret', 'id=aws,env=AWS_SECRET_ACCESS_KEY']],
    ['ssh', { ssh: ['default', 'deploy=/keys/a'] }, ['--ssh', 'default', '--ssh', 'deploy=/keys/a']]
  ])('buildx: %s', (_title, change, flags) => {
    const args = TOOLS.buildx.invocation({ ...request, ...change }, { imports: [], exports: [], extraTags: [] }, {}).args
    const at = args.indexOf(flags[0])
    expect(args.slice(at, at + flags.length)).toEqual(flags)
    // envd has none of them but no-cache (its --force): it refuses each, naming the input.
    const refused = TOOLS.envd.check?.({ ...envdRequest, ...change })
    if (_title === 'no-cache')
      expect(TOOLS.envd.invocation({ ...envdRequest, ...change }, { imports: [], exports: [], extraTags: [] }, {}).args).toContain(
        '--force'
      )
    else expect(refused).toEqual({ input: _title, reason: 'envd has no such build flag' })
  })
})

describe('build inputs → argv, as the action reads them and plans the build', () => {
  const ENV: Env = {
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: SHA,
    GITHUB_REPOSITORY: 'octo-org/app',
    GITHUB_ACTION: 'build',
    RUNNER_TEMP: 'runner-temp',
    AWS_SECRET: 'from-the-environment'
  }
  const context = runContext(ENV, {})
  const planOf = (values: Record<string, string>, env: Env = ENV) =>
    plan(
      readInputs(name => values[name] ?? ''),
      context,
      env
    )
  const argsOf = (p: Plan, env: Env = ENV) => invocationOf(p, p.imports, env).args
  const SECRET_DIR = join('runner-temp', 'branch-cache-build-build-secrets')

  it.each<[string, Record<string, string>, string[][]]>([
    [
      'a quoted multi-line build-arg is one --build-arg',
      { 'build-args': '"MULTI=one\ntwo, three"\nLIST=a,b' },
      [['--build-arg', 'MULTI=one\ntwo, three', '--build-arg', 'LIST=a,b']]
    ],
    [
      '# in a value is kept',
      { 'build-args': 'HASH=a#b\n#LEADING=1', labels: 'x=#1' },
      [
        ['--build-arg', 'HASH=a#b', '--build-arg', '#LEADING=1'],
        ['--label', 'x=#1']
      ]
    ],
    ['a label with a comma is one --label', { labels: 'title=app, the app' }, [['--label', 'title=app, the app']]],
    ['tags split on commas', { tags: `${IMAGE_REPO}:1, ${IMAGE_REPO}:2` }, [['--tag', `${IMAGE_REPO}:1`, '--tag', `${IMAGE_REPO}:2`]]],
    [
      'secrets: one file per value in the runner temp directory, never the value',
      { secrets: 'TOKEN=abc\n"KEY=multi\nline, with a comma"' },
      [['--secret', `id=TOKEN,src=${join(SECRET_DIR, '0')}`, '--secret', `id=KEY,src=${join(SECRET_DIR, '1')}`]]
    ],
    [
      'secret-files: the file as given, a comma in its path quoted',
      { 'secret-files': 'cert=certs/a,b.pem' },
      [['--secret', 'id=cert,"src=certs/a,b.pem"']]
    ],
    [
      'secret-envs: the variable by name',
      { 'secret-envs': 'aws=AWS_SECRET,gh=GH_TOKEN' },
      [['--secret', 'id=aws,env=AWS_SECRET', '--secret', 'id=gh,env=GH_TOKEN']]
    ],
    ['ssh: the agent', { ssh: 'default' }, [['--ssh', 'default']]]
  ])('%s', (_title, values, sequences) => {
    const args = argsOf(planOf(values))
    for (const flags of sequences) {
      const at = args.indexOf(flags[0])
      expect(args.slice(at, at + flags.length)).toEqual(flags)
    }
  })

  it('the plan says which files to write with which value, and masks every value, line by line', () => {
    const p = planOf({ secrets: 'TOKEN=abc\n"KEY=multi\nline"', 'secret-envs': 'aws=AWS_SECRET,unset=NOT_SET' })
    expect(p.secretFiles).toEqual({
      dir: SECRET_DIR,
      files: [
        { path: join(SECRET_DIR, '0'), value: 'abc' },
        { path: join(SECRET_DIR, '1'), value: 'multi\nline' }
      ]
    })
    expect(p.secrets).toEqual(expect.arrayContaining(['abc', 'multi\nline', 'multi', 'line', 'from-the-environment']))
    expect(planOf({ 'secret-files': 'npmrc=.npmrc' }).secretFiles).toBeUndefined()
  })

  it('envd refuses secrets, naming the input', () => {
    expect(() => planOf({ 'build-tool': 'envd', secrets: 'TOKEN=abc' })).toThrow(
      'Input "secrets": envd has no such build flag (build-tool: envd).'
    )
  })

  const finished = (p: Plan): Execution =>
    oneRun(p, { totalSteps: 2, cachedSteps: 1, runSeconds: 1, importSeconds: 0, exportSeconds: 0, imports: [], exportErrors: [] })
  const value = fc.oneof(
    fc.string({ minLength: 1, unit: fc.constantFrom(',', '=', '"', ' ', '#', '\r', '\n', 'a', 'é', '𝄞', "'", '\\') }),
    fc.string({ minLength: 1, unit: 'grapheme' })
  )
  const quoted = (v: string) => `"${v.replace(/"/g, '""')}"`

  it('the argv is the same whatever the secret values are', () => {
    const reference = planOf({ secrets: 'ID=x', 'secret-envs': 'aws=AWS_SECRET' }, { ...ENV, AWS_SECRET: 'y' })
    fc.assert(
      fc.property(value, value, (given, inEnv) => {
        const env = { ...ENV, AWS_SECRET: inEnv }
        const p = planOf({ secrets: quoted(`ID=${given}`), 'secret-envs': 'aws=AWS_SECRET' }, env)
        expect(p.secretFiles?.files.map(f => f.value)).toEqual([given])
        expect(argsOf(p, env)).toEqual(argsOf(reference))
      })
    )
  })

  it('no secret value reaches the argv, the command shown or any output', () => {
    // A marker, so that the value cannot be part of the argv by chance (a secret "build" is in "buildx").
    const secret = value.map(v => `s3cr3t-${v}`)
    fc.assert(
      fc.property(secret, secret, (given, inEnv) => {
        const env = { ...ENV, AWS_SECRET: inEnv }
        const p = planOf({ secrets: quoted(`ID=${given}`), 'secret-envs': 'aws=AWS_SECRET', tags: `${IMAGE_REPO}:1` }, env)
        const invocation = invocationOf(p, p.imports, env)
        const outputs = report(finished(p), { metadata: { text: '{}' } }, env).outputs
        for (const text of [...invocation.args, displayCommand(invocation, p.secrets), ...Object.values(outputs)]) {
          expect(text).not.toContain(given)
          expect(text).not.toContain(inEnv)
        }
      })
    )
  })
})

describe("imageid and digest from buildx's metadata file", () => {
  const config = `sha256:${'c'.repeat(64)}`
  const manifest = `sha256:${'m'.repeat(64)}`
  it.each<[string, Record<string, string>, { digest?: string; imageId?: string }]>([
    [
      'an image: its config digest, as --iidfile has it',
      { 'containerimage.config.digest': config, 'containerimage.digest': manifest },
      { digest: manifest, imageId: config }
    ],
    [
      'an index (platforms, attestations) has no config: its digest',
      { 'containerimage.digest': manifest },
      { digest: manifest, imageId: manifest }
    ],
    ['no image (a local or tar output)', { 'buildx.build.ref': 'default/default/x' }, {}]
  ])('%s', (_title, metadata, expected) => {
    const text = JSON.stringify(metadata)
    expect(buildMetadata(text)).toEqual({ text, ...expected })
  })

  it('no file, or not JSON: nothing', () => {
    expect(buildMetadata('')).toEqual({ text: '' })
    expect(buildMetadata('{')).toEqual({ text: '' })
  })
})
