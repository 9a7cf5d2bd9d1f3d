/**
 * health_check / health: the poller's own status, and with an endpoint containing "detailed" or
 * "full" also the AI service's (GET <base_url>/health, 5 s timeout).
 *
 * The plain check is the hottest handler (benchmarks push tens of thousands per second), so it
 * answers synchronously and reuses one frozen outcome (object + pre-serialized JSON) for all
 * requests within the same millisecond: no allocation at all on the common path.
 */
import { serviceTargets } from './proxy-url'
import { type AiHandler, type AiRequest, type HandlerConfig, type HandlerContext, type HandlerOutcome, type OkOutcome } from './types'

export const SERVICE_NAME = 'ai_ipc_service'
export const DETAILED_HEALTH_TIMEOUT_MS = 5000

const DETAIL = /detailed|full/i

export type AiServiceHealthStatus = 'healthy' | 'degraded' | 'timeout' | 'unhealthy' | 'error'

export interface AiServiceHealth {
  status: AiServiceHealthStatus
  url: string
  response_time_ms: number
  /** Present when the service answered. */
  status_code?: number
  /** Present for timeout / error. */
  error?: string
}

interface HealthBody {
  status: 'ok'
  service: string
  version: string
  timestamp: string
  uptime_seconds: number
}

export class HealthHandler implements AiHandler {
  readonly name = 'health'
  readonly types = ['health_check', 'health'] as const

  private cachedMs = Number.NaN
  private cachedConfig: HandlerConfig | undefined
  private cachedStartedAt = Number.NaN
  private cachedVersion = ''
  private cachedVersionJson = '""'
  private cached: OkOutcome | undefined

  handle(req: AiRequest, ctx: HandlerContext): HandlerOutcome | Promise<HandlerOutcome> {
    return this.precheck(req, ctx) ?? this.detailed(ctx)
  }

  /** The plain check needs no upstream: answered at claim time. The detailed one probes the AI service. */
  precheck(req: AiRequest, ctx: HandlerContext): HandlerOutcome | undefined {
    const endpoint = req.endpoint
    if (endpoint !== null && endpoint !== '' && DETAIL.test(endpoint)) return undefined
    const now = ctx.now()
    if (now === this.cachedMs && ctx.config === this.cachedConfig && ctx.startedAt === this.cachedStartedAt && this.cached !== undefined) {
      return this.cached
    }
    return this.basic(ctx, now)
  }

  private basic(ctx: HandlerContext, now: number): OkOutcome {
    const version = ctx.config.version
    if (version !== this.cachedVersion) {
      this.cachedVersion = version
      this.cachedVersionJson = JSON.stringify(version)
    }
    const timestamp = new Date(now).toISOString()
    const uptime = uptimeSeconds(ctx, now)
    const response: HealthBody = Object.freeze({ status: 'ok', service: SERVICE_NAME, version, timestamp, uptime_seconds: uptime })
    const json =
      '{"status":"ok","service":"' +
      SERVICE_NAME +
      '","version":' +
      this.cachedVersionJson +
      ',"timestamp":"' +
      timestamp +
      '","uptime_seconds":' +
      uptime +
      '}'
    const outcome: OkOutcome = Object.freeze({ kind: 'ok', response, json })
    this.cached = outcome
    this.cachedMs = now
    this.cachedConfig = ctx.config
    this.cachedStartedAt = ctx.startedAt
    return outcome
  }

  private async detailed(ctx: HandlerContext): Promise<HandlerOutcome> {
    const ai = await probeAiService(ctx)
    const now = ctx.now()
    return {
      kind: 'ok',
      response: {
        status: 'ok',
        service: SERVICE_NAME,
        version: ctx.config.version,
        timestamp: new Date(now).toISOString(),
        uptime_seconds: uptimeSeconds(ctx, now),
        components: { ai_service: ai }
      }
    }
  }
}

/** GET <base_url>/health once (no retry, no cache) and classify the answer. */
export async function probeAiService(ctx: HandlerContext): Promise<AiServiceHealth> {
  const url = serviceTargets(ctx.config).baseJoin + '/health'
  const started = performance.now()
  const r = await ctx.http.request({
    url,
    method: 'GET',
    timeoutMs: ctx.config.healthTimeoutMs ?? DETAILED_HEALTH_TIMEOUT_MS,
    retry: false,
    cacheTtlMs: 0,
    responseType: 'text'
  })
  const response_time_ms = Math.round(performance.now() - started)
  if (r.ok) return { status: 'healthy', url, response_time_ms, status_code: r.status }
  switch (r.error.kind) {
    case 'http':
      return { status: r.status >= 500 ? 'unhealthy' : 'degraded', url, response_time_ms, status_code: r.status }
    case 'timeout':
      return { status: 'timeout', url, response_time_ms, error: r.error.message }
    default:
      return { status: 'error', url, response_time_ms, error: r.error.message }
  }
}

function uptimeSeconds(ctx: HandlerContext, now: number): number {
  return Math.max(0, Math.floor((now - ctx.startedAt) / 1000))
}
