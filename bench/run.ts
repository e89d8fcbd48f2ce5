// npm run bench [-- --quick] [--only P1,P2,P3,P4,scale,mounts,budget] [--backends gha,registry,local,s3,azblob]
//                 [--scale-backends ...] [--reps N] [--action <commit>|<dir>] [--node 24|current|<path>] [--verbose]
//
// Measures the action on the real test bed, each figure a ratio taken within one run:
//   P1     a pull request's first build (BuildKit's local state wiped) against main's cold build
//   P2     the action's own overhead: main + post against the bare `docker buildx build` it printed
//   P3     the local backend's carried directory after ten builds against one fresh export
//   P4     a build warm from the remote cache (local state wiped) against a warm local build
//   scale  P1 and P4 on 30 steps / ~200 MB of layers, with import and export throughput
//   mounts a pull request's first build with RUN --mount=type=cache contents carried against
//          without (an object cache kept in the mount, one source changed), and what carrying
//          them adds to a build whose mounts do not change
//   budget what cache-budget adds to the post step on a repository of 1,000 caches (40 to delete),
//          and on one within its budget, against cache-budget: off
// Prints a Markdown report and writes it to bench/results/<date>.md (a partial run, e.g.
// --quick, to <date>-partial.md). Asserts nothing; not part of npm test.
import { execFileSync, execSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pushToken } from '../testbed/cache-service/token.js'
import { type TestbedEnv, azblobCacheOptions, fixtureContext, s3CacheOptions, testbedEnv, toolEnv } from '../testbed/env.js'
import type { RunResult } from '../testbed/runner.js'
import { type ScenarioOptions, actionAt, pruneBuildKit, tempDir } from '../testbed/scenario.js'
import { admin, seedThousandCaches } from '../testbed/cache-budget-seed.js'
import { startCacheService } from '../testbed/cache-service/server.js'
import { type PrivateBuilder, acquireBed, repo, startPrivateBuilder } from './bed.js'
import {
  assertRan,
  buildTimes,
  commandArgv,
  localBytes,
  makeShims,
  mb,
  median,
  min,
  ratio,
  secs,
  stepsMs,
  table,
  timed,
  verdict
} from './lib.js'

// ---------------------------------------------------------------------------------------------
// options

const ALL_BACKENDS = ['gha', 'registry', 'local', 's3', 'azblob'] as const
type BackendName = (typeof ALL_BACKENDS)[number]
const ALL_PARTS = ['P1', 'P2', 'P3', 'P4', 'scale', 'mounts', 'budget'] as const
type Part = (typeof ALL_PARTS)[number]

function parseArgs(argv: string[]) {
  const value = (flag: string) => {
    const i = argv.indexOf(flag)
    return i >= 0 ? argv[i + 1] : argv.find(a => a.startsWith(`${flag}=`))?.slice(flag.length + 1)
  }
  const quick = argv.includes('--quick')
  const list = <T extends string>(flag: string, all: readonly T[], fallback: readonly T[]): T[] => {
    const v = value(flag)
    if (!v) return [...fallback]
    const got = v
      .split(',')
      .map(s => s.trim())
      .filter(Boolean)
    const bad = got.filter(g => !all.some(a => a.toLowerCase() === g.toLowerCase()))
    if (bad.length) throw new Error(`${flag}: unknown ${bad.join(', ')} (known: ${all.join(', ')})`)
    return all.filter(a => got.some(g => g.toLowerCase() === a.toLowerCase()))
  }
  const parts = list<Part>('--only', ALL_PARTS, quick ? ['P1', 'P2'] : ALL_PARTS)
  const backends = list<BackendName>('--backends', ALL_BACKENDS, quick ? ['registry'] : ALL_BACKENDS)
  const scaleBackends = list<BackendName>('--scale-backends', ALL_BACKENDS, quick ? [] : backends)
  const reps = Number(value('--reps') ?? 5)
  // The action run: a copy of the working tree's action.yml + dist/ taken at the start, a build
  // of a commit's sources (--action HEAD), or a directory with action.yml and dist/ (--action <dir>).
  const action = value('--action')
  // The node that runs the action: 24 (the runners' runtime, from the bed) or this one.
  const node = value('--node') ?? '24'
  if (!(reps >= 1)) throw new Error('--reps: a number ≥ 1')
  const full = !quick && parts.length === ALL_PARTS.length && backends.length === ALL_BACKENDS.length
  return { quick, parts, backends, scaleBackends, reps, full, action, node, verbose: argv.includes('--verbose') }
}

const args = parseArgs(process.argv.slice(2))
const has = (p: Part) => args.parts.includes(p)

// ---------------------------------------------------------------------------------------------
// the bed, a private builder, backend cases

interface Case {
  backend: BackendName
  inputs: Record<string, string>
  opts: ScenarioOptions
}

let bed: TestbedEnv
let builder: PrivateBuilder | undefined
let act: ReturnType<typeof actionAt>
let nodeBin = process.execPath
/** Temp dirs to remove at the end (runner temps hold the local backend's directories). */
const scratch: string[] = []

