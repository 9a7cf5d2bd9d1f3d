/**
 * The embedded registry's HTTP server (Fastify): the coordinator's REST API under /api/v1 with
 * the real service's paths, fields, status codes and `{"detail": …}` errors (422 with field
 * details for bad input), `X-API-Key` on every route but `/`, `/health`, `/docs` and the
 * monitoring dashboard, per-client rate limits (429 + Retry-After + X-RateLimit-*), a body limit,
 * and the monitoring endpoints. `server` is the underlying Node http.Server, so the signaling
 * WebSocket (and its socket.io dialect) attach to the same port; no route here claims
 * /api/v1/signaling/ws or /socket.io/.
 */
import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Clock } from '../clock'
import { errorFields, type Logger } from '../logging/logger'
import { secretDigest, secretMatches } from '../config/secrets'
import type { TokenIssuer } from './auth'
import { qualityBucket } from './quality'
import { FixedWindowLimiter, type RateLimitSettings } from './rate-limit'
import { RegistryError, type RegistryStore } from './registry-store'
import {
  AddPlayerSchema,
  AvailableQuery,
  CleanupQuery,
  HeartbeatSchema,
  HostListQuery,
  HostParams,
  HostRegisterSchema,
  RefreshRequestSchema,
  SessionCreateSchema,
  SessionEndQuery,
  SessionListQuery,
  SessionMetricsSchema,
  SessionParams,
  SessionPlayerParams,
  TokenRequestSchema,
  ValidationError,
  ZoneListQuery,
  ZoneParams,
  ZoneStatusQuery,
  ZoneUpsertSchema,
  parsePart
} from './wire'

export const SERVICE_NAME = 'P2P Coordinator'

/** Paths served without X-API-Key (as the real service). */
const PUBLIC_PATHS = new Set(['/', '/health', '/docs', '/openapi.json', '/api/v1/monitoring/dashboard'])

export interface RegistryServerOptions {
  host: string
  port: number
  store: RegistryStore
  tokens: TokenIssuer
  apiKey: string
  clock: Clock
  log: Logger
  version: string
  rateLimits: RateLimitSettings
  /** Request body limit in bytes (default 64 KiB). */
  bodyLimit?: number
  /** Every answered request: route pattern, method, status (metrics). */
  onResponse?: (route: string, method: string, status: number) => void
  /** A request refused by the rate limit (metrics). */
  onRateLimited?: (route: string) => void
  /** Component health for the dashboard's `system` (the signaling server adds its own later). */
  systemHealth?: () => Record<string, unknown>
  /**
   * More routes on the same server, registered before it listens (e.g. the signaling server's
   * `/api/v1/signaling/stats`). They get the API key check, rate limits and error bodies too.
   */
  extraRoutes?: (app: FastifyInstance) => void
}

export class RegistryServer {
  private readonly app: FastifyInstance
  private readonly limiter: FixedWindowLimiter
  private readonly startedAt: number
  private bound: AddressInfo | null = null
  private readonly keyDigest: Buffer
  private readonly closers: (() => Promise<void> | void)[] = []

  constructor(private readonly o: RegistryServerOptions) {
    this.app = Fastify({
      logger: false,
      bodyLimit: o.bodyLimit ?? 64 * 1024,
      trustProxy: false,
      return503OnClosing: true,
      // `/api/v1/hosts` and `/api/v1/hosts/` are one route (FastAPI redirects one to the other).
      routerOptions: { ignoreTrailingSlash: true }
    })
    this.keyDigest = secretDigest(o.apiKey)
    this.limiter = new FixedWindowLimiter(o.rateLimits, () => o.clock.monotonic())
    this.startedAt = o.clock.now()
    this.configure()
    this.routes()
    o.extraRoutes?.(this.app)
  }

  /** The Node http.Server under Fastify: the signaling WebSocket and socket.io attach here. */
  get server(): http.Server {
    return this.app.server
  }

  /** The bound address (after listen()). */
  get address(): AddressInfo {
    if (!this.bound) throw new Error('the registry server is not listening')
    return this.bound
  }

  get url(): string {
    const a = this.address
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    return `http://${host}:${a.port}`
  }

