/**
 * The contract between the IPC poller and the request handlers: the request row as handlers see
 * it, the context they run in, the outcome union they return, and the pure builders of the final
 * `response_data` JSON for every outcome, byte-for-byte in the shapes the old Python service wrote
 * (NPC scripts parse them).
 *
 * Outcome → row (what the poller does with it):
 * | outcome     | status     | http_status          | response_data                                                   |
 * |-------------|------------|----------------------|-----------------------------------------------------------------|
 * | ok          | completed  | httpStatus ?? 200    | successResponse(outcome)                                        |
 * | validation  | completed  | 400                  | validationResponse(message)                                     |
 * | retryable   | pending, retry_count+1 while retries remain (with backoff); then                          |
 * |             | completed  | httpStatus (500/504) | exhaustedResponse(message, httpStatus)                          |
 * | failed      | failed     | 500                  | failedResponse(message, now)                                    |
 * | no handler  | failed     | 500                  | noHandlerResponse(type, now)                                    |
 * `settleOutcome()` implements exactly this table for the poller.
 */
import type { HttpClient } from '../../http/http-client'
import type { Logger } from '../../logging/logger'
import type { ClaimedRow } from '../queue'

/** One claimed `ai_requests` row, with the old service's column names. */
export interface AiRequest {
  id: number
  /** As stored; the registry lower-cases it for lookup. */
  request_type: string
  endpoint: string | null
  /** The raw TEXT column: usually JSON, may be invalid JSON or (http_post) a raw body. */
  request_data: string | null
  priority: number
  source_npc: string | null
  source_map: string | null
  retry_count: number
  correlation_id: string | null
}

/** The queue backend's claimed row, as far as a handler needs it. */
export type ClaimedRowLike = Pick<ClaimedRow, 'id' | 'type' | 'endpoint' | 'data' | 'priority' | 'retryCount' | 'correlationId' | 'sourceNpc' | 'sourceMap'>

/** Maps a queue backend row to the handler's view of it. */
export function toAiRequest(row: ClaimedRowLike): AiRequest {
  return {
    id: row.id,
    request_type: row.type,
    endpoint: row.endpoint,
    request_data: row.data,
    priority: row.priority,
    source_npc: row.sourceNpc,
    source_map: row.sourceMap,
    retry_count: row.retryCount,
    correlation_id: row.correlationId
  }
}

export interface HandlerConfig {
  /** ai_service.base_url, e.g. "http://localhost:8000" (a path prefix is allowed). */
  baseUrl: string
  /** ai_service.timeout_seconds × 1000. */
  timeoutMs: number
  /** ai_service.allowed_origins: extra origins the HTTP proxy may reach. */
  allowedOrigins: readonly string[]
  /** Reported by health_check; computed once by the caller. */
  version: string
  /** Timeout of the detailed health probe of the AI service. Default 5000 ms (as the old service). */
  healthTimeoutMs?: number
}

export interface HandlerContext {
  /** The client for the AI service (its retry/rate-limit/cache defaults are the runtime's choice). */
  http: HttpClient
  /** Treat as immutable: derived data (allowed origins, health URL) is cached per config object. */
  config: HandlerConfig
  log: Logger
  /** Epoch ms when the poller started (uptime_seconds). */
  startedAt: number
  /** Epoch ms now (injectable for tests). */
  now(): number
}

export type HandlerOutcome =
  | {
      kind: 'ok'
      /** JSON-serializable response_data. */
      response: unknown
      /** http_status to record (default 200), e.g. the upstream's 404 for a proxied HTTP error. */
      httpStatus?: number
      /**
       * Optional pre-serialized `response`: valid JSON text that parses to `response` (the
       * proxy keeps the upstream's bytes; health builds it without JSON.stringify). The poller
       * writes it verbatim instead of serializing `response` again: use `successResponse(outcome)`.
       */
      json?: string
      /** A template answer because the AI service was down or refused (metadata.source = "fallback"); counted in the stats. */
      fallback?: boolean
    }
  /** Bad input: completed, 400, `{"status":"error","error":msg,"code":400}`. */
  | { kind: 'validation'; message: string }
  /** Upstream down / timeout / 5xx: retried by the poller; 504 for timeouts, else 500. */
  | { kind: 'retryable'; message: string; httpStatus: 500 | 504 }
  /** Unexpected: status failed, 500, `{"error":true,"message":msg,"timestamp":iso}`. */
  | { kind: 'failed'; message: string }

export type OkOutcome = Extract<HandlerOutcome, { kind: 'ok' }>

/**
 * A request handler. One instance serves every request of its types, concurrently: keep
 * per-request state on the stack. `handle` must not throw for expected problems (return an
 * outcome); anything thrown is treated by the poller as `failed`.
 */
