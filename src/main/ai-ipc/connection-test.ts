/**
 * Settings → "Test connection": checks a queue database configuration step by step (possibly one
 * the user has not saved yet) and reports exactly what failed — host unreachable, timeout, bad
 * credentials, unknown database, a missing privilege, a server without SKIP LOCKED — with one
 * sentence saying what to do. Opens its own short-lived connection; never changes anything
 * (privilege probes run as `… WHERE 1 = 0` inside a rolled-back transaction).
 */
import fs from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise'
import type { AiTestConnectionResult } from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import { classifyProblem, errorCode, errorMessage, versionHasSkipLocked, type DbProblem } from './mysql-errors'
import { connectionOptions, isClaimIndex, mysqlTarget } from './mysql-queue'

type DatabaseConfig = Config['database']
type Check = AiTestConnectionResult['checks'][number]

/** The SQLite queue file for a config: database.sqlite_path, else <data folder>/ai-ipc.db. */
export function sqliteQueuePath(db: DatabaseConfig, dataDir: string): string {
  return db.sqlite_path ? path.resolve(db.sqlite_path) : path.join(dataDir, 'ai-ipc.db')
}

export async function testQueueConnection(db: DatabaseConfig, dataDir: string): Promise<AiTestConnectionResult> {
  return db.driver === 'mysql' ? testMysql(db) : testSqlite(sqliteQueuePath(db, dataDir))
}

function fail(
  base: Omit<AiTestConnectionResult, 'ok' | 'problem' | 'message'>,
  problem: DbProblem,
  message: string
): AiTestConnectionResult {
  return { ...base, ok: false, problem, message }
}

const HINTS: Record<DbProblem, string> = {
  host_unreachable: 'Check database.host and database.port, and that the server is running and accepts TCP connections.',
  timeout: 'The server did not answer in time: check the host, the port and any firewall in between.',
  bad_credentials: 'Check database.user and database.password (and that this user may connect from this machine).',
  unknown_database: 'Check database.database (the rAthena database name).',
  missing_privilege: 'Grant the user SELECT, INSERT, UPDATE and DELETE on the ai_requests and ai_responses tables.',
  no_skip_locked: 'Upgrade to MariaDB 10.6+ or MySQL 8.0.1+, or use the embedded SQLite queue (database.driver = sqlite).',
  sqlite_file: 'Check that the folder exists and is writable, and that no other program holds the file locked.',
  other: 'See the message for details.'
}

