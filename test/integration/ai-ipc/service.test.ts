/**
 * The ai-ipc service through the contract dispatcher (the same path the dashboard's calls take),
 * once per backend: stats, list with filters and paging, detail, retry, cancel, reset stuck,
 * purge (confirm required), submit a test request, throttled events, and `unavailable` when the
 * poller is disabled or not running.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { aiIpcModule } from '../../../src/main/ai-ipc'
import { aiIpcHandlers } from '../../../src/main/ai-ipc/contract-handlers'
import { createDefaultRegistry } from '../../../src/main/ai-ipc/handlers/registry'
import type { QueueDriver } from '../../../src/main/ai-ipc/queue'
import { AiIpcService } from '../../../src/main/ai-ipc/service'
import { createDispatcher, type Dispatch } from '../../../src/main/dispatch'
import { EventBus } from '../../../src/main/events'
import { RequestDetailSchema, RequestsChangedSchema, RequestsListResultSchema, RequestsStatsSchema, type CallResult, type EventName } from '../../../src/shared/contract'
import { ConfigSchema, type Config } from '../../../src/shared/config-schema'
import { collectingLog, createTestDb, gateHandler, waitFor, type TestQueueDb, enterMysqlSuite } from './support'

// Never run while the MariaDB restart test restarts the server (see support.ts).
let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

function configFor(db: TestQueueDb, dataDir: string, polling: Record<string, unknown> = {}): Config {
  const database = db.mysql ? { driver: 'mysql', ...db.mysql } : { driver: 'sqlite', sqlite_path: db.sqliteFile }
  return ConfigSchema.parse({ data_dir: dataDir, database, polling: { interval_ms: 10, ...polling } })
}

/** The event period of the throttle test: long enough never to elapse by itself, the test ticks it. */
const EVENT_PERIOD_MS = 3_600_000

/**
 * Hands the test the service's event timer (the one `setInterval` with EVENT_PERIOD_MS) so it can
 * end a period when it chooses; every other interval (the poller's) runs untouched.
 */
function captureEventTimer(): { tick(): void } {
  const realSetInterval = globalThis.setInterval
  let periodEnd: (() => void) | null = null
  const spy = (fn: () => void, ms?: number): NodeJS.Timeout => {
    if (ms === EVENT_PERIOD_MS) periodEnd = fn
    return realSetInterval(fn, ms)
  }
  vi.spyOn(globalThis, 'setInterval').mockImplementation(spy as unknown as typeof setInterval)
  return {
    tick() {
      if (!periodEnd) throw new Error('the service has not started its event timer')
      periodEnd()
    }
  }
}

