/**
 * The headless admin server: serves the built dashboard over HTTP and the contract over a
 * token-protected WebSocket bridge, so the same renderer runs in a browser.
 *
 * - Static files are public (the page must load to show its sign-in prompt); everything under
 *   /api and the bridge need the token: `?token=` or `Authorization: Bearer` (the same tokens,
 *   surrounding spaces ignored), else HTTP 401 / WebSocket close 4401.
 * - Failed attempts are logged per client at most once per 10 s (with a count); a client that keeps
 *   failing is refused for a while: HTTP 429 with Retry-After / WebSocket close 4429.
 * - Browser origins other than the server's own are refused (no cross-site WebSocket hijacking).
 * - A bridge client may send `{t:"subscribe", events:[…]}`: from then on only those events are
 *   forwarded to it (unknown names are refused with an error frame, the subscription unchanged);
 *   a client that never subscribes receives every event.
 * - `GET /api/status`: app.status as JSON; `GET /api/metrics`: the Prometheus text export of the
 *   registry `metrics()` returns (prom-client; the runtime's merged registry) — both behind the
 *   token like the rest of /api.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  BRIDGE_PATH,
  BRIDGE_THROTTLED_CLOSE,
  BRIDGE_UNAUTHORIZED_CLOSE,
  BridgeClientMessageSchema,
  BridgeSubscribeMessageSchema,
  EVENT_NAMES,
  METHOD_NAMES,
  isEventName,
  type BridgeServerMessage,
  type EventName
} from '../../shared/contract'
import { CONTENT_SECURITY_POLICY } from '../../shared/csp'
import type { Dispatch } from '../dispatch'
import type { EventBus } from '../events'
import type { Logger } from '../logging/logger'
import { secretDigest, secretMatches } from '../config/secrets'
import { exposition } from '../metrics/prometheus'
import { AuthThrottle, type AuthThrottleOptions } from './auth-throttle'
import { contentTypeOf } from './content-types'

export { BRIDGE_THROTTLED_CLOSE }

export interface AdminServerOptions {
  host: string
  port: number
  token: string
  /** Folder with the built renderer (index.html + assets); null = API only. */
  rendererDir: string | null
  dispatch: Dispatch
  events: EventBus
  log: Logger
  version: string
  /**
   * The Prometheus registry `GET /api/metrics` exports, asked for at every scrape (the runtime's
   * metricsRegistry(): its own metrics plus every running service's). Without it the path is 404.
   */
  metrics?: () => Registry
  /** Failed-token throttling and log rate limit (defaults: 20 failures/min → 60 s refusal, one line per 10 s). */
  authThrottle?: AuthThrottleOptions
}

type AuthVerdict = { kind: 'ok' } | { kind: 'unauthorized' } | { kind: 'throttled'; retryAfterSeconds: number }


/** Max bytes a client may have queued before live events to it are dropped (slow client). */
const MAX_BUFFERED = 8 * 1024 * 1024

export class AdminServer {
  private server: http.Server | null = null
  private wss: WebSocketServer | null = null
  /** Connected bridge clients: id, and the events they subscribed to (null = never subscribed: all). */
  private clients = new Map<WebSocket, { id: string; events: ReadonlySet<EventName> | null }>()
  private unsubscribe: (() => void) | null = null
  private readonly tokenDigest: Buffer
  private readonly throttle: AuthThrottle

  constructor(private readonly opts: AdminServerOptions) {
    this.tokenDigest = secretDigest(opts.token)
    this.throttle = new AuthThrottle(opts.authThrottle)
  }

  /** The bound address (port resolved when 0 was asked). */
  get address(): { host: string; port: number } {
    const a = this.server?.address() as AddressInfo | null
    if (!a) throw new Error('admin server is not listening')
    return { host: this.opts.host, port: a.port }
  }

  get url(): string {
    const { host, port } = this.address
    const h = host.includes(':') ? `[${host}]` : host
    return `http://${h === '0.0.0.0' ? '127.0.0.1' : h}:${port}/`
  }

