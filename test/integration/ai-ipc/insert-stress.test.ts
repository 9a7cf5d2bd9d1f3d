/**
 * The game's side must never fail: rAthena-style single-row INSERTs (autocommit, the server's
 * default REPEATABLE READ, exactly the C++ statement) at ≥ 1,000/s from other connections, with
 * ai_db_cancel mixed in, while two poller processes claim. Every INSERT must succeed (no
 * deadlock, no lock wait timeout) and every request must be answered exactly once.
 */
import mysql, { type Connection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { duplicates, spawnPoller, type PollerChild } from './children'
import { createMysqlDb, statusCounts, waitFor, type TestQueueDb, enterMysqlSuite } from './support'

// Never run while the MariaDB restart test restarts the server (see support.ts).
let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

const DURATION_MS = 5000
const TARGET_PER_SECOND = 2000
const CONNECTIONS = 6

describe('rAthena INSERTs while pollers claim (MariaDB)', () => {
  let db: TestQueueDb | null = null
  let children: PollerChild[] = []
  const game: Connection[] = []
  afterEach(async () => {
    for (const c of children) c.kill()
    await Promise.all(children.map((c) => c.exited))
    children = []
    for (const c of game.splice(0)) await c.end().catch(() => undefined)
    await db?.drop()
    db = null
  })

  it('zero failed or deadlocked INSERTs at ≥ 1,000/s, every request answered exactly once', async () => {
    db = await createMysqlDb()
    await db.createSchema()
    const settings = db.mysql!
    for (let i = 0; i < CONNECTIONS; i++) {
      game.push(
        await mysql.createConnection({ host: settings.host, port: settings.port, user: settings.user, password: settings.password, database: settings.database })
      )
    }
    const [iso] = await game[0]!.query<RowDataPacket[]>('SELECT @@SESSION.tx_isolation AS i, @@SESSION.autocommit AS a')
    expect(iso[0]).toMatchObject({ i: 'REPEATABLE-READ', a: 1 })

    children = [0, 1].map(() =>
      spawnPoller({ driver: 'mysql', mysql: settings, settings: { intervalMs: 10, batchSize: 50, workerCount: 4 } })
    )
    await Promise.all(children.map((c) => c.ready))

    const errors: string[] = []
    const inserted: number[] = []
    let cancels = 0
    const interval = (1000 * CONNECTIONS) / TARGET_PER_SECOND
    const t0 = Date.now()
    await Promise.all(
      game.map(async (conn, ci) => {
        for (let i = 0; ; i++) {
          const due = t0 + ci * (interval / CONNECTIONS) + i * interval
          if (due - t0 >= DURATION_MS) break
          const wait = due - Date.now()
          if (wait > 0) await new Promise((r) => setTimeout(r, wait))
          try {
            const [res] = await conn.query<ResultSetHeader>(
              'INSERT INTO ai_requests (request_type, endpoint, request_data, priority, source_npc, source_map, expires_at) ' +
                'VALUES (?, ?, ?, ?, ?, ?, DATE_ADD(NOW(), INTERVAL 30 SECOND))',
              ['load_test', '/api/v1/load', `{"n":${i}}`, 1 + (i % 10), `Npc#${ci}`, 'prontera']
            )
            inserted.push(Number(res.insertId))
            if (i % 50 === 49) {
              // ai_db_cancel on a recent request: row locks against the claim, like a script giving up.
              const victim = inserted[Math.max(0, inserted.length - 3)]!
              await conn.query("UPDATE ai_requests SET status = 'cancelled' WHERE id = ? AND status IN ('pending','processing')", [victim])
              cancels++
            }
          } catch (err) {
            errors.push(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`)
          }
        }
      })
    )
    const elapsed = (Date.now() - t0) / 1000
    const rate = inserted.length / elapsed
    console.log(`insert stress: ${inserted.length} INSERTs in ${elapsed.toFixed(1)} s = ${rate.toFixed(0)}/s, ${cancels} cancels, ${errors.length} errors`)
    expect(errors).toEqual([])

    await waitFor(
      async () => {
        const c = await statusCounts(db!)
        return (c.pending ?? 0) === 0 && (c.processing ?? 0) === 0
      },
      60_000,
      'every request settled',
      200
    )
    await Promise.all(children.map((c) => c.stop()))
    const counts = await statusCounts(db)
    expect((counts.completed ?? 0) + (counts.cancelled ?? 0)).toBe(inserted.length)
    expect(counts.failed ?? 0).toBe(0)
    expect(counts.timeout ?? 0).toBe(0)
    const invoked = children.flatMap((c) => c.invoked)
    expect(duplicates(invoked)).toEqual([])
    const [resp] = await db.query(
      "SELECT COUNT(*) AS n FROM ai_requests r JOIN ai_responses s ON s.request_id = r.id WHERE r.status = 'completed'"
    )
    expect(Number(resp!.n)).toBe(counts.completed)
    const [orphans] = await db.query("SELECT COUNT(*) AS n FROM ai_responses s JOIN ai_requests r ON r.id = s.request_id WHERE r.status <> 'completed'")
    expect(Number(orphans!.n)).toBe(0)
  })
})
