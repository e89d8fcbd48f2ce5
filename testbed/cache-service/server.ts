// A stand-in for GitHub's Actions cache service (v1 REST and v2 Twirp), the REST API that
// lists and deletes caches, and test controls, in one node:http server.
//
//   node_modules/.bin/tsx testbed/cache-service/server.ts --port 8055 \
//       --blob-url http://127.0.0.1:10000/devstoreaccount1 [--container actions-cache] [--host 127.0.0.1]
//
// Point clients at it with ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL = http://HOST:PORT/ and
// GITHUB_API_URL = http://HOST:PORT. Routes: v1.ts, v2.ts, rest.ts, admin.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { handleAdmin } from './admin.js'
import { BlobStore, FileStore } from './blobs.js'
import { readBody, sendJson, type Ctx, type LogRecord, type ServiceState } from './http.js'
import { DEFAULT_CACHE_LIMIT_BYTES, REST_ROUTE, handleRest } from './rest.js'
import { Store } from './store.js'
import { TWIRP_PREFIX, handleTwirp, twirpCodeFor, twirpError } from './v2.js'
import { handleV1, serveV1Blob } from './v1.js'

export interface CacheServiceOptions {
  port?: number // 0 (default) = any free port
  host?: string // default 127.0.0.1
  /** Azure Blob account URL for v2 bytes (Azurite: http://127.0.0.1:10000/devstoreaccount1). */
  blobUrl?: string
  container?: string // default actions-cache
  accountKey?: string // default Azurite's well-known key
  signedUrlTtlSeconds?: number // default 3600
  /** An unfinished reservation older than this no longer blocks its key. Default 10 min. */
  staleReservationMs?: number
  /** How v2 refuses writes of a read-only token: ok=false + message (default, as GitHub) or a Twirp error. */
  v2WriteDenied?: 'ok-false' | 'twirp'
  /** Keep this many request log records. Default 2000. */
  logSize?: number
  quiet?: boolean
}

