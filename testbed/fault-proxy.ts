// A fault-injecting HTTP proxy for the test bed (Node http only, 127.0.0.1 only): put it in
// front of the cache-service stand-in, of the blob store its signed URLs point at, or of the
// registry, and choose how it misbehaves, on reads, on writes, or on both:
//   500, 503 (with Retry-After), 429 (with Retry-After), reset (the answer starts, then the
//   connection is reset), hang (accepted, never answered), slow (the body at 1 KB/s),
//   truncate (half the body, with a Content-Length that says so), closed (nothing listens).
// A read is a GET or HEAD, or the cache service's GetCacheEntryDownloadURL; everything else
// is a write. Every held connection is let go after `holdMs` and when the proxy closes.
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type FaultMode = 'none' | '500' | '503' | '429' | 'reset' | 'hang' | 'slow' | 'truncate' | 'closed'
export type FaultSide = 'read' | 'write' | 'both'

export interface Fault {
  mode: FaultMode
  on: FaultSide
  /** Only requests whose path matches (default: all of the side). */
  path?: RegExp
}

export interface FaultProxyOptions {
  /** Origin to forward to, e.g. http://127.0.0.1:8055 */
  target: string
  /** In answers (JSON bodies), replace these origins (signed URLs point at another proxy). */
  rewrite?: Array<[string, string]>
  /** The longest a hang or a slow body holds a connection (default 5 min). */
  holdMs?: number
  /** Bytes per second of `slow` (default 1024). */
  slowBytesPerSecond?: number
}

export function isRead(req: Pick<IncomingMessage, 'method' | 'url'>): boolean {
  return req.method === 'GET' || req.method === 'HEAD' || /\/GetCacheEntryDownloadURL$/.test(req.url ?? '')
}

export class FaultProxy {
  fault: Fault = { mode: 'none', on: 'both' }
  /** Requests seen and requests faulted, for assertions and for the log. */
  readonly seen: Array<{ method: string; url: string; faulted: boolean }> = []
  private server: Server
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<NodeJS.Timeout>()
  port = 0

