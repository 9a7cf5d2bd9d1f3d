/**
 * The inbox's tables in the app database: the ids it handled (de-duplication that survives a
 * restart — never inferred from ACK files, which senders delete) and the error store (what failed,
 * where and why; the page's count and list). Ids are remembered for the retention period.
 */
import type Database from 'better-sqlite3'
import type { InboxError } from '../../shared/contract'
import type { DedupeStore, ErrorStore, StoredError } from '../messaging/endpoint'
import { MemoryDedupeStore } from '../messaging/endpoint'
import type { Migration } from '../store/migrations'
import { errorFileName } from './files'

export const INBOX_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'inbox handled ids and error store',
    sql: `CREATE TABLE inbox_handled (
      id TEXT PRIMARY KEY,
      grp TEXT NOT NULL,
      handled_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX inbox_handled_at ON inbox_handled (handled_at);
    CREATE TABLE inbox_errors (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      grp TEXT NOT NULL,
      stage TEXT NOT NULL,
      error TEXT NOT NULL,
      message_id TEXT,
      type TEXT,
      file TEXT
    );
    CREATE INDEX inbox_errors_grp ON inbox_errors (grp, id);`
  }
]

/** Error stages of the inbox: the endpoint's, plus a file refused before it was read. */
export type InboxErrorStage = StoredError['stage'] | 'refused'

interface ErrorRow {
  id: number
  at: number
  grp: string
  stage: string
  error: string
  message_id: string | null
  type: string | null
  file: string | null
}

const STAGES = new Set(['invalid', 'handler', 'ack-timeout', 'send', 'refused'])

function toInboxError(r: ErrorRow): InboxError {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    group: r.grp,
    stage: (STAGES.has(r.stage) ? r.stage : 'invalid') as InboxError['stage'],
    error: r.error,
    messageId: r.message_id,
    type: r.type,
    file: r.file
  }
}

/** Handled ids are committed once per event-loop turn, or as soon as this many are waiting. */
const FLUSH_MAX = 256

interface Deferred {
  promise: Promise<void>
  resolve(): void
  reject(err: Error): void
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined
  let reject: (err: Error) => void = () => undefined
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined) // a batch nobody waits for must not be an unhandled rejection
  return { promise, resolve, reject }
}

/** Keeps at most this many error rows (the oldest go). */
const MAX_ERROR_ROWS = 10_000

export class InboxStore {
  private readonly cache = new MemoryDedupeStore(20_000)
  private readonly hasStmt: Database.Statement<[string], { n: number }>
  private readonly addStmt: Database.Statement<[string, string, number]>
  private readonly errStmt: Database.Statement<[number, string, string, string, string | null, string | null, string | null]>
  private errorsSincePrune = 0
  private readonly pending = new Map<string, { group: string; at: number }>()
  private flushTimer: NodeJS.Immediate | null = null
  private batch = deferred()
  private readonly insertMany: (batch: [string, { group: string; at: number }][]) => void

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now
  ) {
    this.hasStmt = db.prepare('SELECT 1 AS n FROM inbox_handled WHERE id = ?')
    this.addStmt = db.prepare('INSERT OR IGNORE INTO inbox_handled (id, grp, handled_at) VALUES (?, ?, ?)')
    this.insertMany = db.transaction((batch: [string, { group: string; at: number }][]) => {
      for (const [id, p] of batch) this.addStmt.run(id, p.group, p.at)
    })
    this.errStmt = db.prepare('INSERT INTO inbox_errors (at, grp, stage, error, message_id, type, file) VALUES (?, ?, ?, ?, ?, ?, ?)')
  }

  /** The de-duplication store of one group (ids are UUIDs: one table for every group). */
  dedupe(group: string): DedupeStore {
    return {
      has: (id) => this.cache.has(id) || this.pending.has(id) || this.hasStmt.get(id) !== undefined,
      add: (id) => {
        this.cache.add(id)
        this.pending.set(id, { group, at: this.now() })
        return this.committed()
      }
    }
  }

  /**
   * Handled ids are committed in groups (one transaction per event-loop turn, or per FLUSH_MAX ids,
   * instead of one per message: a commit costs more than handling a message here); add() resolves
   * once its id is committed, and the endpoint ACKs only then.
   */
  private committed(): Promise<void> {
    if (this.pending.size >= FLUSH_MAX) {
      const done = this.batch
      this.flush()
      return done.promise
    }
    this.flushTimer ??= setImmediate(() => this.flush())
    return this.batch.promise
  }

  /** Commits the handled ids not yet committed (also on close). */
  flush(): void {
    if (this.flushTimer !== null) clearImmediate(this.flushTimer)
    this.flushTimer = null
    const batch = this.batch
    this.batch = deferred()
    if (this.pending.size === 0) return batch.resolve()
    const rows = [...this.pending]
    this.pending.clear()
    try {
      this.insertMany(rows)
      batch.resolve()
    } catch (err) {
      batch.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** The error store of one group (list and count are that group's). */
  errors(group: string, onAdd?: (e: StoredError) => void): ErrorStore {
    return {
      add: (e) => {
        // Only a received frame that failed is kept in errors/ (not an answer that got no ACK).
        this.addError({ ...e, group }, e.stage === 'invalid' || e.stage === 'handler' ? `errors/${errorFileName(e)}` : null)
        onAdd?.(e)
      },
      list: (limit = 100) => this.listErrors(limit, group).map((r) => ({ at: Date.parse(r.at), stage: r.stage === 'refused' ? 'invalid' : r.stage, error: r.error, group: r.group, ...(r.messageId !== null ? { messageId: r.messageId } : {}), ...(r.type !== null ? { type: r.type } : {}) })),
      count: () => this.countErrors(group)
    }
  }

  /** Records an error; `file` defaults to the errors/ file name the inbox gives it. */
  addError(e: Omit<StoredError, 'stage'> & { stage: InboxErrorStage }, file: string | null = `errors/${errorFileName(e)}`): void {
    this.errStmt.run(e.at, e.group, e.stage, e.error.slice(0, 4000), e.messageId ?? null, e.type ?? null, file)
    if (++this.errorsSincePrune >= 500) {
      this.errorsSincePrune = 0
      this.db.prepare('DELETE FROM inbox_errors WHERE id <= (SELECT MAX(id) FROM inbox_errors) - ?').run(MAX_ERROR_ROWS)
    }
  }

  listErrors(limit: number, group?: string): InboxError[] {
    const rows =
      group === undefined
        ? (this.db.prepare('SELECT * FROM inbox_errors ORDER BY id DESC LIMIT ?').all(limit) as ErrorRow[])
        : (this.db.prepare('SELECT * FROM inbox_errors WHERE grp = ? ORDER BY id DESC LIMIT ?').all(group, limit) as ErrorRow[])
    return rows.map(toInboxError)
  }

  countErrors(group?: string): number {
    const row =
      group === undefined
        ? (this.db.prepare('SELECT COUNT(*) AS n FROM inbox_errors').get() as { n: number })
        : (this.db.prepare('SELECT COUNT(*) AS n FROM inbox_errors WHERE grp = ?').get(group) as { n: number })
    return row.n
  }

  /** Forgets handled ids older than the retention period; returns how many. */
  prune(retentionMs: number): number {
    return this.db.prepare('DELETE FROM inbox_handled WHERE handled_at < ?').run(this.now() - retentionMs).changes
  }
}
