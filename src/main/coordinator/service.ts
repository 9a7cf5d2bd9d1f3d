/**
 * The `coordinator` service (embedded registry): opens its store on the app database, serves the
 * REST API on coordinator.host:coordinator.port (RegistryServer), and runs the health sweep on a
 * timer with the injected clock — hosts silent for 90 s go offline and their sessions end, empty
 * and stale sessions end. The API key is coordinator.api_key or a generated one kept in the data
 * folder (`coordinator-api-key`); the JWT secret is generated once and kept there too.
 */
import type { Registry } from 'prom-client'
import { version as packageVersion } from '../../../package.json'
import type { Config } from '../../shared/config-schema'
import type { Clock } from '../clock'
import { keptToken } from '../config/secrets'
import type { HttpClientRegistry } from '../http/registry'
import { errorFields, type Logger } from '../logging/logger'
import { LifecycleService } from '../service'
import type { AppStore } from '../store/app-store'
import { startCoordinatorClient, CoordinatorCallError, type CoordinatorClientHandle, type CoordinatorClientSettings, type HostingReport } from './client'
import type { HostedRoom } from './hosting-zones'
import { DEFAULT_TOKEN_SETTINGS, TokenIssuer, type TokenSettings, type AccessClaims } from './auth'
import { registerCoordinatorMetrics, type CoordinatorMetrics } from './metrics'
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from './rate-limit'
import { RegistryServer } from './registry-server'
import { RegistryStore, type SweepSettings } from './registry-store'
import { SignalingServer } from './signaling'

export const DEFAULT_SWEEP: SweepSettings & { everyMs: number } = {
  hostTimeoutMs: 90_000,
  emptySessionGraceMs: 10 * 60_000,
  staleSessionMs: 30 * 60_000,
  everyMs: 10_000
}

export interface CoordinatorServiceOptions {
  config: Config
  log: Logger
  store: AppStore
  clock: Clock
  metrics?: Registry
  version?: string
  /** Overrides (tests, bench): rate limits, sweep timing, token lifetimes. */
  rateLimits?: Partial<RateLimitSettings>
  sweep?: Partial<SweepSettings & { everyMs: number }>
  tokens?: Partial<TokenSettings>
  /** Named HTTP clients (the coordinator client registers "coordinator"). */
  httpClients?: HttpClientRegistry
  /**
   * This host as the coordinator's client (registration, heartbeats, HOST_ZONES), with its timing
   * (tests: short heartbeats and backoff). The module always sets it; without it the embedded
   * registry runs alone (the registry's own tests). With COORDINATOR_URL the client always runs.
   */
  client?: CoordinatorClientSettings
  /** Serve the signaling WebSocket (both dialects) on the registry's port; the module sets it. */
  signaling?: boolean
}

export class CoordinatorService extends LifecycleService {
  private http: RegistryServer | null = null
  private registry: RegistryStore | null = null
  private issuer: TokenIssuer | null = null
  private sweepTimer: NodeJS.Timeout | null = null
  private readonly m: CoordinatorMetrics | null
  private readonly sweepSettings: SweepSettings & { everyMs: number }
  /** The API key clients must send (config or kept in the data folder); set at start. */
  private key = ''
  /** This host as a client of the coordinator (remote, or the embedded registry). */
  private client: CoordinatorClientHandle | null = null
  private readonly roomListeners = new Set<() => void>()
  private report: (() => HostingReport | null) | null = null

  constructor(private readonly opts: CoordinatorServiceOptions) {
    super('coordinator', opts.config.coordinator.url === '' ? 'Coordinator (embedded registry)' : 'Coordinator (remote)', opts.client?.backoff)
    this.sweepSettings = { ...DEFAULT_SWEEP, ...opts.sweep }
    this.m = opts.metrics
      ? registerCoordinatorMetrics(opts.metrics, {
          hostsOnline: () => (this.registry ? this.registry.counts().hosts_online : null),
          sessionsActive: () => (this.registry ? this.registry.counts().sessions_active : null)
        })
      : null
  }

