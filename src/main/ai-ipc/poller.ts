/**
 * The AI request poller: claims batches from a queue backend, runs them through the handlers
 * with at most `workerCount` in flight, and writes the answers back in batches.
 *
 * Pipeline (all in one event loop, no threads):
 * - claim: up to `claimsInFlight` claims at once; while claims come back full it claims again at
 *   once, POLL_INTERVAL_MS is only slept when a claim comes back short (the queue is drained).
 *   When idle, each poll is one cheap indexed probe; a claim transaction only runs when it hits;
 *   after 2 s without work short intervals are stretched a little (idleIntervalMs).
 *   Claimed rows wait in a small local queue: no new claim while `workerCount` rows already wait
 *   for a worker, so slow handlers never hoard rows other pollers could take.
 * - process: `workerCount` handlers at most run at once. Handlers that answer synchronously
 *   (health checks, validation errors, unknown types) are answered inside the claim transaction
 *   itself: such a row goes from pending to completed in one commit.
 * - complete: the other answers are buffered and written in batches, one batch write at a time
 *   (flushesInFlight): while one is in flight the next answers accumulate, so batches grow with
 *   load.
 * - retry: a retryable outcome keeps the row (still 'processing', ours) for a backoff delay,
 *   then releases it to 'pending' with retry_count+1; when retries are used up → the exhausted
 *   response. Every write is fenced (queue.ts), so a cancel always wins.
 * - maintenance (1 s): expired pending rows → timeout; stuck rows → recovered; rows held longer
 *   than a third of the stuck threshold get their updated_at refreshed.
 * - database down: claims pause, answers are kept and written once it answers again.
 * - stop: no more claims; unstarted rows are released, backoff rows released with +1, running
 *   handlers get `stopTimeoutMs` to finish (then their rows are released), answers are flushed.
 */
import { performance } from 'node:perf_hooks'
import type { AiRequestStatus } from '../../shared/contract'
import { errorFields, type Logger } from '../logging/logger'
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
  stuckAfterSeconds: number
  statusEveryPolls: number
  /** First retry delay (doubles per retry, ±25 % jitter). Default 1000 ms. */
  retryBaseMs?: number
  /** Longest retry delay. Default 30 s (and never more than a third of the stuck threshold). */
  retryMaxMs?: number
  /** How long stop() lets running handlers finish before releasing their rows. Default 10 s. */
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
   * Poll interval once the queue has been empty for 2 s (adaptive idle backoff: fewer wake-ups
   * while nothing happens; steady traffic never triggers it). Default 4 × intervalMs, at most
   * 40 ms, never below intervalMs — so intervals of 40 ms and more are never stretched.
   */
  idleIntervalMs?: number
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
  claimedAt: number
  startedAt: number
  handlerMs: number
  touchedAt: number
  timer: NodeJS.Timeout | null
}

interface Pending {
  completion: Completion
  held: Held
}

const NO_HANDLER = '(no handler)'
/** The queue counts as idle (see idleIntervalMs) after this long without a claimed row. */
const IDLE_AFTER_MS = 2000

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

export class Poller {
  readonly stats: PollerStats
  private readonly s: Required<PollerSettings>
  private running = false
  private stopping = false
  private ready: Held[] = []
  private readyHead = 0
  private held = new Map<number, Held>()
  private results: Pending[] = []
  private active = 0
  private claims = 0
  private flushes = 0
  private flushScheduled = false
  private pollTimer: NodeJS.Timeout | null = null
  private sleeping = false
  private lastClaimEmpty = true
  private lastWorkAt = performance.now()
  private dbError: string | undefined
  private reconnectTimer: NodeJS.Timeout | null = null
  private reconnectDelay = 100
  private maintenanceTimer: NodeJS.Timeout | null = null
  private maintaining = false
  private lastRecoverAt = -Infinity
  private batchesSinceStatus = 0
  private lastStatusAt = -Infinity
  private lastErrorLog = new Map<string, number>()
  /** While a claim transaction is open: its rows, and where their synchronous answers go. */
  private capture: { own: Set<Held>; into: Pending[] } | null = null

