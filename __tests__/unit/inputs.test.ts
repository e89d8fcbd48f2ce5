import { describe, expect, it } from '@jest/globals'
import { InputError, list, readInputs } from '../../src/core/inputs.js'

/** Reads inputs the way @actions/core does: an input that is not given reads as ''. */
const read = (inputs: Record<string, string>) => readInputs(name => inputs[name] ?? '')

function failure(inputs: Record<string, string>): InputError {
  try {
    read(inputs)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error(`inputs were accepted: ${JSON.stringify(inputs)}`)
}

describe('defaults', () => {
  it('no inputs: buildx, gha, auto export, context .', () => {
    expect(read({})).toEqual({
      buildTool: 'buildx',
      builder: undefined,
      context: '.',
      file: undefined,
      tags: [],
      push: false,
      load: false,
      platforms: [],
      buildArgs: [],
      labels: [],
      target: undefined,
      outputs: [],
      cacheBackend: 'gha',
      cacheMode: undefined,
      cacheOptions: {},
      cacheRef: undefined,
      cacheTimeout: 120,
      noCache: false,
      noCacheFilters: [],
      pull: false,
      network: undefined,
      addHosts: [],
      shmSize: undefined,
      ulimit: [],
      cgroupParent: undefined,
      allow: [],
      buildContexts: [],
      annotations: [],
      call: undefined,
      cacheDir: undefined,
      scopePrefix: undefined,
      fallbackBranches: [],
      cacheExport: 'auto',
      cacheFrom: [],
      cacheTo: [],
      githubToken: undefined,
      dryRun: false,
      cleanup: false,
      driverFallback: 'off',
      driverFallbackOpts: []
    })
  })

  it('action.yml defaults read the same as missing inputs', () => {
    expect(
      read({
        'build-tool': 'buildx',
        context: '.',
        push: 'false',
        load: 'false',
        'cache-backend': 'gha',
        'cache-export': 'auto',
        'dry-run': 'false',
        cleanup: 'false',
        'driver-fallback': 'off'
      })
    ).toEqual(read({}))
  })
})

describe('validation: one line naming the input, the value and what is allowed', () => {
  it.each<[string, Record<string, string>, string]>([
    [
      'unknown backend',
      { 'cache-backend': 'redis' },
      'Input "cache-backend": "redis" is not allowed; use one of: gha, registry, inline, local, s3, azblob, none.'
    ],
    [
      'backend names are case-sensitive',
      { 'cache-backend': 'GHA' },
      'Input "cache-backend": "GHA" is not allowed; use one of: gha, registry, inline, local, s3, azblob, none.'
    ],
    ['unknown build tool', { 'build-tool': 'kaniko' }, 'Input "build-tool": "kaniko" is not allowed; use one of: buildx, envd.'],
    ['bad cache-mode', { 'cache-mode': 'all' }, 'Input "cache-mode": "all" is not allowed; use one of: min, max.'],
    ['bad cache-export', { 'cache-export': 'yes' }, 'Input "cache-export": "yes" is not allowed; use one of: auto, true, false.'],
    [
      'inline with max',
      { 'cache-backend': 'inline', 'cache-mode': 'max' },
      'Input "cache-mode": "max" is not supported by the inline backend (inline cache holds only the layers of the final image); use ' +
        'min, or the registry backend for max.'
    ],
    ['bad boolean', { push: 'yes' }, 'Input "push": "yes" is not a boolean; use true or false.'],
    ['bad boolean (dry-run)', { 'dry-run': '1' }, 'Input "dry-run": "1" is not a boolean; use true or false.'],
    [
      'unknown cache-options key',
      { 'cache-options': 'bucket: x' },
      'Input "cache-options": "bucket" is not an attribute of the gha backend; allowed: timeout, ignore-error.'
    ],
    [
      'unknown key for a backend without options',
      { 'cache-backend': 'inline', 'cache-options': 'compression: zstd' },
      'Input "cache-options": "compression" is not an attribute of the inline backend; allowed: none.'
    ],
    [
      'key the action sets: scope',
      { 'cache-options': 'scope: mine' },
      'Input "cache-options": "scope" is set by the action for each scope; use scope-prefix instead.'
    ],
    [
      'key the action sets: mode',
      { 'cache-backend': 'registry', 'cache-options': 'mode: max' },
      'Input "cache-options": "mode" is set by the action for each scope; use cache-mode instead.'
    ],
    [
      'key the action sets: ref',
      { 'cache-backend': 'registry', 'cache-options': 'ref: registry.example.com/app:cache' },
      'Input "cache-options": "ref" is set by the action for each scope; use cache-ref instead.'
    ],
    [
      'key the action sets: dest',
      { 'cache-backend': 'local', 'cache-options': 'dest: /somewhere' },
      'Input "cache-options": "dest" is set by the action for each scope; use cache-dir instead.'
    ],
    [
      'key the action sets: token',
      { 'cache-options': 'token: abc' },
      'Input "cache-options": "token" is set by the action for each scope; use the runner environment (ACTIONS_RUNTIME_TOKEN) instead.'
    ],
    [
      's3 without bucket and region',
      { 'cache-backend': 's3' },
      'Input "cache-options": the s3 backend needs bucket and region, e.g. "bucket: ...".'
    ],
    [
      's3 without region',
      { 'cache-backend': 's3', 'cache-options': 'bucket: ci-cache' },
      'Input "cache-options": the s3 backend needs region, e.g. "region: ...".'
    ],
    [
      's3 with an empty bucket',
      { 'cache-backend': 's3', 'cache-options': 'bucket: ""\nregion: eu-west-1' },
      'Input "cache-options": the s3 backend needs bucket, e.g. "bucket: ...".'
    ],
    [
      'azblob without account_url',
      { 'cache-backend': 'azblob', 'cache-options': 'account_name: ci' },
      'Input "cache-options": the azblob backend needs account_url, e.g. "account_url: ...".'
    ],
    [
      'cache-options with backend none',
      { 'cache-backend': 'none', 'cache-options': 'timeout: 10m' },
      'Input "cache-options": given, but cache-backend is none.'
    ],
    [
      'cache-options is a list',
      { 'cache-options': '- timeout: 10m' },
      'Input "cache-options": must be a YAML mapping of attribute: value, e.g. "region: us-east-1".'
    ],
    [
      'cache-options is a string',
      { 'cache-options': 'timeout=10m' },
      'Input "cache-options": must be a YAML mapping of attribute: value, e.g. "region: us-east-1".'
    ],
    [
      'cache-options value is a mapping',
      { 'cache-options': 'timeout:\n  minutes: 10' },
      'Input "cache-options": "timeout" must have a plain value.'
    ],
    [
      'cache-options value is empty',
      { 'cache-options': 'timeout:' },
      'Input "cache-options": "timeout" is empty; give it a value or leave it out.'
    ]
  ])('%s', (_title, inputs, message) => {
    const error = failure(inputs)
    expect(error.message).toBe(message)
    expect(error.message).not.toContain('\n')
  })

  it.each([
    ['unclosed flow sequence', 'timeout: [10m'],
    ['duplicate key', 'timeout: 10m\ntimeout: 20m'],
    ['bad indentation', 'timeout: 10m\n  ignore-error: true\n ignore-error: false'],
    ['tab indentation', 'timeout:\n\t10m']
  ])('bad YAML (%s): one line naming cache-options', (_title, options) => {
    const error = failure({ 'cache-options': options })
    expect(error.message).toMatch(/^Input "cache-options": not valid YAML \(.+\)\.$/)
    expect(error.message).not.toContain('\n')
  })
})

describe('accepted values', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['', false],
    ['  true  ', true]
  ])('push %j → %s', (value, expected) => {
    expect(read({ push: value }).push).toBe(expected)
  })

  it('inline defaults to min (cache-mode unset) and accepts min', () => {
    expect(read({ 'cache-backend': 'inline' }).cacheMode).toBeUndefined()
    expect(read({ 'cache-backend': 'inline', 'cache-mode': 'min' }).cacheMode).toBe('min')
  })

  it('backend none takes any cache-mode and no options', () => {
    expect(read({ 'cache-backend': 'none', 'cache-mode': 'max' })).toMatchObject({
      cacheBackend: 'none',
      cacheMode: 'max',
      cacheOptions: {}
    })
  })

  it('cache-options: a YAML mapping, values as strings', () => {
    expect(
      read({
        'cache-backend': 's3',
        'cache-options': 'bucket: ci-cache\nregion: eu-west-1\nuse_path_style: true\nupload_parallelism: 8\nignore-error: false'
      }).cacheOptions
    ).toEqual({
      bucket: 'ci-cache',
      region: 'eu-west-1',
      use_path_style: 'true',
      upload_parallelism: '8',
      'ignore-error': 'false'
    })
    expect(
      read({ 'cache-backend': 'azblob', 'cache-options': '{ account_url: "https://ci.blob.example.net/", account_name: ci }' }).cacheOptions
    ).toEqual({
      account_url: 'https://ci.blob.example.net/',
      account_name: 'ci'
    })
    expect(read({ 'cache-options': '  \n ' }).cacheOptions).toEqual({})
  })

  it('trims single-value inputs; empty means unset', () => {
    expect(
      read({
        'cache-backend': '  registry\n',
        'cache-ref': ' registry.example.com/octo-org/cache ',
        'scope-prefix': '  ',
        target: ' prod '
      })
    ).toMatchObject({
      cacheBackend: 'registry',
      cacheRef: 'registry.example.com/octo-org/cache',
      scopePrefix: undefined,
      target: 'prod'
    })
  })
})

