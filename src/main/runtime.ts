/**
 * The runtime: the composition root both entries use — `index.ts` (Electron) and `headless.ts`
 * (Node) — so every capability runs and is tested without Electron. It owns the app store, the
 * event bus, the contract dispatcher, the metrics and HTTP client registries, and the service
 * modules listed in `services.ts` (their lifecycle is module-host.ts):
 * - starts the store, then the modules in dependency order; stops them in reverse;
 * - applies config changes one at a time, restarting the modules that read a changed section and
 *   their dependents;
 * - implements the app's own contract methods (app.status, config.*, logs.tail, metrics.http);
 *   the modules implement the rest (a method no module serves is a compile error, services.ts).
 * It never names a service: everything it knows comes from the module list.
 */
import { Registry } from 'prom-client'
import { version as packageVersion } from '../../package.json'
import type { AppStatus, ConfigUpdateResult, MetricsHttp, ServiceStatus, ShellInfo } from '../shared/contract'
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
import { ModuleHost } from './module-host'
import type { Service } from './service'
import type { AnyServiceModule, RuntimeMode } from './service-module'
import { SERVICE_MODULES, moduleHandlers, type CoreMethod } from './services'
import { HEADLESS_SHELL, type ShellPort } from './shell-port'
import { AppStore } from './store/app-store'

export type { RuntimeMode, ServiceContext } from './service-module'
export { dependencyOrder } from './module-host'

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
  private readonly modules: ModuleHost
  private unsubs: (() => void)[] = []
  private statusTimer: NodeJS.Timeout | null = null
  private statusPending: NodeJS.Timeout | null = null
  private logBuffer: LogEntry[] = []
  private logTimer: NodeJS.Timeout | null = null
  private started = false
  private stopping: Promise<string[]> | null = null
  /** Config changes (and the restarts they cause) run one after the other. */
  private configQueue: Promise<unknown> = Promise.resolve()
  /** Serves shell.*: the headless answers until the desktop shell attaches its own. */
  private shell: ShellPort = HEADLESS_SHELL

  constructor(private readonly opts: RuntimeOptions) {
    this.log = opts.sink.logger('runtime')
    this.clock = opts.clock ?? systemClock
    const listenerErrors = new ThrottledLog(this.log, 10_000)
    this.events.setListenerErrorHandler((event, err) => listenerErrors.write('error', event, `a listener of ${event} failed`, errorFields(err)))
    this.version = opts.version ?? packageVersion
    this.store = new AppStore(opts.configStore.config.data_dir, opts.sink.logger('store'))
    this.unsubs.push(this.store.onStatusChange(() => this.queueStatus()))
    const modules = opts.modules ?? SERVICE_MODULES
    this.modules = new ModuleHost({
      modules,
      sink: opts.sink,
      store: this.store,
      context: () => ({
        config: this.config,
        events: this.events,
        store: this.store,
        mode: opts.mode,
        clock: this.clock,
        http: this.httpClients,
        call: (method, input, client) => this.dispatch(method, input, { transport: 'internal', client })
      }),
      onStatusChange: () => this.queueStatus()
    })
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
    await this.modules.startAll()
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
    await Promise.race([Promise.allSettled(this.modules.running().map((s) => s.abandon?.(withinMs))), deadline])
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
      await this.modules.stopAll()
      await this.store.stop()
      const uptime = (Date.now() - this.startedAt.getTime()) / 1000
      return [...this.modules.finalLines, `uptime: ${uptime.toFixed(1)} s`]
    })()
    return this.stopping
  }

  status(): AppStatus {
    const mem = process.memoryUsage()
    const services: ServiceStatus[] = [this.store.status(), ...this.modules.statuses()]
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
    return Registry.merge([this.metrics, this.httpClients.prometheus, ...this.modules.registries()])
  }

  /**
   * The desktop shell plugs in what only it can do (launch at login, tray, updater) behind the
   * shell.* methods. Returns the function that puts the headless answers back.
   */
  attachShell(port: ShellPort): () => void {
    this.shell = port
    return () => {
      if (this.shell === port) this.shell = HEADLESS_SHELL
    }
  }

  /** The shell's state as `shell.info` answers it. */
  shellInfo(): ShellInfo {
    return this.shell.info()
  }

  /** The running instance of a module (tests, the Electron shell). */
  service<T extends Service>(name: string): T | undefined {
    return this.modules.get(name) as T | undefined
  }

  private async applyConfig(changed: string[]): Promise<ConfigUpdateResult> {
    const sink = this.opts.sink
    if (changed.includes('logging.level')) sink.setLevel(this.config.logging.level)
    if (changed.includes('logging.format')) sink.setFormat(this.config.logging.format)
    const sections = new Set(changed.map((k) => k.split('.')[0] ?? k))
    const restarted = this.started && !this.stopping ? await this.modules.restartReading(sections) : this.modules.affectedBy(sections)
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
    const get = (name: string) => () => this.modules.get(name)
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
      'config.reload': () => {
        const run = this.configQueue.then(() => this.applyConfig(this.opts.configStore.reload().changed))
        this.configQueue = run.catch(() => undefined)
        return run
      },
      'metrics.http': () => this.httpMetrics(),
      'shell.info': () => this.shell.info(),
      'shell.setLaunchAtLogin': (input) => this.shell.setLaunchAtLogin(input.enabled),
      'shell.checkForUpdates': () => this.shell.checkForUpdates(),
      'shell.installUpdate': () => this.shell.installUpdate()
    }
    const table: Handlers = { ...core, ...moduleHandlers(get, config) }
    // Modules beyond services.ts (tests) add their own methods (listed in extraMethods).
    for (const m of extra) Object.assign(table, m.handlers(get(m.name), config))
    return table
  }
}

type CoreHandlers = Pick<Handlers, CoreMethod>
