/**
 * The embedded queue: `ai_requests` / `ai_responses` in a SQLite file (better-sqlite3, WAL),
 * with the same semantics as the MySQL backend. Every write runs in a BEGIN IMMEDIATE
 * transaction (so several processes on one file serialize on the write lock instead of failing
 * on a stale snapshot; busy_timeout makes them wait). A claim is one
 * `UPDATE … WHERE id IN (SELECT … ORDER BY priority, created_at, id LIMIT n) RETURNING …`.
 * Timestamps are UTC text "YYYY-MM-DD HH:MM:SS.fff"; every UPDATE sets updated_at itself (no
 * trigger: it would cost a trigger program run per claimed row).
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { AiRequestStatus, RequestCounts, RequestDetail, RequestsListResult } from '../../shared/contract'
import type { Logger } from '../logging/logger'
import {
  LIST_TOTAL_CAP,
  STUCK_EXHAUSTED_MESSAGE,
  emptyCounts,
  lookEvery,
  failedResponse,
  type AnswerAtOnce,
  type ClaimedRow,
  type CompleteResult,
  type Completion,
  type ListFilter,
  type NewRequest,
  type QueueBackend,
  type RecoverResult,
  type RowState
} from './queue'
import { PREVIEW_CHARS, SUMMARY_COLUMNS, listPage, listWhere, num, status as toStatus, toClaimed, toResponse, toSummary, type RawRow } from './rows'
import { RECENT_WAITS_LIMIT, type QueueFigures } from './queue'
import { dbTimeToMs, toWaits } from './rows'

const NOW = "strftime('%Y-%m-%d %H:%M:%f','now')"

export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS ai_requests (
  id INTEGER PRIMARY KEY,
  request_type TEXT NOT NULL,
  endpoint TEXT,
  request_data TEXT,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending','processing','completed','failed','timeout','cancelled')),
  priority INTEGER DEFAULT 5,
  correlation_id TEXT,
  source_npc TEXT,
  source_map TEXT,
  retry_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (${NOW}),
  updated_at TEXT NOT NULL DEFAULT (${NOW}),
  expires_at TEXT
);
CREATE INDEX IF NOT EXISTS idx_ai_requests_claim ON ai_requests (status, priority, created_at, id);
CREATE INDEX IF NOT EXISTS idx_ai_requests_expires ON ai_requests (expires_at);
CREATE TABLE IF NOT EXISTS ai_responses (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL UNIQUE REFERENCES ai_requests (id) ON DELETE CASCADE,
  response_data TEXT,
  http_status INTEGER DEFAULT 200,
  error_message TEXT,
  processing_time_ms INTEGER,
  created_at TEXT NOT NULL DEFAULT (${NOW})
);
`

export interface SqliteQueueOptions {
  file: string
  log: Logger
  /** How long a writer waits for another process's write lock (default 5000 ms). */
  busyTimeoutMs?: number
}

type Stmt = Database.Statement<unknown[], unknown>

export class SqliteQueue implements QueueBackend {
  readonly driver = 'sqlite' as const
  readonly target: string
  /** SQLite TEXT has no small limit; keep answers to something a script can handle. */
  readonly maxResponseBytes = 16 * 1024 * 1024
  private db: Database.Database | null = null
  private stmts = new Map<string, Stmt>()

  constructor(private readonly opts: SqliteQueueOptions) {
    this.target = opts.file
  }

  private get database(): Database.Database {
    if (!this.db) throw new Error('the SQLite queue is not open')
    return this.db
  }

  private stmt(sql: string): Stmt {
    let s = this.stmts.get(sql)
    if (!s) {
      s = this.database.prepare(sql)
      this.stmts.set(sql, s)
    }
    return s
  }

  /** BEGIN IMMEDIATE … COMMIT around fn. */
  private write<T>(fn: () => T): T {
    return this.database.transaction(fn).immediate()
  }