async function testMysql(db: DatabaseConfig): Promise<AiTestConnectionResult> {
  const checks: Check[] = []
  const base = { driver: 'mysql' as const, target: mysqlTarget(db), serverVersion: null as string | null, latencyMs: null as number | null, checks }
  let conn: Connection
  try {
    const { database: _db, ...opts } = connectionOptions(db)
    conn = await mysql.createConnection(opts)
  } catch (err) {
    const problem = classifyProblem(err)
    if (problem === 'bad_credentials') {
      checks.push({ name: 'connect', ok: true, detail: `reached ${db.host}:${db.port}` })
      checks.push({ name: 'authenticate', ok: false, detail: errorMessage(err) })
      return fail(base, problem, `Logging in as ${db.user} was refused: ${errorMessage(err)}. ${HINTS[problem]}`)
    }
    checks.push({ name: 'connect', ok: false, detail: `${errorCode(err) || 'error'}: ${errorMessage(err)}` })
    const what = problem === 'timeout' ? 'timed out connecting to' : problem === 'host_unreachable' ? 'cannot reach' : 'could not connect to'
    return fail(base, problem === 'other' ? 'host_unreachable' : problem, `WARP Host ${what} ${db.host}:${db.port} (${errorMessage(err)}). ${HINTS[problem === 'other' ? 'host_unreachable' : problem]}`)
  }
  try {
    checks.push({ name: 'connect', ok: true, detail: `reached ${db.host}:${db.port}` })
    checks.push({ name: 'authenticate', ok: true, detail: `logged in as ${db.user}` })
    const t0 = performance.now()
    const [vr] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v')
    base.latencyMs = Math.round((performance.now() - t0) * 100) / 100
    base.serverVersion = String(vr[0]?.v ?? '')

    try {
      await conn.query(`USE ${mysql.escapeId(db.database)}`)
      checks.push({ name: 'database', ok: true, detail: `database ${db.database} is usable` })
    } catch (err) {
      const problem = classifyProblem(err)
      checks.push({ name: 'database', ok: false, detail: errorMessage(err) })
      if (problem === 'unknown_database') return fail(base, problem, `The database ${db.database} does not exist on ${db.host}. ${HINTS[problem]}`)
      if (problem === 'missing_privilege') {
        return fail(base, problem, `User ${db.user} may not use the database ${db.database}: ${errorMessage(err)}. ${HINTS[problem]}`)
      }
      return fail(base, problem, `Cannot use the database ${db.database}: ${errorMessage(err)}`)
    }

    try {
      await conn.query('SELECT 1 FROM DUAL FOR UPDATE SKIP LOCKED')
      checks.push({ name: 'skip_locked', ok: true, detail: `${base.serverVersion} supports FOR UPDATE SKIP LOCKED` })
    } catch (err) {
      if (errorCode(err) !== 'ER_PARSE_ERROR') throw err
      const detail = versionHasSkipLocked(base.serverVersion) ? 'the server rejected FOR UPDATE SKIP LOCKED' : `${base.serverVersion} is too old`
      checks.push({ name: 'skip_locked', ok: false, detail })
      return fail(base, 'no_skip_locked', `The server (${base.serverVersion}) has no FOR UPDATE SKIP LOCKED. ${HINTS.no_skip_locked}`)
    }

    const [tables] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('ai_requests', 'ai_responses')"
    )
    const present = new Set(tables.map((r) => String(r.t).toLowerCase()))
    const missing = ['ai_requests', 'ai_responses'].filter((t) => !present.has(t))
    if (missing.length > 0) {
      const canCreate = await hasCreatePrivilege(conn, db.database)
      checks.push({
        name: 'tables',
        ok: canCreate,
        detail: `${missing.join(' and ')} missing; ${canCreate ? 'they will be created on start' : 'the user may not create them'}`
      })
      if (!canCreate) {
        return fail(
          base,
          'missing_privilege',
          `The tables ${missing.join(' and ')} do not exist and ${db.user} lacks the CREATE privilege on ${db.database} to create them. ` +
            'Apply the schema as an administrator, or grant CREATE.'
        )
      }
    } else {
      const [idx] = await conn.query<RowDataPacket[]>(
        'SELECT INDEX_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS ' +
          "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ai_requests' ORDER BY INDEX_NAME, SEQ_IN_INDEX"
      )
      const byName = new Map<string, string[]>()
      for (const r of idx) byName.set(String(r.name), [...(byName.get(String(r.name)) ?? []), String(r.col).toLowerCase()])
      const hasClaim = [...byName.values()].some(isClaimIndex)
      checks.push({
        name: 'tables',
        ok: true,
        detail: hasClaim ? 'ai_requests and ai_responses exist with the claim index' : 'tables exist; the claim index is missing and will be added on start'
      })
    }

    const denied = await missingPrivileges(conn, present)
    if (denied.length > 0) {
      checks.push({ name: 'privileges', ok: false, detail: denied.join('; ') })
      return fail(base, 'missing_privilege', `User ${db.user} lacks privileges: ${denied.join('; ')}. ${HINTS.missing_privilege}`)
    }
    checks.push({ name: 'privileges', ok: true, detail: 'SELECT, INSERT, UPDATE and DELETE on the queue tables' })
    return {
      ...base,
      ok: true,
      problem: null,
      message: `Connected to ${base.serverVersion} at ${db.host}:${db.port} as ${db.user}; the queue in ${db.database} is ready (round trip ${base.latencyMs} ms).`
    }
  } catch (err) {
    const problem = classifyProblem(err)
    checks.push({ name: 'error', ok: false, detail: errorMessage(err) })
    return fail(base, problem, `${errorMessage(err)}. ${HINTS[problem]}`)
  } finally {
    await conn.end().catch(() => undefined)
  }
}

