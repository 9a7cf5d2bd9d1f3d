/**
 * The service modules of WARP Host, in no particular order (the runtime sorts them by
 * `dependsOn`). Adding a service is one line here (see architecture.md, "Adding a service").
 *
 * The type check below makes a contract method without a module that serves it a compile error.
 */
import type { Config } from '../shared/config-schema'
import { aiIpcModule } from './ai-ipc'
import { coordinatorModule } from './coordinator'
import { hostingModule } from './hosting'
import { inboxModule } from './inbox'
import { trainingModule } from './training'
import type { Handlers } from './dispatch'
import type { Service } from './service'
import type { AnyServiceModule } from './service-module'

/** The list (with its precise types, for the check below). */
const TYPED_MODULES = [aiIpcModule, coordinatorModule, hostingModule, inboxModule, trainingModule] as const

export const SERVICE_MODULES: readonly AnyServiceModule[] = TYPED_MODULES

/** The methods the runtime serves itself; every other contract method belongs to a module. */
export type CoreMethod =
  | 'app.status'
  | 'logs.tail'
  | 'config.get'
  | 'config.update'
  | 'config.reload'
  | 'metrics.http'
  // shell.*: served by the runtime through its ShellPort (headless answers; the Electron shell attaches the real one)
  | 'shell.info'
  | 'shell.setLaunchAtLogin'
  | 'shell.checkForUpdates'
  | 'shell.installUpdate'

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never
type ServedByModules = UnionToIntersection<ReturnType<(typeof TYPED_MODULES)[number]['handlers']>>
/** Fails to compile when a contract method is served by no module (or by the runtime and a module). */
type Exactly<T, U> = [T] extends [U] ? ([U] extends [T] ? true : never) : never
const everyMethodServed: Exactly<keyof ServedByModules, Exclude<keyof Handlers, CoreMethod>> = true

/** The handlers of every module in services.ts, each bound to its module's running instance. */
export function moduleHandlers(get: (name: string) => () => Service | undefined, config: () => Config): Omit<Handlers, CoreMethod> {
  void everyMethodServed
  const table: Partial<Handlers> = {}
  for (const m of TYPED_MODULES) Object.assign(table, m.handlers(get(m.name) as never, config))
  return table as ServedByModules
}
