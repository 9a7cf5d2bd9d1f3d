/**
 * The queue backend interface: what the poller and the Requests dashboard need from the
 * `ai_requests` / `ai_responses` tables, implemented once for MySQL/MariaDB (mysql-queue.ts) and
 * once for SQLite (sqlite-queue.ts) with the same semantics, so one test suite runs on both.
 *
 * Ownership rule ("fencing"): a poller owns a claimed row while it is `processing` with the
 * retry_count it was claimed with. Every write that finishes or releases a row checks both, so a
 * cancel (status changes) or a stuck-row recovery (retry_count changes) always wins over a late
 * completion, and a response is only ever inserted for a row this poller still owns.
 */
import type {
  AiRequestStatus,
  HttpStatusFilter,
  RequestCounts,
  RequestDetail,
  RequestsListResult,
  RequestSummary
} from '../../shared/contract'

export type QueueDriver = 'sqlite' | 'mysql'

/** A row as claimed: everything a handler needs. */
export interface ClaimedRow {
  id: number
  type: string
  endpoint: string | null
  data: string | null
  priority: number
  retryCount: number
  correlationId: string | null
  sourceNpc: string | null
  sourceMap: string | null
  /** Epoch ms; null when the row never expires. */
  expiresAt: number | null
}

export interface ResponseRow {
  data: string
  httpStatus: number
  error: string | null
  processingTimeMs: number
  /** Not stored: the handler answered from a template (counted in the per-handler stats). */
  fallback?: boolean
}

/** The end of one attempt at a claimed row. */
export type Completion =
  | { id: number; retryCount: number; status: 'completed' | 'failed'; response: ResponseRow }
  /** Back to pending with retry_count+1 (a retryable failure), no response. */
  | { id: number; retryCount: number; status: 'retry' }
  /** Back to pending unchanged (graceful stop before the handler ran or finished). */
  | { id: number; retryCount: number; status: 'release' }

/** See QueueBackend.claim. Only 'completed' / 'failed' completions are written. */
export type AnswerAtOnce = (rows: ClaimedRow[]) => Completion[]

export interface CompleteResult {
  /** Ids whose write took effect (the poller still owned them). */
  applied: number[]
  /** Ids no longer owned (cancelled, recovered, …): nothing was written for them. */
  skipped: number[]
}

export interface ListFilter {
  status?: AiRequestStatus[] | undefined
  type?: string | undefined
  npc?: string | undefined
  map?: string | undefined
  id?: number | undefined
  /** The answer's HTTP status class ('none' = no response row). */
  http?: HttpStatusFilter | undefined
  beforeId?: number | undefined
  limit: number
}

/** Queue health figures for the dashboard (read side; refreshed with the counts). */
export interface QueueFigures {
  /** Completed rows whose response has http_status >= 400. */
  errored: number
  /** created_at of the oldest pending row, epoch ms; null when none is pending. */
  oldestPendingAt: number | null
  /** Insert → answer (response created_at − request created_at) of the newest answers, newest first. */
  recentWaits: { answeredAt: number; waitMs: number }[]
  /** Resolution of the timestamps behind recentWaits. */
  timestampResolutionMs: number
}

/** How many of the newest answers QueueBackend.figures() reads for the insert → answer figures. */
export const RECENT_WAITS_LIMIT = 500

export interface NewRequest {
  type: string
  endpoint: string | null
  data: string | null
  priority: number
  expiresInSeconds: number | null
  sourceNpc: string | null
  sourceMap: string | null
}

export interface RowState {
  status: AiRequestStatus
  retryCount: number
}

export interface RecoverResult {
  reset: number
  failed: number
}

/** Cap for counting list totals. */
export const LIST_TOTAL_CAP = 10_000

export interface QueueBackend {
  readonly driver: QueueDriver
  /** "mysql://user@host:port/db" or the SQLite file path. */
  readonly target: string
  /** Largest response_data the table can hold (UTF-8 bytes). */
  readonly maxResponseBytes: number
  /** Connects, checks the server, creates the tables/indexes when missing. */
  open(): Promise<void>
  close(): Promise<void>

