// The action with `build-tool: envd`, run as GitHub's runner runs it (node dist/index.js +
// post) against the bed's standalone buildkitd, with no Docker engine in the build: envd
// writes its image to `outputs`. main exports its cache; after buildkitd's state is wiped,
// pull request 7's first build takes every run() step from main's cache (gha, registry); the
// local directory is carried between runs by the cache service and does not grow; a job that
// may not write the cache builds without exporting and says why; `builder:` becomes an envd
// context.
import { describe, expect, it, beforeAll } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { type TestbedEnv, envdFixture, privateEnvdHome, rewriteEnvdFixture, testbedEnv, toolEnv } from '../../testbed/env.js'
import { pullRequestToken, pushToken, readOnlyToken } from '../../testbed/cache-service/token.js'
import type { RunResult } from '../../testbed/runner.js'
import {
  type Protocol,
  type ScenarioOptions,
  cacheFigures,
  pruneStandalone,
  pullRequestBuild,
  pushBuild,
  tempDir
} from '../../testbed/scenario.js'

/** Three run() steps; the last one is what a later commit changes. */
function steps(nonce: string, last: string): string[] {
  return [`echo deps-${nonce} > /deps && sleep 1`, `echo compile-${nonce} > /app && sleep 1`, `echo ${last} > /last && sleep 1`]
}

/** The inputs of an envd build of `project` that writes its image to an OCI tarball. */
function envdInputs(bed: TestbedEnv, nonce: string, project: string, backend: string): Record<string, string> {
  return {
    'build-tool': 'envd',
    context: project,
    file: 'build.envd:build',
    tags: `${bed.registry}/envd${nonce}/env:latest`,
    outputs: `type=oci,dest=${path.join(tempDir('envd-out-'), 'image.tar')}`,
    'cache-backend': backend
  }
}

const warningsOf = (result: RunResult) => result.annotations.filter(a => a.level === 'warning' || a.level === 'error')

/** What the post step says it saved: `local cache saved as <key> (<n> bytes)`. */
function savedBytes(result: RunResult): number {
  const match = /local cache saved as \S+ \((\d+) bytes\)/.exec(result.log)
  if (!match) throw new Error(`no saved local cache in the log:\n${result.log}`)
  return Number(match[1])
}

