// build-push-action's build inputs that reach BuildKit, run as the runner runs the action:
// no-cache rebuilds every step (and still exports the cache), a named build context is what
// COPY --from reads, and call: check runs the Dockerfile's checks without building.
import { describe, expect, it, beforeAll } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { type TestbedEnv, fixtureContext, testbedEnv } from '../../testbed/env.js'
import { cacheFigures, pushBuild } from '../../testbed/scenario.js'

describe('build-push-action inputs that reach BuildKit', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  let inputs: Record<string, string>

  beforeAll(() => {
    bed = testbedEnv()
    inputs = {
      context: fixtureContext([`echo deps-${nonce} > /deps`, `echo app-${nonce} > /app`], bed),
      tags: `${bed.registry}/inputs${nonce}/app:latest`,
      'cache-backend': 'registry'
    }
  })

  it('no-cache: a build whose steps the builder holds runs every one again, and still exports the cache', async () => {
    const first = await pushBuild('main', inputs)
    expect(cacheFigures(first)).toMatchObject({ exitCode: 0, exported: 'true' })
    const again = await pushBuild('main', { ...inputs, 'no-cache': 'true' })
    expect(cacheFigures(again)).toMatchObject({ exitCode: 0, cached: 0, exported: 'true' })
    expect(again.outputs.command).toContain('--no-cache')
  })

  it('build-contexts: COPY --from=<name> reads the named context', async () => {
    const extra = mkdtempSync(path.join(os.tmpdir(), 'extra-context-'))
    writeFileSync(path.join(extra, 'greeting.txt'), `hello from ${nonce}\n`)
    const context = fixtureContext([`echo deps-${nonce} > /deps`], bed)
    const dockerfile = path.join(context, 'Dockerfile')
    writeFileSync(dockerfile, `${readFileSync(dockerfile, 'utf8')}COPY --from=extra greeting.txt /greeting.txt\nRUN cat /greeting.txt\n`)
    const run = await pushBuild('main', { ...inputs, context, 'build-contexts': `extra=${extra}`, 'scope-prefix': `ctx${nonce}` })
    expect(run.main.exitCode).toBe(0)
    expect(run.log).toContain(`hello from ${nonce}`)
  })

  it('call: check runs the checks and builds nothing', async () => {
    const run = await pushBuild('main', { ...inputs, call: 'check', 'scope-prefix': `check${nonce}` })
    expect(run.main.exitCode).toBe(0)
    expect(run.outputs.command).toContain('--call check')
    expect(Number(run.outputs['total-steps'])).toBe(0)
    // buildx skips the export of a call that builds nothing: the action says so instead of claiming one.
    expect(run.outputs['cache-export']).toBe('false')
    expect(run.outputs['cache-to']).toBe('')
    expect(run.summary).toContain('call: check evaluates the build without running it')
  })
})
