/**
 * One end of a typed message channel (spec-messaging.md), transport-agnostic: the transport hands
 * received frames to `receive()` and gives the endpoint a `send(frame)` to put frames on the wire.
 *
 * - Handlers register per type (`on`); a received message is validated (envelope, then the type's
 *   payload schema) before its handler runs. An invalid frame, an unknown type or a throwing
 *   handler is recorded in the error store and reported to `onError`; `receive` never throws.
 * - A message that asks for an ACK is ACKed (`{ack: id}`) only after its handler succeeded.
 *   Handled ids are remembered (the de-duplication store): a re-delivered id is ACKed again and
 *   not handled twice (at-least-once delivery, each id handled once).
 * - `send(…, {requiresAck: true})` keeps the message pending until its ACK: after `ackTimeoutMs`
 *   without one it waits `retryDelayMs` and resends, up to `maxRetries` resends (1 + maxRetries
 *   tries in all); after the last try's timeout it rejects with `AckTimeoutError` and the message
 *   goes to the error store. An ACK that arrives late (during the retry delay) still counts.
 * - `close(reason)` rejects every pending send and clears every timer; idempotent.
 */
import { z } from 'zod'
import type { Logger } from '../logging/logger'
import {
  CustomTypeNameSchema,
  PAYLOAD_SCHEMAS,
  createMessage,
  describeIssues,
  isMessageType,
  parseFrame,
  type CommandPayload,
  type ErrorPayload,
  type HeartbeatPayload,
  type Message,
  type MessageType,
  type ResponsePayload,
  type TaskPayload
} from './envelope'
import { MemoryDedupeStore, MemoryErrorStore, type DedupeStore, type ErrorStage, type ErrorStore, type StoredError } from './stores'

export { MemoryDedupeStore, MemoryErrorStore }
export type { DedupeStore, ErrorStage, ErrorStore, StoredError }

/** The seed's defaults (configuration, not constants: every endpoint takes its own). */
export const DEFAULT_ACK_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_RETRIES = 3
export const DEFAULT_RETRY_DELAY_MS = 5_000

/** Injectable timers (tests pass fake ones; the default calls the globals at call time). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const globalTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
}

/** What a transport's send returns: false (or a throw / rejection) when it cannot send. */
export type TransportSend = (frame: object) => void | boolean | Promise<void | boolean>

export interface EndpointErrorEvent {
  message?: Message
  error: string
  stage: ErrorStage
}

export interface MessageEndpointOptions {
  /** This end's group: the `group` of every message it sends. */
  group: string
  send: TransportSend
  ackTimeoutMs?: number
  /** Resends after the first try (1 + maxRetries tries in all). */
  maxRetries?: number
  retryDelayMs?: number
  /** Default an in-memory LRU of 10,000 ids. */
  dedupe?: DedupeStore
  /** Default an in-memory list of the last 1,000 errors. */
  errors?: ErrorStore
  timers?: Timers
  /** Epoch milliseconds; default Date.now. */
  now?: () => number
  log?: Logger
  onError?: (e: EndpointErrorEvent) => void
  /** Refuse (as invalid) a message whose `group` is not this endpoint's (the inbox: the folder's). */
  strictGroup?: boolean
}

export interface DeliverContext {
  /** Where the frame came from (kept with an error record, e.g. the inbox's file name). */
  source?: string
}

/** The payload type of each seed message type. */
export interface PayloadOf {
  task: TaskPayload
  command: CommandPayload
  response: ResponsePayload
  error: ErrorPayload
  heartbeat: HeartbeatPayload
}

export type Handler<P = unknown> = (payload: P, message: Message<P>) => unknown

export interface PendingAck {
  id: string
  type: string
  attempts: number
  /** Epoch milliseconds of the first try. */
  firstSentAt: number
}

export interface SendOptions {
  requiresAck?: boolean
  /** Default a fresh UUID v4. */
  id?: string
}

export interface SendResult {
  id: string
  attempts: number
}

/** What happened to one received frame (`deliver`; `receive` is the same without the answer). */
export type DeliveryOutcome =
  | { kind: 'handled'; message: Message; result: unknown }
  | { kind: 'duplicate'; message: Message; acked: boolean }
  | { kind: 'ack'; id: string; matched: boolean }
  | { kind: 'invalid'; reason: string; message?: Message; record: StoredError }
  | { kind: 'failed'; message: Message; error: string; record: StoredError }
  | { kind: 'closed' }