describe.each<Protocol>(['v2', 'v1'])('envd with the gha cache (protocol %s)', protocol => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  let inputs: Record<string, string>
  const mainToken = pushToken('main', 'main')
  let main: RunResult
  const options = (o: ScenarioOptions = {}): ScenarioOptions => ({ envd: true, protocol, ...o })
  const scope = (name: string) => `envd${nonce}/env/${name}`

  beforeAll(async () => {
    bed = testbedEnv()
    inputs = envdInputs(bed, nonce, envdFixture(steps(nonce, 'one'), bed), 'gha')
    main = await pushBuild('main', inputs, options({ token: mainToken }))
  })

  it('1. a push to main builds cold and exports to main', () => {
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, cached: 0, total: 3, exported: 'true' })
    expect(main.outputs.scope).toBe(scope('main'))
    expect(main.outputs.command).toContain('--export-cache type=gha,')
    expect(main.summary).toMatch(/Cache export<\/td><td>yes: type=gha/)
    expect(warningsOf(main)).toEqual([])
  })

  it('2. the runtime token reaches envd as an attribute, but is masked in the log, the command and the outputs', () => {
    expect(main.masks).toContain(mainToken)
    expect(main.log).not.toContain(mainToken)
    expect(main.log).toContain('token=***')
    for (const name of ['command', 'cache-from', 'cache-to']) expect(main.outputs[name]).not.toContain(mainToken)
    expect(main.outputs['cache-to']).toContain('token=***')
  })

  it("3. after buildkitd's state is wiped, pull request 7's first build takes every run() step from main", async () => {
    await pruneStandalone(bed)
    const token = pullRequestToken(7, 'main', 'main')
    const pr = await pullRequestBuild(7, 'main', inputs, options({ token }))
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 3, total: 3, exported: 'true' })
    expect(pr.outputs.scope).toBe(scope('pr-7'))
    expect(pr.outputs['cache-hit-ratio']).toBe('1.00')
    expect(pr.summary).toMatch(/Cached steps<\/td><td>3 \/ 3/)
    // envd's one gha scope name is read under every ref of the chain; the cache list says which ref held it.
    expect(pr.summary).toContain(`${scope('pr-7')} ✗ → ${scope('main')} ✓`)
    expect(pr.log).not.toContain(token)
    expect(warningsOf(pr)).toEqual([])
    console.log(
      `envd gha ${protocol}: main cold ${main.main.wallMs} ms, pull request 7 from main's cache ${pr.main.wallMs} ms (action steps, wall)`
    )
  })

  if (protocol === 'v2') {
    it("4. a read-only token builds from main's cache, exports nothing, and says why", async () => {
      await pruneStandalone(bed)
      const pr = await pullRequestBuild(
        7,
        'main',
        inputs,
        options({ token: readOnlyToken('refs/pull/7/merge', 'main'), sha: 'e'.repeat(40) })
      )
      expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 3, total: 3, exported: 'false' })
      expect(pr.outputs.command).not.toContain('--export-cache')
      expect(pr.outputs['cache-to']).toBe('')
      expect(pr.log).toContain('export: no (the runtime token is read-only)')
      expect(pr.summary).toContain('Cache export</td><td>no: the runtime token is read-only')
    })

    it('5. ACTIONS_CACHE_MODE=read builds, exports nothing, and says why', async () => {
      const result = await pushBuild('main', inputs, options({ env: { ACTIONS_CACHE_MODE: 'read' }, sha: 'f'.repeat(40) }))
      expect(cacheFigures(result)).toMatchObject({ exitCode: 0, total: 3, exported: 'false' })
      expect(result.outputs.command).not.toContain('--export-cache')
      expect(result.log).toContain('export: no (ACTIONS_CACHE_MODE=read)')
      expect(result.summary).toContain('Cache export</td><td>no: ACTIONS_CACHE_MODE=read')
    })

    // The project changes from here on (same directory: envd's cache keys include its name).
    it('6. a second commit on pull request 7 that changes the last step takes the others from the cache and exports to pr-7', async () => {
      rewriteEnvdFixture(inputs.context, steps(nonce, 'two'), bed)
      await pruneStandalone(bed)
      const pr = await pullRequestBuild(7, 'main', inputs, options({ sha: 'e'.repeat(40) }))
      expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 2, total: 3, exported: 'true' })
    })

    it("7. a sibling branch reads main's cache, never pr-7's (GitHub's ref isolation under one scope name)", async () => {
      await pruneStandalone(bed)
      const sibling = await pushBuild('feature-b', inputs, options({ sha: '9'.repeat(40) }))
      // pr-7 holds all three steps of this commit; main only the first two.
      expect(cacheFigures(sibling)).toMatchObject({ exitCode: 0, cached: 2, total: 3 })
    })

    it('8. a cache service that does not answer never fails the build; a warning says so', async () => {
      await pruneStandalone(bed)
      const down = await pushBuild('main', inputs, options({ env: { ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/' }, sha: '8'.repeat(40) }))
      expect(cacheFigures(down)).toMatchObject({ exitCode: 0, cached: 0, total: 3 })
      expect(warningsOf(down).map(a => a.message)).toContainEqual(expect.stringMatching(/cache/i))
    })
  }
})

describe('envd with the local cache (a directory carried by the cache service)', () => {
  let bed: TestbedEnv
  beforeAll(() => {
    bed = testbedEnv()
  })

  describe.each([
    { where: 'under the runner temp (cache-dir unset)', cacheDir: false },
    { where: 'in cache-dir', cacheDir: true }
  ])('$where', ({ cacheDir }) => {
    it("a second build of main restores main's directory and takes every run() step from it", async () => {
      const nonce = randomBytes(4).toString('hex')
      const runnerTemp = tempDir('runner-temp-')
      const dir = cacheDir ? tempDir('envd-cache-dir-') : undefined
      const inputs = { ...envdInputs(bed, nonce, envdFixture(steps(nonce, 'one'), bed), 'local'), ...(dir && { 'cache-dir': dir }) }
      const options = (sha: string): ScenarioOptions => ({ envd: true, runnerTemp, sha: sha.repeat(40) })

      const first = await pushBuild('main', inputs, options('1'))
      expect(cacheFigures(first)).toMatchObject({ exitCode: 0, cached: 0, total: 3, exported: 'true' })
      expect(first.summary).toMatch(/Local cache saved as <code>buildkit-envd[0-9a-f]+\/env\/main#1{40}<\/code>/)

      // A fresh job: nothing left on the runner, nothing in buildkitd.
      if (dir) rmSync(dir, { recursive: true, force: true })
      await pruneStandalone(bed)
      const second = await pushBuild('main', inputs, options('2'))
      expect(cacheFigures(second)).toMatchObject({ exitCode: 0, cached: 3, total: 3, exported: 'true', source: `envd${nonce}/env/main` })
      expect(second.log).toContain('cache import: main (found)')
      expect(second.outputs['cache-from']).toMatch(/^type=local,src=.*,digest=sha256:[0-9a-f]{64}$/)
      expect(second.summary).toMatch(/Local cache restored<\/td><td>buildkit-envd[0-9a-f]+\/env\/main#1{40}/)
      expect(warningsOf(second)).toEqual([])
    })
  })

  it('with ACTIONS_CACHE_MODE=read, a build takes every step from the restored directory, saves nothing, and says why', async () => {
    const nonce = randomBytes(4).toString('hex')
    const runnerTemp = tempDir('runner-temp-')
    const inputs = envdInputs(bed, nonce, envdFixture(steps(nonce, 'one'), bed), 'local')
    const first = await pushBuild('main', inputs, { envd: true, runnerTemp, sha: '1'.repeat(40) })
    expect(cacheFigures(first)).toMatchObject({ exitCode: 0, exported: 'true' })

    await pruneStandalone(bed)
    const read = await pushBuild('main', inputs, { envd: true, runnerTemp, sha: '2'.repeat(40), env: { ACTIONS_CACHE_MODE: 'read' } })
    expect(cacheFigures(read)).toMatchObject({ exitCode: 0, cached: 3, total: 3, exported: 'false' })
    expect(read.log).toContain('export: no (ACTIONS_CACHE_MODE=read)')
    expect(read.summary).toContain('Cache export</td><td>no: ACTIONS_CACHE_MODE=read')
    expect(read.summary).toMatch(/Local cache restored<\/td><td>buildkit-envd[0-9a-f]+\/env\/main#1{40}/)
    expect(read.log).not.toMatch(/local cache saved as/)
    expect(warningsOf(read)).toEqual([])
  })

  it('five builds that each change the last step keep the saved directory within 1.25× of one fresh export', async () => {
    const nonce = randomBytes(4).toString('hex')
    // The last step writes 1 MB of noise: a stale layer left behind would show in the size.
    const steps = (nonce: string, version: string) => [
      `echo deps-${nonce} > /deps && sleep 1`,
      `echo compile-${nonce} > /app && sleep 1`,
      `echo ${version} > /version && head -c 1000000 /dev/urandom > /blob`
    ]
    const project = envdFixture(steps(nonce, 'v1'), bed)
    const runnerTemp = tempDir('runner-temp-')
    const inputs = envdInputs(bed, nonce, project, 'local')
    let fifth: RunResult | undefined
    for (let i = 1; i <= 5; i++) {
      rewriteEnvdFixture(project, steps(nonce, `v${i}`), bed)
      const result = await pushBuild('main', inputs, { envd: true, runnerTemp, sha: String(i).repeat(40) })
      expect(cacheFigures(result)).toMatchObject({ exitCode: 0, cached: i === 1 ? 0 : 2, total: 3, exported: 'true' })
      // The last step's old layer is dead once the new one is exported: the summary says it was removed.
      if (i > 1) expect(result.summary).toMatch(/Local cache exported<\/td><td>[^<]*of dead blobs removed/)
      fifth = result
    }

    // The same build exported once into an empty directory, under another scope.
    const fresh = await pushBuild(
      'main',
      { ...inputs, 'scope-prefix': `fresh${nonce}` },
      { envd: true, runnerTemp: tempDir('runner-temp-'), sha: '9'.repeat(40) }
    )
    expect(cacheFigures(fresh)).toMatchObject({ exitCode: 0, total: 3, exported: 'true' })
    const afterFive = savedBytes(fifth!)
    const once = savedBytes(fresh)
    console.log(
      `envd local cache: ${afterFive} bytes after five builds, ${once} bytes for one fresh export (${(afterFive / once).toFixed(2)}×)`
    )
    expect(afterFive).toBeLessThanOrEqual(1.25 * once)
  })
})

describe('envd with the registry cache', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  let inputs: Record<string, string>
  let main: RunResult
  const scope = (name: string) => `envd${nonce}/env/${name}`

  beforeAll(async () => {
    bed = testbedEnv()
    const image = `${bed.registry}/envd${nonce}/env:latest`
    inputs = {
      ...envdInputs(bed, nonce, envdFixture(steps(nonce, 'one'), bed), 'registry'),
      outputs: `type=image,name=${image},push=true`
    }
    main = await pushBuild('main', inputs, { envd: true })
  })

  it("1. a push to main builds cold, pushes the image and exports to main's cache tag", () => {
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, cached: 0, total: 3, exported: 'true' })
    expect(main.outputs['cache-to']).toBe(`type=registry,ref=${bed.registry}/envd${nonce}/env:buildcache-main,mode=max,ignore-error=true`)
  })

  it("2. after buildkitd's state is wiped, pull request 7's first build takes every run() step from main, and says so", async () => {
    await pruneStandalone(bed)
    const pr = await pullRequestBuild(7, 'main', inputs, { envd: true })
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 3, total: 3, exported: 'true', source: scope('main') })
    expect(pr.log).toContain(`cache import: ${bed.registry}/envd${nonce}/env:buildcache-pr-7 has no cache yet, trying the next scope`)
    expect(pr.outputs['cache-from']).toBe(`type=registry,ref=${bed.registry}/envd${nonce}/env:buildcache-main`)
    expect(pr.outputs['cache-to']).toContain('buildcache-pr-7')
    expect(pr.summary).toContain(`Cache source</td><td>${scope('main')}`)
    expect(pr.summary).toContain(`${scope('pr-7')} ✗ → ${scope('main')} ✓`)
    expect(warningsOf(pr)).toEqual([])
    console.log(
      `envd registry: main cold ${main.main.wallMs} ms, pull request 7 from main's cache ${pr.main.wallMs} ms (action steps, wall)`
    )
  })
})

