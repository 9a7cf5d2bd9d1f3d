/**
 * The rAthena queue: `ai_requests` / `ai_responses` in MySQL/MariaDB through a mysql2 pool.
 *
 * - Every pooled connection runs in READ COMMITTED (no gap locks, so the game's single-row
 *   INSERT never waits for or deadlocks with a claim) with time_zone '+00:00'.
 * - Claim: one short transaction in two round trips — "START; SELECT … FORCE INDEX (claim index)
 *   … ORDER BY priority, created_at, id LIMIT n FOR UPDATE SKIP LOCKED", then "UPDATE … SET
 *   status='processing'; COMMIT". Rows whose handler answered synchronously are finished in that
 *   same commit (see QueueBackend.claim).
 * - Complete (the other rows): one transaction per batch, every UPDATE fenced by status =
 *   'processing' and the claimed retry_count, with one multi-row INSERT … ON DUPLICATE KEY UPDATE
 *   for the answers — in one round trip for small batches (the INSERT joins the rows it just
 *   finished), two for large ones (commit only when every UPDATE matched all its rows, else roll
 *   back and take the careful path). A cancel that committed first always wins.
 * - Schema: creates missing tables; on an existing rAthena database it checks the columns and
 *   adds the claim index when it is missing (and logs it). Refuses servers without SKIP LOCKED.
 * Deadlocks / lock wait timeouts are retried; connection errors propagate (the poller waits and
 * reconnects; the pool replaces dead connections).
 */
import mysql, { type Connection, type ConnectionOptions, type Pool, type PoolConnection } from 'mysql2'
import type { AiRequestStatus, RequestCounts, RequestDetail, RequestsListResult } from '../../shared/contract'
import { backoffDelay } from '../../shared/backoff'
import type { Logger } from '../logging/logger'
import { NoSkipLockedError, SchemaError, errorCode, isConnectionError, isLockConflict } from './mysql-errors'
import {
  LIST_TOTAL_CAP,
  STUCK_EXHAUSTED_MESSAGE,
  emptyCounts,
  failedResponse,
  type ClaimedRow,
  type CompleteResult,
  type Completion,
  type ListFilter,
  type NewRequest,
  type AnswerAtOnce,
  lookEvery,
  type QueueBackend,
  type RecoverResult,
  type ResponseRow,
  type RowState
} from './queue'
import { PREVIEW_CHARS, SUMMARY_COLUMNS, listPage, listWhere, num, status as toStatus, toClaimed, toResponse, toSummary, type RawRow } from './rows'
import { RECENT_WAITS_LIMIT, type QueueFigures } from './queue'
import { dbTimeToMs, toWaits } from './rows'

export interface MysqlSettings {
  host: string
  port: number
  user: string
  password: string
  database: string
  pool_size: number
}

export const CLAIM_INDEX = 'idx_ai_requests_claim'

/** While a backlog drains, claims seek past the last claimed row; a full scan still runs this often. */
const SEEK_FULL_SCAN_MS = 100

/** A deadlock or lock wait timeout is retried after 10 ms, doubling, at most 200 ms (jittered). */
const LOCK_CONFLICT_BACKOFF = { baseMs: 10, maxMs: 200, jitter: 0.5 }

export const MYSQL_REQUESTS_DDL = `CREATE TABLE IF NOT EXISTS ai_requests (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  request_type VARCHAR(50) NOT NULL,
  endpoint VARCHAR(255) NULL DEFAULT NULL,
  request_data TEXT NULL,
  status ENUM('pending','processing','completed','failed','timeout','cancelled') NOT NULL DEFAULT 'pending',
  priority TINYINT NOT NULL DEFAULT 5,
  correlation_id VARCHAR(64) NULL DEFAULT NULL,
  source_npc VARCHAR(100) NULL DEFAULT NULL,
  source_map VARCHAR(50) NULL DEFAULT NULL,
  retry_count TINYINT NOT NULL DEFAULT 0,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  expires_at TIMESTAMP NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY ${CLAIM_INDEX} (status, priority, created_at, id),
  KEY idx_ai_requests_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

export const MYSQL_RESPONSES_DDL = `CREATE TABLE IF NOT EXISTS ai_responses (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  request_id BIGINT UNSIGNED NOT NULL,
  response_data TEXT NULL,
  http_status SMALLINT NOT NULL DEFAULT 200,
  error_message VARCHAR(500) NULL DEFAULT NULL,
  processing_time_ms INT NULL DEFAULT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_ai_responses_request (request_id),
  CONSTRAINT fk_ai_responses_request FOREIGN KEY (request_id) REFERENCES ai_requests (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

const REQUIRED_REQUEST_COLUMNS = [
  'id',
  'request_type',
  'endpoint',
  'request_data',
  'status',
  'priority',
  'correlation_id',
  'source_npc',
  'source_map',
  'retry_count',
  'created_at',
  'updated_at',
  'expires_at'
]
const REQUIRED_RESPONSE_COLUMNS = ['request_id', 'response_data', 'http_status', 'error_message', 'processing_time_ms']

/** Statements run on every new pooled connection before its first use. */
export const SESSION_SETUP = ["SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET time_zone = '+00:00'"]

export function mysqlTarget(s: Pick<MysqlSettings, 'user' | 'host' | 'port' | 'database'>): string {
  return `mysql://${s.user}@${s.host}:${s.port}/${s.database}`
}

/** Connection options shared by the pool and the Settings connection test. */
export function connectionOptions(s: MysqlSettings): ConnectionOptions {
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    connectTimeout: 5000,
    enableKeepAlive: true
  }
}

// mysql2's callback API, promisified by hand: its promise wrapper captures a stack trace per
// query, which tripled the CPU cost of the idle poll.
function query(c: Pool | PoolConnection, sql: string, values?: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    c.query(sql, values ?? [], (err: unknown, result: unknown) => (err ? reject(err) : resolve(result)))
  })
}

