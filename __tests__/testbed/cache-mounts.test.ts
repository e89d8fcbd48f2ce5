// Cache mounts survive between runs, run as GitHub's runner runs the action: a RUN step reads
// and writes a cache mount; after the builder's state is gone, a pull request's first run reads
// what main's run left there, a sibling branch does not read the pull request's, a read-only run
// restores and does not save, an unchanged mount is not saved again. What the step read is in the
// image, exported as files. Each case on a builder of its own (pruned at will), and once on the
// engine's docker driver, which other tests share (a fresh cache-mount namespace instead of a prune).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type TestbedEnv, testbedEnv } from '../../testbed/env.js'
import { type OwnBuilder, startOwnBuilder, stopOwnBuilders } from '../../testbed/own-builder.js'
import type { RunResult } from '../../testbed/runner.js'
import { type ScenarioOptions, closedPullRequestRun, pullRequestBuild, pushBuild, serviceEntries, tempDir } from '../../testbed/scenario.js'

/**
 * `seen` is what the mount held before the step; the step then appends RUN, unless WRITE=no. The
 * nonce keeps the step new to an engine that built this file in an earlier test run.
 */
function mountContext(bed: TestbedEnv, nonce: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'testbed-mounts-'))
  const step = `: ${nonce}; cat /cache/seen > /seen 2>/dev/null || true; [ "$WRITE" = no ] || echo "$RUN" >> /cache/seen`
  const dockerfile = [
    `FROM ${bed.baseImage} AS build`,
    'ARG RUN',
    'ARG WRITE',
    `RUN --mount=type=cache,id=build-cache,target=/cache sh -c '${step}'`,
    'FROM scratch',
    'COPY --from=build /seen /seen'
  ]
  writeFileSync(path.join(dir, 'Dockerfile'), `${dockerfile.join('\n')}\n`)
  return dir
}

interface Built {
  result: RunResult
  seen: string[]
}

function expectSuccess(result: RunResult): void {
  if (result.main.exitCode !== 0 || result.post?.exitCode || result.annotations.some(a => a.level === 'warning'))
    console.log(`action run:\n${result.log}\n${result.main.stderr}\n${result.post?.stderr ?? ''}`)
  expect(result.main.exitCode).toBe(0)
  expect(result.post?.exitCode ?? 0).toBe(0)
  expect(result.annotations.filter(a => a.level === 'warning' || a.level === 'error').map(a => a.message)).toEqual([])
}

/** The job summary's row for the mounts. */
function mountsRow(result: RunResult): string {
  return /<tr><td>Cache mounts<\/td><td>(.*?)<\/td><\/tr>/.exec(result.summary)?.[1] ?? ''
}