/** A copy of the action (action.yml + dist/) that nothing can rebuild under the bench; and what it is. */
function snapshotAction(commit: string | undefined): { dir: string; what: string } {
  const dir = tempDir('bench-action-')
  scratch.push(dir)
  // What the action's checkout has next to dist/: the package type that makes dist/*.js ES modules.
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  const head = execSync('git rev-parse --short HEAD', { cwd: repo, encoding: 'utf8' }).trim()
  if (commit && existsSync(path.join(commit, 'action.yml'))) {
    // A directory with an action in it (e.g. a build of another commit's sources).
    cpSync(path.join(commit, 'action.yml'), path.join(dir, 'action.yml'))
    cpSync(path.join(commit, 'dist'), path.join(dir, 'dist'), { recursive: true })
    return { dir, what: `action.yml and dist/ from the directory ${path.basename(path.resolve(commit))}` }
  }
  if (commit) {
    // The commit's sources built as CI checks dist/ is built (scripts/build.mjs), with this
    // checkout's node_modules: the action as that commit defines it, whatever dist/ holds.
    const sha = execSync(`git rev-parse --short ${JSON.stringify(`${commit}^{commit}`)}`, { cwd: repo, encoding: 'utf8' }).trim()
    execSync(`git archive ${sha} action.yml package.json tsconfig.json src scripts | tar -x -C ${JSON.stringify(dir)}`, { cwd: repo })
    symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'))
    execSync('node scripts/build.mjs', { cwd: dir, stdio: 'inherit' })
    return { dir, what: `action.yml, and dist/ built from the sources of commit ${sha} (scripts/build.mjs)` }
  }
  cpSync(path.join(repo, 'action.yml'), path.join(dir, 'action.yml'))
  cpSync(path.join(repo, 'dist'), path.join(dir, 'dist'), { recursive: true })
  const dirty = execSync('git status --porcelain -- action.yml dist', { cwd: repo, encoding: 'utf8' }).trim()
  return { dir, what: `action.yml and dist/ of the working tree${dirty ? ` (differ from commit ${head})` : ` (as committed at ${head})`}` }
}

function scratchDir(prefix: string): string {
  const dir = tempDir(prefix)
  scratch.push(dir)
  return dir
}

function makeCase(backend: BackendName, context: string, label: string): Case {
  const nonce = randomBytes(4).toString('hex')
  const options: Partial<Record<BackendName, string>> = { s3: s3CacheOptions(bed), azblob: azblobCacheOptions(bed) }
  return {
    backend,
    inputs: {
      context,
      'cache-backend': backend,
      tags: `${bed.registry}/bench-${nonce}/${label}:latest`,
      builder: builder!.name,
      ...(options[backend] && { 'cache-options': options[backend] })
    },
    // A pinned RUNNER_TEMP (emptied before each job, as a runner does): the local backend's
    // directory path and the metadata file path stay the same from run to run.
    opts: { bed, protocol: 'v2', node: nodeBin, runnerTemp: scratchDir('bench-runner-temp-') }
  }
}

const prune = () => pruneBuildKit(builder!.name, bed)
/** --verbose: one line per action run on stderr (walls, the summary's time split, local sizes). */
function trace(what: string, r: RunResult): RunResult {
  if (!args.verbose) return r
  const t = buildTimes(r)
  const local = /Local cache/.test(r.summary)
    ? `, local restored ${mb(localBytes(r).restored)} MB exported ${mb(localBytes(r).exported)} MB`
    : ''
  console.error(
    `[run] ${what}: main ${secs(r.main.wallMs)} s, post ${secs(r.post?.wallMs ?? 0)} s; build ` +
      `${t ? `${t.build} s (ran ${t.run}, import ${t.import}, export ${t.export})` : '–'}; ` +
      `cached ${r.outputs['cached-steps']}/${r.outputs['total-steps']}${local}`
  )
  return r
}
const onMain = (c: Case, extra: Partial<ScenarioOptions> = {}, inputs = c.inputs) =>
  act.push('main', inputs, { ...c.opts, ...extra }).then(r => trace(`${c.backend} main`, assertRan(`${c.backend}: push to main`, r)))
const onPr = (c: Case, inputs = c.inputs) =>
  act.pullRequest(7, 'main', inputs, c.opts).then(r => trace(`${c.backend} pr-7`, assertRan(`${c.backend}: pull request 7`, r)))

// ---------------------------------------------------------------------------------------------
// fixtures

/** Realistic shape: a few MB of base layer, ~5 s of dependency install, ~5 s of compile, a small last step. */
function smallFixture(tag: string): string {
  return fixtureContext(
    [
      `head -c 4000000 /dev/urandom > /base.bin && echo ${tag} > /base.id`,
      `sleep 5 && mkdir -p /deps && head -c 2000000 /dev/urandom > /deps/lib.bin`,
      `sleep 5 && head -c 1000000 /dev/urandom > /app.bin`,
      `echo release-${tag} > /release`
    ],
    bed
  )
}

const SCALE_STEPS = 30
const SCALE_LAYER_BYTES = 6_700_000
/** 30 steps of ~6.7 MB of random data each (~200 MB of layers); `last` replaces the last step. */
function scaleFixture(tag: string, last?: string): string {
  const steps = Array.from(
    { length: SCALE_STEPS },
    (_, i) => `head -c ${SCALE_LAYER_BYTES} /dev/urandom > /layer-${i + 1}.bin && echo ${tag} > /layer-${i + 1}.id`
  )
  if (last) steps[steps.length - 1] = last
  return fixtureContext(steps, bed)
}

