/**
 * The one contract between main (or the headless runtime) and the renderer, by domain: each
 * domain file (app, config, logs, requests, metrics …) declares its methods (zod input and result
 * schemas) and events (payload schemas); this module merges them. Everything else is derived from
 * the merged tables: the dispatcher, the ipcMain registrar, the preload `api` (from the zod-free
 * names.ts), the WebSocket bridge and the renderer's client.
 *
 * Adding a domain: its table file, its name lists in names.ts, one line in each table below.
 * No Node, Electron or DOM APIs here.
 */
import type { z } from 'zod'
import { appEvents, appMethods } from './app'
import { configEvents, configMethods } from './config'
import { coordinatorEvents, coordinatorMethods } from './coordinator'
import { hostingEvents, hostingMethods } from './hosting'
import { inboxEvents, inboxMethods } from './inbox'
import type { MethodDef } from './define'
import { logsEvents, logsMethods } from './logs'
import { metricsEvents, metricsMethods } from './metrics'
import type { EventName as EventNameFromList, MethodName as MethodNameFromList } from './names'
import { requestsEvents, requestsMethods } from './requests'
import { shellEvents, shellMethods } from './shell'
import { trainingEvents, trainingMethods } from './training'

export * from './app'
export * from './config'
export * from './logs'
export * from './requests'
export * from './metrics'
export * from './coordinator'
export * from './hosting'
export * from './shell'
export * from './inbox'
export * from './training'
export * from './names'
export * from './wire'
export { method, NoInput, type MethodDef } from './define'

export const methods = {
  ...appMethods,
  ...configMethods,
  ...logsMethods,
  ...requestsMethods,
  ...metricsMethods,
  ...coordinatorMethods,
  ...hostingMethods,
  ...shellMethods,
  ...inboxMethods,
  ...trainingMethods
} as const

export const events = {
  ...appEvents,
  ...configEvents,
  ...logsEvents,
  ...requestsEvents,
  ...metricsEvents,
  ...coordinatorEvents,
  ...hostingEvents,
  ...shellEvents,
  ...inboxEvents,
  ...trainingEvents
} as const

// ---- derived types -----------------------------------------------------------------------------

export type Methods = typeof methods
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>
/** The input after parsing (defaults filled) — what a handler receives. */
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>
export type MethodResult<M extends MethodName> = z.output<Methods[M]['output']>

export type Events = typeof events
export type EventPayload<E extends EventName> = z.output<Events[E]>

type MethodName = MethodNameFromList
type EventName = EventNameFromList

/** Arguments of a call: methods whose input is optional may be called with none. */
export type CallArgs<M extends MethodName> = undefined extends MethodInput<M> ? [input?: MethodInput<M>] : [input: MethodInput<M>]

/** What the renderer (and tests) program against, whichever transport carries it. */
export interface ContractClient {
  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodResult<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

// ---- the names of names.ts and the tables above are the same ------------------------------------

type Exactly<T, U> = [T] extends [U] ? ([U] extends [T] ? true : never) : never
const sameMethods: Exactly<keyof Methods, MethodName> = true
const sameEvents: Exactly<keyof Events, EventName> = true
void sameMethods
void sameEvents
const everyMethodIsADef: { readonly [K in MethodName]: MethodDef } = methods
void everyMethodIsADef
