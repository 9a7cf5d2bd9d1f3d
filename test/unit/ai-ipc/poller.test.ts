/**
 * The poller's pipeline against an in-memory queue: worker bound, no sleep while claims come
 * back full, answers written with the claim for synchronous handlers, retries with backoff then
 * the exhausted answer, cancel wins, database outages, graceful stop, oversized answers.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { HandlerRegistry } from '../../../src/main/ai-ipc/handlers/registry'
import { createHandlerContext, handlerConfigFrom } from '../../../src/main/ai-ipc/handlers/context'
import type { AiHandler, HandlerOutcome } from '../../../src/main/ai-ipc/handlers/types'
import { Poller, type PollerSettings } from '../../../src/main/ai-ipc/poller'
import { HttpClient } from '../../../src/main/http/http-client'
import { LogSink } from '../../../src/main/logging/logger'
import { FakeQueue } from './fake-queue'

const lines: string[] = []
const log = new LogSink({ level: 'info', format: 'text', dir: null, write: (l) => lines.push(l) }).logger('ai-ipc')
const http = new HttpClient({ rateLimit: false })
const ctx = createHandlerContext({ http, config: handlerConfigFrom({ base_url: 'http://127.0.0.1:9', timeout_seconds: 1, allowed_origins: [] }, 't'), log })

const BASE: PollerSettings = { intervalMs: 20, batchSize: 10, workerCount: 3, maxRetries: 2, stuckAfterSeconds: 60, statusEveryPolls: 1000, retryBaseMs: 5 }

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

const pollers: Poller[] = []
afterEach(async () => {
  for (const p of pollers.splice(0)) await p.stop()
})
afterAll(() => http.close())

function start(q: FakeQueue, handlers: AiHandler[], settings: Partial<PollerSettings> = {}): Poller {
  const registry = new HandlerRegistry()
  for (const h of handlers) registry.register(h)
  const p = new Poller(q, registry, ctx, { ...BASE, ...settings }, log)
  pollers.push(p)
  p.start()
  return p
}

const syncOk: AiHandler = { name: 'sync', types: ['sync'], handle: (req) => ({ kind: 'ok', response: { id: req.id } }) }

function asyncHandler(type: string, ms: number, onRun?: (delta: number) => void): AiHandler {
  return {
    name: type,
    types: [type],
    async handle(req): Promise<HandlerOutcome> {
      onRun?.(1)
      await new Promise((r) => setTimeout(r, ms))
      onRun?.(-1)
      return { kind: 'ok', response: { id: req.id } }
    }
  }
}

describe('Poller pipeline', () => {
  it('never runs more than worker_count handlers at once', async () => {
    const q = new FakeQueue()
    for (let i = 0; i < 60; i++) q.add('slow')
    let running = 0
    let peak = 0
    start(q, [asyncHandler('slow', 3, (d) => ((running += d), (peak = Math.max(peak, running))))], { workerCount: 3 })
    await until(() => [...q.rows.values()].every((r) => r.status === 'completed'), 'all answered')
    expect(peak).toBe(3)
  })

  it('claims again at once while claims come back full (no poll interval between them)', async () => {
    const q = new FakeQueue()
    for (let i = 0; i < 500; i++) q.add('sync')
    const p = start(q, [syncOk], { intervalMs: 60_000, batchSize: 50 })
    await until(() => p.stats.totals.processed === 500, '500 answered well before one 60 s interval')
    expect(q.calls.claim).toBeGreaterThanOrEqual(10)
  })

  it('sleeps the poll interval once a claim comes back short', async () => {
    const q = new FakeQueue()
    q.add('sync')
    const p = start(q, [syncOk], { intervalMs: 60_000 })
    await until(() => p.stats.totals.processed === 1, 'first answered')
    const claims = q.calls.claim + q.calls.hasPending
    q.add('sync')
    await new Promise((r) => setTimeout(r, 100))
    expect(q.calls.claim + q.calls.hasPending).toBe(claims)
    expect(p.stats.totals.processed).toBe(1)
  })

  it('answers synchronous handlers inside the claim itself (no separate completion)', async () => {
    const q = new FakeQueue()
    for (let i = 0; i < 25; i++) q.add('sync')
    q.add('unknown_type')
    const p = start(q, [syncOk])
    await until(() => p.stats.totals.processed === 25 && p.stats.totals.failed === 1, 'answered')
    expect(q.calls.complete).toBe(0)
    expect(q.calls.answeredAtOnce).toBe(26)
    expect(q.rows.get(26)!.response!.data).toMatch(/No handler for request type: unknown_type/)
  })

  it('retries with backoff, then writes the exhausted answer', async () => {
    const q = new FakeQueue()
    const id = q.add('flaky')
    let calls = 0
    const flaky: AiHandler = { name: 'flaky', types: ['flaky'], handle: (): HandlerOutcome => (calls++, { kind: 'retryable', message: 'down', httpStatus: 504 }) }
    const p = start(q, [flaky], { maxRetries: 2 })
    await until(() => q.status(id) === 'completed', 'exhausted answer')
    expect(calls).toBe(3)
    expect(q.rows.get(id)!.retryCount).toBe(2)
    expect(JSON.parse(q.rows.get(id)!.response!.data)).toEqual({ status: 'error', error: 'down', code: 504, retries_exhausted: true })
    expect(p.stats.totals.retried).toBe(2)
  })

  it('a cancel during processing wins over the late answer', async () => {
    const q = new FakeQueue()
    const id = q.add('slow')
    const p = start(q, [asyncHandler('slow', 50)])
    await until(() => q.status(id) === 'processing', 'claimed')
    await q.cancel([id])
    await until(() => p.stats.totals.cancelledInFlight === 1, 'late answer skipped')
    expect(q.status(id)).toBe('cancelled')
    expect(q.rows.get(id)!.response).toBeNull()
  })

  it('replaces an answer too large for the table with a clear error answer', async () => {
    const q = new FakeQueue()
    q.maxResponseBytes = 100
    const id = q.add('big')
    const big: AiHandler = { name: 'big', types: ['big'], handle: () => ({ kind: 'ok', response: { blob: 'x'.repeat(500) } }) }
    start(q, [big])
    await until(() => q.status(id) === 'completed', 'answered')
    expect(JSON.parse(q.rows.get(id)!.response!.data)).toMatchObject({ status: 'error', code: 500 })
    expect(q.rows.get(id)!.response!.httpStatus).toBe(500)
  })

  it('pauses while the database is unreachable, keeps the answers, and writes them once it is back', async () => {
    const q = new FakeQueue()
    const ids = [q.add('slow'), q.add('slow')]
    const health: (string | undefined)[] = []
    const registry = new HandlerRegistry().register(asyncHandler('slow', 30))
    const p = new Poller(q, registry, ctx, BASE, log, { onHealth: (e) => health.push(e) })
    pollers.push(p)
    p.start()
    await until(() => ids.every((id) => q.status(id) === 'processing'), 'claimed')
    q.down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' })
    await until(() => p.databaseError !== undefined, 'outage noticed')
    expect(p.inFlight).toBe(2)
    q.down = null
    await until(() => ids.every((id) => q.status(id) === 'completed'), 'answers written after the outage')
    expect(health[0]).toMatch(/database unreachable/)
    expect(health[health.length - 1]).toBeUndefined()
    expect(p.databaseError).toBeUndefined()
  })

  it('stop: releases rows not started and rows waiting to retry (+1), gives running handlers time to finish', async () => {
    const q = new FakeQueue()
    const flakyId = q.add('flaky') // answers at once (retryable): its retry waits for a long backoff
    const slow = [q.add('slow'), q.add('slow'), q.add('slow')] // the three workers
    const waiting = [q.add('slow'), q.add('slow')] // claimed, never started
    const flaky: AiHandler = { name: 'flaky', types: ['flaky'], handle: (): HandlerOutcome => ({ kind: 'retryable', message: 'x', httpStatus: 500 }) }
    const p = start(q, [asyncHandler('slow', 80), flaky], { workerCount: 3, retryBaseMs: 60_000 })
    await until(() => [...slow, ...waiting, flakyId].every((id) => q.status(id) === 'processing'), 'all claimed')
    await p.stop()
    const statuses = [...q.rows.values()].map((r) => r.status)
    expect(statuses).not.toContain('processing')
    expect(q.rows.get(flakyId)).toMatchObject({ status: 'pending', retryCount: 1 })
    for (const id of slow) expect(q.status(id)).toBe('completed') // 80 ms < stopTimeoutMs: finished
    for (const id of waiting) expect(q.rows.get(id)).toMatchObject({ status: 'pending', retryCount: 0 })
    expect(lines.some((l) => l.includes('Final Statistics:'))).toBe(true)
  })

  it('recovers stuck rows and expires old ones during maintenance', async () => {
    const q = new FakeQueue()
    const stuck = q.add('sync', { status: 'processing' })
    q.rows.get(stuck)!.updatedAt = Date.now() - 120_000
    const old = q.add('sync', { expiresAt: Date.now() - 1000 })
    const p = start(q, [syncOk], { stuckAfterSeconds: 60 })
    await until(() => q.status(stuck) === 'completed' && q.status(old) === 'timeout', 'maintenance')
    expect(q.rows.get(stuck)!.retryCount).toBe(1)
    expect(p.stats.totals).toMatchObject({ recovered: 1, expired: 1 })
  })
})