describe('envd with builder: a BuildKit address becomes an envd context', () => {
  let bed: TestbedEnv
  let home: string
  const nonce = randomBytes(4).toString('hex')
  let inputs: Record<string, string>
  // A private copy of envd's HOME: the bed's current context stays as it is for everyone else.
  const options = (): ScenarioOptions => ({ envd: true, env: { HOME: home } })
  const contexts = () => execFileSync(bed.envd, ['context', 'ls'], { env: { ...toolEnv(bed), HOME: home }, encoding: 'utf8' })

  beforeAll(() => {
    bed = testbedEnv()
    home = privateEnvdHome(bed)
    inputs = envdInputs(bed, nonce, envdFixture(steps(nonce, 'one'), bed), 'none')
  })

  it('a unix:// address: the context is created, used, and the build succeeds', async () => {
    const result = await pushBuild('main', { ...inputs, builder: bed.buildkitdAddr }, options())
    expect(cacheFigures(result)).toMatchObject({ exitCode: 0, total: 3 })
    expect(result.log).toMatch(
      new RegExp(`builder: envd context create --name bcb-\\w+ --builder unix --builder-address ${bed.buildkitdSocket} --use`)
    )
    expect(contexts()).toMatch(new RegExp(`bcb-\\w+ \\(current\\)\\s+unix\\s+unix://${bed.buildkitdSocket}\\s`))
  })

  it('a tcp:// address: another context, and the build succeeds', async () => {
    const result = await pushBuild('main', { ...inputs, builder: bed.buildkitdTcp }, options())
    expect(cacheFigures(result)).toMatchObject({ exitCode: 0, total: 3 })
    expect(result.log).toContain(`--builder tcp --builder-address ${bed.buildkitdTcp.replace(/^tcp:\/\//, '')} --use`)
    expect(contexts()).toMatch(/bcb-\w+ \(current\)\s+tcp\s+tcp:\/\/127\.0\.0\.1/)
  })

  it('the first address again: its context exists, so the action switches to it', async () => {
    const result = await pushBuild('main', { ...inputs, builder: bed.buildkitdAddr }, options())
    expect(cacheFigures(result)).toMatchObject({ exitCode: 0, total: 3 })
    expect(result.log).toMatch(/builder: envd context use --name bcb-\w+/)
    expect(contexts()).toMatch(new RegExp(`bcb-\\w+ \\(current\\)\\s+unix\\s+unix://${bed.buildkitdSocket}\\s`))
  })
})