// ---------------------------------------------------------------------------------------------
// P1 + P4: one pass per backend

interface Pass {
  backend: BackendName
  error?: string
  cold?: RunResult
  pr?: RunResult
  remote?: RunResult[]
  local?: RunResult[]
  pull?: RunResult
}

async function backendPass(
  backend: BackendName,
  context: string,
  label: string,
  opts: { p1: boolean; p4: boolean; p4Reps: number; pullContext?: string }
): Promise<Pass> {
  const pass: Pass = { backend }
  try {
    const c = makeCase(backend, context, label)
    await prune()
    pass.cold = await onMain(c)
    if (opts.p1) {
      await prune()
      pass.pr = await onPr(c)
    }
    if (opts.p4) {
      pass.remote = []
      pass.local = []
      for (let i = 0; i < opts.p4Reps; i++) {
        await prune()
        pass.remote.push(await onMain(c))
        pass.local.push(await onMain(c))
      }
    }
    if (opts.pullContext) {
      // Every layer below the changed last step must come from the remote cache.
      await prune()
      pass.pull = await onPr(c, { ...c.inputs, context: opts.pullContext })
    }
  } catch (error) {
    pass.error = (error as Error).message.split('\n')[0]
    console.error(`[bench] ${label} ${backend}: ${(error as Error).message}`)
  }
  return pass
}

function p1Table(passes: Pass[]): string {
  const rows = passes.map(p => {
    if (p.error || !p.cold || !p.pr) return [p.backend, '–', '–', '–', '–', '≤ 0.25, all CACHED', `ERROR: ${p.error ?? 'no run'}`]
    const cached = Number(p.pr.outputs['cached-steps'])
    const total = Number(p.pr.outputs['total-steps'])
    const r = stepsMs(p.pr) / stepsMs(p.cold)
    const split = (r: RunResult) => `${secs(stepsMs(r))} (post ${secs(r.post?.wallMs ?? 0)})`
    return [
      p.backend,
      split(p.cold),
      split(p.pr),
      `${cached} / ${total}`,
      ratio(r),
      '≤ 0.25, all CACHED',
      verdict(r <= 0.25 && cached === total && total > 0)
    ]
  })
  return table(['backend', 'main cold (s)', 'PR 7 first (s)', 'PR cached / cacheable', 'PR / cold', 'target', 'result'], rows)
}

function p4Table(passes: Pass[]): string {
  const rows = passes.map(p => {
    if (p.error || !p.remote?.length || !p.local?.length) return [p.backend, '–', '–', '–', '≤ 1.5', `ERROR: ${p.error ?? 'no run'}`]
    const remote = min(p.remote.map(stepsMs))
    const local = min(p.local.map(stepsMs))
    const cached = p.remote.map(r => `${r.outputs['cached-steps']}/${r.outputs['total-steps']}`).join(', ')
    return [p.backend, `${secs(remote)} (${cached})`, secs(local), ratio(remote / local), '≤ 1.5', verdict(remote / local <= 1.5)]
  })
  return table(['backend', 'warm from remote (s, cached)', 'warm local (s)', 'remote / local', 'target', 'result'], rows)
}

function throughputTable(passes: Pass[]): string {
  const layerBytes = SCALE_STEPS * SCALE_LAYER_BYTES
  const rows = passes.map(p => {
    if (p.error || !p.cold) return [p.backend, '–', '–', '–', '–', '–', `ERROR: ${p.error ?? 'no run'}`]
    const cold = buildTimes(p.cold)
    const pull = p.pull && buildTimes(p.pull)
    if (p.backend === 'local') {
      // Export: BuildKit writes the directory (in the build), the post step saves it.
      // Import: the main step restores the directory before the build (outside it).
      const saved = localBytes(p.cold).exported
      const exportS = (cold?.export ?? 0) + (p.cold.post?.wallMs ?? 0) / 1000
      const restored = p.pull ? localBytes(p.pull).restored : NaN
      const restoreS = p.pull && pull ? p.pull.main.wallMs / 1000 - pull.build : NaN
      return [
        p.backend,
        mb(saved),
        exportS.toFixed(1),
        (saved / 1e6 / exportS).toFixed(0),
        pull ? `${restoreS.toFixed(1)} (restore)` : '–',
        (restored / 1e6 / restoreS).toFixed(0),
        p.pull ? `${p.pull.outputs['cached-steps']}/${p.pull.outputs['total-steps']}` : '–'
      ]
    }
    const exportMBs = cold ? layerBytes / 1e6 / cold.export : NaN
    // The pull build's own step is tiny: its build time less its export is (an upper bound of) the time to fetch every layer.
    const pullS = pull ? pull.build - pull.export : NaN
    return [
      p.backend,
      mb(layerBytes),
      cold ? cold.export.toFixed(1) : '–',
      exportMBs.toFixed(0),
      pull ? `${pullS.toFixed(1)} (manifest ${pull.import.toFixed(1)})` : '–',
      (layerBytes / 1e6 / pullS).toFixed(0),
      p.pull ? `${p.pull.outputs['cached-steps']}/${p.pull.outputs['total-steps']}` : '–'
    ]
  })
  return table(['backend', 'layers (MB)', 'export (s)', 'export MB/s', 'import (s)', 'import MB/s', 'pull build cached'], rows)
}

