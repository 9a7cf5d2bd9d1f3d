/**
 * What the runtime hands a service to build it, and the factory a service exports. Kept apart
 * from `runtime.ts` so a service never imports the runtime (no import cycle; architecture.md).
 */
import type { ConfigSection, Config } from '../shared/config-schema'
import type { EventBus } from './events'
import type { Logger } from './logging/logger'
import type { Service } from './service'
import type { AppStore } from './store/app-store'

export type RuntimeMode = 'desktop' | 'headless'

/** What a service factory gets to build its service. */
export interface ServiceContext {
  config: Config
  log: Logger
  events: EventBus
  store: AppStore
  mode: RuntimeMode
}

export interface ServiceFactory {
  name: string
  /** Config sections the service reads; a change to any of them restarts it. */
  sections: ConfigSection[]
  create(ctx: ServiceContext): Service
}
