// Issue 18: a sick cache never stalls or silently slows a build. Each cell: main exports a
// healthy cache; after BuildKit's state is wiped, pull request 7 builds with a fault-injecting
// proxy in front of the cache's server: the cache service and its blob store (gha, v2; local,
// whose directory @actions/cache carries through them), the registry (registry; inline, whose
// image is pushed through it), the S3 endpoint (s3), the account URL (azblob). It must exit 0
// within cache-timeout plus an uncached build, with the expected warning; then a healthy
// follow-up build still takes its steps from the cache. Each cell has its own buildkitd (envd
// builds on it through a context of its own); two run at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  type TestbedEnv,
  azblobCacheOptions,
  envdFixture,
  fixtureContext,
  privateEnvdHome,
  rewriteEnvdFixture,
  s3CacheOptions,
  testbedEnv
} from '../../testbed/env.js'
import { type Fault, type FaultMode, type FaultProxy, type FaultSide, startFaultProxy } from '../../testbed/fault-proxy.js'
import { type OwnBuilder, startOwnBuilder, stopOwnBuilders } from '../../testbed/own-builder.js'
import type { RunResult } from '../../testbed/runner.js'
import { type ScenarioOptions, cacheFigures, pullRequestBuild, pushBuild, tempDir } from '../../testbed/scenario.js'

const TIMEOUT_S = 10
/** No cell waits on jest's own timeout: one that takes longer fails here. */
const CELL_LIMIT_MS = 180_000

type BackendName = 'gha' | 'registry' | 's3' | 'azblob' | 'local' | 'inline'
type ToolName = 'buildx' | 'envd'

