/**
 * A sick cache must never stall or silently slow a build. Pure parts, fed by run.ts:
 * - which cache imports and exports failed for a reason other than "nothing there yet", and
 *   which scope each was (the warnings and the summary's ⚠ marks);
 * - CacheWatch, a small state machine fed with BuildKit's progress (parsed into WatchEvents)
 *   and a clock, that says when cache traffic has made no progress for longer than the
 *   `cache-timeout` input allows (run.ts then stops the build and decides what to do);
 * - the retry timeout of specs whose backend has one (gha), so BuildKit's own retry loop (429) ends too.
 */
import { BACKENDS } from '../backends/index.js'
import type { Attributes } from './spec.js'

const typeOf = (attributes: Attributes) => attributes.find(([k]) => k === 'type')?.[1] ?? ''

/**
 * Sets the backend's retry timeout on every spec of a backend that has one and none set (the
 * user's `cache-options` wins): BuildKit's gha client retries a 429 until it, 10 minutes by default.
 */
export function withRetryTimeout(attributes: Attributes, seconds: number): Attributes {
  const attribute = BACKENDS[typeOf(attributes)]?.retryTimeoutAttribute
  if (!attribute || seconds <= 0 || attributes.some(([k]) => k === attribute)) return attributes
  return [...attributes, [attribute, `${seconds}s`]]
}

// ---------------------------------------------------------------------------------------
// Failed imports and exports

/** Whether an import vertex's error means only that the scope had no cache yet (the backend's words for it). */
export function isNotFound(backend: string, error: string): boolean {
  return BACKENDS[backend]?.importNotFound?.test(error.trim()) ?? false
}

/** The shortest useful form of BuildKit's reason: its wrapping words stay, the token never appears (the caller masks). */
export function reasonOf(error: string): string {
  return error.replace(/\s+/g, ' ').trim()
}

export interface ChainScope {
  id: string
  /** Where the scope lives when BuildKit names it in its import line (a registry ref); else undefined. */
  location?: string
}

export interface ImportLine {
  source: string
  found: boolean
  error?: string
}

export interface CacheFailure {
  kind: 'import' | 'export'
  backend: string
  /** The scopes it concerns; with `ambiguous`, one of them (BuildKit named none). */
  scopes: string[]
  ambiguous: boolean
  reason: string
  /** It made no progress for cache-timeout and was given up (else it failed). */
  stalled?: boolean
}

/**
 * The failed imports among BuildKit's `importing cache manifest from X` lines. A registry
 * import names its ref; gha, s3 and azblob name only a hash of their attributes, and BuildKit
 * resolves every import at once (no order to go by): when every such import failed, every
 * scope's failed (one per scope, in chain order when BuildKit made one import per scope; s3 and
 * azblob also import the commit's own name); when some did, the warning says which scopes it may be.
 */
export function importFailures(backend: string, chain: readonly ChainScope[], imports: readonly ImportLine[]): CacheFailure[] {
  const failures: CacheFailure[] = []
  const unnamed: ImportLine[] = []
  const unnamedScopes = chain.filter(scope => !scope.location || !imports.some(i => i.source.includes(scope.location!)))
  for (const line of imports) {
    const named = chain.find(scope => scope.location && line.source.includes(scope.location))
    if (named) {
      if (line.error && !isNotFound(backend, line.error)) {
        failures.push({ kind: 'import', backend, scopes: [named.id], ambiguous: false, reason: reasonOf(line.error) })
      }
    } else unnamed.push(line)
  }
  // Imports no scope of the chain names: hashed names of the chain's own specs, or raw cache-from.
  const hashed = unnamed.filter(line => line.source.startsWith(`${backend}:`))
  const failed = hashed.filter(line => line.error && !isNotFound(backend, line.error))
  if (failed.length && unnamedScopes.length) {
    if (failed.length === hashed.length) {
      const reasons = [...new Set(failed.map(line => reasonOf(line.error!)))].join('; ')
      for (const [i, scope] of unnamedScopes.entries()) {
        const reason = hashed.length === unnamedScopes.length ? reasonOf(failed[i].error!) : reasons
        failures.push({ kind: 'import', backend, scopes: [scope.id], ambiguous: false, reason })
      }
    } else {
      for (const line of failed)
        failures.push({ kind: 'import', backend, scopes: unnamedScopes.map(s => s.id), ambiguous: true, reason: reasonOf(line.error!) })
    }
  }
  for (const line of unnamed.filter(l => !hashed.includes(l) && l.error && !isNotFound(backend, l.error))) {
    failures.push({ kind: 'import', backend, scopes: [line.source], ambiguous: false, reason: reasonOf(line.error!) })
  }
  return failures
}

