// The action's promise, run as GitHub's runner runs it (node dist/index.js + post) against real
// BuildKit: main exports its cache; after BuildKit's local state is wiped, pull request 7's
// first build takes every step from main's cache; a second commit on the pull request takes
// the unchanged steps from pr-7's own cache; a dead cache never fails the build.
import { describe, expect, it, beforeAll } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { type TestbedEnv, azblobCacheOptions, fixtureContext, s3CacheOptions, testbedEnv } from '../../testbed/env.js'
import type { RunResult } from '../../testbed/runner.js'
import { type Protocol, cacheFigures, pruneBuildKit, pullRequestBuild, pushBuild, tagBuild, tempDir } from '../../testbed/scenario.js'

interface BackendCase {
  name: string
  protocol?: Protocol
  builder?: (bed: TestbedEnv) => string
  options?: (bed: TestbedEnv) => string
  push?: boolean
  /** The backend's log names the scope a hit came from (gha's does not). */
  namesSource: boolean
  /** Inputs, or environment, that point the cache at something that does not answer. */
  dead?: (bed: TestbedEnv) => Record<string, string>
  deadEnv?: Record<string, string>
  /** Keeps one manifest per name, and also writes the commit's own name. */
  commitName?: boolean
}

// Nothing listens on port 1: the connection is refused, as when the cache service is down.
const REFUSED = 'http://127.0.0.1:1/'

// Nothing listens on port 1: the connection is refused, as when a cache server is down.
const DEAD_HOST = '127.0.0.1:1'

const CASES: BackendCase[] = [
  { name: 'gha', protocol: 'v2', namesSource: true, deadEnv: { ACTIONS_RESULTS_URL: REFUSED } },
  { name: 'gha', protocol: 'v1', namesSource: true, deadEnv: { ACTIONS_CACHE_URL: REFUSED } },
  { name: 'registry', namesSource: true, dead: () => ({ 'cache-ref': `${DEAD_HOST}/dead/cache` }) },
  { name: 'inline', push: true, namesSource: true },
  { name: 'local', namesSource: true, deadEnv: { ACTIONS_RESULTS_URL: REFUSED } },
  {
    name: 's3',
    builder: bed => bed.remoteBuilder,
    namesSource: false,
    commitName: true,
    options: bed => s3CacheOptions(bed),
    dead: bed => ({ 'cache-options': s3CacheOptions(bed, `http://${DEAD_HOST}`) })
  },
  {
    name: 'azblob',
    builder: bed => bed.remoteBuilder,
    namesSource: false,
    commitName: true,
    options: bed => azblobCacheOptions(bed),
    dead: bed => ({ 'cache-options': azblobCacheOptions(bed, `http://${DEAD_HOST}/${bed.azblob.accountName}`) })
  }
]

function steps(nonce: string, last: string): string[] {
  return [`echo deps-${nonce} > /deps && sleep 1`, `echo compile-${nonce} > /app && sleep 1`, `echo ${last} > /last && sleep 1`]
}