async function rows(c: Pool | PoolConnection, sql: string, values?: unknown[]): Promise<RawRow[]> {
  const r = await query(c, sql, values)
  return Array.isArray(r) ? (r as RawRow[]) : []
}

interface WriteResult {
  affectedRows: number
  insertId: number
}

async function exec(c: Pool | PoolConnection, sql: string, values?: unknown[]): Promise<WriteResult> {
  const r = (await query(c, sql, values)) as { affectedRows?: unknown; insertId?: unknown } | null
  return { affectedRows: num(r?.affectedRows), insertId: num(r?.insertId) }
}

function getConnection(pool: Pool): Promise<PoolConnection> {
  return new Promise((resolve, reject) => pool.getConnection((err, conn) => (err ? reject(err) : resolve(conn))))
}

function endPool(pool: Pool): Promise<void> {
  return new Promise((resolve) => pool.end(() => resolve()))
}

/** Runs several statements in one round trip; one result per statement. */
async function multi(c: PoolConnection, sql: string, values?: unknown[]): Promise<unknown[]> {
  const r = await query(c, sql, values)
  return Array.isArray(r) ? (r as unknown[]) : [r]
}

function resultRows(r: unknown): RawRow[] {
  return Array.isArray(r) ? (r as RawRow[]) : []
}

function affected(r: unknown): number {
  const n = (r as { affectedRows?: unknown } | null)?.affectedRows
  return typeof n === 'number' ? n : -1
}

const UPSERT_TAIL =
  'ON DUPLICATE KEY UPDATE response_data = VALUES(response_data), http_status = VALUES(http_status), ' +
  'error_message = VALUES(error_message), processing_time_ms = VALUES(processing_time_ms), created_at = CURRENT_TIMESTAMP'

const UPSERT_RESPONSES =
  'INSERT INTO ai_responses (request_id, response_data, http_status, error_message, processing_time_ms) VALUES ? ' + UPSERT_TAIL

/** Batches up to this size are completed in one round trip (see completeInOneTrip). */
const ONE_TRIP_MAX = 16

interface CompletionGroup {
  status: Completion['status']
  retryCount: number
  ids: number[]
}

/** One group per (target status, claimed retry_count), in first-seen order. */
function groupCompletions(batch: Completion[]): CompletionGroup[] {
  const groups = new Map<string, CompletionGroup>()
  for (const b of batch) {
    const key = `${b.status}:${b.retryCount}`
    let g = groups.get(key)
    if (!g) {
      g = { status: b.status, retryCount: b.retryCount, ids: [] }
      groups.set(key, g)
    }
    g.ids.push(b.id)
  }
  return [...groups.values()]
}

const SET_FOR: Record<Completion['status'], string> = {
  completed: "status = 'completed'",
  failed: "status = 'failed'",
  retry: "status = 'pending', retry_count = retry_count + 1",
  release: "status = 'pending'"
}

export interface MysqlQueueOptions {
  settings: MysqlSettings
  log: Logger
}

export class MysqlQueue implements QueueBackend {
  readonly driver = 'mysql' as const
  readonly target: string
  maxResponseBytes = 65_535
  private maxErrorChars = 500
  private pool: Pool | null = null
  private claimIndex = CLAIM_INDEX
  private serverVersion = ''
  /** The idle probe's own connection (see waitForPending) and its statement for the current interval. */
  private probeConn: Connection | null = null
  /** Where the next claim's scan starts while a backlog drains (see claim). */
  private seekFrom: { priority: number; createdAt: string; id: number } | null = null
  private lastFullScanAt = -Infinity
  private probeKey = ''
  private probeText = ''

  constructor(private readonly opts: MysqlQueueOptions) {
    this.target = mysqlTarget(opts.settings)
  }

  get version(): string {
    return this.serverVersion
  }

  private get db(): Pool {
    if (!this.pool) throw new Error('the MySQL queue is not open')
    return this.pool
  }