  constructor(
    private readonly backend: QueueBackend,
    private readonly handlers: HandlerLookup,
    private readonly ctx: HandlerContext,
    settings: PollerSettings,
    private readonly log: Logger,
    private readonly hooks: PollerHooks = {}
  ) {
    const stuckMs = settings.stuckAfterSeconds * 1000
    this.s = {
      retryBaseMs: 1000,
      retryMaxMs: 30_000,
      stopTimeoutMs: 10_000,
      maintenanceEveryMs: 1000,
      claimsInFlight: 2,
      flushesInFlight: 1,
      maxRequestBytes: 64 * 1024,
      idleIntervalMs: Math.max(settings.intervalMs, Math.min(40, settings.intervalMs * 4)),
      ...settings
    }
    this.s.retryMaxMs = Math.max(1, Math.min(this.s.retryMaxMs, stuckMs / 3))
    this.s.claimsInFlight = Math.max(1, Math.min(this.s.claimsInFlight, this.s.workerCount))
    this.stats = new PollerStats(ctx.startedAt)
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

  private readyCount(): number {
    return this.ready.length - this.readyHead
  }

  private pump(): void {
    while (
      this.running &&
      !this.stopping &&
      this.dbError === undefined &&
      !this.sleeping &&
      this.claims < this.s.claimsInFlight &&
      // Enough claimed rows wait for a worker already (slow handlers): do not hoard more.
      this.readyCount() < this.s.workerCount &&
      this.held.size + this.claims * this.s.batchSize < this.maxHeld
    ) {
      this.claims++
      void this.claimOnce()
    }
  }

  private async claimOnce(): Promise<void> {
    let rows: ClaimedRow[]
    const fresh: Held[] = []
    const atOnce: Pending[] = []
    try {
      if (this.lastClaimEmpty && !(await this.backend.hasPending())) rows = []
      else rows = await this.backend.claim(this.s.batchSize, (claimed) => this.startClaimed(claimed, fresh, atOnce))
    } catch (err) {
      this.claims--
      // The claim was rolled back: its rows are pending again. Forget the ones not started; a
      // handler already running will find its row gone (fenced) when it answers.
      for (const h of fresh) {
        if (h.phase === 'running') continue
        h.phase = 'released'
        if (this.held.get(h.row.id) === h) this.held.delete(h.row.id)
      }
      this.onDbError(err, 'claim')
      return
    }
    this.claims--
    this.stats.totals.polls++
    if (rows.length > 0) {
      this.lastWorkAt = performance.now()
      this.stats.totals.batches++
      this.hooks.onChange?.(['pending', 'processing'], rows.length)
      if (atOnce.length > 0) this.committed(atOnce, atOnce.map((p) => p.completion.id))
      this.statusTick()
      this.drain()
    }
    if (this.stopping) return
    if (rows.length >= this.s.batchSize) {
      this.lastClaimEmpty = false
      this.pump()
    } else {
      this.lastClaimEmpty = rows.length === 0
      const idle = rows.length === 0 && performance.now() - this.lastWorkAt > IDLE_AFTER_MS && this.held.size === 0
      this.sleep(idle ? this.s.idleIntervalMs : this.s.intervalMs)
    }
  }

  /**
   * Inside the claim transaction: takes the claimed rows and starts as many as there are free
   * workers. Handlers that answer synchronously (health checks, validation errors, unknown
   * types) are answered in the claim's own commit; the rest wait in the local queue.
   */
  private startClaimed(claimed: ClaimedRow[], fresh: Held[], atOnce: Pending[]): Completion[] {
    const now = performance.now()
    const own = new Set<Held>()
    for (const row of claimed) {
      const h: Held = { row, phase: 'ready', handler: NO_HANDLER, claimedAt: now, startedAt: now, handlerMs: 0, touchedAt: now, timer: null }
      this.held.set(row.id, h)
      fresh.push(h)
      own.add(h)
    }
    this.capture = { own, into: atOnce }
    try {
      for (const h of fresh) {
        if (this.active < this.s.workerCount && !this.stopping) this.run(h)
        else this.ready.push(h)
      }
    } finally {
      this.capture = null
    }
    return atOnce.map((p) => p.completion)
  }

  private sleep(ms: number): void {
    if (this.sleeping || this.stopping) return
    this.sleeping = true
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null
      this.sleeping = false
      this.pump()
    }, ms)
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

