// build-push-action's attestation inputs (provenance, sbom, attests) as buildx's --attest values,
// its default provenance and when it is added, envd's refusals, and docker/metadata-action's
// outputs passed straight through: inputs → plan → argv.
import { describe, expect, it } from '@jest/globals'
import { runContext } from '../../src/core/context.js'
import { readInputs } from '../../src/core/inputs.js'
import { invocationOf, plan } from '../../src/core/plan.js'
import type { Env } from '../../src/core/context.js'
import { TOOLS } from '../../src/tools/index.js'
import type { BuildRequest, CacheFlags } from '../../src/tools/tool.js'

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246'
const IMAGE = 'registry.example.com/octo-org/app'
/** What the runner sets: the run's URL is the provenance's builder-id. */
const RUN: Env = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'octo-org/app',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_ATTEMPT: '2',
  RUNNER_TEMP: '/runner/temp'
}
const BUILDER_ID = 'https://github.com/octo-org/app/actions/runs/42/attempts/2'
const NO_CACHE: CacheFlags = { imports: [], exports: [], extraTags: [] }

function pushContext(repository: Record<string, unknown> = {}) {
  return runContext(
    { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'octo-org/app' },
    { repository: { default_branch: 'main', full_name: 'octo-org/app', ...repository } }
  )
}

/** The plan of a push of main, inputs read as the runner gives them (an input not given reads as ''). */
function planned(inputs: Record<string, string>, repository: Record<string, unknown> = {}, env: Env = RUN) {
  return plan(
    readInputs(name => inputs[name] ?? ''),
    pushContext(repository),
    env
  )
}

/** The values of every `flag` on the command line, in order. */
function valuesOf(args: readonly string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []))
}

const attestsOf = (request: BuildRequest, env: Env = RUN) => valuesOf(TOOLS.buildx.invocation(request, NO_CACHE, env).args, '--attest')

describe('provenance, sbom and attests: build-push-action’s shorthands as --attest values', () => {
  // Without the default provenance (a builder that cannot attach attestations), to see each input alone.
  const base: BuildRequest = { ...planned({ tags: `${IMAGE}:1.0`, push: 'true' }).request, defaultProvenance: undefined }

  it.each<[string, Partial<BuildRequest>, string[]]>([
    ['provenance: true', { provenance: 'true' }, [`type=provenance,builder-id=${BUILDER_ID}`]],
    ['provenance: True', { provenance: 'True' }, [`type=provenance,builder-id=${BUILDER_ID}`]],
    ['provenance: false', { provenance: 'false' }, ['type=provenance,disabled=true']],
    ['provenance: FALSE', { provenance: 'FALSE' }, ['type=provenance,disabled=true']],
    ['provenance: mode=max', { provenance: 'mode=max' }, [`type=provenance,mode=max,builder-id=${BUILDER_ID}`]],
    [
      'provenance: mode=max,version=v1',
      { provenance: 'mode=max,version=v1' },
      [`type=provenance,mode=max,version=v1,builder-id=${BUILDER_ID}`]
    ],
    [
      'provenance with its own builder-id keeps it',
      { provenance: 'mode=min,builder-id=https://ci.example.com/runs/9' },
      ['type=provenance,mode=min,builder-id=https://ci.example.com/runs/9']
    ],
    ['provenance: 1 (a switch among attributes)', { provenance: '1' }, [`type=provenance,disabled=false,builder-id=${BUILDER_ID}`]],
    ['sbom: true', { sbom: 'true' }, ['type=sbom,disabled=false']],
    ['sbom: false', { sbom: 'false' }, ['type=sbom,disabled=true']],
    [
      'sbom: generator=<image>',
      { sbom: 'generator=registry.example.com/scanner:1' },
      ['type=sbom,generator=registry.example.com/scanner:1']
    ],
    ['sbom: true,generator=<image>', { sbom: 'true,generator=scanner:1' }, ['type=sbom,disabled=false,generator=scanner:1']],
    [
      'attests: each line, in order; a provenance line gets the builder-id',
      { attests: ['type=sbom,generator=scanner:1', 'type=provenance,mode=max'] },
      ['type=sbom,generator=scanner:1', `type=provenance,mode=max,builder-id=${BUILDER_ID}`]
    ],
    [
      'attests: fields trimmed, a bare switch becomes disabled=',
      { attests: ['type=sbom, generator=scanner:1', 'type=provenance,false'] },
      ['type=sbom,generator=scanner:1', `type=provenance,disabled=true,builder-id=${BUILDER_ID}`]
    ],
    [
      'provenance and sbom win over attests lines of their type; other types stay',
      {
        provenance: 'mode=min',
        sbom: 'true',
        attests: ['type=provenance,mode=max', 'type=sbom,generator=scanner:1', 'type=custom,key=a b']
      },
      [`type=provenance,mode=min,builder-id=${BUILDER_ID}`, 'type=sbom,disabled=false', 'type=custom,key=a b']
    ],
    ['a field with a comma stays one field', { attests: ['type=custom,"note=a,b"'] }, ['type=custom,"note=a,b"']]
  ])('%s', (_title, change, expected) => {
    expect(attestsOf({ ...base, ...change })).toEqual(expected)
  })

  it('no builder-id outside a workflow run (no GITHUB_RUN_ID)', () => {
    expect(attestsOf({ ...base, provenance: 'true' }, { GITHUB_REPOSITORY: 'octo-org/app' })).toEqual(['type=provenance'])
  })

  it('the inputs are read as given: provenance and sbom trimmed, attests one per line', () => {
    const inputs = readInputs(
      name =>
        ({ provenance: ' mode=max ', sbom: 'generator=scanner:1', attests: 'type=sbom,generator=scanner:1\ntype=custom,a=1,b=2\n' })[
          name
        ] ?? ''
    )
    expect({ provenance: inputs.provenance, sbom: inputs.sbom, attests: inputs.attests }).toEqual({
      provenance: 'mode=max',
      sbom: 'generator=scanner:1',
      attests: ['type=sbom,generator=scanner:1', 'type=custom,a=1,b=2']
    })
    const none = readInputs(() => '')
    expect({ provenance: none.provenance, sbom: none.sbom, attests: none.attests }).toEqual({
      provenance: undefined,
      sbom: undefined,
      attests: []
    })
  })
})

