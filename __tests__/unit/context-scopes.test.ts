import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { type GithubEnv, type RunContext, parseMergeQueueBranch, runContext } from '../../src/core/context.js'
import { scopeChain } from '../../src/core/scopes.js'
import { safeName } from '../../src/core/names.js'

const eventsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/events')
const event = (file: string): Record<string, any> => JSON.parse(readFileSync(path.join(eventsDir, file), 'utf8'))

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246'
const QUEUE_REF = 'refs/heads/gh-readonly-queue/main/pr-7-ec26c3e57ca3a959ca5aad62de7213c562f8c821'

/** The variables the runner sets for each event (HEAD/BASE_REF are empty outside pull request events). */
function env(name: string, ref: string, headRef = '', baseRef = ''): GithubEnv {
  return {
    GITHUB_EVENT_NAME: name,
    GITHUB_REF: ref,
    GITHUB_HEAD_REF: headRef,
    GITHUB_BASE_REF: baseRef,
    GITHUB_SHA: SHA,
    GITHUB_REPOSITORY: 'octo-org/app'
  }
}

interface Row {
  title: string
  env: GithubEnv
  fixture: string
  kind: RunContext['kind']
  /** Own scope as a git ref, or undefined when the run has none. */
  own?: string
  /** The import chain as the refs whose caches are read, in order. */
  imports: string[]
  exports: boolean
}

const rows: Row[] = [
  {
    title: 'push to a branch',
    env: env('push', 'refs/heads/feature/login'),
    fixture: 'push.json',
    kind: 'branch',
    own: 'refs/heads/feature/login',
    imports: ['refs/heads/feature/login', 'refs/heads/main'],
    exports: true
  },
  {
    title: 'push to the default branch',
    env: env('push', 'refs/heads/main'),
    fixture: 'push.json',
    kind: 'branch',
    own: 'refs/heads/main',
    imports: ['refs/heads/main'],
    exports: true
  },
  {
    title: 'pull_request opened',
    env: env('pull_request', 'refs/pull/7/merge', 'feature/login', 'main'),
    fixture: 'pull_request.opened.json',
    kind: 'pull-request',
    own: 'refs/pull/7/merge',
    imports: ['refs/pull/7/merge', 'refs/heads/main'],
    exports: true
  },
  {
    title: 'pull_request from a fork into a release branch',
    env: env('pull_request', 'refs/pull/12/merge', 'main', 'release/2.x'),
    fixture: 'pull_request.fork.json',
    kind: 'pull-request',
    own: 'refs/pull/12/merge',
    imports: ['refs/pull/12/merge', 'refs/heads/release/2.x', 'refs/heads/main'],
    exports: true
  },
  {
    // Runs in the base repository's context: pr-7 is written (and read) under the base branch's ref.
    title: 'pull_request_target',
    env: env('pull_request_target', 'refs/heads/main', 'patch-1', 'main'),
    fixture: 'pull_request_target.json',
    kind: 'pull-request',
    own: 'refs/heads/main',
    imports: ['refs/heads/main', 'refs/heads/main'],
    exports: true
  },
  {
    // The comment payload does not name the pull request's base: the chain falls back to the default branch.
    title: 'issue_comment on a pull request',
    env: env('issue_comment', 'refs/heads/main'),
    fixture: 'issue_comment.pr.json',
    kind: 'pull-request',
    own: 'refs/heads/main',
    imports: ['refs/heads/main', 'refs/heads/main'],
    exports: true
  },
  {
    title: 'merge_group',
    env: env('merge_group', QUEUE_REF),
    fixture: 'merge_group.json',
    kind: 'merge-queue',
    imports: ['refs/heads/main'],
    exports: false
  },
  {
    title: 'push of a tag',
    env: env('push', 'refs/tags/v1.2.0'),
    fixture: 'push-tag.json',
    kind: 'tag',
    imports: ['refs/heads/main'],
    exports: false
  },
  {
    title: 'release published',
    env: env('release', 'refs/tags/v1.2.0'),
    fixture: 'release.json',
    kind: 'tag',
    imports: ['refs/heads/main'],
    exports: false
  },
  {
    title: 'workflow_dispatch on a tag',
    env: env('workflow_dispatch', 'refs/tags/v1.2.0'),
    fixture: 'workflow_dispatch.tag.json',
    kind: 'tag',
    imports: ['refs/heads/main'],
    exports: false
  },
  {
    title: 'schedule on a tag',
    env: env('schedule', 'refs/tags/v1.2.0'),
    fixture: 'schedule.json',
    kind: 'tag',
    imports: ['refs/heads/main'],
    exports: false
  },
  {
    title: 'schedule (on the default branch)',
    env: env('schedule', 'refs/heads/main'),
    fixture: 'schedule.json',
    kind: 'branch',
    own: 'refs/heads/main',
    imports: ['refs/heads/main'],
    exports: true
  },
  {
    title: 'workflow_dispatch on a branch',
    env: env('workflow_dispatch', 'refs/heads/release/2.x'),
    fixture: 'workflow_dispatch.json',
    kind: 'branch',
    own: 'refs/heads/release/2.x',
    imports: ['refs/heads/release/2.x', 'refs/heads/main'],
    exports: true
  },
  {
    title: 'repository_dispatch',
    env: env('repository_dispatch', 'refs/heads/main'),
    fixture: 'repository_dispatch.json',
    kind: 'branch',
    own: 'refs/heads/main',
    imports: ['refs/heads/main'],
    exports: true
  },
  {
    title: 'workflow_run from a branch of the same repository',
    env: env('workflow_run', 'refs/heads/main'),
    fixture: 'workflow_run.json',
    kind: 'branch',
    own: 'refs/heads/main',
    imports: ['refs/heads/main', 'refs/heads/main'],
    exports: true
  },
  {
    // A fork's `main` is not this repository's `main`: it may read, never write.
    title: 'workflow_run from a fork',
    env: env('workflow_run', 'refs/heads/main'),
    fixture: 'workflow_run.fork.json',
    kind: 'branch',
    own: 'refs/heads/main',
    imports: ['refs/heads/main'],
    exports: false
  }
]

