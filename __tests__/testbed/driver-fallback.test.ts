// An engine without the containerd image store: buildx's docker driver cannot export gha,
// registry or local caches there. The action runs as the runner runs it (dist/, main + post)
// against a second dockerd with {"features":{"containerd-snapshotter":false}}, started for this
// file and stopped after it. The build never fails on the cache: it builds without the export,
// with one warning naming the fix, and still imports; with driver-fallback: docker-container it
// builds on a docker-container builder created for the job, exports, and the post step removes
// that builder.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { DRIVER_CANNOT_EXPORT } from '../../src/effects/builder-driver.js'
import { type ClassicEngine, buildBuildKitImage, startClassicEngine } from '../../testbed/classic-engine.js'
import { type TestbedEnv, fixtureContext, s3CacheOptions, testbedEnv } from '../../testbed/env.js'
import type { RunResult } from '../../testbed/runner.js'
import { cacheFigures, pullRequestBuild, pushBuild, tempDir } from '../../testbed/scenario.js'

const run = promisify(execFile)
const BUILDKIT_IMAGE = 'bcb-test/buildkit:local'
const FIX = /docker-container builder.*containerd image store/

let bed: TestbedEnv
let engine: ClassicEngine
const nonce = randomBytes(4).toString('hex')

beforeAll(async () => {
  bed = testbedEnv()
  engine = await startClassicEngine(bed)
}, 120000)

afterAll(async () => {
  await engine?.stop()
})

function steps(tag: string): string[] {
  return [`echo deps-${tag} > /deps && sleep 1`, `echo compile-${tag} > /app && sleep 1`, `echo last-${tag} > /last`]
}

/** The run's environment pointed at the classic-store engine (its own DOCKER_CONFIG: buildx's files know only its builders). */
const onClassic = (extra: Record<string, string> = {}) => ({
  env: { DOCKER_HOST: engine.dockerHost, DOCKER_CONFIG: engine.dockerConfig, ...extra }
})

const warnings = (result: RunResult) => result.annotations.filter(a => a.level === 'warning' || a.level === 'error')

async function imageOnClassic(tag: string): Promise<boolean> {
  return run('docker', ['image', 'inspect', tag], { env: engine.env }).then(
    () => true,
    () => false
  )
}

describe.each(['registry', 'gha'])('%s backend on an engine without the containerd image store', backend => {
  const tag = `${nonce}-${backend}`
  let inputs: Record<string, string>

  beforeAll(async () => {
    inputs = { context: fixtureContext(steps(tag), bed), 'cache-backend': backend, tags: `${bed.registry}/df-${tag}/app:latest` }
    // main's cache, exported from the bed's own engine (containerd image store).
    const main = await pushBuild('main', inputs)
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, exported: 'true' })
  })

  it('builds, exports nothing, and says in one warning what to change', async () => {
    const result = await pushBuild('feature-x', inputs, { ...onClassic(), sha: 'c'.repeat(40) })
    expect(result.main.exitCode).toBe(0)
    expect(warnings(result)).toHaveLength(1)
    expect(warnings(result)[0].message).toMatch(FIX)
    expect(warnings(result)[0].message).toContain(
      backend === 'gha' ? 'cannot export or import the gha cache' : 'cannot export the registry cache'
    )
    expect(result.outputs['cache-export']).toBe('false')
    expect(result.outputs['cache-to']).toBe('')
    expect(result.outputs.command).not.toContain('--cache-to')
    expect(result.summary).toMatch(/Cache export<\/td><td>no: builder "default" uses the docker driver/)
    // Known before the build (buildx's files + the engine's /info): no failing first attempt.
    expect(result.log).not.toMatch(/Cache export is not supported/)
    expect(Number(result.outputs['total-steps'])).toBe(5)
    expect(await imageOnClassic(inputs.tags)).toBe(true)
  })

  // The docker driver still imports registry (and local) caches there; gha it does not know.
  it(
    backend === 'registry'
      ? "keeps the imports: pull request 7's first build takes every step from main"
      : 'drops the gha imports it cannot do, in the same one warning',
    async () => {
      await run('docker', ['buildx', 'prune', '-af'], { env: engine.env })
      await run('docker', ['image', 'prune', '-af'], { env: engine.env })
      const result = await pullRequestBuild(7, 'main', inputs, onClassic())
      expect(cacheFigures(result)).toMatchObject({ exitCode: 0, cached: backend === 'registry' ? 5 : 0, total: 5, exported: 'false' })
      expect(warnings(result)).toHaveLength(1)
      if (backend === 'gha') expect(result.outputs['cache-from']).toBe('')
    }
  )
})

// The action knows the docker driver before the build on every setup this bed can make (its
// files and the engine's /info), so buildx's refusal is not reached through the action here;
// what is checked is that the action's pattern matches buildx's real words on this engine.
describe("buildx's own refusal", () => {
  it('matches the pattern that makes the action build again without the export', async () => {
    const context = fixtureContext(steps(`${nonce}-refusal`), bed)
    const refused = await run(
      'docker',
      ['buildx', 'build', '--cache-to', `type=registry,ref=${bed.registry}/df-${nonce}/refusal:c`, '--progress', 'plain', context],
      { env: engine.env }
    ).then(
      () => '',
      (error: { stderr?: string }) => error.stderr ?? ''
    )
    expect(refused).toMatch(DRIVER_CANNOT_EXPORT)
    expect(refused).toMatch(/containerd image store/)
  })
})

