import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { readInputs } from '../../src/core/inputs.js'
import { plan } from '../../src/core/plan.js'
import { PR_7, PR_7_ENV } from './pull-request-7.js'
import { type BudgetFacts, type CacheEntry, budgetBytes, parseCacheBudget, selectPrunes } from '../../src/core/budget.js'

describe('parseCacheBudget', () => {
  it.each([
    ['80%', { kind: 'percent', percent: 80 }],
    ['100%', { kind: 'percent', percent: 100 }],
    ['12.5 %', { kind: 'percent', percent: 12.5 }],
    ['off', { kind: 'off' }],
    ['8GB', { kind: 'bytes', bytes: 8e9 }],
    ['500 mb', { kind: 'bytes', bytes: 5e8 }],
    ['1.5TB', { kind: 'bytes', bytes: 1.5e12 }],
    ['0%', undefined],
    ['101%', undefined],
    ['0GB', undefined],
    ['80', undefined],
    ['eighty%', undefined],
    ['8 GiB', undefined],
    ['Off', undefined]
  ])('%j → %j', (text, expected) => {
    expect(parseCacheBudget(text)).toEqual(expected)
  })

  it.each([
    [{ kind: 'percent', percent: 80 } as const, 10e9, 8e9],
    [{ kind: 'percent', percent: 33 } as const, 1000, 330],
    [{ kind: 'bytes', bytes: 5e9 } as const, 10e9, 5e9],
    [{ kind: 'off' } as const, 10e9, Number.POSITIVE_INFINITY]
  ])('budgetBytes(%j, %d) = %d', (budget, limit, expected) => {
    expect(budgetBytes(budget, limit)).toBe(expected)
  })
})

/** `ref:key:MB:created:accessed`; times are minutes, ids follow the order given. */
function entries(...specs: string[]): CacheEntry[] {
  return specs.map((spec, i) => {
    const [ref, key, mb, created, accessed] = spec.split(':')
    return {
      id: i + 1,
      ref: ref.startsWith('refs/') ? ref : `refs/heads/${ref}`,
      key,
      bytes: Number(mb) * 1e6,
      createdAt: Number(created) * 60_000,
      lastAccessedAt: Number(accessed ?? created) * 60_000
    }
  })
}

const pr = (n: number) => `refs/pull/${n}/merge`

/**
 * This action's keys start with `ns/` and name their scope before `#` (`ns/pr-N` a pull request's,
 * under any ref); anything else is another tool's.
 */
const scopeOf = (entry: CacheEntry) => {
  if (!entry.key.startsWith('ns/')) return undefined
  const group = entry.key.split('#')[0]
  const pullRequest = /^ns\/pr-(\d+)$/.exec(group)?.[1]
  return { group, ...(pullRequest && { pullRequest: Number(pullRequest) }) }
}

function facts(list: CacheEntry[], budgetMb: number, more: Partial<BudgetFacts> = {}): BudgetFacts {
  return {
    usage: list.reduce((sum, e) => sum + e.bytes, 0),
    budget: budgetMb * 1e6,
    entries: list,
    openPullRequests: new Set([2]),
    defaultBranch: 'main',
    ownRef: 'refs/heads/main',
    scopeOf,
    ...more
  }
}

const selected = (f: BudgetFacts) => selectPrunes(f).prunes.map(p => `${p.reason}: ${p.entry.key}`)