describe('run context and scope chain per event', () => {
  it.each(rows.map(row => [row.title, row] as const))('%s', (_title, row) => {
    const context = runContext(row.env, event(row.fixture))
    const chain = scopeChain(context, [])

    expect(context.kind).toBe(row.kind)
    expect(context.event).toBe(row.env.GITHUB_EVENT_NAME)
    expect(context.sha).toBe(SHA)
    expect(context.repository).toBe('octo-org/app')
    expect(chain.own?.ref).toBe(row.own)
    expect(chain.imports.map(scope => scope.ref)).toEqual(row.imports)
    expect(chain.eventExports).toBe(row.exports)
    expect(chain.eventReason).not.toBe('')
    expect(chain.eventReason).not.toContain('\n')
    // The own scope, when there is one, is always the first import.
    if (chain.own) expect(chain.imports[0]).toEqual(chain.own)
    // Every scope name is of the tag grammar.
    for (const scope of chain.imports) expect(scope.name).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
  })
})

describe('run context details', () => {
  it('push: the branch from GITHUB_REF, the default branch from the payload', () => {
    expect(runContext(env('push', 'refs/heads/feature/login'), event('push.json'))).toMatchObject({
      kind: 'branch',
      branch: 'feature/login',
      defaultBranch: 'main',
      ref: 'refs/heads/feature/login'
    })
  })

  it('pull_request: number, head and base from the payload', () => {
    const context = runContext(env('pull_request', 'refs/pull/7/merge', 'feature/login', 'main'), event('pull_request.opened.json'))
    expect(context).toMatchObject({
      kind: 'pull-request',
      pullRequest: 7,
      branch: 'feature/login',
      baseBranch: 'main',
      defaultBranch: 'main'
    })
    expect(context.fromFork).toBeUndefined()
  })

  it('pull_request from a fork is marked as such', () => {
    const context = runContext(env('pull_request', 'refs/pull/12/merge', 'main', 'release/2.x'), event('pull_request.fork.json'))
    expect(context).toMatchObject({ kind: 'pull-request', pullRequest: 12, branch: 'main', baseBranch: 'release/2.x', fromFork: true })
  })

  it('pull_request_target: the PR scope, kept under the base branch GITHUB_REF points at', () => {
    const context = runContext(env('pull_request_target', 'refs/heads/main', 'patch-1', 'main'), event('pull_request_target.json'))
    expect(context).toMatchObject({ kind: 'pull-request', pullRequest: 7, baseBranch: 'main', fromFork: true })
    const chain = scopeChain(context, [])
    expect(chain.own).toEqual({ name: 'pr-7', ref: 'refs/heads/main', role: 'own' })
    expect(chain.imports.map(scope => scope.name)).toEqual(['pr-7', 'main'])
    expect(chain.eventReason).toBe('pull_request_target on refs/heads/main: pr-7 is kept under that ref')
  })

  it('pull_request_target into a release branch: pr-N under the base ref, then the base, then the default branch', () => {
    const payload = { ...event('pull_request_target.json') }
    payload.pull_request = { ...payload.pull_request, base: { ...payload.pull_request.base, ref: 'release/2.x' } }
    const chain = scopeChain(runContext(env('pull_request_target', 'refs/heads/release/2.x', 'patch-1', 'release/2.x'), payload), [])
    expect(chain.imports.map(scope => [scope.name, scope.ref])).toEqual([
      ['pr-7', 'refs/heads/release/2.x'],
      [safeName('release/2.x'), 'refs/heads/release/2.x'],
      ['main', 'refs/heads/main']
    ])
  })

  it('workflow_run of a same-repository pull request: that pull request’s scope, under the default branch’s ref', () => {
    const payload = event('workflow_run.json')
    payload.workflow_run = { ...payload.workflow_run, event: 'pull_request' }
    const context = runContext(env('workflow_run', 'refs/heads/main'), payload)
    expect(context).toMatchObject({ kind: 'pull-request', pullRequest: 7, baseBranch: 'main', branch: 'feature/login' })
    expect(scopeChain(context, []).own).toEqual({ name: 'pr-7', ref: 'refs/heads/main', role: 'own' })
  })

  it('pull_request without head/base in the payload falls back to GITHUB_HEAD_REF/GITHUB_BASE_REF', () => {
    const payload = { number: 3, pull_request: { number: 3 }, repository: { default_branch: 'main' } }
    expect(runContext(env('pull_request', 'refs/pull/3/merge', 'topic', 'develop'), payload)).toMatchObject({
      kind: 'pull-request',
      pullRequest: 3,
      branch: 'topic',
      baseBranch: 'develop'
    })
  })

  it('issue_comment on a pull request: the PR number; on a plain issue: the default branch', () => {
    expect(runContext(env('issue_comment', 'refs/heads/main'), event('issue_comment.pr.json'))).toMatchObject({
      kind: 'pull-request',
      pullRequest: 7
    })
    const issue = runContext(env('issue_comment', 'refs/heads/main'), event('issue_comment.issue.json'))
    expect(issue).toMatchObject({ kind: 'branch', branch: 'main' })
    expect(issue.pullRequest).toBeUndefined()
  })

  it('issue_comment: once the base branch is known, it comes between the PR and the default branch', () => {
    const context = { ...runContext(env('issue_comment', 'refs/heads/main'), event('issue_comment.pr.json')), baseBranch: 'release/2.x' }
    expect(scopeChain(context, []).imports.map(scope => [scope.name, scope.ref])).toEqual([
      ['pr-7', 'refs/heads/main'],
      [safeName('release/2.x'), 'refs/heads/release/2.x'],
      ['main', 'refs/heads/main']
    ])
  })

  it('merge_group: base branch and PR from the payload', () => {
    const context = runContext(env('merge_group', QUEUE_REF), event('merge_group.json'))
    expect(context).toMatchObject({ kind: 'merge-queue', baseBranch: 'main', pullRequest: 7 })
    expect(scopeChain(context, []).eventReason).toBe('a merge queue build imports only')
  })

  it('merge_group into a branch with slashes, known from the ref alone', () => {
    const ref = 'refs/heads/gh-readonly-queue/release/2.x/pr-41-0123456789abcdef0123456789abcdef01234567'
    const context = runContext(env('merge_group', ref), { merge_group: {}, repository: { default_branch: 'main' } })
    expect(context).toMatchObject({ kind: 'merge-queue', baseBranch: 'release/2.x', pullRequest: 41 })
    expect(scopeChain(context, []).imports.map(scope => scope.ref)).toEqual(['refs/heads/release/2.x', 'refs/heads/main'])
  })

  it('a merge queue branch is recognised even when the event is not merge_group (e.g. push to it)', () => {
    const context = runContext(env('push', QUEUE_REF), event('push.json'))
    expect(context).toMatchObject({ kind: 'merge-queue', baseBranch: 'main', pullRequest: 7 })
    expect(scopeChain(context, []).eventExports).toBe(false)
  })

  it('parseMergeQueueBranch', () => {
    expect(parseMergeQueueBranch('gh-readonly-queue/main/pr-7-abc123')).toEqual({ base: 'main', pullRequest: 7 })
    expect(parseMergeQueueBranch('gh-readonly-queue/a/b/c/pr-100-0f')).toEqual({ base: 'a/b/c', pullRequest: 100 })
    expect(parseMergeQueueBranch('gh-readonly-queue/main/feature')).toBeUndefined()
    expect(parseMergeQueueBranch('feature/gh-readonly-queue/main/pr-7-abc')).toBeUndefined()
  })

  it('release: the tag from the payload', () => {
    expect(runContext(env('release', 'refs/tags/v1.2.0'), event('release.json'))).toMatchObject({ kind: 'tag', tag: 'v1.2.0' })
    expect(scopeChain(runContext(env('release', 'refs/tags/v1.2.0'), event('release.json')), []).eventReason).toContain('v1.2.0')
  })

  it('workflow_run: the triggering run’s branch; a fork is marked and does not export', () => {
    const same = runContext(env('workflow_run', 'refs/heads/main'), event('workflow_run.json'))
    expect(same).toMatchObject({ kind: 'branch', branch: 'feature/login' })
    expect(same.fromFork).toBeUndefined()
    const fork = runContext(env('workflow_run', 'refs/heads/main'), event('workflow_run.fork.json'))
    expect(fork).toMatchObject({ kind: 'branch', branch: 'main', fromFork: true })
    expect(scopeChain(fork, []).eventReason).toMatch(/fork/)
  })

  it('a ref that is neither a branch nor a tag has no scope of its own', () => {
    const context = runContext(env('push', 'refs/notes/commits'), { repository: { default_branch: 'main' } })
    expect(context.kind).toBe('unknown')
    const chain = scopeChain(context, [])
    expect(chain.own).toBeUndefined()
    expect(chain.eventExports).toBe(false)
    expect(chain.imports.map(scope => scope.ref)).toEqual(['refs/heads/main'])
  })

  it('an empty environment and payload gives an empty chain, not an exception', () => {
    const chain = scopeChain(runContext({}, {}), [])
    expect(chain).toMatchObject({ imports: [], eventExports: false })
    expect(chain.eventReason).toContain('unset')
  })
})

