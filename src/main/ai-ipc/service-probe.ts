/**
 * `ai.testService`: one GET <base_url>/health against the AI service (the saved base URL or an
 * unsaved one from Settings), classified the way the detailed health check does, with one human
 * sentence for the dashboard. Uses its own short-lived HTTP client (no retry, no cache), so it
 * works whether or not the poller runs.
 */
import type { AiTestServiceResult } from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import { HttpClient } from '../http/http-client'
import type { Logger } from '../logging/logger'
import { createHandlerContext, handlerConfigFrom } from './handlers/context'
import { probeAiService, type AiServiceHealth } from './handlers/health'

export function describeProbe(h: AiServiceHealth): string {
  switch (h.status) {
    case 'healthy':
      return `The AI service answered HTTP ${h.status_code ?? 200} in ${h.response_time_ms} ms.`
    case 'degraded':
      return `The AI service answered HTTP ${h.status_code ?? 400} at ${h.url}: it is reachable but refused the health check (wrong base URL or path?).`
    case 'unhealthy':
      return `The AI service answered HTTP ${h.status_code ?? 500}: it is reachable but failing. NPC dialogue falls back to templates meanwhile.`
    case 'timeout':
      return `The AI service did not answer within ${h.response_time_ms} ms (${h.error ?? 'timeout'}).`
    case 'error':
      return `The AI service is unreachable: ${h.error ?? 'connection failed'}. Check that it runs and that the base URL is right.`
  }
}

export async function testAiService(config: Config, baseUrl: string | undefined, version: string, log: Logger): Promise<AiTestServiceResult> {
  const at = new Date().toISOString()
  const ai = { ...config.ai_service, ...(baseUrl !== undefined ? { base_url: baseUrl } : {}) }
  const http = new HttpClient({ timeoutMs: 5000, maxRetries: 0, rateLimit: false })
  try {
    const ctx = createHandlerContext({ http, config: { ...handlerConfigFrom(ai, version), healthTimeoutMs: 5000 }, log })
    const h = await probeAiService(ctx)
    return {
      ok: h.status === 'healthy',
      url: h.url,
      status: h.status,
      statusCode: h.status_code ?? null,
      responseTimeMs: h.response_time_ms,
      message: describeProbe(h),
      at
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return { ok: false, url: ai.base_url, status: 'error', statusCode: null, responseTimeMs: 0, message: `The AI service could not be tested: ${message}`, at }
  } finally {
    await http.close().catch(() => undefined)
  }
}
