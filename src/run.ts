/**
 * The main step, as a short story: read the inputs and the event, plan (pure), find out what
 * the plan depends on (restore, builder, which import exists, whether the cache answers),
 * build and recover (recovery.ts decides), then report (pure) and write outputs, warnings and
 * the summary once. Errors: an input or setting that cannot work fails the step with one line
 * before anything runs; anything the cache does wrong is a warning, never a failed build.
 */
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as core from '@actions/core'
import * as exec from '@actions/exec'
import { runWatched } from './effects/build-process.js'
import { readProbes, silentRead } from './effects/cache-probe.js'
import { CacheWatch, plainEvents, rawJsonEvents } from './core/cache-watch.js'
import {
  type DriverFallbackOptions,
  DRIVER_CANNOT_EXPORT,
  DRIVER_REFUSES_ATTESTATION,
  currentBuilder,
  fitPlanToBuilder,
  planForDockerDriver,
  readFileOrUndefined
} from './effects/builder-driver.js'
import { cleanUpClosedPullRequest } from './cleanup.js'
import { type RunContext, runContext } from './core/context.js'
import { actionsCachesExist, lookUpMissingBranches } from './effects/github-api.js'
import { chooseImport } from './effects/import-choice.js'
import { lookUpCacheBudget } from './effects/cache-budget.js'
import { tagInlineCache } from './effects/inline-tag.js'
import { InputError } from './core/input-error.js'
import { type Inputs, readInputs } from './core/inputs.js'
import { restoreLocalCache } from './effects/local-cache.js'
import { carriedMountLines, carryMountsIn, carryMountsInto, handMountsToPost } from './effects/mount-cache.js'
import { maskSecretFiles, removeSecretFiles, writeSecretFiles } from './effects/build-secrets.js'
import { cacheManifestDigest, compactLayout, directorySize } from './effects/oci-layout.js'
import { writeOutputs, writeSummary } from './effects/outputs.js'
import { type Plan, displayCommand, invocationOf, plan, withoutExport } from './core/plan.js'
import type { Env } from './core/context.js'
import { ranAnyStep } from './core/progress.js'
import { addsDefaultProvenance } from './tools/attests.js'
import { type Attempt, type BuildRun, failedPush, recover } from './core/recovery.js'
import { type Execution, type Facts, buildMetadata, planOutputs, report, stalledScopes } from './core/report.js'
import { type LocalCacheState, STATE } from './core/state.js'
import type { BuildOutcome, Restored } from './core/summary.js'
import { TOOLS } from './tools/index.js'

export async function runMain(): Promise<void> {
  try {
    const inputs = readInputs(name => core.getInput(name, { trimWhitespace: false }))
    const env: Env = { ...process.env, RUNNER_TEMP: process.env.RUNNER_TEMP || tmpdir() }
    const payload = await readPayload(env.GITHUB_EVENT_PATH)
    const context = await lookUpMissingBranches(runContext(env, payload), inputs.githubToken, env)
    if (inputs.cleanup) return await cleanUpClosedPullRequest(inputs, context, env, payload.action)
    await build(inputs, context, env)
  } catch (error) {
    core.setFailed((error as Error).message)
  }
}