/** The same failure said once: identical reasons for the same scopes collapse. */
export function dedupe(failures: readonly CacheFailure[]): CacheFailure[] {
  const seen = new Set<string>()
  return failures.filter(f => {
    const key = JSON.stringify([f.kind, f.scopes, f.reason])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** One warning annotation's text for a failure. */
export function failureWarning(f: CacheFailure): string {
  const which = f.ambiguous ? `one of the scopes ${f.scopes.join(', ')}` : `scope ${f.scopes.join(', ')}`
  const outcome = f.stalled ? 'stalled' : 'failed'
  return f.kind === 'import'
    ? `Cache import from ${which} (${f.backend}) ${outcome}, the build went on without it: ${f.reason}`
    : `Cache export to ${which} (${f.backend}) ${outcome}, the build's result is kept but its cache was not saved: ${f.reason}`
}

/** Scope ids the summary marks ⚠ (a failure that names its one scope). */
export function failedScopes(failures: readonly CacheFailure[]): Set<string> {
  return new Set(failures.filter(f => f.kind === 'import' && !f.ambiguous).flatMap(f => f.scopes))
}

// ---------------------------------------------------------------------------------------
// Watching cache traffic

/** One thing BuildKit's progress said about a vertex or one of its transfers. */
export type WatchEvent =
  | { type: 'vertex'; id: string; name?: string; started?: boolean; completed?: boolean; cached?: boolean; error?: string }
  | { type: 'status'; vertex: string; id: string; current?: number; total?: number; completed?: boolean }

const IMPORT_VERTEX = /^importing cache manifest from /
const EXPORT_VERTEX = /^(exporting cache|exporting to GitHub Actions Cache|preparing build cache for export|writing cache)/i
/** Vertices whose transfers are not cache traffic (base image pulls, metadata). */
const NOT_CACHE =
  /^(\[[^\]]*\] FROM |\[internal\]|load metadata|resolve image config|exporting to image|exporting to oci|pushing |sending tarball)/i
const BLOB = /^sha256:[0-9a-f]{64}$/
const IMAGE_EXPORT = /^exporting to image/i

export interface WatchOptions {
  /** No progress for this long is a stall (milliseconds). */
  timeoutMs: number
  /** A cache layer download slower than this (bytes per second) counts as no progress. */
  minBytesPerSecond: number
  /** Whether the build imports any cache (layer downloads count only then). */
  importing: boolean
  /** The image's push carries a cache tag (inline): a push that makes no progress stalls the cache export. */
  pushCarriesCache?: boolean
}

export interface Stall {
  phase: 'import' | 'export'
  /** What stalled, for the warning: the vertex's name, or the layer and its throughput. */
  what: string
  idleSeconds: number
  /** For an export: every other vertex had finished without error, so the build's result is written. */
  resultWritten: boolean
}

interface Watched {
  name: string
  since: number
  done: boolean
  failed: boolean
}

interface Transfer {
  vertex: string
  id: string
  /** Since when, and from how many bytes, its throughput is measured. */
  since: number
  from: number
  current: number
  total?: number
  done: boolean
}

/**
 * Feed it events with the time they were read; ask `check(now)` on a clock tick. Pure: no
 * timers, no processes. A cache vertex (import, export) stalls when it has started, not
 * finished, and nothing about it was heard for `timeoutMs`; a cache layer download stalls
 * when over at least `timeoutMs` it moved less than `minBytesPerSecond`.
 */
export class CacheWatch {
  private readonly vertices = new Map<string, Watched>()
  private readonly transfers = new Map<string, Transfer>()

  constructor(private readonly options: WatchOptions) {}

  feed(event: WatchEvent, now: number): void {
    if (event.type === 'vertex') return this.vertex(event, now)
    const owner = this.vertices.get(event.vertex)
    if (owner) owner.since = now
    if (!owner || !BLOB.test(event.id)) return
    const key = `${event.vertex} ${event.id}`
    const seen = this.transfers.get(key)
    const current = event.current ?? seen?.current ?? 0
    if (!seen) {
      this.transfers.set(key, {
        vertex: event.vertex,
        id: event.id,
        since: now,
        from: current,
        current,
        total: event.total,
        done: !!event.completed
      })
      return
    }
    seen.current = current
    seen.total = event.total ?? seen.total
    seen.done ||= !!event.completed
  }

  private vertex(event: Extract<WatchEvent, { type: 'vertex' }>, now: number): void {
    const seen = this.vertices.get(event.id)
    const v: Watched = seen ?? { name: event.name ?? '', since: now, done: false, failed: false }
    v.name ||= event.name ?? ''
    // BuildKit reports a step found in an imported cache as cached and completed, then starts it
    // again while it fetches the step's layers (lazily, when a later step needs them): the
    // newest record says whether it runs.
    const finished = !!event.completed || !!event.cached || !!event.error
    if (finished) v.done = true
    else if (event.started) v.done = false
    v.failed ||= !!event.error
    v.since = now
    this.vertices.set(event.id, v)
  }

  private phaseOf(name: string): 'import' | 'export' | 'build' | undefined {
    if (IMPORT_VERTEX.test(name)) return 'import'
    if (EXPORT_VERTEX.test(name) || (this.options.pushCarriesCache && IMAGE_EXPORT.test(name))) return 'export'
    if (NOT_CACHE.test(name)) return undefined
    return 'build'
  }

  /** The first stall at `now`, or undefined. */
  check(now: number): Stall | undefined {
    const { timeoutMs, minBytesPerSecond } = this.options
    for (const v of this.vertices.values()) {
      const phase = this.phaseOf(v.name)
      if (v.done || (phase !== 'import' && phase !== 'export')) continue
      if (now - v.since <= timeoutMs) continue
      // A running export with live transfers is judged by their throughput below.
      if ([...this.transfers.values()].some(t => !t.done && this.vertices.get(t.vertex) === v)) continue
      return {
        phase,
        what: v.name,
        idleSeconds: Math.round((now - v.since) / 1000),
        resultWritten: phase === 'export' && !IMAGE_EXPORT.test(v.name) && this.othersFinished(v)
      }
    }
    for (const t of this.transfers.values()) {
      const owner = this.vertices.get(t.vertex)
      if (t.done || !owner || owner.done) continue
      const phase = this.phaseOf(owner.name)
      if (!phase || (phase === 'build' && !this.options.importing)) continue
      const elapsed = now - t.since
      if (elapsed <= timeoutMs) continue
      const rate = (t.current - t.from) / (elapsed / 1000)
      if (rate >= minBytesPerSecond) {
        // Fast enough over this window: measure the next one from here.
        t.since = now
        t.from = t.current
        continue
      }
      const stalled: Stall['phase'] = phase === 'export' ? 'export' : 'import'
      return {
        phase: stalled,
        what: `${t.id.slice(0, 19)} in "${owner.name}" at ${Math.round(rate)} B/s (${t.current}${t.total ? ` of ${t.total}` : ''} bytes)`,
        idleSeconds: Math.round(elapsed / 1000),
        resultWritten: stalled === 'export' && !IMAGE_EXPORT.test(owner.name) && this.othersFinished(owner)
      }
    }
    return undefined
  }

  /** Every vertex other than the cache exports finished, none failed. */
  private othersFinished(except: Watched): boolean {
    return [...this.vertices.values()].every(
      v => v === except || this.phaseOf(v.name) === 'export' || (v.done && !v.failed) || this.phaseOf(v.name) === 'import'
    )
  }
}

// ---------------------------------------------------------------------------------------
// Parsing progress into events

/** buildx `--progress rawjson`: one SolveStatus per line. */
export function rawJsonEvents(line: string): WatchEvent[] {
  let status: { vertexes?: any[]; statuses?: any[] }
  try {
    status = JSON.parse(line)
  } catch {
    return []
  }
  if (!status || typeof status !== 'object') return []
  const events: WatchEvent[] = []
  for (const v of status.vertexes ?? []) {
    if (!v?.digest) continue
    events.push({
      type: 'vertex',
      id: v.digest,
      name: v.name,
      started: !!v.started,
      completed: !!v.completed,
      cached: !!v.cached,
      ...(v.error && { error: v.error })
    })
  }
  for (const s of status.statuses ?? []) {
    if (!s?.vertex || !s.id) continue
    events.push({ type: 'status', vertex: s.vertex, id: s.id, current: s.current, total: s.total, completed: !!s.completed })
  }
  return events
}

const SIZE = /^([\d.]+)\s*(B|kB|KB|KiB|MB|MiB|GB|GiB)$/
const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 }

function bytes(text: string): number | undefined {
  const m = SIZE.exec(text.trim())
  return m ? Number(m[1]) * UNITS[m[2]] : undefined
}

/** BuildKit's plain progress (envd): `#5 name`, `#5 DONE 1.2s`, `#5 sha256:… 1.2MB / 3.4MB 0.5s`. */
export function plainEvents(line: string): WatchEvent[] {
  const m = /^#(\d+) (.*)$/.exec(line.trimEnd())
  if (!m) return []
  const [, id, rest] = m
  if (rest === 'CACHED') return [{ type: 'vertex', id, cached: true }]
  if (/^DONE \d/.test(rest)) return [{ type: 'vertex', id, completed: true }]
  const error = /^ERROR:? (.*)$/.exec(rest)
  if (error) return [{ type: 'vertex', id, error: error[1] || 'failed' }]
  const transfer = /^(sha256:[0-9a-f]{64}) (?:([\d.]+\s*\w+) \/ ([\d.]+\s*\w+)|([\d.]+\s*\w+))?.*?( done)?$/.exec(rest)
  if (transfer) {
    const [, blob, current, total, only, done] = transfer
    return [
      {
        type: 'status',
        vertex: id,
        id: blob,
        current: bytes(current ?? only ?? ''),
        total: total ? bytes(total) : undefined,
        completed: !!done
      }
    ]
  }
  if (/^\d+(\.\d+)? /.test(rest)) return [{ type: 'status', vertex: id, id: 'log' }]
  return [{ type: 'vertex', id, name: rest, started: true }]
}
