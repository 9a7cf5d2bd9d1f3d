/**
 * Test support for the AI IPC queue: a private MariaDB database or SQLite file per test, the
 * game's own SQL (rAthena's ai_db_request / ai_db_status / ai_db_response / ai_db_cancel), bulk
 * inserts, and a collecting logger. Used by the integration tests and `npm run bench:ipc`.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import mysql, { type Connection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise'
import { LogSink, type Logger } from '../../../src/main/logging/logger'
import type { MysqlSettings } from '../../../src/main/ai-ipc/mysql-queue'
import { MysqlQueue } from '../../../src/main/ai-ipc/mysql-queue'
import { SqliteQueue } from '../../../src/main/ai-ipc/sqlite-queue'
import { SQLITE_SCHEMA } from '../../../src/main/ai-ipc/sqlite-queue'
import type { QueueBackend, QueueDriver } from '../../../src/main/ai-ipc/queue'
import { Poller, type PollerHooks, type PollerSettings } from '../../../src/main/ai-ipc/poller'
import { createDefaultRegistry } from '../../../src/main/ai-ipc/handlers/registry'
import { createHandlerContext, handlerConfigFrom } from '../../../src/main/ai-ipc/handlers/context'
import type { AiHandler, HandlerOutcome } from '../../../src/main/ai-ipc/handlers/types'
import { HttpClient } from '../../../src/main/http/http-client'

export const MYSQL_SERVER = {
  host: process.env.WARP_TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.WARP_TEST_MYSQL_PORT ?? 3306),
  user: process.env.WARP_TEST_MYSQL_USER ?? 'root',
  password: process.env.WARP_TEST_MYSQL_PASSWORD ?? ''
}

export function randomName(prefix = 'warp_t_'): string {
  return prefix + crypto.randomBytes(6).toString('hex')
}

export interface CollectingLog {
  log: Logger
  lines: string[]
}

export function collectingLog(level: 'debug' | 'info' | 'warn' | 'error' = 'info', echo = false): CollectingLog {
  const lines: string[] = []
  const sink = new LogSink({
    level,
    format: 'text',
    dir: null,
    write: (line) => {
      lines.push(line)
      if (echo) process.stderr.write(line + '\n')
    }
  })
  return { log: sink.logger('ai-ipc'), lines }
}

export interface RequestInsert {
  type: string
  endpoint?: string | null
  data?: string | null
  priority?: number
  npc?: string | null
  map?: string | null
  /** Seconds until expiry (the game: 30). */
  expiresIn?: number
}

/** One queue database for one test, reachable the way the game reaches it. */
export interface TestQueueDb {
  driver: QueueDriver
  /** For MySQL: the pool settings; for SQLite: the file. */
  mysql?: MysqlSettings
  sqliteFile?: string
  /** A fresh backend on this database (the poller's side). */
  backend(log: Logger): QueueBackend
  /** rAthena's ai_db_request(): returns the new id. */
  insert(req: RequestInsert): Promise<number>
  /** Many rows at once (fast, for load tests). */
  bulkInsert(n: number, req: RequestInsert): Promise<void>
  /** rAthena's ai_db_status(): 0 not found, 1 pending … 6 cancelled. */
  status(id: number): Promise<number>
  /** rAthena's ai_db_response(): the response string or "". */
  response(id: number): Promise<string>
  /** rAthena's ai_db_cancel(). Returns rows changed. */
  cancel(id: number): Promise<number>
  /** Any query; rows as plain objects. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  run(sql: string, params?: unknown[]): Promise<number>
  /** Pretends rows were last touched `seconds` ago (stuck-recovery tests). */
  age(ids: number[] | 'processing', seconds: number): Promise<void>
  /** Creates the tables without starting a poller. */
  createSchema(): Promise<void>
  drop(): Promise<void>
}

const STATUS_NUMBER = `CASE status WHEN 'pending' THEN 1 WHEN 'processing' THEN 2 WHEN 'completed' THEN 3 WHEN 'failed' THEN 4 WHEN 'timeout' THEN 5 WHEN 'cancelled' THEN 6 ELSE 0 END`

