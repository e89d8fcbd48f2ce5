// The action's shell (dist/index.js and dist/post.js, run as GitHub's runner runs them) against
// a fake docker CLI that answers each build with scripted BuildKit progress, and the cache
// service's stand-in started in this process: the paths from a build's progress to what the
// user sees (outputs, warnings, the summary, which builds ran with which flags) without a
// builder. The rules behind them are tabled in recovery.test.ts; this proves run.ts follows them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type CacheService, startCacheService } from '../../testbed/cache-service/server.js'
import { pullRequestToken } from '../../testbed/cache-service/token.js'
import { type RunResult, runAction } from '../../testbed/runner.js'

const FAKE_DOCKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/fake-docker')
const BUILDER = 'ci-builder'
const T0 = Date.parse('2026-01-01T00:00:00Z')
const at = (s: number) => new Date(T0 + s * 1000).toISOString()

type Line = string | object
interface FakeBuild {
  lines?: Line[]
  exit?: number
  hang?: boolean
  metadata?: object
  /** Files a `--output type=local` build writes (a generated build that takes the cache mounts out). */
  files?: Record<string, string>
}

/** One SolveStatus line with one vertex, as `--progress rawjson` prints it. */
function vertex(digest: string, name: string, state: { done?: boolean; cached?: boolean; error?: string } = {}): object {
  return {
    vertexes: [
      {
        digest,
        name,
        started: at(0),
        ...(state.done !== false && { completed: at(1) }),
        ...(state.cached && { cached: true }),
        ...(state.error && { error: state.error })
      }
    ]
  }
}

const STEPS = (cached: boolean) => [
  vertex('sha256:s1', '[1/2] FROM scratch', { cached }),
  vertex('sha256:s2', '[2/2] RUN make', { cached })
]
const IMPORTS = [vertex('sha256:i1', 'importing cache manifest from gha:111'), vertex('sha256:i2', 'importing cache manifest from gha:222')]
const RESULT = vertex('sha256:x1', 'exporting to image')
const EXPORT = vertex('sha256:e1', 'exporting to GitHub Actions Cache')
const METADATA = { 'containerimage.digest': 'sha256:feed', 'containerimage.config.digest': 'sha256:c0nf' }

interface Seen {
  result: RunResult
  builds: string[][]
  warnings: string[]
}

let service: CacheService

async function run(
  builds: FakeBuild[],
  inputs: Record<string, string> = {},
  dockerfile = 'FROM scratch\n',
  env: Record<string, string | undefined> = {}
): Promise<Seen> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shell-'))
  const dockerConfig = path.join(dir, 'docker-config')
  // A remote builder as buildx's own files describe it: the action reads them, it asks no CLI.
  mkdirSync(path.join(dockerConfig, 'buildx', 'instances'), { recursive: true })
  writeFileSync(
    path.join(dockerConfig, 'buildx', 'instances', BUILDER),
    JSON.stringify({ Name: BUILDER, Driver: 'remote', Nodes: [{ Name: `${BUILDER}0`, Endpoint: 'tcp://127.0.0.1:1' }] })
  )
  const plan = path.join(dir, 'plan.json')
  const log = path.join(dir, 'docker.log')
  writeFileSync(plan, JSON.stringify(builds))
  writeFileSync(log, '')
  const context = path.join(dir, 'context')
  mkdirSync(context)
  writeFileSync(path.join(context, 'Dockerfile'), dockerfile)
  const result = await runAction({
    inputs: { context, builder: BUILDER, 'cache-timeout': '2s', ...inputs },
    eventName: 'pull_request',
    payload: {
      action: 'synchronize',
      number: 7,
      pull_request: { number: 7, base: { ref: 'main' }, head: { ref: 'feature' } },
      repository: { default_branch: 'main' }
    },
    ref: 'refs/pull/7/merge',
    headRef: 'feature',
    baseRef: 'main',
    env: {
      PATH: `${FAKE_DOCKER}:${process.env.PATH}`,
      DOCKER_CONFIG: dockerConfig,
      FAKE_DOCKER_PLAN: plan,
      FAKE_DOCKER_LOG: log,
      ACTIONS_RESULTS_URL: service.url,
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RUNTIME_TOKEN: pullRequestToken(7, 'main'),
      GITHUB_API_URL: service.url.replace(/\/$/, ''),
      ...env
    },
    timeoutMs: 60_000
  })
  const calls = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(line => JSON.parse(line) as string[])
  return {
    result,
    builds: calls.filter(a => a[0] === 'buildx' && a[1] === 'build'),
    warnings: result.annotations.filter(a => a.level === 'warning').map(a => a.message)
  }
}