describe('lists', () => {
  it.each<[string, string, boolean, string[]]>([
    ['commas', 'a:1,b:2', true, ['a:1', 'b:2']],
    ['newlines', 'a:1\nb:2\n', true, ['a:1', 'b:2']],
    ['commas and newlines, blanks and spaces', ' a:1 , b:2\n\n  c:3,\n,', true, ['a:1', 'b:2', 'c:3']],
    ['CRLF line ends', 'a:1\r\nb:2\r\n', true, ['a:1', 'b:2']],
    ['# comments drop out', '# images\na:1\n  # b:2\nc:3', true, ['a:1', 'c:3']],
    ['newline-only list keeps commas', 'A=1,2\nB=x, y', false, ['A=1,2', 'B=x, y']],
    ['empty', '', true, []],
    ['a quoted value keeps its comma and a leading #', '"#hotfix", "release,2", main', true, ['#hotfix', 'release,2', 'main']],
    ['"" is a quote inside a quoted value', '"say ""hi"""\nb', true, ['say "hi"', 'b']],
    ['an unquoted # mid-line is a comment value', 'a, #b, c', true, ['a', 'c']]
  ])('%s', (_title, value, commas, expected) => {
    expect(list(value, commas)).toEqual(expected)
  })

  it('tags, platforms and fallback-branches split on commas; build-args, labels, outputs and raw specs only on newlines', () => {
    expect(
      read({
        tags: 'registry.example.com/octo-org/app:1.0, registry.example.com/octo-org/app:latest',
        platforms: 'linux/amd64,linux/arm64',
        'fallback-branches': 'develop\nrelease/2.x, staging',
        'build-args': 'LIST=a,b,c\nVERSION=1.0',
        labels: 'org.opencontainers.image.title=app, the app',
        outputs: 'type=image,push=true',
        'cache-from': 'type=registry,ref=registry.example.com/octo-org/app:cache\ntype=gha,scope=extra',
        'cache-to': 'type=gha,scope=extra,mode=max'
      })
    ).toMatchObject({
      tags: ['registry.example.com/octo-org/app:1.0', 'registry.example.com/octo-org/app:latest'],
      platforms: ['linux/amd64', 'linux/arm64'],
      fallbackBranches: ['develop', 'release/2.x', 'staging'],
      buildArgs: ['LIST=a,b,c', 'VERSION=1.0'],
      labels: ['org.opencontainers.image.title=app, the app'],
      outputs: ['type=image,push=true'],
      cacheFrom: ['type=registry,ref=registry.example.com/octo-org/app:cache', 'type=gha,scope=extra'],
      cacheTo: ['type=gha,scope=extra,mode=max']
    })
  })
})