describe.each(CASES)('$name backend ($protocol)', backendCase => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  let inputs: Record<string, string>
  let runnerTemp: string
  const options = () => ({ protocol: backendCase.protocol, runnerTemp })
  const prune = () => pruneBuildKit(backendCase.builder?.(bed), bed)
  let main: RunResult

  beforeAll(async () => {
    bed = testbedEnv()
    runnerTemp = tempDir('runner-temp-')
    inputs = {
      context: fixtureContext(steps(nonce, 'one'), bed),
      'cache-backend': backendCase.name,
      tags: `${bed.registry}/rt${nonce}/app:latest`,
      ...(backendCase.push && { push: 'true' }),
      ...(backendCase.builder && { builder: backendCase.builder(bed) }),
      ...(backendCase.options && { 'cache-options': backendCase.options(bed) })
    }
    main = await pushBuild('main', inputs, options())
  })

  const scope = (name: string) => `rt${nonce}/app/${name}`

  it('1. a push to main builds cold and exports to main', () => {
    expect(main.main.exitCode).toBe(0)
    expect(main.outputs.scope).toBe(scope('main'))
    expect(main.outputs['cache-export']).toBe('true')
    expect(Number(main.outputs['total-steps'])).toBe(5)
    expect(main.summary).toContain('Cache export')
  })

  it("2. after BuildKit's state is wiped, pull request 7's first build takes every step from main", async () => {
    await prune()
    const pr = await pullRequestBuild(7, 'main', inputs, options())
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 5, total: 5, exported: 'true' })
    expect(pr.outputs.scope).toBe(scope('pr-7'))
    // local imports one directory, restored through the chain's keys; the others name each scope.
    if (backendCase.name !== 'local') expect(pr.outputs['cache-from'].split('\n')[0]).toContain('pr-7')
    expect(pr.outputs['cache-hit-ratio']).toBe('1.00')
    if (backendCase.namesSource) expect(pr.outputs['cache-source']).toBe(scope('main'))
    if (['gha', 'registry', 'local'].includes(backendCase.name)) expect(pr.summary).toContain(`${scope('pr-7')} ✗ → ${scope('main')} ✓`)
    expect(pr.summary).toMatch(/Cached steps<\/td><td>5 \/ 5/)
    expect(pr.annotations.filter(a => a.level === 'warning' || a.level === 'error')).toEqual([])
    // Everything came from main's directory: saving it again under pr-7 would store a copy.
    if (backendCase.name === 'local') expect(pr.summary).toContain('the same as the restored cache: not saved again')
  })

  it('4. a second commit on pull request 7 that changes the last step takes the others from pr-7', async () => {
    await prune()
    const changed = { ...inputs, context: fixtureContext(steps(nonce, 'two'), bed) }
    const pr = await pullRequestBuild(7, 'main', changed, { ...options(), sha: 'e'.repeat(40) })
    expect(cacheFigures(pr)).toMatchObject({ exitCode: 0, cached: 4, total: 5 })
    // local saved no pr-7 copy of main's directory (scenario 2), so it restores main's again.
    if (backendCase.namesSource) expect(pr.outputs['cache-source']).toBe(scope(backendCase.name === 'local' ? 'main' : 'pr-7'))
    if (backendCase.name === 'local') expect(pr.log).toMatch(/local cache saved as buildkit-\S+\/pr-7#e{40}/)
    if (backendCase.name === 'gha') expect(pr.summary).toContain(`${scope('pr-7')} ✓ → ${scope('main')} ✓`)
  })

  it("3. a sibling branch's chain reads main, never pr-7", async () => {
    await prune()
    const sibling = await pushBuild('feature-b', inputs, { ...options(), sha: 'f'.repeat(40) })
    expect(sibling.outputs['cache-from']).not.toContain('pr-7')
    expect(cacheFigures(sibling)).toMatchObject({ exitCode: 0, cached: 5, total: 5 })
  })

  if (backendCase.dead || backendCase.deadEnv) {
    it('5. a cache that does not answer never fails the build; a warning says so', async () => {
      await prune()
      const result = await pushBuild('main', { ...inputs, ...backendCase.dead?.(bed) }, { ...options(), env: backendCase.deadEnv })
      if (result.main.exitCode !== 0) console.log(result.log, result.main.stderr)
      expect(result.main.exitCode).toBe(0)
      expect(result.annotations.some(a => a.level === 'warning' && /cache/i.test(a.message))).toBe(true)
      // BuildKit's azblob exporter fails the whole build when it cannot reach the account: the
      // action builds again without the export, and says so.
      if (backendCase.name === 'azblob') {
        expect(result.outputs['cache-export']).toBe('false')
        expect(result.outputs['cache-to']).toBe('')
        expect(result.summary).toContain('no: the azblob cache export could not be set up')
      }
    })
  }

  if (backendCase.commitName) {
    it("6. a tag on a commit main built finds that commit's cache after main has moved on", async () => {
      await pushBuild('main', { ...inputs, context: fixtureContext(steps(nonce, 'three'), bed) }, { ...options(), sha: '9'.repeat(40) })
      await prune()
      const tag = await tagBuild('v1.0.0', inputs, options())
      expect(tag.outputs['cache-from']).toContain('a'.repeat(40))
      expect(cacheFigures(tag)).toMatchObject({ exitCode: 0, cached: 5, total: 5, exported: 'false' })
    })
  }
})
