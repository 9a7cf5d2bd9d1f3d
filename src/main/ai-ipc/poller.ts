/**
 * The AI request poller: claims batches from a queue backend, runs them through the handlers
 * with at most `workerCount` in flight, and writes the answers back in batches.
 *
 * Pipeline (all in one event loop, no threads):
 * - claim: up to `claimsInFlight` claims at once; while claims come back full it claims again at
 *   once, POLL_INTERVAL_MS is only slept when a claim comes back short (the queue is drained).
 *   When idle, polling is one long-poll call (QueueBackend.waitForPending) that looks for a row
 *   every POLL_INTERVAL_MS — in the database itself on MariaDB — and returns on the first hit or
 *   after a second: the cadence of checks is kept while the app wakes about once a second. A
 *   claim transaction only runs on a hit.
 * - answers that need no upstream (health checks, validation errors, unknown types, oversized
 *   data: `AiHandler.precheck`) are decided inside the claim transaction and written in its own
 *   commit — they never wait for a worker, and such a row goes from pending to its final status
 *   in one commit.
 * - process: no handler starts before its claim has committed (an answer written on another
 *   connection before the claim's commit would find the row still `pending` and be lost). Then
 *   `workerCount` handlers at most run at once; claimed rows wait in one queue per handler family,
 *   served round-robin, and no family may hold more than `familyShare` of the workers, so a slow
 *   upstream (http_get) cannot starve the others (dialogue, async …).
 * - complete: the other answers are buffered and written in batches, one batch write at a time
 *   (flushesInFlight): while one is in flight the next answers accumulate, so batches grow with
 *   load. An answer whose write matched no row is re-checked: still ours → written again;
 *   cancelled → dropped (cancel wins); anything else → dropped with a warning. Never silent.
 * - retry: a retryable outcome keeps the row (still 'processing', ours) for a backoff delay,
 *   then releases it to 'pending' with retry_count+1; when retries are used up — or the backoff
 *   would outlive the row's expires_at — the exhausted response is written at once. Every write
 *   is fenced (queue.ts), so a cancel always wins.
 * - lease (`stuckAfterSeconds`, default 15 s): every row this poller holds has its updated_at
 *   renewed every third of the lease; any live poller recovers `processing` rows whose lease
 *   lapsed (a poller that crashed or was killed), so they are answered before the game's 30 s
 *   expiry.
 * - maintenance (1 s): expired pending rows → timeout; lease renewal; lapsed rows recovered.
 * - database down: claims pause, answers are kept and written once it answers again.
 * - stop: no more claims; unstarted rows are released, backoff rows released with +1, running
 *   handlers get until 1.5 s before `stopTimeoutMs` to finish (then their rows are released),
 *   answers are flushed — all within `stopTimeoutMs` (default 9 s: inside Docker's 10 s).
 *   `abandon()` (a second signal) releases what it can within a second.
 */
import { performance } from 'node:perf_hooks'
import type { AiRequestStatus } from '../../shared/contract'
import { backoffDelay } from '../../shared/backoff'
import { errorFields, type Logger } from '../logging/logger'
import { ThrottledLog } from '../logging/throttled-log'
import { checkPayloadSize } from './handlers/request-data'
import {
  settleNoHandler,
  settleOutcome,
  toAiRequest,
  type AiHandler,
  type HandlerContext,
  type HandlerOutcome,
  type Settlement
} from './handlers/types'
import { isConnectionError, isTransient } from './mysql-errors'
import type { ClaimedRow, Completion, QueueBackend } from './queue'
import { PollerStats } from './stats'

export interface PollerSettings {
  intervalMs: number
  batchSize: number
  workerCount: number
  maxRetries: number
  /**
   * The lease: rows held by a live poller are renewed every third of it; `processing` rows not
   * renewed for this long belong to a dead poller and are recovered by any live one.
   */
  stuckAfterSeconds: number
  statusEveryPolls: number
  /** First retry delay (doubles per retry, ±25 % jitter). Default 1000 ms. */
  retryBaseMs?: number
  /** Longest retry delay. Default 30 s (and never more than a third of the lease). */
  retryMaxMs?: number
  /** Everything stop() does fits in this. Default 9000 ms (Docker's stop timeout is 10 s). */
  stopTimeoutMs?: number
  /** Expiry sweep period. Default 1000 ms. */
  maintenanceEveryMs?: number
  /** Claims in flight at once (bounded by workerCount). Default 2. */
  claimsInFlight?: number
  /** Batch writes of answers in flight at once (answers accumulate meanwhile). Default 1. */
  flushesInFlight?: number
  /** request_data larger than this gets a validation error. Default 64 KiB. */
  maxRequestBytes?: number
  /**
   * Largest share of the workers one handler family may hold (0–1]. Default 0.75: with 32
   * workers a flood of slow http_get calls keeps at most 24, the other families always find 8.
   */
  familyShare?: number
  /** Log the "Final Statistics" block when stop() ends (default true; the ai-ipc service prints it in the app's block instead). */
  logFinalStats?: boolean
}

