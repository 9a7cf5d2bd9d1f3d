/**
 * An in-memory QueueBackend with the real semantics (claim order, fencing by status and
 * retry_count, answers written with the claim) for the poller's unit tests, plus switches to
 * simulate an unreachable database.
 */
import type { RequestCounts, RequestDetail, RequestsListResult } from '../../../src/shared/contract'
import type {
  AnswerAtOnce,
  ClaimedRow,
  CompleteResult,
  Completion,
  QueueBackend,
  RecoverResult,
  ResponseRow,
  RowState
} from '../../../src/main/ai-ipc/queue'
import { emptyCounts, lookEvery, type QueueFigures } from '../../../src/main/ai-ipc/queue'

export interface FakeRow {
  id: number
  type: string
  data: string | null
  priority: number
  /** 'claiming': locked by a claim that has not committed yet (others still read 'pending'). */
  status: 'pending' | 'claiming' | 'processing' | 'completed' | 'failed' | 'timeout' | 'cancelled'
  retryCount: number
  expiresAt: number | null
  updatedAt: number
  response: ResponseRow | null
}

export class FakeQueue implements QueueBackend {
  readonly driver = 'sqlite' as const
  readonly target = 'memory'
  maxResponseBytes = 65_535
  rows = new Map<number, FakeRow>()
  private nextId = 1
  /** When set, every call fails with this error (e.g. ECONNREFUSED). */
  down: (Error & { code?: string }) | null = null
  calls = { claim: 0, complete: 0, hasPending: 0, claimedRows: 0, answeredAtOnce: 0 }
  /**
   * Models a database round trip between a claim's SELECT and its COMMIT (MariaDB under READ
   * COMMITTED): until the commit, other writers see the claimed rows as still 'pending', so a
   * completion written meanwhile matches nothing — the race that dropped claimed rows.
   */
  claimCommitDelayMs = 0
  /** The next N completions of a row are reported as not applied although the row is untouched. */
  loseWrites = 0

  add(type: string, opts: Partial<Pick<FakeRow, 'data' | 'priority' | 'expiresAt' | 'retryCount' | 'status'>> = {}): number {
    const id = this.nextId++
    this.rows.set(id, {
      id,
      type,
      data: opts.data ?? '{}',
      priority: opts.priority ?? 5,
      status: opts.status ?? 'pending',
      retryCount: opts.retryCount ?? 0,
      expiresAt: opts.expiresAt ?? null,
      updatedAt: Date.now(),
      response: null
    })
    return id
  }

  private check(): void {
    if (this.down) throw this.down
  }

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  private claimable(): FakeRow[] {
    const now = Date.now()
    return [...this.rows.values()]
      .filter((r) => r.status === 'pending' && (r.expiresAt === null || r.expiresAt > now))
      .sort((a, b) => a.priority - b.priority || a.id - b.id)
  }

  /** Looks timed in the app (an in-process probe costs little). */
  waitForPending(maxWaitMs: number, everyMs: number): Promise<boolean> {
    return lookEvery(() => this.hasPending(), maxWaitMs, everyMs)
  }

  async hasPending(): Promise<boolean> {
    this.check()
    this.calls.hasPending++
    return this.claimable().length > 0
  }

  async claim(limit: number, answerAtOnce?: AnswerAtOnce): Promise<ClaimedRow[]> {
    this.check()
    this.calls.claim++
    const picked = this.claimable().slice(0, limit)
    // Locked by this claim (no other claim takes them), but not yet visibly 'processing'.
    for (const r of picked) r.status = this.claimCommitDelayMs > 0 ? 'claiming' : 'processing'
    const claimed: ClaimedRow[] = picked.map((r) => ({
      id: r.id,
      type: r.type,
      endpoint: null,
      data: r.data,
      priority: r.priority,
      retryCount: r.retryCount,
      correlationId: null,
      sourceNpc: null,
      sourceMap: null,
      expiresAt: r.expiresAt
    }))
    this.calls.claimedRows += claimed.length
    const answers = answerAtOnce && claimed.length > 0 ? answerAtOnce(claimed) : []
    if (this.claimCommitDelayMs > 0) await new Promise((r) => setTimeout(r, this.claimCommitDelayMs))
    for (const r of picked) {
      if (r.status === 'claiming') r.status = 'processing'
      r.updatedAt = Date.now()
    }
    this.calls.answeredAtOnce += answers.length
    this.apply(answers)
    return claimed
  }

