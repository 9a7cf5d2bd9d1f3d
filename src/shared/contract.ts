/**
 * The one contract between main (or the headless runtime) and the renderer.
 *
 * `methods` names every invoke method with its zod input schema and its result schema;
 * `events` names every pushed event with its payload schema. Everything else is derived from
 * these two tables: the ipcMain registrar, the preload `api`, the WebSocket bridge and the
 * renderer's client. Adding a method = one entry here + its implementation in runtime.ts.
 *
 * No Node, Electron or DOM APIs here.
 */
import { z } from 'zod'
import { LogEntrySchema, LogLevelSchema } from './log'
import { ConfigPatchSchema, ConfigSchema, ENV_OVERRIDES } from './config-schema'

// ---------------------------------------------------------------------------------------------
// Shared payload schemas

export const SERVICE_STATES = ['stopped', 'starting', 'running', 'stopping', 'error', 'disabled'] as const
export const ServiceStateSchema = z.enum(SERVICE_STATES)
export type ServiceState = z.infer<typeof ServiceStateSchema>

export const ServiceStatusSchema = z.object({
  /** Stable id, e.g. "store", "ai-ipc". */
  name: z.string(),
  /** Human label for the dashboard, e.g. "AI request poller". */
  label: z.string(),
  state: ServiceStateSchema,
  /** One line about what it is doing ("polling sqlite ai-ipc.db", "listening on :8001"). */
  detail: z.string().optional(),
  /** Last error message when state is "error". */
  error: z.string().optional(),
  /** ISO time of the last state change. */
  since: z.string()
})
export type ServiceStatus = z.infer<typeof ServiceStatusSchema>

export const AppStatusSchema = z.object({
  version: z.string(),
  mode: z.enum(['desktop', 'headless']),
  startedAt: z.string(),
  uptimeSeconds: z.number(),
  pid: z.number().int(),
  platform: z.string(),
  nodeVersion: z.string(),
  dataDir: z.string(),
  memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number() }),
  services: z.array(ServiceStatusSchema)
})
export type AppStatus = z.infer<typeof AppStatusSchema>

const EnvNameSchema = z.enum(Object.keys(ENV_OVERRIDES) as [keyof typeof ENV_OVERRIDES, ...(keyof typeof ENV_OVERRIDES)[]])

export const ConfigViewSchema = z.object({
  /** The effective config with every secret blanked to "". */
  config: ConfigSchema,
  /** Which secrets have a value (so Settings can show "set" without ever seeing it). */
  secretsSet: z.record(z.string(), z.boolean()),
  /** The YAML file config.update writes. */
  filePath: z.string().nullable(),
  /** Dotted keys fixed by an environment variable → its name; edits to them cannot take effect. */
  envLocked: z.record(z.string(), EnvNameSchema),
  /** Where secrets are kept: "safeStorage" (OS keychain) or "file" (0600 file, not encrypted). */
  secretStorage: z.enum(['safeStorage', 'file'])
})
export type ConfigView = z.infer<typeof ConfigViewSchema>

export const ConfigUpdateResultSchema = z.object({
  view: ConfigViewSchema,
  /** Dotted keys whose value changed. */
  changed: z.array(z.string()),
  /** Services restarted to apply the change. */
  restarted: z.array(z.string()),
  /** Changed keys that only take effect after the app restarts (e.g. admin.port). */
  restartRequired: z.array(z.string())
})
export type ConfigUpdateResult = z.infer<typeof ConfigUpdateResultSchema>

export const LogsTailInputSchema = z
  .object({
    limit: z.number().int().min(1).max(5000).default(500),
    level: LogLevelSchema.optional(),
    search: z.string().max(200).optional(),
    /** Only entries newer than this sequence number. */
    afterSeq: z.number().int().nonnegative().optional()
  })
  .strict()
  .prefault({})

// ---------------------------------------------------------------------------------------------
// The tables

interface MethodDef<I extends z.ZodType, O extends z.ZodType> {
  input: I
  output: O
  /** One line: what the method does. */
  summary: string
}

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): MethodDef<I, O> {
  return { input, output, summary }
}

/** Input schema for methods that take nothing. */
const NoInput = z.undefined().or(z.null()).or(z.object({}).strict()).optional()

