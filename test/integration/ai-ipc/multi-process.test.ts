/**
 * Several poller PROCESSES on one queue (MariaDB, and one SQLite file): every request answered
 * exactly once; and a poller killed with SIGKILL mid-batch: its rows are recovered by stuck
 * recovery (short threshold) and answered exactly once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { QueueDriver } from '../../../src/main/ai-ipc/queue'
import { duplicates, spawnPoller, type PollerChild } from './children'
import type { PollerChildConfig } from './fixtures/poller-child'
import { createTestDb, statusCounts, waitFor, type TestQueueDb, enterMysqlSuite } from './support'

// Never run while the MariaDB restart test restarts the server (see support.ts).
let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

const ROWS = 20_000

function childConfig(db: TestQueueDb, settings: Record<string, number>, slowMs = 0): PollerChildConfig {
  return {
    driver: db.driver,
    ...(db.mysql ? { mysql: db.mysql } : {}),
    ...(db.sqliteFile ? { sqliteFile: db.sqliteFile } : {}),
    settings,
    slowMs
  }
}

async function completedCount(db: TestQueueDb): Promise<number> {
  return (await statusCounts(db)).completed ?? 0
}

describe.each<QueueDriver>(['mysql', 'sqlite'])('several poller processes on %s', (driver) => {
  let db: TestQueueDb | null = null
  let children: PollerChild[] = []
  afterEach(async () => {
    for (const c of children) c.kill()
    await Promise.all(children.map((c) => c.exited))
    children = []
    await db?.drop()
    db = null
  })

  it.each([2, 3])('%i processes on 20,000 rows: every request answered exactly once', async (n) => {
    db = await createTestDb(driver)
    await db.createSchema()
    children = Array.from({ length: n }, () => spawnPoller(childConfig(db!, { intervalMs: 20, batchSize: 50, workerCount: 4 })))
    await Promise.all(children.map((c) => c.ready))
    // Rows arrive while every poller is already polling (in chunks, like a busy game).
    for (let i = 0; i < ROWS / 1000; i++) {
      await db.bulkInsert(1000, { type: 'load_test', data: '{}' })
      await new Promise((r) => setTimeout(r, 10))
    }
    await waitFor(async () => (await completedCount(db!)) === ROWS, 90_000, 'all rows completed', 200)
    await Promise.all(children.map((c) => c.stop()))

    const invoked = children.flatMap((c) => c.invoked)
    const committed = children.flatMap((c) => c.committed)
    expect(invoked).toHaveLength(ROWS) // no row ran twice, in any process
    expect(duplicates(invoked)).toEqual([])
    expect(committed).toHaveLength(ROWS)
    expect(duplicates(committed)).toEqual([])
    // They really shared the work. Not necessarily all of them: SQLite's write lock is not fair, and
    // on a loaded 2-core machine one of 3 processes was seen to win no claim in the ~2 s it takes.
    expect(children.filter((c) => c.committed.length > 0).length).toBeGreaterThanOrEqual(2)
    const [resp] = await db.query('SELECT COUNT(*) AS n, COUNT(DISTINCT request_id) AS d FROM ai_responses')
    expect(Number(resp!.n)).toBe(ROWS)
    expect(Number(resp!.d)).toBe(ROWS)
    expect(await statusCounts(db)).toEqual({ completed: ROWS })
  })

  it('a poller killed with SIGKILL mid-batch: its rows are recovered and answered exactly once', async () => {
    db = await createTestDb(driver)
    await db.createSchema()
    const total = 1500
    await db.bulkInsert(total, { type: 'load_test', data: '{}' })
    // Slow handler: many rows are in flight (claimed, running, waiting to be written) at the kill.
    const victim = spawnPoller(childConfig(db, { intervalMs: 20, batchSize: 50, workerCount: 16, stuckAfterSeconds: 2 }, 25))
    children.push(victim)
    await victim.ready
    await waitFor(() => victim.committed.length >= 200, 60_000, 'victim answered some rows')
    victim.kill('SIGKILL')
    await victim.exited
    if (driver === 'mysql') {
      // A statement the victim had fully sent still runs on the server: wait until its sessions are gone.
      await waitFor(
        async () => Number((await db!.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()'))[0]!.n) === 0,
        10_000,
        "the victim's sessions to end"
      )
    }
    const orphaned = (await statusCounts(db)).processing ?? 0
    expect(orphaned).toBeGreaterThan(0)

    const rescuer = spawnPoller(childConfig(db, { intervalMs: 20, batchSize: 50, workerCount: 16, stuckAfterSeconds: 2 }, 1))
    children.push(rescuer)
    await rescuer.ready
    await waitFor(async () => (await completedCount(db!)) === total, 60_000, 'all rows completed', 200)
    await rescuer.stop()

    expect(await statusCounts(db)).toEqual({ completed: total })
    const [resp] = await db.query('SELECT COUNT(*) AS n FROM ai_responses')
    expect(Number(resp!.n)).toBe(total)
    // Nothing the victim committed was answered again by the rescuer.
    const victimDone = new Set(victim.committed)
    expect(rescuer.committed.filter((id) => victimDone.has(id))).toEqual([])
    expect(duplicates(rescuer.committed)).toEqual([])
    // The orphaned rows went through stuck recovery exactly once (retry_count 0 → 1).
    const [rec] = await db.query('SELECT COUNT(*) AS n FROM ai_requests WHERE retry_count = 1')
    expect(Number(rec!.n)).toBe(orphaned)
    const [more] = await db.query('SELECT COUNT(*) AS n FROM ai_requests WHERE retry_count > 1')
    expect(Number(more!.n)).toBe(0)
  })
})
