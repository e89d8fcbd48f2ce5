// The test bed as seen from TypeScript: the description testbed/up.sh writes to
// <state>/env.json, the environment to run its tools with, build-context fixtures, and a
// parser that counts cached Dockerfile RUN steps in a `--progress rawjson` stream.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface TestbedEnv {
  /** Absolute state dir (sockets, logs, data). */
  state: string
  /** ':'-joined dirs to prepend to PATH (runc, Docker prefix, BuildKit, envd). */
  path: string
  /** unix://…/docker.sock of the bed's dockerd. */
  dockerHost: string
  /** Private DOCKER_CONFIG dir (buildx plugin, the remote builder). */
  dockerConfig: string
  /** host:port of the plain-HTTP registry, e.g. 127.0.0.1:5000. */
  registry: string
  /** Bare path of the standalone buildkitd's unix socket. */
  buildkitdSocket: string
  /** unix://<buildkitdSocket> */
  buildkitdAddr: string
  /** tcp://127.0.0.1:1234 */
  buildkitdTcp: string
  /** Name of the buildx builder (remote driver) on the standalone buildkitd. */
  remoteBuilder: string
  s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string }
  azblob: { accountUrl: string; accountName: string; accountKey: string }
  /** The GitHub cache-service stand-in, null when it was not started. */
  cacheService: { url: string } | null
  /** envd binary, its private HOME and its context name. */
  envd: string
  envdHome: string
  envdContext: string
  /** Base image for envd builds, in the bed's registry. */
  baseImage: string
  /** busybox-static and bash-static binaries on the host (for fixtures). */
  busybox: string
  bash: string
  /** Node 24, the runtime of `runs.using: node24` on GitHub's runners. */
  node24: string
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The state dir: $TESTBED_STATE, else <repo>/.testbed. */
export function testbedStateDir(): string {
  return path.resolve(process.env.TESTBED_STATE || path.join(repo, '.testbed'))
}

/** Reads <state>/env.json (written by testbed/up.sh). */
export function testbedEnv(): TestbedEnv {
  const file = path.join(testbedStateDir(), 'env.json')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new Error(`${file} not found: start the test bed with bash testbed/up.sh`)
  }
  return JSON.parse(text) as TestbedEnv
}

/** process.env plus the bed's PATH, DOCKER_HOST, DOCKER_CONFIG and ENVD_ANALYTICS=false. */
export function toolEnv(bed: TestbedEnv = testbedEnv()): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.DOCKER_CONTEXT
  delete env.BUILDX_BUILDER
  env.PATH = process.env.PATH ? `${bed.path}:${process.env.PATH}` : bed.path
  env.DOCKER_HOST = bed.dockerHost
  env.DOCKER_CONFIG = bed.dockerConfig
  env.ENVD_ANALYTICS = 'false'
  return env
}

/** The same for envd: toolEnv plus the private HOME that holds envd's context. */
export function envdEnv(bed: TestbedEnv = testbedEnv()): NodeJS.ProcessEnv {
  return { ...toolEnv(bed), HOME: bed.envdHome }
}

/** `cache-options` of the s3 backend for the bed's S3 server, or for another endpoint in front of it. */
export function s3CacheOptions(bed: TestbedEnv, endpoint = bed.s3.endpoint): string {
  return [
    `bucket: ${bed.s3.bucket}`,
    `region: ${bed.s3.region}`,
    `endpoint_url: ${endpoint}`,
    'use_path_style: true',
    `access_key_id: ${bed.s3.accessKeyId}`,
    `secret_access_key: ${bed.s3.secretAccessKey}`
  ].join('\n')
}

/** `cache-options` of the azblob backend for the bed's Azurite account, or for another account URL in front of it. */
export function azblobCacheOptions(bed: TestbedEnv, accountUrl = bed.azblob.accountUrl): string {
  return [`account_url: ${accountUrl}`, `account_name: ${bed.azblob.accountName}`, `secret_access_key: ${bed.azblob.accountKey}`].join('\n')
}

/**
 * Writes a temp build context: a FROM-scratch Dockerfile with busybox installed, then one
 * `RUN <step>` per given step. Returns the directory.
 */
export function fixtureContext(steps: string[], bed?: TestbedEnv): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'testbed-ctx-'))
  copyFileSync(bed?.busybox ?? '/bin/busybox', path.join(dir, 'busybox'))
  const lines = ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox","--install","-s","/bin"]', ...steps.map(s => `RUN ${s}`)]
  writeFileSync(path.join(dir, 'Dockerfile'), `${lines.join('\n')}\n`)
  return dir
}

