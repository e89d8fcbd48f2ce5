// Runs the action (dist/, as the runner runs it) on the test bed for the events of a
// branch's life: a push to a branch, a pull request's build. Each call names the event; the
// runtime token is minted as GitHub would for that event (own ref read+write, base and
// default branch readable), and the cache service is the bed's stand-in.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { mintRuntimeToken, pullRequestToken, pushToken } from './cache-service/token.js'
import { type TestbedEnv, envdEnv, testbedEnv, toolEnv } from './env.js'
import { type RunResult, runAction } from './runner.js'

const run = promisify(execFile)
const REPOSITORY = 'octo-org/octo-repo'

export type Protocol = 'v1' | 'v2'

export interface ScenarioOptions {
  bed?: TestbedEnv
  protocol?: Protocol
  /** RUNNER_TEMP kept across runs, as on a runner whose temp path never changes (local backend). */
  runnerTemp?: string
  /** Extra environment for the action, e.g. ACTIONS_CACHE_MODE; undefined deletes a variable. */
  env?: Record<string, string | undefined>
  /** A runtime token other than the event's own. */
  token?: string
  /** Run the action with envd's private HOME (envd contexts live there). */
  envd?: boolean
  sha?: string
  /** The node binary that runs the action (default: the one running the tests). */
  node?: string
  /** The action to run (default: this checkout's action.yml and dist/). */
  actionDir?: string
  /** Each step is stopped after this long, as the runner stops a cancelled job (SIGINT to its process group). */
  timeoutMs?: number
}

function repositoryPayload() {
  return { full_name: REPOSITORY, name: 'octo-repo', owner: { login: 'octo-org' }, default_branch: 'main', id: 123456 }
}

/** A fresh job on a runner whose temp path never changes: same path, nothing left in it. */
function freshRunnerTemp(o: ScenarioOptions): void {
  if (!o.runnerTemp) return
  rmSync(o.runnerTemp, { recursive: true, force: true })
  mkdirSync(o.runnerTemp, { recursive: true })
}

function baseEnv(o: ScenarioOptions, token: string): Record<string, string | undefined> {
  freshRunnerTemp(o)
  const bed = o.bed ?? testbedEnv()
  const tools = o.envd ? envdEnv(bed) : toolEnv(bed)
  const service = bed.cacheService?.url ?? ''
  const protocolEnv =
    (o.protocol ?? 'v2') === 'v2' ? { ACTIONS_RESULTS_URL: service, ACTIONS_CACHE_SERVICE_V2: 'true' } : { ACTIONS_CACHE_URL: service }
  return {
    PATH: tools.PATH,
    HOME: tools.HOME,
    DOCKER_HOST: tools.DOCKER_HOST,
    DOCKER_CONFIG: tools.DOCKER_CONFIG,
    ENVD_ANALYTICS: 'false',
    ACTIONS_RUNTIME_TOKEN: token,
    // What `${{ github.token }}` (the github-token input's default) is in a job.
    GITHUB_TOKEN: 'ghs_testbed_job_token',
    GITHUB_API_URL: service.replace(/\/$/, ''),
    ...protocolEnv,
    ...(o.runnerTemp && { RUNNER_TEMP: o.runnerTemp }),
    ...o.env
  }
}

/** A push of `ref` (a branch or a tag) on commit `sha`, run with `token`. */
function pushRun(ref: string, inputs: Record<string, string>, o: ScenarioOptions, sha: string, token: string): Promise<RunResult> {
  return runAction({
    inputs,
    actionDir: o.actionDir,
    node: o.node,
    timeoutMs: o.timeoutMs,
    eventName: 'push',
    ref,
    sha,
    repository: REPOSITORY,
    payload: { ref, after: sha, repository: repositoryPayload(), head_commit: { id: sha } },
    env: baseEnv(o, token)
  })
}

/**
 * A pull_request event (`action`: synchronize, closed, ...) of pull request `n` into `base`; or
 * a pull_request_target one, which runs on the base branch's ref with a token for that ref.
 */
function pullRequestRun(
  n: number,
  base: string,
  inputs: Record<string, string>,
  o: ScenarioOptions,
  action: string,
  state: Record<string, unknown>,
  eventName: 'pull_request' | 'pull_request_target' = 'pull_request'
): Promise<RunResult> {
  const sha = o.sha ?? 'b'.repeat(40)
  const head = `feature/pr-${n}`
  const target = eventName === 'pull_request_target'
  const token = o.token ?? (target ? pushToken(base, 'main') : pullRequestToken(n, base, 'main'))
  return runAction({
    inputs,
    actionDir: o.actionDir,
    node: o.node,
    eventName,
    ref: target ? `refs/heads/${base}` : `refs/pull/${n}/merge`,
    sha,
    headRef: head,
    baseRef: base,
    repository: REPOSITORY,
    payload: {
      action,
      number: n,
      pull_request: {
        number: n,
        ...state,
        head: { ref: head, sha: 'c'.repeat(40), repo: { full_name: REPOSITORY } },
        base: { ref: base, sha: 'd'.repeat(40), repo: { full_name: REPOSITORY } }
      },
      repository: repositoryPayload()
    },
    env: baseEnv(o, token)
  })
}