/** Looks a handler up by request type (the registry lower-cases it). */
export interface HandlerLookup {
  lookup(requestType: string): AiHandler | undefined
}

export interface CommittedRow {
  row: ClaimedRow
  status: 'completed' | 'failed'
  handler: string
  /** performance.now() of the claim's return and of the completion's commit. */
  claimedAt: number
  committedAt: number
}

export interface PollerHooks {
  /** Rows changed status (for the dashboard's throttled "changed" hint). */
  onChange?(statuses: AiRequestStatus[], rows: number): void
  /** Answers committed (benchmarks and tests measure with it). */
  onCommitted?(rows: CommittedRow[]): void
  /** The database became unreachable (error set) or reachable again (undefined). */
  onHealth?(error: string | undefined): void
}

type Phase = 'ready' | 'running' | 'backoff' | 'settled' | 'released'

interface Held {
  row: ClaimedRow
  phase: Phase
  handler: string
  family: Family | null
  claimedAt: number
  startedAt: number
  handlerMs: number
  touchedAt: number
  timer: NodeJS.Timeout | null
  /** Times an answer for this row was written again after matching no row. */
  rewrites: number
  /** The answer decided inside the claim transaction (no upstream needed). */
  answer?: Completion
}

interface Pending {
  completion: Completion
  held: Held
}

/** One handler family's queue of claimed rows waiting for a worker. */
interface Family {
  name: string
  handler: AiHandler
  queue: Held[]
  head: number
  active: number
}

const NO_HANDLER = '(no handler)'
/** Longest idle long poll (see probe()): the app wakes about once per this while idle. */
const IDLE_WAIT_MS = 1000
/** Checks while the database is unreachable: 100 ms, doubling, at most 2 s. */
const RECONNECT_BACKOFF = { baseMs: 100, maxMs: 2000, jitter: 0.2 }
/** A retry whose backoff would end this close to expires_at is answered now instead. */
const EXPIRY_MARGIN_MS = 1000

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function'
}

