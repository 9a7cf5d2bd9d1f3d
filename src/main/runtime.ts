/**
 * The runtime: creates, starts and stops the services from the config, and implements the
 * contract. Both entries use it — `index.ts` (Electron) and `headless.ts` (Node) — so every
 * capability runs and is tested without Electron.
 *
 * Adding a service: add a factory to SERVICE_FACTORIES naming the config sections it reads; the
 * runtime starts it in order, restarts it when one of its sections changes, and reports it in
 * `app.status`.
 */
import { version as packageVersion } from '../../package.json'
import type { AppStatus, ConfigUpdateResult, HttpClientMetrics as HttpClientMetricsView, MetricsHttp } from '../shared/contract'
import type { Config } from '../shared/config-schema'
import type { ConfigStore } from './config/config-store'
import { createDispatcher, type Dispatch, type Handlers } from './dispatch'
import { EventBus } from './events'
import { errorFields, type LogSink, type Logger } from './logging/logger'
import { ThrottledLog } from './logging/throttled-log'
import type { Service } from './service'
import { AppStore } from './store/app-store'
import type { LogEntry } from '../shared/log'
import { AI_IPC_FACTORY, AiIpcService } from './ai-ipc/service'
import { aiIpcHandlers } from './ai-ipc/contract-handlers'
import type { HttpClientMetrics } from './http/types'
import type { RuntimeMode, ServiceFactory } from './service-factory'

export type { RuntimeMode, ServiceContext, ServiceFactory } from './service-factory'

/**
 * The services beyond the app store, in start order. Later capabilities (ai-ipc, coordinator,
 * hosting, training) plug in here.
 */
export const SERVICE_FACTORIES: ServiceFactory[] = [AI_IPC_FACTORY]

/** Keys that only take effect after a restart of the whole app. */
const RESTART_REQUIRED_PREFIXES = ['admin.', 'data_dir']

export interface RuntimeOptions {
  configStore: ConfigStore
  sink: LogSink
  mode: RuntimeMode
  version?: string
  factories?: ServiceFactory[]
  /** How often app.status is pushed while nothing changes (ms). */
  statusIntervalMs?: number
}

export class Runtime {
  readonly events = new EventBus()
  readonly store: AppStore
  readonly version: string
  readonly startedAt = new Date()
  readonly dispatch: Dispatch
  private readonly log: Logger
  private readonly factories: ServiceFactory[]
  private services = new Map<string, Service>()
  private unsubs: (() => void)[] = []
  private statusTimer: NodeJS.Timeout | null = null
  private statusPending: NodeJS.Timeout | null = null
  private logBuffer: LogEntry[] = []
  private logTimer: NodeJS.Timeout | null = null
  private started = false
  private stopping: Promise<string[]> | null = null

  constructor(private readonly opts: RuntimeOptions) {
    this.log = opts.sink.logger('runtime')
    const listenerErrors = new ThrottledLog(this.log, 10_000)
    this.events.setListenerErrorHandler((event, err) => listenerErrors.write('error', event, `a listener of ${event} failed`, errorFields(err)))
    this.version = opts.version ?? packageVersion
    this.factories = opts.factories ?? SERVICE_FACTORIES
    this.store = new AppStore(opts.configStore.config.data_dir, opts.sink.logger('store'))
    this.watch(this.store)
    this.dispatch = createDispatcher(this.handlers(), opts.sink.logger('contract'))
  }

  get config(): Config {
    return this.opts.configStore.config
  }

  /** Starts the store, then every service. A failing service is reported, not fatal. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await this.store.start()
    for (const f of this.factories) {
      await this.startService(f)
    }
    this.unsubs.push(this.opts.sink.onEntry((e) => this.queueLog(e)))
    this.unsubs.push(this.opts.configStore.onChange(() => this.events.emit('config.changed', this.opts.configStore.view())))
    this.statusTimer = setInterval(() => this.events.emit('app.status', this.status()), this.opts.statusIntervalMs ?? 5000)
    this.statusTimer.unref()
  }

  /**
   * Exit at once (a second signal): every service hands back what it can within `withinMs` in
   * parallel (claimed rows released for another poller); nothing waits for work to finish.
   */
  async abandon(withinMs = 1000): Promise<void> {
    const deadline = new Promise<void>((r) => setTimeout(r, withinMs + 200).unref())
    await Promise.race([
      Promise.allSettled([...this.services.values()].map((s) => s.abandon?.(withinMs))),
      deadline
    ])
  }

  /** Stops every service in reverse order, then the store. Returns the final statistics lines. */
  stop(): Promise<string[]> {
    if (this.stopping) return this.stopping
    this.stopping = (async () => {
      if (this.statusTimer) clearInterval(this.statusTimer)
      if (this.statusPending) clearTimeout(this.statusPending)
      if (this.logTimer) clearTimeout(this.logTimer)
      this.unsubs.forEach((u) => u())
      this.unsubs = []
      const lines: string[] = []
      for (const s of [...this.services.values()].reverse()) {
        try {
          await s.stop()
        } catch (err) {
          this.log.error('service did not stop cleanly', { service: s.name, ...errorFields(err) })
        }
        lines.push(...(s.finalStats?.() ?? []))
      }
      await this.store.stop()
      const uptime = (Date.now() - this.startedAt.getTime()) / 1000
      lines.push(`uptime: ${uptime.toFixed(1)} s`)
      return lines
    })()
    return this.stopping
  }