  async open(): Promise<void> {
    if (this.pool) return
    const pool = mysql.createPool({
      ...connectionOptions(this.opts.settings),
      connectionLimit: this.opts.settings.pool_size,
      maxIdle: this.opts.settings.pool_size,
      waitForConnections: true,
      queueLimit: 0,
      // The session setup (READ COMMITTED, UTC) must survive a release.
      resetOnRelease: false,
      // Claims and completions send "START TRANSACTION; …" and "…; COMMIT" in one round trip each.
      // Every value still goes through mysql2's escaping (placeholders), never string concatenation.
      multipleStatements: true
    })
    pool.on('connection', (conn: PoolConnection) => {
      for (const sql of SESSION_SETUP) conn.query(sql, () => undefined)
    })
    try {
      await this.checkServer(pool)
      await this.ensureSchema(pool)
    } catch (err) {
      await endPool(pool)
      throw err
    }
    this.pool = pool
  }

  async close(): Promise<void> {
    this.dropProbeConnection()
    const p = this.pool
    this.pool = null
    if (p) await endPool(p)
  }

  private async checkServer(pool: Pool): Promise<void> {
    const [v] = await rows(pool, 'SELECT VERSION() AS v')
    this.serverVersion = String(v?.v ?? '')
    try {
      await query(pool, 'SELECT 1 FROM DUAL FOR UPDATE SKIP LOCKED')
    } catch (err) {
      if (errorCode(err) === 'ER_PARSE_ERROR') throw new NoSkipLockedError(this.serverVersion)
      throw err
    }
  }

  private async columns(pool: Pool, table: string): Promise<Map<string, RawRow>> {
    const list = await rows(
      pool,
      'SELECT COLUMN_NAME AS name, CHARACTER_OCTET_LENGTH AS octets, CHARACTER_MAXIMUM_LENGTH AS chars ' +
        'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [table]
    )
    return new Map(list.map((c) => [String(c.name).toLowerCase(), c]))
  }