// s3 and azblob: envd sends BuildKit only the spec's attributes, so the action copies the
// step's credentials into it (as buildx does for s3), and probes the chain's manifest objects
// because envd takes one import.
describe.each([
  {
    backend: 's3',
    options: (bed: TestbedEnv) =>
      [`bucket: ${bed.s3.bucket}`, `region: ${bed.s3.region}`, `endpoint_url: ${bed.s3.endpoint}`, 'use_path_style: true'].join('\n'),
    // The way the README says: the credentials in the step's env, not in cache-options.
    env: (bed: TestbedEnv) => ({ AWS_ACCESS_KEY_ID: bed.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: bed.s3.secretAccessKey }),
    secret: (bed: TestbedEnv) => bed.s3.secretAccessKey
  },
  {
    backend: 'azblob',
    options: (bed: TestbedEnv) => `account_url: ${bed.azblob.accountUrl}`,
    env: (bed: TestbedEnv) => ({
      BUILDKIT_AZURE_STORAGE_ACCOUNT_NAME: bed.azblob.accountName,
      BUILDKIT_AZURE_STORAGE_ACCESS_KEY: bed.azblob.accountKey
    }),
    secret: (bed: TestbedEnv) => bed.azblob.accountKey
  }
])('envd with the $backend cache, credentials in the step environment', ({ backend, options, env, secret }) => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  let inputs: Record<string, string>
  let main: RunResult
  // The scope as main's build named it (the namespace comes from the image's name).
  const scope = (name: string) => main.outputs.scope.replace(/main$/, name)
  const run = (o: ScenarioOptions = {}): ScenarioOptions => ({ envd: true, env: env(bed), ...o })

  beforeAll(async () => {
    bed = testbedEnv()
    inputs = { ...envdInputs(bed, nonce, envdFixture(steps(nonce, 'one'), bed), backend), 'cache-options': options(bed) }
    main = await pushBuild('main', inputs, run())
  })

  it('1. a push to main builds cold and exports to main, the credentials masked', () => {
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, cached: 0, total: 3, exported: 'true' })
    expect(main.outputs['cache-to']).toContain(`type=${backend},name=${scope('main')};`)
    expect(main.outputs['cache-to']).toContain('secret_access_key=***')
    expect(main.log).not.toContain(secret(bed))
    expect(main.outputs.command).not.toContain(secret(bed))
    expect(main.masks).toContain(secret(bed))
    expect(warningsOf(main)).toEqual([])
  })

  it("2. after buildkitd's state is wiped, PR 7's first build finds no pr-7 manifest, takes every run() step from main's", async () => {
    await pruneStandalone(bed)
    const pr = await pullRequestBuild(7, 'main', inputs, run())
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 3, total: 3, exported: 'true', source: scope('main') })
    expect(pr.log).toContain(`cache import: ${scope('pr-7')} has no cache yet, trying the next scope`)
    expect(pr.log).toContain(`cache import: ${scope('main')} (found)`)
    expect(pr.outputs['cache-from']).toMatch(new RegExp(`^type=${backend},name=${scope('main')},`))
    expect(pr.summary).toContain(`${scope('pr-7')} ✗ → ${scope('main')} ✓`)
    expect(warningsOf(pr)).toEqual([])
    console.log(
      `envd ${backend}: main cold ${main.main.wallMs} ms, pull request 7 from main's cache ${pr.main.wallMs} ms (action steps, wall)`
    )
  })

  it('3. a second commit on pull request 7 imports its own scope first', async () => {
    await pruneStandalone(bed)
    const pr = await pullRequestBuild(7, 'main', inputs, run({ sha: 'e'.repeat(40) }))
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 3, total: 3, source: scope('pr-7') })
    expect(pr.log).toContain(`cache import: ${scope('pr-7')} (found)`)
  })
})

