/**
 * What GitHub lets this job do with the Actions cache: the runtime token's `ac` claim names the
 * refs it may read (bit 1) and write (bit 2), and ACTIONS_CACHE_MODE (a workflow's or job's
 * `cache-mode:`) narrows that further. Only `gha` and `local` (carried by @actions/cache) are
 * governed by these rules.
 */
import type { Env } from './context.js'

export type CacheMode = 'read' | 'write' | 'write-only' | 'none'
const CACHE_MODES: readonly CacheMode[] = ['read', 'write', 'write-only', 'none']

export interface TokenScopes {
  readable: string[]
  writable: string[]
}

export interface CacheAccess {
  canImport: boolean
  canExport: boolean
  /** Why an import or export is not allowed, in words for the log and the summary. */
  importDenied?: string
  exportDenied?: string
  /** Refs the token can read, when it could be decoded; undefined when unknown. */
  readableRefs?: string[]
}

function base64UrlDecode(part: string): string {
  return Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')
}

/**
 * Decodes the runtime token's `ac` claim as GitHub shapes it: a list of git refs, each with
 * read (1) and write (2) bits. Undefined for any other shape, which says nothing the action
 * can rely on: act and the Gitea and Forgejo runners give `[{"Scope":"","Permission":2}]` and
 * a cache server that does not check it. Then the service decides, and a refusal is a warning.
 */
export function decodeTokenScopes(token: string | undefined): TokenScopes | undefined {
  const payload = token?.split('.')[1]
  if (!payload) return undefined
  try {
    const claims = JSON.parse(base64UrlDecode(payload))
    const entries: Array<{ Scope: string; Permission: number }> = typeof claims.ac === 'string' ? JSON.parse(claims.ac) : claims.ac
    if (!Array.isArray(entries) || entries.length === 0) return undefined
    if (!entries.every(e => typeof e.Scope === 'string' && e.Scope.startsWith('refs/') && Number.isInteger(e.Permission))) return undefined
    return {
      readable: entries.filter(e => (e.Permission & 1) !== 0).map(e => e.Scope),
      writable: entries.filter(e => (e.Permission & 2) !== 0).map(e => e.Scope)
    }
  } catch {
    return undefined
  }
}

export function parseCacheMode(value: string | undefined): CacheMode | undefined {
  const mode = value?.trim().toLowerCase()
  if (!mode) return undefined
  return (CACHE_MODES as readonly string[]).includes(mode) ? (mode as CacheMode) : undefined
}

export function actionsCacheAccess(token: string | undefined, cacheModeValue: string | undefined): CacheAccess {
  const mode = parseCacheMode(cacheModeValue)
  const scopes = decodeTokenScopes(token)
  const modeSays = `ACTIONS_CACHE_MODE=${cacheModeValue?.trim()}`
  const access: CacheAccess = { canImport: true, canExport: true, readableRefs: scopes?.readable }
  if (mode === 'none') {
    return { ...access, canImport: false, canExport: false, importDenied: modeSays, exportDenied: modeSays }
  }
  if (mode === 'write-only') Object.assign(access, { canImport: false, importDenied: modeSays })
  if (mode === 'read') Object.assign(access, { canExport: false, exportDenied: modeSays })
  if (access.canExport && scopes && scopes.writable.length === 0) {
    Object.assign(access, { canExport: false, exportDenied: 'the runtime token is read-only' })
  }
  return access
}

/** Whether the runner offers the v2 cache service: said so, or only ACTIONS_RESULTS_URL is there. */
export function usesCacheServiceV2(env: Env): boolean {
  return /^(true|1)$/i.test(env.ACTIONS_CACHE_SERVICE_V2 ?? '') || (!env.ACTIONS_CACHE_URL && !!env.ACTIONS_RESULTS_URL)
}

/** Access for backends that GitHub's cache rules do not govern. */
export const UNRESTRICTED: CacheAccess = { canImport: true, canExport: true }