  private apply(batch: Completion[]): CompleteResult {
    const applied: number[] = []
    const skipped: number[] = []
    for (const c of batch) {
      const r = this.rows.get(c.id)
      if (!r || r.status !== 'processing' || r.retryCount !== c.retryCount || (this.loseWrites > 0 && this.loseWrites-- > 0)) {
        skipped.push(c.id)
        continue
      }
      applied.push(c.id)
      r.updatedAt = Date.now()
      if (c.status === 'retry') {
        r.status = 'pending'
        r.retryCount++
      } else if (c.status === 'release') {
        r.status = 'pending'
      } else {
        r.status = c.status
        r.response = c.response
      }
    }
    return { applied, skipped }
  }

  async complete(batch: Completion[]): Promise<CompleteResult> {
    this.check()
    this.calls.complete++
    return this.apply(batch)
  }

  async peek(ids: number[]): Promise<Map<number, RowState>> {
    this.check()
    const out = new Map<number, RowState>()
    for (const id of ids) {
      const r = this.rows.get(id)
      if (r) out.set(id, { status: r.status === 'claiming' ? 'pending' : r.status, retryCount: r.retryCount })
    }
    return out
  }

  async touch(list: { id: number; retryCount: number }[]): Promise<void> {
    this.check()
    for (const t of list) {
      const r = this.rows.get(t.id)
      if (r && r.status === 'processing' && r.retryCount === t.retryCount) r.updatedAt = Date.now()
    }
  }

  async expire(): Promise<number> {
    this.check()
    let n = 0
    for (const r of this.rows.values()) {
      if (r.status === 'pending' && r.expiresAt !== null && r.expiresAt <= Date.now()) {
        r.status = 'timeout'
        n++
      }
    }
    return n
  }

  async recoverStuck(olderThanSeconds: number, maxRetries: number): Promise<RecoverResult> {
    this.check()
    const out = { reset: 0, failed: 0 }
    for (const r of this.rows.values()) {
      if (r.status !== 'processing' || r.updatedAt > Date.now() - olderThanSeconds * 1000) continue
      if (r.retryCount < maxRetries) {
        r.status = 'pending'
        r.retryCount++
        out.reset++
      } else {
        r.status = 'failed'
        out.failed++
      }
    }
    return out
  }

  async figures(): Promise<QueueFigures> {
    return { errored: 0, oldestPendingAt: null, recentWaits: [], timestampResolutionMs: 1 }
  }

  async counts(): Promise<RequestCounts> {
    const c = emptyCounts()
    for (const r of this.rows.values()) c[r.status === 'claiming' ? 'pending' : r.status]++
    return c
  }

  async maxId(): Promise<number | null> {
    return this.nextId > 1 ? this.nextId - 1 : null
  }

  async list(): Promise<RequestsListResult> {
    return { rows: [], nextBeforeId: null, total: 0, totalCapped: false }
  }

  async get(): Promise<RequestDetail | null> {
    return null
  }

  async retry(): Promise<number> {
    return 0
  }

  async cancel(ids: number[]): Promise<number> {
    let n = 0
    for (const id of ids) {
      const r = this.rows.get(id)
      if (r && (r.status === 'pending' || r.status === 'processing')) {
        r.status = 'cancelled'
        n++
      }
    }
    return n
  }

  async purge(): Promise<number> {
    return 0
  }

  async insert(): Promise<number> {
    return this.add('health_check')
  }

  status(id: number): FakeRow['status'] | undefined {
    return this.rows.get(id)?.status
  }
}
