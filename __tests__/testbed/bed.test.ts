// Proves the test bed with real builds: every cache backend the action relies on makes a
// full round trip (export, prune the builder's local cache, import: every RUN step CACHED).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  countCachedSteps,
  countEnvdCachedRuns,
  envdEnv,
  envdFixture,
  fixtureContext,
  testbedEnv,
  toolEnv,
  type TestbedEnv
} from '../../testbed/env.js'

interface Result {
  code: number
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')))
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')))
    child.on('error', reject)
    child.on('close', code => resolve({ code: code ?? 1, stdout, stderr }))
  })
}

async function ok(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Result> {
  const r = await run(cmd, args, env, cwd)
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`)
  }
  return r
}

const nonce = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
let bed: TestbedEnv
let env: NodeJS.ProcessEnv
const cleanup: string[] = []

beforeAll(() => {
  bed = testbedEnv()
  env = toolEnv(bed)
})

afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true })
})

/** Three RUN steps unique to this run and this case (each prints a line when it runs). */
function steps(tag: string): string[] {
  return [1, 2, 3].map(i => `echo ${nonce}-${tag}-${i} | tee /step${i}`)
}

/** Build with --cache-to, prune the builder, build again with --cache-from: all RUN steps cached. */
async function roundTrip(builder: string, tag: string, cacheTo: string, cacheFrom: string): Promise<void> {
  const ctx = fixtureContext(steps(tag), bed)
  cleanup.push(ctx)
  const build = (cacheArgs: string[]) =>
    ok('docker', ['buildx', 'build', '--builder', builder, '--progress', 'rawjson', ...cacheArgs, ctx], env)

  const first = countCachedSteps((await build(['--cache-to', cacheTo])).stderr)
  // busybox --install + the three steps; the three nonce steps are new.
  expect(first.names).toHaveLength(4)
  expect(first.names.filter(n => n.startsWith('CACHED') && n.includes(nonce))).toEqual([])

  await ok('docker', ['buildx', 'prune', '--builder', builder, '-af'], env)

  const second = countCachedSteps((await build(['--cache-from', cacheFrom])).stderr)
  expect(second.names).toHaveLength(4)
  // Lists the steps that were not cached, if any.
  expect(second.names.filter(n => !n.startsWith('CACHED'))).toEqual([])
}

test('docker driver: registry cache round trip', async () => {
  const ref = `${bed.registry}/test/cache-${nonce}:main`
  await roundTrip('default', 'docker', `type=registry,ref=${ref},mode=max`, `type=registry,ref=${ref}`)
})

test('remote builder: s3 cache round trip (moto)', async () => {
  const s3 = bed.s3
  const attrs = [
    'type=s3',
    `region=${s3.region}`,
    `bucket=${s3.bucket}`,
    `endpoint_url=${s3.endpoint}`,
    'use_path_style=true',
    `access_key_id=${s3.accessKeyId}`,
    `secret_access_key=${s3.secretAccessKey}`,
    `name=${nonce}-main`
  ].join(',')
  await roundTrip(bed.remoteBuilder, 's3', `${attrs},mode=max`, attrs)
})

test('remote builder: azblob cache round trip (Azurite)', async () => {
  const az = bed.azblob
  const attrs = [
    'type=azblob',
    `account_url=${az.accountUrl}`,
    `account_name=${az.accountName}`,
    `secret_access_key=${az.accountKey}`,
    `name=${nonce}-main`
  ].join(',')
  await roundTrip(bed.remoteBuilder, 'azblob', `${attrs},mode=max`, attrs)
})

test('envd: registry cache round trip on the standalone buildkitd', async () => {
  const dir = envdFixture(steps('envd'), bed)
  const out = mkdtempSync(path.join(os.tmpdir(), 'testbed-envd-out-'))
  cleanup.push(dir, out)
  const eenv = envdEnv(bed)
  const ref = `${bed.registry}/test/envd-cache-${nonce}:main`
  const build = async (cacheArgs: string[]) => {
    const r = await ok(
      bed.envd,
      ['build', '--path', dir, '--output', `type=oci,dest=${path.join(out, 'image.tar')}`, ...cacheArgs],
      eenv,
      dir
    )
    return countEnvdCachedRuns(`${r.stdout}\n${r.stderr}`)
  }

  const first = await build(['--export-cache', `type=registry,ref=${ref},mode=max`])
  expect(first).toMatchObject({ total: 3, cached: 0 })

  await ok('buildctl', ['--addr', bed.buildkitdAddr, 'prune', '--all'], env)

  const second = await build(['--import-cache', `type=registry,ref=${ref}`])
  expect(second.names).toHaveLength(3)
  expect(second.names.filter(n => !n.startsWith('CACHED'))).toEqual([])
})