export class AckTimeoutError extends Error {
  override readonly name = 'AckTimeoutError'
  constructor(
    readonly messageId: string,
    readonly attempts: number
  ) {
    super(`no ACK for message ${messageId} after ${attempts} ${attempts === 1 ? 'try' : 'tries'}`)
  }
}

export class SendError extends Error {
  override readonly name = 'SendError'
  constructor(
    readonly messageId: string,
    readonly attempts: number,
    reason: string
  ) {
    super(`could not send message ${messageId}: ${reason}`)
  }
}

export class EndpointClosedError extends Error {
  override readonly name = 'EndpointClosedError'
  constructor(readonly reason: string) {
    super(`message endpoint closed: ${reason}`)
  }
}

interface Registration {
  handler: Handler
  schema: z.ZodType
}

interface Pending {
  message: Message
  attempts: number
  firstSentAt: number
  timer: unknown
  settled: boolean
  resolve: (r: SendResult) => void
  reject: (e: Error) => void
}

const RAW_KEEP = 2_000

function rawText(raw: unknown): string {
  try {
    const text = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : JSON.stringify(raw)
    return (text ?? String(raw)).slice(0, RAW_KEEP)
  } catch {
    return String(raw).slice(0, RAW_KEEP)
  }
}

function errorText(err: unknown): { error: string; stack?: string } {
  if (err instanceof Error) return err.stack !== undefined ? { error: err.message, stack: err.stack } : { error: err.message }
  return { error: typeof err === 'string' ? err : rawText(err) }
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number ≥ 0 (got ${String(value)})`)
  return v
}

export class MessageEndpoint {
  readonly group: string
  private readonly transport: TransportSend
  private readonly ackTimeoutMs: number
  private readonly maxRetries: number
  private readonly retryDelayMs: number
  private readonly dedupe: DedupeStore
  private readonly errorStore: ErrorStore
  private readonly timers: Timers
  private readonly now: () => number
  private readonly log: Logger | undefined
  private readonly onError: ((e: EndpointErrorEvent) => void) | undefined
  private readonly strictGroup: boolean
  private readonly registrations = new Map<string, Registration>()
  private readonly outgoingSchemas = new Map<string, z.ZodType>()
  private readonly pending = new Map<string, Pending>()
  private readonly inFlight = new Set<string>()
  private closedReason: string | null = null

  constructor(opts: MessageEndpointOptions) {
    this.group = z.string().min(1).max(128).parse(opts.group)
    this.transport = opts.send
    this.ackTimeoutMs = nonNegative(opts.ackTimeoutMs, DEFAULT_ACK_TIMEOUT_MS, 'ackTimeoutMs')
    this.maxRetries = Math.floor(nonNegative(opts.maxRetries, DEFAULT_MAX_RETRIES, 'maxRetries'))
    this.retryDelayMs = nonNegative(opts.retryDelayMs, DEFAULT_RETRY_DELAY_MS, 'retryDelayMs')
    this.dedupe = opts.dedupe ?? new MemoryDedupeStore()
    this.errorStore = opts.errors ?? new MemoryErrorStore()
    this.timers = opts.timers ?? globalTimers
    this.now = opts.now ?? (() => Date.now())
    this.log = opts.log
    this.onError = opts.onError
    this.strictGroup = opts.strictGroup === true
  }

  get closed(): boolean {
    return this.closedReason !== null
  }

  /**
   * Registers the handler of a type (one per type; registering again replaces it). The payload is
   * validated with `payloadSchema`, else the seed type's schema; a custom type without a schema
   * takes any payload. Returns an unsubscribe.
   */
  on<T extends MessageType>(type: T, handler: Handler<PayloadOf[T]>): () => void
  on<S extends z.ZodType>(type: string, handler: Handler<z.output<S>>, payloadSchema: S): () => void
  on(type: string, handler: Handler): () => void
  on(type: string, handler: Handler<never>, payloadSchema?: z.ZodType): () => void {
    const schema = this.schemaFor(type, payloadSchema)
    const reg: Registration = { handler: handler as Handler, schema }
    this.registrations.set(type, reg)
    return () => {
      if (this.registrations.get(type) === reg) this.registrations.delete(type)
    }
  }

  /** Declares a custom type's payload schema for sending (without handling it here). */
  registerType(type: string, payloadSchema: z.ZodType): void {
    this.outgoingSchemas.set(type, this.schemaFor(type, payloadSchema))
  }

  /** Handles one received frame (a message or an ACK). Never throws. */
  async receive(raw: unknown): Promise<void> {
    await this.deliver(raw)
  }

  /** `receive`, saying what became of the frame (the file channel decides a file's fate by it). */
  async deliver(raw: unknown, ctx: DeliverContext = {}): Promise<DeliveryOutcome> {
    if (this.closed) return { kind: 'closed' }
    const frame = parseFrame(raw)
    if (frame.kind === 'invalid') {
      const e: StoredError = { at: this.now(), stage: 'invalid', error: frame.reason, group: this.group, raw: rawText(raw) }
      if (frame.id !== undefined) e.messageId = frame.id
      if (frame.type !== undefined) e.type = frame.type
      if (ctx.source !== undefined) e.source = ctx.source
      this.record(e)
      return { kind: 'invalid', reason: frame.reason, record: e }
    }
    if (frame.kind === 'ack') return { kind: 'ack', id: frame.id, matched: this.settleAck(frame.id) }

    const message = frame.message
    const refuse = (reason: string): DeliveryOutcome => {
      const e = this.messageError('invalid', reason, message, ctx)
      this.record(e)
      return { kind: 'invalid', reason, message, record: e }
    }
    if (this.strictGroup && message.group !== this.group) return refuse(`group "${message.group}" is not this channel's ("${this.group}")`)
    if (this.dedupe.has(message.id)) {
      const acked = message.requiresAck === true && (await this.sendAck(message))
      this.log?.debug('duplicate message ignored', { id: message.id, type: message.type, reAcked: acked })
      return { kind: 'duplicate', message, acked }
    }
    if (this.inFlight.has(message.id)) return { kind: 'duplicate', message, acked: false }

    const reg = this.registrations.get(message.type)
    if (!reg) return refuse(`unknown message type "${message.type}"`)
    const payload = reg.schema.safeParse(message.payload)
    if (!payload.success) return refuse(`invalid ${message.type} payload: ${describeIssues(payload.error)}`)

    const typed: Message = { ...message, payload: payload.data }
    this.inFlight.add(message.id)
    let result: unknown
    try {
      result = await reg.handler(payload.data, typed)
    } catch (err) {
      const { error, stack } = errorText(err)
      const e = this.messageError('handler', error, message, ctx)
      if (stack !== undefined) e.stack = stack
      this.record(e)
      return { kind: 'failed', message, error, record: e }
    } finally {
      this.inFlight.delete(message.id)
    }
    try {
      await this.dedupe.add(message.id)
    } catch (err) {
      // Handled but not remembered: a re-delivery would run it again. Still ACKed (it was handled).
      this.log?.error('could not remember a handled message id', { id: message.id, error: errorText(err).error })
    }
    if (message.requiresAck === true) await this.sendAck(message)
    return { kind: 'handled', message: typed, result }
  }

  /**
   * Sends a message of this endpoint's group. Without requiresAck it resolves once the transport
   * took it (rejects with SendError when it could not); with requiresAck it resolves on the ACK
   * and rejects with AckTimeoutError after the last try (SendError when the transport refused
   * every try), or EndpointClosedError on close.
   */
  send<T extends MessageType>(type: T, payload: PayloadOf[T], opts?: SendOptions): Promise<SendResult>
  send(type: string, payload: unknown, opts?: SendOptions): Promise<SendResult>
  async send(type: string, payload: unknown, opts: SendOptions = {}): Promise<SendResult> {
    if (this.closedReason !== null) throw new EndpointClosedError(this.closedReason)
    const schema = this.outgoingSchemas.get(type) ?? this.registrations.get(type)?.schema ?? (isMessageType(type) ? PAYLOAD_SCHEMAS[type] : undefined)
    if (schema) {
      const checked = schema.safeParse(payload)
      if (!checked.success) throw new TypeError(`invalid ${type} payload: ${describeIssues(checked.error)}`)
    }
    const message = createMessage(type, this.group, payload, { requiresAck: opts.requiresAck === true ? true : undefined, id: opts.id, now: this.now })
    if (message.requiresAck !== true) {
      const sent = await this.transmit(message)
      if (sent !== true) {
        const error = new SendError(message.id, 1, sent)
        this.report({ message, error: error.message, stage: 'send' })
        throw error
      }
      return { id: message.id, attempts: 1 }
    }
    if (this.pending.has(message.id)) throw new Error(`message ${message.id} is already pending`)
    return new Promise<SendResult>((resolve, reject) => {
      const p: Pending = { message, attempts: 0, firstSentAt: this.now(), timer: undefined, settled: false, resolve, reject }
      this.pending.set(message.id, p)
      void this.attempt(p)
    })
  }

  /** Messages sent with requiresAck that have no ACK yet. */
  pendingAcks(): PendingAck[] {
    return [...this.pending.values()].map((p) => ({ id: p.message.id, type: p.message.type, attempts: p.attempts, firstSentAt: p.firstSentAt }))
  }

  /** The error store's list, newest first. */
  errors(limit?: number): StoredError[] {
    return this.errorStore.list(limit)
  }

  /** Rejects every pending send, clears every timer; later sends reject, later frames are ignored. */
  close(reason = 'closed'): void {
    if (this.closedReason !== null) return
    this.closedReason = reason
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const p of pending) {
      this.clearTimer(p)
      p.settled = true
      p.reject(new EndpointClosedError(reason))
    }
  }

  private schemaFor(type: string, given: z.ZodType | undefined): z.ZodType {
    if (given) return given
    if (isMessageType(type)) return PAYLOAD_SCHEMAS[type]
    CustomTypeNameSchema.parse(type)
    return z.unknown()
  }

  private async attempt(p: Pending): Promise<void> {
    p.timer = undefined
    p.attempts++
    const sent = await this.transmit(p.message)
    if (p.settled) return
    if (sent === true) {
      p.timer = this.timers.setTimeout(() => this.onAckTimeout(p), this.ackTimeoutMs)
      return
    }
    this.log?.debug('message send failed', { id: p.message.id, attempt: p.attempts, reason: sent })
    if (p.attempts > this.maxRetries) {
      this.fail(p, new SendError(p.message.id, p.attempts, sent), 'send')
      return
    }
    p.timer = this.timers.setTimeout(() => void this.attempt(p), this.retryDelayMs)
  }

  private onAckTimeout(p: Pending): void {
    p.timer = undefined
    if (p.settled) return
    if (p.attempts > this.maxRetries) {
      this.fail(p, new AckTimeoutError(p.message.id, p.attempts), 'ack-timeout')
      return
    }
    this.log?.debug('no ACK yet, resending after the retry delay', { id: p.message.id, attempt: p.attempts })
    p.timer = this.timers.setTimeout(() => void this.attempt(p), this.retryDelayMs)
  }

  private fail(p: Pending, error: AckTimeoutError | SendError, stage: ErrorStage): void {
    this.pending.delete(p.message.id)
    p.settled = true
    this.clearTimer(p)
    const e = this.messageError(stage, error.message, p.message)
    e.attempts = p.attempts
    this.record(e)
    p.reject(error)
  }

  private settleAck(id: string): boolean {
    const p = this.pending.get(id)
    if (!p) {
      this.log?.debug('ACK for no pending message', { id })
      return false
    }
    this.pending.delete(id)
    p.settled = true
    this.clearTimer(p)
    p.resolve({ id, attempts: p.attempts })
    return true
  }

  private clearTimer(p: Pending): void {
    if (p.timer !== undefined) this.timers.clearTimeout(p.timer)
    p.timer = undefined
  }

  /** true when the transport took the frame, else why not. */
  private async transmit(frame: object): Promise<true | string> {
    try {
      const r = await this.transport(frame)
      return r === false ? 'the transport cannot send' : true
    } catch (err) {
      return errorText(err).error
    }
  }

  private async sendAck(message: Message): Promise<boolean> {
    if (this.closed) return false
    const sent = await this.transmit({ ack: message.id })
    if (sent === true) return true
    this.record(this.messageError('send', `could not send the ACK: ${sent}`, message))
    return false
  }

  private messageError(stage: ErrorStage, error: string, message: Message, ctx: DeliverContext = {}): StoredError {
    const e: StoredError = { at: this.now(), stage, error, messageId: message.id, type: message.type, group: message.group, message }
    if (ctx.source !== undefined) e.source = ctx.source
    return e
  }

  private record(e: StoredError): void {
    try {
      this.errorStore.add(e)
    } catch (err) {
      this.log?.error('could not store a message error', { error: errorText(err).error })
    }
    this.log?.warn(`message ${e.stage === 'invalid' ? 'rejected' : 'failed'}: ${e.error}`, { id: e.messageId, type: e.type, stage: e.stage })
    const event: EndpointErrorEvent = { error: e.error, stage: e.stage }
    if (e.message) event.message = e.message
    this.report(event)
  }

  private report(event: EndpointErrorEvent): void {
    try {
      this.onError?.(event)
    } catch (err) {
      this.log?.error('onError threw', { error: errorText(err).error })
    }
  }
}