describe('scope chain', () => {
  const pr = runContext(env('pull_request', 'refs/pull/12/merge', 'main', 'release/2.x'), event('pull_request.fork.json'))

  it('names: pr-N for pull requests, tag-safe branch names otherwise', () => {
    const chain = scopeChain(pr, [])
    expect(chain.imports).toEqual([
      { name: 'pr-12', ref: 'refs/pull/12/merge', role: 'own' },
      { name: safeName('release/2.x'), ref: 'refs/heads/release/2.x', role: 'base' },
      { name: 'main', ref: 'refs/heads/main', role: 'default' }
    ])
    expect(safeName('release/2.x')).toMatch(/^release-2\.x-[0-9a-f]{8}$/)
  })

  it('fallback-branches come after the automatic chain, without duplicates', () => {
    const chain = scopeChain(pr, ['develop', 'main', 'release/2.x', 'develop', 'feature/a', 'feature-a'])
    expect(chain.imports.map(scope => [scope.ref, scope.role])).toEqual([
      ['refs/pull/12/merge', 'own'],
      ['refs/heads/release/2.x', 'base'],
      ['refs/heads/main', 'default'],
      ['refs/heads/develop', 'fallback'],
      ['refs/heads/feature/a', 'fallback'],
      ['refs/heads/feature-a', 'fallback']
    ])
  })

  it('a tag build with fallback branches imports the default branch first', () => {
    const tag = runContext(env('push', 'refs/tags/v1.2.0'), event('push-tag.json'))
    expect(scopeChain(tag, ['develop']).imports.map(scope => scope.ref)).toEqual(['refs/heads/main', 'refs/heads/develop'])
  })

  it('a PR whose base is the default branch lists it once, as base', () => {
    const context = runContext(env('pull_request', 'refs/pull/7/merge', 'feature/login', 'main'), event('pull_request.opened.json'))
    expect(scopeChain(context, []).imports.map(scope => scope.role)).toEqual(['own', 'base'])
  })

  it('a branch named like a pull request scope never shares PR N’s scope', () => {
    const push = scopeChain(runContext(env('push', 'refs/heads/pr-7'), event('push.json')), [])
    expect(push.own?.name).toMatch(/^pr-7-[0-9a-f]{8}$/)
    const context = runContext(env('pull_request', 'refs/pull/7/merge', 'feature/login', 'pr-7'), {
      number: 7,
      pull_request: { number: 7, base: { ref: 'pr-7' }, head: { ref: 'feature/login' } },
      repository: { default_branch: 'main' }
    })
    expect(scopeChain(context, []).imports.map(scope => [scope.name, scope.ref])).toEqual([
      ['pr-7', 'refs/pull/7/merge'],
      [push.own?.name, 'refs/heads/pr-7'],
      ['main', 'refs/heads/main']
    ])
    expect(scopeChain(runContext(env('push', 'refs/heads/pr-7x'), event('push.json')), []).own?.name).toBe('pr-7x')
  })

  it('the export reason names the own ref', () => {
    expect(scopeChain(pr, []).eventReason).toBe('pull_request on refs/pull/12/merge')
  })
})