describe('the default provenance: added as build-push-action adds it', () => {
  const MAX = `type=provenance,mode=max,builder-id=${BUILDER_ID}`
  const MIN = `type=provenance,mode=min,inline-only=true,builder-id=${BUILDER_ID}`

  it.each<[string, Record<string, string>, Record<string, unknown>, Env, string[]]>([
    ['a public repository: mode=max', { push: 'true' }, {}, {}, [MAX]],
    ['a private repository: mode=min, inline-only', { push: 'true' }, { private: true }, {}, [MIN]],
    ['a local output still gets it (buildx writes it beside the files)', { outputs: 'type=local,dest=out' }, {}, {}, [MAX]],
    ['an image output', { outputs: 'type=image,name=r/app:1,push=true' }, {}, {}, [MAX]],
    ['load: true, into Docker: none', { load: 'true' }, {}, {}, []],
    ['a docker output: none', { outputs: 'type=docker,dest=image.tar' }, {}, {}, []],
    ['BUILDX_NO_DEFAULT_ATTESTATIONS=true: none', { push: 'true' }, {}, { BUILDX_NO_DEFAULT_ATTESTATIONS: 'true' }, []],
    ['BUILDX_NO_DEFAULT_ATTESTATIONS=1: none', { push: 'true' }, {}, { BUILDX_NO_DEFAULT_ATTESTATIONS: '1' }, []],
    ['BUILDX_NO_DEFAULT_ATTESTATIONS=false: added', { push: 'true' }, {}, { BUILDX_NO_DEFAULT_ATTESTATIONS: 'false' }, [MAX]],
    ['provenance: false turns it off', { push: 'true', provenance: 'false' }, {}, {}, ['type=provenance,disabled=true']],
    [
      'provenance given: it, not the default',
      { push: 'true', provenance: 'mode=min' },
      {},
      {},
      [`type=provenance,mode=min,builder-id=${BUILDER_ID}`]
    ],
    [
      'an attests line of type provenance: it, not the default',
      { push: 'true', attests: 'type=provenance,mode=min' },
      {},
      {},
      [`type=provenance,mode=min,builder-id=${BUILDER_ID}`]
    ],
    ['sbom does not replace it', { push: 'true', sbom: 'true' }, {}, {}, [MAX, 'type=sbom,disabled=false']]
  ])('%s', (_title, inputs, repository, env, expected) => {
    const p = planned({ tags: `${IMAGE}:1.0`, 'cache-backend': 'none', ...inputs }, repository, { ...RUN, ...env })
    expect(valuesOf(invocationOf(p, p.imports, { ...RUN, ...env }).args, '--attest')).toEqual(expected)
  })

  it('none on a builder that cannot attach attestations (buildx’s docker driver without the containerd image store)', () => {
    const p = planned({ tags: `${IMAGE}:1.0`, push: 'true' })
    expect(p.request.defaultProvenance).toBe('max')
    expect(attestsOf({ ...p.request, defaultProvenance: undefined })).toEqual([])
  })
})

