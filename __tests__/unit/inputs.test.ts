import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { InputError } from '../../src/core/input-error.js'
import { type Inputs, type ListRule, list, readInputs } from '../../src/core/inputs.js'

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
      cacheBudget: { kind: 'percent', percent: 80 },
      cacheMounts: 'auto',
      cacheMountsMaxSize: 1e9,
      cacheMountsImage: 'busybox:stable',
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
      provenance: undefined,
      sbom: undefined,
      attests: [],
      secrets: [],
      ssh: [],
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
      'bad cache-budget',
      { 'cache-budget': '80' },
      'Input "cache-budget": "80" is not a budget; use a share of the repository\'s cache limit (e.g. 80%), a size (e.g. 8GB) or off.'
    ],
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
  const COMMAS = { commas: true }
  const LINES = { commas: false }
  it.each<[string, string, ListRule, string[]]>([
    ['commas', 'a:1,b:2', COMMAS, ['a:1', 'b:2']],
    ['newlines', 'a:1\nb:2\n', COMMAS, ['a:1', 'b:2']],
    ['commas and newlines, blanks and spaces', ' a:1 , b:2\n\n  c:3,\n,', COMMAS, ['a:1', 'b:2', 'c:3']],
    ['CRLF line ends', 'a:1\r\nb:2\r\n', COMMAS, ['a:1', 'b:2']],
    ['a line is one value, commas and all', 'A=1,2\nB=x, y', LINES, ['A=1,2', 'B=x, y']],
    ['empty', '', COMMAS, []],
    ['a quoted value keeps its comma and a leading #', '"#hotfix", "release,2", main', COMMAS, ['#hotfix', 'release,2', 'main']],
    ['"" is a quote inside a quoted value', '"say ""hi"""\nb', COMMAS, ['say "hi"', 'b']],
    ['# is a plain character', '#images\na:1#b, #c', COMMAS, ['#images', 'a:1#b', '#c']],
    ['# in a line is kept', '#A=1\nB=x#y', LINES, ['#A=1', 'B=x#y']],
    ['a quoted value spans lines: one value', '"A=line one\nline, two"\nB=2', LINES, ['A=line one\nline, two', 'B=2']],
    ['a quoted field of a line loses its quotes, the line is joined again', 'A="x,y",B\n"C=1,2",3', LINES, ['A="x,y",B', 'C=1,2,3']],
    ['text after a closing quote: the quotes are plain characters', '"a"b,c', COMMAS, ['"a"b', 'c']],
    [
      'quotes as plain characters (outputs)',
      'type=local,dest="out dir"\n"type=tar',
      { commas: false, quotes: false },
      ['type=local,dest="out dir"', '"type=tar']
    ],
    ['values keep their spaces (secrets)', ' A= x \n\n"B=y "', { commas: false, keepSpaces: true }, [' A= x ', 'B=y ']],
    [
      'comments: an unquoted value starting with # drops out',
      '# images\na, #b, c\n"#d"',
      { commas: true, comments: true },
      ['a', 'c', '#d']
    ],
    ['comments in a list of lines: the whole line', '# opts, with a comma\nimage=x', { commas: false, comments: true }, ['image=x']]
  ])('%s', (_title, value, rule, expected) => {
    expect(list(value, rule, 'tags')).toEqual(expected)
  })

  it('a quote that is never closed: one line naming the input', () => {
    expect(() => list('A=1\n"B=2', { commas: false }, 'build-args')).toThrow(
      new InputError('Input "build-args": a double-quoted value is not closed (write "" for a quote inside one).')
    )
  })

  it('any list of values, each quoted, reads back as the same values', () => {
    const value = fc.string({ unit: fc.constantFrom(',', '"', ' ', '#', '\r', '\n', 'a', '=', 'é') }).filter(v => v.trim() !== '')
    fc.assert(
      fc.property(fc.array(value, { maxLength: 5 }), fc.constantFrom(',', '\n', '\r\n'), (values, separator) => {
        const text = values.map(v => `"${v.replace(/"/g, '""')}"`).join(separator)
        expect(list(text, { commas: true, keepSpaces: true }, 'tags')).toEqual(values)
      })
    )
  })

  // build-push-action's getInputList options, per input: ignoreComma (a line is one value), quote: false, trimWhitespace: false.
  it.each<[string, keyof Inputs, string, string[]]>([
    ['tags', 'tags', 'r/app:1, r/app:latest\nr/app:2', ['r/app:1', 'r/app:latest', 'r/app:2']],
    ['platforms', 'platforms', 'linux/amd64,linux/arm64', ['linux/amd64', 'linux/arm64']],
    ['build-args', 'buildArgs', 'LIST=a,b,c\n"MULTI=one\ntwo"\nHASH=#1', ['LIST=a,b,c', 'MULTI=one\ntwo', 'HASH=#1']],
    ['labels', 'labels', 'org.opencontainers.image.title=app, the app', ['org.opencontainers.image.title=app, the app']],
    ['outputs', 'outputs', 'type=image,push=true\ntype=local,dest="a b"', ['type=image,push=true', 'type=local,dest="a b"']],
    ['no-cache-filters', 'noCacheFilters', 'deps,app', ['deps', 'app']],
    ['add-hosts', 'addHosts', 'a:10.0.0.1,b:10.0.0.2', ['a:10.0.0.1', 'b:10.0.0.2']],
    ['ulimit', 'ulimit', 'nofile=1024:1024', ['nofile=1024:1024']],
    ['allow', 'allow', 'network.host,security.insecure', ['network.host', 'security.insecure']],
    ['build-contexts', 'buildContexts', 'a=docker-image://alpine:3,b', ['a=docker-image://alpine:3,b']],
    ['annotations', 'annotations', 'index:title=app, with a comma', ['index:title=app, with a comma']],
    ['cache-from', 'cacheFrom', 'type=gha,scope=extra\n#type=registry,ref=r/app:c', ['type=gha,scope=extra', '#type=registry,ref=r/app:c']],
    ['cache-to', 'cacheTo', 'type=gha,scope=extra,mode=max', ['type=gha,scope=extra,mode=max']],
    ['ssh', 'ssh', 'default, key=/keys/a', ['default', 'key=/keys/a']],
    [
      'fallback-branches (this action’s own: # comments)',
      'fallbackBranches',
      'develop\n# old\nrelease/2.x, staging',
      ['develop', 'release/2.x', 'staging']
    ],
    ['driver-fallback-opts (this action’s own: # comments)', 'driverFallbackOpts', '# image\nenv.A="x,y"', ['env.A="x,y"']]
  ])('%s', (name, key, value, expected) => {
    expect(read({ [name.split(' ')[0]]: value })[key]).toEqual(expected)
  })
})

