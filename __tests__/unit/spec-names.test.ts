import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { type Attributes, decodeSpec, encodeSpec } from '../../src/spec.js'
import { imagePath, imageRepository, safeName, shortHash } from '../../src/names.js'

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

describe('encodeSpec', () => {
  it.each<[string, Attributes, string]>([
    ['plain', [['type', 'gha'], ['scope', 'main'], ['mode', 'max']], 'type=gha,scope=main,mode=max'],
    ['slashes and unicode need no quotes', [['scope', 'octo-org/app/fé-ß_1.0']], 'scope=octo-org/app/fé-ß_1.0'],
    ['= in a value needs no quotes (split on the first =)', [['ref', 'a=b=c']], 'ref=a=b=c'],
    ['empty value', [['scope', '']], 'scope='],
    ['comma is quoted', [['type', 'gha'], ['scope', 'feat,mode=min']], 'type=gha,"scope=feat,mode=min"'],
    ['quote is doubled', [['scope', 'say "hi"']], '"scope=say ""hi"""'],
    ['leading and trailing spaces are kept by quoting', [['scope', ' x '], ['mode', 'max']], '"scope= x ",mode=max'],
    ['newline is quoted', [['scope', 'a\nb']], '"scope=a\nb"']
  ])('%s', (_title, attributes, spec) => {
    expect(encodeSpec(attributes)).toBe(spec)
    expect(decodeSpec(spec)).toEqual(attributes)
  })
})

describe('decodeSpec', () => {
  it.each<[string, Array<[string, string]>]>([
    ['type=registry,ref=registry.example.com/octo-org/app:buildcache,mode=max', [['type', 'registry'], ['ref', 'registry.example.com/octo-org/app:buildcache'], ['mode', 'max']]],
    ['"type=gha","scope=a,b"', [['type', 'gha'], ['scope', 'a,b']]],
    ['type=local,src=cache,', [['type', 'local'], ['src', 'cache'], ['', '']]],
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
      fc.property(attributes.filter(attrs => attrs.every(([, v]) => !v.includes('\r\n'))), attrs => {
        expect(decodeSpec(encodeSpec(attrs))).toEqual(attrs)
      }),
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
    ['pr-7', 'pr-7'],
    ['_private', '_private']
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
    ['...', /^h[0-9a-f]{8}$/]
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

  it('leaves valid names alone and is idempotent (property)', () => {
    fc.assert(
      fc.property(refName, raw => {
        const name = safeName(raw)
        expect(safeName(name)).toBe(name)
        if (TAG.test(raw)) expect(name).toBe(raw)
      }),
      { numRuns: 3000 }
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

describe('image names', () => {
  it.each([
    ['registry.example.com/octo-org/app:1.0', 'registry.example.com/octo-org/app', 'octo-org/app'],
    ['registry.example.com:5000/octo-org/app', 'registry.example.com:5000/octo-org/app', 'octo-org/app'],
    ['registry.example.com:5000/octo-org/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'registry.example.com:5000/octo-org/app', 'octo-org/app'],
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
