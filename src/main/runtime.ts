/**
 * The runtime: the composition root both entries use — `index.ts` (Electron) and `headless.ts`
 * (Node) — so every capability runs and is tested without Electron. It owns the app store, the
 * event bus, the contract dispatcher and the service modules listed in `services.ts`:
 * - starts enabled modules in dependency order and stops them in reverse;
 * - restarts a module when a config section it reads changes, and every module that depends on
 *   it (they get the new instance, never keep the old one); config changes run one at a time;
 * - a module disabled by the config shows as `disabled` with the reason, its handlers answer
 *   `unavailable`;
 * - implements the app's own contract methods (app.status, config.*, logs.tail, metrics.http);
 *   the modules implement the rest.
 * It never names a service: everything it knows comes from the module list.
 */
import { Registry } from 'prom-client'
import { version as packageVersion } from '../../package.json'
import type { AppStatus, ConfigUpdateResult, MetricsHttp, ServiceStatus } from '../shared/contract'
import type { Config } from '../shared/config-schema'
import type { LogEntry } from '../shared/log'
import { systemClock, type Clock } from './clock'
import type { ConfigStore } from './config/config-store'
import { createDispatcher, type Dispatch, type Handlers, type MethodTable } from './dispatch'
import { EventBus } from './events'
import { HttpClientRegistry } from './http/registry'
import { errorFields, type LogSink, type Logger } from './logging/logger'
import { ThrottledLog } from './logging/throttled-log'
import { registerRuntimeMetrics } from './metrics/runtime-metrics'
import type { Service } from './service'
import type { AnyServiceModule, RuntimeMode, ServiceContext } from './service-module'
import { SERVICE_MODULES, moduleHandlers, type CoreMethod } from './services'
import { AppStore } from './store/app-store'

export type { RuntimeMode, ServiceContext } from './service-module'

/** Keys that only take effect after a restart of the whole app. */
const RESTART_REQUIRED_PREFIXES = ['admin.', 'data_dir']

export interface RuntimeOptions {
  configStore: ConfigStore
  sink: LogSink
  mode: RuntimeMode
  version?: string
  /** The modules to run (default: every module of services.ts). */
  modules?: readonly AnyServiceModule[]
  /** Extra contract methods served by extra modules (tests plugging in a module of their own). */
  extraMethods?: MethodTable
  /** How often app.status is pushed while nothing changes (ms). */
  statusIntervalMs?: number
  clock?: Clock
}

/** One module in this runtime: its current instance (if any) and what it was given. */
interface Entry {
  module: AnyServiceModule
  service: Service | null
  /** Set while the module is disabled by the config or could not be built. */
  placeholder: ServiceStatus | null
  metrics: Registry | null
  unwatch: (() => void) | null
}

export class Runtime {
  readonly events = new EventBus()
  readonly store: AppStore
  readonly version: string
  readonly startedAt = new Date()
  readonly dispatch: Dispatch
  /** The app's own metrics (process, event-loop lag, service states); services add their own registries. */
  readonly metrics = new Registry()
  readonly httpClients = new HttpClientRegistry()
  private readonly log: Logger
  private readonly clock: Clock
  private readonly entries = new Map<string, Entry>()
  /** Module names in dependency order. */
  private readonly order: string[]
  private unsubs: (() => void)[] = []
  private statusTimer: NodeJS.Timeout | null = null
  private statusPending: NodeJS.Timeout | null = null
  private logBuffer: LogEntry[] = []
  private logTimer: NodeJS.Timeout | null = null
  private started = false
  private stopping: Promise<string[]> | null = null
  private finalLines: string[] = []
  /** Config changes (and the restarts they cause) run one after the other. */
  private configQueue: Promise<unknown> = Promise.resolve()

  constructor(private readonly opts: RuntimeOptions) {
    this.log = opts.sink.logger('runtime')
    this.clock = opts.clock ?? systemClock
    const listenerErrors = new ThrottledLog(this.log, 10_000)
    this.events.setListenerErrorHandler((event, err) => listenerErrors.write('error', event, `a listener of ${event} failed`, errorFields(err)))
    this.version = opts.version ?? packageVersion
    this.store = new AppStore(opts.configStore.config.data_dir, opts.sink.logger('store'))
    this.unsubs.push(this.store.onStatusChange(() => this.queueStatus()))
    const modules = opts.modules ?? SERVICE_MODULES
    this.order = dependencyOrder(modules)
    for (const m of modules) this.entries.set(m.name, { module: m, service: null, placeholder: null, metrics: null, unwatch: null })
    registerRuntimeMetrics(this.metrics, () => this.status())
    this.dispatch = createDispatcher(this.handlers(modules), opts.sink.logger('contract'), opts.extraMethods)
  }