describe('envd: the attestation inputs', () => {
  const envd = (inputs: Record<string, string>) => () => planned({ 'build-tool': 'envd', tags: `${IMAGE}:1.0`, ...inputs })

  it.each<[string, Record<string, string>]>([
    ['provenance: false', { provenance: 'false' }],
    ['sbom: false', { sbom: 'false' }],
    ['none given', {}]
  ])('%s: what envd does (it attaches none)', (_title, inputs) => {
    const p = envd(inputs)()
    expect(invocationOf(p, p.imports, RUN).args.join(' ')).not.toContain('attest')
  })

  it.each<[string, Record<string, string>, string, string]>([
    ['provenance: true', { provenance: 'true' }, 'provenance', 'empty or false'],
    ['provenance: mode=max', { provenance: 'mode=max' }, 'provenance', 'empty or false'],
    ['sbom: true', { sbom: 'true' }, 'sbom', 'empty or false'],
    ['attests', { attests: 'type=sbom' }, 'attests', 'empty']
  ])('%s: refused before anything runs, naming the input', (_title, inputs, input, allowed) => {
    expect(envd(inputs)).toThrow(
      `Input "${input}": envd attaches no attestations to the image it builds; leave ${input} ${allowed} (build-tool: envd).`
    )
  })
})

describe("docker/metadata-action's outputs pass straight in", () => {
  // What `${{ steps.meta.outputs.tags }}`, `.labels` and `.annotations` hold after a push of main
  // (DOCKER_METADATA_ANNOTATIONS_LEVELS=manifest,index): newline-separated, no trailing newline.
  const tags = [`${IMAGE}:main`, `${IMAGE}:sha-6113728`]
  const labels = [
    'org.opencontainers.image.created=2026-11-30T12:00:00.000Z',
    'org.opencontainers.image.description=Builds the app = fast, with a cache per branch',
    'org.opencontainers.image.licenses=MIT',
    `org.opencontainers.image.revision=${SHA}`,
    'org.opencontainers.image.source=https://github.com/octo-org/app',
    'org.opencontainers.image.title=app',
    'org.opencontainers.image.url=https://github.com/octo-org/app',
    'org.opencontainers.image.version=main'
  ]
  const annotations = [
    'manifest:org.opencontainers.image.created=2026-11-30T12:00:00.000Z',
    'manifest:org.opencontainers.image.description=Builds the app = fast, with a cache per branch',
    'manifest:org.opencontainers.image.version=main',
    'index:org.opencontainers.image.created=2026-11-30T12:00:00.000Z',
    'index:org.opencontainers.image.description=Builds the app = fast, with a cache per branch',
    'index:org.opencontainers.image.version=main'
  ]

  it('every tag, label and annotation is one value on the command line, in order', () => {
    const p = planned({
      tags: tags.join('\n'),
      labels: labels.join('\n'),
      annotations: annotations.join('\n'),
      push: 'true',
      'cache-backend': 'registry'
    })
    const args = invocationOf(p, p.imports, RUN).args
    expect(valuesOf(args, '--tag')).toEqual(tags)
    expect(valuesOf(args, '--label')).toEqual(labels)
    expect(valuesOf(args, '--annotation')).toEqual(annotations)
    expect(valuesOf(args, '--attest')).toEqual([`type=provenance,mode=max,builder-id=${BUILDER_ID}`])
    expect(args).toContain('--push')
    // The first tag names the cache: its repository, this branch's scope.
    expect(valuesOf(args, '--cache-to')).toEqual([`type=registry,ref=${IMAGE}:buildcache-main,mode=max,ignore-error=true`])
  })
})
