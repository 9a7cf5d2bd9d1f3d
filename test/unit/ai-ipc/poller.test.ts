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

const syncOk: AiHandler = {
  name: 'sync',
  types: ['sync'],
  handle: (req) => ({ kind: 'ok', response: { id: req.id } }),
  precheck: (req) => ({ kind: 'ok', response: { id: req.id } })
}

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
    start(q, [asyncHandler('slow', 3, (d) => ((running += d), (peak = Math.max(peak, running))))], { workerCount: 3, familyShare: 1 })
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

  it('answers prechecked requests and unknown types inside the claim itself (no separate completion)', async () => {
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
    const slow = [q.add('slow'), q.add('slow'), q.add('slow')] // three of the four workers (the family's share)
    const waiting = [q.add('slow'), q.add('slow')] // claimed, never started
    const flaky: AiHandler = { name: 'flaky', types: ['flaky'], handle: (): HandlerOutcome => ({ kind: 'retryable', message: 'x', httpStatus: 500 }) }
    const p = start(q, [asyncHandler('slow', 80), flaky], { workerCount: 4, retryBaseMs: 60_000 })
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

/** A handler whose promise settles at once (in a microtask), without a precheck. */
const instant: AiHandler = { name: 'instant', types: ['instant'], handle: async (req) => ({ kind: 'ok', response: { id: req.id } }) }

describe('Poller hardening (issue: claimed rows dropped, crashed pollers, budgets, fairness)', () => {
  it('never writes an answer before its claim has committed (no claimed row is dropped)', async () => {
    const q = new FakeQueue()
    q.claimCommitDelayMs = 15 // the claim's COMMIT round trip; until then others read 'pending'
    const ids: number[] = []
    for (let i = 0; i < 40; i++) ids.push(q.add(i % 2 === 0 ? 'instant' : 'sync'))
    const p = start(q, [instant, syncOk], { batchSize: 10, workerCount: 8 })
    await until(() => ids.every((id) => q.status(id) === 'completed'), 'every row answered')
    expect(p.stats.totals.cancelledInFlight).toBe(0)
    expect(p.stats.totals.processed).toBe(40)
  })

  it('re-checks an answer that matched no row: still ours → written again; cancelled → dropped quietly', async () => {
    const q = new FakeQueue()
    q.loseWrites = 1
    const id = q.add('instant')
    const p = start(q, [instant])
    await until(() => q.status(id) === 'completed', 'answer written on the second try')
    expect(p.stats.totals.processed).toBe(1)
    expect(lines.some((l) => l.includes(`answer for request ${id} matched no row although the row is still ours`))).toBe(true)
  })

  it('warns when an answer is dropped because the row moved on (not cancelled)', async () => {
    const q = new FakeQueue()
    let release: (() => void) | null = null
    const held: AiHandler = {
      name: 'held',
      types: ['held'],
      handle: (req) => new Promise<HandlerOutcome>((r) => (release = () => r({ kind: 'ok', response: { id: req.id } })))
    }
    const id = q.add('held')
    start(q, [held])
    await until(() => q.status(id) === 'processing' && release !== null, 'handler started')
    q.rows.get(id)!.status = 'failed' // e.g. an operator or another tool finished it
    ;(release as unknown as () => void)()
    await until(() => lines.some((l) => l.includes(`answer for request ${id} was dropped: the row is now failed`)), 'warning logged')
  })

  it('answers that need no upstream never wait for a worker, and one slow family cannot take every worker', async () => {
    const q = new FakeQueue()
    let slowRunning = 0
    let slowPeak = 0
    const gates: (() => void)[] = []
    const slow: AiHandler = {
      name: 'slow',
      types: ['slow'],
      handle: (req) =>
        new Promise<HandlerOutcome>((r) => {
          slowRunning++
          slowPeak = Math.max(slowPeak, slowRunning)
          gates.push(() => {
            slowRunning--
            r({ kind: 'ok', response: { id: req.id } })
          })
        })
    }
    const slowIds = Array.from({ length: 8 }, () => q.add('slow'))
    const quick = Array.from({ length: 20 }, () => q.add('sync'))
    const other = [q.add('instant'), q.add('instant')]
    start(q, [slow, syncOk, instant], { workerCount: 4, batchSize: 50, familyShare: 0.75 })
    // Every slow call hangs; yet the prechecked rows and the other family are answered.
    await until(() => quick.every((id) => q.status(id) === 'completed'), 'prechecked rows answered while workers are busy')
    await until(() => other.every((id) => q.status(id) === 'completed'), 'the other family got a worker')
    expect(slowPeak).toBe(3)
    for (const g of gates.splice(0)) g()
    await until(() => {
      for (const g of gates.splice(0)) g()
      return slowIds.every((id) => q.status(id) === 'completed')
    }, 'slow rows answered once released')
  })

  it('answers at once instead of sitting in backoff past the row’s expires_at', async () => {
    const q = new FakeQueue()
    const id = q.add('flaky', { expiresAt: Date.now() + 3000 })
    const flaky: AiHandler = { name: 'flaky', types: ['flaky'], handle: (): HandlerOutcome => ({ kind: 'retryable', message: 'upstream down', httpStatus: 504 }) }
    start(q, [flaky], { retryBaseMs: 10_000, maxRetries: 3 })
    await until(() => q.status(id) === 'completed', 'answered before expiry')
    const body = JSON.parse(q.rows.get(id)!.response!.data) as Record<string, unknown>
    expect(body).toMatchObject({ status: 'error', code: 504, retries_exhausted: true })
    expect(String(body.error)).toMatch(/no time left to retry before the request expires/)
    expect(q.rows.get(id)!.retryCount).toBe(0)
  })

  it('renews the lease of rows it holds, so another live poller never takes them', async () => {
    const q = new FakeQueue()
    const id = q.add('slow')
    const a = start(q, [asyncHandler('slow', 700)], { stuckAfterSeconds: 0.3, maintenanceEveryMs: 20 })
    await until(() => q.status(id) === 'processing', 'claimed by A')
    const b = start(q, [asyncHandler('slow', 700)], { stuckAfterSeconds: 0.3, maintenanceEveryMs: 20 })
    await until(() => q.status(id) === 'completed', 'answered by A')
    expect(b.stats.totals.recovered + a.stats.totals.recovered).toBe(0)
    expect(q.rows.get(id)!.retryCount).toBe(0)
    expect(a.stats.totals.processed).toBe(1)
  })

  it('recovers the rows of a poller that died once their lease lapses, and answers them', async () => {
    const q = new FakeQueue()
    const orphan = q.add('sync', { status: 'processing' }) // its poller was killed; nobody renews it
    const p = start(q, [syncOk], { stuckAfterSeconds: 0.2, maintenanceEveryMs: 20 })
    await until(() => q.status(orphan) === 'completed', 'recovered and answered')
    expect(q.rows.get(orphan)!.retryCount).toBe(1)
    expect(p.stats.totals.recovered).toBe(1)
  })

  it('stop() releases a handler that never returns within its budget', async () => {
    const q = new FakeQueue()
    const id = q.add('hang')
    const hang: AiHandler = { name: 'hang', types: ['hang'], handle: () => new Promise<HandlerOutcome>(() => undefined) }
    const p = start(q, [hang], { stopTimeoutMs: 300 })
    await until(() => q.status(id) === 'processing' && p.activeWorkers === 1, 'running')
    await p.stop()
    expect(q.rows.get(id)).toMatchObject({ status: 'pending', retryCount: 0 })
    expect(lines.some((l) => l.includes('still running at shutdown were released'))).toBe(true)
  })

  it('abandon() (a second signal) releases running and waiting rows at once', async () => {
    const q = new FakeQueue()
    const hang: AiHandler = { name: 'hang', types: ['hang'], handle: () => new Promise<HandlerOutcome>(() => undefined) }
    const ids = [q.add('hang'), q.add('hang'), q.add('hang')]
    const p = start(q, [hang], { workerCount: 2, familyShare: 0.5 })
    await until(() => ids.every((id) => q.status(id) === 'processing') && p.activeWorkers === 1, 'claimed')
    await p.abandon(500)
    for (const id of ids) expect(q.rows.get(id)).toMatchObject({ status: 'pending', retryCount: 0 })
    expect(p.inFlight).toBe(0)
  })
})
