// The cache service's state: entries keyed by (ref, key, version), GitHub's ref isolation
// rules, and the matching order of a lookup. No I/O here.
import type { DecodedToken } from './token.js'

export interface Entry {
  id: number
  ref: string
  key: string
  version: string
  /** Which protocol stored the bytes: 'v1' keeps them on local disk, 'v2' in the blob store. */
  storage: 'v1' | 'v2'
  size: number
  committed: boolean
  createdAt: Date
  lastAccessedAt: Date
  /** v1: file holding the bytes and the byte ranges received so far. */
  file?: string
  ranges?: [number, number][]
  /** v1: secret part of the download URL (the v1 archiveLocation is pre-authenticated). */
  urlSecret?: string
  /** v2: blob name in the container. */
  blob?: string
}

export interface Access {
  /** Refs to search on reads, in order: the writable ref first, then the other readable scopes. */
  readRefs: string[]
  /** The ref writes go to: the last scope with the write bit, if any. */
  writeRef?: string
}

export function accessOf(token: DecodedToken): Access {
  // act's cache server (and the Gitea and Forgejo runners') keeps no refs apart: its runtime
  // token names one empty scope, and every job reads and writes the same space.
  if (token.scopes.length > 0 && token.scopes.every(s => s.ref === '')) return { readRefs: [''], writeRef: '' }
  const writable = token.scopes.filter(s => s.permission & 2)
  const writeRef = writable.length ? writable[writable.length - 1].ref : undefined
  const readable = token.scopes.filter(s => s.permission & 1).map(s => s.ref)
  const readRefs = writeRef && readable.includes(writeRef) ? [writeRef, ...readable.filter(r => r !== writeRef)] : readable
  return { readRefs: [...new Set(readRefs)], writeRef }
}

export class Store {
  private entries = new Map<number, Entry>()
  private nextId = 1

  all(): Entry[] {
    return [...this.entries.values()]
  }

  get(id: number): Entry | undefined {
    return this.entries.get(id)
  }

  /** The entry (pending or committed) holding (ref, key, version), if any. */
  find(ref: string, key: string, version: string): Entry | undefined {
    return this.all().find(e => e.ref === ref && e.key === key && e.version === version)
  }

  /**
   * Reserves (ref, key, version). Returns undefined when it is already taken, unless the holder
   * is an uncommitted reservation older than `staleMs` (a crashed upload), which is replaced.
   */
  reserve(ref: string, key: string, version: string, storage: Entry['storage'], staleMs: number): Entry | undefined {
    const existing = this.find(ref, key, version)
    if (existing) {
      if (existing.committed || Date.now() - existing.createdAt.getTime() < staleMs) return undefined
      this.entries.delete(existing.id)
    }
    const now = new Date()
    const e: Entry = { id: this.nextId++, ref, key, version, storage, size: 0, committed: false, createdAt: now, lastAccessedAt: now }
    this.entries.set(e.id, e)
    return e
  }

  /**
   * A committed entry without bytes (test set-up: a repository's worth of caches of any size and
   * age). Its version is its own unless given, so no client's lookup ever matches it.
   */
  seed(seed: { ref: string; key: string; size: number; version?: string; createdAt?: Date; lastAccessedAt?: Date }): Entry {
    const createdAt = seed.createdAt ?? new Date()
    const e: Entry = {
      id: this.nextId++,
      ref: seed.ref,
      key: seed.key,
      version: seed.version ?? 'seeded',
      storage: 'v1',
      size: seed.size,
      committed: true,
      createdAt,
      lastAccessedAt: seed.lastAccessedAt ?? createdAt
    }
    this.entries.set(e.id, e)
    return e
  }

  delete(id: number): Entry | undefined {
    const e = this.entries.get(id)
    this.entries.delete(id)
    return e
  }

  clear(): Entry[] {
    const all = this.all()
    this.entries.clear()
    return all
  }

  /**
   * GitHub's lookup: for each readable ref in order, the first key exactly, then each key as a
   * prefix (newest first); a later ref is searched only when nothing matched in an earlier one.
   * Only committed entries of the exact version match.
   */
  lookup(readRefs: string[], keys: string[], version: string): Entry | undefined {
    for (const ref of readRefs) {
      const candidates = this.all()
        .filter(e => e.committed && e.ref === ref && e.version === version)
        .sort((a, b) => b.id - a.id)
      const hit =
        candidates.find(e => e.key === keys[0]) ?? keys.map(k => candidates.find(e => e.key.startsWith(k))).find(e => e !== undefined)
      if (hit) {
        hit.lastAccessedAt = new Date()
        return hit
      }
    }
    return undefined
  }
}