  private drain(): void {
    while (this.active < this.s.workerCount && this.readyHead < this.ready.length) {
      const h = this.ready[this.readyHead++]!
      if (this.readyHead > 256 && this.readyHead * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.readyHead)
        this.readyHead = 0
      }
      if (h.phase === 'ready') this.run(h)
    }
    if (this.readyHead === this.ready.length && this.readyHead > 0) {
      this.ready = []
      this.readyHead = 0
    }
    this.pump()
  }

  private run(h: Held): void {
    h.phase = 'running'
    h.startedAt = performance.now()
    this.active++
    const tooLarge = checkPayloadSize(h.row.data, this.s.maxRequestBytes)
    if (tooLarge) {
      this.finish(h, tooLarge)
      return
    }
    const handler = this.handlers.lookup(h.row.type)
    if (!handler) {
      this.finish(h, null)
      return
    }
    h.handler = handler.name
    let out: HandlerOutcome | Promise<HandlerOutcome>
    try {
      out = handler.handle(toAiRequest(h.row), this.ctx)
    } catch (err) {
      out = { kind: 'failed', message: `Handler ${handler.name} failed: ${message(err)}` }
    }
    if (isPromise(out)) {
      out.then(
        (o) => this.finish(h, o),
        (err: unknown) => this.finish(h, { kind: 'failed', message: `Handler ${handler.name} failed: ${message(err)}` })
      )
    } else {
      this.finish(h, out)
    }
  }

  /** A handler returned (outcome null = no handler for the type). */
  private finish(h: Held, outcome: HandlerOutcome | null): void {
    this.active--
    if (h.phase === 'running') {
      h.handlerMs = performance.now() - h.startedAt
      const nowMs = this.ctx.now()
      const settlement: Settlement =
        outcome === null
          ? settleNoHandler(h.row.type, nowMs)
          : settleOutcome(outcome, { retriesLeft: h.row.retryCount < this.s.maxRetries, nowMs })
      this.settle(h, settlement)
    }
    // else: released by stop() while running; the late result is dropped.
    if (this.readyHead < this.ready.length) this.drain()
  }

  private settle(h: Held, s: Settlement): void {
    const { id, retryCount } = h.row
    if (s.status === 'retry') {
      h.phase = 'backoff'
      const delay = this.backoffDelay(retryCount)
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
    this.push({ completion: { id, retryCount, status, response }, held: h })
  }

  private backoffDelay(retryCount: number): number {
    const base = Math.min(this.s.retryMaxMs, this.s.retryBaseMs * Math.pow(2, retryCount))
    return base * (0.75 + Math.random() * 0.5)
  }

  // ---- completing ----------------------------------------------------------------------------

  private push(p: Pending): void {
    const c = p.completion
    if (this.capture?.own.has(p.held) && (c.status === 'completed' || c.status === 'failed')) {
      this.capture.into.push(p) // written by the claim transaction itself
      return
    }
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
      this.committed(batch, res.applied)
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

  /** A batch failed for a reason other than the connection: isolate the row(s) that cannot be written. */
  private async flushOneByOne(batch: Pending[], batchError: unknown): Promise<void> {
    this.logThrottled('complete', 'writing a batch of answers failed; writing them one by one', errorFields(batchError))
    for (const p of batch) {
      try {
        this.committed([p], (await this.backend.complete([p.completion])).applied)
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
            this.log.error('could not store an answer; the row stays processing until stuck recovery', { id: c.id, ...errorFields(err2) })
          }
        } else {
          this.log.error('could not release a row; it stays processing until stuck recovery', { id: c.id, ...errorFields(err) })
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
    this.logThrottled(op, `${op} failed`, errorFields(err))
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
          this.reconnectDelay = 100
          this.lastClaimEmpty = false
          this.hooks.onHealth?.(undefined)
          this.scheduleFlush()
          this.pump()
        },
        () => {
          this.reconnectDelay = Math.min(this.reconnectDelay * 2, 2000)
          this.scheduleReconnect()
        }
      )
    }, this.reconnectDelay)
  }

  private logThrottled(key: string, msg: string, fields: Record<string, unknown>): void {
    const now = performance.now()
    const last = this.lastErrorLog.get(key) ?? -Infinity
    if (now - last < 5000) return
    this.lastErrorLog.set(key, now)
    this.log.error(msg, fields)
  }

  // ---- maintenance ---------------------------------------------------------------------------

  private async maintain(): Promise<void> {
    if (this.maintaining || !this.running || this.stopping || this.dbError !== undefined) return
    this.maintaining = true
    try {
      const stuckMs = this.s.stuckAfterSeconds * 1000
      const now = performance.now()
      // Our own rows first (a slow handler, or answers waiting for the database to come back),
      // so the recovery below never takes them for a dead poller's.
      const stale = [...this.held.values()].filter((h) => now - h.touchedAt >= stuckMs / 3)
      if (stale.length > 0) {
        await this.backend.touch(stale.map((h) => ({ id: h.row.id, retryCount: h.row.retryCount })))
        for (const h of stale) h.touchedAt = now
      }
      const expired = await this.backend.expire()
      if (expired > 0) {
        this.stats.totals.expired += expired
        this.hooks.onChange?.(['pending', 'timeout'], expired)
        this.log.info(`expired ${expired} pending request(s) past their expires_at`)
      }
      if (now - this.lastRecoverAt >= Math.min(30_000, Math.max(1000, stuckMs / 2))) {
        this.lastRecoverAt = now
        const r = await this.backend.recoverStuck(this.s.stuckAfterSeconds, this.s.maxRetries)
        if (r.reset + r.failed > 0) {
          this.stats.totals.recovered += r.reset + r.failed
          this.hooks.onChange?.(['processing', 'pending', 'failed'], r.reset + r.failed)
          this.log.warn(
            `recovered ${r.reset + r.failed} request(s) stuck in processing for over ${this.s.stuckAfterSeconds} s: ` +
              `${r.reset} back to pending, ${r.failed} failed (retries used up)`
          )
          this.lastClaimEmpty = false
        }
      }
    } catch (err) {
      if (isConnectionError(err)) this.onDbError(err, 'maintenance')
      else this.logThrottled('maintenance', 'queue maintenance failed', errorFields(err))
    } finally {
      this.maintaining = false
    }
  }

  // ---- stopping ------------------------------------------------------------------------------

  /** Stops claiming, finishes or releases in-flight rows and writes every answer it can. */
  async stop(): Promise<void> {
    if (!this.running || this.stopping) return
    this.stopping = true
    if (this.pollTimer) clearTimeout(this.pollTimer)
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer)
    this.pollTimer = null
    this.maintenanceTimer = null
    this.sleeping = false
    const deadline = performance.now() + this.s.stopTimeoutMs
    await this.until(() => this.claims === 0 && !this.maintaining, deadline)
    for (const h of this.held.values()) {
      if (h.phase === 'ready') {
        h.phase = 'settled'
        this.results.push({ completion: { id: h.row.id, retryCount: h.row.retryCount, status: 'release' }, held: h })
      } else if (h.phase === 'backoff') {
        if (h.timer) clearTimeout(h.timer)
        h.timer = null
        h.phase = 'settled'
        this.results.push({ completion: { id: h.row.id, retryCount: h.row.retryCount, status: 'retry' }, held: h })
      }
    }
    this.ready = []
    this.readyHead = 0
    this.scheduleFlush()
    await this.until(() => this.active === 0, deadline)
    for (const h of this.held.values()) {
      if (h.phase === 'running') {
        h.phase = 'released'
        this.results.push({ completion: { id: h.row.id, retryCount: h.row.retryCount, status: 'release' }, held: h })
      }
    }
    this.scheduleFlush()
    // Answers get a little longer than handlers: losing a finished answer costs a redo.
    await this.until(() => this.results.length === 0 && this.flushes === 0, Math.max(deadline, performance.now() + 5000))
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    if (this.held.size > 0) {
      this.log.warn(`${this.held.size} request(s) could not be written back; they stay processing until stuck recovery`)
    }
    this.running = false
    for (const line of this.stats.finalLines()) this.log.info(line)
  }

  private async until(done: () => boolean, deadline: number): Promise<void> {
    while (!done() && performance.now() < deadline) {
      if (this.dbError !== undefined) this.scheduleReconnect()
      await new Promise((r) => setTimeout(r, 5))
    }
  }
}