  status(): AppStatus {
    const mem = process.memoryUsage()
    return {
      version: this.version,
      mode: this.opts.mode,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt.getTime()) / 100) / 10,
      pid: process.pid,
      platform: `${process.platform}-${process.arch}`,
      nodeVersion: process.versions.node,
      dataDir: this.config.data_dir,
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
      services: [this.store.status(), ...[...this.services.values()].map((s) => s.status())]
    }
  }

  /**
   * `metrics.http`: the figures of every HTTP client the runtime owns — today the ai-ipc
   * service's client for the AI service. A service that is not running has no client: it is
   * left out (an empty list, not an error).
   */
  httpMetrics(): MetricsHttp {
    const clients: HttpClientMetricsView[] = []
    const ai = this.services.get('ai-ipc')
    const aiMetrics = ai instanceof AiIpcService ? ai.httpMetrics() : null
    if (aiMetrics) clients.push(httpClientView('ai-service', aiMetrics))
    return { clients }
  }

  service<T extends Service>(name: string): T | undefined {
    return this.services.get(name) as T | undefined
  }

  private async startService(f: ServiceFactory): Promise<void> {
    const service = f.create({
      config: this.config,
      log: this.opts.sink.logger(f.name),
      events: this.events,
      store: this.store,
      mode: this.opts.mode
    })
    this.services.set(f.name, service)
    this.watch(service)
    try {
      await service.start()
    } catch (err) {
      this.log.error(`${service.label} failed to start`, { service: f.name, ...errorFields(err) })
    }
  }

  private watch(service: Service): void {
    this.unsubs.push(service.onStatusChange(() => this.queueStatus()))
  }

  private queueStatus(): void {
    if (this.statusPending) return
    this.statusPending = setTimeout(() => {
      this.statusPending = null
      this.events.emit('app.status', this.status())
    }, 50)
    this.statusPending.unref()
  }

  private queueLog(entry: LogEntry): void {
    this.logBuffer.push(entry)
    if (this.logTimer) return
    this.logTimer = setTimeout(() => {
      this.logTimer = null
      const batch = this.logBuffer
      this.logBuffer = []
      this.events.emit('logs.entries', batch)
    }, 100)
    this.logTimer.unref()
  }

  private async applyConfig(changed: string[]): Promise<ConfigUpdateResult> {
    const sink = this.opts.sink
    if (changed.includes('logging.level')) sink.setLevel(this.config.logging.level)
    if (changed.includes('logging.format')) sink.setFormat(this.config.logging.format)
    const sections = new Set(changed.map((k) => k.split('.')[0]))
    const restarted: string[] = []
    for (const f of this.factories) {
      if (!f.sections.some((s) => sections.has(s))) continue
      const old = this.services.get(f.name)
      if (old) {
        await old.stop()
        this.services.delete(f.name)
      }
      await this.startService(f)
      restarted.push(f.name)
    }
    const restartRequired = changed.filter((k) => RESTART_REQUIRED_PREFIXES.some((p) => k.startsWith(p)))
    this.log.info('configuration updated', { changed, restarted, restartRequired })
    this.queueStatus()
    return { view: this.opts.configStore.view(), changed, restarted, restartRequired }
  }

  private handlers(): Handlers {
    return {
      'app.status': () => this.status(),
      'logs.tail': (input) => this.opts.sink.tail(input),
      'config.get': () => this.opts.configStore.view(),
      'config.update': async (patch) => {
        const change = this.opts.configStore.update(patch)
        return this.applyConfig(change.changed)
      },
      ...aiIpcHandlers(
        () => this.services.get('ai-ipc'),
        () => this.config
      ),
      'metrics.http': () => this.httpMetrics()
    }
  }
}

/** An HTTP client's metrics as the contract carries them: upstreams as a list sorted by origin. */
function httpClientView(name: string, m: HttpClientMetrics): HttpClientMetricsView {
  const upstreams = Object.values(m.upstreams)
    .sort((a, b) => (a.upstream < b.upstream ? -1 : a.upstream > b.upstream ? 1 : 0))
    .map((u) => ({
      origin: u.upstream,
      requests: u.requests,
      errors: u.errors,
      errorsByKind: {
        timeout: u.errorsByKind.timeout,
        connection: u.errorsByKind.connection,
        http: u.errorsByKind.http,
        invalid_json: u.errorsByKind.invalid_json,
        aborted: u.errorsByKind.aborted
      },
      cacheHits: u.cacheHits,
      cacheMisses: u.cacheMisses,
      retries: u.retries,
      rateLimitWaits: u.rateLimitWaits,
      inFlight: u.inFlight,
      latency: { ...u.latency }
    }))
  return { name, upstreams, cache: { ...m.cache } }
}
