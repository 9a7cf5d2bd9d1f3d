// health_check: synchronous, exact shape, and one reused outcome per millisecond.
import { describe, expect, it } from 'vitest'
import { HealthHandler, successResponse, type OkOutcome } from '../../../src/main/ai-ipc/handlers'
import { makeConfig, makeContext, makeRequest } from './fixtures'

describe('HealthHandler (basic)', () => {
  it('answers synchronously with the old shape', () => {
    let now = Date.parse('2025-01-01T01:00:00.250Z')
    const ctx = makeContext({ now: () => now, config: makeConfig({ version: '2.0.0-"q"' }) })
    const h = new HealthHandler()
    const out = h.handle(makeRequest('health_check', null, null), ctx) as OkOutcome
    expect(out.kind).toBe('ok')
    expect(out.response).toEqual({
      status: 'ok',
      service: 'ai_ipc_service',
      version: '2.0.0-"q"',
      timestamp: '2025-01-01T01:00:00.250Z',
      uptime_seconds: 3600
    })
    expect(successResponse(out)).toBe(JSON.stringify(out.response))
    // same millisecond → the very same frozen outcome (no allocation)
    expect(h.handle(makeRequest('health', '/health'), ctx)).toBe(out)
    expect(Object.isFrozen(out)).toBe(true)
    now += 1500
    const later = h.handle(makeRequest('health'), ctx) as OkOutcome
    expect(later).not.toBe(out)
    expect(later.response).toMatchObject({ timestamp: '2025-01-01T01:00:01.750Z', uptime_seconds: 3601 })
    expect(successResponse(later)).toBe(JSON.stringify(later.response))
  })
})