// ---------------------------------------------------------------------------------------------
// P2: the action's own overhead

interface P2Result {
  backend: BackendName
  buildMs: number[]
  mainOver: number[]
  postOver: number[]
  totalOver: number[]
  nodeStart: number[]
  dryRun: number[]
  children: Array<{ command: string; ms: number }>
  /** Runs with PATH shims: main wall − the wall of its own build process, in the same run. */
  inRunMain: number[]
  inRunPost: number[]
  bareArgv: string[]
  error?: string
}

async function measureOverhead(backend: BackendName, reps: number): Promise<P2Result> {
  const res: P2Result = {
    backend,
    buildMs: [],
    mainOver: [],
    postOver: [],
    totalOver: [],
    nodeStart: [],
    dryRun: [],
    children: [],
    inRunMain: [],
    inRunPost: [],
    bareArgv: []
  }
  try {
    const c = makeCase(backend, smallFixture(randomBytes(4).toString('hex')), 'p2')
    await prune()
    await onMain(c) // cold, exports
    const warm = await onMain(c) // warm: the build itself is short from here on
    const argv = commandArgv(warm.outputs.command)
    res.bareArgv = argv
    // The build's environment as the action gives it: the bed's tools, and for gha the service's URL and token.
    const env: NodeJS.ProcessEnv = {
      ...toolEnv(bed),
      ...(backend === 'gha' && {
        ACTIONS_RUNTIME_TOKEN: pushToken('main', 'main'),
        ACTIONS_RESULTS_URL: bed.cacheService?.url ?? '',
        ACTIONS_CACHE_SERVICE_V2: 'true'
      })
    }
    const bare = async () => {
      const r = await timed(argv, env)
      if (r.code !== 0) throw new Error(`bare build failed (exit ${r.code}):\n${r.out.split('\n').slice(-15).join('\n')}`)
      return r.ms
    }
    // Each repetition: the pair (alternating order), then, under the same load, a run with
    // PATH shims (its own build process timed inside the run), a dry run and a bare Node start.
    for (let i = 0; i < reps; i++) {
      let a: RunResult
      let b: number
      if (i % 2 === 0) {
        a = await onMain(c)
        b = await bare()
      } else {
        b = await bare()
        a = await onMain(c)
      }
      res.buildMs.push(b)
      res.mainOver.push(a.main.wallMs - b)
      res.postOver.push(a.post?.wallMs ?? 0)
      res.totalOver.push(stepsMs(a) - b)

      const shims = makeShims(toolEnv(bed))
      scratch.push(path.dirname(shims.log))
      const s = await onMain(c, { env: { PATH: shims.path } })
      const calls = shims.read()
      const build = calls.find(ch => /^docker buildx build /.test(ch.command))
      if (build) res.inRunMain.push(s.main.wallMs - build.ms)
      res.inRunPost.push(s.post?.wallMs ?? 0)
      res.children = calls.map(({ command, ms }) => ({ command: command.length > 110 ? `${command.slice(0, 107)}...` : command, ms }))

      const d = await act.push('main', { ...c.inputs, 'dry-run': 'true' }, c.opts)
      res.dryRun.push(assertRan('dry run', d).main.wallMs)
      res.nodeStart.push((await timed([nodeBin, '-e', '0'], process.env)).ms)
    }
  } catch (error) {
    res.error = (error as Error).message.split('\n')[0]
    console.error(`[bench] P2 ${backend}: ${(error as Error).message}`)
  }
  return res
}

/** One warm run of a small fixture with PATH shims: the child processes of main and post besides the build (JSON rows). */
async function childProcessRows(backend: BackendName): Promise<string> {
  try {
    const c = makeCase(
      backend,
      fixtureContext([`echo ${randomBytes(4).toString('hex')} > /id`, 'head -c 1000000 /dev/urandom > /a.bin'], bed),
      'p2-children'
    )
    await onMain(c)
    const shims = makeShims(toolEnv(bed))
    scratch.push(path.dirname(shims.log))
    const t0 = Date.now()
    // A new commit: the local backend's post step saves (a run of an already saved key does not).
    const r = await onMain(c, { sha: 'e'.repeat(40), env: { PATH: shims.path } })
    // The harness starts main within a few ms of t0 and post right after main ends.
    const postFrom = t0 + r.main.wallMs + 5
    const rows = shims
      .read()
      .filter(ch => !/^docker buildx build /.test(ch.command))
      .map(ch => [
        backend,
        ch.startMs < postFrom ? 'main' : 'post',
        `\`${ch.command.length > 90 ? `${ch.command.slice(0, 87)}...` : ch.command}\``,
        Math.round(ch.ms)
      ])
    return JSON.stringify(rows.length ? rows : [[backend, '', 'none', 0]])
  } catch (error) {
    return JSON.stringify([[backend, '', `ERROR: ${(error as Error).message.split('\n')[0]}`, '–']])
  }
}

