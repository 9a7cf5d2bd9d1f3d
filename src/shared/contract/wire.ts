/**
 * The wire envelope, the same over ipcMain and the WebSocket bridge: every call resolves to a
 * CallResult (value or typed error); handlers throw ContractCallError for expected failures; the
 * bridge's message shapes. The zod-free types live in names.ts.
 */
import { z } from 'zod'
import { CONTRACT_ERROR_CODES, type CallResult, type ContractErrorCode, type ContractErrorData, type EventName } from './names'

export const ContractErrorSchema = z.object({
  code: z.enum(CONTRACT_ERROR_CODES),
  message: z.string(),
  /** For bad_input: each failed field with its message. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional()
})

export const CallResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ContractErrorSchema })
])

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

/** Messages on the headless WebSocket bridge. */
export const BridgeClientMessageSchema = z.object({
  t: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  input: z.unknown().optional()
})
export type BridgeClientMessage = z.infer<typeof BridgeClientMessageSchema>

/**
 * The events this bridge client wants (replaces its previous subscription; [] = none). A client
 * that never subscribes receives every event. Unknown names refuse the whole message.
 */
export const BridgeSubscribeMessageSchema = z.object({
  t: z.literal('subscribe'),
  events: z.array(z.string().max(100)).max(200)
})
export type BridgeSubscribeMessage = z.infer<typeof BridgeSubscribeMessageSchema>

export type BridgeServerMessage =
  | { t: 'hello'; version: string; methods: string[]; events: string[] }
  | { t: 'result'; id: number; result: CallResult }
  | { t: 'event'; event: EventName; payload: unknown }
  /** The subscription now in force (answer to a subscribe message). */
  | { t: 'subscribed'; events: EventName[] }
  /** A frame the server refused; `unknownEvents` lists the names a subscribe message got wrong. */
  | { t: 'error'; message: string; unknownEvents?: string[] }