async function build(inputs: Inputs, context: RunContext, env: Env): Promise<void> {
  const planned = plan(inputs, context, env)
  announcePlan(planned)
  const driver: DriverFallbackOptions = { fallback: inputs.driverFallback, driverOpts: inputs.driverFallbackOpts }

  // What the plan depends on. The local directory is restored before the import is chosen, or
  // a builder that takes one import would find nothing there. A dry run looks at nothing.
  if (!inputs.dryRun) await maskSecretFiles(planned)
  const restored = planned.local && !inputs.dryRun ? await restoreLocalCache(planned, inputs.cacheTimeout) : undefined
  const fitted = inputs.dryRun ? planned : await fitPlanToBuilder(planned, env, driver)
  const chosen = TOOLS[fitted.tool].traits.singleImport ? await chooseImport(fitted, env) : fitted.imports
  const first: Attempt = { plan: fitted, imports: chosen, noCache: false }
  if (inputs.dryRun) {
    const outputs = planOutputs(first, env)
    core.info(`dry-run: ${outputs.command}`)
    writeOutputs(outputs)
    await writeSummary(fitted, { dryRun: true, chosen }, env)
    return
  }
  await prepareBuilder(fitted, env)
  const mounts = await carryMountsIn(fitted.mounts, fitted.request.builder)
  const answered = await whenCacheAnswers(first, inputs.cacheTimeout, env)
  const indexLookup = lookUpChainIndexes(fitted, inputs.githubToken, context, env)
  const budgetLookup = lookUpCacheBudget(fitted, inputs.cacheBudget, inputs.githubToken, env)

  // A file left by an earlier build of this step (a re-run) must not pass for this build's digest.
  await rm(fitted.request.metadataFile, { force: true })
  await writeSecretFiles(fitted)
  const movedTo = (builder: string | undefined) => carryMountsInto(mounts, builder)
  const execution = await execute(answered, env, inputs.cacheTimeout, driver, movedTo).finally(() =>
    removeSecretFiles(fitted.secretFiles?.dir)
  )
  const last = execution.last.plan
  handMountsToPost(mounts, last.request.builder, ranAnyStep(execution.runs[execution.runs.length - 1].report))
  const metadata = await readMetadata(last.request.metadataFile)
  if (execution.exitCode === 0) await tagInlineCache(last, env)
  const localExport =
    execution.exitCode === 0 && last.local && last.cacheExport ? await settleLocalExport(last, restored, inputs.cacheTimeout) : undefined

  const result = report(execution, { restored, indexFound: await indexLookup, metadata, localExport }, env)
  writeOutputs(result.outputs)
  const budget = result.outputs['cache-export'] === 'true' ? await budgetLookup : undefined
  if (budget) core.saveState(STATE.cacheBudget, JSON.stringify(budget))
  for (const warning of result.warnings) core.warning(warning)
  await writeSummary(last, { ...result.outcome, mounts: carriedMountLines(mounts) }, env)
  if (result.failure) core.setFailed(result.failure)
}

