/**
 * The run's context: what GitHub's event and GITHUB_* variables say about the branch this
 * build belongs to. Pure: the payload and the environment come in as values.
 */
/** The step's environment, as the runner gives it. */
export type Env = Readonly<Record<string, string | undefined>>

export type RunKind = 'branch' | 'pull-request' | 'merge-queue' | 'tag' | 'unknown'

export interface RunContext {
  event: string
  kind: RunKind
  /** GITHUB_REF as given. */
  ref: string
  sha: string
  repository: string
  /** The branch a `branch` run builds (for workflow_run: the triggering run's branch). */
  branch?: string
  tag?: string
  pullRequest?: number
  /** The pull request's (or merge queue's) target branch. */
  baseBranch?: string
  defaultBranch?: string
  /** The code under build comes from a fork: its cache must not land in the base repository's scopes. */
  fromFork?: boolean
  /** The event's repository is private (build-push-action's default provenance is then min). */
  privateRepository?: boolean
}

type Payload = Record<string, any>

export interface GithubEnv {
  GITHUB_EVENT_NAME?: string
  GITHUB_REF?: string
  GITHUB_SHA?: string
  GITHUB_REPOSITORY?: string
  GITHUB_BASE_REF?: string
  GITHUB_HEAD_REF?: string
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment'])

export function branchOf(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined
}

function tagOf(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined
}

/** `refs/heads/gh-readonly-queue/main/pr-7-<sha>` → { base: 'main', pullRequest: 7 } */
export function parseMergeQueueBranch(branch: string): { base: string; pullRequest?: number } | undefined {
  const match = /^gh-readonly-queue\/(.+)\/pr-(\d+)-[0-9a-f]+$/.exec(branch)
  return match ? { base: match[1], pullRequest: Number(match[2]) } : undefined
}

function isFork(head: string | undefined, base: string | undefined): boolean {
  return head !== undefined && base !== undefined && head !== base
}

function refContext(ref: string): Pick<RunContext, 'kind' | 'branch' | 'tag' | 'baseBranch' | 'pullRequest'> {
  const tag = tagOf(ref)
  if (tag !== undefined) return { kind: 'tag', tag }
  const branch = branchOf(ref)
  if (branch === undefined) return { kind: 'unknown' }
  const queue = parseMergeQueueBranch(branch)
  if (queue) return { kind: 'merge-queue', baseBranch: queue.base, pullRequest: queue.pullRequest }
  return { kind: 'branch', branch }
}

export function runContext(env: GithubEnv, payload: Payload): RunContext {
  const event = env.GITHUB_EVENT_NAME ?? ''
  const ref = env.GITHUB_REF ?? ''
  const common = {
    event,
    ref,
    sha: env.GITHUB_SHA ?? '',
    repository: env.GITHUB_REPOSITORY ?? '',
    defaultBranch: payload.repository?.default_branch as string | undefined,
    ...(payload.repository?.private === true && { privateRepository: true })
  }

  if (PULL_REQUEST_EVENTS.has(event) && payload.pull_request) {
    const pr = payload.pull_request
    return {
      ...common,
      kind: 'pull-request',
      pullRequest: Number(pr.number ?? payload.number),
      baseBranch: pr.base?.ref ?? (env.GITHUB_BASE_REF || undefined),
      branch: pr.head?.ref ?? (env.GITHUB_HEAD_REF || undefined),
      ...(isFork(pr.head?.repo?.full_name, pr.base?.repo?.full_name) && { fromFork: true })
    }
  }
  if (event === 'issue_comment' && payload.issue?.pull_request) {
    // The comment payload does not carry the pull request's base: the shell may look it up.
    return { ...common, kind: 'pull-request', pullRequest: Number(payload.issue.number) }
  }
  if (event === 'merge_group' && payload.merge_group) {
    const fromRef = refContext(payload.merge_group.head_ref ?? ref)
    return {
      ...common,
      kind: 'merge-queue',
      baseBranch: branchOf(payload.merge_group.base_ref) ?? fromRef.baseBranch,
      pullRequest: fromRef.pullRequest
    }
  }
  if (event === 'release' && payload.release?.tag_name) {
    return { ...common, kind: 'tag', tag: payload.release.tag_name }
  }
  // A same-repository pull request's run names its pull request (a fork's lists none).
  const triggeringPullRequest = payload.workflow_run?.pull_requests?.[0]
  if (event === 'workflow_run' && PULL_REQUEST_EVENTS.has(payload.workflow_run.event) && triggeringPullRequest?.number) {
    return {
      ...common,
      kind: 'pull-request',
      pullRequest: Number(triggeringPullRequest.number),
      baseBranch: triggeringPullRequest.base?.ref,
      branch: payload.workflow_run.head_branch
    }
  }
  if (event === 'workflow_run' && payload.workflow_run?.head_branch) {
    const run = payload.workflow_run
    const fromFork = isFork(run.head_repository?.full_name, payload.repository?.full_name)
    return { ...common, kind: 'branch', branch: run.head_branch, ...(fromFork && { fromFork }) }
  }
  return { ...common, ...refContext(ref) }
}