const cacheFroms = (argv: string[]) => argv.filter((_, i) => argv[i - 1] === '--cache-from')
const cacheTos = (argv: string[]) => argv.filter((_, i) => argv[i - 1] === '--cache-to')

beforeAll(async () => {
  service = await startCacheService({ quiet: true })
})
afterAll(async () => {
  await service?.close()
})

describe("the shell follows a build's progress to what the user sees", () => {
  it('a healthy build: one run with the chain imported and the own scope exported, outputs from its progress', async () => {
    const { result, builds, warnings } = await run([{ lines: [...IMPORTS, ...STEPS(true), RESULT, EXPORT], metadata: METADATA }])
    expect(result.main.exitCode).toBe(0)
    expect(builds).toHaveLength(1)
    expect(cacheFroms(builds[0])).toEqual([expect.stringMatching(/scope=[^,]*pr-7/), expect.stringMatching(/scope=[^,]*main/)])
    expect(cacheTos(builds[0])).toEqual([expect.stringMatching(/scope=[^,]*pr-7/)])
    expect(warnings).toEqual([])
    expect(result.outputs).toMatchObject({
      'cached-steps': '2',
      'total-steps': '2',
      'cache-export': 'true',
      digest: 'sha256:feed',
      imageid: 'sha256:c0nf'
    })
  })

  it('an import BuildKit reports as failed: one warning naming the scope and the reason, the build goes on', async () => {
    const failing = [vertex('sha256:i1', 'importing cache manifest from gha:111', { error: 'internal' }), IMPORTS[1]]
    const { result, builds, warnings } = await run([{ lines: [...failing, ...STEPS(false), RESULT, EXPORT] }])
    expect(result.main.exitCode).toBe(0)
    expect(builds).toHaveLength(1)
    expect(warnings).toEqual([expect.stringMatching(/^Cache import from (scope|one of the scopes) .*\(gha\) failed.*internal/)])
    expect(result.summary).toMatch(/⚠/)
  })

  it('an import that makes no progress: the build is stopped after cache-timeout and run again without imports', async () => {
    const stalled = vertex('sha256:i1', 'importing cache manifest from gha:111', { done: false })
    const { result, builds, warnings } = await run([
      { lines: [stalled], hang: true },
      { lines: [...STEPS(false), RESULT, EXPORT], metadata: METADATA }
    ])
    expect(result.main.exitCode).toBe(0)
    expect(builds).toHaveLength(2)
    expect(cacheFroms(builds[1])).toEqual([])
    expect(builds[1]).toContain('--no-cache')
    expect(warnings).toEqual([expect.stringMatching(/^Cache import \(gha\) stalled/)])
    expect(result.outputs).toMatchObject({ 'cached-steps': '0', digest: 'sha256:feed' })
  })

  it('an export that makes no progress after the result is written: stopped, the result kept, exit 0, cache-export false', async () => {
    const stalled = vertex('sha256:e1', 'exporting to GitHub Actions Cache', { done: false })
    const { result, builds, warnings } = await run([{ lines: [...IMPORTS, ...STEPS(true), RESULT, stalled], hang: true }])
    expect(result.main.exitCode).toBe(0)
    expect(builds).toHaveLength(1)
    expect(warnings).toEqual([expect.stringMatching(/^Cache export to scope pr-7 \(gha\) stalled/)])
    expect(result.outputs['cache-export']).toBe('false')
  })

  it('an export BuildKit reports as failed: a warning, cache-export false, the build passes', async () => {
    const failed = vertex('sha256:e1', 'exporting to GitHub Actions Cache', { error: 'error writing layer blob: internal' })
    const { result, warnings } = await run([{ lines: [...IMPORTS, ...STEPS(true), RESULT, failed], metadata: METADATA }])
    expect(result.main.exitCode).toBe(0)
    expect(warnings).toEqual([expect.stringMatching(/^Cache export to scope pr-7 \(gha\) failed.*internal/)])
    expect(result.outputs['cache-export']).toBe('false')
  })

  it('a driver that cannot export the cache: the build runs again without the export, with one warning', async () => {
    const { result, builds, warnings } = await run([
      { lines: ['ERROR: Cache export is not supported for the docker driver.'], exit: 1 },
      { lines: [...IMPORTS, ...STEPS(true), RESULT], metadata: METADATA }
    ])
    expect(result.main.exitCode).toBe(0)
    expect(builds).toHaveLength(2)
    expect(cacheTos(builds[1])).toEqual([])
    expect(warnings).toHaveLength(1)
    expect(result.outputs['cache-export']).toBe('false')
  })

  it('buildx refusing the default provenance on the docker driver: the build runs again without it, no cache given up', async () => {
    const refusal =
      'ERROR: failed to build: Attestation is not supported for the docker driver. Switch to a different driver, or turn on the ' +
      'containerd image store, and try again.'
    const { result, builds, warnings } = await run(
      [
        { lines: [refusal], exit: 1 },
        { lines: [...STEPS(false), RESULT], metadata: METADATA }
      ],
      { 'cache-backend': 'inline', push: 'true', tags: 'r.test/o/app:1' }
    )
    expect(result.main.exitCode).toBe(0)
    expect(builds).toHaveLength(2)
    expect(builds[0]).toContain('--attest')
    expect(builds[1]).not.toContain('--attest')
    expect(cacheFroms(builds[1])).toEqual(cacheFroms(builds[0]))
    expect(warnings).toEqual([])
    expect(result.log).toMatch(/No default provenance attestation/)
  })

  it("buildx refusing an attestation the user asked for: not retried, the step fails with buildx's reason", async () => {
    const refusal = 'ERROR: failed to build: Attestation is not supported for the docker driver.'
    const { result, builds } = await run([{ lines: [refusal], exit: 1 }], { provenance: 'mode=max' })
    expect(result.main.exitCode).toBe(1)
    expect(builds).toHaveLength(1)
  })

  it('a failing step fails the step once, with the exit code: no second build', async () => {
    const failing = vertex('sha256:s2', '[2/2] RUN make', {
      error: 'process "/bin/sh -c make" did not complete successfully: exit code: 2'
    })
    const { result, builds } = await run([{ lines: [...IMPORTS, STEPS(true)[0], failing], exit: 1 }])
    expect(result.main.exitCode).toBe(1)
    expect(builds).toHaveLength(1)
    expect(result.annotations.filter(a => a.level === 'error').map(a => a.message)).toEqual([
      expect.stringMatching(/docker buildx failed with exit code 1/)
    ])
  })

  describe('cache mounts are taken out after the build only when a step ran', () => {
    const MOUNTED = 'FROM scratch\nRUN --mount=type=cache,id=objects,target=/objects make\n'

    it('every step CACHED: no RUN touched a mount, so the post step does not take them out', async () => {
      const { result, builds } = await run([{ lines: [...IMPORTS, ...STEPS(true), RESULT, EXPORT], metadata: METADATA }], {}, MOUNTED)
      expect(result.post?.exitCode).toBe(0)
      expect(builds).toHaveLength(1)
      expect(result.log).toMatch(/cache mounts: every step came from the cache, so no mount changed: not taken out/)
    })

    it('a step ran: the post step takes them out (a generated build)', async () => {
      const { result, builds } = await run([{ lines: [...IMPORTS, ...STEPS(false), RESULT, EXPORT], metadata: METADATA }], {}, MOUNTED)
      expect(result.post?.exitCode).toBe(0)
      expect(builds).toHaveLength(2)
      expect(builds[1]).toEqual(expect.arrayContaining([expect.stringMatching(/^type=local,dest=/)]))
    })
  })

  describe('cache mounts an earlier run saved', () => {
    const mountsOf = (ids: string[]) => `FROM scratch\nRUN ${ids.map(id => `--mount=type=cache,id=${id},target=/${id}`).join(' ')} make\n`

    /**
     * A runner whose first run on pr-7 saved these mounts, as its post step took them out of the
     * builder. The Actions cache versions a path by the runner's temp path, the same on every job;
     * the stand-in keeps v1's blobs itself (v2's go to a blob store this test has not).
     */
    async function runnerWithSaved(ids: string[]): Promise<Record<string, string | undefined>> {
      const runner = {
        RUNNER_TEMP: mkdtempSync(path.join(os.tmpdir(), 'shell-runner-temp-')),
        ACTIONS_CACHE_URL: service.url,
        ACTIONS_CACHE_SERVICE_V2: undefined
      }
      const taken = Object.fromEntries(
        ids.flatMap(id => [
          [`${id}/digest`, `${'a'.repeat(64)} 3\n`],
          [`${id}/mount.tar`, id]
        ])
      )
      const first = await run(
        [{ lines: [...STEPS(false), RESULT, EXPORT], metadata: METADATA }, { files: taken }],
        {},
        mountsOf(ids),
        runner
      )
      for (const id of ids) expect(first.result.log).toContain(`cache mount ${id} saved as buildkit-mount-${id}--pr-7#`)
      return runner
    }

    it('several mounts are restored together, each found and put into the builder in one generated build', async () => {
      const ids = ['gobuild', 'gomod']
      const runner = await runnerWithSaved(ids)
      const { result, builds } = await run(
        [{}, { lines: [...IMPORTS, ...STEPS(true), RESULT, EXPORT], metadata: METADATA }],
        {},
        mountsOf(ids),
        runner
      )
      expect(result.main.exitCode).toBe(0)
      expect(result.log).toContain('Restore 2 cache mounts')
      expect(builds).toHaveLength(2)
      expect(builds[0]).toEqual(expect.arrayContaining(['type=cacheonly']))
      for (const id of ids) expect(result.summary).toMatch(new RegExp(`${id}: restored from pr-7`))
      expect(result.annotations.filter(a => a.level !== 'debug')).toEqual([])
    })

    it('a builder created mid-run (driver-fallback) gets the restored mounts before the build runs on it', async () => {
      const runner = await runnerWithSaved(['moved'])
      const { result, builds } = await run(
        [
          {},
          { lines: ['ERROR: Cache export is not supported for the docker driver.'], exit: 1 },
          {},
          { lines: [...IMPORTS, ...STEPS(true), RESULT, EXPORT], metadata: METADATA }
        ],
        { 'driver-fallback': 'docker-container' },
        mountsOf(['moved']),
        runner
      )
      expect(result.main.exitCode).toBe(0)
      const created = /"(branch-cache-build-[0-9a-f]{8})"/.exec(result.log)?.[1]
      expect(created).toBeDefined()
      expect(builds).toHaveLength(4)
      const builderOf = (argv: string[]) => argv[argv.indexOf('--builder') + 1]
      expect(builds.map(builderOf)).toEqual([BUILDER, BUILDER, created, created])
      expect(builds[2]).toEqual(expect.arrayContaining(['type=cacheonly']))
      expect(result.summary).toMatch(/moved: restored from pr-7/)
    })
  })
})