  protected async onStart(): Promise<void> {
    const c = this.opts.config.coordinator
    if (c.url !== '') {
      // Remote coordinator: no embedded registry, only the client.
      this.key = c.api_key
      await this.startClient(c.url)
      return
    }
    const dataDir = this.opts.config.data_dir
    this.key = c.api_key !== '' ? c.api_key : keptToken(dataDir, 'coordinator-api-key')
    const db = this.opts.store.database
    const registry = new RegistryStore(db, this.opts.clock)
    const issuer = new TokenIssuer(keptToken(dataDir, 'coordinator-jwt-secret', 32), db, this.opts.clock, { ...DEFAULT_TOKEN_SETTINGS, ...this.opts.tokens })
    const server = new RegistryServer({
      host: c.host,
      port: c.port,
      store: registry,
      tokens: issuer,
      apiKey: this.key,
      clock: this.opts.clock,
      log: this.opts.log,
      version: this.opts.version ?? packageVersion,
      rateLimits: { ...DEFAULT_RATE_LIMITS, ...this.opts.rateLimits },
      onResponse: (route, method, status) => this.m?.request(route, method, status),
      onRateLimited: (route) => this.m?.rateLimited(route)
    })
    // The signaling WebSocket (and its socket.io dialect) on the same port; closed before the HTTP server.
    if (this.opts.signaling) {
      const signaling = new SignalingServer({ verifyToken: async (t) => (await issuer.verify(t, 'access')) !== null, metrics: this.opts.metrics, log: this.opts.log.scope('coordinator.signaling') })
      signaling.attach(server.server)
      server.beforeClose(() => signaling.close())
    }
    try {
      await server.listen()
    } catch (err) {
      await server.close().catch(() => undefined)
      this.setDetail(`cannot listen on ${c.host}:${c.port}`)
      throw err
    }
    this.registry = registry
    this.issuer = issuer
    this.http = server
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepSettings.everyMs)
    this.sweepTimer.unref()
    this.setDetail(`serving the coordinator API at ${server.url}/api/v1`)
    this.opts.log.info(`embedded coordinator registry at ${server.url}/api/v1`, { apiKeyFrom: c.api_key !== '' ? 'config' : 'data folder' })
    if (!this.opts.client) return
    try {
      await this.startClient(server.url)
    } catch (err) {
      await this.onStop().catch(() => undefined)
      throw err
    }
  }

  /**
   * The coordinator client against `baseUrl` (this host's registration, heartbeats, HOST_ZONES).
   * A host that serves no zone (HOST_ZONES empty) is not hosting: it does not register at all.
   */
  private async startClient(baseUrl: string): Promise<void> {
    const registry = this.http ? `serving the coordinator API at ${this.http.url}/api/v1; ` : ''
    if (this.opts.config.hosting.zones.length === 0) {
      this.setDetail(`${registry}not hosting (HOST_ZONES is empty)`)
      return
    }
    this.client = await startCoordinatorClient({
      baseUrl,
      apiKey: this.key,
      zones: this.opts.config.hosting.zones,
      store: this.opts.store,
      log: this.opts.log.scope('coordinator.client'),
      httpClients: this.opts.httpClients,
      settings: this.opts.client,
      onHealth: (error) => (error === undefined ? this.markRecovered() : this.markReconnecting(error)),
      onChange: () => {
        this.setDetail(`${registry}${this.client?.agent.describe() ?? ''}`)
        this.roomsChanged()
      },
      hostingReport: () => this.report?.() ?? null
    })
    this.roomsChanged()
    this.setDetail(`${registry}${this.client.agent.describe()}`)
  }

  /** A coordinator that does not answer (yet) is retried by the reconnecting start. */
  protected override isTransient(err: unknown): boolean {
    return err instanceof CoordinatorCallError && err.transient
  }

  /** The sessions this host serves and their signaling rooms (empty when not hosting). */
  hostedRooms(): HostedRoom[] {
    return this.client?.agent.rooms() ?? []
  }

  /** Called whenever the hosted sessions may have changed (opened, re-created, closed). */
  onRoomsChanged(listener: () => void): () => void {
    this.roomListeners.add(listener)
    return () => this.roomListeners.delete(listener)
  }

  /** Peer hosting's figures for the heartbeat (players connected, per-session latency and traffic). */
  useHostingReport(provider: () => HostingReport | null): () => void {
    this.report = provider
    return () => {
      if (this.report === provider) this.report = null
    }
  }

  private roomsChanged(): void {
    for (const l of this.roomListeners) {
      try {
        l()
      } catch (err) {
        this.opts.log.warn('a hosted-rooms listener failed', errorFields(err))
      }
    }
  }

  /** This host as the coordinator's client (null while stopped). */
  get hostAgent(): CoordinatorClientHandle['agent'] | null {
    return this.client?.agent ?? null
  }

  protected async onStop(): Promise<void> {
    const client = this.client
    this.client = null
    this.roomsChanged()
    await client?.stop().catch((err: unknown) => this.opts.log.warn('coordinator client stop failed', errorFields(err)))
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.sweepTimer = null
    await this.http?.close()
    this.http = null
    this.registry?.close()
    this.registry = null
    this.issuer = null
  }

  /** One health sweep now (the timer runs it every `everyMs`). */
  sweep(): { hostsOffline: string[]; sessionsEnded: number } | null {
    const registry = this.registry
    if (!registry) return null
    try {
      const r = registry.sweep(this.sweepSettings)
      if (r.hostsOffline.length > 0) {
        this.m?.hostsWentOffline(r.hostsOffline.length)
        this.opts.log.info(`${r.hostsOffline.length} host(s) went offline after ${this.sweepSettings.hostTimeoutMs / 1000} s without a heartbeat`, { hosts: r.hostsOffline.slice(0, 20) })
      }
      if (r.sessionsEnded > 0) {
        this.m?.sessionsEnded('sweep', r.sessionsEnded)
        this.opts.log.info(`ended ${r.sessionsEnded} session(s) (host offline, empty or stale)`)
      }
      return r
    } catch (err) {
      this.opts.log.error('coordinator health sweep failed', errorFields(err))
      return null
    }
  }

  /** The REST server (the signaling server attaches to `registryServer.server`); null while stopped. */
  get registryServer(): RegistryServer | null {
    return this.http
  }

  /** The registry's data (null while stopped). */
  get registryStore(): RegistryStore | null {
    return this.registry
  }

  /** The API key clients send as X-API-Key (empty before the first start). */
  get apiKey(): string {
    return this.key
  }

  /** Verifies an access token from /auth/token (the signaling WebSocket's `?token=`). */
  async verifyToken(token: string): Promise<AccessClaims | null> {
    return this.issuer ? this.issuer.verify(token, 'access') : null
  }
}
