/**
 * The `training` service: training jobs over RabbitMQ (spec-training.md).
 *
 * - Broker: one connection (broker.ts). Its first connect is the LifecycleService's reconnecting
 *   start (transient failures retry with the shared backoff, state `reconnecting`); a connection
 *   lost while running is `markReconnecting` and comes back with the same backoff (`markRecovered`).
 *   With ENABLE_RABBITMQ off the service runs without a broker: history only.
 * - Ingest: deliveries from the update and result queues are parsed (messages.ts); malformed ones
 *   are rejected without requeue (dead-lettered), logged with their content and counted. Good ones
 *   are batched (what arrived in one turn of the event loop, at most `batchMax`) and stored in one
 *   SQLite transaction (tracker.ts); only then is the batch acknowledged (`multiple`). A crash
 *   before the ack loses nothing: the broker redelivers, and duplicates change nothing.
 * - Page events: `training.changed` carries the changed jobs and the new epochs, batched every
 *   `pushMs`; a finished job also raises `app.notification` (training.completed / .failed).
 * - Submit: the job row first (`submitted`), then a persistent publish with a publisher confirm;
 *   a failed publish takes the row back.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import os from 'node:os'
import type { ConsumeMessage } from 'amqplib'
import type { Registry } from 'prom-client'
import { backoffDelay, type BackoffOptions } from '../../shared/backoff'
import type {
  BrokerState,
  TrainingEpoch,
  TrainingInfo,
  TrainingJobDetail,
  TrainingJobSpec,
  TrainingJobStatus,
  TrainingJobSummary,
  TrainingMessage,
  TrainingRequest
} from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import type { Clock } from '../clock'
import type { EventBus } from '../events'
import type { Logger } from '../logging/logger'
import { errorFields } from '../logging/logger'
import { DEFAULT_START_RETRY, LifecycleService } from '../service'
import type { AppStore } from '../store/app-store'
import { BrokerConnection, brokerUrl, isLocalHost } from './broker'
import { excerpt, parseMessage } from './messages'
import { registerTrainingMetrics, type TrainingMetrics } from './metrics'
import { JobTracker, type ApplyResult } from './tracker'

/** Epochs one push carries at most; beyond, the push says `truncated` and the page reloads. */
export const MAX_EPOCHS_PER_PUSH = 5000

export interface TrainingHooks {
  /** Called with a batch about to be stored (tests: stop the process here). */
  beforeStore?(size: number): Promise<void> | void
  /** Called after a batch was stored, before it is acknowledged. */
  afterStore?(size: number): Promise<void> | void
}

export interface TrainingServiceOptions {
  config: Config
  log: Logger
  events: EventBus
  store: AppStore
  clock: Clock
  metrics?: Registry
  /** The AMQP connection_name client property (default "warp-host training <host> <pid>"). */
  connectionName?: string
  /** Reconnect backoff (tests pass short delays). */
  reconnect?: BackoffOptions
  /** Minimum ms between `training.changed` events (default 100). */
  pushMs?: number
  /** Messages stored in one transaction at most (default: the prefetch). */
  batchMax?: number
  hooks?: TrainingHooks
}

interface Pending {
  msg: ConsumeMessage
  conn: BrokerConnection
  message: TrainingMessage
}

function isAuthError(err: unknown): boolean {
  return /ACCESS_REFUSED|403|NOT_ALLOWED|530/.test(err instanceof Error ? err.message : String(err))
}

export class TrainingService extends LifecycleService {
  readonly tracker: JobTracker
  private broker: BrokerConnection | null = null
  private brokerError: string | null = null
  private warnings: string[] = []
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private reconnectAttempt = 0
  private shuttingDown = false
  private buffer: Pending[] = []
  private flushScheduled = false
  private flushing: Promise<void> | null = null
  private readonly stats = { received: 0, stored: 0, duplicates: 0, rejected: 0, reconnects: 0 }
  private readonly m: TrainingMetrics | null
  private readonly pushMs: number
  private pushTimer: ReturnType<typeof setTimeout> | null = null
  private lastPushAt = Number.NEGATIVE_INFINITY
  private pendingJobs = new Set<string>()
  private pendingEpochs: TrainingEpoch[] = []
  private pendingTruncated = false
  private pendingInfo = false
  private readonly connectionName: string

