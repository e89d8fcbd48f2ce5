import { mount } from './cache-mount.js'
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { type CacheMount, cacheMountsOf, parseCacheMountsInput } from '../../src/core/cache-mounts.js'
import { InputError } from '../../src/core/input-error.js'
import { encodeSpec } from '../../src/core/spec.js'

const keys = (dockerfile: string, target?: string, buildArgs?: Record<string, string>) =>
  cacheMountsOf(dockerfile, target, buildArgs).map(m => m.key)

describe('cacheMountsOf: mount syntax', () => {
  it.each<[string, string, CacheMount[]]>([
    ['no cache mounts: nothing', 'FROM alpine\nRUN apk add git\n', []],
    ['empty Dockerfile', '', []],
    [
      'target only: the key is the target',
      'FROM golang\nRUN --mount=type=cache,target=/root/.cache/go-build go build ./...\n',
      [mount('/root/.cache/go-build')]
    ],
    [
      'every setting',
      'FROM golang\nRUN --mount=type=cache,target=/root/.cache/go-build,id=gobuild,sharing=locked,uid=1000,gid=1000,mode=0755 go build\n',
      [mount('gobuild', { target: '/root/.cache/go-build', sharing: 'locked', uid: 1000, gid: 1000, mode: 0o755 })]
    ],
    ['dst= is target', 'FROM a\nRUN --mount=type=cache,dst=/var/cache/apt true\n', [mount('/var/cache/apt')]],
    ['destination= is target', 'FROM a\nRUN --mount=type=cache,destination=/var/cache/apt true\n', [mount('/var/cache/apt')]],
    [
      'several --mount flags on one RUN, other types left out',
      'FROM a\nRUN --mount=type=cache,target=/a --mount=type=bind,target=/src --mount=type=secret,id=tok ' +
        '--mount=type=ssh --mount=type=tmpfs,target=/tmp --mount=target=/default-is-bind --mount=type=cache,id=b,target=/b make\n',
      [mount('/a'), mount('b', { target: '/b' })]
    ],
    [
      'keys, type and sharing are case-insensitive; instructions too',
      'from a\nrun --mount=TYPE=Cache,Target=/x,SHARING=Private true\n',
      [mount('/x', { sharing: 'private' })]
    ],
    ['--mount itself is case-sensitive (BuildKit refuses --MOUNT)', 'FROM a\nRUN --MOUNT=type=cache,target=/x true\n', []],
    [
      'without id the key is the cleaned target, as written (relative stays relative)',
      'FROM a\nRUN --mount=type=cache,target=/root/.cache/ --mount=type=cache,target=/a//b/../c --mount=type=cache,target=./rel/ true\n',
      [mount('/root/.cache', { target: '/root/.cache/' }), mount('/a/c', { target: '/a//b/../c' }), mount('rel', { target: './rel/' })]
    ],
    ['an empty id is no id', 'FROM a\nRUN --mount=type=cache,id=,target=/x true\n', [mount('/x')]],
    ['ro', 'FROM a\nRUN --mount=type=cache,target=/x,ro true\n', [mount('/x', { readonly: true })]],
    ['readonly=true', 'FROM a\nRUN --mount=type=cache,target=/x,readonly=true true\n', [mount('/x', { readonly: true })]],
    ['rw=false', 'FROM a\nRUN --mount=type=cache,target=/x,rw=false true\n', [mount('/x', { readonly: true })]],
    [
      'from= and source= are kept',
      'FROM alpine AS seed\nRUN mkdir /c\nFROM a\nRUN --mount=type=cache,target=/x,from=seed,source=/c true\n',
      [mount('/x', { from: 'seed', source: '/c' })]
    ],
    ['src= is source', 'FROM a\nRUN --mount=type=cache,target=/x,from=img,src=/c true\n', [mount('/x', { from: 'img', source: '/c' })]],
    ['a quoted flag word: quotes go, spaces stay', 'FROM a\nRUN --mount="type=cache,target=/with space" true\n', [mount('/with space')]],
    [
      'a CSV-quoted field keeps its comma (the quotes reach the CSV reader escaped or single-quoted)',
      `FROM a\nRUN --mount=type=cache,'"target=/a,b"' --mount=type=cache,\\"id=c,d\\",target=/e true\n`,
      [mount('/a,b'), mount('c,d', { target: '/e' })]
    ],
    [
      'mounts BuildKit refuses are left out (the build stops there)',
      'FROM a\nRUN --mount=type=cache,target=/1,sharing=sometimes --mount=type=cache,target=/2,uid=me ' +
        '--mount=type=cache,target=/3,mode=0999 --mount=type=cache,target=/4,colour=red --mount=type=cache,target=/5,size=1g ' +
        '--mount=type=cache,target=/6,required --mount=type=cache,target=/7,ro=maybe --mount=type=cache,id=no-target true\n',
      []
    ],
    ['a mount flag after -- is not a flag', 'FROM a\nRUN -- --mount=type=cache,target=/x true\n', []]
  ])('%s', (_title, dockerfile, expected) => {
    expect(cacheMountsOf(dockerfile)).toEqual(expected)
  })
})

