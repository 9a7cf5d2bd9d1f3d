/**
 * The poller's behaviour, once per backend (real MariaDB database, real SQLite file): rAthena's
 * own SQL as the client, bad input, cancel-wins, expiry, stuck recovery, retries with backoff,
 * graceful stop, claim order.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AiHandler, HandlerOutcome } from '../../../src/main/ai-ipc/handlers/types'
import type { QueueDriver } from '../../../src/main/ai-ipc/queue'
import { collectingLog, createTestDb, gateHandler, startPoller, statusCounts, waitFor, type RunningPoller, type TestQueueDb, enterMysqlSuite } from './support'

// Never run while the MariaDB restart test restarts the server (see support.ts).
let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

const DRIVERS: QueueDriver[] = ['sqlite', 'mysql']

describe.each(DRIVERS)('AI IPC poller on %s', (driver) => {
  let db: TestQueueDb
  let running: RunningPoller[] = []
  beforeEach(async () => {
    db = await createTestDb(driver)
    await db.createSchema()
  })
  afterEach(async () => {
    for (const r of running) await r.stop()
    running = []
    await db.drop()
  })
  const start = async (...args: Parameters<typeof startPoller> extends [unknown, ...infer R] ? R : never): Promise<RunningPoller> => {
    const r = await startPoller(db, ...args)
    running.push(r)
    return r
  }

  it('answers rAthena-style inserts the way ai_db_status / ai_db_response read them', async () => {
    await start()
    const id = await db.insert({ type: 'health_check', endpoint: '', data: '{}', priority: 5, npc: 'Kafra#1', map: 'prontera' })
    const upper = await db.insert({ type: 'HEALTH', data: '' })
    await waitFor(async () => (await db.status(id)) === 3 && (await db.status(upper)) === 3, 10_000, 'both answered')
    const body = JSON.parse(await db.response(id)) as Record<string, unknown>
    expect(body).toMatchObject({ status: 'ok', service: 'ai_ipc_service', version: '0.1.0-test' })
    expect(typeof body.timestamp).toBe('string')
    expect(typeof body.uptime_seconds).toBe('number')
    expect(JSON.parse(await db.response(upper))).toMatchObject({ status: 'ok' })
    const [resp] = await db.query('SELECT http_status, error_message FROM ai_responses WHERE request_id = ?', [id])
    expect(Number(resp!.http_status)).toBe(200)
    expect(resp!.error_message).toBeNull()
    expect(await db.status(999_999)).toBe(0)
    expect(await db.response(999_999)).toBe('')
  })

  it('gives each bad input row a clear error response and leaves its neighbours alone', async () => {
    if (driver === 'mysql') {
      // TEXT cannot even hold an oversized payload: this database uses MEDIUMTEXT (an existing rAthena variant).
      await db.run('ALTER TABLE ai_requests MODIFY request_data MEDIUMTEXT NULL')
    }
    const ids: Record<string, number> = {}
    ids.ok1 = await db.insert({ type: 'health_check' })
    ids.badJson = await db.insert({ type: 'ai_npc_dialogue', endpoint: '/api/v1/npc/dialogue', data: '{"npc_id": "merchant_1", "message": ' })
    ids.ok2 = await db.insert({ type: 'health_check' })
    ids.unknown = await db.insert({ type: 'no_such_type', data: '{}' })
    ids.ok3 = await db.insert({ type: 'health_check' })
    ids.oversized = await db.insert({ type: 'health_check', data: JSON.stringify({ blob: 'x'.repeat(70_000) }) })
    ids.ok4 = await db.insert({ type: 'health_check' })
    ids.noNpc = await db.insert({ type: 'ai_npc_dialogue', data: '{"message":"hi"}' })
    await start()
    await waitFor(async () => {
      for (const id of Object.values(ids)) if ([1, 2].includes(await db.status(id))) return false
      return true
    }, 15_000, 'all rows settled')

    for (const k of ['ok1', 'ok2', 'ok3', 'ok4']) {
      expect(await db.status(ids[k]!)).toBe(3)
      expect(JSON.parse(await db.response(ids[k]!))).toMatchObject({ status: 'ok' })
    }
    expect(await db.status(ids.badJson!)).toBe(3)
    const bad = JSON.parse(await db.response(ids.badJson!)) as Record<string, unknown>
    expect(bad).toMatchObject({ status: 'error', code: 400 })
    expect(String(bad.error)).toMatch(/Invalid JSON/)

    expect(await db.status(ids.unknown!)).toBe(4)
    const unknown = JSON.parse(await db.response(ids.unknown!)) as Record<string, unknown>
    expect(unknown).toMatchObject({ error: true, message: 'No handler for request type: no_such_type' })
    expect(typeof unknown.timestamp).toBe('string')

    expect(await db.status(ids.oversized!)).toBe(3)
    expect(JSON.parse(await db.response(ids.oversized!))).toMatchObject({ status: 'error', code: 400 })
    expect(await db.response(ids.oversized!)).toMatch(/too large/)

    expect(JSON.parse(await db.response(ids.noNpc!))).toEqual({ status: 'error', error: 'npc_id or npc_name is required', code: 400 })
    const [row] = await db.query('SELECT http_status FROM ai_responses WHERE request_id = ?', [ids.unknown])
    expect(Number(row!.http_status)).toBe(500)
  })

  it('claims by priority, then age', async () => {
    const low = await db.insert({ type: 'health_check', priority: 9 })
    const mid = await db.insert({ type: 'health_check', priority: 5 })
    const high = await db.insert({ type: 'health_check', priority: 1 })
    const mid2 = await db.insert({ type: 'health_check', priority: 5 })
    const { log } = collectingLog('error')
    const backend = db.backend(log)
    await backend.open()
    try {
      expect((await backend.claim(1)).map((r) => r.id)).toEqual([high])
      expect((await backend.claim(10)).map((r) => r.id)).toEqual([mid, mid2, low])
      expect(await backend.claim(10)).toEqual([])
      expect(await db.status(low)).toBe(2)
    } finally {
      await backend.close()
    }
  })

  it('a cancel during processing wins over the late completion', async () => {
    const gate = gateHandler()
    const r = await start({ handlers: [gate] })
    const id = await db.insert({ type: 'test_gate', data: '{}' })
    const neighbour = await db.insert({ type: 'test_gate', data: '{}' })
    await waitFor(() => gate.started.includes(id) && gate.started.includes(neighbour), 10_000, 'handler started')
    expect(await db.status(id)).toBe(2)
    expect(await db.cancel(id)).toBe(1) // exactly rAthena's ai_db_cancel
    gate.release()
    await waitFor(async () => (await db.status(neighbour)) === 3, 10_000, 'neighbour answered')
    await waitFor(() => r.poller.stats.totals.cancelledInFlight === 1, 10_000, 'late completion skipped')
    expect(await db.status(id)).toBe(6)
    expect(await db.response(id)).toBe('')
    expect(JSON.parse(await db.response(neighbour))).toEqual({ status: 'ok', gate: neighbour })
  })

  it('turns expired pending rows into timeout and never processes them', async () => {
    const expired = await db.insert({ type: 'health_check', expiresIn: -5 })
    const fresh = await db.insert({ type: 'health_check', expiresIn: 30 })
    const r = await start()
    // The row is committed before the poller has read the UPDATE's reply: wait for its count too.
    await waitFor(
      async () => (await db.status(expired)) === 5 && (await db.status(fresh)) === 3 && r.poller.stats.totals.expired >= 1,
      10_000,
      'expiry and answer'
    )
    expect(await db.response(expired)).toBe('')
    expect(r.poller.stats.totals.expired).toBe(1)
  })

  it('recovers rows stuck in processing: pending with retry_count+1, or failed when retries are used up', async () => {
    const young = await db.insert({ type: 'health_check' })
    const exhausted = await db.insert({ type: 'health_check' })
    const recent = await db.insert({ type: 'test_gate' })
    await db.run(`UPDATE ai_requests SET status = 'processing', retry_count = 0 WHERE id = ?`, [young])
    await db.run(`UPDATE ai_requests SET status = 'processing', retry_count = 3 WHERE id = ?`, [exhausted])
    await db.run(`UPDATE ai_requests SET status = 'processing', retry_count = 0 WHERE id = ?`, [recent])
    await db.age([young, exhausted], 400)
    const r = await start({ settings: { stuckAfterSeconds: 300, maxRetries: 3 } })
    await waitFor(
      async () => (await db.status(young)) === 3 && (await db.status(exhausted)) === 4 && r.poller.stats.totals.recovered >= 2,
      10_000,
      'recovery'
    )
    const rows = await db.query('SELECT id, retry_count FROM ai_requests WHERE id IN (?, ?)', [young, exhausted])
    const retries = Object.fromEntries(rows.map((x) => [Number(x.id), Number(x.retry_count)]))
    expect(retries[young]).toBe(1)
    expect(retries[exhausted]).toBe(3)
    expect(JSON.parse(await db.response(exhausted))).toMatchObject({ error: true, message: expect.stringMatching(/stuck/) })
    expect(await db.status(recent)).toBe(2) // not old enough: left alone
    expect(r.poller.stats.totals.recovered).toBe(2)
  })

  it('retries a retryable failure with backoff, then writes the exhausted response', async () => {
    const attempts = new Map<number, number[]>()
    const flaky: AiHandler = {
      name: 'flaky',
      types: ['test_flaky', 'test_once'],
      handle(req): HandlerOutcome {
        const list = attempts.get(req.id) ?? []
        list.push(Date.now())
        attempts.set(req.id, list)
        if (req.request_type === 'test_once' && list.length > 1) return { kind: 'ok', response: { status: 'ok', attempt: list.length } }
        return { kind: 'retryable', message: 'upstream timed out', httpStatus: 504 }
      }
    }
    const r = await start({ handlers: [flaky], settings: { maxRetries: 2, retryBaseMs: 200 } })
    const always = await db.insert({ type: 'test_flaky', data: '{}' })
    const once = await db.insert({ type: 'test_once', data: '{}' })
    await waitFor(async () => (await db.status(always)) === 3 && (await db.status(once)) === 3, 15_000, 'both settled')
    expect(attempts.get(always)).toHaveLength(3)
    expect(JSON.parse(await db.response(always))).toEqual({ status: 'error', error: 'upstream timed out', code: 504, retries_exhausted: true })
    const [row] = await db.query('SELECT r.retry_count, s.http_status FROM ai_requests r JOIN ai_responses s ON s.request_id = r.id WHERE r.id = ?', [always])
    expect(Number(row!.retry_count)).toBe(2)
    expect(Number(row!.http_status)).toBe(504)
    expect(JSON.parse(await db.response(once))).toEqual({ status: 'ok', attempt: 2 })
    // Backoff: setTimeout never fires early, so each retry came at least 0.75 × base × 2^n later.
    const t = attempts.get(always)!
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(150)
    expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(300)
    expect(r.poller.stats.totals.retried).toBe(3)
  })

  it('graceful stop: stops claiming, finishes or releases in-flight rows, prints the final statistics', async () => {
    const gate = gateHandler()
    const r = await start({ handlers: [gate], settings: { workerCount: 2, familyShare: 1, batchSize: 10, stopTimeoutMs: 300 } })
    const gated = [await db.insert({ type: 'test_gate' }), await db.insert({ type: 'test_gate' }), await db.insert({ type: 'test_gate' })]
    await waitFor(() => gate.started.length === 2, 10_000, 'two gated rows running')
    const more = await db.insert({ type: 'health_check' })
    await waitFor(async () => (await db.status(more)) !== 1, 10_000, 'claimed')
    await r.stop() // the two running handlers never finish: released after 300 ms
    const counts = await statusCounts(db)
    expect(counts.processing ?? 0).toBe(0)
    for (const id of gated) {
      expect(await db.status(id)).toBe(1)
      expect(await db.response(id)).toBe('')
    }
    const retry = await db.query(`SELECT retry_count FROM ai_requests WHERE id IN (${gated.join(',')})`)
    expect(retry.every((x) => Number(x.retry_count) === 0)).toBe(true)
    expect(r.lines.some((l) => l.includes('Final Statistics:'))).toBe(true)
    expect(r.lines.some((l) => /Requests processed: \d+/.test(l))).toBe(true)
    expect(r.lines.some((l) => /Avg rate: [\d.]+\/s/.test(l))).toBe(true)

    // A second poller whose handlers finish during stop: everything answered exactly once.
    const gate2 = gateHandler()
    const r2 = await start({ handlers: [gate2], settings: { workerCount: 8, stopTimeoutMs: 5000 } })
    await waitFor(() => gate2.started.length === 3, 10_000, 'gated rows running again')
    const stopping = r2.stop()
    setImmediate(() => gate2.release()) // once stop() has begun: the handlers finish while it drains
    await stopping
    for (const id of gated) expect(await db.status(id)).toBe(3)
    const n = await db.query(`SELECT COUNT(*) AS n FROM ai_responses WHERE request_id IN (${gated.join(',')})`)
    expect(Number(n[0]!.n)).toBe(3)
  })

  it('prints the old status line every N polls with work', async () => {
    const r = await start({ settings: { statusEveryPolls: 1, batchSize: 5 } })
    await db.bulkInsert(20, { type: 'health_check' })
    await waitFor(() => r.poller.stats.totals.processed === 20, 10_000, 'processed')
    expect(r.lines.some((l) => /Status: processed=\d+, failed=0, rate=\d+\.\d\d\/s/.test(l))).toBe(true)
  })
})
