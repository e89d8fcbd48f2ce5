// Issue 18: a sick cache never stalls or silently slows a build. Each cell: main exports a
// healthy cache; after BuildKit's state is wiped, pull request 7 builds with a fault-injecting
// proxy in front of the cache service (gha, v2) or the registry. It must exit 0 within
// cache-timeout plus an uncached build, with the expected warning; then a healthy follow-up
// build still takes its steps from the cache. Each cell has its own buildkitd; two run at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { type TestbedEnv, fixtureContext, testbedEnv } from '../../testbed/env.js'
import { type Fault, startFaultProxy } from '../../testbed/fault-proxy.js'
import { type OwnBuilder, startOwnBuilder, stopOwnBuilders } from '../../testbed/own-builder.js'
import type { RunResult } from '../../testbed/runner.js'
import { cacheFigures, pullRequestBuild, pushBuild } from '../../testbed/scenario.js'

const TIMEOUT_S = 10
/** No cell waits on jest's own timeout: one that takes longer fails here. */
const CELL_LIMIT_MS = 180_000

interface Cell {
  backend: 'gha' | 'registry'
  fault: Fault
  /** The faulted build's warning. */
  warning: RegExp
  /** The faulted build still takes this many of 5 steps from the cache (default: don't care). */
  cached?: number
  /** Big layers (3 MB): one under the changed last step, and the changed step writes one too. */
  bigLayer?: boolean
  /** The faulted build changes the last step (it builds one step, so its export has a new layer to write). */
  changesLast?: boolean
  /** The healthy follow-up's warning (a corrupt index written by the faulted build), if any. */
  followUpWarning?: RegExp
  /** How many times cache-timeout the faulted build may wait (an import stall, then an export stall). */
  timeouts: number
}

const MODES = ['500', '503', '429', 'reset', 'hang', 'slow', 'truncate'] as const
const SIDES = ['read', 'write', 'both'] as const

/**
 * What a user must see for each fault, by rule. A fault on reads costs the imports (the build
 * runs uncached, or again without them when they stall) and says so; a fault on writes costs
 * the export only: the imports still give 4 of 5 steps. Requests that hang or crawl are stalls
 * (cache-timeout), everything else is a failure with BuildKit's reason; a 429 ends either way,
 * depending on whether BuildKit's retry bound (set from cache-timeout) or the watch comes first.
 */
function cellOf(backend: Cell['backend'], mode: (typeof MODES)[number], on: (typeof SIDES)[number]): Cell {
  const outcome = mode === 'hang' || mode === 'slow' ? 'stalled' : mode === '429' ? '(failed|stalled)' : 'failed'
  const side = on === 'write' ? 'export' : 'import'
  return {
    backend,
    fault: { mode, on },
    warning: new RegExp(`Cache ${side}\\b.*\\(${backend}\\) ${outcome}`),
    cached: on === 'write' ? 4 : mode === 'hang' && on === 'read' ? 0 : undefined,
    bigLayer: mode === 'slow',
    changesLast: on !== 'read',
    timeouts: on === 'both' ? 2 : 1
  }
}

const CELLS: Cell[] = [
  ...(['gha', 'registry'] as const).flatMap(backend => MODES.flatMap(mode => SIDES.map(on => cellOf(backend, mode, on)))),
  // A closed port refuses reads and writes alike: one cell per target.
  { backend: 'gha', fault: { mode: 'closed', on: 'both' }, warning: /\(gha\) failed.*connection refused/, timeouts: 1 },
  { backend: 'registry', fault: { mode: 'closed', on: 'both' }, warning: /\(registry\) failed.*connection refused/, timeouts: 1 },
  // Only the blob uploads are cut (not the service's calls, nor the block list that commits a blob).
  // The service refuses to finalize an entry whose blob is shorter than said, so the export fails
  // with a warning, not silently; its reservation is left behind, and the next build's export
  // waits on it until cache-timeout (a warning too) while its imports take main's cache.
  {
    backend: 'gha',
    fault: { mode: 'truncate', on: 'write', path: /^\/devstoreaccount1\/(?!.*comp=blocklist)/ },
    warning: /Cache export to scope \S+pr-7 \(gha\) failed.*does not match the uploaded blob/,
    followUpWarning: /Cache export to scope \S+pr-7 \(gha\) stalled/,
    timeouts: 1
  }
]

