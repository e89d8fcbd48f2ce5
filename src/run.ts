import { readFile, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as core from '@actions/core'
import * as exec from '@actions/exec'
import type { CacheImport } from './backends/backend.js'
import { type RunContext, runContext } from './context.js'
import { InputError, type Inputs, readInputs } from './inputs.js'
import { cacheManifestDigest, compactLayout, directorySize } from './oci-layout.js'
import { type Env, type Plan, displayCommand, invocationOf, maskSecrets, plan, specsOf, withoutExport } from './plan.js'
import { type BuildReport, hitRatio } from './progress.js'
import { TOOLS } from './tools/index.js'
import { chooseImport } from './import-choice.js'
import { tagInlineCache } from './inline-tag.js'
import { type Restored, restoreLocalCache } from './local-cache.js'
import { LOCAL_STATE, type LocalCacheState } from './local-state.js'
import { actionsCachesExist, lookUpMissingBranches } from './github-api.js'
import { type BuildOutcome, sourceOf, writeSummary } from './summary.js'
import type { Invocation } from './tools/tool.js'
import { cleanUpClosedPullRequest } from './cleanup.js'
import { runWatched } from './build-process.js'
import { readProbes, silentRead } from './cache-probe.js'
import { type CacheFailure, CacheWatch, type Stall, dedupe, failedScopes, failureWarning, importFailures, plainEvents, rawJsonEvents, readCacheTimeout, reasonOf, withGhaTimeout } from './cache-watch.js'
import { DRIVER_CANNOT_EXPORT, type DriverFallbackOptions, currentBuilder, fitPlanToBuilder, planForDockerDriver, readFileOrUndefined } from './builder-driver.js'

async function readPayload(path: string | undefined): Promise<Record<string, any>> {
  if (!path) return {}
  try {
    return JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    core.warning(`Could not read the event payload (${(error as Error).message}); resolving the scope from GITHUB_REF alone.`)
    return {}
  }
}

function logPlan(p: Plan): void {
  const c = p.context
  core.info(`event: ${c.event} (${c.kind}${c.pullRequest ? ` #${c.pullRequest}` : ''}), ref ${c.ref || 'unset'}`)
  core.info(`base branch: ${c.baseBranch ?? '-'}, default branch: ${c.defaultBranch ?? '-'}`)
  core.info(`backend: ${p.backend}, builder: ${p.tool}, own scope: ${p.scope || '(none)'}`)
  core.info(`import chain: ${p.chain.map(s => s.id).join(' → ') || '(none)'}${p.importReason ? ` (import skipped: ${p.importReason})` : ''}`)
  core.info(`export: ${p.cacheExport ? 'yes' : 'no'} (${p.exportReason})`)
  for (const line of p.details) core.info(line)
}

/** Where the driver cannot serve the backend, fail with the fix instead of BuildKit's "unknown cache exporter". */
async function requireBuildKitDriver(p: Plan, env: Env): Promise<void> {
  const args = ['buildx', 'inspect', ...(p.request.builder ? [p.request.builder] : [])]
  const { stdout, exitCode } = await exec.getExecOutput('docker', args, { silent: true, ignoreReturnCode: true, env: env as Record<string, string> })
  const driver = /^Driver:\s*(\S+)/m.exec(stdout)?.[1]
  if (exitCode === 0 && driver === 'docker') {
    throw new InputError(
      `Input "cache-backend": ${p.backend} needs a builder with the docker-container or remote driver, but builder "${p.request.builder ?? 'default'}" uses the docker driver; add docker/setup-buildx-action before this step, or set builder: to a remote builder.`
    )
  }
}

/** envd without --output loads the image into Docker: say what to do before it fails after building. */
async function requireDockerEngine(env: Env): Promise<void> {
  const probe = await exec.getExecOutput('docker', ['version', '--format', '{{.Server.Version}}'], { silent: true, ignoreReturnCode: true, env: env as Record<string, string> }).catch(() => undefined)
  if (probe?.exitCode !== 0) {
    throw new InputError('Input "outputs": envd needs an output when no Docker engine answers, e.g. "type=image,name=<ref>,push=true" or "type=oci,dest=<file>".')
  }
}

async function prepareTool(p: Plan, env: Env): Promise<void> {
  const alternatives = TOOLS[p.tool].prepare?.(p.request) ?? []
  let lastError = ''
  for (const step of alternatives) {
    const result = await exec.getExecOutput(step.file, step.args, { silent: true, ignoreReturnCode: true, env: { ...(env as Record<string, string>), ...step.env } })
    if (result.exitCode === 0) return core.info(`builder: ${[step.file, ...step.args].join(' ')}`)
    lastError = (result.stderr || result.stdout).trim().split('\n').pop() ?? ''
  }
  if (alternatives.length) throw new InputError(`Input "builder": could not use "${p.request.builder}" (${lastError}).`)
}

/**
 * BuildKit sets up a cache exporter before it builds anything, and a setup that fails (the
 * azblob exporter cannot reach its storage account) fails the whole build, ignore-error or
 * not. buildx then reports only that its job vanished.
 */
const EXPORTER_SETUP_FAILED = /failed to configure \S+ cache exporter|failed to receive status: .*no such job/

interface BuildRun {
  exitCode: number
  report: BuildReport
  denied: boolean
  exporterSetupFailed: boolean
  /** buildx refused the cache export: the builder's docker driver cannot do it (no containerd image store). */
  driverCannotExport?: boolean
  /** Cache traffic made no progress for cache-timeout: the action stopped the build. */
  stall?: Stall
}

/** cache-timeout in seconds (0: unwatched), set once per run before the first build. */
let cacheTimeout = 0
/** A cache layer download slower than this counts as no progress. */
const MIN_BYTES_PER_SECOND = 16 * 1024

/**
 * The rebuild after a stalled import: BuildKit goes on fetching the stopped build's layers (it
 * does so outside the build's context), and a build of the same steps joins those steps and
 * waits with them. buildx's --no-cache steps never join steps that may use the cache.
 */
let apartFromStoppedBuild = false

function withNoCache(invocation: Invocation, p: Plan): Invocation {
  if (!apartFromStoppedBuild || p.tool !== 'buildx' || invocation.args.includes('--no-cache')) return invocation
  const at = invocation.args.indexOf('build') + 1
  return { ...invocation, args: [...invocation.args.slice(0, at), '--no-cache', ...invocation.args.slice(at)] }
}

async function runBuild(given: Invocation, p: Plan, env: Env): Promise<BuildRun> {
  const invocation = withNoCache(given, p)
  const reader = TOOLS[p.tool].progress()
  let denied = false
  let exporterSetupFailed = false
  let driverCannotExport = false
  const onLine = (line: string) => {
    if (/cache write denied/i.test(line)) denied = true
    if (EXPORTER_SETUP_FAILED.test(line)) exporterSetupFailed = true
    if (DRIVER_CANNOT_EXPORT.test(line)) driverCannotExport = true
    for (const out of reader.line(line)) core.info(out)
  }
  const importing = invocation.args.some(arg => arg === '--cache-from' || arg === '--import-cache')
  const watcher = new CacheWatch({ timeoutMs: cacheTimeout * 1000, minBytesPerSecond: MIN_BYTES_PER_SECOND, importing })
  const events = p.tool === 'buildx' ? rawJsonEvents : plainEvents
  const watch = cacheTimeout > 0 ? { watcher, feed: (line: string, now: number) => events(line).forEach(e => watcher.feed(e, now)) } : undefined
  const { exitCode, stall } = await core.group(`Build: ${displayCommand(invocation, p.secrets)}`, () =>
    runWatched(invocation.file, invocation.args, { ...(env as Record<string, string>), ...invocation.env }, onLine, watch)
  )
  return { exitCode, report: reader.report(), denied, exporterSetupFailed, driverCannotExport, stall }
}

/** A build that failed before any step because its cache export could not be set up runs again without it. */
async function buildWithFallback(p: Plan, chosen: readonly CacheImport[], env: Env, driver: DriverFallbackOptions): Promise<{ p: Plan; run: BuildRun }> {
  const first = await runBuild(invocationOf(p, chosen, env), p, env)
  if (first.exitCode !== 0 && first.driverCannotExport && first.report.totalSteps === 0) {
    const builder = p.request.builder ?? currentBuilder(readFileOrUndefined, env).name
    const retry = await planForDockerDriver(p, builder, env, driver)
    announceReplan(retry, retry.imports, env)
    return { p: retry, run: await runBuild(invocationOf(retry, retry.imports, env), retry, env) }
  }
  if (first.exitCode === 0 || !first.exporterSetupFailed || !p.exports.length || first.report.totalSteps > 0) return { p, run: first }
  const fallback = withoutExport(p, `the ${p.backend} cache export could not be set up (its server did not answer)`)
  const invocation = invocationOf(fallback, chosen, env)
  core.warning(`BuildKit could not set up the ${p.backend} cache export and stopped before building (ignore-error does not cover that): building again without exporting the cache.`)
  core.setOutput('cache-to', '')
  core.setOutput('cache-export', 'false')
  core.setOutput('command', displayCommand(invocation, p.secrets))
  return { p: fallback, run: await runBuild(invocation, fallback, env) }
}

/** The outputs that describe the build's cache and command, after the plan changed before the build. */
function announceReplan(p: Plan, chosen: readonly CacheImport[], env: Env): void {
  core.setOutput('cache-from', maskSecrets(specsOf(chosen.map(i => i.attributes)).join('\n'), p.secrets))
  core.setOutput('cache-to', maskSecrets(specsOf(p.exports).join('\n'), p.secrets))
  core.setOutput('cache-export', String(p.cacheExport))
  core.setOutput('command', displayCommand(invocationOf(p, chosen, env), p.secrets))
}

async function readMetadata(path: string): Promise<{ text: string; digest?: string }> {
  try {
    const text = await readFile(path, 'utf8')
    return { text, digest: JSON.parse(text)['containerimage.digest'] }
  } catch {
    return { text: '' }
  }
}

/** Which scope the cached steps came from: the first chain entry BuildKit found a manifest in. */
function cacheSource(p: Plan, report: BuildReport, chosen: readonly CacheImport[], restoredKey?: string): string {
  if (report.cachedSteps === 0) return 'none'
  // The local directory came from one scope's saved cache: its restore key says which.
  const restoredFrom = restoredKey && p.local?.restoreKeys.findIndex(prefix => restoredKey.startsWith(prefix))
  if (typeof restoredFrom === 'number' && restoredFrom >= 0) return p.chain[restoredFrom]?.id ?? 'unknown'
  const found = p.chain.find(scope => report.imports.some(i => i.found && sourceOf(i.source, scope)))
  if (found) return found.id
  // A tool that imports one candidate (envd) does not log the import: the chosen one is the source.
  const single = TOOLS[p.tool].traits.singleImport && chosen.length === 1 ? p.chain.find(scope => scope.location === chosen[0].label) : undefined
  return single?.id ?? 'unknown'
}

/**
 * Which scopes of a gha chain held a cache, listed through the REST API beside the build (so
 * it costs the build no time). Without a token allowed to list caches, the marks stay ?.
 */
async function lookUpChainIndexes(p: Plan, token: string | undefined, context: RunContext, env: Env): Promise<boolean[] | undefined> {
  if (!token || !p.chain.length || !p.chain.every(scope => scope.indexKey)) return undefined
  try {
    return await actionsCachesExist(token, env, context, p.chain.map(scope => ({ key: scope.indexKey!, ref: scope.ref })), new Date())
  } catch (error) {
    core.info(`Could not list the chain's caches (${(error as Error).message}); the summary marks them ?. "permissions: actions: read" allows it.`)
    return undefined
  }
}

export async function runMain(): Promise<void> {
  try {
    const inputs = readInputs(name => core.getInput(name))
    const env: Env = { ...process.env, RUNNER_TEMP: process.env.RUNNER_TEMP || tmpdir() }
    const payload = await readPayload(env.GITHUB_EVENT_PATH)
    const context = await lookUpMissingBranches(runContext(env, payload), inputs.githubToken, env)
    if (inputs.cleanup) return await cleanUpClosedPullRequest(inputs, context, env, payload.action)
    await build(inputs, context, env)
  } catch (error) {
    core.setFailed(error instanceof InputError ? error.message : `${(error as Error).message}`)
  }
}

/** gha specs get BuildKit's `timeout` from cache-timeout, so its retry loop (429) ends as soon. */
function withCacheTimeout(p: Plan, seconds: number): Plan {
  return { ...p, imports: p.imports.map(i => ({ ...i, attributes: withGhaTimeout(i.attributes, seconds) })), exports: p.exports.map(e => withGhaTimeout(e, seconds)) }
}

/** Every cache import or export of these runs that failed for a reason other than "nothing there yet". */
function cacheFailures(p: Plan, chosen: readonly CacheImport[], runs: readonly BuildRun[], denied: boolean): CacheFailure[] {
  const attr = (i: CacheImport, key: string) => i.attributes.find(([k]) => k === key)?.[1]
  // envd imports the one chosen candidate: that is the scope any failed import line is about.
  const chain = TOOLS[p.tool].traits.singleImport
    ? chosen.map(i => ({ id: p.chain.find(s => s.location === i.label)?.id ?? i.label, location: attr(i, 'type') === 'registry' ? attr(i, 'ref') : undefined }))
    : p.chain.map(s => ({ id: s.id, location: s.location }))
  // A run the action stopped for a stall: its canceled vertices are the stall's warning, not more.
  const failures = runs.flatMap(run => [
    ...(run.stall ? [] : importFailures(p.backend, chain, run.report.imports)),
    ...(run.stall?.phase === 'export' ? [] : run.report.exportErrors)
      .filter(error => !(denied && /cache write denied/i.test(error)))
      .map(error => ({ kind: 'export' as const, backend: p.backend, scopes: [p.scope || '(own)'], ambiguous: false, reason: reasonOf(error) }))
  ])
  return dedupe(failures)
}

/** Which chain scopes a stalled import was about: the one it names, else all (the import was dropped). */
function stalledScopes(p: Plan, stall: Stall): string[] {
  const named = p.chain.filter(s => s.location && stall.what.includes(s.location))
  return (named.length ? named : p.chain).map(s => s.id)
}

async function build(inputs: Inputs, context: RunContext, env: Env): Promise<void> {
  cacheTimeout = readCacheTimeout(name => core.getInput(name))
  let p = withCacheTimeout(plan(inputs, context, env), cacheTimeout)
  for (const secret of p.secrets) core.setSecret(secret)
  await core.group('Cache plan', async () => logPlan(p))
  for (const warning of p.warnings) core.warning(warning)
  for (const notice of p.notices) core.notice(notice)

  // envd's one import is chosen by looking into the local directory: restore it first, or
  // the probe finds nothing and a restored cache goes unused. A dry run restores nothing.
  const restored = p.local && !inputs.dryRun ? await restoreLocalCache(p) : undefined
  // buildx's docker driver on an engine without the containerd image store: fit the plan to it first.
  const driver: DriverFallbackOptions = { fallback: inputs.driverFallback, driverOpts: inputs.driverFallbackOpts }
  if (!inputs.dryRun) p = await fitPlanToBuilder(p, env, driver)
  const chosen = TOOLS[p.tool].traits.singleImport ? await chooseImport(p) : p.imports
  const invocation = invocationOf(p, chosen, env)
  const command = displayCommand(invocation, p.secrets)
  core.setOutput('scope', p.scope)
  // envd carries the gha token as a spec attribute: later steps read these outputs, never the token.
  core.setOutput('cache-from', maskSecrets(specsOf(chosen.map(i => i.attributes)).join('\n'), p.secrets))
  core.setOutput('cache-to', maskSecrets(specsOf(p.exports).join('\n'), p.secrets))
  core.setOutput('cache-export', String(p.cacheExport))
  core.setOutput('command', command)
  if (inputs.dryRun) {
    core.info(`dry-run: ${command}`)
    await writeSummary(p, { dryRun: true, chosen })
    return
  }
  if (p.needsBuildKitDriver) await requireBuildKitDriver(p, env)
  await prepareTool(p, env)
  if (TOOLS[p.tool].needsDockerEngine?.(p.request)) await requireDockerEngine(env)

  const problems: string[] = []
  const stalled = new Set<string>()
  let used = chosen
  const started = Date.now()
  // A cache server that does not answer BuildKit's first read would hold BuildKit itself (see cache-probe.ts).
  const silent = cacheTimeout > 0 && chosen.length ? await silentRead(readProbes(chosen, env as Record<string, string | undefined>), cacheTimeout * 1000) : undefined
  if (silent) {
    for (const scope of p.chain) stalled.add(scope.id)
    problems.push(
      `Cache import (${p.backend}) stalled: ${silent.what} did not answer within cache-timeout (${cacheTimeout} s). The build runs without importing${p.exports.length ? ' or exporting' : ''} the cache (BuildKit would wait on the server with every build of its builder).`
    )
    used = []
    p = withoutExport(p, `the ${p.backend} cache did not answer a read within cache-timeout`)
    announceReplan(p, used, env)
  }
  const indexLookup = lookUpChainIndexes(p, inputs.githubToken, context, env)
  // A file left by an earlier build of this step (a re-run) must not pass for this build's digest.
  await rm(p.request.metadataFile, { force: true })
  let built = await buildWithFallback(p, used, env, driver)
  const runs = [built.run]
  const stall = built.run.stall
  if (stall) {
    const what = `${stall.what} made no progress for ${stall.idleSeconds} s (cache-timeout: ${cacheTimeout} s)`
    if (stall.phase === 'export' && stall.resultWritten) {
      problems.push(`Cache export to scope ${p.scope || '(own)'} (${p.backend}) stalled: ${what}. The action stopped it; the build's result is kept, its cache was not saved.`)
      built = { ...built, run: { ...built.run, exitCode: 0 } }
    } else if (stall.phase === 'import') {
      for (const id of stalledScopes(p, stall)) stalled.add(id)
      problems.push(`Cache import (${p.backend}) stalled: ${what}. The action stopped the build and built again without importing the cache${p.tool === 'buildx' ? " (with --no-cache: BuildKit goes on fetching the stopped build's layers, and a build of the same steps would wait for them)" : ''}.`)
      used = []
      core.setOutput('cache-from', '')
      apartFromStoppedBuild = true
      built = await buildWithFallback(built.p, used, env, driver)
      runs.push(built.run)
    } else {
      problems.push(`Cache export to scope ${p.scope || '(own)'} (${p.backend}) stalled before the build's result was written: ${what}. The action stopped the build and built again without exporting the cache.`)
      const without = withoutExport(built.p, `the ${p.backend} cache export stalled (cache-timeout)`)
      core.setOutput('cache-to', '')
      core.setOutput('cache-export', 'false')
      built = { p: without, run: await runBuild(invocationOf(without, used, env), without, env) }
      runs.push(built.run)
    }
    // Only a rebuild can stall again: the first run's stall is said above.
    const again = runs.length > 1 ? built.run.stall : undefined
    if (again?.phase === 'export' && again.resultWritten) {
      problems.push(`Cache export to scope ${p.scope || '(own)'} (${p.backend}) stalled: ${again.what} made no progress for ${again.idleSeconds} s. The action stopped it; the build's result is kept, its cache was not saved.`)
      built = { ...built, run: { ...built.run, exitCode: 0 } }
    } else if (again) problems.push(`The build stalled again on cache traffic (${again.what}); it was stopped.`)
  }
  if (runs.some(r => r.stall?.phase === 'export')) core.setOutput('cache-export', 'false')
  p = built.p
  const { exitCode, report } = built.run
  if (exitCode === 0) await tagInlineCache(p)
  const denied = runs.some(r => r.denied)
  const failures = cacheFailures(p, chosen, runs, denied)
  for (const failure of failures) problems.push(failureWarning(failure))
  const buildSeconds = (Date.now() - started) / 1000
  const metadata = await readMetadata(p.request.metadataFile)

  core.setOutput('digest', metadata.digest ?? '')
  core.setOutput('metadata', metadata.text)
  core.setOutput('cached-steps', String(report.cachedSteps))
  core.setOutput('total-steps', String(report.totalSteps))
  core.setOutput('cache-hit-ratio', hitRatio(report))
  for (const problem of problems) core.warning(problem)
  if (denied) core.warning('The cache service denied the cache write (cache write denied): this run could not save its cache; the build went on.')

  const source = cacheSource(p, report, used, restored?.key)
  core.setOutput('cache-source', source)
  const failed = new Set([...failedScopes(failures), ...stalled])
  const outcome: BuildOutcome = { chosen: used, report, buildSeconds, exitCode, restored, cacheSource: source, indexFound: await indexLookup, failed, problems }
  if (exitCode === 0 && p.local && p.cacheExport) outcome.localExport = await settleLocalExport(p, restored)
  await writeSummary(p, outcome)
  if (exitCode !== 0) core.setFailed(`${invocation.file} ${invocation.args[0]} failed with exit code ${exitCode}.`)
}

/**
 * buildx exported into a fresh directory: it replaces the restored one, so dead blobs never
 * pile up. envd exported into the restored directory: compact it. The post step saves it.
 */
async function settleLocalExport(p: Plan, restored: Restored | undefined): Promise<BuildOutcome['localExport']> {
  const local = p.local!
  const rotates = local.exportDir !== local.importDir
  if (rotates) {
    await rm(local.importDir, { recursive: true, force: true })
    await rename(local.exportDir, local.importDir)
  }
  const freed = rotates ? 0 : await compactLayout(local.importDir).catch(() => 0)
  const bytes = await directorySize(local.importDir)
  const unchanged = !!restored?.digest && restored.digest === (await cacheManifestDigest(local.importDir))
  const state: LocalCacheState = { path: local.importDir, key: local.key, canSave: local.canSave, restoredKey: restored?.key, unchanged, bytes }
  core.saveState(LOCAL_STATE, JSON.stringify(state))
  return { bytes, freed, unchanged }
}