  /** Cheap probe: is there at least one claimable row? */
  hasPending(): Promise<boolean>
  /**
   * The idle poll: looks at once, then every `everyMs` (the poll interval); true as soon as a
   * claimable row is seen, false after about `maxWaitMs`. A backend that can wait in the database
   * does (MariaDB: one compound statement that checks and sleeps in the server), so an idle app
   * wakes about once per `maxWaitMs` instead of twice per interval, with the same cadence of looks.
   * Others time the looks in the app (`lookEvery`).
   */
  waitForPending(maxWaitMs: number, everyMs: number): Promise<boolean>
  /**
   * Claims up to `limit` pending, unexpired rows (priority, then age) and marks them processing.
   * `answerAtOnce`, when given, is called (synchronously, inside the claim transaction, at most
   * once) with the claimed rows; the completed/failed answers it returns — requests whose handler
   * answered synchronously — are written in the same commit, so those rows go straight from
   * pending to their final status: one transaction per request instead of two. The other rows
   * become processing. Returns every claimed row.
   */
  claim(limit: number, answerAtOnce?: AnswerAtOnce): Promise<ClaimedRow[]>
  /** Writes a batch of attempt results in one transaction, only for rows still owned. */
  complete(batch: Completion[]): Promise<CompleteResult>
  /** Status and retry_count of these rows (absent: no such row); to re-check answers that matched no row. */
  peek(ids: number[]): Promise<Map<number, RowState>>
  /** Refreshes updated_at of rows still owned (renews this poller's lease on them). */
  touch(rows: { id: number; retryCount: number }[]): Promise<void>
  /** Pending rows whose expires_at has passed → timeout. Returns how many. */
  expire(): Promise<number>
  /**
   * Rows `processing` whose updated_at (the lease) was not renewed for `olderThanSeconds` → pending
   * (retry_count+1), or failed with a response when retries are used up.
   */
  recoverStuck(olderThanSeconds: number, maxRetries: number): Promise<RecoverResult>

  counts(): Promise<RequestCounts>
  /** Errored count, oldest pending row, newest insert → answer times (see QueueFigures). */
  figures(): Promise<QueueFigures>
  maxId(): Promise<number | null>
  list(filter: ListFilter): Promise<RequestsListResult>
  get(id: number): Promise<RequestDetail | null>
  /** failed/timeout → pending with retry_count 0, a fresh expiry and no response. */
  retry(target: { ids: number[] } | { statuses: ('failed' | 'timeout')[] }): Promise<number>
  /** pending/processing → cancelled (as ai_db_cancel). */
  cancel(ids: number[]): Promise<number>
  purge(olderThanDays: number, statuses: AiRequestStatus[]): Promise<number>
  insert(req: NewRequest): Promise<number>
}

/** `waitForPending` timed in the app: `look()` now, then every `everyMs` until true or `maxWaitMs` passed. */
export function lookEvery(look: () => Promise<boolean>, maxWaitMs: number, everyMs: number): Promise<boolean> {
  const until = performance.now() + maxWaitMs
  return new Promise((resolve, reject) => {
    const once = (): void => {
      look().then((found) => {
        if (found || performance.now() + everyMs > until) resolve(found)
        else setTimeout(once, everyMs)
      }, reject)
    }
    once()
  })
}

/** ai_db_status() numbers. */
export function statusCode(status: AiRequestStatus | null): number {
  switch (status) {
    case 'pending':
      return 1
    case 'processing':
      return 2
    case 'completed':
      return 3
    case 'failed':
      return 4
    case 'timeout':
      return 5
    case 'cancelled':
      return 6
    default:
      return 0
  }
}

export function emptyCounts(): RequestCounts {
  return { pending: 0, processing: 0, completed: 0, failed: 0, timeout: 0, cancelled: 0 }
}

export type { RequestSummary }

/** The old service's shape for a 'failed' row: `{"error":true,"message":…,"timestamp":iso}`. */
export function failedResponse(message: string, processingTimeMs = 0): ResponseRow {
  return {
    data: JSON.stringify({ error: true, message, timestamp: new Date().toISOString() }),
    httpStatus: 500,
    error: message.slice(0, 500),
    processingTimeMs
  }
}

export const STUCK_EXHAUSTED_MESSAGE = 'Request was stuck in processing and its retries are used up'