interface Cell {
  backend: BackendName
  tool: ToolName
  fault: Fault
  /** The faulted build's warning. */
  warning: RegExp
  /** The faulted build still takes this many steps from the cache, of all but one (default: don't care). */
  cached?: 'all but one' | 0
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
 * the export only: the imports still give all steps but the changed one. Requests that hang or
 * crawl are stalls (cache-timeout), everything else is a failure with BuildKit's reason; a 429
 * ends either way, depending on whether BuildKit's retry bound (set from cache-timeout) or the
 * watch comes first, and so does any error of a client that retries them (azblob's, about
 * 30 s; @actions/cache's server errors, for local). A closed port refuses reads and writes alike.
 */
function cellOf(backend: BackendName, mode: FaultMode, on: FaultSide, tool: ToolName = 'buildx'): Cell {
  const retried =
    mode === '429' || ((backend === 'azblob' || (backend === 'local' && mode === '500')) && mode !== 'hang' && mode !== 'slow')
  const outcome = mode === 'hang' || mode === 'slow' ? 'stalled' : retried ? '(failed|stalled)' : 'failed'
  const side = mode === 'closed' ? '' : on === 'write' ? 'export\\b' : 'import\\b'
  const reason = mode === 'closed' && !retried ? '.*(connection refused|ECONNREFUSED)' : ''
  return {
    backend,
    tool,
    fault: { mode, on },
    warning: new RegExp(`Cache ${side}.*\\(${backend}\\) ${outcome}${reason}`),
    cached: on === 'write' ? 'all but one' : mode === 'hang' && on === 'read' ? 0 : undefined,
    bigLayer: mode === 'slow',
    changesLast: on !== 'read' && mode !== 'closed',
    timeouts: on === 'both' && mode !== 'closed' ? 2 : 1
  }
}

/** For every backend and both builders: a refusal and silence on reads, a refusal and silence on writes, a closed port. */
const BASIC: Array<[FaultMode, FaultSide]> = [
  ['500', 'read'],
  ['hang', 'read'],
  ['500', 'write'],
  ['hang', 'write'],
  ['closed', 'both']
]

const CELLS: Cell[] = [
  ...(['gha', 'registry'] as const).flatMap(backend => MODES.flatMap(mode => SIDES.map(on => cellOf(backend, mode, on)))),
  ...(['gha', 'registry'] as const).map(backend => cellOf(backend, 'closed', 'both')),
  ...(['s3', 'azblob', 'local', 'inline'] as const).flatMap(backend => BASIC.map(([mode, on]) => cellOf(backend, mode, on))),
  ...(['gha', 'registry'] as const).flatMap(backend =>
    BASIC.filter(([mode]) => mode !== 'closed').map(([mode, on]) => cellOf(backend, mode, on, 'envd'))
  ),
  // Only the blob uploads are cut (not the service's calls, nor the block list that commits a blob).
  // The service refuses to finalize an entry whose blob is shorter than said, so the export fails
  // with a warning, not silently; its reservation is left behind, and the next build's export
  // waits on it until cache-timeout (a warning too) while its imports take main's cache.
  {
    backend: 'gha',
    tool: 'buildx',
    fault: { mode: 'truncate', on: 'write', path: /^\/devstoreaccount1\/(?!.*comp=blocklist)/ },
    warning: /Cache export to scope \S+pr-7 \(gha\) failed.*does not match the uploaded blob/,
    followUpWarning: /Cache export to scope \S+pr-7 \(gha\) stalled/,
    timeouts: 1
  }
]

const only = process.env.FAULT_CELLS ? new RegExp(process.env.FAULT_CELLS) : undefined
const cellName = (c: Cell) =>
  `${c.tool === 'envd' ? 'envd ' : ''}${c.backend} ${c.fault.mode} on ${c.fault.on}${c.fault.path ? ' (blob uploads)' : ''}`
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
  /** The build's steps (buildx counts its RUN steps, envd its run() steps). */
  total: number
}

/** A row of the job summary's table. */
const summaryRow = (r: RunResult, name: string) => new RegExp(`<td>${name}</td><td>([^<]*)`).exec(r.summary)?.[1] ?? ''

const warnings = (r: RunResult) => r.annotations.filter(a => a.level === 'warning').map(a => a.message)

interface Proxies {
  registry: FaultProxy
  /** Azurite: the azblob account, and the blob store behind the cache service's signed URLs. */
  blob: FaultProxy
  service: FaultProxy
  s3: FaultProxy
}

/** The proxies a backend's cache traffic passes, in front of its servers. */
const FAULTED: Record<BackendName, (p: Proxies) => FaultProxy[]> = {
  gha: p => [p.service, p.blob],
  local: p => [p.service, p.blob],
  registry: p => [p.registry],
  inline: p => [p.registry],
  s3: p => [p.s3],
  azblob: p => [p.blob]
}

/** The inputs that send a backend's cache traffic through the proxies. */
function backendInputs(backend: BackendName, p: Proxies, bed: TestbedEnv, nonce: string): Record<string, string> {
  switch (backend) {
    case 'registry':
      return { 'cache-ref': `${p.registry.host}/fault-${nonce}/cache` }
    // The image carries the cache: pushed with the cache tag (a second name) through the proxy,
    // with its own tag to the healthy registry (a registry that refuses the image fails the build).
    case 'inline':
      return { 'cache-ref': `${p.registry.host}/fault-${nonce}/app`, push: 'true' }
    case 's3':
      return { 'cache-options': s3CacheOptions(bed, p.s3.url) }
    case 'azblob':
      return { 'cache-options': azblobCacheOptions(bed, `${p.blob.url}${bed.azblob.accountName}`) }
    default:
      return {}
  }
}

/** A project of three steps whose last one a later commit changes: its inputs, and what changes in them with that step changed or not. */
interface Project {
  inputs: Record<string, string>
  total: number
  withLast(changed: boolean): Record<string, string>
}

function buildxProject(cell: Cell, bed: TestbedEnv, nonce: string, builder: OwnBuilder): Project {
  const steps = (changed: boolean) => [
    cell.bigLayer ? `head -c 3000000 /dev/urandom > /big-${nonce}` : `echo deps-${nonce} > /deps`,
    `echo compile-${nonce} > /app`,
    !changed ? `echo one-${nonce} > /last` : cell.bigLayer ? `head -c 3000000 /dev/urandom > /last-${nonce}` : `echo two-${nonce} > /last`
  ]
  const inputs = { context: fixtureContext(steps(false), bed), tags: `${bed.registry}/fault-${nonce}/app:latest`, builder: builder.name }
  return { inputs, total: 5, withLast: changed => ({ context: changed ? fixtureContext(steps(true), bed) : inputs.context }) }
}

/** envd on the cell's own buildkitd: `builder:` becomes an envd context, in a private envd HOME. */
function envdProject(bed: TestbedEnv, nonce: string, builder: OwnBuilder): Project {
  const steps = (last: string) => [`echo deps-${nonce} > /deps`, `echo compile-${nonce} > /app`, `echo ${last}-${nonce} > /last`]
  const project = envdFixture(steps('one'), bed)
  const inputs = {
    'build-tool': 'envd',
    context: project,
    file: 'build.envd:build',
    tags: `${bed.registry}/fault-${nonce}/env:latest`,
    outputs: `type=oci,dest=${path.join(tempDir('envd-out-'), 'image.tar')}`,
    builder: builder.address
  }
  // envd's cache keys hold the project directory's name: a later commit is the same directory rewritten.
  return {
    inputs,
    total: 3,
    withLast: changed => {
      rewriteEnvdFixture(project, steps(changed ? 'two' : 'one'), bed)
      return {}
    }
  }
}

async function runCell(bed: TestbedEnv, cell: Cell, index: number): Promise<CellResult> {
  const nonce = randomBytes(4).toString('hex')
  const hold = { holdMs: 120_000 }
  const blob = await startFaultProxy({ target: bed.azblob.accountUrl, ...hold })
  const proxies: Proxies = {
    registry: await startFaultProxy({ target: `http://${bed.registry}`, ...hold }),
    blob,
    service: await startFaultProxy({
      target: bed.cacheService!.url,
      rewrite: [[new URL(bed.azblob.accountUrl).origin, blob.url.replace(/\/$/, '')]],
      ...hold
    }),
    s3: await startFaultProxy({ target: bed.s3.endpoint, ...hold })
  }
  let builder: OwnBuilder | undefined
  try {
    builder = await startOwnBuilder(bed, `fault-${index}-${nonce}`, [proxies.registry.host])
    const project = cell.tool === 'envd' ? envdProject(bed, nonce, builder) : buildxProject(cell, bed, nonce, builder)
    const inputs: Record<string, string> = {
      ...project.inputs,
      'cache-backend': cell.backend,
      'cache-timeout': `${TIMEOUT_S}s`,
      ...backendInputs(cell.backend, proxies, bed, nonce)
    }
    const options: ScenarioOptions = {
      bed,
      protocol: 'v2',
      envd: cell.tool === 'envd',
      // The same runner temp path on every job: @actions/cache versions the local directory by its path.
      runnerTemp: tempDir('runner-temp-'),
      env: {
        DOCKER_CONFIG: builder.dockerConfig,
        ACTIONS_RESULTS_URL: proxies.service.url,
        GITHUB_API_URL: bed.cacheService!.url.replace(/\/$/, ''),
        ...(cell.tool === 'envd' && { HOME: privateEnvdHome(bed) })
      }
    }
    const t0 = Date.now()
    const main = await pushBuild('main', inputs, options)
    const mainMs = Date.now() - t0
    await builder.prune()
    const faultedInputs = { ...inputs, ...project.withLast(!!(cell.bigLayer || cell.changesLast)) }
    const targets = FAULTED[cell.backend](proxies)
    for (const proxy of targets) await proxy.set(cell.fault)
    const before = targets.reduce((n, p) => n + p.seen.length, 0)
    const t1 = Date.now()
    const faulted = await pullRequestBuild(7, 'main', faultedInputs, options)
    const faultedMs = Date.now() - t1
    const requests = targets.reduce((n, p) => n + p.seen.length, 0) - before
    for (const proxy of targets) await proxy.set({ mode: 'none', on: 'both' })
    await builder.prune()
    const followUpInputs = { ...inputs, ...project.withLast(false) }
    const followUp = await pullRequestBuild(7, 'main', followUpInputs, { ...options, sha: 'e'.repeat(40) })
    return { main, mainMs, faulted, faultedMs, followUp, requests, total: project.total }
  } finally {
    await builder?.stop()
    await Promise.all(Object.values(proxies).map(p => p.close()))
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
      expect(cacheFigures(r.main)).toMatchObject({ exitCode: 0, total: r.total })
      // The faulted build: exit 0, the warning (a warning, never an error annotation), the time bound.
      expect(r.faulted.main.exitCode).toBe(0)
      expect(warnings(r.faulted)).toEqual(expect.arrayContaining([expect.stringMatching(cell.warning)]))
      expect(r.faulted.annotations.filter(a => a.level === 'error')).toEqual([])
      if (cell.cached !== undefined)
        expect(Number(r.faulted.outputs['cached-steps'])).toBe(cell.cached === 'all but one' ? r.total - 1 : cell.cached)
      expect(r.faultedMs).toBeLessThan(cell.timeouts * TIMEOUT_S * 1000 + r.mainMs * 2 + 20_000)
      // The summary marks what failed: the scopes whose import failed, the export that saved nothing.
      if (cell.fault.on !== 'write') expect(summaryRow(r.faulted, 'Import chain')).toMatch(/⚠/)
      if (cell.fault.on !== 'read' && cell.backend !== 'local') expect(summaryRow(r.faulted, 'Cache export')).toMatch(/^(failed|no):/)
      // cache-export says whether the cache was saved: a faulted write saves nothing, and what
      // the output calls saved is what the follow-up finds under the pull request's own scope.
      // A local directory is saved by the post step, after every other step of the job: there
      // cache-export says it was exported, and the post step says whether it was saved.
      const saved = cell.backend === 'local' ? /local cache saved as/.test(r.faulted.log) : r.faulted.outputs['cache-export'] === 'true'
      if (cell.fault.on !== 'read') expect(saved).toBe(false)
      expect(cacheFigures(r.followUp).source.endsWith('/pr-7')).toBe(saved)
      // The healthy follow-up still takes its steps from the cache.
      expect(cacheFigures(r.followUp)).toMatchObject({ exitCode: 0, cached: r.total, total: r.total })
      if (cell.followUpWarning) expect(warnings(r.followUp)).toEqual(expect.arrayContaining([expect.stringMatching(cell.followUpWarning)]))
      else expect(warnings(r.followUp)).toEqual([])
    },
    CELL_LIMIT_MS
  )
})