export interface AiHandler {
  /** Short name for logs and the registry listing, e.g. "health". */
  readonly name: string
  /** Request types (lower-case) including aliases, e.g. ["health_check", "health"]. */
  readonly types: readonly string[]
  /** May return synchronously (health_check does, to avoid a promise per request). */
  handle(req: AiRequest, ctx: HandlerContext): HandlerOutcome | Promise<HandlerOutcome>
  /**
   * Optional: the answer when it needs no upstream — a validation error, or a reply built from
   * local state (the plain health check) — else undefined. Synchronous, no I/O, no side effects:
   * the poller calls it inside the claim transaction for every claimed row, so such answers never
   * wait for a worker and are written in the claim's own commit. `handle` must give the same
   * answer for these requests (it still runs when a caller skips the precheck).
   */
  precheck?(req: AiRequest, ctx: HandlerContext): HandlerOutcome | undefined
  /** Releases timers/in-flight work (called by HandlerRegistry.close()). */
  close?(): void | Promise<void>
}

// ---- final response_data builders (compact JSON, keys in the old service's order) ----

/** `{"status":"error","error":msg,"code":400}` */
export function validationResponse(message: string): string {
  return JSON.stringify({ status: 'error', error: message, code: 400 })
}

/** `{"status":"error","error":msg,"code":code,"retries_exhausted":true}` */
export function exhaustedResponse(message: string, code: number): string {
  return JSON.stringify({ status: 'error', error: message, code, retries_exhausted: true })
}

/** `{"error":true,"message":msg,"timestamp":iso}` (unexpected exception → status failed). */
export function failedResponse(message: string, nowMs: number): string {
  return JSON.stringify({ error: true, message, timestamp: new Date(nowMs).toISOString() })
}

/** `{"error":true,"message":"No handler for request type: X","timestamp":iso}` */
export function noHandlerResponse(requestType: string, nowMs: number): string {
  return failedResponse(`No handler for request type: ${requestType}`, nowMs)
}

/** The response_data of an ok outcome (its pre-serialized `json` when present). */
export function successResponse(outcome: OkOutcome): string {
  return outcome.json ?? JSON.stringify(outcome.response) ?? 'null'
}

/** error_message column is VARCHAR(500). */
export const ERROR_MESSAGE_MAX = 500

export function clipErrorMessage(message: string): string {
  return message.length <= ERROR_MESSAGE_MAX ? message : message.slice(0, ERROR_MESSAGE_MAX - 1) + '…'
}

/** What to write for one attempt (structurally compatible with the queue's `Completion`). */
export type Settlement =
  | {
      status: 'completed' | 'failed'
      response: { data: string; httpStatus: number; error: string | null; fallback?: boolean }
    }
  | { status: 'retry'; message: string; httpStatus: 500 | 504 }

/**
 * The outcome table above as a pure function. `retriesLeft` = the row's retry_count is below
 * polling.max_retries (the poller owns the backoff delay before the row is claimed again).
 */
export function settleOutcome(outcome: HandlerOutcome, opts: { retriesLeft: boolean; nowMs: number }): Settlement {
  switch (outcome.kind) {
    case 'ok':
      return {
        status: 'completed',
        response: {
          data: successResponse(outcome),
          httpStatus: outcome.httpStatus ?? 200,
          error: null,
          ...(outcome.fallback ? { fallback: true } : {})
        }
      }
    case 'validation':
      return {
        status: 'completed',
        response: { data: validationResponse(outcome.message), httpStatus: 400, error: clipErrorMessage(outcome.message) }
      }
    case 'retryable':
      if (opts.retriesLeft) return { status: 'retry', message: outcome.message, httpStatus: outcome.httpStatus }
      return {
        status: 'completed',
        response: {
          data: exhaustedResponse(outcome.message, outcome.httpStatus),
          httpStatus: outcome.httpStatus,
          error: clipErrorMessage(outcome.message)
        }
      }
    case 'failed':
      return {
        status: 'failed',
        response: { data: failedResponse(outcome.message, opts.nowMs), httpStatus: 500, error: clipErrorMessage(outcome.message) }
      }
  }
}

/** Settlement for a request type with no handler. */
export function settleNoHandler(requestType: string, nowMs: number): Settlement {
  const message = `No handler for request type: ${requestType}`
  return { status: 'failed', response: { data: noHandlerResponse(requestType, nowMs), httpStatus: 500, error: clipErrorMessage(message) } }
}

// ---- small outcome constructors shared by the handlers ----

export function ok(response: unknown, httpStatus?: number): OkOutcome {
  return httpStatus === undefined ? { kind: 'ok', response } : { kind: 'ok', response, httpStatus }
}

export function validation(message: string): HandlerOutcome {
  return { kind: 'validation', message }
}

export function retryable(message: string, httpStatus: 500 | 504): HandlerOutcome {
  return { kind: 'retryable', message, httpStatus }
}

/** The same ok outcome marked as a template fallback (see OkOutcome.fallback). */
export function asFallback(outcome: OkOutcome): OkOutcome {
  return { ...outcome, fallback: true }
}

/** ISO 8601 timestamp of `ctx.now()`. */
export function isoNow(ctx: HandlerContext): string {
  return new Date(ctx.now()).toISOString()
}