/** Writes a temp envd project (build.envd) on the bed's base image with one run() per step. */
export function envdFixture(steps: string[], bed: TestbedEnv = testbedEnv()): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'testbed-envd-'))
  mkdirSync(dir, { recursive: true })
  const body = [
    'def build():',
    `    base(image=${JSON.stringify(bed.baseImage)}, dev=False)`,
    ...steps.map(s => `    run(commands=[${JSON.stringify(s)}])`)
  ]
  writeFileSync(path.join(dir, 'build.envd'), `${body.join('\n')}\n`)
  return dir
}

interface RawVertex {
  digest?: string
  name?: string
  cached?: boolean
  started?: string
  completed?: string
}

/**
 * Counts the Dockerfile RUN steps in a buildx `--progress rawjson` stream (one JSON object
 * per line, each with `vertexes[]`): vertices are merged by digest; a vertex whose name
 * starts with `[` and contains `RUN ` is a RUN step; it is cached if any record said so.
 * Vertices with the same name are then counted once (cached if any of them is): when
 * another build of the same steps runs on the builder at the same time, BuildKit may
 * report a shared step under two digests.
 */
export function countCachedSteps(rawjson: string): { cached: number; total: number; names: string[] } {
  const byDigest = new Map<string, { name: string; cached: boolean }>()
  for (const line of rawjson.split('\n')) {
    const t = line.trim()
    if (!t.startsWith('{')) continue
    let rec: { vertexes?: RawVertex[] }
    try {
      rec = JSON.parse(t)
    } catch {
      continue
    }
    for (const v of rec.vertexes ?? []) {
      if (!v.digest) continue
      const prev = byDigest.get(v.digest) ?? { name: '', cached: false }
      byDigest.set(v.digest, { name: v.name || prev.name, cached: prev.cached || v.cached === true })
    }
  }
  const byName = new Map<string, boolean>()
  for (const v of byDigest.values()) {
    if (!v.name.startsWith('[') || !v.name.includes('RUN ')) continue
    byName.set(v.name, (byName.get(v.name) ?? false) || v.cached)
  }
  let cached = 0
  const names: string[] = []
  for (const [name, hit] of byName) {
    if (hit) cached++
    names.push(`${hit ? 'CACHED ' : ''}${name}`)
  }
  return { cached, total: byName.size, names }
}

/**
 * Counts envd's run() steps (`#N bash -c …` vertices) in envd's plain build log and the
 * cache hits among them. A hit shows `#N CACHED`, or, for a step whose result is needed
 * for the output, only the download of its layer blobs from the imported cache
 * (`#N sha256:… done` lines and no output of a run). (`[internal] …` vertices are left
 * out: some show CACHED even when cold.)
 */
export function countEnvdCachedRuns(log: string): { cached: number; total: number; names: string[] } {
  const vertices = new Map<string, { name: string; cachedLine: boolean; blobs: boolean; ran: boolean }>()
  for (const line of log.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line.trimEnd())
    if (!m) continue
    const [, id, rest] = m
    let v = vertices.get(id)
    if (!v) {
      v = { name: rest, cachedLine: false, blobs: false, ran: false }
      vertices.set(id, v)
      continue
    }
    if (rest === 'CACHED') v.cachedLine = true
    else if (/^sha256:[0-9a-f]{64} /.test(rest)) v.blobs = true
    else if (/^\d+\.\d+ /.test(rest)) v.ran = true
  }
  let cached = 0
  let total = 0
  const names: string[] = []
  for (const v of vertices.values()) {
    if (!v.name.startsWith('bash -c')) continue
    total++
    const hit = v.cachedLine || (v.blobs && !v.ran)
    if (hit) cached++
    names.push(`${hit ? 'CACHED ' : ''}${v.name}`)
  }
  return { cached, total, names }
}

/**
 * Rewrites the build.envd of a project made by envdFixture, in place. envd's cache keys
 * depend on the project directory's name, so a later commit of the same project must be
 * built from the same directory.
 */
export function rewriteEnvdFixture(dir: string, steps: string[], bed: TestbedEnv = testbedEnv()): void {
  const scratch = envdFixture(steps, bed)
  copyFileSync(path.join(scratch, 'build.envd'), path.join(dir, 'build.envd'))
  rmSync(scratch, { recursive: true, force: true })
}

/**
 * A copy of the bed's envd HOME (its contexts, keys and registries.conf), for a run that
 * creates or switches envd contexts without changing the bed's current one.
 */
export function privateEnvdHome(bed: TestbedEnv = testbedEnv()): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'testbed-envd-home-'))
  cpSync(bed.envdHome, home, { recursive: true })
  return home
}