describe('cacheMountsOf: lines', () => {
  it.each<[string, string, string[]]>([
    ['continuation lines', 'FROM a\nRUN --mount=type=cache,target=/a \\\n    --mount=type=cache,target=/b \\\n    make\n', ['/a', '/b']],
    ['a flag word split by a continuation', 'FROM a\nRUN --mount=type=cache,\\\ntarget=/a make\n', ['/a']],
    [
      'comment and empty lines inside a continuation are skipped',
      'FROM a\nRUN --mount=type=cache,target=/a \\\n# --mount=type=cache,target=/commented \\\n\n    --mount=type=cache,target=/b make\n',
      ['/a', '/b']
    ],
    ['a commented-out RUN', 'FROM a\n# RUN --mount=type=cache,target=/x true\n  # RUN --mount=type=cache,target=/y true\n', []],
    ['CRLF line ends', 'FROM a\r\nRUN --mount=type=cache,target=/a \\\r\n  --mount=type=cache,target=/b true\r\n', ['/a', '/b']],
    ['a byte-order mark', '\uFEFFFROM a\nRUN --mount=type=cache,target=/a true\n', ['/a']],
    [
      '# escape=` makes ` the continuation and escape character, \\ a plain one',
      '# escape=`\nFROM a\nRUN --mount=type=cache,target=C:\\cache `\n    --mount=type=cache,target=/b make\n',
      ['C:\\cache', '/b']
    ],
    [
      '# escape= after syntax= is still a directive',
      '# syntax=docker/dockerfile:1\n#escape = `\nFROM a\nRUN --mount=type=cache,target=/a `\n    --mount=type=cache,target=/b make\n',
      ['/a', '/b']
    ],
    [
      '# escape= after a comment is a comment: \\ stays the escape character',
      '# a comment\n# escape=`\nFROM a\nRUN --mount=type=cache,target=/a \\\n    --mount=type=cache,target=/b make\n',
      ['/a', '/b']
    ],
    [
      'a heredoc body is not instructions',
      'FROM a\nRUN --mount=type=cache,target=/real <<EOF\nRUN --mount=type=cache,target=/fake true\nEOF\n' +
        'RUN --mount=type=cache,target=/after true\n',
      ['/real', '/after']
    ],
    [
      '<<- strips leading tabs from the terminator; quoted and spaced names',
      'FROM a\nRUN <<-"END"\n\tRUN --mount=type=cache,target=/fake1 true\n\tEND\n' +
        "RUN << 'X'\nRUN --mount=type=cache,target=/fake2 true\nX\n" +
        'RUN --mount=type=cache,target=/after true\n',
      ['/after']
    ],
    [
      'two heredocs on one line are read one after the other',
      'FROM a\nRUN <<A cat /dev/stdin <<B\nRUN --mount=type=cache,target=/fake1 true\nA\nRUN --mount=type=cache,target=/fake2 true\nB\n' +
        'RUN --mount=type=cache,target=/after true\n',
      ['/after']
    ],
    [
      'COPY heredocs too',
      'FROM a\nCOPY <<EOF /etc/conf\nRUN --mount=type=cache,target=/fake true\nEOF\nRUN --mount=type=cache,target=/after true\n',
      ['/after']
    ],
    [
      'ONBUILD RUN heredocs too',
      'FROM a\nONBUILD RUN <<EOF\nRUN --mount=type=cache,target=/fake true\nEOF\nRUN --mount=type=cache,target=/after true\n',
      ['/after']
    ],
    [
      'a heredoc on a continued line',
      'FROM a\nRUN --mount=type=cache,target=/real \\\n  <<EOF\nRUN --mount=type=cache,target=/fake true\nEOF\n',
      ['/real']
    ],
    [
      'no heredoc in JSON form, in quotes, or in other instructions',
      'FROM a\nRUN ["sh", "-c", "cat <<EOF"]\nRUN --mount=type=cache,target=/a echo "<<EOF"\nENV X=<<EOF\n' +
        'RUN --mount=type=cache,target=/b true\n',
      ['/a', '/b']
    ],
    ['JSON form keeps its mounts', 'FROM a\nRUN --mount=type=cache,target=/a ["go", "build"]\n', ['/a']]
  ])('%s', (_title, dockerfile, expected) => {
    expect(keys(dockerfile)).toEqual(expected)
  })
})