const only = process.env.FAULT_CELLS ? new RegExp(process.env.FAULT_CELLS) : undefined
const cellName = (c: Cell) => `${c.backend} ${c.fault.mode} on ${c.fault.on}${c.fault.path ? ' (blob uploads)' : ''}`
const selected = CELLS.filter(c => !only || only.test(cellName(c)))

/** Runs at most `n` at once. */
function limiter(n: number) {
  let active = 0
  const waiting: Array<() => void> = []
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>(resolve => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

interface CellResult {
  main: RunResult
  mainMs: number
  faulted: RunResult
  faultedMs: number
  followUp: RunResult
  requests: number
}

const warnings = (r: RunResult) => r.annotations.filter(a => a.level === 'warning').map(a => a.message)

async function runCell(bed: TestbedEnv, cell: Cell, index: number): Promise<CellResult> {
  const nonce = randomBytes(4).toString('hex')
  const registryProxy = await startFaultProxy({ target: `http://${bed.registry}`, holdMs: 120_000 })
  const blobProxy = await startFaultProxy({ target: bed.azblob.accountUrl, holdMs: 120_000 })
  const azuriteOrigin = new URL(bed.azblob.accountUrl).origin
  const serviceProxy = await startFaultProxy({
    target: bed.cacheService!.url,
    rewrite: [[azuriteOrigin, blobProxy.url.replace(/\/$/, '')]],
    holdMs: 120_000
  })
  const proxies = [registryProxy, blobProxy, serviceProxy]
  let builder: OwnBuilder | undefined
  try {
    builder = await startOwnBuilder(bed, `fault-${index}-${nonce}`, [registryProxy.host])
    const last = (tag: string) => `echo ${tag}-${nonce} > /last`
    const steps = (tag: string) => [
      cell.bigLayer ? `head -c 3000000 /dev/urandom > /big-${nonce}` : `echo deps-${nonce} > /deps`,
      `echo compile-${nonce} > /app`,
      last(tag)
    ]
    const lastTwo = cell.bigLayer ? `head -c 3000000 /dev/urandom > /last-${nonce}` : last('two')
    const inputs: Record<string, string> = {
      context: fixtureContext(steps('one'), bed),
      'cache-backend': cell.backend,
      tags: `${bed.registry}/fault-${nonce}/app:latest`,
      builder: builder.name,
      'cache-timeout': `${TIMEOUT_S}s`,
      ...(cell.backend === 'registry' && { 'cache-ref': `${registryProxy.host}/fault-${nonce}/cache` })
    }
    const options = {
      bed,
      protocol: 'v2' as const,
      env: {
        DOCKER_CONFIG: builder.dockerConfig,
        ACTIONS_RESULTS_URL: serviceProxy.url,
        GITHUB_API_URL: bed.cacheService!.url.replace(/\/$/, '')
      }
    }
    const t0 = Date.now()
    const main = await pushBuild('main', inputs, options)
    const mainMs = Date.now() - t0
    await builder.prune()
    const faultedInputs =
      cell.bigLayer || cell.changesLast ? { ...inputs, context: fixtureContext([...steps('one').slice(0, 2), lastTwo], bed) } : inputs
    const targets = cell.backend === 'gha' ? [serviceProxy, blobProxy] : [registryProxy]
    for (const proxy of targets) await proxy.set(cell.fault)
    const before = targets.reduce((n, p) => n + p.seen.length, 0)
    const t1 = Date.now()
    const faulted = await pullRequestBuild(7, 'main', faultedInputs, options)
    const faultedMs = Date.now() - t1
    const requests = targets.reduce((n, p) => n + p.seen.length, 0) - before
    for (const proxy of targets) await proxy.set({ mode: 'none', on: 'both' })
    await builder.prune()
    const followUp = await pullRequestBuild(7, 'main', inputs, { ...options, sha: 'e'.repeat(40) })
    return { main, mainMs, faulted, faultedMs, followUp, requests }
  } finally {
    await builder?.stop()
    await Promise.all(proxies.map(p => p.close()))
  }
}

describe('a sick cache never stalls or silently slows a build', () => {
  let bed: TestbedEnv
  const results = new Map<Cell, Promise<CellResult>>()

  beforeAll(() => {
    bed = testbedEnv()
    const slot = limiter(2)
    selected.forEach((cell, i) => {
      const result = slot(() => runCell(bed, cell, i))
      result.catch(() => undefined)
      results.set(cell, result)
    })
  })

  afterAll(async () => {
    // A cell that hangs must not hold the run: after a bound, its buildkitd (process group) is ended anyway.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.allSettled(results.values()), new Promise(resolve => (timer = setTimeout(resolve, 30_000)))])
    clearTimeout(timer)
    await stopOwnBuilders()
  })

  it.each(selected.map(c => [cellName(c), c] as const))(
    '%s',
    async (_, cell) => {
      const r = await results.get(cell)!
      const summary = {
        cell: cellName(cell),
        mainSeconds: r.mainMs / 1000,
        faultedSeconds: r.faultedMs / 1000,
        requests: r.requests,
        faulted: { ...cacheFigures(r.faulted), warnings: warnings(r.faulted) },
        followUp: { ...cacheFigures(r.followUp), warnings: warnings(r.followUp) }
      }
      console.log(JSON.stringify(summary, null, 2))
      // FAULT_LOG_DIR=<dir> keeps each cell's three logs for a look at what BuildKit said.
      if (process.env.FAULT_LOG_DIR)
        for (const [run, result] of Object.entries({ main: r.main, faulted: r.faulted, followUp: r.followUp }))
          writeFileSync(
            path.join(process.env.FAULT_LOG_DIR, `${cellName(cell).replace(/\W+/g, '-')}.${run}.log`),
            `${result.log}\n${result.summary}\n${JSON.stringify(result.outputs, null, 2)}`
          )
      expect(cacheFigures(r.main)).toMatchObject({ exitCode: 0, total: 5 })
      // The faulted build: exit 0, the warning, the time bound.
      expect(r.faulted.main.exitCode).toBe(0)
      if (cell.warning.source !== '.^') expect(warnings(r.faulted)).toEqual(expect.arrayContaining([expect.stringMatching(cell.warning)]))
      if (cell.cached !== undefined) expect(Number(r.faulted.outputs['cached-steps'])).toBe(cell.cached)
      expect(r.faultedMs).toBeLessThan(cell.timeouts * TIMEOUT_S * 1000 + r.mainMs * 2 + 20_000)
      if (cell.warning.source !== '.^') expect(r.faulted.summary).toMatch(/⚠/)
      // cache-export says whether the cache was saved: a faulted write saves nothing, and what
      // the output calls saved is what the follow-up finds under the pull request's own scope.
      if (cell.fault.on !== 'read') expect(r.faulted.outputs['cache-export']).toBe('false')
      expect(cacheFigures(r.followUp).source.endsWith('/pr-7')).toBe(r.faulted.outputs['cache-export'] === 'true')
      // The healthy follow-up still takes its steps from the cache.
      expect(cacheFigures(r.followUp)).toMatchObject({ exitCode: 0, cached: 5, total: 5 })
      if (cell.followUpWarning) expect(warnings(r.followUp)).toEqual(expect.arrayContaining([expect.stringMatching(cell.followUpWarning)]))
      else expect(warnings(r.followUp)).toEqual([])
    },
    CELL_LIMIT_MS
  )
})