  get config(): Config {
    return this.opts.configStore.config
  }

  /** Starts the store, then every module in dependency order. A failing service is reported, not fatal. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await this.store.start()
    for (const name of this.order) await this.startModule(name)
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
    await Promise.race([Promise.allSettled(this.running().map((s) => s.abandon?.(withinMs))), deadline])
  }

  /** Stops every module in reverse dependency order, then the store. Returns the final statistics lines. */
  stop(): Promise<string[]> {
    if (this.stopping) return this.stopping
    this.stopping = (async () => {
      await this.configQueue.catch(() => undefined)
      if (this.statusTimer) clearInterval(this.statusTimer)
      if (this.statusPending) clearTimeout(this.statusPending)
      if (this.logTimer) clearTimeout(this.logTimer)
      this.unsubs.forEach((u) => u())
      this.unsubs = []
      for (const name of [...this.order].reverse()) await this.stopModule(name)
      await this.store.stop()
      const uptime = (Date.now() - this.startedAt.getTime()) / 1000
      return [...this.finalLines, `uptime: ${uptime.toFixed(1)} s`]
    })()
    return this.stopping
  }

  status(): AppStatus {
    const mem = process.memoryUsage()
    const services: ServiceStatus[] = [this.store.status()]
    for (const name of this.order) {
      const e = this.entries.get(name)!
      const s = e.service?.status() ?? e.placeholder
      if (s) services.push(s)
    }
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
      services
    }
  }

  /** `metrics.http`: the figures of every HTTP client the running services registered. */
  httpMetrics(): MetricsHttp {
    return this.httpClients.metrics()
  }

  /**
   * The Prometheus registry of the whole app (`GET /api/metrics`): its own metrics, the HTTP
   * clients' and every running service's (a stopped service's registry leaves with it).
   */
  metricsRegistry(): Registry {
    const registries = [this.metrics, this.httpClients.prometheus]
    for (const name of this.order) {
      const r = this.entries.get(name)!.metrics
      if (r) registries.push(r)
    }
    return Registry.merge(registries)
  }

  /** The running instance of a module (tests, the Electron shell). */
  service<T extends Service>(name: string): T | undefined {
    return (this.entries.get(name)?.service ?? undefined) as T | undefined
  }

  // ---- modules ---------------------------------------------------------------------------------

  private running(): Service[] {
    const out: Service[] = []
    for (const name of this.order) {
      const s = this.entries.get(name)!.service
      if (s) out.push(s)
    }
    return out
  }

  private async startModule(name: string): Promise<void> {
    const e = this.entries.get(name)!
    const m = e.module
    const log = this.opts.sink.logger(m.name)
    const enabled = m.enabled(this.config)
    if (enabled !== true) {
      e.placeholder = { name: m.name, label: m.label, state: 'disabled', detail: enabled.disabled, since: new Date().toISOString() }
      this.queueStatus()
      log.info(`${m.label} is disabled: ${enabled.disabled}`)
      return
    }
    const metrics = new Registry()
    let service: Service
    try {
      this.store.migrateModule(m.name, m.migrations)
      const ctx: ServiceContext = {
        config: this.config,
        log,
        events: this.events,
        store: this.store,
        mode: this.opts.mode,
        clock: this.clock,
        metrics,
        http: this.httpClients,
        service: <S extends Service>(dep: string) => {
          if (!m.dependsOn.includes(dep)) throw new Error(`${m.name} asked for ${dep}, which it does not list in dependsOn`)
          return (this.entries.get(dep)?.service ?? undefined) as S | undefined
        }
      }
      service = m.create(ctx)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      e.placeholder = { name: m.name, label: m.label, state: 'error', error: message, since: new Date().toISOString() }
      this.queueStatus()
      this.log.error(`${m.label} could not be built`, { service: m.name, ...errorFields(err) })
      return
    }
    e.placeholder = null
    e.service = service
    e.metrics = metrics
    e.unwatch = service.onStatusChange(() => this.queueStatus())
    this.queueStatus()
    try {
      await service.start()
    } catch (err) {
      this.log.error(`${service.label} failed to start`, { service: m.name, ...errorFields(err) })
    }
  }

  private async stopModule(name: string): Promise<void> {
    const e = this.entries.get(name)!
    const s = e.service
    e.placeholder = null
    if (!s) return
    try {
      await s.stop()
    } catch (err) {
      this.log.error('service did not stop cleanly', { service: name, ...errorFields(err) })
    }
    this.finalLines.push(...(s.finalStats?.() ?? []))
    e.unwatch?.()
    e.unwatch = null
    e.service = null
    e.metrics = null
    this.queueStatus()
  }

  /** `names` and every module that depends on one of them, directly or not, in dependency order. */
  private withDependents(names: Set<string>): string[] {
    const hit = new Set(names)
    for (const name of this.order) {
      if (this.entries.get(name)!.module.dependsOn.some((d) => hit.has(d))) hit.add(name)
    }
    return this.order.filter((n) => hit.has(n))
  }

  private async applyConfig(changed: string[]): Promise<ConfigUpdateResult> {
    const sink = this.opts.sink
    if (changed.includes('logging.level')) sink.setLevel(this.config.logging.level)
    if (changed.includes('logging.format')) sink.setFormat(this.config.logging.format)
    const sections = new Set(changed.map((k) => k.split('.')[0]))
    const direct = new Set([...this.entries.values()].filter((e) => e.module.sections.some((s) => sections.has(s))).map((e) => e.module.name))
    const restarted = this.withDependents(direct)
    if (this.started && !this.stopping) {
      for (const name of [...restarted].reverse()) await this.stopModule(name)
      for (const name of restarted) await this.startModule(name)
    }
    const restartRequired = changed.filter((k) => RESTART_REQUIRED_PREFIXES.some((p) => k.startsWith(p)))
    this.log.info('configuration updated', { changed, restarted, restartRequired })
    this.queueStatus()
    return { view: this.opts.configStore.view(), changed, restarted, restartRequired }
  }

  // ---- events ----------------------------------------------------------------------------------

  private queueStatus(): void {
    if (this.statusPending || !this.started) return
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

  // ---- the contract ----------------------------------------------------------------------------

  private handlers(modules: readonly AnyServiceModule[]): Handlers {
    const get = (name: string) => () => this.entries.get(name)?.service ?? undefined
    const config = (): Config => this.config
    const extra = modules.filter((m) => !SERVICE_MODULES.includes(m))
    const core: CoreHandlers = {
      'app.status': () => this.status(),
      'logs.tail': (input) => this.opts.sink.tail(input),
      'config.get': () => this.opts.configStore.view(),
      'config.update': (patch) => {
        const run = this.configQueue.then(() => {
          const change = this.opts.configStore.update(patch)
          return this.applyConfig(change.changed)
        })
        this.configQueue = run.catch(() => undefined)
        return run
      },
      'metrics.http': () => this.httpMetrics()
    }
    const table: Handlers = { ...core, ...moduleHandlers(get, config) }
    // Modules beyond services.ts (tests) add their own methods (listed in extraMethods).
    for (const m of extra) Object.assign(table, m.handlers(get(m.name), config))
    return table
  }
}

type CoreHandlers = Pick<Handlers, CoreMethod>

/** Module names in an order where every module comes after the modules it depends on. */
export function dependencyOrder(modules: readonly AnyServiceModule[]): string[] {
  const byName = new Map<string, AnyServiceModule>()
  for (const m of modules) {
    if (byName.has(m.name)) throw new Error(`two service modules are named ${m.name}`)
    byName.set(m.name, m)
  }
  const out: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (m: AnyServiceModule, path: string[]): void => {
    const s = state.get(m.name)
    if (s === 'done') return
    if (s === 'visiting') throw new Error(`service modules depend on each other in a circle: ${[...path, m.name].join(' → ')}`)
    state.set(m.name, 'visiting')
    for (const dep of m.dependsOn) {
      const d = byName.get(dep)
      if (!d) throw new Error(`service module ${m.name} depends on ${dep}, which is not in the module list`)
      visit(d, [...path, m.name])
    }
    state.set(m.name, 'done')
    out.push(m.name)
  }
  for (const m of modules) visit(m, [])
  return out
}