export const methods = {
  'app.status': method(NoInput, AppStatusSchema, 'Version, uptime, memory and the state of every service'),
  'logs.tail': method(LogsTailInputSchema, z.array(LogEntrySchema), 'The newest log entries, filtered by level and text'),
  'config.get': method(NoInput, ConfigViewSchema, 'The effective configuration (secrets blanked) and where each value is locked'),
  'config.update': method(
    ConfigPatchSchema,
    ConfigUpdateResultSchema,
    'Validates a partial config, writes it to the YAML file and restarts the services it affects'
  )
} as const

export const events = {
  /** Sent when a service changes state, and every few seconds while anyone listens. */
  'app.status': AppStatusSchema,
  /** New log entries, batched (at most every 100 ms). */
  'logs.entries': z.array(LogEntrySchema),
  /** The configuration changed (through config.update or another window). */
  'config.changed': ConfigViewSchema
} as const

// ---------------------------------------------------------------------------------------------
// Derived types

export type Methods = typeof methods
export type MethodName = keyof Methods
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>
/** The input after parsing (defaults filled) — what a handler receives. */
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>
export type MethodResult<M extends MethodName> = z.output<Methods[M]['output']>

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>

export const METHOD_NAMES = Object.keys(methods) as MethodName[]
export const EVENT_NAMES = Object.keys(events) as EventName[]

export function isMethodName(v: unknown): v is MethodName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(methods, v)
}
export function isEventName(v: unknown): v is EventName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(events, v)
}

/** Arguments of a call: methods whose input is optional may be called with none. */
export type CallArgs<M extends MethodName> = undefined extends MethodInput<M>
  ? [input?: MethodInput<M>]
  : [input: MethodInput<M>]

// ---------------------------------------------------------------------------------------------
// Errors and the wire envelope (the same over ipcMain and the WebSocket bridge)

export const CONTRACT_ERROR_CODES = [
  'bad_input',
  'unknown_method',
  'forbidden',
  'not_found',
  'conflict',
  'unavailable',
  'internal'
] as const
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number]

export const ContractErrorSchema = z.object({
  code: z.enum(CONTRACT_ERROR_CODES),
  message: z.string(),
  /** For bad_input: each failed field with its message. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional()
})
export type ContractErrorData = z.infer<typeof ContractErrorSchema>

export const CallResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ContractErrorSchema })
])
export type CallResult = z.infer<typeof CallResultSchema>

/** Thrown by handlers for expected failures, and by clients when a call comes back with an error. */
export class ContractCallError extends Error {
  readonly code: ContractErrorCode
  readonly issues: { path: string; message: string }[] | undefined
  constructor(code: ContractErrorCode, message: string, issues?: { path: string; message: string }[]) {
    super(message)
    this.name = 'ContractCallError'
    this.code = code
    this.issues = issues
  }
  toData(): ContractErrorData {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) }
  }
}

/** zod issues → the contract's field list. */
export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }))
}

/** What the renderer (and tests) program against, whichever transport carries it. */
export interface ContractClient {
  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodResult<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

// ---------------------------------------------------------------------------------------------
// Transport names

/** ipcMain/ipcRenderer channel for a method; the preload only ever builds channels from the tables. */
export const invokeChannel = (m: MethodName): string => `contract:call:${m}`
/** ipc channel for a pushed event. */
export const eventChannel = (e: EventName): string => `contract:event:${e}`

/** Messages on the headless WebSocket bridge. */
export const BridgeClientMessageSchema = z.object({
  t: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  input: z.unknown().optional()
})
export type BridgeClientMessage = z.infer<typeof BridgeClientMessageSchema>

export type BridgeServerMessage =
  | { t: 'hello'; version: string; methods: string[]; events: string[] }
  | { t: 'result'; id: number; result: CallResult }
  | { t: 'event'; event: EventName; payload: unknown }
  | { t: 'error'; message: string }

/** WebSocket close code the bridge uses for a missing or wrong token. */
export const BRIDGE_UNAUTHORIZED_CLOSE = 4401
/** Path of the bridge's WebSocket endpoint. */
export const BRIDGE_PATH = '/bridge'