describe('driver-fallback: docker-container', () => {
  beforeAll(async () => {
    await buildBuildKitImage(engine, BUILDKIT_IMAGE)
  }, 120000)

  it('builds on a docker-container builder created for the job, exports, and the post step removes the builder', async () => {
    const tag = `${nonce}-dc`
    const inputs = {
      context: fixtureContext(steps(tag), bed),
      'cache-backend': 'registry',
      tags: `${bed.registry}/df-${tag}/app:latest`,
      'driver-fallback': 'docker-container',
      // No image can be pulled here: the builder runs the BuildKit image built above; host
      // networking lets it reach the bed's registry on 127.0.0.1.
      'driver-fallback-opts': `image=${BUILDKIT_IMAGE}\nnetwork=host`
    }
    const result = await pushBuild('main', inputs, onClassic())
    expect(cacheFigures(result)).toMatchObject({ exitCode: 0, total: 5, exported: 'true' })
    expect(warnings(result)).toEqual([])
    expect(result.outputs.command).toMatch(/--builder branch-cache-build-[0-9a-f]{8} .*--load .*--cache-to type=registry/)
    expect(result.post?.exitCode).toBe(0)
    expect(result.log).toMatch(/Removed the docker-container builder "branch-cache-build-[0-9a-f]{8}"/)
    const { stdout: builders } = await run('docker', ['buildx', 'ls'], { env: engine.env })
    expect(builders).not.toContain('branch-cache-build-')
    const { stdout: containers } = await run('docker', ['ps', '-a', '--format', '{{.Names}}'], { env: engine.env })
    expect(containers).not.toContain('buildx_buildkit_branch-cache-build-')
    // --load put the image in the engine, as the docker driver would have.
    expect(await imageOnClassic(inputs.tags)).toBe(true)
    // The export is real: the bed's own engine imports main's cache from it.
    const pr = await pullRequestBuild(7, 'main', { ...inputs, 'driver-fallback': 'off', 'driver-fallback-opts': '' })
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 5, total: 5 })
  })

  it("carries cache mounts on the builder it creates: main's run saves one, a pull request's run on a new builder reads it", async () => {
    const tag = `${nonce}-mounts`
    const context = fixtureContext([], bed)
    const step = `: ${tag}; cat /cache/seen > /seen 2>/dev/null || : > /seen; echo "$RUN" >> /cache/seen`
    appendFileSync(path.join(context, 'Dockerfile'), `ARG RUN\nRUN --mount=type=cache,id=fallback-cache,target=/cache sh -c '${step}'\n`)
    // A runner's temp path is the same on every job: @actions/cache versions an entry by its path.
    const runner = { ...onClassic(), runnerTemp: tempDir('df-runner-temp-') }
    const seen = async (run: string, build: typeof pushBuild) => {
      const dest = tempDir('df-mounts-out-')
      const inputs = {
        context,
        'cache-backend': 'registry',
        'scope-prefix': `df-${tag}`,
        tags: `${bed.registry}/df-${tag}/app:latest`,
        'build-args': `RUN=${run}`,
        outputs: `type=local,dest=${dest}`,
        'cache-mounts-image': bed.baseImage,
        'driver-fallback': 'docker-container',
        'driver-fallback-opts': `image=${BUILDKIT_IMAGE}\nnetwork=host`
      }
      const result = await build('main', inputs, runner)
      expect(result.main.exitCode).toBe(0)
      expect(result.post?.exitCode).toBe(0)
      expect(warnings(result)).toEqual([])
      expect(result.outputs.command).toMatch(/--builder branch-cache-build-[0-9a-f]{8} /)
      return { result, seen: readFileSync(path.join(dest, 'seen'), 'utf8') }
    }
    const main = await seen('main', pushBuild)
    expect(main.seen).toBe('')
    expect(main.result.log).toMatch(/cache mount fallback-cache saved as buildkit-mount-fallback-cache--df-/)
    // A new builder of its own: nothing of main's run is left in BuildKit, only in the Actions cache.
    const pr = await seen('pr7', (_, inputs, o) => pullRequestBuild(7, 'main', inputs, o))
    expect(pr.seen).toBe('main\n')
    expect(pr.result.summary).toMatch(/fallback-cache: restored from df-[0-9a-f]+-mounts\/main/)
  })

  it('also serves s3, which the docker driver never exports to', async () => {
    const tag = `${nonce}-s3`
    const options = s3CacheOptions(bed)
    const inputs = {
      context: fixtureContext(steps(tag), bed),
      'cache-backend': 's3',
      'cache-options': options,
      tags: `${bed.registry}/df-${tag}/app:latest`,
      'driver-fallback': 'docker-container',
      'driver-fallback-opts': `image=${BUILDKIT_IMAGE}\nnetwork=host`
    }
    const result = await pushBuild('main', inputs, onClassic())
    expect(cacheFigures(result)).toMatchObject({ exitCode: 0, total: 5, exported: 'true' })
    expect(warnings(result)).toEqual([])
    expect(result.log).toMatch(/Removed the docker-container builder/)
    // Without the fallback the same run stops before building, with the fix.
    const refused = await pushBuild('main', { ...inputs, 'driver-fallback': 'off', 'driver-fallback-opts': '' }, onClassic())
    expect(refused.main.exitCode).not.toBe(0)
    expect(refused.annotations.find(a => a.level === 'error')?.message).toMatch(/docker-container or remote driver/)
  })
})
