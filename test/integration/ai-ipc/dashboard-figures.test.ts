/**
 * The read side the dashboard's queue health is built on, once per backend (real SQLite file,
 * real MariaDB): the HTTP-status filter of requests.list (2xx / 4xx / 5xx / any error / no answer)
 * with its counts, `answeredAt` on list rows, the errored count, the oldest pending row and the
 * insert → answer times; then through the running service and the contract: per-handler errored
 * answers and template fallbacks, the error rate, the last error and the insert → answer summary.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { aiIpcHandlers } from '../../../src/main/ai-ipc/contract-handlers'
import type { QueueBackend, QueueDriver } from '../../../src/main/ai-ipc/queue'
import { AiIpcService } from '../../../src/main/ai-ipc/service'
import { createDispatcher, type Dispatch } from '../../../src/main/dispatch'
import { EventBus } from '../../../src/main/events'
import { RequestsListResultSchema, RequestsStatsSchema, type CallResult, type HttpStatusFilter } from '../../../src/shared/contract'
import { ConfigSchema } from '../../../src/shared/config-schema'
import { collectingLog, createTestDb, enterMysqlSuite, waitFor, type TestQueueDb } from './support'

let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

async function ok(dispatch: Dispatch, method: string, input?: unknown): Promise<unknown> {
  const r: CallResult = await dispatch(method, input, { transport: 'test', client: 't' })
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`)
  return r.value
}

describe.each<QueueDriver>(['sqlite', 'mysql'])('dashboard figures on %s', (driver) => {
  let db: TestQueueDb
  let backend: QueueBackend | null = null
  let service: AiIpcService | null = null
  let dataDir: string

  beforeEach(async () => {
    db = await createTestDb(driver)
    await db.createSchema()
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-fig-'))
  })
  afterEach(async () => {
    await backend?.close()
    backend = null
    await service?.stop()
    service = null
    await db.drop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  /** A finished row with a response of this HTTP status, answered `waitSeconds` after its insert. */
  async function answered(status: 'completed' | 'failed', http: number, waitSeconds = 0): Promise<number> {
    const id = await db.insert({ type: 'http_get', npc: `npc-${http}` })
    await db.run('UPDATE ai_requests SET status = ? WHERE id = ?', [status, id])
    await db.run('INSERT INTO ai_responses (request_id, response_data, http_status, processing_time_ms) VALUES (?, ?, ?, 1)', [id, '{}', http])
    if (waitSeconds > 0) {
      const shift =
        driver === 'mysql'
          ? 'UPDATE ai_requests SET created_at = created_at - INTERVAL ? SECOND WHERE id = ?'
          : "UPDATE ai_requests SET created_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '-' || ? || ' seconds') WHERE id = ?"
      await db.run(shift, [waitSeconds, id])
    }
    return id
  }

  it('filters the list by HTTP status class, counts the matches, and reads the queue health figures', async () => {
    const ok200 = await answered('completed', 200)
    const bad400 = await answered('completed', 400, 3)
    const nf404 = await answered('completed', 404)
    const err500 = await answered('completed', 500)
    const failed500 = await answered('failed', 500)
    const gw504 = await answered('completed', 504)
    const pendingOld = await db.insert({ type: 'health_check' })
    const shift =
      driver === 'mysql'
        ? 'UPDATE ai_requests SET created_at = created_at - INTERVAL 90 SECOND WHERE id = ?'
        : "UPDATE ai_requests SET created_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '-90 seconds') WHERE id = ?"
    await db.run(shift, [pendingOld])
    const pendingNew = await db.insert({ type: 'health_check' })

    backend = db.backend(collectingLog('error').log)
    await backend.open()
    const ids = async (http: HttpStatusFilter): Promise<number[]> => {
      const page = await backend!.list({ http, limit: 50 })
      expect(page.total).toBe(page.rows.length)
      return page.rows.map((r) => r.id)
    }
    expect(await ids('2xx')).toEqual([ok200])
    expect(await ids('4xx')).toEqual([nf404, bad400])
    expect(await ids('5xx')).toEqual([gw504, failed500, err500])
    expect(await ids('error')).toEqual([gw504, failed500, err500, nf404, bad400])
    expect(await ids('none')).toEqual([pendingNew, pendingOld])
    // Combined with the status filter, and paged.
    const completedErrors = await backend.list({ http: 'error', status: ['completed'], limit: 2 })
    expect(completedErrors.rows.map((r) => r.id)).toEqual([gw504, err500])
    expect(completedErrors.total).toBe(4)
    const older = await backend.list({ http: 'error', status: ['completed'], limit: 2, beforeId: completedErrors.nextBeforeId! })
    expect(older.rows.map((r) => r.id)).toEqual([nf404, bad400])

    // answeredAt on the rows: insert → answer is readable per row.
    const rows = (await backend.list({ limit: 50 })).rows
    const row400 = rows.find((r) => r.id === bad400)!
    expect(row400.answeredAt).not.toBeNull()
    expect(Date.parse(row400.answeredAt!) - Date.parse(row400.createdAt)).toBeGreaterThanOrEqual(2500)
    expect(rows.find((r) => r.id === pendingNew)!.answeredAt).toBeNull()

    const f = await backend.figures()
    expect(f.errored).toBe(4) // completed with HTTP >= 400; the failed row counts as failed
    expect(f.oldestPendingAt).not.toBeNull()
    expect(Date.now() - f.oldestPendingAt!).toBeGreaterThanOrEqual(85_000)
    expect(f.recentWaits).toHaveLength(6)
    expect(f.recentWaits.map((w) => w.waitMs).sort((a, b) => b - a)[0]).toBeGreaterThanOrEqual(2500)
    expect(f.timestampResolutionMs).toBe(driver === 'mysql' ? 1000 : 1)
  })

  it('per-handler errored answers, template fallbacks, error rate, last error and insert → answer through the contract', async () => {
    const database = db.mysql ? { driver: 'mysql', ...db.mysql } : { driver: 'sqlite', sqlite_path: db.sqliteFile }
    // The AI service is down (nothing listens on port 9): NPC dialogue answers from its templates.
    const config = ConfigSchema.parse({ data_dir: dataDir, database, polling: { interval_ms: 10 }, ai_service: { base_url: 'http://127.0.0.1:9' } })
    service = new AiIpcService({ config, log: collectingLog('error').log, events: new EventBus(), eventEveryMs: 1000 })
    await service.start()
    const dispatch = createDispatcher(aiIpcHandlers(() => service ?? undefined, () => config), collectingLog('error').log)

    for (let i = 0; i < 3; i++) await db.insert({ type: 'health_check' })
    for (let i = 0; i < 2; i++) await db.insert({ type: 'ai_npc_dialogue', data: JSON.stringify({ npc_id: `merchant_${i}`, message: 'hello' }) })
    await db.insert({ type: 'http_get', endpoint: '', data: '{}' }) // validation error: completed, 400
    const noHandler = await db.insert({ type: 'no_such_type' }) // failed, 500

    await waitFor(async () => {
      const s = RequestsStatsSchema.parse(await ok(dispatch, 'requests.stats'))
      return s.counts.completed === 6 && s.counts.failed === 1
    }, 20_000, 'all answered')
    // The figures are read at most every 5 s: wait for a read that saw every answer.
    await waitFor(
      async () => {
        const f = RequestsStatsSchema.parse(await ok(dispatch, 'requests.stats'))
        return f.errored === 1 && f.waitMs?.samples === 7
      },
      15_000,
      'errored counted'
    )
    const s = RequestsStatsSchema.parse(await ok(dispatch, 'requests.stats'))
    const byName = new Map(s.handlers.map((h) => [h.handler, h]))
    expect(byName.get('dialogue')).toMatchObject({ processed: 2, errored: 0, fallbacks: 2 })
    expect(byName.get('health')).toMatchObject({ processed: 3, errored: 0, fallbacks: 0 })
    expect(byName.get('http_proxy')).toMatchObject({ processed: 1, errored: 1 })
    expect(byName.get('(no handler)')).toMatchObject({ failed: 1, errored: 1 })
    expect(s.errorRate).toBeCloseTo(2 / 7, 2)
    expect(s.lastError).not.toBeNull()
    expect(s.lastError!.httpStatus).toBeGreaterThanOrEqual(400)
    expect([noHandler, noHandler - 1]).toContain(s.lastError!.id)
    expect(s.waitMs?.samples).toBe(7)
    expect(s.waitResolutionMs).toBe(driver === 'mysql' ? 1000 : 1)
    expect(s.oldestPendingAt).toBeNull()

    const errors = RequestsListResultSchema.parse(await ok(dispatch, 'requests.list', { http: 'error' }))
    expect(errors.total).toBe(2)
    const bad = await dispatch('requests.list', { http: '3xx' }, { transport: 'test', client: 't' })
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_input' } })
  })
})

it('a poller whose database is unreachable says which attempt it is on and when it retries', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-fig-'))
  const config = ConfigSchema.parse({ data_dir: dataDir, database: { driver: 'mysql', host: '127.0.0.1', port: 1, database: 'x' } })
  const service = new AiIpcService({ config, log: collectingLog('error').log, events: new EventBus() })
  try {
    await service.start().catch(() => undefined)
    const s = service.status()
    expect(s.state).toBe('reconnecting')
    expect(s.attempt).toBe(1)
    expect(Date.parse(s.nextRetryAt ?? '')).toBeGreaterThan(Date.now() - 1000)
  } finally {
    await service.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
})