  async listen(): Promise<AddressInfo> {
    try {
      await this.app.listen({ host: this.o.host, port: this.o.port })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE') {
        throw new Error(`${this.o.host}:${this.o.port} is already in use (another coordinator or WARP Host?): set COORDINATOR_PORT (coordinator.port) to a free port`, { cause: err })
      }
      if (code === 'EADDRNOTAVAIL') throw new Error(`${this.o.host} is not an address of this machine: check COORDINATOR_HOST (coordinator.host)`, { cause: err })
      if (code === 'EACCES') throw new Error(`not allowed to listen on ${this.o.host}:${this.o.port}: pick a port above 1024`, { cause: err })
      throw err
    }
    this.bound = this.app.server.address() as AddressInfo
    return this.bound
  }

  /**
   * Work to finish before the HTTP server closes, newest first (the signaling server closes its
   * WebSockets here: upgraded sockets would otherwise keep `close()` waiting).
   */
  beforeClose(fn: () => Promise<void> | void): void {
    this.closers.unshift(fn)
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0)) {
      try {
        await fn()
      } catch (err) {
        this.o.log.warn('a part of the coordinator server did not close cleanly', errorFields(err))
      }
    }
    this.server.closeAllConnections?.()
    await this.app.close()
    this.bound = null
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private configure(): void {
    const app = this.app
    // JSON bodies; an empty body is no body (clients POST actions with a JSON content type and nothing else).
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8')
      if (text.trim() === '') return done(null, undefined)
      try {
        done(null, JSON.parse(text))
      } catch (err) {
        done(new ValidationError([{ type: 'json_invalid', loc: ['body', 0], msg: `JSON decode error: ${err instanceof Error ? err.message : String(err)}` }]), undefined)
      }
    })

    app.addHook('onRequest', async (req, reply) => {
      const path = req.url.split('?', 1)[0]!
      const verdict = this.limiter.take(req.ip, path)
      void reply.header('X-RateLimit-Limit', verdict.limit).header('X-RateLimit-Remaining', verdict.remaining).header('X-RateLimit-Reset', verdict.resetAt)
      if (!verdict.allowed) {
        this.o.onRateLimited?.(routeOf(req))
        return reply.code(429).header('Retry-After', verdict.retryAfter).send({ detail: 'Rate limit exceeded. Try again later.', error: 'rate_limited', retry_after: verdict.retryAfter })
      }
      if (PUBLIC_PATHS.has(path)) return
      const key = req.headers['x-api-key']
      const presented = Array.isArray(key) ? key[0] : key
      if (presented === undefined || presented === '') return reply.code(401).send({ detail: 'Missing X-API-Key header', error: 'unauthorized' })
      if (!secretMatches(presented, this.keyDigest)) return reply.code(401).send({ detail: 'Invalid API key', error: 'unauthorized' })
    })

    app.addHook('onResponse', async (req, reply) => {
      this.o.onResponse?.(routeOf(req), req.method, reply.statusCode)
    })

    app.setNotFoundHandler((_req, reply) => reply.code(404).send({ detail: 'Not Found' }))

    app.setErrorHandler((err: unknown, req, reply) => {
      if (err instanceof ValidationError) return reply.code(422).send({ detail: err.details })
      if (err instanceof RegistryError) return reply.code(err.status).send({ detail: err.detail })
      const e = err as { statusCode?: number; code?: string; message?: string }
      if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ detail: 'Request body too large' })
      if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send({ detail: 'Unsupported media type: send application/json' })
      if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return reply.code(e.statusCode).send({ detail: e.message ?? 'Bad request' })
      this.o.log.error('coordinator request failed', { method: req.method, url: req.url, ...errorFields(err) })
      return reply.code(500).send({ detail: 'Internal server error' })
    })
  }

  // ---- routes ----------------------------------------------------------------------------------

  private routes(): void {
    const app = this.app
    const store = this.o.store
    const query = (req: FastifyRequest) => req.query as Record<string, unknown>

    app.get('/', async () => ({
      service: SERVICE_NAME,
      version: this.o.version,
      status: 'running',
      embedded: true,
      implementation: 'WARP Host embedded registry',
      api: '/api/v1',
      signaling: '/api/v1/signaling/ws'
    }))
    app.get('/health', async (_req, reply) => {
      let ok = false
      let error: string | undefined
      try {
        ok = store.ping()
      } catch (err) {
        error = err instanceof Error ? err.message : String(err)
      }
      const database = { status: ok ? 'healthy' : 'unhealthy', type: 'sqlite', ...(error ? { error } : {}) }
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'healthy' : 'unhealthy', service: SERVICE_NAME, version: this.o.version, database })
    })

    // hosts
    app.post('/api/v1/hosts/register', async (req, reply) => reply.code(201).send(store.register(parsePart(HostRegisterSchema, req.body, 'body'))))
    app.post('/api/v1/hosts/:host_id/heartbeat', async (req) => {
      const { host_id } = parsePart(HostParams, req.params, 'path')
      return store.heartbeat(host_id, parsePart(HeartbeatSchema, req.body ?? {}, 'body'))
    })
    app.get('/api/v1/hosts/available/list', async (req) => store.availableHosts(parsePart(AvailableQuery, query(req), 'query').zone_id))
    app.get('/api/v1/hosts/available/best', async (req) => {
      const best = store.availableHosts(parsePart(AvailableQuery, query(req), 'query').zone_id)[0]
      if (!best) throw new RegistryError(404, 'No available hosts found')
      return best
    })
    app.get('/api/v1/hosts/', async (req) => {
      const q = parsePart(HostListQuery, query(req), 'query')
      return store.hosts({ status: q.status_filter, minQuality: q.min_quality_score })
    })
    app.get('/api/v1/hosts/:host_id', async (req) => store.host(parsePart(HostParams, req.params, 'path').host_id))
    app.delete('/api/v1/hosts/:host_id', async (req, reply) => {
      store.deleteHost(parsePart(HostParams, req.params, 'path').host_id)
      return reply.code(204).send()
    })

    // zones
    app.post('/api/v1/zones/', async (req, reply) => reply.code(201).send(store.upsertZone(parsePart(ZoneUpsertSchema, req.body, 'body'))))
    app.get('/api/v1/zones/', async (req) => store.zones({ p2pEnabled: parsePart(ZoneListQuery, query(req), 'query').p2p_enabled }))
    app.get('/api/v1/zones/p2p/enabled', async () => store.zones({ p2pEnabled: true }))
    app.get('/api/v1/zones/:zone_id', async (req) => store.zone(parsePart(ZoneParams, req.params, 'path').zone_id))
    app.post('/api/v1/zones/:zone_id/enable-p2p', async (req) => store.setZoneP2p(parsePart(ZoneParams, req.params, 'path').zone_id, true))
    app.post('/api/v1/zones/:zone_id/disable-p2p', async (req) => store.setZoneP2p(parsePart(ZoneParams, req.params, 'path').zone_id, false))
    app.patch('/api/v1/zones/:zone_id/status', async (req) => {
      const { zone_id } = parsePart(ZoneParams, req.params, 'path')
      return store.setZoneStatus(zone_id, parsePart(ZoneStatusQuery, query(req), 'query').new_status)
    })

    // sessions
    app.post('/api/v1/sessions/', async (req, reply) => reply.code(201).send(store.createSession(parsePart(SessionCreateSchema, req.body, 'body'))))
    app.get('/api/v1/sessions/', async (req) => {
      const q = parsePart(SessionListQuery, query(req), 'query')
      return store.sessions({ status: q.status_filter, hostId: q.host_id, zoneId: q.zone_id, limit: q.limit })
    })
    app.post('/api/v1/sessions/cleanup', async (req) => {
      const { timeout_minutes } = parsePart(CleanupQuery, query(req), 'query')
      const cleaned = store.cleanupStale(timeout_minutes * 60_000)
      return { message: `Cleaned up ${cleaned} stale session(s)`, cleaned_count: cleaned, timeout_minutes }
    })
    app.get('/api/v1/sessions/host/:host_id/active', async (req) => store.activeSessionsOfHost(parsePart(HostParams, req.params, 'path').host_id))
    app.get('/api/v1/sessions/zone/:zone_id/active', async (req) => store.activeSessionsOfZone(parsePart(ZoneParams, req.params, 'path').zone_id))
    app.get('/api/v1/sessions/:session_id', async (req) => store.session(parsePart(SessionParams, req.params, 'path').session_id))
    app.post('/api/v1/sessions/:session_id/activate', async (req) => store.activate(parsePart(SessionParams, req.params, 'path').session_id))
    app.post('/api/v1/sessions/:session_id/end', async (req) => {
      const { session_id } = parsePart(SessionParams, req.params, 'path')
      const { reason } = parsePart(SessionEndQuery, query(req), 'query')
      const ended = store.endSession(session_id, reason)
      return { message: ended ? `Session ${session_id} ended` : `Session ${session_id} had already ended`, session_id, reason, session: store.session(session_id) }
    })
    const metrics = async (req: FastifyRequest) => {
      const { session_id } = parsePart(SessionParams, req.params, 'path')
      return store.updateMetrics(session_id, parsePart(SessionMetricsSchema, req.body ?? {}, 'body'))
    }
    app.patch('/api/v1/sessions/:session_id/metrics', metrics)
    app.post('/api/v1/sessions/:session_id/metrics', metrics)
    app.post('/api/v1/sessions/:session_id/players', async (req) => {
      const { session_id } = parsePart(SessionParams, req.params, 'path')
      return store.addPlayer(session_id, parsePart(AddPlayerSchema, req.body, 'body').player_id)
    })
    app.delete('/api/v1/sessions/:session_id/players/:player_id', async (req) => {
      const p = parsePart(SessionPlayerParams, req.params, 'path')
      return store.removePlayer(p.session_id, p.player_id)
    })

    // auth
    app.post('/api/v1/auth/token', async (req) => {
      const b = parsePart(TokenRequestSchema, req.body, 'body')
      if (b.api_key !== undefined && b.api_key !== null && !secretMatches(b.api_key, this.keyDigest)) {
        throw new RegistryError(401, 'Invalid API key')
      }
      return this.o.tokens.issue(b.player_id, b.user_id)
    })
    app.post('/api/v1/auth/refresh', async (req) => {
      const pair = await this.o.tokens.refresh(parsePart(RefreshRequestSchema, req.body, 'body').refresh_token)
      if (!pair) throw new RegistryError(401, 'Invalid or expired refresh token')
      return pair
    })

    // monitoring
    app.get('/api/v1/monitoring/dashboard', async () => this.dashboard())
    app.get('/api/v1/monitoring/hosts/stats', async () => {
      const qs = store.onlineQualities()
      const dist = { excellent: 0, good: 0, fair: 0, poor: 0 }
      for (const q of qs) dist[qualityBucket(q)]++
      return { total_online: qs.length, quality_distribution: dist }
    })
    app.get('/api/v1/monitoring/metrics', async (_req, reply: FastifyReply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(this.prometheus()))
  }

  dashboard(): Record<string, unknown> {
    const c = this.o.store.counts()
    return {
      hosts: { total: c.hosts_total, online: c.hosts_online, offline: c.hosts_total - c.hosts_online, average_quality_score: round2(c.quality_avg ?? 0) },
      zones: { total: c.zones_total, enabled: c.zones_enabled, disabled: c.zones_total - c.zones_enabled },
      sessions: { total: c.sessions_total, active: c.sessions_active, inactive: c.sessions_total - c.sessions_active, total_players: c.players, average_latency_ms: round2(c.latency_avg ?? 0) },
      system: {
        status: 'healthy',
        database: { status: 'healthy', type: 'sqlite' },
        uptime_seconds: Math.round((this.o.clock.now() - this.startedAt) / 1000),
        ...this.o.systemHealth?.()
      },
      timestamp: new Date(this.o.clock.now()).toISOString()
    }
  }

  private prometheus(): string {
    const c = this.o.store.counts()
    const gauges: [string, string, number][] = [
      ['p2p_hosts_total', 'Registered hosts', c.hosts_total],
      ['p2p_hosts_online', 'Online hosts', c.hosts_online],
      ['p2p_host_quality_score_avg', 'Average quality score of online hosts', round2(c.quality_avg ?? 0)],
      ['p2p_zones_total', 'Zones', c.zones_total],
      ['p2p_zones_enabled', 'P2P-enabled zones', c.zones_enabled],
      ['p2p_sessions_total', 'Sessions', c.sessions_total],
      ['p2p_sessions_active', 'Active sessions', c.sessions_active],
      ['p2p_players_total', 'Players in active sessions', c.players],
      ['p2p_session_latency_ms_avg', 'Average latency of active sessions (ms)', round2(c.latency_avg ?? 0)],
      ['p2p_coordinator_up', 'The coordinator is up', 1]
    ]
    return gauges.map(([n, h, v]) => `# HELP ${n} ${h}\n# TYPE ${n} gauge\n${n} ${v}\n`).join('')
  }
}

const round2 = (v: number): number => Math.round(v * 100) / 100

/** The route pattern of a request (bounded label values), or "unmatched". */
function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? 'unmatched'
}
