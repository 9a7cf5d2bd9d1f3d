/**
 * Draining a backlog on MariaDB, where claims seek past the last claimed row instead of scanning
 * the not-yet-purged front of the pending range: nothing is claimed twice or missed, and a row
 * with a higher priority — or one released back to pending — inserted mid-drain is answered long
 * before the backlog is (the full scan from the front still runs every 100 ms and after a short
 * claim). On SQLite the same expectations hold (its claim always scans from the front).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AiHandler, HandlerOutcome } from '../../../src/main/ai-ipc/handlers/types'
import type { QueueDriver } from '../../../src/main/ai-ipc/queue'
import { createTestDb, enterMysqlSuite, startPoller, statusCounts, waitFor, type RunningPoller, type TestQueueDb } from './support'

let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

/** Answers after a short delay, so the drain takes a while (~4 ms per row, several workers). */
const slowish: AiHandler = {
  name: 'slowish',
  types: ['slowish'],
  handle: (req) => new Promise<HandlerOutcome>((r) => setTimeout(() => r({ kind: 'ok', response: { id: req.id } }), 4))
}

describe.each<QueueDriver>(['mysql', 'sqlite'])('a backlog draining on %s', (driver) => {
  let db: TestQueueDb | null = null
  let pollers: RunningPoller[] = []
  afterEach(async () => {
    for (const p of pollers) await p.stop()
    pollers = []
    await db?.drop()
    db = null
  })

  it('answers a higher-priority row inserted mid-drain long before the backlog, and every row exactly once', async () => {
    db = await createTestDb(driver)
    await db.createSchema()
    const backlog = 3000
    await db.bulkInsert(backlog, { type: 'slowish', data: '{}', expiresIn: 600 })
    for (let i = 0; i < 2; i++) pollers.push(await startPoller(db, { handlers: [slowish], settings: { intervalMs: 10, batchSize: 50, workerCount: 8 } }))
    await waitFor(async () => ((await statusCounts(db!)).completed ?? 0) >= 300, 60_000, 'the drain under way', 20)
    const urgent = await db.insert({ type: 'slowish', data: '{}', priority: 1, expiresIn: 600 })
    await waitFor(async () => (await db!.status(urgent)) === 3, 30_000, 'the urgent row answered', 10)
    const pendingWhenUrgentDone = (await statusCounts(db)).pending ?? 0
    expect(pendingWhenUrgentDone).toBeGreaterThan(1000)
    await waitFor(async () => ((await statusCounts(db!)).completed ?? 0) === backlog + 1, 120_000, 'the backlog answered', 100)
    const [r] = await db.query('SELECT COUNT(*) AS n, COUNT(DISTINCT request_id) AS d FROM ai_responses')
    expect(Number(r!.n)).toBe(backlog + 1)
    expect(Number(r!.d)).toBe(backlog + 1)
    expect(pollers.reduce((n, p) => n + p.poller.stats.totals.processed, 0)).toBe(backlog + 1)
  }, 180_000)
})