describe('secrets', () => {
  it('secrets, secret-files and secret-envs: one list of secrets by id, each of its own kind', () => {
    expect(
      read({
        secrets: 'TOKEN=abc,def\n"KEY=-----BEGIN KEY-----\nline, two\n-----END KEY-----"\nSPACED=  kept  ',
        'secret-files': 'npmrc=./.npmrc\ncert=certs/a,b.pem',
        'secret-envs': 'aws=AWS_SECRET_ACCESS_KEY,gh=GH_TOKEN'
      }).secrets
    ).toEqual([
      { id: 'TOKEN', value: 'abc,def' },
      { id: 'KEY', value: '-----BEGIN KEY-----\nline, two\n-----END KEY-----' },
      { id: 'SPACED', value: '  kept  ' },
      { id: 'npmrc', file: './.npmrc' },
      { id: 'cert', file: 'certs/a,b.pem' },
      { id: 'aws', env: 'AWS_SECRET_ACCESS_KEY' },
      { id: 'gh', env: 'GH_TOKEN' }
    ])
  })

  it.each<[string, Record<string, string>, string]>([
    ['a secret without =', { secrets: 'A=1\nhunter2' }, 'Input "secrets": entry 2 is not id=value (the value is not shown).'],
    ['a secret without an id', { secrets: '=hunter2' }, 'Input "secrets": entry 1 is not id=value (the value is not shown).'],
    ['a secret without a value', { secrets: 'A=' }, 'Input "secrets": entry 1 is not id=value (the value is not shown).'],
    ['a secret file without a path', { 'secret-files': 'npmrc' }, 'Input "secret-files": "npmrc" is not id=path.'],
    ['a secret variable without a name', { 'secret-envs': 'aws=' }, 'Input "secret-envs": "aws=" is not id=VARIABLE.']
  ])('%s: one line naming the input, never the value', (_title, inputs, message) => {
    const error = failure(inputs)
    expect(error.message).toBe(message)
    expect(error.message).not.toContain('hunter2')
  })
})