  private async ensureSchema(pool: Pool): Promise<void> {
    const log = this.opts.log
    let reqCols = await this.columns(pool, 'ai_requests')
    if (reqCols.size === 0) {
      await query(pool, MYSQL_REQUESTS_DDL)
      log.info('created table ai_requests', { target: this.target })
      reqCols = await this.columns(pool, 'ai_requests')
    }
    const missing = REQUIRED_REQUEST_COLUMNS.filter((c) => !reqCols.has(c))
    if (missing.length > 0) {
      throw new SchemaError(`Table ai_requests in ${this.opts.settings.database} lacks the column(s) ${missing.join(', ')}; the poller needs them.`)
    }
    let respCols = await this.columns(pool, 'ai_responses')
    if (respCols.size === 0) {
      await query(pool, MYSQL_RESPONSES_DDL)
      log.info('created table ai_responses', { target: this.target })
      respCols = await this.columns(pool, 'ai_responses')
    }
    const missingResp = REQUIRED_RESPONSE_COLUMNS.filter((c) => !respCols.has(c))
    if (missingResp.length > 0) {
      throw new SchemaError(`Table ai_responses in ${this.opts.settings.database} lacks the column(s) ${missingResp.join(', ')}.`)
    }
    const octets = num(respCols.get('response_data')?.octets, 65_535)
    this.maxResponseBytes = Math.min(octets, 16 * 1024 * 1024)
    this.maxErrorChars = Math.max(1, num(respCols.get('error_message')?.chars, 500))

    const indexes = await this.indexes(pool, 'ai_requests')
    const claim = [...indexes].find(([, cols]) => isClaimIndex(cols))
    if (claim) {
      this.claimIndex = '`' + claim[0].replace(/`/g, '``') + '`'
    } else {
      try {
        await query(pool, `ALTER TABLE ai_requests ADD INDEX ${CLAIM_INDEX} (status, priority, created_at, id)`)
        log.warn(`added the missing claim index ${CLAIM_INDEX} (status, priority, created_at, id) to ai_requests`, { target: this.target })
      } catch (err) {
        // Another poller may have added it at the same moment.
        if (errorCode(err) !== 'ER_DUP_KEYNAME') throw err
      }
      this.claimIndex = CLAIM_INDEX
    }
    // The C++ side keeps LAST_INSERT_ID() in a 32-bit int: warn long before ids get there.
    const [auto] = await rows(
      pool,
      "SELECT AUTO_INCREMENT AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ai_requests'"
    )
    const nextId = num(auto?.n)
    if (nextId > 0.9 * 2 ** 31) {
      log.warn(
        `ai_requests ids are at ${nextId}, close to 2,147,483,647 where rAthena's 32-bit request ids overflow; ` +
          'purge old rows and reset AUTO_INCREMENT (ALTER TABLE ai_requests AUTO_INCREMENT = 1) during maintenance',
        { target: this.target }
      )
    }
    const respIndexes = await this.indexes(pool, 'ai_responses')
    const uniqueOnRequest = [...respIndexes.entries()].some(([name, cols]) => cols.length === 1 && cols[0] === 'request_id' && name !== '')
    if (!uniqueOnRequest) log.warn('ai_responses has no index on request_id alone; expect slow response lookups', { target: this.target })
  }

  /** index name → its columns in order (unique flag not needed here). */
  private async indexes(pool: Pool, table: string): Promise<Map<string, string[]>> {
    const list = await rows(
      pool,
      'SELECT INDEX_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS ' +
        'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
      [table]
    )
    const out = new Map<string, string[]>()
    for (const r of list) {
      const name = String(r.name)
      const cols = out.get(name) ?? []
      cols.push(String(r.col).toLowerCase())
      out.set(name, cols)
    }
    return out
  }

  /**
   * Runs fn on one pooled connection; fn opens and commits its own transaction. On an error the
   * transaction is rolled back (a broken connection is destroyed, not returned to the pool);
   * deadlocks and lock wait timeouts run fn again.
   */
  private async withConn<T>(fn: (c: PoolConnection) => Promise<T>, retryConflicts = true): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const conn = await getConnection(this.db)
      let broken = false
      try {
        return await fn(conn)
      } catch (err) {
        broken = isConnectionError(err)
        if (!broken) {
          await query(conn, 'ROLLBACK').catch(() => {
            broken = true
          })
        }
        if (!retryConflicts || !isLockConflict(err) || attempt >= 4) throw err
      } finally {
        if (broken) conn.destroy()
        else conn.release()
      }
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, LOCK_CONFLICT_BACKOFF)))
    }
  }

  /** fn inside START TRANSACTION … COMMIT. */
  private tx<T>(fn: (c: PoolConnection) => Promise<T>): Promise<T> {
    return this.withConn(async (c) => {
      await query(c, 'START TRANSACTION')
      const out = await fn(c)
      await query(c, 'COMMIT')
      return out
    })
  }

  private probeSql(): string {
    return `SELECT 1 AS x FROM ai_requests FORCE INDEX (${this.claimIndex}) WHERE status = 'pending' AND (expires_at IS NULL OR expires_at > NOW()) LIMIT 1`
  }

  async hasPending(): Promise<boolean> {
    const r = await rows(this.db, this.probeSql())
    return r.length > 0
  }

  /**
   * The idle poll on a connection of its own, outside the pool: looks at once, then every
   * `everyMs`, until a claimable row is seen (true) or `maxWaitMs` passed (false).
   * - MariaDB: one compound statement (`BEGIN NOT ATOMIC … END`, no stored procedure, no extra
   *   privilege) that checks, sleeps `everyMs` in the server and checks again: the app wakes when a
   *   row appears or once per `maxWaitMs`, with the same cadence of looks.
   * - MySQL (no anonymous blocks): one probe per look, timed here.
   * The statement text is built once per (maxWaitMs, everyMs) — no formatting per poll. A broken
   * connection is dropped and opened again on the next poll; its error reaches the poller.
   */
  waitForPending(maxWaitMs: number, everyMs: number): Promise<boolean> {
    if (!this.serverVersion.includes('MariaDB')) return lookEvery(() => this.probeOnce(this.probeSql()), maxWaitMs, everyMs)
    const key = `${maxWaitMs}/${everyMs}`
    if (this.probeKey !== key) {
      this.probeKey = key
      const every = (Math.max(1, Math.round(everyMs)) / 1000).toFixed(3)
      const found = `EXISTS (${this.probeSql()})`
      const rounds = Math.max(1, Math.ceil(maxWaitMs / Math.max(1, everyMs)))
      this.probeText =
        `BEGIN NOT ATOMIC DECLARE n INT DEFAULT 0; DECLARE found INT DEFAULT 0; SET found = ${found}; ` +
        `WHILE found = 0 AND n < ${rounds} DO DO SLEEP(${every}); SET n = n + 1; SET found = ${found}; END WHILE; ` +
        `SELECT found AS x FROM DUAL WHERE found = 1; END`
    }
    return this.probeOnce(this.probeText)
  }

  /** One statement on the probe connection: true when it returned a row. */
  private probeOnce(sql: string): Promise<boolean> {
    const conn = this.probeConnection()
    return new Promise((resolve, reject) => {
      conn.query(sql, (err: unknown, result: unknown) => {
        if (err) {
          if (this.probeConn === conn) this.dropProbeConnection()
          reject(err)
          return
        }
        // A row when a claimable row was seen; a compound statement adds a status result.
        const sets: unknown[] = Array.isArray(result) && Array.isArray(result[0]) ? result : [result]
        resolve(sets.some((r) => Array.isArray(r) && r.length > 0))
      })
    })
  }

  private probeConnection(): Connection {
    if (this.probeConn) return this.probeConn
    if (!this.pool) throw new Error('the MySQL queue is not open')
    const conn = mysql.createConnection({ ...connectionOptions(this.opts.settings), multipleStatements: true })
    conn.on('error', () => {
      if (this.probeConn === conn) this.dropProbeConnection()
    })
    for (const sql of SESSION_SETUP) conn.query(sql, () => undefined)
    this.probeConn = conn
    return conn
  }

  private dropProbeConnection(): void {
    const c = this.probeConn
    this.probeConn = null
    c?.destroy()
  }

  /**
   * Two round trips: "START; SELECT … FOR UPDATE SKIP LOCKED", then "UPDATE … processing; [UPDATE
   * … completed/failed; INSERT answers;] COMMIT". The rows stay locked by this transaction in
   * between, so answers given at once (see QueueBackend.claim) need no fencing. A claim is never
   * re-run after a lock conflict (answerAtOnce may only run once): the poller just claims again.
   */
  async claim(limit: number, answerAtOnce?: AnswerAtOnce): Promise<ClaimedRow[]> {
    // Draining a backlog: start the scan after the last row claimed instead of at the front of the
    // pending range, which is full of index entries of rows just finished and not yet purged (a
    // locking scan visits each of them: most of the database's CPU in a bulk run). A full scan
    // from the front still runs at least every SEEK_FULL_SCAN_MS, and whenever a claim comes back
    // short, so a row with a higher priority — or one released back to pending — waits for it at
    // most that long.
    const now = performance.now()
    const seek = this.seekFrom !== null && now - this.lastFullScanAt < SEEK_FULL_SCAN_MS ? this.seekFrom : null
    if (seek === null) this.lastFullScanAt = now
    return this.withConn(async (c) => {
      const res = await multi(
        c,
        'START TRANSACTION; SELECT id, request_type, endpoint, request_data, priority, retry_count, ' +
          `correlation_id, source_npc, source_map, expires_at, created_at FROM ai_requests FORCE INDEX (${this.claimIndex}) ` +
          "WHERE status = 'pending' AND (expires_at IS NULL OR expires_at > NOW()) " +
          (seek ? 'AND (priority > ? OR (priority = ? AND (created_at > ? OR (created_at = ? AND id > ?)))) ' : '') +
          'ORDER BY priority, created_at, id LIMIT ? FOR UPDATE SKIP LOCKED',
        seek ? [seek.priority, seek.priority, seek.createdAt, seek.createdAt, seek.id, limit] : [limit]
      )
      const found = resultRows(res[1])
      const last = found[found.length - 1]
      if (found.length < limit || !last) this.seekFrom = null
      else {
        const key = { priority: num(last.priority, 5), createdAt: String(last.created_at), id: num(last.id) }
        // Two claims in flight may finish out of order: the start only moves forward.
        if (this.seekFrom === null || seek === null || keyAfter(key, this.seekFrom)) this.seekFrom = key
      }
      if (found.length === 0) {
        await query(c, 'COMMIT')
        return []
      }
      const claimed = found.map(toClaimed)
      const answers = (answerAtOnce?.(claimed) ?? []).filter(
        (a): a is Extract<Completion, { response: ResponseRow }> => a.status === 'completed' || a.status === 'failed'
      )
      const answered = new Set(answers.map((a) => a.id))
      const sql: string[] = []
      const values: unknown[] = []
      const processing = claimed.filter((r) => !answered.has(r.id)).map((r) => r.id)
      if (processing.length > 0) {
        sql.push("UPDATE ai_requests SET status = 'processing', updated_at = CURRENT_TIMESTAMP WHERE id IN (?) AND status = 'pending'")
        values.push(processing)
      }
      for (const status of ['completed', 'failed'] as const) {
        const ids = answers.filter((a) => a.status === status).map((a) => a.id)
        if (ids.length === 0) continue
        sql.push(`UPDATE ai_requests SET status = '${status}', updated_at = CURRENT_TIMESTAMP WHERE id IN (?) AND status = 'pending'`)
        values.push(ids)
      }
      if (answers.length > 0) {
        sql.push(UPSERT_RESPONSES)
        values.push(answers.map((a) => this.responseValues(a.id, a.response)))
      }
      sql.push('COMMIT')
      await multi(c, sql.join('; '), values)
      return claimed
    }, false)
  }

  /**
   * Fast path, two round trips: "START; UPDATE … WHERE id IN (…) AND status = 'processing' AND
   * retry_count = n (one per target status and claimed retry count); INSERT responses", then
   * COMMIT when every UPDATE matched all its rows. When one matched fewer (a cancel or a recovery
   * got there first) the transaction is rolled back and the careful path runs instead.
   */
  async complete(batch: Completion[]): Promise<CompleteResult> {
    if (batch.length === 0) return { applied: [], skipped: [] }
    if (batch.length <= ONE_TRIP_MAX) return this.completeInOneTrip(batch)
    const fast = await this.withConn(async (c) => {
      const groups = groupCompletions(batch)
      const responses: unknown[][] = []
      for (const b of batch) {
        if (b.status === 'completed' || b.status === 'failed') responses.push(this.responseValues(b.id, b.response))
      }
      const sql = ['START TRANSACTION']
      const values: unknown[] = []
      for (const g of groups) {
        sql.push(`UPDATE ai_requests SET ${SET_FOR[g.status]}, updated_at = CURRENT_TIMESTAMP WHERE id IN (?) AND status = 'processing' AND retry_count = ?`)
        values.push(g.ids, g.retryCount)
      }
      if (responses.length > 0) {
        sql.push(UPSERT_RESPONSES)
        values.push(responses)
      }
      const res = await multi(c, sql.join('; '), values)
      const all = groups.every((g, i) => affected(res[i + 1]) === g.ids.length)
      await query(c, all ? 'COMMIT' : 'ROLLBACK')
      return all
    })
    if (fast) return { applied: batch.map((b) => b.id), skipped: [] }
    return this.completeCarefully(batch)
  }

  /**
   * Small batches (low traffic: latency matters most) in one round trip: "START; UPDATE … (fenced);
   * INSERT INTO ai_responses … SELECT … JOIN ai_requests ON id, status = the status just set and
   * retry_count = the claimed one; COMMIT". The INSERT only finds rows this transaction has just
   * finished (a cancelled or recovered row no longer matches), so no answer is written for a row
   * the poller lost. Which rows were skipped is only needed for the figures: looked up afterwards
   * when an UPDATE matched fewer rows than sent.
   */
  private async completeInOneTrip(batch: Completion[]): Promise<CompleteResult> {
    const groups = groupCompletions(batch)
    const sql = ['START TRANSACTION']
    const values: unknown[] = []
    for (const g of groups) {
      sql.push(`UPDATE ai_requests SET ${SET_FOR[g.status]}, updated_at = CURRENT_TIMESTAMP WHERE id IN (?) AND status = 'processing' AND retry_count = ?`)
      values.push(g.ids, g.retryCount)
    }
    const answers = batch.filter((b): b is Extract<Completion, { response: ResponseRow }> => b.status === 'completed' || b.status === 'failed')
    if (answers.length > 0) {
      const rowsSql = answers
        .map((_, i) => (i === 0 ? 'SELECT ? AS rid, ? AS d, ? AS hs, ? AS em, ? AS pt, ? AS st, ? AS rc' : 'SELECT ?, ?, ?, ?, ?, ?, ?'))
        .join(' UNION ALL ')
      sql.push(
        'INSERT INTO ai_responses (request_id, response_data, http_status, error_message, processing_time_ms) ' +
          `SELECT v.rid, v.d, v.hs, v.em, v.pt FROM (${rowsSql}) v ` +
          'JOIN ai_requests r ON r.id = v.rid AND r.status = v.st AND r.retry_count = v.rc ' +
          UPSERT_TAIL
      )
      for (const a of answers) values.push(...this.responseValues(a.id, a.response), a.status, a.retryCount)
    }
    sql.push('COMMIT')
    const res = await this.withConn((c) => multi(c, sql.join('; '), values))
    if (groups.every((g, i) => affected(res[i + 1]) === g.ids.length)) return { applied: batch.map((b) => b.id), skipped: [] }
    // Some rows were lost (cancelled, recovered): find which, for the figures.
    const applied = new Set<number>()
    for (const g of groups) {
      const target = g.status === 'retry' || g.status === 'release' ? 'pending' : g.status
      const rc = g.status === 'retry' ? g.retryCount + 1 : g.retryCount
      const found = await rows(this.db, 'SELECT id FROM ai_requests WHERE id IN (?) AND status = ? AND retry_count = ?', [g.ids, target, rc])
      for (const r of found) applied.add(num(r.id))
    }
    return { applied: batch.filter((b) => applied.has(b.id)).map((b) => b.id), skipped: batch.filter((b) => !applied.has(b.id)).map((b) => b.id) }
  }

  /** Locks the batch's rows still processing, then writes only the ones this poller still owns. */
  private completeCarefully(batch: Completion[]): Promise<CompleteResult> {
    return this.tx(async (c) => {
      const locked = await rows(c, "SELECT id, retry_count FROM ai_requests WHERE id IN (?) AND status = 'processing' FOR UPDATE", [
        batch.map((b) => b.id)
      ])
      const owned = new Map(locked.map((r) => [num(r.id), num(r.retry_count)]))
      const applied: number[] = []
      const skipped: number[] = []
      const groups: Record<Completion['status'], number[]> = { completed: [], failed: [], retry: [], release: [] }
      const responses: unknown[][] = []
      for (const b of batch) {
        if (owned.get(b.id) !== b.retryCount) {
          skipped.push(b.id)
          continue
        }
        owned.delete(b.id) // a duplicate id in one batch is applied once
        applied.push(b.id)
        groups[b.status].push(b.id)
        if (b.status === 'completed' || b.status === 'failed') responses.push(this.responseValues(b.id, b.response))
      }
      for (const status of ['completed', 'failed', 'retry', 'release'] as const) {
        if (groups[status].length) await this.setStatus(c, groups[status], SET_FOR[status])
      }
      if (responses.length) await this.upsertResponses(c, responses)
      return { applied, skipped }
    })
  }

  private async setStatus(c: PoolConnection, ids: number[], set: string): Promise<void> {
    await exec(c, `UPDATE ai_requests SET ${set}, updated_at = CURRENT_TIMESTAMP WHERE id IN (?) AND status = 'processing'`, [ids])
  }

  private responseValues(id: number, r: ResponseRow): unknown[] {
    return [id, r.data, r.httpStatus, r.error === null ? null : r.error.slice(0, this.maxErrorChars), Math.round(r.processingTimeMs)]
  }

  private async upsertResponses(c: PoolConnection, values: unknown[][]): Promise<void> {
    await exec(c, UPSERT_RESPONSES, [values])
  }

  async peek(ids: number[]): Promise<Map<number, RowState>> {
    const out = new Map<number, RowState>()
    if (ids.length === 0) return out
    for (const r of await rows(this.db, 'SELECT id, status, retry_count FROM ai_requests WHERE id IN (?)', [ids])) {
      out.set(num(r.id), { status: toStatus(r.status), retryCount: num(r.retry_count) })
    }
    return out
  }

  async touch(list: { id: number; retryCount: number }[]): Promise<void> {
    const byRetry = new Map<number, number[]>()
    for (const r of list) byRetry.set(r.retryCount, [...(byRetry.get(r.retryCount) ?? []), r.id])
    for (const [retryCount, ids] of byRetry) {
      await exec(
        this.db,
        "UPDATE ai_requests SET updated_at = CURRENT_TIMESTAMP WHERE id IN (?) AND status = 'processing' AND retry_count = ?",
        [ids, retryCount]
      )
    }
  }

  async expire(): Promise<number> {
    const probe = await rows(
      this.db,
      `SELECT 1 AS x FROM ai_requests FORCE INDEX (${this.claimIndex}) WHERE status = 'pending' AND expires_at <= NOW() LIMIT 1`
    )
    if (probe.length === 0) return 0
    const r = await exec(
      this.db,
      "UPDATE ai_requests SET status = 'timeout', updated_at = CURRENT_TIMESTAMP WHERE status = 'pending' AND expires_at <= NOW()"
    )
    return r.affectedRows
  }

  async recoverStuck(olderThanSeconds: number, maxRetries: number): Promise<RecoverResult> {
    const secs = Math.max(0, Math.floor(olderThanSeconds))
    const probe = await rows(
      this.db,
      `SELECT 1 AS x FROM ai_requests FORCE INDEX (${this.claimIndex}) WHERE status = 'processing' AND updated_at <= NOW() - INTERVAL ? SECOND LIMIT 1`,
      [secs]
    )
    if (probe.length === 0) return { reset: 0, failed: 0 }
    return this.tx(async (c) => {
      const stuck = await rows(
        c,
        `SELECT id, retry_count FROM ai_requests FORCE INDEX (${this.claimIndex}) WHERE status = 'processing' ` +
          'AND updated_at <= NOW() - INTERVAL ? SECOND LIMIT 5000 FOR UPDATE SKIP LOCKED',
        [secs]
      )
      const reset = stuck.filter((r) => num(r.retry_count) < maxRetries).map((r) => num(r.id))
      const failed = stuck.filter((r) => num(r.retry_count) >= maxRetries).map((r) => num(r.id))
      if (reset.length) await this.setStatus(c, reset, "status = 'pending', retry_count = retry_count + 1")
      if (failed.length) {
        await this.setStatus(c, failed, "status = 'failed'")
        const resp = failedResponse(STUCK_EXHAUSTED_MESSAGE)
        await this.upsertResponses(
          c,
          failed.map((id) => this.responseValues(id, resp))
        )
      }
      return { reset: reset.length, failed: failed.length }
    })
  }

  async counts(): Promise<RequestCounts> {
    const out = emptyCounts()
    for (const r of await rows(this.db, `SELECT status, COUNT(*) AS n FROM ai_requests FORCE INDEX (${this.claimIndex}) GROUP BY status`)) {
      out[toStatus(r.status)] += num(r.n)
    }
    return out
  }

  async figures(): Promise<QueueFigures> {
    const [errored] = await rows(
      this.db,
      "SELECT COUNT(*) AS n FROM ai_responses s JOIN ai_requests r ON r.id = s.request_id WHERE s.http_status >= 400 AND r.status = 'completed'"
    )
    const [oldest] = await rows(this.db, `SELECT MIN(created_at) AS t FROM ai_requests FORCE INDEX (${this.claimIndex}) WHERE status = 'pending'`)
    const waits = await rows(
      this.db,
      'SELECT s.created_at AS answered_at, r.created_at FROM ai_responses s JOIN ai_requests r ON r.id = s.request_id ORDER BY s.id DESC LIMIT ?',
      [RECENT_WAITS_LIMIT]
    )
    return { errored: num(errored?.n), oldestPendingAt: dbTimeToMs(oldest?.t), recentWaits: toWaits(waits), timestampResolutionMs: 1000 }
  }

  async maxId(): Promise<number | null> {
    const [r] = await rows(this.db, 'SELECT MAX(id) AS m FROM ai_requests')
    return r?.m === null || r?.m === undefined ? null : num(r.m)
  }

  async list(filter: ListFilter): Promise<RequestsListResult> {
    const { baseWhere, args, pageWhere, pageArgs, countFrom } = listWhere(filter)
    const found = await rows(
      this.db,
      `SELECT ${SUMMARY_COLUMNS}, LEFT(r.request_data, ${PREVIEW_CHARS}) AS preview FROM ai_requests r ` +
        `LEFT JOIN ai_responses s ON s.request_id = r.id WHERE ${pageWhere} ORDER BY r.id DESC LIMIT ?`,
      [...pageArgs, filter.limit + 1]
    )
    const [t] = await rows(this.db, `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${countFrom} WHERE ${baseWhere} LIMIT ${LIST_TOTAL_CAP + 1}) t`, args)
    return listPage(found, num(t?.n), filter.limit)
  }

  async get(id: number): Promise<RequestDetail | null> {
    const [r] = await rows(
      this.db,
      `SELECT ${SUMMARY_COLUMNS}, LEFT(r.request_data, ${PREVIEW_CHARS}) AS preview, r.request_data FROM ai_requests r ` +
        'LEFT JOIN ai_responses s ON s.request_id = r.id WHERE r.id = ?',
      [id]
    )
    if (!r) return null
    const [resp] = await rows(this.db, 'SELECT * FROM ai_responses WHERE request_id = ?', [id])
    return {
      request: { ...toSummary(r), requestData: r.request_data === null || r.request_data === undefined ? null : String(r.request_data) },
      response: resp ? toResponse(resp) : null
    }
  }

  async retry(target: { ids: number[] } | { statuses: ('failed' | 'timeout')[] }): Promise<number> {
    let total = 0
    for (;;) {
      const n = await this.tx(async (c) => {
        const found =
          'ids' in target
            ? await rows(c, "SELECT id FROM ai_requests WHERE id IN (?) AND status IN ('failed', 'timeout') FOR UPDATE", [target.ids])
            : await rows(c, 'SELECT id FROM ai_requests WHERE status IN (?) LIMIT 5000 FOR UPDATE SKIP LOCKED', [target.statuses])
        const ids = found.map((r) => num(r.id))
        if (ids.length === 0) return 0
        await exec(c, 'DELETE FROM ai_responses WHERE request_id IN (?)', [ids])
        const res = await exec(
          c,
          "UPDATE ai_requests SET status = 'pending', retry_count = 0, updated_at = CURRENT_TIMESTAMP, " +
            'expires_at = IF(expires_at IS NULL, NULL, NOW() + INTERVAL 30 SECOND) WHERE id IN (?)',
          [ids]
        )
        return res.affectedRows
      })
      total += n
      if (n === 0 || 'ids' in target) return total
    }
  }

  async cancel(ids: number[]): Promise<number> {
    const r = await exec(
      this.db,
      "UPDATE ai_requests SET status = 'cancelled' WHERE id IN (?) AND status IN ('pending', 'processing')",
      [ids]
    )
    return r.affectedRows
  }

  async purge(olderThanDays: number, statuses: AiRequestStatus[]): Promise<number> {
    const safe = statuses.filter((s) => s !== 'pending' && s !== 'processing')
    if (safe.length === 0) return 0
    let total = 0
    for (;;) {
      const n = await this.tx(async (c) => {
        const ids = (
          await rows(c, 'SELECT id FROM ai_requests WHERE status IN (?) AND created_at < NOW() - INTERVAL ? DAY LIMIT 5000 FOR UPDATE SKIP LOCKED', [
            safe,
            Math.floor(olderThanDays)
          ])
        ).map((r) => num(r.id))
        if (ids.length === 0) return 0
        await exec(c, 'DELETE FROM ai_responses WHERE request_id IN (?)', [ids])
        return (await exec(c, 'DELETE FROM ai_requests WHERE id IN (?)', [ids])).affectedRows
      })
      total += n
      if (n === 0) return total
    }
  }

  async insert(req: NewRequest): Promise<number> {
    const r = await exec(
      this.db,
      'INSERT INTO ai_requests (request_type, endpoint, request_data, priority, source_npc, source_map, expires_at) ' +
        `VALUES (?, ?, ?, ?, ?, ?, ${req.expiresInSeconds === null ? 'NULL' : 'DATE_ADD(NOW(), INTERVAL ? SECOND)'})`,
      [req.type, req.endpoint, req.data, req.priority, req.sourceNpc, req.sourceMap, ...(req.expiresInSeconds === null ? [] : [req.expiresInSeconds])]
    )
    return Number(r.insertId)
  }
}

/** Whether claim-index key `a` comes after `b` (priority, created_at, id; created_at as 'YYYY-MM-DD hh:mm:ss' text). */
function keyAfter(a: { priority: number; createdAt: string; id: number }, b: { priority: number; createdAt: string; id: number }): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt
  return a.id > b.id
}

/** An index usable for the claim: (status, priority, created_at[, id]) — InnoDB appends the PK anyway. */
export function isClaimIndex(cols: string[]): boolean {
  const want = ['status', 'priority', 'created_at']
  if (cols.length < 3 || !want.every((c, i) => cols[i] === c)) return false
  return cols.length === 3 || cols[3] === 'id'
}