function p2Tables(r: P2Result): string {
  if (r.error) return `ERROR on ${r.backend}: ${r.error}`
  const row = (what: string, xs: number[], target: string, ok?: boolean) => [
    what,
    Math.round(min(xs)),
    Math.round(median(xs)),
    target,
    ok === undefined ? '' : verdict(ok)
  ]
  const over = table(
    ['', 'min (ms)', 'median (ms)', 'target', 'result'],
    [
      row('bare `docker buildx build` (the build itself)', r.buildMs, ''),
      row('overhead in main (main wall − bare wall)', r.mainOver, ''),
      row('overhead in post (post wall)', r.postOver, ''),
      row('overhead, main + post', r.totalOver, '≤ 400 (median)', median(r.totalOver) <= 400),
      row('in the same run: main wall − its own build process (timed by a PATH shim)', r.inRunMain, ''),
      row(
        'in the same run: that + its post wall',
        r.inRunMain.map((x, i) => x + r.inRunPost[i]),
        '≤ 400 (median)',
        median(r.inRunMain.map((x, i) => x + r.inRunPost[i])) <= 400
      )
    ]
  )
  const nodeStart = median(r.nodeStart)
  const dry = median(r.dryRun)
  const beforeBuild = r.children.filter(ch => !/^docker buildx build /.test(ch.command))
  const childMs = beforeBuild.reduce((t, ch) => t + ch.ms, 0)
  const rest = median(r.inRunMain) - dry - childMs
  const parts: Array<[string, number]> = [
    ['Node start (`node -e 0`)', nodeStart],
    ['main: bundle load + inputs + plan + outputs + summary (dry-run wall − Node start)', dry - nodeStart],
    ...beforeBuild.map(ch => [`main: child process \`${ch.command}\``, ch.ms] as [string, number]),
    ...(beforeBuild.length ? [] : [['main: child processes besides the build', 0] as [string, number]]),
    ['main: the rest (progress parsing, metadata, summary after the build; in-run overhead − the rows above)', rest],
    ['post: Node start + bundle load (post wall)', median(r.postOver)]
  ]
  const breakdown = table(
    ['where (medians)', 'ms'],
    parts.map(([w, ms]) => [w, Math.round(ms)])
  )
  const note =
    min(r.totalOver) < 0
      ? "\n\nA negative minimum: in that pair the bare build was slower than the action's build, i.e. the build's own run-to-run noise " +
        "exceeds the overhead; the in-run rows take the build's noise out."
      : ''
  return (
    `${over}${note}\n\nWhere the time goes (${r.backend}):\n\n${breakdown}\n\nBare command (the action's \`command\` output, run as ` +
    `argv): \`${r.bareArgv.join(' ')}\``
  )
}

// ---------------------------------------------------------------------------------------------
// P3: the local backend's carried directory

interface P3Result {
  rows: Array<{ n: number; restored: number; saved: number }>
  fresh: number
  error?: string
}

async function measureLocalGrowth(builds: number): Promise<P3Result> {
  const res: P3Result = { rows: [], fresh: NaN }
  try {
    const tag = randomBytes(4).toString('hex')
    const steps = (n: number) => [
      `head -c 4000000 /dev/urandom > /base.bin && echo ${tag} > /base.id`,
      `head -c 2000000 /dev/urandom > /deps.bin`,
      `head -c 1000000 /dev/urandom > /app.bin`,
      `head -c 500000 /dev/urandom > /late.bin && echo change-${n} > /late.id`
    ]
    const c = makeCase('local', fixtureContext(steps(0), bed), 'p3')
    await prune()
    let last = c.inputs
    for (let n = 1; n <= builds; n++) {
      last = { ...c.inputs, context: fixtureContext(steps(n), bed) }
      const r = await onMain(c, { sha: n.toString(16).padStart(40, 'c') }, last)
      const { restored, exported } = localBytes(r)
      if (!/Local cache saved as/.test(r.summary)) throw new Error(`build ${n}: the post step saved nothing`)
      res.rows.push({ n, restored, saved: exported })
    }
    // The same last commit exported once into an empty directory (a scope nobody saved to).
    const fresh = await onMain(c, { sha: 'f'.repeat(40) }, { ...last, 'scope-prefix': `bench-fresh-${tag}` })
    if (localBytes(fresh).restored !== 0) throw new Error('the fresh export restored something')
    res.fresh = localBytes(fresh).exported
  } catch (error) {
    res.error = (error as Error).message.split('\n')[0]
    console.error(`[bench] P3: ${(error as Error).message}`)
  }
  return res
}

function p3Table(r: P3Result): string {
  if (r.error) return `ERROR: ${r.error}`
  const rows = r.rows.map(({ n, restored, saved }) => {
    const x = saved / r.fresh
    return [n, mb(restored), mb(saved), ratio(x), n === r.rows.length ? '≤ 1.25' : '', n === r.rows.length ? verdict(x <= 1.25) : '']
  })
  return (
    `One fresh export of the last commit: ${mb(r.fresh)} ` +
    `MB.\n\n${table(['build', 'restored (MB)', 'saved (MB)', 'saved / fresh', 'target', 'result'], rows)}`
  )
}