describe('selectPrunes', () => {
  const repository = entries(
    'main:ns/main#c1:10:1:1', // 1: superseded main commit
    'main:ns/main#c2:10:5:50', // 2: main's newest
    `${pr(1)}:ns/pr-1#c3:10:2:2`, // 3: closed pull request
    `${pr(1)}:npm-linux:10:2:2`, // 4: another tool's, under the closed pull request
    `${pr(2)}:ns/pr-2#c4:10:3:30`, // 5: open pull request, used at 30
    'old:ns/old#c5:10:4:10', // 6: a branch used at 10
    'old:ns/old#c6:10:6:12', // 7: same branch, newer commit (the ref's last use is 12)
    'new:ns/new#c7:10:7:40', // 8: a branch used at 40
    'main:setup-node-cache:10:8:8' // 9: another tool's, on main
  )
  // 90 MB in use.

  it.each<[string, number, string[]]>([
    ['within the budget: nothing', 90, []],
    ['just over: the closed pull request first', 89, ['closed pull request: ns/pr-1#c3']],
    [
      "then the refs used longest ago, a whole ref's entries oldest first",
      65,
      ['closed pull request: ns/pr-1#c3', 'least recently used ref: ns/old#c5', 'least recently used ref: ns/old#c6']
    ],
    [
      'then the open pull request (used at 30) before the branch used at 40',
      55,
      [
        'closed pull request: ns/pr-1#c3',
        'least recently used ref: ns/old#c5',
        'least recently used ref: ns/old#c6',
        'least recently used ref: ns/pr-2#c4'
      ]
    ],
    [
      "last, main's superseded commit; main's newest and other tools' entries stay whatever the budget",
      1,
      [
        'closed pull request: ns/pr-1#c3',
        'least recently used ref: ns/old#c5',
        'least recently used ref: ns/old#c6',
        'least recently used ref: ns/pr-2#c4',
        'least recently used ref: ns/new#c7',
        'superseded: ns/main#c1'
      ]
    ]
  ])('%s (budget %d MB)', (_what, budgetMb, expected) => {
    expect(selected(facts(repository, budgetMb))).toEqual(expected)
  })

  it('says what stays over the budget, and the usage after', () => {
    const result = selectPrunes(facts(repository, 1))
    expect(result.usageAfter).toBe(30e6)
    expect(result.shortfall).toMatch(/newest cache of the default branch/)
    expect(selectPrunes(facts(repository, 65)).usageAfter).toBe(60e6)
    expect(selectPrunes(facts(repository, 65)).shortfall).toBeUndefined()
  })

  it('open pull requests unknown: no pull request counts as closed, its ref goes by its last use', () => {
    expect(selected(facts(repository, 75, { openPullRequests: undefined }))).toEqual([
      'least recently used ref: ns/pr-1#c3',
      'least recently used ref: ns/old#c5'
    ])
  })

  it("this run's own ref keeps its newest entry per scope, like the default branch", () => {
    expect(selected(facts(repository, 1, { ownRef: 'refs/heads/old' }))).toEqual([
      'closed pull request: ns/pr-1#c3',
      'least recently used ref: ns/pr-2#c4',
      'least recently used ref: ns/new#c7',
      'superseded: ns/main#c1',
      'superseded: ns/old#c5'
    ])
  })

  it('superseded entries go oldest first, per scope (two scopes under one ref each keep their newest)', () => {
    const list = entries(
      'main:ns/a#1:10:1',
      'main:ns/b#1:10:2',
      'main:ns/a#2:10:3',
      'main:ns/b#2:10:4',
      'main:ns/a#3:10:5',
      'main:ns/b#3:10:6'
    )
    expect(selected(facts(list, 1))).toEqual(['superseded: ns/a#1', 'superseded: ns/b#1', 'superseded: ns/a#2', 'superseded: ns/b#2'])
  })

  it('the default branch unknown: nothing, and why', () => {
    const result = selectPrunes(facts(repository, 1, { defaultBranch: undefined }))
    expect(result.prunes).toEqual([])
    expect(result.shortfall).toMatch(/default branch is not known/)
  })

  // pull_request_target keeps a pull request's scope under the base branch's ref.
  it("a closed pull request's scope under the default branch goes first; an open one's keeps its newest entry", () => {
    const list = entries(
      'main:ns/main#1:10:1',
      'main:ns/pr-5#1:10:2:2', // closed, under main
      'main:ns/pr-2#1:10:3', // open, under main: superseded by the next
      'main:ns/pr-2#2:10:4',
      'b:ns/b#1:10:5'
    )
    expect(selected(facts(list, 1))).toEqual(['closed pull request: ns/pr-5#1', 'least recently used ref: ns/b#1', 'superseded: ns/pr-2#1'])
  })

  it("a closed pull request with only other tools' entries frees nothing: the next ref goes", () => {
    const list = entries(`${pr(9)}:npm:50:1`, 'b:ns/b#1:10:2', 'main:ns/main#1:10:3')
    expect(selected(facts(list, 60))).toEqual(['least recently used ref: ns/b#1'])
  })
})

