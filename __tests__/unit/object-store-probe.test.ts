import { createHmac } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import {
  amzDate,
  azblobAccountName,
  azureStringToSign,
  manifestRequest,
  probeObjectStore,
  signAzureRequest,
  signS3Request
} from '../../src/effects/object-store-probe.js'
import { encodeKeyPath } from '../../src/backends/object-store.js'
import { awsCredentialsFromEnv, s3ManifestKey, s3ObjectUrl } from '../../src/backends/s3.js'
import { TOOLS } from '../../src/tools/index.js'
import { azblobManifestKey, azblobObjectUrl, azureCredentialsFromEnv } from '../../src/backends/azblob.js'

describe('where BuildKit keeps a manifest object', () => {
  it.each<[string, Record<string, string>, string]>([
    ['default prefixes', { name: 'octo-org/app/main' }, 'manifests/octo-org/app/main'],
    ['first of several names', { name: 'octo-org/app/pr-7;octo-org/app/abc' }, 'manifests/octo-org/app/pr-7'],
    ['no name', {}, 'manifests/buildkit'],
    ['prefix and manifests_prefix concatenated as given', { name: 'main', prefix: 'ci/', manifests_prefix: 'm-' }, 'ci/m-main'],
    ['prefix without a slash', { name: 'main', prefix: 'ci' }, 'cimanifests/main']
  ])('s3: %s', (_, attributes, key) => {
    expect(s3ManifestKey(attributes)).toBe(key)
  })

  it.each<[string, Record<string, string>, string]>([
    ['default prefixes', { name: 'octo-org/app/main' }, 'manifests/octo-org/app/main'],
    ['paths joined', { name: 'main', prefix: 'ci', manifests_prefix: 'm' }, 'ci/m/main'],
    ['slashes cleaned as a path join does', { name: 'main', prefix: 'ci/', manifests_prefix: '/m/' }, 'ci/m/main']
  ])('azblob: %s', (_, attributes, key) => {
    expect(azblobManifestKey(attributes)).toBe(key)
  })
})

describe('object URLs', () => {
  it.each<[string, Record<string, string>, string]>([
    ['AWS, virtual-hosted', { bucket: 'ci-cache', region: 'eu-west-1' }, 'https://ci-cache.s3.eu-west-1.amazonaws.com/manifests/a/main'],
    [
      'endpoint, path style',
      { bucket: 'b', region: 'us-east-1', endpoint_url: 'http://127.0.0.1:9000', use_path_style: 'true' },
      'http://127.0.0.1:9000/b/manifests/a/main'
    ],
    [
      'endpoint with a trailing slash',
      { bucket: 'b', region: 'us-east-1', endpoint_url: 'http://127.0.0.1:9000/', use_path_style: 'true' },
      'http://127.0.0.1:9000/b/manifests/a/main'
    ],
    [
      'endpoint, virtual-hosted',
      { bucket: 'b', region: 'auto', endpoint_url: 'https://store.example.com' },
      'https://b.store.example.com/manifests/a/main'
    ]
  ])('s3: %s', (_, attributes, url) => {
    expect(s3ObjectUrl(attributes, 'manifests/a/main').href).toBe(url)
  })

  it('encodes each segment (RFC 3986), keeping the slashes', () => {
    expect(encodeKeyPath("a b/c+d/e!'()*~._-")).toBe('a%20b/c%2Bd/e%21%27%28%29%2A~._-')
  })

  it.each<[string, Record<string, string>, string, string]>([
    ['Azure', { account_url: 'https://ci.blob.core.windows.net/' }, 'https://ci.blob.core.windows.net/buildkit-cache/manifests/main', 'ci'],
    [
      'Azurite (account in the path)',
      { account_url: 'http://127.0.0.1:10000/devstoreaccount1', account_name: 'devstoreaccount1', container: 'c1' },
      'http://127.0.0.1:10000/devstoreaccount1/c1/manifests/main',
      'devstoreaccount1'
    ]
  ])('azblob: %s', (_, attributes, url, account) => {
    expect(azblobObjectUrl(attributes, 'manifests/main').href).toBe(url)
    expect(azblobAccountName(attributes)).toBe(account)
  })
})