  get clientCount(): number {
    return this.clients.size
  }

  tokenValid(candidate: string | null | undefined): boolean {
    if (!candidate) return false
    return secretMatches(candidate, this.tokenDigest)
  }

  async start(): Promise<void> {
    if (this.server) return
    const server = http.createServer((req, res) => this.handleHttp(req, res))
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 })
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname !== BRIDGE_PATH || !this.originAllowed(req)) {
        socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
        socket.destroy()
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.handleSocket(ws, req, url))
    })
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        server.off('listening', onListening)
        if (err.code === 'EADDRINUSE') {
          reject(
            new Error(
              `Admin port ${this.opts.port} on ${this.opts.host} is already in use (another WARP Host?). Set ADMIN_PORT to a free port.`
            )
          )
        } else if (err.code === 'EACCES') {
          reject(new Error(`Not allowed to listen on ${this.opts.host}:${this.opts.port}; use a port above 1024 (ADMIN_PORT).`))
        } else reject(err)
      }
      const onListening = (): void => {
        server.off('error', onError)
        resolve()
      }
      server.once('error', onError)
      server.once('listening', onListening)
      server.listen(this.opts.port, this.opts.host)
    })
    this.server = server
    this.wss = wss
    this.unsubscribe = this.opts.events.onAny((event, payload) => this.broadcast(event, { t: 'event', event, payload }))
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = null
    for (const ws of this.clients.keys()) ws.close(1001, 'server shutting down')
    this.clients.clear()
    const server = this.server
    this.server = null
    this.wss?.close()
    this.wss = null
    if (!server) return
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  private originAllowed(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin
    if (!origin) return true // non-browser client; the token still applies
    try {
      return new URL(origin).host === req.headers.host
    } catch {
      return false
    }
  }

  /**
   * The tokens a request offers, read the same way from both places: `Authorization: Bearer`
   * (scheme in any case) and `?token=` (also taken literally, so a `+` in the token works
   * unencoded); surrounding spaces are ignored in both.
   */
  private requestTokens(req: http.IncomingMessage, url: URL): string[] {
    const out: string[] = []
    const auth = req.headers.authorization
    const bearer = auth ? /^\s*bearer\s+(.*)$/i.exec(auth) : null
    if (bearer) out.push(bearer[1]!.trim())
    const q = url.searchParams.get('token')
    if (q !== null) out.push(q.trim())
    const raw = /(?:^|[?&])token=([^&]*)/.exec(url.search)?.[1]
    if (raw !== undefined) {
      try {
        out.push(decodeURIComponent(raw).trim())
      } catch {
        // malformed escape: the decoded form above is all there is
      }
    }
    return out.filter((t) => t.length > 0)
  }

  /** Checks the token, counting failures per client address (logged rate-limited, throttled). */
  private authorize(req: http.IncomingMessage, url: URL, via: 'http' | 'bridge'): AuthVerdict {
    const client = req.socket.remoteAddress ?? 'unknown'
    const wait = this.throttle.retryAfterSeconds(client)
    if (wait > 0) return { kind: 'throttled', retryAfterSeconds: wait }
    const tokens = this.requestTokens(req, url)
    if (tokens.some((t) => this.tokenValid(t))) {
      this.throttle.success(client)
      return { kind: 'ok' }
    }
    const verdict = this.throttle.failure(client)
    if (verdict.logCount > 0) {
      this.opts.log.warn(`admin authentication failed: ${tokens.length === 0 ? 'no token' : 'wrong token'}`, {
        remote: client,
        via,
        path: url.pathname,
        failures: verdict.logCount
      })
    }
    if (verdict.blockedNow) {
      const secs = Math.ceil(this.throttle.blockMs / 1000)
      this.opts.log.warn(`too many failed admin authentications from ${client}: refusing it for ${secs} s`, { remote: client })
      return { kind: 'throttled', retryAfterSeconds: secs }
    }
    return { kind: 'unauthorized' }
  }

  private handleSocket(ws: WebSocket, req: http.IncomingMessage, url: URL): void {
    const auth = this.authorize(req, url, 'bridge')
    if (auth.kind === 'throttled') {
      ws.close(BRIDGE_THROTTLED_CLOSE, `too many failed attempts; retry in ${auth.retryAfterSeconds} s`)
      return
    }
    if (auth.kind === 'unauthorized') {
      ws.close(BRIDGE_UNAUTHORIZED_CLOSE, 'unauthorized: missing or wrong token')
      return
    }
    const id = randomUUID().slice(0, 8)
    this.clients.set(ws, { id, events: null })
    this.opts.log.debug('bridge client connected', { client: id, remote: req.socket.remoteAddress })
    this.send(ws, { t: 'hello', version: this.opts.version, methods: [...METHOD_NAMES], events: [...EVENT_NAMES] })
    ws.on('message', (data, isBinary) => void this.handleMessage(ws, id, data, isBinary))
    ws.on('close', () => {
      this.clients.delete(ws)
      this.opts.log.debug('bridge client disconnected', { client: id })
    })
    ws.on('error', (err) => this.opts.log.warn('bridge socket error', { client: id, error: err.message }))
  }

  private async handleMessage(ws: WebSocket, client: string, data: unknown, isBinary: boolean): Promise<void> {
    if (isBinary) {
      this.send(ws, { t: 'error', message: 'binary frames are not accepted; send JSON text' })
      return
    }
    let json: unknown
    try {
      json = JSON.parse(String(data))
    } catch {
      this.opts.log.warn('bridge frame is not JSON', { client })
      this.send(ws, { t: 'error', message: 'frame is not valid JSON' })
      return
    }
    if (json !== null && typeof json === 'object' && (json as { t?: unknown }).t === 'subscribe') {
      this.handleSubscribe(ws, client, json)
      return
    }
    const msg = BridgeClientMessageSchema.safeParse(json)
    if (!msg.success) {
      this.opts.log.warn('bridge frame has the wrong shape', { client })
      this.send(ws, {
        t: 'error',
        message: `frame must be {t:"call", id, method, input} or {t:"subscribe", events}: ${msg.error.issues[0]?.message ?? ''}`
      })
      return
    }
    const result = await this.opts.dispatch(msg.data.method, msg.data.input, { transport: 'bridge', client })
    this.send(ws, { t: 'result', id: msg.data.id, result })
  }

  /** `{t:"subscribe", events}`: replaces the client's subscription, or refuses it whole. */
  private handleSubscribe(ws: WebSocket, client: string, json: unknown): void {
    const msg = BridgeSubscribeMessageSchema.safeParse(json)
    if (!msg.success) {
      const issue = msg.error.issues[0]
      this.send(ws, {
        t: 'error',
        message: `subscribe frame must be {t:"subscribe", events: string[]}: ${issue ? `${issue.path.join('.') || 'frame'}: ${issue.message}` : ''}`
      })
      return
    }
    const unknown = msg.data.events.filter((e) => !isEventName(e))
    if (unknown.length > 0) {
      this.opts.log.warn('bridge client subscribed to unknown events', { client, unknown: unknown.join(', ') })
      this.send(ws, {
        t: 'error',
        message: `cannot subscribe to unknown event${unknown.length === 1 ? '' : 's'} ${unknown.map((e) => JSON.stringify(e)).join(', ')}; known events: ${EVENT_NAMES.join(', ')}`,
        unknownEvents: unknown
      })
      return
    }
    const entry = this.clients.get(ws)
    if (!entry) return
    const events = new Set(msg.data.events.filter(isEventName))
    entry.events = events
    this.send(ws, { t: 'subscribed', events: [...events] })
  }

  private send(ws: WebSocket, msg: BridgeServerMessage): void {
    if (ws.readyState !== ws.OPEN) return
    ws.send(JSON.stringify(msg))
  }

  private broadcast(event: EventName, msg: BridgeServerMessage): void {
    if (this.clients.size === 0) return
    let text: string | null = null
    for (const [ws, { events }] of this.clients) {
      if (ws.readyState !== ws.OPEN) continue
      if (events !== null && !events.has(event)) continue
      if (ws.bufferedAmount > MAX_BUFFERED) continue // a stalled client misses live events, not results
      text ??= JSON.stringify(msg)
      ws.send(text)
    }
  }

  private handleHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.setHeader('X-Frame-Options', 'DENY')
    if (url.pathname === '/healthz') {
      this.json(res, 200, { ok: true })
      return
    }
    if (url.pathname.startsWith('/api/') || url.pathname === BRIDGE_PATH) {
      const auth = this.authorize(req, url, 'http')
      if (auth.kind === 'throttled') {
        res.setHeader('Retry-After', String(auth.retryAfterSeconds))
        this.json(res, 429, { error: 'too_many_attempts', message: `too many failed attempts; retry in ${auth.retryAfterSeconds} s` })
        return
      }
      if (auth.kind === 'unauthorized') {
        res.setHeader('WWW-Authenticate', 'Bearer realm="warp-host"')
        this.json(res, 401, { error: 'unauthorized', message: 'missing or wrong admin token' })
        return
      }
      void this.handleApi(req, res, url)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      this.json(res, 405, { error: 'method not allowed' })
      return
    }
    this.serveStatic(req, res, url)
  }

  private async handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/api/status' && req.method === 'GET') {
      const r = await this.opts.dispatch('app.status', undefined, { transport: 'bridge', client: 'http' })
      this.json(res, r.ok ? 200 : 500, r.ok ? r.value : r.error)
      return
    }
    if (url.pathname === '/api/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD')
        this.json(res, 405, { error: 'method not allowed' })
        return
      }
      await this.serveMetrics(req, res)
      return
    }
    this.json(res, 404, { error: 'not found' })
  }

  /** Prometheus text exposition of the registry the options name. */
  private async serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.opts.metrics) {
      this.json(res, 404, { error: 'not found' })
      return
    }
    let text: string
    let contentType: string
    try {
      const registry = this.opts.metrics()
      contentType = registry.contentType
      text = await exposition(registry)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      this.opts.log.error('could not build the metrics export', { error: message })
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
      res.end(`could not build the metrics: ${message}\n`)
      return
    }
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' })
    res.end(req.method === 'HEAD' ? undefined : text)
  }

  private serveStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const root = this.opts.rendererDir
    if (!root || !fs.existsSync(path.join(root, 'index.html'))) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('The dashboard is not built. Run `npm run build` (npm run headless builds it when needed).\n')
      return
    }
    let rel: string
    try {
      rel = decodeURIComponent(url.pathname)
    } catch {
      this.json(res, 400, { error: 'bad path' })
      return
    }
    const resolved = path.resolve(root, '.' + rel)
    if (!resolved.startsWith(path.resolve(root) + path.sep) && resolved !== path.resolve(root)) {
      this.json(res, 404, { error: 'not found' })
      return
    }
    let file = resolved
    let isIndex = false
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      // Client-side routes fall back to the app; a missing asset is a real 404.
      if (path.extname(rel)) {
        this.json(res, 404, { error: 'not found' })
        return
      }
      file = path.join(root, 'index.html')
      isIndex = true
    }
    const ext = path.extname(file)
    res.setHeader('Content-Type', contentTypeOf(file))
    res.setHeader('Cache-Control', isIndex || ext === '.html' ? 'no-store' : 'public, max-age=31536000, immutable')
    if (ext === '.html') res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    res.writeHead(200)
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    fs.createReadStream(file).pipe(res)
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(JSON.stringify(body))
  }
}