  constructor(private readonly o: TrainingServiceOptions) {
    super('training', 'Training jobs (RabbitMQ)', o.reconnect ?? DEFAULT_START_RETRY)
    this.tracker = new JobTracker(o.store.database)
    this.pushMs = o.pushMs ?? 100
    this.connectionName = o.connectionName ?? `warp-host training ${os.hostname()} ${process.pid}`
    this.m = o.metrics ? registerTrainingMetrics(o.metrics, () => this.broker?.open === true) : null
    this.onStatusChange(() => this.schedulePush(true))
  }

  private get cfg(): Config['training'] {
    return this.o.config.training
  }

  protected override isTransient(err: unknown): boolean {
    return !this.shuttingDown && !isAuthError(err)
  }

  protected async onStart(): Promise<void> {
    this.shuttingDown = false
    const c = this.cfg
    this.warnings = []
    if (!c.enabled) {
      this.setDetail('RabbitMQ is off (ENABLE_RABBITMQ=false): stored history only')
      return
    }
    if (c.user === 'guest' && c.password === 'guest' && !isLocalHost(c.host)) {
      const w = `RabbitMQ's default guest/guest account is used with the non-local host ${c.host}: RabbitMQ refuses guest from other machines unless configured to, and it is an unsafe account; set RABBITMQ_USER and RABBITMQ_PASSWORD.`
      this.warnings.push(w)
      this.o.log.warn(w)
    }
    this.setDetail(`connecting to ${brokerUrl(c)}`)
    try {
      await this.openBroker()
    } catch (err) {
      this.brokerError = err instanceof Error ? err.message : String(err)
      throw new Error(`RabbitMQ at ${brokerUrl(c)}: ${this.brokerError}`, { cause: err })
    }
  }

  private async openBroker(): Promise<void> {
    const conn: BrokerConnection = new BrokerConnection(
      { config: this.cfg, connectionName: this.connectionName },
      {
        onMessage: (msg, queue) => this.onMessage(conn, msg, queue),
        onLost: (reason) => this.onLost(conn, reason),
        onWarning: (text) => {
          if (!this.warnings.includes(text)) this.warnings.push(text)
          this.o.log.warn(text)
        }
      }
    )
    await conn.connect()
    if (this.shuttingDown) {
      await conn.close()
      return
    }
    this.broker = conn
    this.brokerError = null
    const c = this.cfg
    this.setDetail(`consuming ${c.update_queue} and ${c.result_queue} at ${brokerUrl(c)}`)
    this.o.log.info('connected to RabbitMQ', { url: brokerUrl(c), connection: this.connectionName })
  }

