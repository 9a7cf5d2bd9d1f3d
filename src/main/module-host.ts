/**
 * The service modules of one runtime and their lifecycle: builds each enabled module's service
 * from its ServiceContext (after the module's migrations), starts them in dependency order, stops
 * them in reverse, and restarts a set of modules with every module that depends on them (the
 * dependents get the new instance). A module disabled by the config, or one that could not be
 * built, is represented by a status line saying why. Knows no service by name.
 */
import { randomUUID } from 'node:crypto'
import { Registry } from 'prom-client'
import type { ServiceStatus } from '../shared/contract'
import { errorFields, type LogSink, type Logger } from './logging/logger'
import type { Service } from './service'
import type { AnyServiceModule, ServiceContext } from './service-module'
import type { AppStore } from './store/app-store'

/** One module: its current instance (if any) and what it was given. */
interface Entry {
  module: AnyServiceModule
  service: Service | null
  /** Set while the module is disabled by the config or could not be built. */
  placeholder: ServiceStatus | null
  metrics: Registry | null
  unwatch: (() => void) | null
  /** The service has run since its last failure notice (a failure at start-up is not a "stopped working"). */
  ranOk: boolean
  /** A `service.failed` notification went out and no `service.recovered` yet (kept across restarts). */
  failedNotified: boolean
}

/** What every module's context shares (the host adds the module's log, metrics and dependencies). */
export type SharedContext = Omit<ServiceContext, 'log' | 'metrics' | 'service'>

export interface ModuleHostOptions {
  modules: readonly AnyServiceModule[]
  sink: LogSink
  store: AppStore
  /** The shared part of the context, read when a module is built (the config of that moment). */
  context: () => SharedContext
  /** A module's status changed (or it came or went). */
  onStatusChange: () => void
}

export class ModuleHost {
  /** Module names in dependency order. */
  readonly order: readonly string[]
  /** The final statistics lines of every service instance stopped so far. */
  readonly finalLines: string[] = []
  private readonly entries = new Map<string, Entry>()
  private readonly log: Logger

  constructor(private readonly opts: ModuleHostOptions) {
    this.log = opts.sink.logger('runtime')
    this.order = dependencyOrder(opts.modules)
    for (const m of opts.modules) this.entries.set(m.name, { module: m, service: null, placeholder: null, metrics: null, unwatch: null, ranOk: false, failedNotified: false })
  }

  /** The running instance of a module. */
  get(name: string): Service | undefined {
    return this.entries.get(name)?.service ?? undefined
  }

  /** Running instances in dependency order. */
  running(): Service[] {
    return this.order.map((n) => this.entries.get(n)!.service).filter((s): s is Service => s !== null)
  }

  /** One status per module, in dependency order (placeholders for disabled or unbuildable ones). */
  statuses(): ServiceStatus[] {
    const out: ServiceStatus[] = []
    for (const name of this.order) {
      const e = this.entries.get(name)!
      const s = e.service?.status() ?? e.placeholder
      if (s) out.push(s)
    }
    return out
  }

  /** The Prometheus registries of the running instances. */
  registries(): Registry[] {
    return this.order.map((n) => this.entries.get(n)!.metrics).filter((r): r is Registry => r !== null)
  }

  async startAll(): Promise<void> {
    for (const name of this.order) await this.start(name)
  }

  async stopAll(): Promise<void> {
    for (const name of [...this.order].reverse()) await this.stop(name)
  }

  /** Restarts the modules that read one of `sections`, and their dependents; returns their names. */
  async restartReading(sections: ReadonlySet<string>): Promise<string[]> {
    const names = this.affectedBy(sections)
    for (const name of [...names].reverse()) await this.stop(name)
    for (const name of names) await this.start(name)
    return names
  }

  /** The modules that `restartReading(sections)` would restart (without restarting them). */
  affectedBy(sections: ReadonlySet<string>): string[] {
    return this.withDependents(new Set([...this.entries.values()].filter((e) => e.module.sections.some((s) => sections.has(s))).map((e) => e.module.name)))
  }

  private async start(name: string): Promise<void> {
    const e = this.entries.get(name)!
    const m = e.module
    const shared = this.opts.context()
    const log = this.opts.sink.logger(m.name)
    const enabled = m.enabled(shared.config)
    if (enabled !== true) {
      e.placeholder = { name: m.name, label: m.label, state: 'disabled', detail: enabled.disabled, since: new Date().toISOString() }
      this.opts.onStatusChange()
      log.info(`${m.label} is disabled: ${enabled.disabled}`)
      return
    }
    const metrics = new Registry()
    let service: Service
    try {
      this.opts.store.migrateModule(m.name, m.migrations)
      service = m.create({
        ...shared,
        log,
        metrics,
        service: <S extends Service>(dep: string) => {
          if (!m.dependsOn.includes(dep)) throw new Error(`${m.name} asked for ${dep}, which it does not list in dependsOn`)
          return this.get(dep) as S | undefined
        }
      })
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      e.placeholder = { name: m.name, label: m.label, state: 'error', error: message, since: new Date().toISOString() }
      this.opts.onStatusChange()
      this.log.error(`${m.label} could not be built`, { service: m.name, ...errorFields(err) })
      return
    }
    e.placeholder = null
    e.service = service
    e.metrics = metrics
    e.unwatch = service.onStatusChange((status) => {
      this.noticeHealth(e, status)
      this.opts.onStatusChange()
    })
    this.opts.onStatusChange()
    try {
      await service.start()
    } catch (err) {
      this.log.error(`${service.label} failed to start`, { service: m.name, ...errorFields(err) })
    }
  }

  private async stop(name: string): Promise<void> {
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
    this.opts.onStatusChange()
  }

  /**
   * `app.notification` when a service that was running falls into the error state
   * (`service.failed`), and when it runs again after that (`service.recovered`). A service that
   * fails while starting is not "stopped working" (the ready line and the tray say it), and a
   * transient `reconnecting` is not a failure yet.
   */
  private noticeHealth(e: Entry, status: ServiceStatus): void {
    if (status.state === 'running') {
      e.ranOk = true
      if (!e.failedNotified) return
      e.failedNotified = false
      this.notify('service.recovered', 'info', `${status.label} works again`, status.detail ?? `${status.label} is running again.`, e.module.name)
      return
    }
    if (status.state !== 'error' || !e.ranOk || e.failedNotified) return
    e.failedNotified = true
    e.ranOk = false
    this.notify('service.failed', 'error', `${status.label} stopped working`, status.error ?? 'See the Logs page for details.', e.module.name)
  }

  private notify(kind: 'service.failed' | 'service.recovered', level: 'info' | 'error', title: string, body: string, service: string): void {
    this.opts.context().events.emit('app.notification', {
      id: randomUUID(),
      kind,
      level,
      title: title.slice(0, 200),
      body: body.slice(0, 1000),
      at: new Date().toISOString(),
      target: { page: 'overview', id: service }
    })
  }

  /** `names` and every module that depends on one of them, directly or not, in dependency order. */
  private withDependents(names: Set<string>): string[] {
    const hit = new Set(names)
    for (const name of this.order) {
      if (this.entries.get(name)!.module.dependsOn.some((d) => hit.has(d))) hit.add(name)
    }
    return this.order.filter((n) => hit.has(n))
  }
}

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
