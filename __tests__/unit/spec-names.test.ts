import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { type Attributes, decodeSpec, encodeSpec } from '../../src/core/spec.js'
import { imagePath, imageRepository, isPlainName, joinNames, platformsName, safeName, shortHash } from '../../src/core/names.js'

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

describe('encodeSpec', () => {
  it.each<[string, Attributes, string]>([
    [
      'plain',
      [
        ['type', 'gha'],
        ['scope', 'main'],
        ['mode', 'max']
      ],
      'type=gha,scope=main,mode=max'
    ],
    ['slashes and unicode need no quotes', [['scope', 'octo-org/app/fé-ß_1.0']], 'scope=octo-org/app/fé-ß_1.0'],
    ['= in a value needs no quotes (split on the first =)', [['ref', 'a=b=c']], 'ref=a=b=c'],
    ['empty value', [['scope', '']], 'scope='],
    [
      'comma is quoted',
      [
        ['type', 'gha'],
        ['scope', 'feat,mode=min']
      ],
      'type=gha,"scope=feat,mode=min"'
    ],
    ['quote is doubled', [['scope', 'say "hi"']], '"scope=say ""hi"""'],
    [
      'leading and trailing spaces are kept by quoting',
      [
        ['scope', ' x '],
        ['mode', 'max']
      ],
      '"scope= x ",mode=max'
    ],
    ['newline is quoted', [['scope', 'a\nb']], '"scope=a\nb"']
  ])('%s', (_title, attributes, spec) => {
    expect(encodeSpec(attributes)).toBe(spec)
    expect(decodeSpec(spec)).toEqual(attributes)
  })
})

describe('decodeSpec', () => {
  it.each<[string, Array<[string, string]>]>([
    [
      'type=registry,ref=registry.example.com/octo-org/app:buildcache,mode=max',
      [
        ['type', 'registry'],
        ['ref', 'registry.example.com/octo-org/app:buildcache'],
        ['mode', 'max']
      ]
    ],
    [
      '"type=gha","scope=a,b"',
      [
        ['type', 'gha'],
        ['scope', 'a,b']
      ]
    ],
    [
      'type=local,src=cache,',
      [
        ['type', 'local'],
        ['src', 'cache'],
        ['', '']
      ]
    ],
    ['flag', [['flag', '']]],
    ['"scope=a""b"', [['scope', 'a"b']]],
    ['"scope=a\r\nb"', [['scope', 'a\nb']]],
    ['', [['', '']]]
  ])('%j', (spec, attributes) => {
    expect(decodeSpec(spec)).toEqual(attributes)
  })
})

// Attribute names as the backends use them; values are anything a ref name (or worse) could hold.
const keys = fc.constantFrom('type', 'scope', 'ref', 'name', 'mode', 'src', 'dest', 'ignore-error', 'url_v2', 'token')
const nasty = fc.string({ unit: fc.constantFrom(',', '=', '"', ' ', '\t', '\r', '\n', 'a', 'é', '𝄞', '/', "'", '\\') })
const value = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), nasty)
const attributes = fc.array(fc.tuple(keys, value), { minLength: 1, maxLength: 6 })