  private onLost(conn: BrokerConnection, reason: string): void {
    if (this.broker !== conn || this.shuttingDown) return
    this.broker = null
    this.brokerError = reason
    this.stats.reconnects++
    this.m?.reconnected()
    this.o.log.warn('lost the RabbitMQ connection; reconnecting', { reason })
    if (this.currentState === 'running') this.markReconnecting(`RabbitMQ connection lost: ${reason}`)
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.shuttingDown) return
    const delay = backoffDelay(this.reconnectAttempt++, this.o.reconnect ?? DEFAULT_START_RETRY)
    this.setDetail(`reconnecting to ${brokerUrl(this.cfg)} (attempt ${this.reconnectAttempt})`)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      this.openBroker().then(
        () => {
          this.reconnectAttempt = 0
          this.markRecovered()
          this.schedulePush(true)
        },
        (err: unknown) => {
          this.brokerError = err instanceof Error ? err.message : String(err)
          this.o.log.warn('RabbitMQ reconnect failed', { error: this.brokerError })
          this.schedulePush(true)
          this.scheduleReconnect()
        }
      )
    }, delay)
    this.reconnectTimer.unref?.()
  }

  protected async onStop(): Promise<void> {
    this.shuttingDown = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    // What was received is stored and acknowledged before the connection closes.
    await this.flushNow()
    const conn = this.broker
    this.broker = null
    await conn?.close()
    if (this.pushTimer) clearTimeout(this.pushTimer)
    this.pushTimer = null
    this.emitPush()
  }

  // ---- ingest ------------------------------------------------------------------------------------

  private onMessage(conn: BrokerConnection, msg: ConsumeMessage, queue: 'update' | 'result'): void {
    this.stats.received++
    this.m?.received(queue)
    const parsed = parseMessage(msg.content)
    if (!parsed.ok) {
      this.stats.rejected++
      this.m?.rejected(parsed.reason)
      const dead = conn.reject(msg)
      this.o.log.warn(`rejected a malformed message from ${queue === 'update' ? this.cfg.update_queue : this.cfg.result_queue}`, {
        reason: parsed.reason,
        content: excerpt(msg.content),
        deadLettered: dead && this.cfg.dead_letter_exchange !== '' && !conn.withoutDlx.includes(queue === 'update' ? this.cfg.update_queue : this.cfg.result_queue),
        redelivered: msg.fields.redelivered
      })
      this.schedulePush(true)
      return
    }
    this.buffer.push({ msg, conn, message: parsed.message })
    if (this.buffer.length >= (this.o.batchMax ?? this.cfg.prefetch)) void this.flushNow()
    else if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => {
        this.flushScheduled = false
        void this.flushNow()
      })
    }
  }

  /** Stores and acknowledges everything buffered; resolves when the buffer is empty. */
  flushNow(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.buffer.length > 0 ? this.flushNow() : undefined))
    if (this.buffer.length === 0) return Promise.resolve()
    this.flushing = this.drain().finally(() => {
      this.flushing = null
    })
    return this.flushing
  }

  private async drain(): Promise<void> {
    const max = this.o.batchMax ?? this.cfg.prefetch
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, max)
      await this.o.hooks?.beforeStore?.(batch.length)
      const started = performance.now()
      const now = this.o.clock.now()
      let result: ApplyResult | null = null
      try {
        result = this.tracker.apply(
          batch.map((b) => b.message),
          now
        )
      } catch (err) {
        this.o.log.error('storing a batch of training messages failed; storing them one by one', errorFields(err))
      }
      if (result) {
        this.m?.batch(batch.length, (performance.now() - started) / 1000)
        await this.o.hooks?.afterStore?.(batch.length)
        this.ackBatch(batch)
        this.took(result, batch.length)
      } else {
        for (const b of batch) this.storeOne(b, now)
      }
    }
  }

  /** Fallback after a failed batch: each message alone; one that cannot be stored is dead-lettered, never retried forever. */
  private storeOne(b: Pending, now: number): void {
    try {
      const r = this.tracker.apply([b.message], now)
      b.conn.ack(b.msg)
      this.took(r, 1)
    } catch (err) {
      const transient = /SQLITE_BUSY|SQLITE_LOCKED|SQLITE_IOERR|SQLITE_FULL/.test(String((err as { code?: unknown }).code ?? ''))
      if (transient) {
        b.conn.requeue(b.msg)
        this.o.log.warn('could not store a training message now; handed back to the queue', { ...errorFields(err), jobId: b.message.job_id })
        return
      }
      this.stats.rejected++
      this.m?.rejected(`store failed: ${String(err)}`)
      b.conn.reject(b.msg)
      this.o.log.error('could not store a training message; rejected it (dead-lettered)', { ...errorFields(err), content: excerpt(b.msg.content) })
    }
  }

  /** Acknowledges a stored batch: one `multiple` ack per connection (its last delivery). */
  private ackBatch(batch: Pending[]): void {
    const last = new Map<BrokerConnection, ConsumeMessage>()
    for (const b of batch) {
      const prev = last.get(b.conn)
      if (!prev || b.msg.fields.deliveryTag > prev.fields.deliveryTag) last.set(b.conn, b.msg)
    }
    // A connection that is gone cannot take acks: its messages come again and are duplicates then.
    for (const [conn, msg] of last) conn.ack(msg, true)
  }

  private took(r: ApplyResult, messages: number): void {
    this.stats.stored += messages - r.duplicates
    this.stats.duplicates += r.duplicates
    this.m?.stored(r.epochs.length, messages)
    if (r.duplicates > 0) this.m?.duplicates(r.duplicates)
    for (const id of r.changed) this.pendingJobs.add(id)
    if (!this.pendingTruncated) {
      if (this.pendingEpochs.length + r.epochs.length > MAX_EPOCHS_PER_PUSH) {
        this.pendingTruncated = true
        this.pendingEpochs = []
      } else for (const e of r.epochs) this.pendingEpochs.push(e)
    }
    for (const f of r.finished) this.notifyFinished(f.jobId, f.status)
    if (r.changed.size > 0) this.schedulePush(true)
  }

  private notifyFinished(jobId: string, status: 'completed' | 'failed'): void {
    const job = this.tracker.summary(jobId, this.o.clock.now())
    if (!job) return
    const at = new Date(this.o.clock.now()).toISOString()
    const what = job.datasetName ? ` (${job.datasetName}${job.model ? `, ${job.model}` : ''})` : ''
    if (status === 'completed') {
      const fm = job.finalMetrics ?? {}
      const figures = Object.entries(fm)
        .filter(([, v]) => typeof v === 'number')
        .slice(0, 3)
        .map(([k, v]) => `${k} ${Number(v).toPrecision(4)}`)
        .join(', ')
      this.o.events.emit('app.notification', {
        id: randomUUID(),
        kind: 'training.completed',
        level: 'info',
        title: `Training job ${jobId} completed`,
        body: `${what.trim()}${figures ? ` ${figures}` : ''}`.trim().slice(0, 1000),
        at,
        target: { page: 'training', id: jobId }
      })
    } else {
      this.o.events.emit('app.notification', {
        id: randomUUID(),
        kind: 'training.failed',
        level: 'error',
        title: `Training job ${jobId} failed`,
        body: `${job.errorMessage ?? 'no error message'}${what ? ` ${what.trim()}` : ''} at epoch ${job.currentEpoch}`.slice(0, 1000),
        at,
        target: { page: 'training', id: jobId }
      })
    }
  }

  // ---- page events -------------------------------------------------------------------------------

  private schedulePush(info: boolean): void {
    if (info) this.pendingInfo = true
    if (this.pushTimer) return
    const wait = Math.max(0, this.lastPushAt + this.pushMs - performance.now())
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null
      this.emitPush()
    }, wait)
    this.pushTimer.unref?.()
  }

  private emitPush(): void {
    if (!this.pendingInfo && this.pendingJobs.size === 0 && this.pendingEpochs.length === 0 && !this.pendingTruncated) return
    this.lastPushAt = performance.now()
    const now = this.o.clock.now()
    let jobs: TrainingJobSummary[]
    let info: TrainingInfo | undefined
    try {
      jobs = this.tracker.summaries(this.pendingJobs, now)
      info = this.pendingInfo ? this.info() : undefined
    } catch {
      // The store closed under us (shutdown): nothing to push.
      return
    } finally {
      this.pendingJobs = new Set()
    }
    const epochs = this.pendingEpochs
    const truncated = this.pendingTruncated
    this.pendingEpochs = []
    this.pendingTruncated = false
    this.pendingInfo = false
    this.o.events.emit('training.changed', { ...(info ? { info } : {}), jobs, epochs, truncated, at: new Date(now).toISOString() })
  }

  // ---- the contract ------------------------------------------------------------------------------

  get brokerState(): BrokerState {
    if (!this.cfg.enabled) return 'disabled'
    if (this.broker?.open) return 'connected'
    const s = this.currentState
    if (s === 'error') return 'error'
    if (s === 'starting' && this.startAttempts === 0) return 'connecting'
    if (s === 'stopped' || s === 'stopping') return 'disabled'
    return 'reconnecting'
  }

  info(): TrainingInfo {
    const c = this.cfg
    const deadLetter = c.dead_letter_exchange === '' ? null : c.dead_letter_queue
    return {
      enabled: c.enabled,
      broker: this.brokerState,
      error: this.brokerState === 'connected' ? null : this.brokerError,
      url: c.enabled ? brokerUrl(c) : null,
      queues: { request: c.request_queue, update: c.update_queue, result: c.result_queue, deadLetter },
      warnings: [...this.warnings],
      counts: this.tracker.counts(),
      stats: { ...this.stats },
      at: new Date(this.o.clock.now()).toISOString()
    }
  }

  jobs(status: TrainingJobStatus | undefined, limit: number): TrainingJobSummary[] {
    return this.tracker.list({ status, limit }, this.o.clock.now())
  }

  job(jobId: string, afterEpoch?: number): TrainingJobDetail | null {
    return this.tracker.detail(jobId, this.o.clock.now(), afterEpoch)
  }

  get canPublish(): boolean {
    return this.broker?.open === true
  }

  /**
   * Publishes a job request (persistent, confirmed). Throws with a readable message when there is
   * no broker connection or the broker did not confirm; the job row is taken back then.
   */
  async submit(spec: TrainingJobSpec): Promise<{ job: TrainingJobSummary; request: TrainingRequest }> {
    const conn = this.broker
    if (!conn?.open) throw new Error(this.cfg.enabled ? `not connected to RabbitMQ (${this.brokerState}${this.brokerError ? `: ${this.brokerError}` : ''})` : 'RabbitMQ is off (ENABLE_RABBITMQ=false)')
    const now = this.o.clock.now()
    let request: TrainingRequest | null = null
    for (let i = 0; i < 5 && !request; i++) {
      // Every key of the seed's request, in its order.
      const candidate: TrainingRequest = {
        job_id: randomBytes(4).toString('hex'),
        dataset: { s3_prefix: spec.dataset.s3_prefix, name: spec.dataset.name },
        output: { prefix: spec.output.prefix, model_name: spec.output.model_name },
        hyperparams: { model: spec.hyperparams.model, epochs: spec.hyperparams.epochs, batch: spec.hyperparams.batch, imgsz: spec.hyperparams.imgsz }
      }
      if (this.tracker.insertSubmitted(candidate, now)) request = candidate
    }
    if (!request) throw new Error('could not pick an unused job id')
    try {
      await conn.publish(this.cfg.request_queue, Buffer.from(JSON.stringify(request)), request.job_id)
    } catch (err) {
      this.tracker.withdraw(request.job_id)
      throw new Error(`RabbitMQ did not take the request: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
    this.m?.published()
    this.o.log.info('published a training request', { jobId: request.job_id, queue: this.cfg.request_queue, dataset: request.dataset.name, model: request.hyperparams.model })
    this.pendingJobs.add(request.job_id)
    this.schedulePush(true)
    return { job: this.tracker.summary(request.job_id, now)!, request }
  }

  finalStats(): string[] {
    const s = this.stats
    return [`training: ${s.received} messages received, ${s.stored} stored, ${s.duplicates} duplicates, ${s.rejected} rejected, ${s.reconnects} reconnects`]
  }
}
