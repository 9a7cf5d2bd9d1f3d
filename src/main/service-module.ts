/**
 * What a service is to the runtime: a module that names itself, the config sections it reads, the
 * services it needs, whether the config enables it, how to build it, the contract handlers it
 * serves and its migrations of the app database. `src/main/services.ts` lists the modules; the
 * runtime starts them in dependency order, stops them in reverse, restarts one (and everything
 * that depends on it) when a section it reads changes, and never learns a service's name.
 * Nothing under `src/main/<service>/` imports the runtime.
 */
import type { Registry } from 'prom-client'
import type { ConfigSection, Config } from '../shared/config-schema'
import type { Clock } from './clock'
import type { CallResult } from '../shared/contract'
import type { Handlers } from './dispatch'
import type { EventBus } from './events'
import type { HttpClientRegistry } from './http/registry'
import type { Logger } from './logging/logger'
import type { Service } from './service'
import type { AppStore } from './store/app-store'
import type { Migration } from './store/migrations'

export type RuntimeMode = 'desktop' | 'headless'

/** What a module gets to build its service. */
export interface ServiceContext {
  config: Config
  /** Scoped to the module's name. */
  log: Logger
  events: EventBus
  store: AppStore
  mode: RuntimeMode
  clock: Clock
  /**
   * The service's own Prometheus registry (prom-client): register metrics here. It lives as long
   * as this service instance; the export merges every running service's registry.
   */
  metrics: Registry
  /** Named HTTP clients whose figures `metrics.http` and the export report. */
  http: HttpClientRegistry
  /**
   * Calls a contract method through the runtime's dispatcher (input validated, errors typed), as
   * the inbox's operator commands do; `client` names the caller in logs. Never throws.
   */
  call(method: string, input: unknown, client: string): Promise<CallResult>
  /** A running service this one depends on (listed in `dependsOn`), by module name. */
  service<S extends Service = Service>(name: string): S | undefined
}

/** Why a module's service is not running by configuration (`enabled()` returned a reason). */
export type Enabled = true | { disabled: string }

/** The contract handlers a module serves: a subset of the whole table, fully typed. */
export type ModuleHandlers = Partial<Handlers>

export interface ServiceModule<S extends Service = Service, H extends ModuleHandlers = ModuleHandlers> {
  /** Unique; also the service's name in app.status and the logger scope. */
  readonly name: string
  readonly label: string
  /** Config sections the service reads; a change to any of them restarts it (and its dependents). */
  readonly sections: readonly ConfigSection[]
  /** Modules whose services must run first (started before, stopped after, restarts cascade). */
  readonly dependsOn: readonly string[]
  enabled(config: Config): Enabled
  create(ctx: ServiceContext): S
  /**
   * The handlers of the module's contract domain. `get()` is the running instance (undefined while
   * it is disabled, restarting or failed to build): handlers answer `unavailable` then.
   */
  handlers(get: () => S | undefined, config: () => Config): H
  /** The module's tables in the app database, numbered per module (applied before create()). */
  readonly migrations: readonly Migration[]
}

/** Any module, whatever its service and handler types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: the list holds modules of every service type
export type AnyServiceModule = ServiceModule<any, ModuleHandlers>

/** Defines a module with its types inferred (and checked against ServiceModule). */
export function defineModule<S extends Service, H extends ModuleHandlers>(m: ServiceModule<S, H>): ServiceModule<S, H> {
  return m
}