async function hasCreatePrivilege(conn: Connection, database: string): Promise<boolean> {
  const [grants] = await conn.query<RowDataPacket[]>('SHOW GRANTS FOR CURRENT_USER()')
  const db = database.replace(/[_%]/g, (c) => '\\' + c)
  return grants.some((row) => {
    const line = String(Object.values(row)[0] ?? '')
    const m = /^GRANT (.+?) ON (\S+) TO /i.exec(line)
    if (!m) return false
    const privs = m[1]!.toUpperCase()
    const on = m[2]!.replace(/`/g, '')
    const scopeOk = on === '*.*' || on === `${database}.*` || on === `${db}.*`
    return scopeOk && (privs.includes('ALL PRIVILEGES') || /\bCREATE\b/.test(privs))
  })
}

/** Privilege probes that never touch a row; returns what was denied. */
async function missingPrivileges(conn: Connection, present: Set<string>): Promise<string[]> {
  const probes: [string, string, string][] = [
    ['ai_requests', 'SELECT on ai_requests', 'SELECT id FROM ai_requests WHERE 1 = 0'],
    ['ai_requests', 'UPDATE on ai_requests', "UPDATE ai_requests SET status = 'pending' WHERE 1 = 0"],
    ['ai_requests', 'INSERT on ai_requests', "INSERT INTO ai_requests (request_type) SELECT 'probe' FROM DUAL WHERE 1 = 0"],
    ['ai_requests', 'DELETE on ai_requests', 'DELETE FROM ai_requests WHERE 1 = 0'],
    ['ai_responses', 'SELECT on ai_responses', 'SELECT id FROM ai_responses WHERE 1 = 0'],
    ['ai_responses', 'INSERT on ai_responses', 'INSERT INTO ai_responses (request_id) SELECT 0 FROM DUAL WHERE 1 = 0'],
    ['ai_responses', 'UPDATE on ai_responses', 'UPDATE ai_responses SET http_status = 200 WHERE 1 = 0'],
    ['ai_responses', 'DELETE on ai_responses', 'DELETE FROM ai_responses WHERE 1 = 0']
  ]
  const denied: string[] = []
  await conn.query('START TRANSACTION')
  try {
    for (const [table, label, sql] of probes) {
      if (!present.has(table)) continue
      try {
        await conn.query(sql)
      } catch (err) {
        if (classifyProblem(err) === 'missing_privilege') denied.push(`no ${label}`)
        else throw err
      }
    }
  } finally {
    await conn.query('ROLLBACK').catch(() => undefined)
  }
  return denied
}

async function testSqlite(file: string): Promise<AiTestConnectionResult> {
  const checks: Check[] = []
  const base = { driver: 'sqlite' as const, target: file, serverVersion: null as string | null, latencyMs: null as number | null, checks }
  let db: Database.Database
  const existed = fs.existsSync(file)
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    db = new Database(file, { fileMustExist: existed })
    checks.push({ name: 'open', ok: true, detail: existed ? `opened ${file}` : `${file} can be created` })
  } catch (err) {
    checks.push({ name: 'open', ok: false, detail: errorMessage(err) })
    return fail(base, 'sqlite_file', `Cannot open the SQLite queue ${file}: ${errorMessage(err)}. ${HINTS.sqlite_file}`)
  }
  try {
    db.pragma('busy_timeout = 2000')
    base.serverVersion = `SQLite ${String(db.prepare('SELECT sqlite_version() AS v').pluck().get())}`
    const t0 = performance.now()
    db.prepare('BEGIN IMMEDIATE').run()
    db.prepare('ROLLBACK').run()
    base.latencyMs = Math.round((performance.now() - t0) * 100) / 100
    checks.push({ name: 'write', ok: true, detail: 'the write lock can be taken' })
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('ai_requests', 'ai_responses')").pluck().all()
    checks.push({ name: 'tables', ok: true, detail: tables.length === 2 ? 'ai_requests and ai_responses exist' : 'the tables will be created on start' })
    return { ...base, ok: true, problem: null, message: `The SQLite queue ${file} is usable (${base.serverVersion}).` }
  } catch (err) {
    checks.push({ name: 'write', ok: false, detail: errorMessage(err) })
    return fail(base, 'sqlite_file', `The SQLite queue ${file} is not writable: ${errorMessage(err)}. ${HINTS.sqlite_file}`)
  } finally {
    db.close()
    if (!existed) {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
    }
  }
}
