/**
 * The contract's names without zod: every method and event name by domain, the transport
 * channel names and the wire envelope's types. The preload imports only this module (so its
 * bundle stays a few kB); `index.ts` checks at compile time that these lists and the domain
 * tables name exactly the same methods and events.
 *
 * Adding a domain: its lists here (one block) and its table file beside this one.
 * No Node, Electron, DOM or zod here.
 */

// ---- names by domain ---------------------------------------------------------------------------

export const APP_METHODS = ['app.status'] as const
export const APP_EVENTS = ['app.status', 'app.notification'] as const

export const CONFIG_METHODS = ['config.get', 'config.update', 'config.reload'] as const
export const CONFIG_EVENTS = ['config.changed'] as const

export const LOGS_METHODS = ['logs.tail'] as const
export const LOGS_EVENTS = ['logs.entries'] as const

export const REQUESTS_METHODS = [
  'requests.stats',
  'requests.list',
  'requests.get',
  'requests.retry',
  'requests.cancel',
  'requests.resetStuck',
  'requests.purge',
  'requests.submitTest',
  'ai.testConnection',
  'ai.testService'
] as const
export const REQUESTS_EVENTS = ['requests.stats', 'requests.changed'] as const

export const METRICS_METHODS = ['metrics.http'] as const
export const METRICS_EVENTS = [] as const

export const COORDINATOR_METHODS = [
  'coordinator.info',
  'coordinator.hosts',
  'coordinator.zones',
  'coordinator.sessions',
  'coordinator.setZoneP2p',
  'coordinator.updateZone',
  'coordinator.endSession'
] as const
export const COORDINATOR_EVENTS = [] as const

export const HOSTING_METHODS = ['hosting.sessions', 'hosting.kick', 'hosting.notice', 'hosting.pause', 'hosting.resume'] as const
export const HOSTING_EVENTS = ['hosting.changed'] as const

export const SHELL_METHODS = ['shell.info', 'shell.setLaunchAtLogin', 'shell.checkForUpdates', 'shell.installUpdate'] as const
export const SHELL_EVENTS = ['shell.changed'] as const

export const INBOX_METHODS = ['inbox.status', 'inbox.errors'] as const
export const INBOX_EVENTS = ['inbox.changed'] as const

export const TRAINING_METHODS = ['training.info', 'training.jobs', 'training.job', 'training.submit'] as const
export const TRAINING_EVENTS = ['training.changed'] as const

// ---- every name --------------------------------------------------------------------------------

export const METHOD_NAMES = [
  ...APP_METHODS,
  ...CONFIG_METHODS,
  ...LOGS_METHODS,
  ...REQUESTS_METHODS,
  ...METRICS_METHODS,
  ...COORDINATOR_METHODS,
  ...HOSTING_METHODS,
  ...SHELL_METHODS,
  ...INBOX_METHODS,
  ...TRAINING_METHODS
] as const
export const EVENT_NAMES = [
  ...APP_EVENTS,
  ...CONFIG_EVENTS,
  ...LOGS_EVENTS,
  ...REQUESTS_EVENTS,
  ...METRICS_EVENTS,
  ...COORDINATOR_EVENTS,
  ...HOSTING_EVENTS,
  ...SHELL_EVENTS,
  ...INBOX_EVENTS,
  ...TRAINING_EVENTS
] as const

export type MethodName = (typeof METHOD_NAMES)[number]
export type EventName = (typeof EVENT_NAMES)[number]

const METHOD_SET: ReadonlySet<string> = new Set(METHOD_NAMES)
const EVENT_SET: ReadonlySet<string> = new Set(EVENT_NAMES)

export function isMethodName(v: unknown): v is MethodName {
  return typeof v === 'string' && METHOD_SET.has(v)
}
export function isEventName(v: unknown): v is EventName {
  return typeof v === 'string' && EVENT_SET.has(v)
}

// ---- the wire envelope (types; the zod schemas are in wire.ts) ------------------------------------

export const CONTRACT_ERROR_CODES = ['bad_input', 'unknown_method', 'forbidden', 'not_found', 'conflict', 'unavailable', 'internal'] as const
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number]

export interface ContractErrorData {
  code: ContractErrorCode
  message: string
  /** For bad_input: each failed field with its message. */
  issues?: { path: string; message: string }[] | undefined
}

export type CallResult = { ok: true; value: unknown } | { ok: false; error: ContractErrorData }

// ---- transport names ---------------------------------------------------------------------------

/** ipcMain/ipcRenderer channel for a method; the preload only ever builds channels from the lists. */
export const invokeChannel = (m: MethodName): string => `contract:call:${m}`
/** ipc channel for a pushed event. */
export const eventChannel = (e: EventName): string => `contract:event:${e}`

/** WebSocket close code the bridge uses for a missing or wrong token. */
export const BRIDGE_UNAUTHORIZED_CLOSE = 4401
/** WebSocket close code for a client refused after too many failed token attempts; the reason says "retry in N s". */
export const BRIDGE_THROTTLED_CLOSE = 4429
/** Path of the bridge's WebSocket endpoint. */
export const BRIDGE_PATH = '/bridge'