describe('cacheMountsOf: stages the build reaches', () => {
  const dockerfile = [
    'FROM golang AS deps',
    'RUN --mount=type=cache,target=/go/pkg/mod go mod download',
    'FROM deps AS build',
    'RUN --mount=type=cache,target=/root/.cache/go-build go build',
    'FROM node AS web',
    'RUN --mount=type=cache,target=/root/.npm npm ci',
    'FROM alpine AS unused',
    'RUN --mount=type=cache,target=/var/cache/apk apk add git',
    'FROM alpine AS release',
    'COPY --from=build /app /app',
    'COPY --from=web /dist /dist',
    'FROM release AS debug',
    'RUN --mount=type=cache,target=/debug true'
  ].join('\n')

  it.each<[string, string | undefined, string[]]>([
    ['no target: the last stage and all it depends on', undefined, ['/go/pkg/mod', '/root/.cache/go-build', '/root/.npm', '/debug']],
    ['a target: only what it reaches', 'build', ['/go/pkg/mod', '/root/.cache/go-build']],
    ['targets are case-insensitive', 'WEB', ['/root/.npm']],
    ['COPY --from reaches its stage', 'release', ['/go/pkg/mod', '/root/.cache/go-build', '/root/.npm']],
    ['an unreached stage alone', 'unused', ['/var/cache/apk']],
    ['an unknown target: nothing (BuildKit refuses the build)', 'nope', []]
  ])('%s', (_title, target, expected) => {
    expect(keys(dockerfile, target)).toEqual(expected)
  })

  it.each<[string, string, string[]]>([
    [
      'COPY --from=<index>',
      'FROM a\nRUN --mount=type=cache,target=/zero true\nFROM b\nRUN --mount=type=cache,target=/one true\nFROM c\nCOPY --from=0 /x /x\n',
      ['/zero']
    ],
    [
      'COPY --from=<image> reaches no stage',
      'FROM a AS img\nRUN --mount=type=cache,target=/x true\nFROM b\nCOPY --from=img:latest /x /x\n',
      []
    ],
    [
      'a bind mount from= reaches its stage',
      'FROM a AS tools\nRUN --mount=type=cache,target=/tools true\nFROM b\nRUN --mount=type=bind,from=tools,target=/t true\n',
      ['/tools']
    ],
    [
      'a cache mount from= reaches its stage',
      'FROM a AS Seed\nRUN --mount=type=cache,target=/s true\nFROM b\nRUN --mount=type=cache,from=SEED,target=/c true\n',
      ['/s', '/c']
    ],
    [
      'FROM ${ARG} naming a stage (a global ARG default, or a build-arg)',
      'ARG BASE=one\nFROM a AS one\nRUN --mount=type=cache,target=/one true\nFROM a AS two\nRUN --mount=type=cache,target=/two true\n' +
        'FROM ${BASE}\nRUN --mount=type=cache,target=/last true\n',
      ['/one', '/last']
    ],
    [
      'instructions before the first FROM other than ARG are ignored',
      'RUN --mount=type=cache,target=/nowhere true\nFROM a\nRUN --mount=type=cache,target=/a true\n',
      ['/a']
    ]
  ])('%s', (_title, dockerfile, expected) => {
    expect(keys(dockerfile)).toEqual(expected)
  })

  it('a build-arg picks the FROM stage', () => {
    const dockerfile =
      'ARG BASE=one\nFROM a AS one\nRUN --mount=type=cache,target=/one true\n' +
      'FROM a AS two\nRUN --mount=type=cache,target=/two true\nFROM ${BASE}\n'
    expect(keys(dockerfile, undefined, { BASE: 'two' })).toEqual(['/two'])
  })
})