async function ok(dispatch: Dispatch, method: string, input?: unknown): Promise<unknown> {
  const r: CallResult = await dispatch(method, input, { transport: 'test', client: 't' })
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`)
  return r.value
}

describe.each<QueueDriver>(['sqlite', 'mysql'])('ai-ipc service on %s (through the contract)', (driver) => {
  let db: TestQueueDb
  let dataDir: string
  let service: AiIpcService | null
  let events: EventBus
  let dispatch: Dispatch
  let gate: ReturnType<typeof gateHandler>

  const start = async (polling: Record<string, unknown> = {}, eventEveryMs = 1000): Promise<AiIpcService> => {
    const registry = createDefaultRegistry().register(gate)
    const config = configFor(db, dataDir, polling)
    service = new AiIpcService({ config, log: collectingLog('warn').log, events, registry: () => registry, eventEveryMs })
    await service.start().catch(() => undefined)
    dispatch = createDispatcher(aiIpcHandlers(() => service ?? undefined, () => config), collectingLog('error').log)
    return service
  }

  beforeEach(async () => {
    db = await createTestDb(driver)
    await db.createSchema()
    gate = gateHandler()
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-svc-'))
    events = new EventBus()
    service = null
  })
  afterEach(async () => {
    await service?.stop()
    vi.restoreAllMocks()
    gate.release()
    await db.drop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('stats, list with filters and keyset paging, detail', async () => {
    await start()
    const ids: number[] = []
    for (let i = 0; i < 12; i++) ids.push(await db.insert({ type: 'health_check', npc: i % 2 ? 'Kafra Employee#1' : 'Guard#2', map: i % 3 ? 'prontera' : 'geffen' }))
    for (let i = 0; i < 3; i++) ids.push(await db.insert({ type: 'mystery_type', npc: 'Odd_Npc', map: 'payon' }))
    await waitFor(async () => {
      const s = RequestsStatsSchema.parse(await ok(dispatch, 'requests.stats'))
      return s.counts.completed === 12 && s.counts.failed === 3
    }, 10_000, 'all settled')

    const stats = RequestsStatsSchema.parse(await ok(dispatch, 'requests.stats'))
    expect(stats).toMatchObject({ backend: driver, polling: true, totals: { processed: 12, failed: 3 } })
    expect(stats.handlers.map((h) => h.handler).sort()).toEqual(['(no handler)', 'health'])
    expect(stats.latencyMs?.samples).toBe(15)

    const failed = RequestsListResultSchema.parse(await ok(dispatch, 'requests.list', { status: ['failed'] }))
    expect(failed.rows.map((r) => r.id)).toEqual(ids.slice(12).reverse())
    expect(failed.rows[0]).toMatchObject({ type: 'mystery_type', status: 'failed', httpStatus: 500, sourceNpc: 'Odd_Npc', sourceMap: 'payon' })
    expect(RequestsListResultSchema.parse(await ok(dispatch, 'requests.list', { type: 'HEALTH_CHECK' })).total).toBe(12)
    expect(RequestsListResultSchema.parse(await ok(dispatch, 'requests.list', { npc: 'afra' })).total).toBe(6)
    expect(RequestsListResultSchema.parse(await ok(dispatch, 'requests.list', { npc: 'Odd_' })).total).toBe(3) // "_" is literal
    expect(RequestsListResultSchema.parse(await ok(dispatch, 'requests.list', { map: 'geffen', type: 'health_check' })).total).toBe(4)
    expect(RequestsListResultSchema.parse(await ok(dispatch, 'requests.list', { id: ids[3] })).rows.map((r) => r.id)).toEqual([ids[3]])

    const seen: number[] = []
    let beforeId: number | undefined
    for (let page = 0; page < 10; page++) {
      const p = RequestsListResultSchema.parse(await ok(dispatch, 'requests.list', { limit: 4, ...(beforeId ? { beforeId } : {}) }))
      expect(p.total).toBe(15)
      seen.push(...p.rows.map((r) => r.id))
      if (p.nextBeforeId === null) break
      beforeId = p.nextBeforeId
    }
    expect(seen).toEqual([...ids].reverse())

    const detail = RequestDetailSchema.parse(await ok(dispatch, 'requests.get', { id: ids[0] }))
    expect(detail.request).toMatchObject({ id: ids[0], status: 'completed', type: 'health_check' })
    expect(JSON.parse(detail.response!.responseData!)).toMatchObject({ status: 'ok' })
    const missing = await dispatch('requests.get', { id: 4_000_000_000 }, { transport: 'test', client: 't' })
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } })
    const bad = await dispatch('requests.list', { limit: 100_000 }, { transport: 'test', client: 't' })
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_input' } })
  })

  it('retry failed/timeout, cancel, reset stuck, purge (confirm required), submit a test request', async () => {
    const expired = [await db.insert({ type: 'health_check', expiresIn: -10 }), await db.insert({ type: 'health_check', expiresIn: -10 })]
    const failing = await db.insert({ type: 'nope' })
    await start({ worker_count: 1, batch_size: 5 })
    await waitFor(async () => (await db.status(expired[1]!)) === 5 && (await db.status(failing)) === 4, 10_000, 'timeout + failed')

    expect(await ok(dispatch, 'requests.retry', { allWithStatus: ['timeout'] })).toEqual({ updated: 2 })
    await waitFor(async () => (await db.status(expired[0]!)) === 3 && (await db.status(expired[1]!)) === 3, 10_000, 'retried rows answered')
    expect(await ok(dispatch, 'requests.retry', { ids: [failing, expired[0]] })).toEqual({ updated: 1 }) // completed rows are left alone
    await waitFor(async () => (await db.status(failing)) === 4, 10_000, 'failed again')
    const retryBad = await dispatch('requests.retry', { ids: [1], allWithStatus: ['failed'] }, { transport: 'test', client: 't' })
    expect(retryBad).toMatchObject({ ok: false, error: { code: 'bad_input' } })

    // cancel: one row running in the only worker, two more claimed behind it
    const gated = [await db.insert({ type: 'test_gate' }), await db.insert({ type: 'test_gate' }), await db.insert({ type: 'test_gate' })]
    await waitFor(() => gate.started.includes(gated[0]!), 10_000, 'gate running')
    expect(await ok(dispatch, 'requests.cancel', { ids: gated })).toEqual({ cancelled: 3 })
    gate.release()
    await waitFor(() => service!.currentPoller!.inFlight === 0, 10_000, 'in-flight drained')
    for (const id of gated) {
      expect(await db.status(id)).toBe(6)
      expect(await db.response(id)).toBe('')
    }

    // reset stuck
    const stuck = await db.insert({ type: 'health_check' })
    await waitFor(async () => (await db.status(stuck)) === 3, 10_000, 'answered')
    await db.run("UPDATE ai_requests SET status = 'processing', retry_count = 0 WHERE id = ?", [stuck])
    await db.run('DELETE FROM ai_responses WHERE request_id = ?', [stuck])
    await db.age([stuck], 400)
    expect(await ok(dispatch, 'requests.resetStuck', { olderThanSeconds: 3600 })).toEqual({ reset: 0, failed: 0 })
    expect(await ok(dispatch, 'requests.resetStuck', {})).toEqual({ reset: 1, failed: 0 })
    await waitFor(async () => (await db.status(stuck)) === 3, 10_000, 'answered after reset')

    // purge
    const noConfirm = await dispatch('requests.purge', { olderThanDays: 7 }, { transport: 'test', client: 't' })
    expect(noConfirm).toMatchObject({ ok: false, error: { code: 'bad_input' } })
    const notTrue = await dispatch('requests.purge', { olderThanDays: 7, confirm: false }, { transport: 'test', client: 't' })
    expect(notTrue).toMatchObject({ ok: false, error: { code: 'bad_input' } })
    const old = expired
    const agoSql = driver === 'mysql' ? 'NOW() - INTERVAL 10 DAY' : "strftime('%Y-%m-%d %H:%M:%f','now','-10 days')"
    await db.run(`UPDATE ai_requests SET created_at = ${agoSql} WHERE id IN (${old.join(',')})`)
    expect(await ok(dispatch, 'requests.purge', { olderThanDays: 7, confirm: true })).toEqual({ deleted: 2 })
    for (const id of old) {
      expect(await db.status(id)).toBe(0)
      expect(await db.response(id)).toBe('')
    }
    expect(await db.status(stuck)).toBe(3)

    // submit a test request
    const t = (await ok(dispatch, 'requests.submitTest', { type: 'health_check', waitMs: 5000 })) as { id: number; status: string; statusCode: number; response: { responseData: string; httpStatus: number } | null }
    expect(t).toMatchObject({ status: 'completed', statusCode: 3, response: { httpStatus: 200 } })
    expect(JSON.parse(t.response!.responseData)).toMatchObject({ status: 'ok', service: 'ai_ipc_service' })
    const rows = await db.query('SELECT source_npc, source_map FROM ai_requests WHERE id = ?', [t.id])
    expect(rows[0]).toMatchObject({ source_npc: 'WARP Host test', source_map: 'dashboard' })
  })

  it('pushes throttled events: at most one of each per period, never one per row', async () => {
    const ticker = captureEventTimer()
    const got: { name: EventName; payload: unknown }[] = []
    events.onAny((name: EventName, payload: unknown) => {
      if (name.startsWith('requests.')) got.push({ name, payload })
    })
    const named = (name: EventName): unknown[] => got.filter((e) => e.name === name).map((e) => e.payload)
    await start({}, EVENT_PERIOD_MS)

    // 2,000 rows answered and not one event: they are only pushed when the period elapses.
    // totals.processed counts in the poller's commit step, right where it notes the change
    const answered = async (n: number): Promise<boolean> => RequestsStatsSchema.parse(await ok(dispatch, 'requests.stats')).totals.processed === n
    await db.bulkInsert(2000, { type: 'health_check' })
    await waitFor(() => answered(2000), 20_000, 'all answered')
    expect(got).toEqual([])

    // One period: one `requests.changed` summing every row, one `requests.stats`.
    ticker.tick()
    await waitFor(() => named('requests.stats').length > 0, 10_000, 'the period’s stats')
    expect(named('requests.changed')).toHaveLength(1)
    const changed = RequestsChangedSchema.parse(named('requests.changed')[0])
    expect(changed.changed).toBeGreaterThanOrEqual(2000)
    expect(changed.statuses).toContain('completed')
    expect(named('requests.stats')).toHaveLength(1)
    expect(RequestsStatsSchema.parse(named('requests.stats')[0]).totals.processed).toBe(2000)

    // A period with no change pushes no `requests.changed` (stats only as the 5-second heartbeat).
    ticker.tick()
    expect(named('requests.changed')).toHaveLength(1)

    // The next change is pushed at the next period, once.
    const id = await db.insert({ type: 'health_check' })
    await waitFor(() => answered(2001), 10_000, 'the new row answered')
    expect(named('requests.changed')).toHaveLength(1)
    ticker.tick()
    await waitFor(() => named('requests.changed').length === 2, 10_000, 'the second period’s change')
    expect(RequestsChangedSchema.parse(named('requests.changed')[1]).maxId).toBe(id)
  })

  it('answers unavailable when the poller is disabled or cannot start', async () => {
    const off = configFor(db, dataDir, { enabled: false })
    expect(aiIpcModule.enabled(off)).toEqual({ disabled: expect.stringMatching(/polling.enabled is false/) })
    const disabled = createDispatcher(aiIpcHandlers(() => undefined, () => off), collectingLog('error').log)
    const r = await disabled('requests.list', {}, { transport: 'test', client: 't' })
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/disabled/) } })
    const none = createDispatcher(aiIpcHandlers(() => undefined, () => configFor(db, dataDir)), collectingLog('error').log)
    expect(await none('requests.stats', undefined, { transport: 'test', client: 't' })).toMatchObject({ ok: false, error: { code: 'unavailable' } })
  })
})

describe('ai-ipc service that cannot reach its database', () => {
  it('reports the error, answers unavailable, and ai.testConnection still works', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-svc-'))
    const config = ConfigSchema.parse({ data_dir: dataDir, database: { driver: 'mysql', host: '127.0.0.1', port: 1, user: 'x', database: 'x' } })
    const service = new AiIpcService({ config, log: collectingLog('error').log, events: new EventBus() })
    await service.start().catch(() => undefined)
    try {
      expect(service.status()).toMatchObject({ state: 'reconnecting', attempt: 1, error: expect.stringMatching(/ECONNREFUSED|connect/) })
      const dispatch = createDispatcher(aiIpcHandlers(() => service, () => config), collectingLog('error').log)
      const r = await dispatch('requests.stats', undefined, { transport: 'test', client: 't' })
      expect(r).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/not running/) } })
      const conn = await dispatch('ai.testConnection', { database: { port: 1 } }, { transport: 'test', client: 't' })
      expect(conn).toMatchObject({ ok: true, value: { ok: false, problem: 'host_unreachable' } })
    } finally {
      await service.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