function isRetryableDbError(err: unknown): boolean {
  if (isTransient(err)) return true
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function queued(f: Family): number {
  return f.queue.length - f.head
}

export class Poller {
  readonly stats: PollerStats
  private readonly s: Required<PollerSettings>
  private readonly familyCap: number
  private running = false
  private stopping = false
  private readonly families = new Map<string, Family>()
  private familyOrder: Family[] = []
  private nextFamily = 0
  private readyTotal = 0
  private held = new Map<number, Held>()
  private results: Pending[] = []
  private active = 0
  private claims = 0
  private flushes = 0
  private flushScheduled = false
  private pollTimer: NodeJS.Timeout | null = null
  private sleeping = false
  private probing = false
  /** Starts false: the first poll is a claim (rows may be waiting since before the start). */
  private lastClaimEmpty = false
  private dbError: string | undefined
  private reconnectTimer: NodeJS.Timeout | null = null
  private reconnectAttempt = 0
  private maintenanceTimer: NodeJS.Timeout | null = null
  private maintaining = false
  private lastRecoverAt = -Infinity
  private batchesSinceStatus = 0
  private lastStatusAt = -Infinity
  private readonly throttled: ThrottledLog
  private readonly requestLog: ThrottledLog
  /** Bound once: the idle path allocates no closure per poll. */
  private readonly onPollTimer = (): void => {
    this.pollTimer = null
    this.sleeping = false
    this.pump()
  }

  constructor(
    private readonly backend: QueueBackend,
    private readonly handlers: HandlerLookup,
    private readonly ctx: HandlerContext,
    settings: PollerSettings,
    private readonly log: Logger,
    private readonly hooks: PollerHooks = {}
  ) {
    const leaseMs = settings.stuckAfterSeconds * 1000
    this.s = {
      retryBaseMs: 1000,
      retryMaxMs: 30_000,
      stopTimeoutMs: 9000,
      maintenanceEveryMs: 1000,
      claimsInFlight: 2,
      flushesInFlight: 1,
      maxRequestBytes: 64 * 1024,
      familyShare: 0.75,
      logFinalStats: true,
      ...settings
    }
    this.s.retryMaxMs = Math.max(1, Math.min(this.s.retryMaxMs, leaseMs / 3))
    this.s.claimsInFlight = Math.max(1, Math.min(this.s.claimsInFlight, this.s.workerCount))
    const share = Math.min(1, Math.max(0, this.s.familyShare))
    this.familyCap = Math.max(1, Math.min(this.s.workerCount, Math.floor(this.s.workerCount * share) || 1))
    this.stats = new PollerStats(ctx.startedAt)
    this.throttled = new ThrottledLog(log, 5000)
    this.requestLog = new ThrottledLog(log, 10_000)
  }

  get isRunning(): boolean {
    return this.running && !this.stopping
  }

  /** The database error that paused polling, if any. */
  get databaseError(): string | undefined {
    return this.dbError
  }

  /** Rows this poller owns right now. */
  get inFlight(): number {
    return this.held.size
  }

  /** Handlers running right now. */
  get activeWorkers(): number {
    return this.active
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.stopping = false
    this.maintenanceTimer = setInterval(() => void this.maintain(), this.s.maintenanceEveryMs)
    this.maintenanceTimer.unref()
    void this.maintain()
    this.pump()
  }

  // ---- claiming ------------------------------------------------------------------------------

  private get maxHeld(): number {
    return this.s.batchSize * (this.s.claimsInFlight + 2) + this.s.workerCount
  }

  private pump(): void {
    while (
      this.running &&
      !this.stopping &&
      this.dbError === undefined &&
      !this.sleeping &&
      !this.probing &&
      this.claims < this.s.claimsInFlight &&
      // Enough claimed rows wait for a worker already (slow handlers): do not hoard more.
      this.readyTotal < this.s.workerCount &&
      this.held.size + this.claims * this.s.batchSize < this.maxHeld
    ) {
      if (this.lastClaimEmpty) {
        // Idle: one probe at a time, and none while a claim is still out.
        if (this.claims === 0) this.probe()
        return
      }
      this.claims++
      void this.claimOnce()
    }
  }

  /**
   * The idle path: no transaction, no timer and no closure per poll — one long-poll call that
   * looks at once and then every POLL_INTERVAL_MS (in the database where it can), and returns
   * when a row appears or after IDLE_WAIT_MS. Only a hit runs the claim transaction.
   */
  private probe(): void {
    this.probing = true
    this.backend.waitForPending(IDLE_WAIT_MS, this.s.intervalMs).then(this.onProbe, this.onProbeError)
  }

  private readonly onProbe = (found: boolean): void => {
    this.probing = false
    this.stats.totals.polls++
    if (this.stopping || !this.running) return
    if (found) this.lastClaimEmpty = false
    this.pump()
  }

  private readonly onProbeError = (err: unknown): void => {
    this.probing = false
    if (this.stopping || !this.running) return
    this.onDbError(err, 'claim')
  }

  private async claimOnce(): Promise<void> {
    let rows: ClaimedRow[]
    const fresh: Held[] = []
    const startedAt = performance.now()
    try {
      rows = await this.backend.claim(this.s.batchSize, (claimed) => this.startClaimed(claimed, fresh))
    } catch (err) {
      this.claims--
      // The claim was rolled back: its rows are pending again. None of them was started (no
      // handler runs before the commit), so they are simply forgotten.
      for (const h of fresh) this.forget(h)
      this.onDbError(err, 'claim')
      return
    }
    this.claims--
    this.stats.totals.polls++
    if (rows.length > 0) {
      this.stats.totals.batches++
      const atOnce: Pending[] = []
      for (const h of fresh) {
        if (h.phase === 'settled') atOnce.push({ completion: h.answer!, held: h })
        else if (h.phase === 'ready') this.enqueue(h)
      }
      this.hooks.onChange?.(['pending', 'processing'], rows.length)
      if (atOnce.length > 0) this.committed(atOnce, atOnce.map((p) => p.completion.id))
      this.statusTick()
      this.drain()
    }
    if (this.stopping) {
      // Rows claimed while stop() was waiting for this claim: release them.
      this.releaseReady()
      return
    }
    if (rows.length >= this.s.batchSize) {
      this.lastClaimEmpty = false
      this.pump()
    } else if (rows.length > 0) {
      // Short: the queue is drained for now; the next claim starts one interval after this one
      // started (the cadence is POLL_INTERVAL_MS between looks, not the interval plus a claim).
      this.lastClaimEmpty = false
      this.sleep(Math.max(0, this.s.intervalMs - (performance.now() - startedAt)))
    } else {
      // Empty: from now on idle probes, the first one look an interval after this claim started.
      this.lastClaimEmpty = true
      this.sleep(Math.max(0, this.s.intervalMs - (performance.now() - startedAt)))
    }
  }

  /**
   * Inside the claim transaction (synchronously): decides the answers that need no upstream
   * (payload too large, no handler, the handler's precheck) — written in the claim's own commit —
   * and keeps the other rows for the workers, which start only after the commit.
   */
  private startClaimed(claimed: ClaimedRow[], fresh: Held[]): Completion[] {
    const now = performance.now()
    const nowMs = this.ctx.now()
    const answers: Completion[] = []
    for (const row of claimed) {
      const h: Held = { row, phase: 'ready', handler: NO_HANDLER, family: null, claimedAt: now, startedAt: now, handlerMs: 0, touchedAt: now, timer: null, rewrites: 0 }
      this.held.set(row.id, h)
      fresh.push(h)
      let settlement: Settlement | null = null
      const tooLarge = checkPayloadSize(row.data, this.s.maxRequestBytes)
      const handler = this.handlers.lookup(row.type)
      if (handler) h.handler = handler.name
      if (tooLarge) {
        settlement = settleOutcome(tooLarge, { retriesLeft: false, nowMs })
      } else if (!handler) {
        settlement = settleNoHandler(row.type, nowMs)
      } else if (handler.precheck) {
        let out: HandlerOutcome | undefined
        try {
          out = handler.precheck(toAiRequest(row), this.ctx)
        } catch (err) {
          out = { kind: 'failed', message: `Handler ${handler.name} failed: ${message(err)}` }
        }
        if (out !== undefined) settlement = settleOutcome(out, { retriesLeft: false, nowMs })
      }
      if (settlement === null || settlement.status === 'retry') {
        // Needs its handler (a retryable precheck answer is left to the handler and its retries).
        if (handler) h.family = this.family(handler)
        continue
      }
      this.noteOutcome(h, settlement)
      const c = this.toCompletion(h, settlement)
      h.phase = 'settled'
      h.answer = c
      answers.push(c)
    }
    return answers
  }

  private sleep(ms: number): void {
    if (this.sleeping || this.stopping) return
    this.sleeping = true
    this.pollTimer = setTimeout(this.onPollTimer, ms)
  }

  private statusTick(): void {
    this.batchesSinceStatus++
    const now = performance.now()
    if (this.batchesSinceStatus >= this.s.statusEveryPolls && now - this.lastStatusAt >= 1000) {
      this.batchesSinceStatus = 0
      this.lastStatusAt = now
      this.log.info(this.stats.statusLine())
    }
  }

  // ---- processing ----------------------------------------------------------------------------

  private family(handler: AiHandler): Family {
    let f = this.families.get(handler.name)
    if (!f) {
      f = { name: handler.name, handler, queue: [], head: 0, active: 0 }
      this.families.set(handler.name, f)
      this.familyOrder.push(f)
    }
    return f
  }

  private enqueue(h: Held): void {
    h.family!.queue.push(h)
    this.readyTotal++
  }

  /** Next waiting row, round-robin over the families that are under their share of workers. */
  private nextReady(): Held | undefined {
    const order = this.familyOrder
    for (let i = 0; i < order.length; i++) {
      const f = order[(this.nextFamily + i) % order.length]!
      if (queued(f) === 0 || f.active >= this.familyCap) continue
      this.nextFamily = (this.nextFamily + i + 1) % order.length
      const h = f.queue[f.head++]!
      if (f.head === f.queue.length) {
        f.queue = []
        f.head = 0
      } else if (f.head > 256 && f.head * 2 > f.queue.length) {
        f.queue = f.queue.slice(f.head)
        f.head = 0
      }
      this.readyTotal--
      return h
    }
    return undefined
  }

  private drain(): void {
    // Once stopping, no new handler starts: waiting rows are released instead.
    while (!this.stopping && this.active < this.s.workerCount && this.readyTotal > 0) {
      const h = this.nextReady()
      if (!h) break
      if (h.phase === 'ready') this.run(h)
    }
    this.pump()
  }

  private run(h: Held): void {
    const f = h.family!
    h.phase = 'running'
    h.startedAt = performance.now()
    this.active++
    f.active++
    let out: HandlerOutcome | Promise<HandlerOutcome>
    try {
      out = f.handler.handle(toAiRequest(h.row), this.ctx)
    } catch (err) {
      out = { kind: 'failed', message: `Handler ${f.name} failed: ${message(err)}` }
    }
    if (isPromise(out)) {
      out.then(
        (o) => this.finish(h, o),
        (err: unknown) => this.finish(h, { kind: 'failed', message: `Handler ${f.name} failed: ${message(err)}` })
      )
    } else {
      this.finish(h, out)
    }
  }

  /** A handler returned. */
  private finish(h: Held, outcome: HandlerOutcome): void {
    this.active--
    h.family!.active--
    if (h.phase === 'running') {
      h.handlerMs = performance.now() - h.startedAt
      const nowMs = this.ctx.now()
      let settlement = settleOutcome(outcome, { retriesLeft: h.row.retryCount < this.s.maxRetries, nowMs })
      let delay = 0
      if (settlement.status === 'retry') {
        delay = this.backoffDelay(h.row.retryCount)
        const expiresAt = h.row.expiresAt
        if (expiresAt !== null && nowMs + delay >= expiresAt - EXPIRY_MARGIN_MS) {
          // The row would expire while it waits: answer now, while the script still listens.
          settlement = settleOutcome(
            outcome.kind === 'retryable' ? { ...outcome, message: `${outcome.message} (no time left to retry before the request expires)` } : outcome,
            { retriesLeft: false, nowMs }
          )
        }
      }
      this.noteOutcome(h, settlement)
      this.settle(h, settlement, delay)
    }
    // else: released by stop() while running; the late result is dropped.
    if (this.readyTotal > 0) this.drain()
  }

  /** Logs what a script's author or an operator needs to see (rate-limited per kind and type). */
  private noteOutcome(h: Held, s: Settlement): void {
    const { id, type } = h.row
    if (s.status === 'retry') {
      this.requestLog.warn(`retry:${type}`, `request ${id} (${type}) failed and will be retried: ${s.message}`, { id, type, retry: h.row.retryCount + 1 })
      return
    }
    const r = s.response
    if (s.status === 'failed') {
      this.requestLog.warn(`failed:${type}`, `request ${id} (${type}) failed: ${r.error ?? 'no handler'}`, { id, type, httpStatus: r.httpStatus })
    } else if (r.httpStatus === 400) {
      this.requestLog.warn(`refused:${type}`, `request ${id} (${type}) refused: ${r.error ?? ''}`, { id, type })
    } else if (r.httpStatus >= 500 && r.data.includes('"retries_exhausted":true')) {
      this.requestLog.warn(`exhausted:${type}`, `request ${id} (${type}) answered with an error, retries used up: ${r.error ?? ''}`, { id, type, httpStatus: r.httpStatus })
    } else if (r.httpStatus >= 500) {
      this.requestLog.warn(`upstream:${type}`, `request ${id} (${type}) answered with upstream HTTP ${r.httpStatus}`, { id, type, httpStatus: r.httpStatus })
    }
  }

  private toCompletion(h: Held, s: Extract<Settlement, { status: 'completed' | 'failed' }>): Completion {
    const { id, retryCount } = h.row
    let response = { ...s.response, processingTimeMs: Math.round(h.handlerMs) }
    let status = s.status
    const max = this.backend.maxResponseBytes
    if (response.data.length * 3 > max) {
      const bytes = Buffer.byteLength(response.data, 'utf8')
      if (bytes > max) {
        const error = `Response too large: ${bytes} bytes (the ai_responses table holds at most ${max})`
        response = { data: JSON.stringify({ status: 'error', error, code: 500 }), httpStatus: 500, error, processingTimeMs: response.processingTimeMs }
        status = 'completed'
      }
    }
    return { id, retryCount, status, response }
  }

  private settle(h: Held, s: Settlement, delay: number): void {
    const { id, retryCount } = h.row
    if (s.status === 'retry') {
      h.phase = 'backoff'
      this.log.debug('request will be retried', { id, type: h.row.type, retry: retryCount + 1, delayMs: Math.round(delay), error: s.message })
      h.timer = setTimeout(() => {
        h.timer = null
        if (h.phase !== 'backoff') return
        h.phase = 'settled'
        this.push({ completion: { id, retryCount, status: 'retry' }, held: h })
      }, delay)
      return
    }
    h.phase = 'settled'
    this.push({ completion: this.toCompletion(h, s), held: h })
  }

  private backoffDelay(retryCount: number): number {
    return backoffDelay(retryCount, { baseMs: this.s.retryBaseMs, maxMs: this.s.retryMaxMs, jitter: 0.25 })
  }

  // ---- completing ----------------------------------------------------------------------------

  private push(p: Pending): void {
    this.results.push(p)
    this.scheduleFlush()
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  private flush(): void {
    if (this.dbError !== undefined) return
    const maxRows = Math.min(2000, Math.max(this.s.batchSize * 4, 500))
    while (this.results.length > 0 && this.flushes < this.s.flushesInFlight) {
      const batch = this.results.length <= maxRows ? this.results : this.results.slice(0, maxRows)
      this.results = this.results.length <= maxRows ? [] : this.results.slice(maxRows)
      this.flushes++
      void this.flushBatch(batch)
    }
  }

  private async flushBatch(batch: Pending[]): Promise<void> {
    try {
      const res = await this.backend.complete(batch.map((p) => p.completion))
      await this.committedOrRecheck(batch, res.applied)
    } catch (err) {
      if (isRetryableDbError(err)) {
        this.results = batch.concat(this.results)
        this.onDbError(err, 'complete')
      } else {
        await this.flushOneByOne(batch, err)
      }
    } finally {
      this.flushes--
      if (this.results.length > 0) this.scheduleFlush()
    }
  }

  /**
   * Answers that matched no row are never forgotten silently: the row is looked up. Still ours
   * (processing, same retry_count: the write raced something) → written again (twice at most);
   * cancelled → dropped, the cancel wins; anything else → dropped with a warning naming it.
   */
  private async committedOrRecheck(batch: Pending[], appliedIds: number[]): Promise<void> {
    if (appliedIds.length === batch.length) {
      this.committed(batch, appliedIds)
      return
    }
    const applied = new Set(appliedIds)
    const missed = batch.filter((p) => !applied.has(p.completion.id))
    let states: Map<number, { status: AiRequestStatus; retryCount: number }>
    try {
      states = await this.backend.peek(missed.map((p) => p.completion.id))
    } catch (err) {
      if (isRetryableDbError(err)) {
        // Cannot tell yet: the applied ones are done, the others are written again later.
        this.committed(batch.filter((p) => applied.has(p.completion.id)), appliedIds)
        this.results.push(...missed)
        this.onDbError(err, 'complete')
        return
      }
      states = new Map()
    }
    const again: Pending[] = []
    for (const p of missed) {
      const c = p.completion
      const now = states.get(c.id)
      if (now && now.status === 'processing' && now.retryCount === c.retryCount && p.held.rewrites < 2) {
        p.held.rewrites++
        this.log.warn(`the answer for request ${c.id} matched no row although the row is still ours; writing it again`, { id: c.id, status: c.status })
        again.push(p)
      } else if (now?.status === 'cancelled') {
        this.log.debug(`request ${c.id} was cancelled while it was processed; its answer is dropped`, { id: c.id })
      } else if (c.status !== 'release') {
        this.log.warn(
          now
            ? `the answer for request ${c.id} was dropped: the row is now ${now.status} (retry_count ${now.retryCount}, this poller claimed it at ${c.retryCount})`
            : `the answer for request ${c.id} was dropped: the row no longer exists`,
          { id: c.id, status: c.status }
        )
      }
    }
    this.committed(
      batch.filter((p) => !again.includes(p)),
      appliedIds
    )
    if (again.length > 0) {
      for (const p of again) this.held.set(p.completion.id, p.held)
      this.results.push(...again)
      this.scheduleFlush()
    }
  }

  /** A batch failed for a reason other than the connection: isolate the row(s) that cannot be written. */
  private async flushOneByOne(batch: Pending[], batchError: unknown): Promise<void> {
    this.throttled.write('error', 'complete', 'writing a batch of answers failed; writing them one by one', errorFields(batchError))
    for (const p of batch) {
      try {
        await this.committedOrRecheck([p], (await this.backend.complete([p.completion])).applied)
        continue
      } catch (err) {
        if (isRetryableDbError(err)) {
          this.results.push(p)
          this.onDbError(err, 'complete')
          continue
        }
        const c = p.completion
        if (c.status === 'completed' || c.status === 'failed') {
          const msg = `The answer could not be stored: ${message(err)}`.slice(0, 480)
          const fallback: Completion = {
            id: c.id,
            retryCount: c.retryCount,
            status: 'failed',
            response: { data: JSON.stringify({ error: true, message: msg, timestamp: new Date().toISOString() }), httpStatus: 500, error: msg, processingTimeMs: c.response.processingTimeMs }
          }
          try {
            this.committed([{ completion: fallback, held: p.held }], (await this.backend.complete([fallback])).applied)
            continue
          } catch (err2) {
            this.log.error('could not store an answer; the row is recovered when its lease lapses', { id: c.id, ...errorFields(err2) })
          }
        } else {
          this.log.error('could not release a row; it is recovered when its lease lapses', { id: c.id, ...errorFields(err) })
        }
        this.held.delete(c.id)
      }
    }
  }

  private committed(batch: Pending[], appliedIds: number[]): void {
    const applied = new Set(appliedIds)
    const now = performance.now()
    const nowMs = Date.now()
    const done: CommittedRow[] = []
    const statuses = new Set<AiRequestStatus>(['processing'])
    for (const p of batch) {
      const h = p.held
      const c = p.completion
      if (this.held.get(c.id) === h) this.held.delete(c.id)
      if (!applied.has(c.id)) {
        if (c.status !== 'release') this.stats.totals.cancelledInFlight++
        continue
      }
      if (c.status === 'completed' || c.status === 'failed') {
        this.stats.answered(h.handler, c.status, h.handlerMs, now - h.claimedAt, nowMs, {
          id: c.id,
          httpStatus: c.response.httpStatus,
          error: c.response.error,
          fallback: c.response.fallback === true
        })
        statuses.add(c.status)
        done.push({ row: h.row, status: c.status, handler: h.handler, claimedAt: h.claimedAt, committedAt: now })
      } else {
        if (c.status === 'retry') this.stats.retried(h.handler)
        statuses.add('pending')
      }
    }
    this.hooks.onChange?.([...statuses], batch.length)
    if (done.length > 0) this.hooks.onCommitted?.(done)
    this.pump()
  }

  private forget(h: Held): void {
    if (h.phase === 'ready' || h.phase === 'settled') h.phase = 'released'
    if (this.held.get(h.row.id) === h) this.held.delete(h.row.id)
  }

  // ---- database health -----------------------------------------------------------------------

  private onDbError(err: unknown, op: string): void {
    if (isConnectionError(err)) {
      if (this.dbError === undefined) {
        this.dbError = `database unreachable: ${message(err)}`
        this.log.warn('database unreachable; polling paused until it answers again', { op, ...errorFields(err) })
        this.hooks.onHealth?.(this.dbError)
      }
      this.scheduleReconnect()
      return
    }
    this.throttled.write('error', op, `${op} failed`, errorFields(err))
    if (op === 'claim') this.sleep(Math.max(this.s.intervalMs, 200))
    else if (op === 'complete') setTimeout(() => this.scheduleFlush(), 50).unref()
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || !this.running) return
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      this.backend.hasPending().then(
        () => {
          this.log.info('database reachable again; polling resumed')
          this.dbError = undefined
          this.reconnectAttempt = 0
          this.lastClaimEmpty = false
          this.hooks.onHealth?.(undefined)
          this.scheduleFlush()
          this.pump()
        },
        () => {
          this.reconnectAttempt++
          this.scheduleReconnect()
        }
      )
    }, backoffDelay(this.reconnectAttempt, RECONNECT_BACKOFF))
  }

  // ---- maintenance ---------------------------------------------------------------------------

  private async maintain(): Promise<void> {
    if (this.maintaining || !this.running || this.stopping || this.dbError !== undefined) return
    this.maintaining = true
    try {
      const leaseMs = this.s.stuckAfterSeconds * 1000
      const now = performance.now()
      // Renew the lease of every row we hold (running, waiting for a worker, in backoff, or
      // answered but not yet written), so no live poller takes them for a dead poller's.
      if (this.held.size > 0) {
        const stale: { id: number; retryCount: number }[] = []
        const touched: Held[] = []
        for (const h of this.held.values()) {
          if (now - h.touchedAt >= leaseMs / 3) {
            stale.push({ id: h.row.id, retryCount: h.row.retryCount })
            touched.push(h)
          }
        }
        if (stale.length > 0) {
          await this.backend.touch(stale)
          for (const h of touched) h.touchedAt = now
        }
      }
      const expired = await this.backend.expire()
      if (expired > 0) {
        this.stats.totals.expired += expired
        this.hooks.onChange?.(['pending', 'timeout'], expired)
        this.requestLog.warn('expired', `${expired} pending request(s) expired unanswered (past their expires_at)`, { expired })
      }
      // Lapsed leases: checked every fifth of the lease (at least every 1 s, at most every 10 s),
      // so a dead poller's rows are back in the queue within ~1.2 leases.
      if (now - this.lastRecoverAt >= Math.min(10_000, Math.max(1000, leaseMs / 5))) {
        this.lastRecoverAt = now
        const r = await this.backend.recoverStuck(this.s.stuckAfterSeconds, this.s.maxRetries)
        if (r.reset + r.failed > 0) {
          this.stats.totals.recovered += r.reset + r.failed
          this.hooks.onChange?.(['processing', 'pending', 'failed'], r.reset + r.failed)
          this.log.warn(
            `recovered ${r.reset + r.failed} request(s) whose poller stopped renewing them for ${this.s.stuckAfterSeconds} s: ` +
              `${r.reset} back to pending, ${r.failed} failed (retries used up)`
          )
          this.lastClaimEmpty = false
        }
      }
    } catch (err) {
      if (isConnectionError(err)) this.onDbError(err, 'maintenance')
      else this.throttled.write('error', 'maintenance', 'queue maintenance failed', errorFields(err))
    } finally {
      this.maintaining = false
    }
  }

  // ---- stopping ------------------------------------------------------------------------------

  /** Rows waiting for a worker go back to pending unchanged. */
  private releaseReady(): void {
    for (const f of this.familyOrder) {
      for (let i = f.head; i < f.queue.length; i++) {
        const h = f.queue[i]!
        if (h.phase !== 'ready') continue
        h.phase = 'settled'
        this.results.push({ completion: { id: h.row.id, retryCount: h.row.retryCount, status: 'release' }, held: h })
      }
      f.queue = []
      f.head = 0
    }
    this.readyTotal = 0
    this.scheduleFlush()
  }

  private beginStop(): void {
    this.stopping = true
    if (this.pollTimer) clearTimeout(this.pollTimer)
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer)
    this.pollTimer = null
    this.maintenanceTimer = null
    this.sleeping = false
  }

  /** Stops claiming, finishes or releases in-flight rows and writes every answer it can. */
  async stop(): Promise<void> {
    if (!this.running || this.stopping) return
    this.beginStop()
    const t0 = performance.now()
    const deadline = t0 + this.s.stopTimeoutMs
    // Handlers get all but the last 1.5 s (or a sixth of a short budget): answers and releases
    // must still be written before the deadline.
    const handlersUntil = deadline - Math.min(1500, this.s.stopTimeoutMs / 6)
    await this.until(() => this.claims === 0 && !this.maintaining, handlersUntil)
    this.releaseReady()
    for (const h of this.held.values()) {
      if (h.phase === 'backoff') {
        if (h.timer) clearTimeout(h.timer)
        h.timer = null
        h.phase = 'settled'
        this.results.push({ completion: { id: h.row.id, retryCount: h.row.retryCount, status: 'retry' }, held: h })
      }
    }
    this.scheduleFlush()
    await this.until(() => this.active === 0, handlersUntil)
    this.releaseRunning()
    await this.until(() => this.results.length === 0 && this.flushes === 0, deadline)
    this.finishStop()
  }

  private releaseRunning(): void {
    let n = 0
    for (const h of this.held.values()) {
      if (h.phase === 'running') {
        h.phase = 'released'
        n++
        this.results.push({ completion: { id: h.row.id, retryCount: h.row.retryCount, status: 'release' }, held: h })
      }
    }
    if (n > 0) this.log.warn(`${n} request(s) still running at shutdown were released for another poller`)
    this.scheduleFlush()
  }

  private finishStop(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    if (this.held.size > 0) {
      this.log.warn(`${this.held.size} request(s) could not be written back; a live poller recovers them when their lease lapses (${this.s.stuckAfterSeconds} s)`)
    }
    this.running = false
    if (this.s.logFinalStats) for (const line of this.stats.finalLines()) this.log.info(line)
  }

  /**
   * Exit at once (a second signal): releases every row not yet answered in one write, waiting
   * at most `withinMs` for it, and keeps answers already decided when they fit in the same write.
   */
  async abandon(withinMs = 1000): Promise<void> {
    if (!this.running) return
    this.beginStop()
    const deadline = performance.now() + withinMs
    this.releaseReady()
    for (const h of this.held.values()) {
      if (h.phase === 'backoff' || h.phase === 'running') {
        if (h.timer) clearTimeout(h.timer)
        h.timer = null
        h.phase = 'released'
        this.results.push({ completion: { id: h.row.id, retryCount: h.row.retryCount, status: 'release' }, held: h })
      }
    }
    this.scheduleFlush()
    await this.until(() => this.results.length === 0 && this.flushes === 0, deadline)
    this.finishStop()
  }

  private async until(done: () => boolean, deadline: number): Promise<void> {
    while (!done() && performance.now() < deadline) {
      if (this.dbError !== undefined) this.scheduleReconnect()
      await new Promise((r) => setTimeout(r, 5))
    }
  }
}
