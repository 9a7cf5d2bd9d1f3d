// The poller's figures behind the dashboard's error visibility (issue 10, item 11): per-handler
// errored answers (HTTP >= 400) and template fallbacks, the error rate over the last 60 s, the
// last error, and plain-value percentiles for insert → answer.
import { describe, expect, it } from 'vitest'
import { settleOutcome, asFallback, ok } from '../../../src/main/ai-ipc/handlers/types'
import { PollerStats, summarize } from '../../../src/main/ai-ipc/stats'

const T0 = 1_800_000_000_000

describe('PollerStats for the dashboard', () => {
  it('counts errored answers and fallbacks per handler, the 60 s error rate and the last error', () => {
    const s = new PollerStats(T0)
    expect(s.errorRate(T0)).toBeNull()
    s.answered('health', 'completed', 0.1, 1, T0, { id: 1, httpStatus: 200 })
    s.answered('dialogue', 'completed', 5, 6, T0, { id: 2, httpStatus: 200, fallback: true })
    s.answered('http_proxy', 'completed', 1, 2, T0 + 100, { id: 3, httpStatus: 404, error: 'HTTP 404: Not Found' })
    s.answered('(no handler)', 'failed', 0, 1, T0 + 200, { id: 4, httpStatus: 500, error: 'No handler for request type: x' })
    const by = new Map(s.handlerStats(T0 + 300).map((h) => [h.handler, h]))
    expect(by.get('dialogue')).toMatchObject({ processed: 1, errored: 0, fallbacks: 1 })
    expect(by.get('http_proxy')).toMatchObject({ processed: 1, errored: 1, fallbacks: 0 })
    expect(by.get('(no handler)')).toMatchObject({ failed: 1, errored: 1 })
    expect(s.errorRate(T0 + 300)).toBe(0.5)
    expect(s.lastError).toMatchObject({ id: 4, handler: '(no handler)', httpStatus: 500, message: 'No handler for request type: x' })
    // Out of the 60 s window: no rate any more, the last error stays.
    expect(s.errorRate(T0 + 120_000)).toBeNull()
    expect(s.lastError?.id).toBe(4)
  })

  it('a failed answer without details counts as HTTP 500', () => {
    const s = new PollerStats(T0)
    s.answered('x', 'failed', 0, 0, T0)
    expect(s.handlerStats(T0)[0]).toMatchObject({ errored: 1 })
  })

  it('percentiles of plain values (insert → answer)', () => {
    expect(summarize([])).toBeNull()
    expect(summarize([5])).toEqual({ p50: 5, p95: 5, p99: 5, samples: 1 })
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(summarize(values)).toEqual({ p50: 50, p95: 95, p99: 99, samples: 100 })
  })

  it('a template fallback travels from the handler outcome to the settlement', () => {
    const settled = settleOutcome(asFallback(ok({ status: 'ok' })), { retriesLeft: true, nowMs: T0 })
    expect(settled).toMatchObject({ status: 'completed', response: { httpStatus: 200, fallback: true } })
    const plain = settleOutcome(ok({ status: 'ok' }), { retriesLeft: true, nowMs: T0 })
    expect(plain.status === 'completed' && 'fallback' in plain.response).toBe(false)
  })
})