// ---------------------------------------------------------------------------------------------
// the report

function sh(cmd: string, argv: string[], env = toolEnv(bed)): string {
  try {
    return execFileSync(cmd, argv, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .split('\n')[0]
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`
  }
}

// ---------------------------------------------------------------------------------------------
// mounts: RUN --mount=type=cache contents carried between runs

const MOUNT_SOURCES = 24
/** A compile of one source: what an object found in the mount saves. */
const COMPILE_SECONDS = 0.25

/**
 * A compile that keeps its objects in a cache mount (as Go's build cache or ccache do): each of
 * the sources is compiled unless the mount holds its object. `changed` edits one source (a pull
 * request's change); BUILD_ID re-runs the step without changing a source.
 */
function mountFixture(tag: string, changed: boolean): string {
  const dir = fixtureContext([], bed)
  mkdirSync(path.join(dir, 'src'))
  for (let i = 0; i < MOUNT_SOURCES; i++)
    writeFileSync(path.join(dir, 'src', `f${i}.c`), `${tag} source ${i}${changed && i === 0 ? ' changed' : ''}\n`)
  const compile =
    'for f in /src/*; do h=$(md5sum "$f" | cut -c1-32); ' +
    `[ -f /objects/$h ] || { sleep ${COMPILE_SECONDS}; cp "$f" /objects/$h; }; cat /objects/$h >> /app; done; echo $BUILD_ID > /build-id`
  const lines = [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox","--install","-s","/bin"]',
    'COPY src /src',
    'ARG BUILD_ID',
    `RUN --mount=type=cache,id=objects,target=/objects sh -c '${compile}'`
  ]
  writeFileSync(path.join(dir, 'Dockerfile'), `${lines.join('\n')}\n`)
  return dir
}

interface MountsResult {
  carried: RunResult
  without: RunResult
  unchanged: RunResult
  /** The generated builds that put the mounts into the builder and take them out, in `unchanged`. */
  carryMs: number
}

const jobMs = (r: RunResult) => r.main.wallMs + (r.post?.wallMs ?? 0)

/**
 * main fills the mount; after BuildKit's state is wiped each time: pull request 7's first build
 * with one source changed, mounts carried; pull request 8's, the same change, cache-mounts: off
 * (both import main's layer cache, so only the mount differs); then pull request 7's second
 * commit, which re-runs the compile over unchanged sources: every object is in the restored
 * mount, so the mount does not change, and PATH shims time the generated builds that carry it.
 */
async function measureMounts(): Promise<MountsResult> {
  const tag = randomBytes(4).toString('hex')
  const c = makeCase('gha', mountFixture(tag, false), 'mounts')
  const inputs = { ...c.inputs, 'cache-mounts-image': bed.baseImage }
  const changed = { ...inputs, context: mountFixture(tag, true) }
  await onMain(c, {}, inputs)
  await prune()
  const carried = assertRan('mounts: carried', await act.pullRequest(7, 'main', changed, c.opts))
  await prune()
  const without = assertRan('mounts: off', await act.pullRequest(8, 'main', { ...changed, 'cache-mounts': 'off' }, c.opts))
  await prune()
  const shims = makeShims(toolEnv(bed))
  scratch.push(path.dirname(shims.log))
  const unchanged = assertRan(
    'mounts: unchanged',
    await act.pullRequest(
      7,
      'main',
      { ...changed, 'build-args': 'BUILD_ID=2' },
      { ...c.opts, sha: 'e'.repeat(40), env: { PATH: shims.path } }
    )
  )
  const carryMs = shims
    .read()
    .filter(call => /^docker buildx build /.test(call.command) && !call.command.includes(changed.context))
    .reduce((sum, call) => sum + call.ms, 0)
  return { carried, without, unchanged, carryMs }
}

function mountsTable(r: MountsResult): string {
  const share = r.carryMs / jobMs(r.unchanged)
  const ratio = jobMs(r.carried) / jobMs(r.without)
  return table(
    ['measurement', 'target', 'figure', 'result'],
    [
      [
        `pull request's first build, one source changed: mounts carried (${secs(jobMs(r.carried))} s) / ` +
          `cache-mounts: off (${secs(jobMs(r.without))} s)`,
        '≤ 0.5',
        ratio.toFixed(2),
        verdict(ratio <= 0.5)
      ],
      [
        `putting the mounts into the builder and taking them out, in a build whose mounts do not change (${secs(jobMs(r.unchanged))} s)`,
        '≤ 10 %',
        `${Math.round(r.carryMs)} ms (${(share * 100).toFixed(0)} %)`,
        verdict(share <= 0.1)
      ]
    ]
  )
}

// ---------------------------------------------------------------------------------------------
// budget: the post step's cost of cache-budget

interface BudgetRep {
  off: number
  over: number
  within: number
  /** REST calls of the post step within the budget. */
  withinCalls: string[]
}

/**
 * Each rep on a stand-in of its own, seeded with 1,000 caches: a push to main with the local
 * backend, its post step timed with cache-budget: off, over the budget (the 40 closed pull
 * request caches go) and within it (one usage call).
 */