  constructor(private readonly options: FaultProxyOptions) {
    this.server = this.makeServer()
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`
  }

  get host(): string {
    return `127.0.0.1:${this.port}`
  }

  private makeServer(): Server {
    const server = createServer((req, res) => this.handle(req, res))
    server.on('connection', socket => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    return server
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => resolve())
    })
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  /** Sets the fault; `closed` stops listening (connections are refused), anything else listens again on the same port. */
  async set(fault: Fault): Promise<void> {
    const wasClosed = this.fault.mode === 'closed'
    this.fault = fault
    if (fault.mode === 'closed' && !wasClosed) await this.stopListening()
    if (fault.mode !== 'closed' && wasClosed) {
      this.server = this.makeServer()
      await this.listen(this.port)
    }
  }

  private async stopListening(): Promise<void> {
    const closed = new Promise<void>(resolve => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    await closed
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    if (this.fault.mode !== 'closed') await this.stopListening()
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
  }

  private applies(req: IncomingMessage): boolean {
    const { mode, on, path } = this.fault
    if (mode === 'none') return false
    if (path && !path.test(req.url ?? '')) return false
    return on === 'both' || (on === 'read') === isRead(req)
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const faulted = this.applies(req)
    if (this.seen.length < 10_000) this.seen.push({ method: req.method ?? '', url: req.url ?? '', faulted })
    const hold = this.options.holdMs ?? 300_000
    if (!faulted) return this.forward(req, res)
    switch (this.fault.mode) {
      case '500':
        return this.answer(req, res, 500, {}, 'injected fault: internal error')
      case '503':
        return this.answer(req, res, 503, { 'Retry-After': '1' }, 'injected fault: unavailable')
      case '429':
        return this.answer(req, res, 429, { 'Retry-After': '1' }, 'injected fault: too many requests')
      case 'hang':
        req.resume()
        return this.later(hold, () => req.socket.destroy())
      case 'reset':
        req.resume()
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' })
        res.write('{"ok": tr')
        return this.later(50, () => req.socket.resetAndDestroy())
      case 'slow':
      case 'truncate':
        return this.forward(req, res)
      default:
        return this.forward(req, res)
    }
  }

  private answer(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
    req.resume()
    const twirp = /\/twirp\//.test(req.url ?? '')
    const text = twirp
      ? JSON.stringify({ code: status === 429 ? 'resource_exhausted' : status === 503 ? 'unavailable' : 'internal', msg: body })
      : body
    res.writeHead(status, { 'Content-Type': twirp ? 'application/json' : 'text/plain', ...headers })
    res.end(req.method === 'HEAD' ? undefined : text)
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const faulted = this.applies(req)
    const mode = faulted ? this.fault.mode : 'none'
    const target = new URL(req.url ?? '/', this.options.target)
    const headers = { ...req.headers, host: target.host }
    const upstreamWrite = faulted && !isRead(req)
    const bodyChunks: Buffer[] = []
    req.on('data', chunk => bodyChunks.push(chunk))
    req.on('end', async () => {
      let body = Buffer.concat(bodyChunks)
      if (upstreamWrite && mode === 'truncate' && body.length > 1) body = body.subarray(0, Math.floor(body.length / 2))
      if (headers['content-length'] !== undefined || body.length) headers['content-length'] = String(body.length)
      delete headers['transfer-encoding']
      const upstream = request(target, { method: req.method, headers, timeout: 120_000 }, answer =>
        this.relay(req, res, answer, !upstreamWrite && faulted ? mode : 'none')
      )
      upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')))
      upstream.on('error', error => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' })
        res.end(`fault proxy: upstream failed: ${error.message}`)
      })
      if (upstreamWrite && mode === 'slow') await this.trickle(body, chunk => upstream.write(chunk))
      else upstream.write(body)
      upstream.end()
    })
  }

  private relay(req: IncomingMessage, res: ServerResponse, answer: IncomingMessage, mode: FaultMode): void {
    const chunks: Buffer[] = []
    answer.on('data', chunk => chunks.push(chunk))
    answer.on('end', async () => {
      let body = Buffer.concat(chunks)
      const headers = { ...answer.headers }
      delete headers['transfer-encoding']
      // The registry answers an upload with an absolute Location on its own origin: pointed back
      // here, the upload's PATCH and PUT pass the proxy (and its fault) as a client's would.
      const targetOrigin = new URL(this.options.target).origin
      if (headers.location?.startsWith(targetOrigin))
        headers.location = this.url.replace(/\/$/, '') + headers.location.slice(targetOrigin.length)
      if (this.options.rewrite && /json/.test(String(headers['content-type']))) {
        let text = body.toString('utf8')
        for (const [from, to] of this.options.rewrite) text = text.split(from).join(to)
        body = Buffer.from(text)
      }
      if (mode === 'truncate' && body.length > 1) body = body.subarray(0, Math.floor(body.length / 2))
      if (req.method !== 'HEAD') headers['content-length'] = String(body.length)
      res.writeHead(answer.statusCode ?? 502, headers)
      if (mode === 'slow') await this.trickle(body, chunk => res.write(chunk))
      else res.write(body)
      res.end()
    })
  }

  /** Writes `body` at slowBytesPerSecond, giving up after holdMs or when the proxy closes. */
  private async trickle(body: Buffer, write: (chunk: Buffer) => void): Promise<void> {
    const rate = this.options.slowBytesPerSecond ?? 1024
    const until = Date.now() + (this.options.holdMs ?? 300_000)
    const step = Math.max(1, Math.floor(rate / 4))
    for (let at = 0; at < body.length && Date.now() < until; at += step) {
      write(body.subarray(at, at + step))
      await new Promise<void>(resolve => this.later(250, resolve))
    }
  }
}

export function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  return new FaultProxy(options).listen()
}