describe('cacheMountsOf: variables', () => {
  it.each<[string, string, Record<string, string> | undefined, Partial<CacheMount>[]]>([
    [
      'ARG default',
      'FROM a\nARG CACHE_ID=gomod\nRUN --mount=type=cache,id=$CACHE_ID,target=/go/pkg/mod true\n',
      undefined,
      [{ key: 'gomod' }]
    ],
    [
      'a build-arg wins over the default',
      'FROM a\nARG CACHE_ID=gomod\nRUN --mount=type=cache,id=${CACHE_ID},target=/go/pkg/mod true\n',
      { CACHE_ID: 'mine' },
      [{ key: 'mine' }]
    ],
    [
      'an ARG without default takes the global ARG',
      'ARG V=1.22\nFROM a\nARG V\nRUN --mount=type=cache,id=go-$V,target=/x true\n',
      undefined,
      [{ key: 'go-1.22' }]
    ],
    [
      'a global ARG not declared in the stage is not seen there',
      'ARG V=1.22\nFROM a\nRUN --mount=type=cache,id=go-$V,target=/x true\n',
      undefined,
      [{ key: 'go-$V', unresolved: ['V'] }]
    ],
    [
      'ENV, both forms, and ${VAR:-default}; an unknown target does not count when the id is known',
      'FROM a\nENV GOCACHE=/cache/go NPM="/cache/npm"\nENV PIP /cache/pip\nRUN --mount=type=cache,target=$GOCACHE ' +
        '--mount=type=cache,target=${NPM} --mount=type=cache,target=${PIP:-/nope} ' +
        '--mount=type=cache,target=${EMPTY:-/fallback},id=${PIP:+pip} true\n',
      undefined,
      [{ key: '/cache/go' }, { key: '/cache/npm' }, { key: '/cache/pip' }, { key: 'pip', target: '${EMPTY:-/fallback}' }]
    ],
    [
      'a stage sees its base stage ARG and ENV',
      'FROM a AS base\nARG ID=base-id\nENV DIR=/d\nFROM base\nRUN --mount=type=cache,id=$ID,target=$DIR true\n',
      undefined,
      [{ key: 'base-id', target: '/d' }]
    ],
    [
      'a platform ARG is unresolved unless given',
      'FROM a\nARG TARGETARCH\nRUN --mount=type=cache,id=apk-$TARGETARCH,target=/var/cache/apk true\n',
      undefined,
      [{ key: 'apk-$TARGETARCH', unresolved: ['TARGETARCH'] }]
    ],
    [
      'given, it resolves',
      'FROM a\nARG TARGETARCH\nRUN --mount=type=cache,id=apk-$TARGETARCH,target=/var/cache/apk true\n',
      { TARGETARCH: 'arm64' },
      [{ key: 'apk-arm64' }]
    ],
    [
      'TARGETSTAGE is known (the last stage when no target is given)',
      'FROM a AS web\nARG TARGETSTAGE\nRUN --mount=type=cache,id=npm-$TARGETSTAGE,target=/x true\n',
      undefined,
      [{ key: 'npm-web' }]
    ],
    [
      'the base image may set a variable: unresolved',
      'FROM golang\nRUN --mount=type=cache,target=$GOPATH/pkg/mod,uid=$UID true\n',
      undefined,
      [{ key: '$GOPATH/pkg/mod', target: '$GOPATH/pkg/mod', unresolved: ['GOPATH', 'UID'] }]
    ],
    [
      'with an id, an unknown target does not count; an unknown setting does',
      'FROM a\nRUN --mount=type=cache,id=pip,target=$HOME/.cache/pip,uid=$UID true\n',
      undefined,
      [{ key: 'pip', unresolved: ['UID'] }]
    ],
    [
      'on scratch nothing else sets it: unset, so the empty id falls back to the target',
      'FROM scratch AS base\nCOPY tool /tool\nFROM base\nRUN --mount=type=cache,id=$NOPE,target=/x ["/tool"]\n',
      undefined,
      [{ key: '/x' }]
    ],
    [
      'quotes and escapes in a value are the shell word rules',
      "FROM a\nARG A=x\nRUN --mount=type=cache,id=\\'$A\\'-$A-\\\\$A,target=/x true\n",
      undefined,
      [{ key: '$A-x-$A' }]
    ],
    [
      'shell patterns are not evaluated: unresolved',
      'FROM a\nARG A=abc\nRUN --mount=type=cache,id=${A#a},target=/x true\n',
      undefined,
      [{ key: '${A#a}', unresolved: ['A'] }]
    ],
    [
      'a type given by a variable',
      'FROM a\nARG T=cache\nRUN --mount=type=$T,target=/x --mount=type=$UNKNOWN,target=/y true\n',
      undefined,
      [{ key: '/x' }]
    ]
  ])('%s', (_title, dockerfile, buildArgs, expected) => {
    const mounts = cacheMountsOf(dockerfile, undefined, buildArgs)
    expect(mounts).toHaveLength(expected.length)
    mounts.forEach((m, i) => {
      expect(m).toMatchObject(expected[i])
      if (!expected[i].unresolved) expect(m.unresolved).toBeUndefined()
    })
  })
})

