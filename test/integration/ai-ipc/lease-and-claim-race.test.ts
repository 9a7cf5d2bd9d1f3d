/**
 * Regression tests for two ways the poller used to leave an NPC without an answer, once per
 * backend (real MariaDB database, real SQLite file):
 * - answers written before their claim had committed (READ COMMITTED saw the row still
 *   'pending', the fenced write matched nothing and the answer was dropped): many invalid-JSON,
 *   health and instantly-answered rows inserted one by one while 1 and 3 pollers claim — every
 *   row must be answered exactly once, without waiting for any recovery;
 * - a poller killed with rows in flight: with the default lease a live poller answers them
 *   before the game's 30 s expiry (the old 300 s threshold answered none of them).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AiHandler } from '../../../src/main/ai-ipc/handlers/types'
import type { QueueDriver } from '../../../src/main/ai-ipc/queue'
import { ConfigSchema } from '../../../src/shared/config-schema'
import { spawnPoller, type PollerChild } from './children'
import { createTestDb, enterMysqlSuite, startPoller, statusCounts, waitFor, type RunningPoller, type TestQueueDb } from './support'

let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

const DRIVERS: QueueDriver[] = ['sqlite', 'mysql']
const DEFAULT_LEASE_SECONDS = ConfigSchema.parse({}).polling.stuck_after_seconds

/** Answers in a microtask, no precheck: its answer is ready before the claim's COMMIT returns. */
const instant: AiHandler = { name: 'instant', types: ['instant'], handle: async (req) => ({ kind: 'ok', response: { status: 'ok', id: req.id } }) }

describe.each(DRIVERS)('claimed rows on %s', (driver) => {
  let db: TestQueueDb | null = null
  let pollers: RunningPoller[] = []
  let children: PollerChild[] = []
  afterEach(async () => {
    for (const p of pollers) await p.stop()
    for (const c of children) c.kill()
    await Promise.all(children.map((c) => c.exited))
    pollers = []
    children = []
    await db?.drop()
    db = null
  })

  it.each([1, 3])('are all answered at once while %i poller(s) claim rows inserted one by one (invalid JSON, health, instant)', async (n) => {
    db = await createTestDb(driver)
    await db.createSchema()
    // A lease far longer than the test: a dropped row would stay 'processing' and fail it.
    for (let i = 0; i < n; i++) {
      pollers.push(await startPoller(db, { handlers: [instant], settings: { intervalMs: 10, batchSize: 20, workerCount: 8, stuckAfterSeconds: 300 } }))
    }
    const kinds = [
      { type: 'ai_npc_dialogue', data: '{not json' },
      { type: 'health_check', data: '{}' },
      { type: 'instant', data: '{}' },
      { type: 'http_get', data: '{"url": broken' }
    ]
    const total = 600
    const ids: number[] = []
    for (let i = 0; i < total; i++) ids.push(await db.insert({ ...kinds[i % kinds.length]!, expiresIn: 30 }))
    await waitFor(async () => ((await statusCounts(db!)).completed ?? 0) === total, 20_000, 'every row completed', 50)
    const counts = await statusCounts(db)
    expect(counts).toEqual({ completed: total })
    const [r] = await db.query('SELECT COUNT(*) AS n, COUNT(DISTINCT request_id) AS d FROM ai_responses')
    expect(Number(r!.n)).toBe(total)
    expect(Number(r!.d)).toBe(total)
    for (const p of pollers) {
      expect(p.poller.stats.totals.cancelledInFlight).toBe(0)
      expect(p.lines.filter((l) => /was dropped|matched no row/.test(l))).toEqual([])
    }
  })

  it(`of a poller killed with rows in flight are answered by a live poller before the game's 30 s expiry (default lease ${DEFAULT_LEASE_SECONDS} s)`, async () => {
    db = await createTestDb(driver)
    await db.createSchema()
    const total = 40
    for (let i = 0; i < total; i++) await db.insert({ type: 'load_test', data: '{}', expiresIn: 30 })
    const settings = { intervalMs: 20, batchSize: 50, workerCount: 16, stuckAfterSeconds: DEFAULT_LEASE_SECONDS }
    const base = { driver: db.driver, ...(db.mysql ? { mysql: db.mysql } : {}), ...(db.sqliteFile ? { sqliteFile: db.sqliteFile } : {}), settings }
    // The victim never finishes a row by itself: every row is in flight when it dies.
    const victim = spawnPoller({ ...base, slowMs: 120_000 })
    children.push(victim)
    await victim.ready
    await waitFor(async () => ((await statusCounts(db!)).processing ?? 0) === total, 20_000, 'the victim claimed every row')
    const survivor = spawnPoller({ ...base, slowMs: 1 })
    children.push(survivor)
    await survivor.ready
    victim.kill('SIGKILL')
    await victim.exited
    await waitFor(async () => ((await statusCounts(db!)).processing ?? 0) === 0, 40_000, 'the orphaned rows recovered', 250)
    await waitFor(async () => ((await statusCounts(db!)).pending ?? 0) === 0, 10_000, 'the recovered rows answered', 100)
    expect(await statusCounts(db)).toEqual({ completed: total })
    // Answered before the game gave up on them.
    const [inTime] = await db.query('SELECT COUNT(*) AS n FROM ai_responses s JOIN ai_requests r ON r.id = s.request_id WHERE s.created_at <= r.expires_at')
    expect(Number(inTime!.n)).toBe(total)
  }, 90_000)
})