// inline: envd takes one image name, so the action tags the pushed image as the scope's cache
// tag itself; the next runs probe and import those tags as registry caches.
describe('envd with the inline cache (the pushed image carries it)', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  let inputs: Record<string, string>
  let main: RunResult
  let repository: string
  const scope = (name: string) => main.outputs.scope.replace(/main$/, name)

  beforeAll(async () => {
    bed = testbedEnv()
    repository = `${bed.registry}/envd${nonce}/env`
    inputs = {
      ...envdInputs(bed, nonce, envdFixture(steps(nonce, 'one'), bed), 'inline'),
      outputs: `type=image,name=${repository}:latest,push=true`
    }
    main = await pushBuild('main', inputs, { envd: true })
  })

  it("1. a push to main builds cold, pushes the image with its inline cache, and tags it as main's cache tag", () => {
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, cached: 0, total: 3, exported: 'true' })
    expect(main.outputs['cache-to']).toBe('type=inline')
    expect(main.log).toMatch(new RegExp(`inline cache: ${repository}:latest tagged as ${repository}:buildcache-\\S*main`))
    expect(warningsOf(main)).toEqual([])
  })

  it("2. after buildkitd's state is wiped, pull request 7's first build takes every run() step from main's image", async () => {
    await pruneStandalone(bed)
    const pr = await pullRequestBuild(7, 'main', inputs, { envd: true })
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 3, total: 3, exported: 'true', source: scope('main') })
    expect(pr.log).toMatch(/cache import: \S+:buildcache-\S*pr-7 has no cache yet, trying the next scope/)
    expect(pr.outputs['cache-from']).toMatch(new RegExp(`^type=registry,ref=${repository}:buildcache-\\S*main$`))
    expect(pr.log).toMatch(/inline cache: \S+ tagged as \S+:buildcache-\S*pr-7/)
    expect(warningsOf(pr)).toEqual([])
    console.log(`envd inline: main cold ${main.main.wallMs} ms, pull request 7 from main's cache ${pr.main.wallMs} ms (action steps, wall)`)
  })

  it('3. a second commit on pull request 7 imports its own cache tag first', async () => {
    await pruneStandalone(bed)
    const pr = await pullRequestBuild(7, 'main', inputs, { envd: true, sha: 'e'.repeat(40) })
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 3, total: 3, source: scope('pr-7') })
    expect(pr.log).toMatch(/cache import: \S+:buildcache-\S*pr-7 \(found\)/)
  })
})