describe('cacheMountsOf: one entry per key', () => {
  it('the same id across stages and steps is one cache, with the first settings and the differences recorded', () => {
    const dockerfile = [
      'FROM a AS one',
      'RUN --mount=type=cache,id=go,target=/root/.cache/go-build,sharing=locked,uid=1000 go build',
      'RUN --mount=type=cache,id=go,target=/other,sharing=locked,uid=1000 go test',
      'FROM b',
      'COPY --from=one /x /x',
      'RUN --mount=type=cache,id=go,target=/root/.cache/go-build,sharing=private,mode=0700 go vet',
      'RUN --mount=type=cache,id=go,target=/root/.cache/go-build,sharing=shared go vet'
    ].join('\n')
    expect(cacheMountsOf(dockerfile)).toEqual([
      mount('go', {
        target: '/root/.cache/go-build',
        sharing: 'locked',
        uid: 1000,
        conflicts: ['sharing: locked, then private', 'uid: 1000, then unset', 'mode: unset, then 0700', 'sharing: locked, then shared']
      })
    ])
  })

  it('the key is global: the same target without id in two stages is one cache; the same target under two ids is two', () => {
    const dockerfile =
      'FROM a AS one\nRUN --mount=type=cache,target=/c true\nFROM b\nCOPY --from=one /x /x\nRUN --mount=type=cache,target=/c ' +
      '--mount=type=cache,id=x,target=/c true\n'
    expect(keys(dockerfile)).toEqual(['/c', 'x'])
  })
})

describe('parseCacheMountsInput', () => {
  it.each<[string, ReturnType<typeof parseCacheMountsInput>]>([
    ['', 'auto'],
    ['  auto\n', 'auto'],
    ['off', 'off'],
    ['/root/.cache/go-build', [mount('/root/.cache/go-build')]],
    ['/root/.cache/go-build, /go/pkg/mod/', [mount('/root/.cache/go-build'), mount('/go/pkg/mod', { target: '/go/pkg/mod/' })]],
    [
      '# Go\nid=gobuild,target=/root/.cache/go-build,sharing=locked,uid=1000,gid=1000,mode=0755\n\n/go/pkg/mod\ntype=cache,dst=/npm',
      [
        mount('gobuild', { target: '/root/.cache/go-build', sharing: 'locked', uid: 1000, gid: 1000, mode: 0o755 }),
        mount('/go/pkg/mod'),
        mount('/npm')
      ]
    ],
    ['"id=a,b",target=/x', [mount('a,b', { target: '/x' })]],
    ['# only a comment', []]
  ])('%j', (value, expected) => {
    expect(parseCacheMountsInput(value)).toEqual(expected)
  })

  it.each<[string, string]>([
    ['Off', 'Input "cache-mounts": "Off" is not auto, off, an absolute path or id=...,target=...'],
    ['go-build', 'Input "cache-mounts": "go-build" is not auto, off, an absolute path or id=...,target=...'],
    ['id=gobuild', 'Input "cache-mounts": "id=gobuild" has no target'],
    ['target=/x,colour=red', 'Input "cache-mounts": "colour" is not an attribute of a cache mount'],
    ['target=/x,from=seed', 'Input "cache-mounts": "from" is not an attribute of a cache mount'],
    ['target=/x,/y', 'Input "cache-mounts": "/y" is not an attribute of a cache mount'],
    ['type=bind,target=/x', 'Input "cache-mounts": "type=bind": only cache mounts are carried'],
    ['target=/x,sharing=sometimes', 'Input "cache-mounts": "sharing=sometimes" is not shared, private or locked'],
    ['target=/x,uid=-1', 'Input "cache-mounts": "uid=-1" is not a number'],
    ['target=/x,gid=root', 'Input "cache-mounts": "gid=root" is not a number'],
    ['target=/x,mode=0999', 'Input "cache-mounts": "mode=0999" is not an octal mode'],
    ['target=/x,id=', 'Input "cache-mounts": "id" is empty'],
    ['target=/x,target=/y', 'Input "cache-mounts": "target" is given twice'],
    ['/x\nid=/x,target=/y', 'Input "cache-mounts": "/x" is listed twice'],
    ['/a/, /a', 'Input "cache-mounts": "/a" is listed twice']
  ])('%j is refused', (value, message) => {
    expect(() => parseCacheMountsInput(value)).toThrow(InputError)
    expect(() => parseCacheMountsInput(value)).toThrow(message)
  })
})