describe('selectPrunes, for any repository', () => {
  const refs = ['main', 'b1', 'b2', pr(1), pr(2), pr(3)]
  const entryOf = fc.record({
    ref: fc.constantFrom(...refs),
    key: fc.constantFrom('ns/main', 'ns/b1', 'ns/pr-1', 'ns/pr-2', 'ns/pr-3', 'npm', 'pip'),
    mb: fc.integer({ min: 1, max: 50 }),
    created: fc.integer({ min: 0, max: 1000 }),
    accessed: fc.integer({ min: 0, max: 1000 })
  })
  const repository = fc.record({
    list: fc
      .array(entryOf, { maxLength: 30 })
      .map(specs => entries(...specs.map((e, i) => `${e.ref}:${e.key}#${i}:${e.mb}:${e.created}:${Math.max(e.created, e.accessed)}`))),
    budgetMb: fc.integer({ min: 0, max: 800 }),
    open: fc.subarray([1, 2, 3]),
    ownRef: fc.constantFrom('refs/heads/main', 'refs/heads/b1', pr(2))
  })

  it("deletes none of another tool's caches, nor the newest of an open scope under the default branch or this run's ref", () => {
    fc.assert(
      fc.property(repository, ({ list, budgetMb, open, ownRef }) => {
        const f = facts(list, budgetMb, { openPullRequests: new Set(open), ownRef })
        const { prunes, usageAfter } = selectPrunes(f)
        const deleted = new Set(prunes.map(p => p.entry.id))
        for (const entry of list) {
          const scope = scopeOf(entry)
          if (!scope) expect(deleted.has(entry.id)).toBe(false)
          const openScope = scope?.pullRequest === undefined || open.includes(scope.pullRequest)
          const keptRef = entry.ref === 'refs/heads/main' || entry.ref === ownRef
          const newer = list.filter(
            e =>
              e.ref === entry.ref &&
              scopeOf(e)?.group === scope?.group &&
              (e.createdAt > entry.createdAt || (e.createdAt === entry.createdAt && e.id > entry.id))
          )
          if (scope && openScope && keptRef && !newer.length) expect(deleted.has(entry.id)).toBe(false)
        }
        expect(usageAfter).toBe(f.usage - prunes.reduce((sum, p) => sum + p.entry.bytes, 0))
      })
    )
  })

  it('stops as soon as usage is within the budget', () => {
    fc.assert(
      fc.property(repository, ({ list, budgetMb, open, ownRef }) => {
        const f = facts(list, budgetMb, { openPullRequests: new Set(open), ownRef })
        const { prunes, usageAfter } = selectPrunes(f)
        if (prunes.length) expect(usageAfter + prunes[prunes.length - 1].entry.bytes).toBeGreaterThan(f.budget)
        if (f.usage <= f.budget) expect(prunes).toEqual([])
      })
    )
  })
})

describe("which entries of a ref are this action's, and in which group the newest one is kept", () => {
  const planOf = (values: Record<string, string>) =>
    plan(
      readInputs(name => values[name] ?? ''),
      PR_7,
      PR_7_ENV
    )

  it.each([
    ['gha', { tags: 'r.test/o/app:1' }, 'index-o/app/pr-9-2-0123abcd', 'index-o/app/pr-9-'],
    ['a cache mount, with gha', { tags: 'r.test/o/app:1' }, 'buildkit-mount-gomod--o/app/pr-9#abc', 'buildkit-mount-gomod--o/app/pr-9#'],
    [
      'a cache mount, with a backend that keeps no Actions cache of its own',
      { 'cache-backend': 'registry', tags: 'r.test/o/app:1' },
      'buildkit-mount-gomod--o/app/pr-9#abc',
      'buildkit-mount-gomod--o/app/pr-9#'
    ],
    ["another pull request's mount", { tags: 'r.test/o/app:1' }, 'buildkit-mount-gomod--o/app/pr-10#abc', undefined],
    ["another tool's entry", { tags: 'r.test/o/app:1' }, 'npm-linux-x64', undefined]
  ])('%s', (_, values, key, group) => {
    expect(planOf(values).keysOfRef?.('refs/pull/9/merge')?.(key)).toEqual(group && { group, pullRequest: 9 })
  })

  // pull_request_target, issue_comment and workflow_run runs keep a pull request's scope under a branch's ref.
  it.each([
    ['gha', { tags: 'r.test/o/app:1' }, 'index-o/app/pr-9-2-0123abcd', { group: 'index-o/app/pr-9-', pullRequest: 9 }],
    [
      'local',
      { 'cache-backend': 'local', tags: 'r.test/o/app:1' },
      'buildkit-o/app/pr-9#abc',
      { group: 'buildkit-o/app/pr-9#', pullRequest: 9 }
    ],
    [
      'a cache mount',
      { tags: 'r.test/o/app:1' },
      'buildkit-mount-gomod--o/app/pr-9#abc',
      { group: 'buildkit-mount-gomod--o/app/pr-9#', pullRequest: 9 }
    ],
    ["the branch's own scope", { tags: 'r.test/o/app:1' }, 'index-o/app/main-2-0123abcd', { group: 'index-o/app/main-' }],
    ["another namespace's pull request", { tags: 'r.test/o/app:1' }, 'index-o/other/pr-9-2-0123abcd', undefined]
  ])('under a branch: %s', (_, values, key, group) => {
    expect(planOf(values).keysOfRef?.('refs/heads/main')?.(key)).toEqual(group)
  })
})
