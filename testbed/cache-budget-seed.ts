// A repository's GitHub Actions cache at the size where the budget matters, seeded into a cache
// service stand-in of a test's own through its admin API (entries without bytes): the budget's
// test-bed test and its benchmark start from the same repository.
import type { CacheService } from './cache-service/server.js'

const MB = 1e6

/** The stand-in's admin API: entries, pull requests, tokens, the limit. */
export async function admin(svc: CacheService, method: string, what: string, body: unknown): Promise<void> {
  const res = await fetch(`${svc.url}_admin/${what}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  })
  if (!res.ok) throw new Error(`admin ${method} ${what}: ${res.status} ${await res.text()}`)
}

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()

/**
 * 1,000 caches: 20 closed pull requests with two of this action's caches of 1 MB each (40 MB,
 * what a budget deletes first), and 960 caches of other tools (0.1 MB each) on 50 branches.
 * `key(scope, commit)` names this action's cache of a scope.
 */
export async function seedThousandCaches(svc: CacheService, key: (scope: string, commit: string) => string): Promise<void> {
  const closed = Array.from({ length: 20 }, (_, i) => 601 + i)
  await admin(
    svc,
    'PUT',
    'pulls',
    closed.map(number => ({ number, state: 'closed' }))
  )
  await admin(svc, 'POST', 'entries', [
    ...closed.flatMap(n =>
      [1, 2].map(c => ({ ref: `refs/pull/${n}/merge`, key: key(`pr-${n}`, `c${c}`), size: MB, createdAt: minutesAgo(n) }))
    ),
    ...Array.from({ length: 960 }, (_, i) => ({ ref: `refs/heads/b${i % 50}`, key: `tool-${i}`, size: 0.1 * MB, createdAt: minutesAgo(i) }))
  ])
}