export interface CacheService {
  /** Base URL with a trailing slash, as ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL want it. */
  url: string
  port: number
  state: ServiceState
  close(): Promise<void>
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

export async function startCacheService(opts: CacheServiceOptions = {}): Promise<CacheService> {
  const host = opts.host ?? '127.0.0.1'
  const logSize = opts.logSize ?? 2000
  const blobs = opts.blobUrl ? new BlobStore(opts.blobUrl, opts.container ?? 'actions-cache', opts.accountKey) : undefined
  const state: ServiceState = {
    store: new Store(),
    blobs,
    files: await FileStore.create(),
    publicUrl: '',
    blobPrefix: `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`,
    readonlyGithubTokens: new Set(),
    adminGithubTokens: new Set(),
    cacheLimitBytes: DEFAULT_CACHE_LIMIT_BYTES,
    pulls: new Map(),
    signedUrlTtlSeconds: opts.signedUrlTtlSeconds ?? 3600,
    staleReservationMs: opts.staleReservationMs ?? 10 * 60_000,
    v2WriteDenied: opts.v2WriteDenied ?? 'ok-false',
    faults: [],
    requests: []
  }
  let n = 0

  async function route(ctx: Ctx): Promise<void> {
    const p = ctx.path
    if (p.startsWith('/_admin/')) return handleAdmin(state, ctx, p.slice('/_admin/'.length))
    if (p.startsWith(TWIRP_PREFIX)) return handleTwirp(state, ctx, p.slice(TWIRP_PREFIX.length))
    const v1 = /^(?:\/[^/]+)?\/_apis\/artifactcache\/(.*)$/.exec(p) // tolerates a path prefix in ACTIONS_CACHE_URL
    if (v1) return handleV1(state, ctx, v1[1])
    const blob = /^\/_blobs\/(\d+)$/.exec(p)
    if (blob && (ctx.method === 'GET' || ctx.method === 'HEAD')) return serveV1Blob(state, ctx, Number(blob[1]))
    const rest = REST_ROUTE.exec(p)
    if (rest) return handleRest(state, ctx, rest[1], rest[2])
    return sendJson(ctx.res, 404, { message: `no route for ${ctx.method} ${p}` })
  }

  /** Applies the first fault matching this request; true when the request is answered by it. */
  async function applyFault(ctx: Ctx): Promise<boolean> {
    const line = `${ctx.method} ${ctx.path}${ctx.url.search}`
    const f = state.faults.find(x => line.includes(x.match))
    if (!f) return false
    f.hits++
    if (f.times !== undefined && --f.times <= 0) state.faults.splice(state.faults.indexOf(f), 1)
    ctx.log.fault = `#${f.id}${f.drop ? ' drop' : ''}${f.status ? ` ${f.status}` : ''}${f.delayMs ? ` +${f.delayMs}ms` : ''}`
    if (f.delayMs) await sleep(f.delayMs)
    if (f.drop) {
      ctx.req.socket.destroy()
      return true
    }
    if (f.status === undefined) return false
    await ctx.body() // drain the upload before answering
    const headers: Record<string, string> = f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {}
    const msg = `injected fault #${f.id} (${f.status})`
    if (ctx.path.startsWith(TWIRP_PREFIX)) twirpError(ctx, twirpCodeFor(f.status), msg, headers)
    else sendJson(ctx.res, f.status, { message: msg }, headers)
    return true
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = Date.now()
    const url = new URL(req.url ?? '/', 'http://localhost')
    let body: Promise<Buffer> | undefined
    const log: LogRecord = { n: 0, time: new Date(t0).toISOString(), method: req.method ?? 'GET', path: url.pathname, status: 0, ms: 0 }
    const ctx: Ctx = { req, res, url, method: log.method, path: url.pathname, log, body: () => (body ??= readBody(req)) }
    const admin = ctx.path.startsWith('/_admin/')
    const record = () => {
      if (admin || log.n) return
      log.n = ++n
      log.status = res.headersSent ? res.statusCode : 0
      log.ms = Date.now() - t0
      state.requests.push(log)
      if (state.requests.length > logSize) state.requests.splice(0, state.requests.length - logSize)
    }
    res.on('close', record)
    try {
      if (!admin && (await applyFault(ctx))) return
      await route(ctx)
    } catch (err) {
      if (!opts.quiet) console.error(`[cache-service] ${log.method} ${log.path}: ${(err as Error).stack ?? err}`)
      if (!res.headersSent) {
        if (ctx.path.startsWith(TWIRP_PREFIX)) twirpError(ctx, 'internal', (err as Error).message)
        else sendJson(res, 500, { message: (err as Error).message })
      } else res.destroy()
    }
  }

  if (blobs) {
    await blobs.ensureContainer().catch(err => {
      if (!opts.quiet) console.error(`[cache-service] blob store not ready yet (retried on first use): ${err.message}`)
    })
  }
  const server = createServer((req, res) => void handle(req, res))
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  state.publicUrl = `http://${host}:${port}`
  return {
    url: `${state.publicUrl}/`,
    port,
    state,
    async close() {
      await new Promise<void>(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await state.files.destroy()
    }
  }
}

function parseArgs(argv: string[]): CacheServiceOptions {
  const opts: CacheServiceOptions = {}
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case '--port':
        opts.port = Number(value())
        break
      case '--host':
        opts.host = value()
        break
      case '--blob-url':
        opts.blobUrl = value()
        break
      case '--container':
        opts.container = value()
        break
      case '--v2-write-denied':
        opts.v2WriteDenied = value() as 'ok-false' | 'twirp'
        break
      case '--quiet':
        opts.quiet = true
        break
      default:
        throw new Error(`unknown argument ${argv[i]}`)
    }
  }
  return opts
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = parseArgs(process.argv.slice(2))
  const svc = await startCacheService({ port: 8055, ...opts })
  console.log(`[cache-service] listening on ${svc.url} (blob store: ${opts.blobUrl ?? 'none, v1 only'})`)
  const stop = () => void svc.close().then(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