async function measureBudget(reps: number): Promise<BudgetRep[]> {
  const results: BudgetRep[] = []
  for (let i = 0; i < reps; i++) {
    const svc = await startCacheService({ quiet: true })
    try {
      const c = makeCase('local', smallFixture(randomBytes(4).toString('hex')), 'budget')
      const namespace = `bench-budget-${randomBytes(4).toString('hex')}/app`
      await seedThousandCaches(svc, (scope, commit) => `buildkit-${namespace}/${scope}#${commit}`)
      await admin(svc, 'POST', 'admin-github-tokens', { token: 'ghs_admin' })
      const opts = { ...c.opts, bed: { ...bed, cacheService: { url: svc.url } }, protocol: 'v1' as const }
      const post = async (budget: string) => {
        const r = assertRan(
          `budget ${budget}`,
          await act.push('main', { ...c.inputs, 'github-token': 'ghs_admin', 'cache-budget': budget }, opts)
        )
        return r.post?.wallMs ?? 0
      }
      // The first push saves the local directory; the measured ones find it unchanged and save nothing.
      await post('off')
      const off = await post('off')
      const over = await post('128MB')
      const since = ((await (await fetch(`${svc.url}_admin/requests`)).json()) as Array<{ n: number }>).reduce(
        (m, r) => Math.max(m, r.n),
        0
      )
      const within = await post('10GB')
      const calls = (await (await fetch(`${svc.url}_admin/requests?since=${since}`)).json()) as Array<{ method: string; path: string }>
      const withinCalls = calls
        .filter(call => call.path.includes('/actions/cache/') && !call.path.includes('storage-limit'))
        .map(call => `${call.method} ${call.path.replace(/^\/repos\/[^/]+\/[^/]+/, '')}`)
      results.push({ off, over, within, withinCalls })
    } finally {
      await svc.close()
    }
  }
  return results
}

function budgetTable(reps: BudgetRep[]): string {
  const col = (pick: (r: BudgetRep) => number) => Math.round(median(reps.map(pick)))
  const calls = [...new Set(reps.map(r => r.withinCalls.join(', ')))].join(' / ')
  return table(
    ['post step', 'median ms', 'added to cache-budget: off'],
    [
      ['cache-budget: off', col(r => r.off), '–'],
      ['over budget: 40 of 1,000 caches deleted (target < 1 s added)', col(r => r.over), `${col(r => r.over - r.off)} ms`],
      [`within budget (REST calls: ${calls || 'none'})`, col(r => r.within), `${col(r => r.within - r.off)} ms`]
    ]
  )
}