describe('properties', () => {
  // A value through the three readers it meets: the shell word (quotes, escapes, $), the CSV
  // field, and the flag word (quotes, escapes, spaces).
  const shellWord = (value: string) => value.replace(/[^A-Za-z0-9/._-]/g, c => `\\${c}`)
  const flagWord = (word: string) => word.replace(/[\\'"\s]/g, c => `\\${c}`)
  const mountFlag = (fields: Array<[string, string]>) => `--mount=${flagWord(encodeSpec(fields.map(([k, v]) => [k, shellWord(v)])))}`

  const text = fc.string({ unit: fc.constantFrom(...'abcXYZ019/._-,=" \'$:@+#\\<{}'.split('')), minLength: 1, maxLength: 12 })
  const segment = fc.string({ unit: fc.constantFrom(...'ab9_-., $"\'\\'.split('')), minLength: 1, maxLength: 6 })
  const cleanTarget = fc.array(segment, { minLength: 1, maxLength: 3 }).map(parts => `/${parts.join('/')}`)
  const spec = fc.record({ id: fc.option(text, { nil: undefined }), target: cleanTarget }).filter(s => !/(^|\/)\.\.?(\/|$)/.test(s.target))

  it('rendered into a Dockerfile, any ids and targets parse back to the same keys', () => {
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), (specs, perRun) => {
        const flags = specs.map(s =>
          mountFlag([['type', 'cache'], ...(s.id === undefined ? [] : [['id', s.id] as [string, string]]), ['target', s.target]])
        )
        const runs: string[] = []
        for (let i = 0; i < flags.length; i += perRun) runs.push(`RUN ${flags.slice(i, i + perRun).join(' \\\n    ')} true`)
        const dockerfile = ['# syntax=docker/dockerfile:1', 'FROM alpine', ...runs, ''].join('\n')
        const expected = [...new Set(specs.map(s => s.id ?? s.target))]
        expect(keys(dockerfile)).toEqual(expected)
      })
    )
  })

  it('distinct keys get distinct carried names, of the tag grammar', () => {
    // A line break cannot be written in a flag: an escaped one ends the line.
    const id = fc.string({ unit: 'binary', minLength: 1 }).filter(s => !/[\r\n]/.test(s))
    fc.assert(
      fc.property(fc.uniqueArray(id, { minLength: 2, maxLength: 8 }), ids => {
        const dockerfile = `FROM a\n${ids
          .map(
            id =>
              `RUN ${mountFlag([
                ['type', 'cache'],
                ['id', id],
                ['target', '/x']
              ])} true`
          )
          .join('\n')}\n`
        const mounts = cacheMountsOf(dockerfile)
        const parsed = mounts.map(m => m.key)
        expect(parsed).toEqual(ids)
        const names = mounts.map(m => m.name)
        expect(new Set(names).size).toBe(names.length)
        for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
      })
    )
  })
})
