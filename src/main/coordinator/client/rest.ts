/**
 * The coordinator's REST API as WARP Host calls it — the same code against the embedded registry
 * and a remote coordinator (the real FastAPI service). Every call goes through the project's
 * HTTP client with `X-API-Key`; every body sent is checked with the shared request schemas
 * (../wire.ts) and every answer with the shared response schemas (the contract's coordinator
 * domain, reduced to the fields this client reads so a remote coordinator's extra or missing
 * optional fields do not break it). A failure is a CoordinatorCallError with the HTTP status and
 * whether it is worth retrying (no answer, 5xx, 429).
 */
import { z } from 'zod'
import { CoordinatorHostSchema, CoordinatorSessionSchema, CoordinatorZoneSchema } from '../../../shared/contract/coordinator'
import type { HttpClient } from '../../http/http-client'
import type { HttpMethod, HttpResult } from '../../http/types'
import {
  HeartbeatSchema,
  HostRegisterSchema,
  SessionCreateSchema,
  SessionMetricsSchema,
  ZoneUpsertSchema,
  type HeartbeatBody,
  type HostRegisterBody,
  type SessionCreateBody,
  type SessionMetricsBody
} from '../wire'

export const HostAnswerSchema = CoordinatorHostSchema.pick({ host_id: true, status: true, quality_score: true })
export type HostAnswer = z.infer<typeof HostAnswerSchema>
export const ZoneAnswerSchema = CoordinatorZoneSchema.pick({ zone_id: true, p2p_enabled: true, status: true }).extend({ max_players: z.number().int().positive().optional() })
export type ZoneAnswer = z.infer<typeof ZoneAnswerSchema>
export const SessionAnswerSchema = CoordinatorSessionSchema.pick({ session_id: true, host_id: true, zone_id: true, status: true }).extend({
  connected_players: z.array(z.string()).optional()
})
export type SessionAnswer = z.infer<typeof SessionAnswerSchema>
export const SessionEndAnswerSchema = z.looseObject({ message: z.string().optional(), session_id: z.string().optional() })
export type SessionEndAnswer = z.infer<typeof SessionEndAnswerSchema>

export class CoordinatorCallError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came (refused, timeout). */
    readonly status: number,
    /** No answer, 5xx or 429: the coordinator may be restarting. */
    readonly transient: boolean
  ) {
    super(message)
  }
}

export interface CoordinatorRestOptions {
  /** Base URL without `/api/v1` (http://host:port). */
  baseUrl: string
  apiKey: string
  http: HttpClient
  /** Per-call timeout (default 5 s). */
  timeoutMs?: number
}

export class CoordinatorRest {
  readonly baseUrl: string
  /** Round-trip time of the last answered call (ms), and the outcome of the recent calls (loss window). */
  lastLatencyMs: number | null = null
  private readonly outcomes: boolean[] = []

  constructor(private readonly o: CoordinatorRestOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '')
  }

  /** Share of the last 20 calls that got no answer, in percent (the heartbeat's packet_loss_percent). */
  lossPercent(): number {
    if (this.outcomes.length === 0) return 0
    return Math.round((this.outcomes.filter((ok) => !ok).length / this.outcomes.length) * 10_000) / 100
  }

  registerHost(body: HostRegisterBody): Promise<HostAnswer> {
    return this.call('POST', '/hosts/register', HostAnswerSchema, HostRegisterSchema.parse(body))
  }

  heartbeat(hostId: string, body: HeartbeatBody): Promise<HostAnswer> {
    return this.call('POST', `/hosts/${enc(hostId)}/heartbeat`, HostAnswerSchema, HeartbeatSchema.parse(body))
  }

  async deregister(hostId: string): Promise<void> {
    await this.call('DELETE', `/hosts/${enc(hostId)}`, null)
  }

  /** The zone, or null when the coordinator does not know it (404). */
  async zone(zoneId: string): Promise<ZoneAnswer | null> {
    try {
      return await this.call('GET', `/zones/${enc(zoneId)}`, ZoneAnswerSchema)
    } catch (err) {
      if (err instanceof CoordinatorCallError && err.status === 404) return null
      throw err
    }
  }

  createZone(zoneId: string): Promise<ZoneAnswer> {
    return this.call('POST', '/zones/', ZoneAnswerSchema, ZoneUpsertSchema.parse({ zone_id: zoneId, zone_name: zoneId, p2p_enabled: true }))
  }

  createSession(body: SessionCreateBody): Promise<SessionAnswer> {
    return this.call('POST', '/sessions/', SessionAnswerSchema, SessionCreateSchema.parse(body))
  }

  activateSession(sessionId: string): Promise<SessionAnswer> {
    return this.call('POST', `/sessions/${enc(sessionId)}/activate`, SessionAnswerSchema)
  }

  /** Ends a session; the answer is `{message, session_id, reason, …}` (the real coordinator's shape). */
  endSession(sessionId: string, reason: string): Promise<SessionEndAnswer> {
    return this.call('POST', `/sessions/${enc(sessionId)}/end`, SessionEndAnswerSchema, undefined, { reason })
  }

  reportSessionMetrics(sessionId: string, body: SessionMetricsBody): Promise<SessionAnswer> {
    return this.call('PATCH', `/sessions/${enc(sessionId)}/metrics`, SessionAnswerSchema, SessionMetricsSchema.parse(body))
  }

  activeSessionsOfHost(hostId: string): Promise<SessionAnswer[]> {
    return this.call('GET', `/sessions/host/${enc(hostId)}/active`, z.array(SessionAnswerSchema))
  }

  private async call<S extends z.ZodType>(method: HttpMethod, path: string, schema: S, json?: unknown, query?: Record<string, string>): Promise<z.output<S>>
  private async call(method: HttpMethod, path: string, schema: null, json?: unknown, query?: Record<string, string>): Promise<undefined>
  private async call(method: HttpMethod, path: string, schema: z.ZodType | null, json?: unknown, query?: Record<string, string>): Promise<unknown> {
    const r: HttpResult = await this.o.http.request({
      method,
      url: `${this.baseUrl}/api/v1${path}`,
      headers: { 'x-api-key': this.o.apiKey },
      ...(json !== undefined ? { json } : {}),
      ...(query ? { query } : {}),
      timeoutMs: this.o.timeoutMs ?? 5000,
      cacheTtlMs: 0,
      // The client's own loop (heartbeat backoff, reconnecting start) retries; one call is one attempt.
      retry: false,
      responseType: 'auto'
    })
    const answered = r.status !== 0
    this.outcomes.push(answered)
    if (this.outcomes.length > 20) this.outcomes.shift()
    if (answered) this.lastLatencyMs = r.latencyMs
    const what = `${method} /api/v1${path}`
    if (!r.ok) {
      if (r.status === 0) throw new CoordinatorCallError(`${what}: no answer from the coordinator at ${this.baseUrl} (${r.error.message})`, 0, true)
      const detail = detailOf(r.data) ?? r.error.message
      throw new CoordinatorCallError(`${what}: ${r.status} ${detail}`, r.status, r.status >= 500 || r.status === 429)
    }
    if (schema === null) return undefined
    const parsed = schema.safeParse(r.data)
    if (!parsed.success) throw new CoordinatorCallError(`${what}: unexpected answer (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`, r.status, false)
    return parsed.data
  }
}

function enc(id: string): string {
  return encodeURIComponent(id)
}

function detailOf(data: unknown): string | null {
  if (data && typeof data === 'object' && 'detail' in data) {
    const d = (data as { detail: unknown }).detail
    return typeof d === 'string' ? d : JSON.stringify(d)
  }
  return null
}
