/**
 * A stub AI service on 127.0.0.1:0 with the routes the handlers call, plus a real HttpClient and
 * HandlerContext pointed at it. Each test can override the reply per route.
 */
import { HttpClient } from '../../../src/main/http'
import { handlerConfigFrom, type AiRequest, type HandlerConfig, type HandlerContext } from '../../../src/main/ai-ipc/handlers'
import { silentLog } from '../../unit/handlers/fixtures'
import { json, startStub, type Stub, type StubReply } from '../http/stub-server'

export { silentLog }

export const NOW = Date.parse('2025-11-27T12:00:00.000Z')

export interface AiStub {
  stub: Stub
  http: HttpClient
  ctx: HandlerContext
  /** Builds a context on another config (the same client). */
  ctxWith(over: Partial<HandlerConfig>): HandlerContext
  close(): Promise<void>
}

/** Default behaviour of the stub AI service. */
export const defaultAiReply: StubReply = (req, res) => {
  const path = req.url.split('?')[0] ?? ''
  if (path === '/health') return json(res, 200, { status: 'ok' })
  const npc = /^\/api\/v1\/npc\/([^/]+)\/(dialogue|decision|emotion)$/.exec(path)
  if (npc && req.method === 'POST') {
    const body = JSON.parse(req.body) as Record<string, unknown>
    const id = decodeURIComponent(npc[1]!)
    if (npc[2] === 'dialogue') {
      return json(res, 200, {
        response: `AI says hi to ${String(body.player_name ?? 'you')} from ${id}`,
        emotion: 'friendly',
        actions: [{ type: 'emote', value: 'wave' }],
        menu_options: ['Buy Items', 'Leave'],
        metadata: { model: 'stub-1', source: 'should-be-overridden' }
      })
    }
    if (npc[2] === 'decision') return json(res, 200, { action: 'patrol', parameters: { route: 'north' }, confidence: 0.8, reasoning: 'quiet day' })
    return json(res, 200, { emotion: 'happy', intensity: 0.7 })
  }
  return json(res, 404, { detail: 'not found' })
}

export async function startAiStub(opts: { timeoutMs?: number; allowedOrigins?: string[] } = {}): Promise<AiStub> {
  const stub = await startStub(defaultAiReply)
  const http = new HttpClient({ rateLimit: false, maxRetries: 1, backoffBaseMs: 1, backoffMaxMs: 5 })
  const base = handlerConfigFrom(
    { base_url: stub.url, timeout_seconds: (opts.timeoutMs ?? 2000) / 1000, allowed_origins: opts.allowedOrigins ?? [] },
    '9.9.9'
  )
  const make = (config: HandlerConfig): HandlerContext => ({ http, config, log: silentLog, startedAt: NOW - 90_500, now: () => NOW })
  return {
    stub,
    http,
    ctx: make(base),
    ctxWith: (over) => make({ ...base, ...over }),
    async close() {
      await http.close()
      await stub.close()
    }
  }
}

let nextId = 100

export function request(type: string, endpoint: string | null, data: unknown = null, over: Partial<AiRequest> = {}): AiRequest {
  return {
    id: nextId++,
    request_type: type,
    endpoint,
    request_data: data === null ? null : typeof data === 'string' ? data : JSON.stringify(data),
    priority: 5,
    source_npc: null,
    source_map: null,
    retry_count: 0,
    correlation_id: null,
    ...over
  }
}