/** A push of `branch`: the build the default branch (or any branch) runs. */
export function pushBuild(branch: string, inputs: Record<string, string>, o: ScenarioOptions = {}): Promise<RunResult> {
  return pushRun(`refs/heads/${branch}`, inputs, o, o.sha ?? 'a'.repeat(40), o.token ?? pushToken(branch, 'main'))
}

/** A pull_request (synchronize) build of pull request `n` into `base`. */
export function pullRequestBuild(n: number, base: string, inputs: Record<string, string>, o: ScenarioOptions = {}): Promise<RunResult> {
  return pullRequestRun(n, base, inputs, o, 'synchronize', { state: 'open' })
}

/** A pull_request_target (synchronize) build of pull request `n` into `base`, with a writable token for `base`. */
export function pullRequestTargetBuild(
  n: number,
  base: string,
  inputs: Record<string, string>,
  o: ScenarioOptions = {}
): Promise<RunResult> {
  return pullRequestRun(n, base, inputs, o, 'synchronize', { state: 'open' }, 'pull_request_target')
}

/** A pull_request_target event with action `closed` (the clean-up trigger that works for forks). */
export function closedPullRequestTargetRun(
  n: number,
  base: string,
  inputs: Record<string, string>,
  o: ScenarioOptions = {}
): Promise<RunResult> {
  return pullRequestRun(n, base, inputs, o, 'closed', { state: 'closed', merged: true }, 'pull_request_target')
}

/** Drops BuildKit's local state, so the next build has only the remote cache. */
export async function pruneBuildKit(builder?: string, bed: TestbedEnv = testbedEnv()): Promise<void> {
  const env = toolEnv(bed)
  await run('docker', ['buildx', 'prune', ...(builder ? ['--builder', builder] : []), '-af'], { env })
  if (!builder) await run('docker', ['image', 'prune', '-af'], { env })
}

/** Drops the standalone buildkitd's state (envd builds there). */
export async function pruneStandalone(bed: TestbedEnv = testbedEnv()): Promise<void> {
  await run('buildctl', ['--addr', bed.buildkitdAddr, 'prune', '--all'], { env: toolEnv(bed) })
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** What a user reads from a run: the outputs that tell whether the cache worked. */
export function cacheFigures(result: RunResult) {
  // A failed step's log belongs in the test output, not in a diff of numbers.
  if (result.main.exitCode !== 0) console.log(`action failed:\n${result.log}\n${result.main.stderr}`)
  return {
    exitCode: result.main.exitCode,
    cached: Number(result.outputs['cached-steps']),
    total: Number(result.outputs['total-steps']),
    source: result.outputs['cache-source'],
    exported: result.outputs['cache-export']
  }
}

/** A push of tag `tag` on commit `sha` (default: the commit pushBuild uses). */
export function tagBuild(tag: string, inputs: Record<string, string>, o: ScenarioOptions = {}): Promise<RunResult> {
  const ref = `refs/tags/${tag}`
  const token =
    o.token ??
    mintRuntimeToken({
      scopes: [
        { ref, permission: 3 },
        { ref: 'refs/heads/main', permission: 1 }
      ]
    })
  return pushRun(ref, inputs, o, o.sha ?? 'a'.repeat(40), token)
}

/** A pull_request event with action `closed` for pull request `n` into `base` (merged unless told). */
export function closedPullRequestRun(
  n: number,
  base: string,
  inputs: Record<string, string>,
  o: ScenarioOptions & { merged?: boolean } = {}
): Promise<RunResult> {
  return pullRequestRun(n, base, inputs, o, 'closed', { state: 'closed', merged: o.merged ?? true })
}

/**
 * pushBuild and pullRequestBuild for the action in `actionDir` (e.g. a copy of one commit's
 * action.yml and dist/, so that a rebuild of the working tree's dist/ cannot change it midway).
 */
export function actionAt(actionDir: string) {
  return {
    push: (branch: string, inputs: Record<string, string>, o: ScenarioOptions = {}) => pushBuild(branch, inputs, { ...o, actionDir }),
    pullRequest: (n: number, base: string, inputs: Record<string, string>, o: ScenarioOptions = {}) =>
      pullRequestBuild(n, base, inputs, { ...o, actionDir })
  }
}

/** An entry of the cache-service stand-in, as its admin API lists it. */
export interface ServiceEntry {
  id: number
  ref: string
  key: string
  size: number
  committed: boolean
}

/** Every entry the cache-service stand-in holds, under every ref. */
export async function serviceEntries(bed: TestbedEnv = testbedEnv()): Promise<ServiceEntry[]> {
  const res = await fetch(`${bed.cacheService!.url}_admin/entries`)
  if (!res.ok) throw new Error(`admin entries: ${res.status}`)
  return (await res.json()) as ServiceEntry[]
}