function announcePlan(p: Plan): void {
  for (const secret of p.secrets) core.setSecret(secret)
  const c = p.context
  core.startGroup('Cache plan')
  core.info(`event: ${c.event} (${c.kind}${c.pullRequest ? ` #${c.pullRequest}` : ''}), ref ${c.ref || 'unset'}`)
  core.info(`base branch: ${c.baseBranch ?? '-'}, default branch: ${c.defaultBranch ?? '-'}`)
  core.info(`backend: ${p.backend}, builder: ${p.tool}, own scope: ${p.scope || '(none)'}`)
  core.info(
    `import chain: ${p.chain.map(s => s.id).join(' → ') || '(none)'}${p.importReason ? ` (import skipped: ${p.importReason})` : ''}`
  )
  core.info(`export: ${p.cacheExport ? 'yes' : 'no'} (${p.exportReason})`)
  for (const line of p.details) core.info(line)
  core.endGroup()
  for (const warning of p.warnings) core.warning(warning)
  for (const notice of p.notices) core.notice(notice)
}

/**
 * Builds, and builds again while recovery.ts says so: a sick cache is dropped from the build
 * rather than failing it. At most a few builds, whatever happens. `movedTo` readies a builder
 * the build moves to (one created by driver-fallback) before it builds there.
 */
const MAX_BUILDS = 4

async function execute(
  start: { attempt: Attempt; problems: string[]; stalled: string[] },
  env: Env,
  cacheTimeout: number,
  driver: DriverFallbackOptions,
  movedTo: (builder: string | undefined) => Promise<void>
): Promise<Execution> {
  const started = Date.now()
  const runs: BuildRun[] = []
  const { problems, stalled } = start
  let attempt = start.attempt
  for (;;) {
    const run = await runBuild(attempt, env, cacheTimeout)
    const next =
      runs.length + 1 < MAX_BUILDS
        ? recover(attempt, run, runs, cacheTimeout)
        : { kind: 'finish' as const, exitCode: run.exitCode, plan: attempt.plan }
    runs.push(run)
    if (next.kind === 'finish') {
      if (next.problem) problems.push(next.problem)
      return {
        first: start.attempt,
        last: { ...attempt, plan: next.plan },
        runs,
        exitCode: next.exitCode,
        problems,
        stalled,
        seconds: (Date.now() - started) / 1000
      }
    }
    if (next.kind === 'fit-to-docker-driver') {
      const builder = attempt.plan.request.builder ?? currentBuilder(readFileOrUndefined, env).name
      const fitted = await planForDockerDriver(attempt.plan, builder, env, driver)
      await movedTo(fitted.request.builder)
      attempt = { ...attempt, plan: fitted, imports: fitted.imports }
      continue
    }
    problems.push(next.problem)
    if (next.stalledImport) stalled.push(...stalledScopes(attempt.plan, next.stalledImport))
    attempt = next.attempt
  }
}

/**
 * A cache server that does not answer BuildKit's first read holds BuildKit itself, and every
 * build on it (see cache-probe.ts): the action makes that read first, and when nothing
 * answers within cache-timeout, the build runs without the cache.
 */
async function whenCacheAnswers(
  attempt: Attempt,
  cacheTimeout: number,
  env: Env
): Promise<{ attempt: Attempt; problems: string[]; stalled: string[] }> {
  const p = attempt.plan
  const silent =
    cacheTimeout > 0 && attempt.imports.length ? await silentRead(readProbes(attempt.imports, env), cacheTimeout * 1000) : undefined
  if (!silent) return { attempt, problems: [], stalled: [] }
  return {
    attempt: { ...attempt, imports: [], plan: withoutExport(p, `the ${p.backend} cache did not answer a read within cache-timeout`) },
    problems: [
      `Cache import (${p.backend}) stalled: ${silent.what} did not answer within cache-timeout (${cacheTimeout} s). The build runs ` +
        `without importing${p.exports.length ? ' or exporting' : ''} the cache (BuildKit would wait on the server with every build of ` +
        `its builder).`
    ],
    stalled: p.chain.map(scope => scope.id)
  }
}

/**
 * BuildKit sets up a cache exporter before it builds anything, and a setup that fails (the
 * azblob exporter cannot reach its storage account) fails the whole build, ignore-error or
 * not. buildx then reports only that its job vanished.
 */
const EXPORTER_SETUP_FAILED = /failed to configure \S+ cache exporter|failed to receive status: .*no such job/

/** A cache layer download slower than this counts as no progress. */
const MIN_BYTES_PER_SECOND = 16 * 1024

async function runBuild(attempt: Attempt, env: Env, cacheTimeout: number): Promise<BuildRun> {
  const p = attempt.plan
  const tool = TOOLS[p.tool]
  const invocation = invocationOf(p, attempt.imports, env, attempt.noCache)
  const reader = tool.progress()
  let denied = false
  let exporterSetupFailed = false
  let driverLacksStore = false
  // buildx refuses any attestation there: the default provenance is the action's to drop, the user's own is not.
  const defaultProvenance = addsDefaultProvenance(p.request, env)
  let pushFailed: BuildRun['pushFailed']
  const onLine = (line: string) => {
    if (/cache write denied/i.test(line)) denied = true
    if (EXPORTER_SETUP_FAILED.test(line)) exporterSetupFailed = true
    if (DRIVER_CANNOT_EXPORT.test(line) || (defaultProvenance && DRIVER_REFUSES_ATTESTATION.test(line))) driverLacksStore = true
    pushFailed ??= failedPush(line)
    for (const out of reader.line(line)) core.info(out)
  }
  const watcher = new CacheWatch({
    timeoutMs: cacheTimeout * 1000,
    minBytesPerSecond: MIN_BYTES_PER_SECOND,
    importing: attempt.imports.length > 0,
    pushCarriesCache: p.extraTags.length > 0 && !tool.traits.pushesOneName
  })
  const events = tool.traits.plainProgress ? plainEvents : rawJsonEvents
  const watch =
    cacheTimeout > 0
      ? {
          watcher,
          feed: (line: string, now: number) => {
            for (const event of events(line)) watcher.feed(event, now)
          }
        }
      : undefined
  const { exitCode, stall } = await core.group(`Build: ${displayCommand(invocation, p.secrets)}`, () =>
    runWatched(invocation.file, invocation.args, { ...definedOnly(env), ...invocation.env }, onLine, watch)
  )
  return { exitCode, report: reader.report(), denied, exporterSetupFailed, driverLacksStore, stall, pushFailed }
}

/** Checks that the builder can run the plan, and points it at the right BuildKit, before anything is built. */
async function prepareBuilder(p: Plan, env: Env): Promise<void> {
  const tool = TOOLS[p.tool]
  if (p.needsBuildKitDriver) requireBuildKitDriver(p, env)
  const alternatives = tool.prepare?.(p.request) ?? []
  let lastError = ''
  let prepared = !alternatives.length
  for (const step of alternatives) {
    const result = await exec.getExecOutput(step.file, step.args, {
      silent: true,
      ignoreReturnCode: true,
      env: { ...definedOnly(env), ...step.env }
    })
    if (result.exitCode === 0) {
      core.info(`builder: ${[step.file, ...step.args].join(' ')}`)
      prepared = true
      break
    }
    lastError = (result.stderr || result.stdout).trim().split('\n').pop() ?? ''
  }
  if (!prepared) throw InputError.refusing({ input: 'builder', reason: `could not use "${p.request.builder}" (${lastError}).` })
  if (tool.needsDockerEngine?.(p.request)) await requireDockerEngine(env)
}

/**
 * Where the driver cannot serve the backend, fail with the fix instead of BuildKit's "unknown
 * cache exporter". buildx's own files name the builder and its driver (no CLI call); a builder
 * they do not describe is left to the build.
 */
function requireBuildKitDriver(p: Plan, env: Env): void {
  const builder = currentBuilder(readFileOrUndefined, env, p.request.builder)
  if (builder.driver !== 'docker') return
  throw InputError.refusing({
    input: 'cache-backend',
    reason:
      `${p.backend} needs a builder with the docker-container or remote driver, but builder "${builder.name}" ` +
      `uses the docker driver; add docker/setup-buildx-action before this step, or set builder: to a remote builder.`
  })
}

/** A build that loads its image into Docker: say what to do before it fails after building. */
async function requireDockerEngine(env: Env): Promise<void> {
  const probe = await exec
    .getExecOutput('docker', ['version', '--format', '{{.Server.Version}}'], {
      silent: true,
      ignoreReturnCode: true,
      env: definedOnly(env)
    })
    .catch(() => undefined)
  if (probe?.exitCode !== 0) {
    throw InputError.refusing({
      input: 'outputs',
      reason: 'envd needs an output when no Docker engine answers, e.g. "type=image,name=<ref>,push=true" or "type=oci,dest=<file>".'
    })
  }
}

/** The environment for a child process: the variables that are set. */
function definedOnly(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

async function readPayload(path: string | undefined): Promise<Record<string, any>> {
  if (!path) return {}
  try {
    return JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    core.warning(`Could not read the event payload (${(error as Error).message}); resolving the scope from GITHUB_REF alone.`)
    return {}
  }
}

async function readMetadata(path: string): Promise<Facts['metadata']> {
  return buildMetadata(await readFile(path, 'utf8').catch(() => ''))
}

/**
 * Which scopes of a gha chain held a cache, listed through the REST API beside the build (so
 * it costs the build no time). Without a token allowed to list caches, the marks stay ?.
 */
async function lookUpChainIndexes(p: Plan, token: string | undefined, context: RunContext, env: Env): Promise<boolean[] | undefined> {
  if (!token || !p.chain.length || !p.chain.every(scope => scope.indexKey)) return undefined
  try {
    return await actionsCachesExist(
      token,
      env,
      context,
      p.chain.map(scope => ({ key: scope.indexKey!, ref: scope.ref })),
      new Date()
    )
  } catch (error) {
    core.info(
      `Could not list the chain's caches (${(error as Error).message}); the summary marks them ?. "permissions: actions: read" allows it.`
    )
    return undefined
  }
}

/**
 * The build exported into the restored directory: the blobs its new manifest no longer reaches
 * are deleted, so the directory stays the size of one export. The post step saves it.
 */
async function settleLocalExport(p: Plan, restored: Restored | undefined, cacheTimeout: number): Promise<BuildOutcome['localExport']> {
  const local = p.local!
  const freed = await compactLayout(local.dir).catch(() => 0)
  const bytes = await directorySize(local.dir)
  const unchanged = !!restored?.digest && restored.digest === (await cacheManifestDigest(local.dir))
  const state: LocalCacheState = {
    path: local.dir,
    key: local.key,
    scope: p.scope,
    canSave: local.canSave,
    restoredKey: restored?.key,
    unchanged,
    bytes,
    cacheTimeout
  }
  core.saveState(STATE.localCache, JSON.stringify(state))
  return { bytes, freed, unchanged }
}