export async function createMysqlDb(opts: { poolSize?: number } = {}): Promise<TestQueueDb> {
  const name = randomName()
  const admin = await mysql.createConnection({ ...MYSQL_SERVER, dateStrings: true, supportBigNumbers: true })
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`)
  await admin.end()
  const handle = mysqlHandle({ ...MYSQL_SERVER, database: name, pool_size: opts.poolSize ?? 5 })
  return {
    ...handle,
    async drop() {
      await handle.drop()
      const c = await mysql.createConnection(MYSQL_SERVER)
      await c.query(`DROP DATABASE IF EXISTS ${name}`)
      await c.end()
    }
  }
}

/** Access to an existing MySQL queue database (drop() only closes the game connection). */
export function mysqlHandle(settings: MysqlSettings): TestQueueDb {
  // The game's connection: autocommit, server-default isolation (REPEATABLE READ); opened lazily.
  let conn: Promise<Connection> | null = null
  const gameConn = (): Promise<Connection> =>
    (conn ??= mysql.createConnection({
      host: settings.host,
      port: settings.port,
      user: settings.user,
      password: settings.password,
      database: settings.database,
      dateStrings: true,
      supportBigNumbers: true
    }))
  const game = {
    query: async <T extends RowDataPacket[] | ResultSetHeader>(sql: string, values?: unknown[]) => (await gameConn()).query<T>(sql, values),
    end: async () => {
      if (conn) await (await conn).end()
      conn = null
    }
  }
  const db: TestQueueDb = {
    driver: 'mysql',
    mysql: settings,
    backend: (log) => new MysqlQueue({ settings, log }),
    async insert(r) {
      const [res] = await game.query<ResultSetHeader>(
        'INSERT INTO ai_requests (request_type, endpoint, request_data, priority, source_npc, source_map, expires_at) ' +
          `VALUES (?, ?, ?, ?, ?, ?, DATE_ADD(NOW(), INTERVAL ${Math.floor(r.expiresIn ?? 30)} SECOND))`,
        [r.type, r.endpoint ?? '', r.data ?? '', r.priority ?? 5, r.npc ?? 'TestNPC', r.map ?? 'prontera']
      )
      return Number(res.insertId)
    },
    async bulkInsert(n, r) {
      for (let done = 0; done < n; ) {
        const chunk = Math.min(2000, n - done)
        const expires = r.expiresIn === undefined ? null : mysql.raw(`DATE_ADD(NOW(), INTERVAL ${Math.floor(r.expiresIn)} SECOND)`)
        const values = Array.from({ length: chunk }, () => [r.type, r.endpoint ?? '', r.data ?? '', r.priority ?? 5, r.npc ?? 'TestNPC', r.map ?? 'prontera', expires])
        await game.query('INSERT INTO ai_requests (request_type, endpoint, request_data, priority, source_npc, source_map, expires_at) VALUES ?', [values])
        done += chunk
      }
    },
    async status(id) {
      const [rows] = await game.query<RowDataPacket[]>(`SELECT ${STATUS_NUMBER} AS s FROM ai_requests WHERE id = ?`, [id])
      return rows.length ? Number(rows[0]!.s) : 0
    },
    async response(id) {
      const [rows] = await game.query<RowDataPacket[]>('SELECT response_data FROM ai_responses WHERE request_id = ?', [id])
      return rows.length ? String(rows[0]!.response_data ?? '') : ''
    },
    async cancel(id) {
      const [res] = await game.query<ResultSetHeader>("UPDATE ai_requests SET status = 'cancelled' WHERE id = ? AND status IN ('pending','processing')", [id])
      return res.affectedRows
    },
    async query(sql, params) {
      const [rows] = await game.query<RowDataPacket[]>(sql, params)
      return rows as Record<string, unknown>[]
    },
    async run(sql, params) {
      const [res] = await game.query<ResultSetHeader>(sql, params)
      return res.affectedRows
    },
    async age(ids, seconds) {
      const where = ids === 'processing' ? "status = 'processing'" : `id IN (${ids.map(Number).join(',') || 'NULL'})`
      await game.query(`UPDATE ai_requests SET updated_at = NOW() - INTERVAL ${Math.floor(seconds)} SECOND WHERE ${where}`)
    },
    async createSchema() {
      const q = new MysqlQueue({ settings, log: collectingLog('error').log })
      await q.open()
      await q.close()
    },
    async drop() {
      await game.end().catch(() => undefined)
    }
  }
  return db
}

export function createSqliteDb(): TestQueueDb {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-ipc-'))
  const handle = sqliteHandle(path.join(dir, 'ai-ipc.db'))
  return {
    ...handle,
    async drop() {
      await handle.drop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Access to a SQLite queue file (drop() only closes the game connection). */
export function sqliteHandle(file: string): TestQueueDb {
  let conn: Database.Database | null = null
  const game = (): Database.Database => {
    if (!conn) {
      conn = new Database(file)
      conn.pragma('busy_timeout = 5000')
      conn.pragma('journal_mode = WAL')
      conn.pragma('foreign_keys = ON')
      conn.exec(SQLITE_SCHEMA)
    }
    return conn
  }
  const expiresSql = (secs: number | undefined): string =>
    secs === undefined ? 'NULL' : `strftime('%Y-%m-%d %H:%M:%f','now','${secs >= 0 ? '+' : ''}${Math.floor(secs)} seconds')`
  return {
    driver: 'sqlite',
    sqliteFile: file,
    backend: (log) => new SqliteQueue({ file, log }),
    async insert(r) {
      const info = game()
        .prepare(
          'INSERT INTO ai_requests (request_type, endpoint, request_data, priority, source_npc, source_map, expires_at) ' +
            `VALUES (?, ?, ?, ?, ?, ?, ${expiresSql(r.expiresIn ?? 30)})`
        )
        .run(r.type, r.endpoint ?? '', r.data ?? '', r.priority ?? 5, r.npc ?? 'TestNPC', r.map ?? 'prontera')
      return Number(info.lastInsertRowid)
    },
    async bulkInsert(n, r) {
      const db = game()
      const stmt = db.prepare(
        'INSERT INTO ai_requests (request_type, endpoint, request_data, priority, source_npc, source_map, expires_at) ' +
          `VALUES (?, ?, ?, ?, ?, ?, ${expiresSql(r.expiresIn)})`
      )
      db.transaction(() => {
        for (let i = 0; i < n; i++) stmt.run(r.type, r.endpoint ?? '', r.data ?? '', r.priority ?? 5, r.npc ?? 'TestNPC', r.map ?? 'prontera')
      }).immediate()
    },
    async status(id) {
      const row = game().prepare(`SELECT ${STATUS_NUMBER} AS s FROM ai_requests WHERE id = ?`).get(id) as { s: number } | undefined
      return row ? row.s : 0
    },
    async response(id) {
      const row = game().prepare('SELECT response_data FROM ai_responses WHERE request_id = ?').get(id) as { response_data: string | null } | undefined
      return row ? (row.response_data ?? '') : ''
    },
    async cancel(id) {
      return game().prepare("UPDATE ai_requests SET status = 'cancelled' WHERE id = ? AND status IN ('pending','processing')").run(id).changes
    },
    async query(sql, params) {
      return game()
        .prepare(sql)
        .all(...(params ?? [])) as Record<string, unknown>[]
    },
    async run(sql, params) {
      return game()
        .prepare(sql)
        .run(...(params ?? [])).changes
    },
    async age(ids, seconds) {
      const where = ids === 'processing' ? "status = 'processing'" : `id IN (${ids.map(Number).join(',') || 'NULL'})`
      game()
        .prepare(`UPDATE ai_requests SET updated_at = strftime('%Y-%m-%d %H:%M:%f','now','-${Math.floor(seconds)} seconds') WHERE ${where}`)
        .run()
    },
    async createSchema() {
      game()
    },
    async drop() {
      conn?.close()
      conn = null
    }
  }
}

export function createTestDb(driver: QueueDriver): Promise<TestQueueDb> {
  return driver === 'mysql' ? createMysqlDb() : Promise.resolve(createSqliteDb())
}

/** Waits until `check` returns true (polling every `everyMs`), or throws after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition', everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Counts per status as a plain object. */
export async function statusCounts(db: TestQueueDb): Promise<Record<string, number>> {
  const rows = await db.query('SELECT status, COUNT(*) AS n FROM ai_requests GROUP BY status')
  return Object.fromEntries(rows.map((r) => [String(r.status), Number(r.n)]))
}

export const DEFAULT_SETTINGS: PollerSettings = {
  intervalMs: 20,
  batchSize: 50,
  workerCount: 4,
  maxRetries: 3,
  stuckAfterSeconds: 300,
  statusEveryPolls: 100,
  retryBaseMs: 50,
  stopTimeoutMs: 3000
}

export interface RunningPoller {
  poller: Poller
  backend: QueueBackend
  lines: string[]
  /** Stops the poller and closes its backend and HTTP client. */
  stop(): Promise<void>
}

/** A poller on `db` with the default handlers plus `extra` (test handlers). */
export async function startPoller(
  db: TestQueueDb,
  opts: {
    settings?: Partial<PollerSettings>
    handlers?: AiHandler[]
    hooks?: PollerHooks
    baseUrl?: string
    level?: 'debug' | 'info' | 'warn' | 'error'
    /** ai_service.timeout_seconds (default 2). */
    timeoutSeconds?: number
  } = {}
): Promise<RunningPoller> {
  const { log, lines } = collectingLog(opts.level ?? 'info')
  const backend = db.backend(log)
  await backend.open()
  const registry = createDefaultRegistry()
  for (const h of opts.handlers ?? []) registry.register(h, { replace: true })
  const timeoutSeconds = opts.timeoutSeconds ?? 2
  const http = new HttpClient({ rateLimit: false, maxRetries: 0, timeoutMs: timeoutSeconds * 1000 })
  const ctx = createHandlerContext({
    http,
    config: handlerConfigFrom({ base_url: opts.baseUrl ?? 'http://127.0.0.1:9', timeout_seconds: timeoutSeconds, allowed_origins: [] }, '0.1.0-test'),
    log
  })
  const poller = new Poller(backend, registry, ctx, { ...DEFAULT_SETTINGS, ...opts.settings }, log, opts.hooks ?? {})
  poller.start()
  let stopped = false
  return {
    poller,
    backend,
    lines,
    async stop() {
      if (stopped) return
      stopped = true
      await poller.stop()
      await registry.close()
      await http.destroy()
      await backend.close()
    }
  }
}

/** A handler that holds every request until released (for in-flight tests). */
export function gateHandler(type = 'test_gate'): AiHandler & { release(): void; started: number[]; waiting(): number } {
  let open = false
  const waiters: (() => void)[] = []
  const started: number[] = []
  return {
    name: 'gate',
    types: [type],
    started,
    waiting: () => waiters.length,
    release() {
      open = true
      waiters.splice(0).forEach((w) => w())
    },
    async handle(req): Promise<HandlerOutcome> {
      started.push(req.id)
      if (!open) await new Promise<void>((r) => waiters.push(r))
      return { kind: 'ok', response: { status: 'ok', gate: req.id } }
    }
  }
}

// ---- keeping the MariaDB restart test apart from the other MariaDB tests ------------------------
// Test files run in parallel processes. The restart test takes an exclusive lock (an atomic
// mkdir) and waits until no other ai-ipc MariaDB test file is running; those files hold a
// marker file while they run and wait while the restart lock exists.

const GUARD_DIR = path.join(os.tmpdir(), 'warp-ai-ipc-mysql-guard')
const RESTART_LOCK = path.join(GUARD_DIR, 'restart.lock')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function lockHolderAlive(): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(RESTART_LOCK, 'pid'), 'utf8'))
    if (alive(pid)) return true
  } catch {
    // lock without pid yet: treat as held for a moment
    try {
      return Date.now() - fs.statSync(RESTART_LOCK).mtimeMs < 5000
    } catch {
      return false
    }
  }
  fs.rmSync(RESTART_LOCK, { recursive: true, force: true }) // stale
  return false
}

/** For MariaDB test files: call in beforeAll; returns the function to call in afterAll. */
export async function enterMysqlSuite(): Promise<() => void> {
  fs.mkdirSync(GUARD_DIR, { recursive: true })
  const marker = path.join(GUARD_DIR, `suite-${process.pid}-${crypto.randomBytes(4).toString('hex')}`)
  for (;;) {
    await waitFor(() => !fs.existsSync(RESTART_LOCK) || !lockHolderAlive(), 120_000, 'the MariaDB restart test to finish', 100)
    fs.writeFileSync(marker, String(process.pid))
    if (!fs.existsSync(RESTART_LOCK) || !lockHolderAlive()) break
    fs.rmSync(marker, { force: true })
  }
  return () => fs.rmSync(marker, { force: true })
}

/** For the restart test: exclusive; returns the release function. */
export async function enterMysqlRestart(): Promise<() => void> {
  fs.mkdirSync(GUARD_DIR, { recursive: true })
  await waitFor(
    () => {
      try {
        fs.mkdirSync(RESTART_LOCK)
        fs.writeFileSync(path.join(RESTART_LOCK, 'pid'), String(process.pid))
        return true
      } catch {
        lockHolderAlive()
        return false
      }
    },
    120_000,
    'the restart lock',
    100
  )
  await waitFor(
    () =>
      fs
        .readdirSync(GUARD_DIR)
        .filter((f) => f.startsWith('suite-'))
        .every((f) => {
          const pid = Number(fs.readFileSync(path.join(GUARD_DIR, f), 'utf8'))
          if (alive(pid)) return false
          fs.rmSync(path.join(GUARD_DIR, f), { force: true })
          return true
        }),
    170_000,
    'the other MariaDB test files to finish',
    100
  )
  return () => fs.rmSync(RESTART_LOCK, { recursive: true, force: true })
}
