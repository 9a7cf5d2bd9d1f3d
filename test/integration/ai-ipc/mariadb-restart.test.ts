/**
 * MariaDB restarted mid-run: the poller pauses, reconnects and loses nothing — every request the
 * game managed to insert is answered exactly once.
 *
 * This test stops and starts the machine's MariaDB server (SIGTERM, then the documented
 * start-stop-daemon command), so it lives in its own file and always waits until the server
 * answers again before it ends — even when it fails. The other ai-ipc MariaDB test files never
 * overlap with it (a cross-process lock in support.ts); tests of other modules running at the
 * same moment may see a few seconds of "connection refused". Skipped when the server is not a
 * local mariadbd this process may signal, or when WARP_TEST_SKIP_DB_RESTART=1.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import mysql, { type Connection, type ResultSetHeader } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MYSQL_SERVER, createMysqlDb, enterMysqlRestart, startPoller, statusCounts, waitFor, type RunningPoller, type TestQueueDb } from './support'

function mariadbPid(): number | null {
  try {
    const out = execFileSync('pgrep', ['-x', 'mariadbd']).toString().trim().split('\n')[0]
    return out ? Number(out) : null
  } catch {
    return null
  }
}

const canRestart =
  process.env.WARP_TEST_SKIP_DB_RESTART !== '1' &&
  ['127.0.0.1', 'localhost'].includes(MYSQL_SERVER.host) &&
  typeof process.getuid === 'function' &&
  process.getuid() === 0 &&
  mariadbPid() !== null &&
  fs.existsSync('/usr/sbin/mariadbd')

async function serverAnswers(): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ ...MYSQL_SERVER, connectTimeout: 1000 })
    await c.query('SELECT 1')
    await c.end()
    return true
  } catch {
    return false
  }
}

function startServer(): void {
  execFileSync('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd'])
}

async function ensureServerUp(): Promise<void> {
  if (await serverAnswers()) return
  if (mariadbPid() === null) startServer()
  await waitFor(serverAnswers, 90_000, 'MariaDB to answer again', 250)
}

async function restartServer(): Promise<void> {
  const pid = mariadbPid()
  if (pid === null) throw new Error('mariadbd is not running')
  process.kill(pid, 'SIGTERM')
  await waitFor(() => !fs.existsSync(`/proc/${pid}`), 90_000, 'mariadbd to exit', 50)
  startServer()
  await waitFor(serverAnswers, 90_000, 'MariaDB to answer again', 100)
}

describe.skipIf(!canRestart)('MariaDB restarted mid-run', () => {
  let db: TestQueueDb | null = null
  let running: RunningPoller | null = null
  let release: () => void = () => undefined
  beforeAll(async () => {
    // Waits until this project's other MariaDB test files are done, and keeps them out meanwhile.
    release = await enterMysqlRestart()
  }, 300_000)
  afterAll(async () => {
    try {
      await ensureServerUp()
      await running?.stop()
      await db?.drop()
    } finally {
      release()
    }
  }, 120_000)

  it('the poller reconnects and nothing is lost', async () => {
    db = await createMysqlDb()
    await db.createSchema()
    running = await startPoller(db, { settings: { intervalMs: 10, stuckAfterSeconds: 2 }, level: 'info' })
    const settings = db.mysql!

    // The game: one connection, reconnecting after errors; an INSERT that fails is lost on its side (-1).
    const inserted: number[] = []
    let failedInserts = 0
    let stopInserting = false
    let conn: Connection | null = null
    const inserter = (async () => {
      while (!stopInserting) {
        try {
          conn ??= await mysql.createConnection({ ...MYSQL_SERVER, database: settings.database, connectTimeout: 1000 })
          const [res] = await conn.query<ResultSetHeader>(
            'INSERT INTO ai_requests (request_type, endpoint, request_data, priority, source_npc, source_map, expires_at) ' +
              "VALUES ('health_check', '', '{}', 5, 'Restart#1', 'prontera', DATE_ADD(NOW(), INTERVAL 120 SECOND))"
          )
          inserted.push(Number(res.insertId))
        } catch {
          failedInserts++
          conn?.destroy()
          conn = null
          await new Promise((r) => setTimeout(r, 50))
        }
        await new Promise((r) => setTimeout(r, 4))
      }
      await conn?.end().catch(() => undefined)
    })()

    await waitFor(() => inserted.length >= 200, 30_000, 'some traffic before the restart')
    await restartServer()
    const afterRestart = inserted.length
    await waitFor(() => inserted.length >= afterRestart + 200, 30_000, 'traffic after the restart')
    stopInserting = true
    await inserter

    // An INSERT can commit on the server while its reply is lost in the shutdown: the game counts
    // it as failed (-1), yet the row exists and must be answered too. So: every row ends completed
    // with exactly one response, every INSERT the game saw succeed is among them, and the extra
    // rows are at most the INSERTs that reported failure.
    await waitFor(
      async () => {
        const c = await statusCounts(db!)
        return Object.keys(c).length === 1 && (c.completed ?? 0) >= inserted.length
      },
      60_000,
      'every inserted request answered',
      200
    )
    const total = (await statusCounts(db)).completed ?? 0
    expect(total - inserted.length).toBeLessThanOrEqual(failedInserts)
    const [seen] = await db.query(`SELECT COUNT(*) AS n FROM ai_requests WHERE status = 'completed' AND id IN (?)`, [inserted])
    expect(Number(seen!.n)).toBe(inserted.length)
    const [resp] = await db.query('SELECT COUNT(*) AS n, COUNT(DISTINCT request_id) AS d FROM ai_responses')
    expect(Number(resp!.n)).toBe(total)
    expect(Number(resp!.d)).toBe(total)
    expect(running.lines.some((l) => l.includes('database unreachable'))).toBe(true)
    expect(running.lines.some((l) => l.includes('database reachable again'))).toBe(true)
    console.log(`restart: ${total} requests answered (${inserted.length} acknowledged to the game), ${failedInserts} game INSERTs reported failure while the server was down`)
  }, 180_000)
})