async function main(): Promise<void> {
  const started = new Date()
  const loadStart = os.loadavg()
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  console.log(`[bench] ${command}: parts ${args.parts.join(',')}; backends ${args.backends.join(',')}`)
  const lease = await acquireBed()
  let stopped: Promise<void> | undefined
  const stop = () =>
    (stopped ??= (async () => {
      await builder?.stop()
      await lease.release()
      for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
    })())
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)))
  const sections: string[] = []
  let actionWhat = ''
  try {
    bed = testbedEnv()
    if (args.node === '24') {
      if (!bed.node24 || !existsSync(bed.node24))
        throw new Error('--node 24: the bed has no Node 24 (bash testbed/install.sh node24), or pass --node current')
      nodeBin = bed.node24
    } else if (args.node !== 'current') nodeBin = args.node
    const action = snapshotAction(args.action)
    actionWhat = action.what
    act = actionAt(action.dir)
    builder = await startPrivateBuilder(bed, randomBytes(4).toString('hex'))
    const log = (s: string) => console.log(`[bench] ${new Date().toISOString().slice(11, 19)} ${s}`)
    if (has('P1') || has('P4')) {
      const passes: Pass[] = []
      for (const b of args.backends) {
        log(`P1/P4 ${b}`)
        passes.push(await backendPass(b, smallFixture(randomBytes(4).toString('hex')), 'p1', { p1: has('P1'), p4: has('P4'), p4Reps: 2 }))
      }
      if (has('P1')) {
        sections.push(
          `## P1 — a pull request's first build\n\n` +
            'Fixture: FROM scratch + busybox, a 4 MB base layer, ~5 s dependency install (2 MB), ~5 s compile (1 MB), a small last step. ' +
            "Main's cold build exports; BuildKit's local state is wiped; pull request 7's first build imports main's cache. Times are " +
            'the main and post steps together.\n\n' +
            p1Table(passes)
        )
      }
      if (has('P4')) {
        sections.push(
          `## P4 — warm from the remote cache vs warm local\n\n` +
            "The same commit on main built after BuildKit's local state is wiped (cache imported) and again without wiping; best of 2 " +
            'each.\n\n' +
            p4Table(passes)
        )
      }
    }
    if (has('P2')) {
      const b: BackendName = args.backends.includes('registry') ? 'registry' : args.backends.includes('gha') ? 'gha' : args.backends[0]
      log(`P2 ${b}`)
      const r = await measureOverhead(b, args.reps)
      const others: string[] = []
      for (const o of args.backends.filter(x => x !== b)) {
        log(`P2 child processes ${o}`)
        others.push(await childProcessRows(o))
      }
      sections.push(
        `## P2 — the action's own overhead (${b}, warm cache, ${args.reps} alternating pairs)\n\n` +
          `Each pair runs the action (main + post, as the runner does) and the bare command line it printed, in alternating ` +
          `order.\n\n${p2Tables(r)}` +
          (others.length
            ? '\n\nChild processes the action starts besides the build on the other backends (one warm run each, timed by PATH shims):' +
              `\n\n${table(
                ['backend', 'step', 'child process', 'ms'],
                others.flatMap(o => JSON.parse(o))
              )}`
            : '')
      )
    }
    if (has('P3')) {
      if (args.backends.includes('local')) {
        log('P3 local')
        sections.push(
          `## P3 — the local backend's saved size over ten builds\n\nTen successive pushes to main, each changing the last step, the ` +
            `directory carried by @actions/cache (RUNNER_TEMP pinned).\n\n${p3Table(await measureLocalGrowth(10))}`
        )
      } else {
        sections.push('## P3 — skipped (the local backend is not among --backends)')
      }
    }
    if (has('mounts')) {
      log('mounts')
      sections.push(
        `## Mounts — cache mount contents carried between runs (gha)\n\nA compile of ${MOUNT_SOURCES} sources (${COMPILE_SECONDS} s ` +
          'each) that keeps its objects in a `RUN --mount=type=cache` directory; times are the main and post steps together.' +
          `\n\n${mountsTable(await measureMounts())}`
      )
    }
    if (has('budget')) {
      log('budget')
      sections.push(
        `## Budget — what cache-budget adds to the post step (${args.reps} reps)\n\nA push to main with the local backend on a ` +
          "repository of 1,000 caches (this action's under 20 closed pull requests, 40 MB; 960 of other tools on 50 branches), " +
          `each rep on a cache service stand-in of its own.\n\n${budgetTable(await measureBudget(args.reps))}`
      )
    }
    if (has('scale') && args.scaleBackends.length) {
      const passes: Pass[] = []
      for (const b of args.scaleBackends) {
        log(`scale ${b}`)
        const tag = randomBytes(4).toString('hex')
        passes.push(
          await backendPass(b, scaleFixture(tag), 'scale', {
            p1: true,
            p4: true,
            p4Reps: 1,
            pullContext: scaleFixture(tag, `echo changed-${tag} > /changed`)
          })
        )
      }
      sections.push(
        `## Scale — ${SCALE_STEPS} steps, ~${Math.round((SCALE_STEPS * SCALE_LAYER_BYTES) / 1e6)} MB of layers\n\n` +
          `${SCALE_STEPS} RUN steps of ${SCALE_LAYER_BYTES / 1e6} MB of random data each.\n\n### P1 at ` +
          `scale\n\n${p1Table(passes)}\n\n### P4 at scale\n\n${p4Table(passes)}\n\n` +
          "### Throughput\n\nExport: the cold build's export time (job summary). Import: a pull request build whose last step changed " +
          'after the local state was wiped, so every layer below it is fetched; ' +
          "its build time less its export time (an upper bound: it includes the tiny changed step). local: the post step's save plus the " +
          "export, and the restore before the build (main wall − build time, which includes the action's own overhead). " +
          'Imports are lazy: an all-CACHED build without an output fetches no layer at all, which is why P1 and P4 at scale do not ' +
          'depend on the layer size.\n\n' +
          throughputTable(passes)
      )
    }
  } finally {
    await stop()
  }

  const loadEnd = os.loadavg()
  const header = [
    `# Benchmark ${started.toISOString().slice(0, 10)}`,
    '',
    `- Command: \`${command}\``,
    `- Date: ${started.toISOString().replace(/\.\d+Z$/, 'Z')}, duration ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min`,
    `- Machine: ${os.cpus().length} cores (\`nproc\`: ${sh('nproc', [])}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at ` +
      `start ${loadStart.map(l => l.toFixed(2)).join(' ')}, at end ${loadEnd.map(l => l.toFixed(2)).join(' ')}`,
    `- The action: ${actionWhat}, run by Node ${sh(nodeBin, ['--version'])} (the bench itself: Node ${process.version}); ` +
      `${sh('docker', ['buildx', 'version'])}; BuildKit ${sh('buildkitd', ['--version'])}`,
    "- Builder: a private buildkitd (runc worker) behind a buildx builder with the remote driver, as docker/setup-buildx-action's " +
      'docker-container builder; its local state is wiped with `docker buildx prune -af` where a measurement says so.',
    '- Noise: other builds ran on the same test bed and the same 2 cores during the run (see the load average); single figures can be ' +
      'off by hundreds of milliseconds.',
    ''
  ]
  // No machine's paths in a report that may be committed.
  const report = `${header.join('\n')}\n${sections.join('\n\n')}\n`
    .split(repo)
    .join('<repo>')
    .split(os.tmpdir())
    .join('<tmp>')
    .split((bed as TestbedEnv | undefined)?.registry ?? '\0')
    .join('<bed registry>')
  console.log(`\n${report}`)
  const dir = path.join(repo, 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${started.toISOString().slice(0, 10)}${args.full ? '' : '-partial'}.md`)
  writeFileSync(file, report)
  console.log(`[bench] written to ${path.relative(repo, file)}`)
}

await main()