describe('spec round trip (property)', () => {
  it('decodeSpec(encodeSpec(attrs)) gives back attrs', () => {
    fc.assert(
      fc.property(
        attributes.filter(attrs => attrs.every(([, v]) => !v.includes('\r\n'))),
        attrs => {
          expect(decodeSpec(encodeSpec(attrs))).toEqual(attrs)
        }
      ),
      { numRuns: 2000 }
    )
  })

  it('no value can add, drop, rename or reorder an attribute (a quoted CRLF reads as LF, as in Go)', () => {
    fc.assert(
      fc.property(attributes, attrs => {
        const decoded = decodeSpec(encodeSpec(attrs))
        expect(decoded.map(([k]) => k)).toEqual(attrs.map(([k]) => k))
        expect(decoded.map(([, v]) => v)).toEqual(attrs.map(([, v]) => v.replace(/\r\n/g, '\n')))
      }),
      { numRuns: 2000 }
    )
  })

  it('a record never ends early: every newline and comma sits inside quotes', () => {
    fc.assert(
      fc.property(attributes, attrs => {
        const spec = encodeSpec(attrs)
        const outside = spec.replace(/"(?:[^"]|"")*"/g, '')
        expect(outside).not.toMatch(/[\r\n"]/)
        expect(outside.split(',').length).toBeLessThanOrEqual(attrs.length)
      }),
      { numRuns: 1000 }
    )
  })
})

describe('safeName', () => {
  it.each([
    ['main', 'main'],
    ['release-2.x', 'release-2.x'],
    ['v1.2.3_rc1', 'v1.2.3_rc1'],
    ['pr-7x', 'pr-7x'],
    ['_private', '_private'],
    ['deadbeef', 'deadbeef']
  ])('keeps a valid name: %s', (raw, expected) => {
    expect(safeName(raw)).toBe(expected)
  })

  it.each([
    ['feature/a', /^feature-a-[0-9a-f]{8}$/],
    ['Feature/ÜBER a', /^Feature-BER-a-[0-9a-f]{8}$/],
    ['.hidden', /^hidden-[0-9a-f]{8}$/],
    ['-dash', /^dash-[0-9a-f]{8}$/],
    ['trailing/', /^trailing-[0-9a-f]{8}$/],
    ['日本語', /^h[0-9a-f]{8}$/],
    ['', /^h[0-9a-f]{8}$/],
    ['...', /^h[0-9a-f]{8}$/],
    // Names of the shapes the action gives its own names.
    ['pr-7', /^pr-7-[0-9a-f]{8}$/],
    ['feature-a-951d42dc', /^feature-a-951d42dc-[0-9a-f]{8}$/],
    ['h8a331fdd', /^h8a331fdd-[0-9a-f]{8}$/],
    ['6113728f27ae82c7b1a177c8d03f9e96e0adf246', /^6113728f27ae82c7b1a177c8d03f9e96e0adf246-[0-9a-f]{8}$/],
    ['a--b', /^a-b-[0-9a-f]{8}$/],
    ['trailing-', /^trailing-[0-9a-f]{8}$/]
  ])('changes %j and appends a hash', (raw, pattern) => {
    expect(safeName(raw)).toMatch(pattern)
  })

  it('appends the hash of the original name', () => {
    expect(safeName('feature/a')).toBe(`feature-a-${shortHash('feature/a')}`)
    expect(shortHash('feature/a')).toMatch(/^[0-9a-f]{8}$/)
  })

  it('feature/a and feature-a never share a name', () => {
    expect(safeName('feature/a')).not.toBe(safeName('feature-a'))
    expect(safeName('feature/a')).not.toBe(safeName('feature a'))
    expect(safeName('feature/a')).not.toBe(safeName('feature//a'))
  })

  it('truncates a long valid name to 128 with a hash, distinct from its prefix', () => {
    const long = 'a'.repeat(200)
    expect(safeName(long)).toHaveLength(128)
    expect(safeName(long)).toMatch(/^a{119}-[0-9a-f]{8}$/)
    expect(safeName('a'.repeat(128))).toBe('a'.repeat(128))
    expect(safeName('a'.repeat(129))).not.toBe(safeName('a'.repeat(130)))
  })

  const refName = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_', '.', '-', '/', ' ', 'é', '𝄞', ','), maxLength: 200 }),
    fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,140}$/)
  )

  it('always gives a name of the tag grammar, at most 128 long (property)', () => {
    fc.assert(
      fc.property(refName, raw => {
        const name = safeName(raw)
        expect(name).toMatch(TAG)
        expect(name.length).toBeLessThanOrEqual(128)
      }),
      { numRuns: 3000 }
    )
  })

  it('leaves plain names alone (property)', () => {
    fc.assert(
      fc.property(refName, raw => {
        if (isPlainName(raw)) expect(safeName(raw)).toBe(raw)
        else expect(safeName(raw)).not.toBe(raw)
      }),
      { numRuns: 3000 }
    )
  })

  it('a name never shares the output of the name it was made from, nor of any other (property)', () => {
    // Names built from earlier outputs: the output itself, cut to 128, with a suffix, a pull request's scope.
    const chained = refName.chain(raw => {
      const made = safeName(raw)
      return fc.tuple(
        fc.constant(raw),
        fc.constantFrom(
          made,
          made.slice(0, 128),
          `${made}-x`,
          `${made}-${shortHash(made)}`,
          `pr-${raw.length}`,
          `h${shortHash(raw)}`,
          made.replace(/-[0-9a-f]{8}$/, '')
        )
      )
    })
    fc.assert(
      fc.property(chained, ([a, b]) => {
        fc.pre(a !== b)
        expect(safeName(a)).not.toBe(safeName(b))
      }),
      { numRuns: 4000 }
    )
  })

  it('distinct names stay distinct (property)', () => {
    fc.assert(
      fc.property(refName, refName, (a, b) => {
        fc.pre(a !== b)
        expect(safeName(a)).not.toBe(safeName(b))
      }),
      { numRuns: 3000 }
    )
  })

  it('a name and its sanitised look-alike differ (property)', () => {
    fc.assert(
      fc.property(refName, raw => {
        const lookAlike = raw.replace(/[^A-Za-z0-9_.-]+/g, '-')
        fc.pre(lookAlike !== raw)
        expect(safeName(raw)).not.toBe(safeName(lookAlike))
      }),
      { numRuns: 2000 }
    )
  })

  it('honours a smaller maximum length (property)', () => {
    fc.assert(
      fc.property(refName, fc.integer({ min: 10, max: 128 }), (raw, max) => {
        expect(safeName(raw, max).length).toBeLessThanOrEqual(max)
        expect(safeName(raw, max)).toMatch(TAG)
      }),
      { numRuns: 2000 }
    )
  })
})

