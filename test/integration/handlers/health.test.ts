// health_check / health, basic and detailed (GET <base_url>/health): healthy, degraded,
// unhealthy, timeout, error.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDefaultRegistry, successResponse, type HandlerOutcome, type OkOutcome } from '../../../src/main/ai-ipc/handlers'
import { hang, json, refusedUrl, text } from '../http/stub-server'
import { NOW, request, startAiStub, type AiStub } from './ai-stub'

const registry = createDefaultRegistry()
let ai: AiStub

beforeEach(async () => {
  ai = await startAiStub()
})
afterEach(async () => {
  await ai.close()
})

async function run(type: string, endpoint: string | null, ctx = ai.ctx): Promise<HandlerOutcome> {
  return registry.lookup(type)!.handle(request(type, endpoint), ctx)
}

function component(out: HandlerOutcome): Record<string, unknown> {
  const r = (out as OkOutcome).response as { components: { ai_service: Record<string, unknown> } }
  return r.components.ai_service
}

describe('health', () => {
  it.each(['health_check', 'health'])('%s: basic status without touching the AI service', async (type) => {
    const out = (await run(type, null)) as OkOutcome
    expect(successResponse(out)).toBe(
      `{"status":"ok","service":"ai_ipc_service","version":"9.9.9","timestamp":"${new Date(NOW).toISOString()}","uptime_seconds":90}`
    )
    expect(ai.stub.requests).toHaveLength(0)
  })

  it.each(['/health/detailed', 'detailed', '/health?full=1', 'FULL'])('endpoint %j adds components.ai_service (healthy)', async (endpoint) => {
    const out = await run('health_check', endpoint)
    const r = (out as OkOutcome).response as Record<string, unknown>
    expect(Object.keys(r)).toEqual(['status', 'service', 'version', 'timestamp', 'uptime_seconds', 'components'])
    expect(r.status).toBe('ok')
    expect(component(out)).toEqual({ status: 'healthy', url: `${ai.stub.url}/health`, response_time_ms: expect.any(Number) as unknown, status_code: 200 })
    expect(ai.stub.requests[0]).toMatchObject({ method: 'GET', url: '/health' })
  })

  it('healthy also for a non-JSON 200', async () => {
    ai.stub.reply((_r, res) => text(res, 200, 'OK'))
    expect(component(await run('health', 'detailed')).status).toBe('healthy')
  })

  it.each([
    [404, 'degraded'],
    [429, 'degraded'],
    [500, 'unhealthy'],
    [503, 'unhealthy']
  ])('status %i → %s, probed once (no retry)', async (status, expected) => {
    ai.stub.reply((_r, res) => json(res, status, {}))
    expect(component(await run('health', 'full'))).toMatchObject({ status: expected, status_code: status })
    expect(ai.stub.requests).toHaveLength(1)
  })

  it('timeout → timeout', async () => {
    ai.stub.reply(hang(ai.stub))
    const c = component(await run('health', 'detailed', ai.ctxWith({ healthTimeoutMs: 50 })))
    expect(c).toMatchObject({ status: 'timeout', url: `${ai.stub.url}/health` })
    expect(c.error).toMatch(/timed out after 50 ms/)
  })

  it('connection refused → error', async () => {
    const dead = await refusedUrl()
    const c = component(await run('health', 'detailed', ai.ctxWith({ baseUrl: dead })))
    expect(c).toMatchObject({ status: 'error', url: `${dead}/health` })
    expect(c.error).toMatch(/ECONNREFUSED/)
  })
})