describe('AWS Signature Version 4', () => {
  // The GET Object example of Amazon S3's "Signature Calculations for the Authorization Header".
  it('signs the documented example to the documented signature', () => {
    const headers = signS3Request(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        region: 'us-east-1',
        headers: { Range: 'bytes=0-9' }
      },
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      new Date('2013-05-24T00:00:00Z')
    )
    expect(headers['x-amz-date']).toBe('20130524T000000Z')
    expect(headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(headers.Authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'
    )
  })

  it('signs a session token and the host with its port', () => {
    const headers = signS3Request(
      { method: 'HEAD', url: new URL('http://127.0.0.1:9000/b/manifests/main'), region: 'us-east-1' },
      { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'TOKEN' },
      new Date('2026-11-24T10:11:12.345Z')
    )
    expect(headers['x-amz-security-token']).toBe('TOKEN')
    const signed = 'host;x-amz-content-sha256;x-amz-date;x-amz-security-token'
    expect(headers.Authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=AK/20261124/us-east-1/s3/aws4_request, SignedHeaders=${signed}, Signature=[0-9a-f]{64}$`)
    )
  })

  it.each([
    ['2013-05-24T00:00:00.000Z', '20130524T000000Z'],
    ['2026-01-02T03:04:05.678Z', '20260102T030405Z']
  ])('timestamp %s → %s', (iso, stamp) => {
    expect(amzDate(new Date(iso))).toBe(stamp)
  })
})

describe('Azure Shared Key', () => {
  const date = new Date('2026-11-24T10:11:12Z')
  const url = new URL('http://127.0.0.1:10000/devstoreaccount1/buildkit-cache/manifests/octo-org/app/main')

  it('builds the string to sign: verb, eleven empty headers, x-ms-* headers sorted, resource with the account first', () => {
    const text = azureStringToSign('HEAD', url, 'devstoreaccount1', { 'x-ms-version': '2021-08-06', 'x-ms-date': date.toUTCString() })
    expect(text).toBe(
      'HEAD\n\n\n\n\n\n\n\n\n\n\n\n' +
        'x-ms-date:Tue, 24 Nov 2026 10:11:12 GMT\nx-ms-version:2021-08-06\n' +
        '/devstoreaccount1/devstoreaccount1/buildkit-cache/manifests/octo-org/app/main'
    )
  })

  it('adds query parameters sorted, lower-cased, one a line', () => {
    const text = azureStringToSign('GET', new URL('https://ci.blob.core.windows.net/c?restype=container&comp=list'), 'ci', {})
    expect(text.endsWith('/ci/c\ncomp:list\nrestype:container')).toBe(true)
  })

  it('signs with HMAC-SHA256 of the base64-decoded key', () => {
    const key = Buffer.from('not a real key').toString('base64')
    const headers = signAzureRequest({ method: 'HEAD', url, accountName: 'devstoreaccount1' }, key, date)
    const expected = createHmac('sha256', Buffer.from('not a real key'))
      .update(azureStringToSign('HEAD', url, 'devstoreaccount1', headers))
      .digest('base64')
    expect(headers.Authorization).toBe(`SharedKey devstoreaccount1:${expected}`)
    expect(headers['x-ms-date']).toBe('Tue, 24 Nov 2026 10:11:12 GMT')
  })
})

describe('the manifest probe', () => {
  it.each<[string, string, Record<string, string>]>([
    ['s3 without credentials (BuildKit would use its own)', 's3', { bucket: 'b', region: 'us-east-1', name: 'main' }],
    ['s3 with half the credentials', 's3', { bucket: 'b', region: 'us-east-1', name: 'main', access_key_id: 'AK' }],
    ['azblob without a key', 'azblob', { account_url: 'https://ci.blob.core.windows.net/', name: 'main' }],
    ['another backend', 'gha', { scope: 'main' }]
  ])('cannot sign %s: not probed', async (_, type, attributes) => {
    expect(manifestRequest(type, attributes)).toBeUndefined()
    await expect(probeObjectStore(type, attributes)).resolves.toBe('unknown')
  })

  it('a store that does not answer is not probed, within the timeout', async () => {
    const started = Date.now()
    // A port nothing listens on: refused at once.
    await expect(
      probeObjectStore(
        's3',
        {
          bucket: 'b',
          region: 'us-east-1',
          name: 'main',
          endpoint_url: 'http://127.0.0.1:1',
          use_path_style: 'true',
          access_key_id: 'a',
          secret_access_key: 'b'
        },
        500
      )
    ).resolves.toBe('unknown')
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe('credentials from the step environment', () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKENV', AWS_SECRET_ACCESS_KEY: 'SKENV', AWS_SESSION_TOKEN: 'STENV' }
  it.each<[string, 'buildx' | 'envd', Record<string, string>, Record<string, string | undefined>, Record<string, string>]>([
    ['envd, none given: all three', 'envd', {}, env, { access_key_id: 'AKENV', secret_access_key: 'SKENV', session_token: 'STENV' }],
    ['envd, key id and secret given: nothing (the session token neither)', 'envd', { access_key_id: 'a', secret_access_key: 'b' }, env, {}],
    ['envd, only the key id given: the rest', 'envd', { access_key_id: 'a' }, env, { secret_access_key: 'SKENV', session_token: 'STENV' }],
    [
      'envd, no session token in the environment',
      'envd',
      {},
      { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S' },
      { access_key_id: 'A', secret_access_key: 'S' }
    ],
    ['buildx reads them itself: nothing', 'buildx', {}, env, {}]
  ])('s3: %s', (_, tool, given, environment, taken) => {
    expect(awsCredentialsFromEnv(environment, TOOLS[tool].traits, given)).toEqual(taken)
  })

  it.each<[string, 'buildx' | 'envd', Record<string, string>, Record<string, string>]>([
    ['envd', 'envd', {}, { account_name: 'acct', secret_access_key: 'KEY' }],
    ['buildx too (it copies none of them)', 'buildx', {}, { account_name: 'acct', secret_access_key: 'KEY' }],
    ['given options win', 'envd', { account_name: 'mine', secret_access_key: 'k' }, {}]
  ])('azblob: %s', (_, tool, given, taken) => {
    expect(
      azureCredentialsFromEnv(
        { BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME: 'acct', BUILDKIT_AZURE_STORAGE_ACCESS_KEY: 'KEY' },
        TOOLS[tool].traits,
        given
      )
    ).toEqual(taken)
  })
})
