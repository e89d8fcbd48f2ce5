// GitHub's runners run the action with Node 24 (`runs.using: node24`); the machines that build
// it may have Node 20. The same bundle, run by Node 24 as the runner runs it, does the whole
// round trip: main exports, pull request 7's first build takes every step from main.
import { describe, expect, it, beforeAll } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { type TestbedEnv, fixtureContext, testbedEnv } from '../../testbed/env.js'
import { cacheFigures, pruneBuildKit, pullRequestBuild, pushBuild } from '../../testbed/scenario.js'

describe('the bundle under Node 24', () => {
  let bed: TestbedEnv
  let inputs: Record<string, string>
  const nonce = randomBytes(4).toString('hex')

  beforeAll(() => {
    bed = testbedEnv()
    inputs = {
      context: fixtureContext([`echo deps-${nonce} > /deps && sleep 1`, `echo app-${nonce} > /app`], bed),
      'cache-backend': 'gha',
      tags: `${bed.registry}/node24-${nonce}/app:latest`
    }
  })

  it('is Node 24', () => {
    expect(execFileSync(bed.node24, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./)
  })

  it('runs main and post, and the pull request hits main’s cache', async () => {
    const main = await pushBuild('main', inputs, { node: bed.node24 })
    expect(cacheFigures(main)).toMatchObject({ exitCode: 0, total: 4, exported: 'true' })
    expect(main.post?.exitCode).toBe(0)
    await pruneBuildKit(undefined, bed)
    const pr = await pullRequestBuild(7, 'main', inputs, { node: bed.node24 })
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 4, total: 4 })
    expect(pr.main.stderr).not.toMatch(/DeprecationWarning|ExperimentalWarning/)
  })
})