describe('joinNames', () => {
  const made = fc.oneof(
    fc.string({ maxLength: 60 }).map(raw => safeName(raw)),
    fc.nat({ max: 999 }).map(n => `pr-${n}`)
  )
  const parts = fc.array(made, { minLength: 1, maxLength: 4 })

  it('gives one tag of the grammar, at most 128 long (property)', () => {
    fc.assert(
      fc.property(parts, names => {
        const tag = joinNames(names)
        expect(tag).toMatch(TAG)
        expect(tag.length).toBeLessThanOrEqual(128)
      }),
      { numRuns: 2000 }
    )
  })

  it('different lists of names never give the same tag (property)', () => {
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b))
        expect(joinNames(a)).not.toBe(joinNames(b))
      }),
      { numRuns: 4000 }
    )
  })

  it.each<[string[], string[]]>([
    // scope-prefix "a" + branch "b-main" against scope-prefix "a-b" + "main"
    [
      ['a', 'b-main'],
      ['a-b', 'main']
    ],
    [
      ['octo-org', 'app', 'main'],
      ['octo-org', 'app-main']
    ],
    [
      ['x'.repeat(100), 'y'.repeat(60)],
      ['x'.repeat(100), 'y'.repeat(61)]
    ]
  ])('%j and %j differ', (a, b) => {
    expect(joinNames(a)).not.toBe(joinNames(b))
  })
})

describe('platformsName', () => {
  it.each<[string[], string]>([
    [['linux/amd64'], 'linux-amd64'],
    [['linux/arm64', 'linux/amd64'], 'linux-amd64.linux-arm64'],
    [['linux/amd64', 'linux/arm64', 'linux/amd64'], 'linux-amd64.linux-arm64'],
    [['linux/arm/v7'], 'linux-arm-v7']
  ])('%j → %s', (platforms, name) => {
    expect(platformsName(platforms)).toBe(name)
  })

  it('keeps look-alike platform lists apart', () => {
    expect(platformsName(['linux/arm-v7'])).not.toBe(platformsName(['linux/arm/v7']))
    expect(platformsName(['linux/amd64', 'linux/arm64'])).not.toBe(platformsName(['linux/amd64']))
    expect(platformsName(['linux/arm-v7'])).toMatch(TAG)
  })
})

describe('image names', () => {
  it.each([
    ['registry.example.com/octo-org/app:1.0', 'registry.example.com/octo-org/app', 'octo-org/app'],
    ['registry.example.com:5000/octo-org/app', 'registry.example.com:5000/octo-org/app', 'octo-org/app'],
    [
      'registry.example.com:5000/octo-org/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      'registry.example.com:5000/octo-org/app',
      'octo-org/app'
    ],
    ['localhost/app:dev', 'localhost/app', 'app'],
    ['localhost:5000/app', 'localhost:5000/app', 'app'],
    ['octo-org/app:latest', 'octo-org/app', 'octo-org/app'],
    ['app', 'app', 'app'],
    ['app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'app', 'app']
  ])('%s', (image, repository, path) => {
    expect(imageRepository(image)).toBe(repository)
    expect(imagePath(image)).toBe(path)
  })
})
