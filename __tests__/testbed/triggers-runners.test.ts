// Triggers and runners the plain push / pull_request round trip does not meet, run as the
// runner runs the action (node dist/index.js + post) against real BuildKit and the cache-service
// stand-in:
// - pull_request_target runs on the base branch's ref, with a token for that ref only: pull
//   request 7's scope is written and read there, beside main's cache and never over it, and
//   the clean-up on `pull_request_target: closed` deletes exactly it;
// - act (and the Gitea and Forgejo runners) hand a token whose claim names one empty scope, and
//   a cache server that keeps no refs apart: the chain is read and written as on GitHub; without
//   any runtime token the build runs without the gha cache, with one warning.
import { describe, expect, it, beforeAll } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mintRuntimeToken, pushToken } from '../../testbed/cache-service/token.js'
import { type TestbedEnv, fixtureContext, testbedEnv } from '../../testbed/env.js'
import { type RunResult, runAction } from '../../testbed/runner.js'
import {
  cacheFigures,
  closedPullRequestTargetRun,
  pruneBuildKit,
  pullRequestBuild,
  pullRequestTargetBuild,
  pushBuild,
  serviceEntries,
  tempDir
} from '../../testbed/scenario.js'

function steps(nonce: string, last: string): string[] {
  return [`echo deps-${nonce} > /deps && sleep 1`, `echo compile-${nonce} > /app && sleep 1`, `echo ${last} > /last && sleep 1`]
}

const problems = (result: RunResult) => result.annotations.filter(a => a.level === 'warning' || a.level === 'error')

describe('pull_request_target: the pull request’s scope lives under the base branch’s ref', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  const scope = (name: string) => `prt${nonce}/app/${name}`
  const indexesOf = async (name: string) => (await serviceEntries(bed)).filter(e => e.key.startsWith(`index-${scope(name)}-`))
  let inputs: Record<string, string>

  beforeAll(async () => {
    bed = testbedEnv()
    inputs = { context: fixtureContext(steps(nonce, 'one'), bed), tags: `${bed.registry}/prt${nonce}/app:latest` }
    const main = await pushBuild('main', inputs)
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, exported: 'true' })
  })

  it("pull request 7's first build imports pr-7, then main, with no warning, and exports pr-7 under refs/heads/main", async () => {
    await pruneBuildKit(undefined, bed)
    const pr = await pullRequestTargetBuild(7, 'main', inputs)
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 5, total: 5, exported: 'true' })
    expect(problems(pr)).toEqual([])
    expect(pr.outputs.scope).toBe(scope('pr-7'))
    expect(pr.log).toContain('pull_request_target on refs/heads/main: pr-7 is kept under that ref')
    expect((await indexesOf('pr-7')).map(e => e.ref)).toEqual(['refs/heads/main'])
  })

  it('its second commit takes the unchanged steps from pr-7, and main’s own cache is untouched', async () => {
    const mainIndexes = (await indexesOf('main')).map(e => e.id)
    await pruneBuildKit(undefined, bed)
    const changed = { ...inputs, context: fixtureContext(steps(nonce, 'two'), bed) }
    const pr = await pullRequestTargetBuild(7, 'main', changed, { sha: 'e'.repeat(40) })
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 4, total: 5 })
    expect(problems(pr)).toEqual([])
    expect((await indexesOf('main')).map(e => e.id)).toEqual(mainIndexes)
    // A pull_request run of the same pull request still reads main's cache as before.
    await pruneBuildKit(undefined, bed)
    expect(cacheFigures(await pullRequestBuild(8, 'main', inputs))).toMatchObject({ exitCode: 0, cached: 5, total: 5 })
  })

  it('pull_request_target: closed deletes what these runs exported, and nothing of main', async () => {
    const before = await indexesOf('main')
    expect(await indexesOf('pr-7')).not.toEqual([])
    const cleanup = await closedPullRequestTargetRun(7, 'main', { ...inputs, cleanup: 'true' })
    expect(cleanup.main.exitCode).toBe(0)
    expect(Number(cleanup.outputs['cleaned-bytes'])).toBeGreaterThan(0)
    expect(await indexesOf('pr-7')).toEqual([])
    expect(await indexesOf('main')).toEqual(before)
  })
})

describe('act: a runtime token whose claim names one empty scope, a cache server that keeps no refs apart', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  const act = mintRuntimeToken({ scopes: [{ ref: '', permission: 2 }] })
  let inputs: Record<string, string>

  beforeAll(() => {
    bed = testbedEnv()
    inputs = { context: fixtureContext(steps(nonce, 'one'), bed), tags: `${bed.registry}/act-${nonce}/app:latest` }
  })

  it.each(['gha', 'local'])("%s: pull request 7's first build takes every step from main's cache", async backend => {
    const withBackend = { ...inputs, 'cache-backend': backend, 'scope-prefix': `act-${nonce}-${backend}` }
    // The same temp path on every run, as on a runner (the local directory's cache version hangs on it).
    const runnerTemp = tempDir('runner-temp-')
    const main = await pushBuild('main', withBackend, { token: act, runnerTemp })
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, exported: 'true' })
    expect(problems(main)).toEqual([])
    await pruneBuildKit(undefined, bed)
    const pr = await pullRequestBuild(7, 'main', withBackend, { token: act, runnerTemp })
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 5, total: 5 })
    expect(problems(pr)).toEqual([])
  })

  it('without a runtime token: the build runs without the gha cache, and one warning says why', async () => {
    const run = await pushBuild('main', { ...inputs, 'scope-prefix': `act-${nonce}-none` }, { env: { ACTIONS_RUNTIME_TOKEN: undefined } })
    expect(cacheFigures(run)).toMatchObject({ exitCode: 0, total: 5, exported: 'false' })
    expect(problems(run).map(a => a.message)).toEqual([expect.stringMatching(/^No gha cache for this build: the job has no cache service/)])
    expect(run.outputs['cache-from']).toBe('')
  })
})

describe('issue_comment on a pull request without a github-token', () => {
  it('the warning names the base branch that is missing, not the default branch the payload gives', async () => {
    const bed = testbedEnv()
    const run = await runAction({
      inputs: { 'dry-run': 'true', 'github-token': '', tags: `${bed.registry}/comment/app:latest` },
      eventName: 'issue_comment',
      ref: 'refs/heads/main',
      payload: {
        action: 'created',
        issue: { number: 7, pull_request: {} },
        repository: { full_name: 'octo-org/octo-repo', default_branch: 'main' }
      },
      env: { ACTIONS_RUNTIME_TOKEN: pushToken('main'), ACTIONS_RESULTS_URL: bed.cacheService!.url, ACTIONS_CACHE_SERVICE_V2: 'true' }
    })
    expect(run.main.exitCode).toBe(0)
    expect(problems(run).map(a => a.message)).toEqual([
      "The event does not name the pull request's base branch and no github-token is set: the chain leaves it out."
    ])
    expect(run.outputs.scope).toBe('comment/app/pr-7')
  })
})
