/**
 * The message envelope of WARP Host's typed message layer (spec-messaging.md): one shape for the
 * local inbox (files) and the control channel to connected players (WebRTC data channel).
 *
 * A frame on the wire is either a message (this envelope) or an ACK `{ack: <message id>}`. Nothing
 * here knows a transport: `parseFrame` takes what a transport received (a JSON string or an
 * already-parsed object) and says what it is; bounded size checks are the transport's.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'

/** The seed's message types; a custom type is any other name registered on an endpoint. */
export const MESSAGE_TYPES = ['task', 'command', 'response', 'error', 'heartbeat'] as const
export const MessageTypeSchema = z.enum(MESSAGE_TYPES)
export type MessageType = z.infer<typeof MessageTypeSchema>

/** A custom type name: what a registered non-seed type may be called. */
export const CustomTypeNameSchema = z.string().min(1).max(64)

export const MessageSchema = z.object({
  id: z.uuid(),
  /** A known type or a registered custom type name (whether it is registered is the endpoint's). */
  type: z.union([MessageTypeSchema, CustomTypeNameSchema]),
  /** The channel: the seed's groupFolder (the inbox's folder name, e.g. "main"). */
  group: z.string().min(1).max(128),
  payload: z.unknown(),
  timestamp: z.iso.datetime({ offset: true }),
  requiresAck: z.boolean().optional()
})
/** A message whose payload is still unknown (validated per type by the endpoint). */
export type Message<P = unknown> = Omit<z.infer<typeof MessageSchema>, 'payload'> & { payload: P }

export const TaskPayloadSchema = z.object({
  taskId: z.string().min(1).max(256),
  prompt: z.string(),
  scheduleType: z.string().min(1).max(64)
})
export type TaskPayload = z.infer<typeof TaskPayloadSchema>

export const CommandPayloadSchema = z.object({
  command: z.string().min(1).max(64),
  args: z.array(z.unknown()).default([])
})
export type CommandPayload = z.infer<typeof CommandPayloadSchema>

export const ResponsePayloadSchema = z.object({
  /** The id of the message this answers. */
  requestId: z.string().min(1).max(128),
  success: z.boolean(),
  result: z.unknown().optional()
})
export type ResponsePayload = z.infer<typeof ResponsePayloadSchema>

export const ErrorPayloadSchema = z.object({
  error: z.string(),
  stack: z.string().optional(),
  recoverable: z.boolean(),
  code: z.string().optional()
})
export type ErrorPayload = z.infer<typeof ErrorPayloadSchema>

export const HeartbeatPayloadSchema = z.looseObject({
  processId: z.string(),
  status: z.string(),
  seq: z.number().optional(),
  sentAt: z.number().optional()
})
export type HeartbeatPayload = z.infer<typeof HeartbeatPayloadSchema>

/** The payload schema of each seed type (an endpoint validates with it unless given another). */
export const PAYLOAD_SCHEMAS: { readonly [T in MessageType]: z.ZodType } = {
  task: TaskPayloadSchema,
  command: CommandPayloadSchema,
  response: ResponsePayloadSchema,
  error: ErrorPayloadSchema,
  heartbeat: HeartbeatPayloadSchema
}

/** An acknowledgement: its own frame, not a message. */
export const AckFrameSchema = z.object({ ack: z.uuid() })
export type AckFrame = z.infer<typeof AckFrameSchema>

export function isMessageType(type: string): type is MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(type)
}

export interface CreateMessageOptions {
  requiresAck?: boolean
  /** Default a fresh UUID v4. */
  id?: string
  /** Epoch milliseconds, or a clock; default Date.now(). */
  now?: number | (() => number)
}

/** Builds a message (throws a ZodError when the envelope would be invalid, e.g. an empty group). */
export function createMessage<P>(type: string, group: string, payload: P, opts: CreateMessageOptions = {}): Message<P> {
  const at = typeof opts.now === 'function' ? opts.now() : (opts.now ?? Date.now())
  const message: Message<P> = {
    id: opts.id ?? randomUUID(),
    type,
    group,
    payload,
    timestamp: new Date(at).toISOString()
  }
  if (opts.requiresAck !== undefined) message.requiresAck = opts.requiresAck
  MessageSchema.parse(message)
  return message
}

export type ParsedFrame =
  | { kind: 'message'; message: Message }
  | { kind: 'ack'; id: string }
  /** `id`/`type`: what the invalid frame claimed, when it had them as strings (for error reports). */
  | { kind: 'invalid'; reason: string; id?: string; type?: string }

/** Says why a zod parse failed, in one line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ')
}

/**
 * What a transport received: a message, an ACK, or something invalid (with why). Never throws.
 * `raw` is a JSON string (or Buffer/Uint8Array of UTF-8) or an already-parsed value.
 */
export function parseFrame(raw: unknown): ParsedFrame {
  let value: unknown = raw
  if (raw instanceof Uint8Array) value = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')
  if (typeof value === 'string') {
    if (value.trim() === '') return { kind: 'invalid', reason: 'empty frame' }
    try {
      value = JSON.parse(value) as unknown
    } catch (err) {
      return { kind: 'invalid', reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` }
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', reason: `not an object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})` }
  }
  if ('ack' in value && !('type' in value)) {
    const ack = AckFrameSchema.safeParse(value)
    return ack.success ? { kind: 'ack', id: ack.data.ack } : { kind: 'invalid', reason: `invalid ACK: ${describeIssues(ack.error)}` }
  }
  const claimed: { id?: string; type?: string } = {}
  const rec = value as Record<string, unknown>
  if (typeof rec.id === 'string') claimed.id = rec.id.slice(0, 128)
  if (typeof rec.type === 'string') claimed.type = rec.type.slice(0, 64)
  if (!('payload' in value)) return { kind: 'invalid', reason: 'invalid envelope: payload: missing', ...claimed }
  const parsed = MessageSchema.safeParse(value)
  if (!parsed.success) return { kind: 'invalid', reason: `invalid envelope: ${describeIssues(parsed.error)}`, ...claimed }
  return { kind: 'message', message: parsed.data }
}