describe('cache mounts survive between runs', () => {
  let bed: TestbedEnv
  let builder: OwnBuilder
  const nonce = randomBytes(4).toString('hex')
  const prefix = `mounts${nonce}`
  const scope = (name: string) => `${prefix}/${name}`
  const mountKeys = async () =>
    (await serviceEntries(bed))
      .filter(e => e.committed && e.key.startsWith(`buildkit-mount-build-cache--${prefix}/`))
      .map(e => e.key)
      .sort()
  let inputs: (run: string, extra?: Record<string, string>) => Record<string, string>
  let options: ScenarioOptions

  /** A run whose image (the file the step wrote) is exported to a fresh directory. */
  async function build(run: (o: ScenarioOptions, out: string) => Promise<RunResult>, o: ScenarioOptions = {}): Promise<Built> {
    const dest = tempDir('mounts-out-')
    const result = await run({ ...options, ...o, env: { ...options.env, ...o.env } }, `type=local,dest=${dest}`)
    expectSuccess(result)
    return { result, seen: readFileSync(path.join(dest, 'seen'), 'utf8').split('\n').filter(Boolean) }
  }

  beforeAll(async () => {
    bed = testbedEnv()
    builder = await startOwnBuilder(bed, `mounts-${nonce}`)
    const context = mountContext(bed, nonce)
    // A runner's temp path is the same on every job: @actions/cache versions an entry by its path.
    options = { bed, runnerTemp: tempDir('mounts-runner-temp-'), env: { DOCKER_CONFIG: builder.dockerConfig } }
    inputs = (run, extra = {}) => ({
      context,
      builder: builder.name,
      'scope-prefix': prefix,
      'cache-mounts-image': bed.baseImage,
      'build-args': `RUN=${run}\n${extra['build-args'] ?? ''}`,
      ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'build-args'))
    })
  })

  afterAll(async () => {
    await stopOwnBuilders()
  })

  it('main fills the mount; a pull request, a sibling branch, a read-only run and an unchanged run on a wiped builder', async () => {
    const main = await build((o, out) => pushBuild('main', { ...inputs('main'), outputs: out }, o))
    expect(main.seen).toEqual([])
    expect(await mountKeys()).toEqual([`buildkit-mount-build-cache--${scope('main')}#${'a'.repeat(40)}`])

    await builder.prune()
    const pr = await build((o, out) => pullRequestBuild(7, 'main', { ...inputs('pr7'), outputs: out }, o))
    expect(pr.seen).toEqual(['main'])
    expect(mountsRow(pr.result)).toMatch(new RegExp(`^build-cache: restored from ${scope('main')} \\([^)]*\\); saved in the post step`))
    expect(pr.result.log).toContain(`cache mount build-cache saved as buildkit-mount-build-cache--${scope('pr-7')}#${'b'.repeat(40)}`)

    await builder.prune()
    const sibling = await build((o, out) => pushBuild('sibling', { ...inputs('sibling'), outputs: out }, o), { sha: 'c'.repeat(40) })
    expect(sibling.seen).toEqual(['main'])

    await builder.prune()
    const before = await mountKeys()
    const readOnly = await build((o, out) => pullRequestBuild(7, 'main', { ...inputs('ro'), outputs: out }, o), {
      sha: 'd'.repeat(40),
      env: { ACTIONS_CACHE_MODE: 'read' }
    })
    expect(readOnly.seen).toEqual(['main', 'pr7'])
    expect(mountsRow(readOnly.result)).toContain('not saved: ACTIONS_CACHE_MODE=read')
    expect(await mountKeys()).toEqual(before)

    await builder.prune()
    const unchanged = await build(
      (o, out) => pullRequestBuild(7, 'main', { ...inputs('again', { 'build-args': 'WRITE=no' }), outputs: out }, o),
      {
        sha: 'e'.repeat(40)
      }
    )
    expect(unchanged.seen).toEqual(['main', 'pr7'])
    expect(unchanged.result.summary).toContain(`not saved: unchanged since restored from buildkit-mount-build-cache--${scope('pr-7')}#`)
    expect(await mountKeys()).toEqual(before)
    expect(before).toHaveLength(3)
  })

  it("two mounts of one step are restored at once: a pull request's first run on a wiped builder reads both of main's", async () => {
    // Each mount's content is its name and the runs that wrote it: neither may end up in the other.
    const context = mkdtempSync(path.join(os.tmpdir(), 'testbed-mounts-'))
    const step = `: ${nonce}; for m in deps objs; do cat /$m/seen > /seen-$m 2>/dev/null || : > /seen-$m; echo "$m $RUN" >> /$m/seen; done`
    const dockerfile = [
      `FROM ${bed.baseImage} AS build`,
      'ARG RUN',
      `RUN --mount=type=cache,id=deps,target=/deps --mount=type=cache,id=objs,target=/objs sh -c '${step}'`,
      'FROM scratch',
      'COPY --from=build /seen-deps /seen-objs /'
    ]
    writeFileSync(path.join(context, 'Dockerfile'), `${dockerfile.join('\n')}\n`)
    const twoMounts = (run: string) => ({ ...inputs(run), context, 'scope-prefix': `${prefix}-two` })
    const seen = async (run: (o: ScenarioOptions, out: string) => Promise<RunResult>) => {
      const dest = tempDir('mounts-out-')
      const result = await run(options, `type=local,dest=${dest}`)
      expectSuccess(result)
      return { result, deps: readFileSync(path.join(dest, 'seen-deps'), 'utf8'), objs: readFileSync(path.join(dest, 'seen-objs'), 'utf8') }
    }

    const main = await seen((o, out) => pushBuild('main', { ...twoMounts('main'), outputs: out }, o))
    expect(main).toMatchObject({ deps: '', objs: '' })
    expect(main.result.log).toMatch(/cache mount deps saved as /)
    expect(main.result.log).toMatch(/cache mount objs saved as /)

    await builder.prune()
    const pr = await seen((o, out) => pullRequestBuild(7, 'main', { ...twoMounts('pr7'), outputs: out }, o))
    expect(pr).toMatchObject({ deps: 'deps main\n', objs: 'objs main\n' })
    expect(pr.result.log).toContain('Restore 2 cache mounts')
    expect(mountsRow(pr.result)).toMatch(new RegExp(`deps: restored from ${prefix}-two/main .*objs: restored from ${prefix}-two/main`))
  })

  it("the docker driver: the generated builds reach the engine's cache mounts; clean-up takes the pull request's", async () => {
    // A fresh namespace per run is a wiped mount, without pruning the engine other tests share.
    const onDocker = (run: string, namespace: string) => ({
      ...inputs(run, { 'build-args': `BUILDKIT_CACHE_MOUNT_NS=${nonce}-${namespace}` }),
      builder: 'default',
      'scope-prefix': `${prefix}-docker`,
      'cache-backend': 'inline',
      tags: `${bed.registry}/${prefix}/docker:latest`
    })
    const docker = { env: { DOCKER_CONFIG: bed.dockerConfig } }
    const main = await build((o, out) => pushBuild('main', { ...onDocker('main', 'one'), outputs: out }, o), docker)
    expect(main.seen).toEqual([])
    const pr = await build((o, out) => pullRequestBuild(8, 'main', { ...onDocker('pr8', 'two'), outputs: out }, o), docker)
    expect(mountsRow(pr.result)).toMatch(new RegExp(`^build-cache: restored from ${prefix}-docker/main \\([^)]*\\); saved`))
    expect(pr.seen).toEqual(['main'])

    // Clean-up of the closed pull request takes its mount, with a backend that keeps its own cache elsewhere.
    const dockerKeys = async () => (await serviceEntries(bed)).map(e => e.key).filter(k => k.includes(`--${prefix}-docker/`))
    expect(await dockerKeys()).toHaveLength(2)
    const cleanup = await closedPullRequestRun(
      8,
      'main',
      { ...onDocker('cleanup', 'three'), cleanup: 'true', 'github-token': `ghs_cleanup_${nonce}` },
      { ...options, ...docker }
    )
    expect(cleanup.main.exitCode).toBe(0)
    expect(await dockerKeys()).toEqual([`buildkit-mount-build-cache--${prefix}-docker/main#${'a'.repeat(40)}`])
  })
})