  async open(): Promise<void> {
    if (this.db) return
    fs.mkdirSync(path.dirname(this.opts.file), { recursive: true })
    const db = new Database(this.opts.file)
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.opts.busyTimeoutMs ?? 5000))}`)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('foreign_keys = ON')
      db.transaction(() => db.exec(SQLITE_SCHEMA)).immediate()
    } catch (err) {
      db.close()
      throw err
    }
    this.db = db
    this.opts.log.debug('SQLite queue open', { file: this.opts.file })
  }

  async close(): Promise<void> {
    this.stmts.clear()
    this.db?.close()
    this.db = null
  }

  /** Looks timed in the app (an in-process probe costs little). */
  waitForPending(maxWaitMs: number, everyMs: number): Promise<boolean> {
    return lookEvery(() => this.hasPending(), maxWaitMs, everyMs)
  }

  async hasPending(): Promise<boolean> {
    const row = this.stmt(
      `SELECT 1 AS x FROM ai_requests WHERE status = 'pending' AND (expires_at IS NULL OR expires_at > ${NOW}) LIMIT 1`
    ).get()
    return row !== undefined
  }

  async claim(limit: number, answerAtOnce?: AnswerAtOnce): Promise<ClaimedRow[]> {
    const sql =
      `UPDATE ai_requests SET status = 'processing', updated_at = ${NOW} WHERE id IN (` +
      `SELECT id FROM ai_requests WHERE status = 'pending' AND (expires_at IS NULL OR expires_at > ${NOW}) ` +
      // No outer "AND status = 'pending'": the planner would then scan the whole pending index.
      `ORDER BY priority, created_at, id LIMIT ?) ` +
      `RETURNING id, request_type, endpoint, request_data, priority, retry_count, correlation_id, source_npc, source_map, expires_at, created_at`
    return this.write(() => {
      const raw = this.stmt(sql).all(limit) as RawRow[]
      // RETURNING order is unspecified: restore the claim order.
      raw.sort(
        (a, b) =>
          num(a.priority, 5) - num(b.priority, 5) || String(a.created_at).localeCompare(String(b.created_at)) || num(a.id) - num(b.id)
      )
      const claimed = raw.map(toClaimed)
      if (answerAtOnce && claimed.length > 0) this.writeAnswers(answerAtOnce(claimed))
      return claimed
    })
  }

  /** Final answers for rows this transaction owns (status processing, same retry_count). */
  private writeAnswers(batch: Completion[]): void {
    const finish = this.stmt(
      `UPDATE ai_requests SET status = ?, updated_at = ${NOW} WHERE id = ? AND status = 'processing' AND retry_count = ?`
    )
    const respond = this.responseUpsert()
    for (const c of batch) {
      if (c.status !== 'completed' && c.status !== 'failed') continue
      if (finish.run(c.status, c.id, c.retryCount).changes > 0) {
        respond.run(c.id, c.response.data, c.response.httpStatus, c.response.error, Math.round(c.response.processingTimeMs))
      }
    }
  }

  async complete(batch: Completion[]): Promise<CompleteResult> {
    const applied: number[] = []
    const skipped: number[] = []
    const finish = this.stmt(
      `UPDATE ai_requests SET status = ?, updated_at = ${NOW} WHERE id = ? AND status = 'processing' AND retry_count = ?`
    )
    const retry = this.stmt(
      `UPDATE ai_requests SET status = 'pending', retry_count = retry_count + 1, updated_at = ${NOW} ` +
        `WHERE id = ? AND status = 'processing' AND retry_count = ?`
    )
    const release = this.stmt(
      `UPDATE ai_requests SET status = 'pending', updated_at = ${NOW} WHERE id = ? AND status = 'processing' AND retry_count = ?`
    )
    const respond = this.responseUpsert()
    this.write(() => {
      for (const c of batch) {
        let changes: number
        if (c.status === 'retry') changes = retry.run(c.id, c.retryCount).changes
        else if (c.status === 'release') changes = release.run(c.id, c.retryCount).changes
        else {
          changes = finish.run(c.status, c.id, c.retryCount).changes
          if (changes > 0) {
            const r = c.response
            respond.run(c.id, r.data, r.httpStatus, r.error, Math.round(r.processingTimeMs))
          }
        }
        ;(changes > 0 ? applied : skipped).push(c.id)
      }
    })
    return { applied, skipped }
  }

  private responseUpsert(): Stmt {
    return this.stmt(
      'INSERT INTO ai_responses (request_id, response_data, http_status, error_message, processing_time_ms) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (request_id) DO UPDATE SET response_data = excluded.response_data, http_status = excluded.http_status, ' +
        `error_message = excluded.error_message, processing_time_ms = excluded.processing_time_ms, created_at = ${NOW}`
    )
  }

  async peek(ids: number[]): Promise<Map<number, RowState>> {
    const out = new Map<number, RowState>()
    const s = this.stmt('SELECT status, retry_count FROM ai_requests WHERE id = ?')
    for (const id of ids) {
      const r = s.get(id) as RawRow | undefined
      if (r) out.set(id, { status: toStatus(r.status), retryCount: num(r.retry_count) })
    }
    return out
  }

  async touch(rows: { id: number; retryCount: number }[]): Promise<void> {
    if (rows.length === 0) return
    const s = this.stmt(`UPDATE ai_requests SET updated_at = ${NOW} WHERE id = ? AND status = 'processing' AND retry_count = ?`)
    this.write(() => {
      for (const r of rows) s.run(r.id, r.retryCount)
    })
  }

  async expire(): Promise<number> {
    const sql =
      `UPDATE ai_requests SET status = 'timeout', updated_at = ${NOW} ` +
      `WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ${NOW}`
    // Cheap read first: most sweeps find nothing and must not take the write lock.
    const any = this.stmt(
      `SELECT 1 AS x FROM ai_requests WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ${NOW} LIMIT 1`
    ).get()
    if (any === undefined) return 0
    return this.write(() => this.stmt(sql).run().changes)
  }

  async recoverStuck(olderThanSeconds: number, maxRetries: number): Promise<RecoverResult> {
    const threshold = `strftime('%Y-%m-%d %H:%M:%f','now','-${Math.max(0, Math.floor(olderThanSeconds))} seconds')`
    const find = this.stmt(
      `SELECT id, retry_count FROM ai_requests WHERE status = 'processing' AND updated_at <= ${threshold} ORDER BY id LIMIT 5000`
    )
    if (find.all().length === 0) return { reset: 0, failed: 0 }
    const reset = this.stmt(
      `UPDATE ai_requests SET status = 'pending', retry_count = retry_count + 1, updated_at = ${NOW} ` +
        `WHERE id = ? AND status = 'processing' AND retry_count = ?`
    )
    const fail = this.stmt(
      `UPDATE ai_requests SET status = 'failed', updated_at = ${NOW} WHERE id = ? AND status = 'processing' AND retry_count = ?`
    )
    const respond = this.responseUpsert()
    return this.write(() => {
      const out = { reset: 0, failed: 0 }
      for (const row of find.all() as RawRow[]) {
        const id = num(row.id)
        const retries = num(row.retry_count)
        if (retries < maxRetries) {
          out.reset += reset.run(id, retries).changes
        } else if (fail.run(id, retries).changes > 0) {
          const r = failedResponse(STUCK_EXHAUSTED_MESSAGE)
          respond.run(id, r.data, r.httpStatus, r.error, r.processingTimeMs)
          out.failed++
        }
      }
      return out
    })
  }

  async counts(): Promise<RequestCounts> {
    const out = emptyCounts()
    for (const row of this.stmt('SELECT status, COUNT(*) AS n FROM ai_requests GROUP BY status').all() as RawRow[]) {
      out[toStatus(row.status)] += num(row.n)
    }
    return out
  }

  async figures(): Promise<QueueFigures> {
    const errored = this.stmt(
      "SELECT COUNT(*) AS n FROM ai_responses s JOIN ai_requests r ON r.id = s.request_id WHERE s.http_status >= 400 AND r.status = 'completed'"
    ).get() as RawRow
    const oldest = this.stmt("SELECT MIN(created_at) AS t FROM ai_requests WHERE status = 'pending'").get() as RawRow
    const waits = this.stmt(
      'SELECT s.created_at AS answered_at, r.created_at FROM ai_responses s JOIN ai_requests r ON r.id = s.request_id ORDER BY s.id DESC LIMIT ?'
    ).all(RECENT_WAITS_LIMIT) as RawRow[]
    return { errored: num(errored.n), oldestPendingAt: dbTimeToMs(oldest.t), recentWaits: toWaits(waits), timestampResolutionMs: 1 }
  }

  async maxId(): Promise<number | null> {
    const row = this.stmt('SELECT MAX(id) AS m FROM ai_requests').get() as RawRow | undefined
    return row?.m === null || row?.m === undefined ? null : num(row.m)
  }

  async list(filter: ListFilter): Promise<RequestsListResult> {
    const { baseWhere, args, pageWhere, pageArgs, countFrom } = listWhere(filter, ' COLLATE NOCASE')
    const rows = this.database
      .prepare(
        `SELECT ${SUMMARY_COLUMNS}, substr(r.request_data, 1, ${PREVIEW_CHARS}) AS preview ` +
          `FROM ai_requests r LEFT JOIN ai_responses s ON s.request_id = r.id WHERE ${pageWhere} ORDER BY r.id DESC LIMIT ?`
      )
      .all(...pageArgs, filter.limit + 1) as RawRow[]
    const totalRow = this.database
      .prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${countFrom} WHERE ${baseWhere} LIMIT ${LIST_TOTAL_CAP + 1})`)
      .get(...args) as RawRow
    return listPage(rows, num(totalRow.n), filter.limit)
  }

  async get(id: number): Promise<RequestDetail | null> {
    const row = this.stmt(
      `SELECT ${SUMMARY_COLUMNS}, substr(r.request_data, 1, ${PREVIEW_CHARS}) AS preview, r.request_data ` +
        'FROM ai_requests r LEFT JOIN ai_responses s ON s.request_id = r.id WHERE r.id = ?'
    ).get(id) as RawRow | undefined
    if (!row) return null
    const resp = this.stmt('SELECT * FROM ai_responses WHERE request_id = ?').get(id) as RawRow | undefined
    return {
      request: { ...toSummary(row), requestData: row.request_data === null || row.request_data === undefined ? null : String(row.request_data) },
      response: resp ? toResponse(resp) : null
    }
  }

  async retry(target: { ids: number[] } | { statuses: ('failed' | 'timeout')[] }): Promise<number> {
    const cond =
      'ids' in target
        ? `id IN (${target.ids.map(() => '?').join(', ')}) AND status IN ('failed', 'timeout')`
        : `status IN (${target.statuses.map(() => '?').join(', ')})`
    const args = 'ids' in target ? target.ids : target.statuses
    return this.write(() => {
      this.database.prepare(`DELETE FROM ai_responses WHERE request_id IN (SELECT id FROM ai_requests WHERE ${cond})`).run(...args)
      return this.database
        .prepare(
          `UPDATE ai_requests SET status = 'pending', retry_count = 0, updated_at = ${NOW}, ` +
            `expires_at = CASE WHEN expires_at IS NULL THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f','now','+30 seconds') END ` +
            `WHERE ${cond}`
        )
        .run(...args).changes
    })
  }

  async cancel(ids: number[]): Promise<number> {
    return this.write(
      () =>
        this.database
          .prepare(
            `UPDATE ai_requests SET status = 'cancelled', updated_at = ${NOW} ` +
              `WHERE id IN (${ids.map(() => '?').join(', ')}) AND status IN ('pending', 'processing')`
          )
          .run(...ids).changes
    )
  }

  async purge(olderThanDays: number, statuses: AiRequestStatus[]): Promise<number> {
    const safe = statuses.filter((s) => s !== 'pending' && s !== 'processing')
    if (safe.length === 0) return 0
    const cutoff = `strftime('%Y-%m-%d %H:%M:%f','now','-${Math.floor(olderThanDays)} days')`
    const cond = `status IN (${safe.map(() => '?').join(', ')}) AND created_at < ${cutoff}`
    let total = 0
    // In chunks, so the write lock is never held for long.
    for (;;) {
      const n = this.write(() => {
        const ids = (this.database.prepare(`SELECT id FROM ai_requests WHERE ${cond} LIMIT 5000`).all(...safe) as RawRow[]).map((r) =>
          num(r.id)
        )
        if (ids.length === 0) return 0
        const list = ids.join(', ')
        this.database.prepare(`DELETE FROM ai_responses WHERE request_id IN (${list})`).run()
        return this.database.prepare(`DELETE FROM ai_requests WHERE id IN (${list})`).run().changes
      })
      total += n
      if (n === 0) return total
    }
  }

  async insert(req: NewRequest): Promise<number> {
    const expires = req.expiresInSeconds === null ? 'NULL' : `strftime('%Y-%m-%d %H:%M:%f','now','+${Math.floor(req.expiresInSeconds)} seconds')`
    const info = this.write(() =>
      this.database
        .prepare(
          'INSERT INTO ai_requests (request_type, endpoint, request_data, priority, source_npc, source_map, expires_at) ' +
            `VALUES (?, ?, ?, ?, ?, ?, ${expires})`
        )
        .run(req.type, req.endpoint, req.data, req.priority, req.sourceNpc, req.sourceMap)
    )
    return Number(info.lastInsertRowid)
  }
}
