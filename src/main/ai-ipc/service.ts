/**
 * The `ai-ipc` service: owns the queue backend (SQLite or MySQL from `database`), the handler
 * registry and HTTP client (from `ai_service`), and the poller (from `polling`); implements the
 * Requests dashboard's data side (stats, list, detail, actions) and pushes its throttled events:
 * `requests.stats` at most once a second (every 5 s when nothing changes) and `requests.changed`
 * at most once a second — never one event per row.
 *
 * When the database cannot be reached at start the service reports the error and keeps retrying
 * in the background; a configuration problem (bad credentials, no SKIP LOCKED, unusable tables)
 * is reported once and waits for a config change.
 */
import { performance } from 'node:perf_hooks'
import type { Registry } from 'prom-client'
import { version as packageVersion } from '../../../package.json'
import {
  ContractCallError,
  type AiRequestStatus,
  type MethodParsedInput,
  type RequestCounts,
  type RequestDetail,
  type RequestsListResult,
  type RequestsStats,
  type RequestsSubmitTestResult,
} from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import type { EventBus } from '../events'
import { HttpClient } from '../http/http-client'
import type { HttpClientRegistry } from '../http/registry'
import type { HttpClientMetrics } from '../http/types'
import { errorFields, type Logger } from '../logging/logger'
import { LifecycleService } from '../service'
import { sqliteQueuePath } from './connection-test'
import { aiServiceClientOptions, createHandlerContext, handlerConfigFrom } from './handlers/context'
import { createDefaultRegistry } from './handlers/registry'
import type { HandlerContext } from './handlers/types'
import { registerAiIpcMetrics, type PollerView, type QueueView } from './metrics'
import { classifyProblem, isConnectionError } from './mysql-errors'
import { MysqlQueue } from './mysql-queue'
import { Poller, type HandlerLookup, type PollerSettings } from './poller'
import { emptyCounts, statusCode, type QueueBackend } from './queue'
import { SqliteQueue } from './sqlite-queue'
import type { QueueFigures } from './queue'
import { summarize, type AnswerObserver } from './stats'

export interface AiIpcServiceOptions {
  config: Config
  log: Logger
  events: EventBus
  version?: string
  /** Builds the handlers (default: the registry with every built-in handler). */
  registry?: () => HandlerLookup & { close?(): Promise<void> }
  /** Poller settings beyond the config (tests: short stuck threshold, quick retries). */
  pollerOverrides?: Partial<PollerSettings>
  /** Period of the stats/changed events (default 1000 ms). */
  eventEveryMs?: number
  /** Where the AI service HTTP client is registered for metrics.http and the export. */
  httpClients?: HttpClientRegistry
  /** The service's Prometheus registry (ServiceContext.metrics): its metrics are registered here. */
  metrics?: Registry
}

export function pollerSettingsFrom(polling: Config['polling']): PollerSettings {
  return {
    intervalMs: polling.interval_ms,
    batchSize: polling.batch_size,
    workerCount: polling.worker_count,
    maxRetries: polling.max_retries,
    stuckAfterSeconds: polling.stuck_after_seconds,
    statusEveryPolls: polling.status_every_polls
  }
}

export function createBackend(config: Config, log: Logger): QueueBackend {
  const db = config.database
  if (db.driver === 'mysql') return new MysqlQueue({ settings: db, log })
  return new SqliteQueue({ file: sqliteQueuePath(db, config.data_dir), log })
}

/**
 * A start failure worth retrying on its own: the server is unreachable, or the database does not
 * exist yet (ER_BAD_DB_ERROR — an admin creating it, or a MariaDB container still initialising).
 * Bad credentials, a missing privilege or an old server wait for a config change instead.
 */
export function isRetryableAtStart(err: unknown): boolean {
  return isConnectionError(err) || classifyProblem(err) === 'unknown_database'
}

const FINISHED: AiRequestStatus[] = ['completed', 'failed', 'timeout', 'cancelled']

/** How often the dashboard's queue figures (QueueBackend.figures) are read at most. */
const FIGURES_EVERY_MS = 5000

export class AiIpcService extends LifecycleService {
  private backend: QueueBackend | null = null
  private poller: Poller | null = null
  private registry: (HandlerLookup & { close?(): Promise<void> }) | null = null
  private http: HttpClient | null = null
  private unregisterHttp: (() => void) | null = null
  private eventTimer: NodeJS.Timeout | null = null
  private changedStatuses = new Set<AiRequestStatus>()
  private changedRows = 0
  private statsDirty = true
  private lastStatsAt = 0
  private emitting = false
  private readonly countsCache = new SlowQueryCache<RequestCounts>(900, 20)
  private readonly figuresCache = new SlowQueryCache<QueueFigures | null>(FIGURES_EVERY_MS, 50)
  private lastFinalStats: string[] = []
  private readonly config: Config
  private readonly log: Logger
  /** Feeds the service's latency histograms (null without a metrics registry). */
  private readonly answerObserver: AnswerObserver | null

  constructor(private readonly opts: AiIpcServiceOptions) {
    super('ai-ipc', 'AI request poller')
    this.config = opts.config
    this.log = opts.log
    this.answerObserver = opts.metrics
      ? registerAiIpcMetrics(opts.metrics, { poller: () => this.pollerView(), queue: () => this.queueView() })
      : null
  }

  /** The database does not answer or does not exist yet: retried by the reconnecting start. */
  protected override isTransient(err: unknown): boolean {
    return isRetryableAtStart(err)
  }

  protected async onStart(): Promise<void> {
    const backend = createBackend(this.config, this.log)
    this.setDetail(`connecting to ${backend.target}`)
    try {
      await backend.open()
    } catch (err) {
      this.log.error(`cannot open the AI request queue at ${backend.target}`, errorFields(err))
      this.setDetail(`cannot open ${backend.target}`)
      throw err
    }
    const version = this.opts.version ?? packageVersion
    const registry = this.opts.registry?.() ?? createDefaultRegistry()
    const http = new HttpClient(aiServiceClientOptions(this.config.ai_service, this.config.polling.worker_count, this.log.scope('ai-ipc.http')))
    const ctx: HandlerContext = createHandlerContext({ http, config: handlerConfigFrom(this.config.ai_service, version), log: this.log })
    const poller = new Poller(
      backend,
      registry,
      ctx,
      // The final statistics are printed once, in the app's block (finalStats()), not by the poller too.
      { ...pollerSettingsFrom(this.config.polling), logFinalStats: false, ...this.opts.pollerOverrides },
      this.log,
      {
        onChange: (statuses, rows) => this.noteChange(statuses, rows),
        onHealth: (error) => {
          if (error === undefined) {
            this.markRecovered()
            this.setDetail(this.describe(backend))
          } else {
            this.markReconnecting(error)
          }
        }
      }
    )
    this.backend = backend
    this.registry = registry
    this.http = http
    this.unregisterHttp = this.opts.httpClients?.register('ai-service', http) ?? null
    this.poller = poller
    poller.stats.observer = this.answerObserver
    poller.start()
    const every = this.opts.eventEveryMs ?? 1000
    this.eventTimer = setInterval(() => void this.emitEvents(), every)
    this.eventTimer.unref()
    this.setDetail(this.describe(backend))
    this.log.info(`polling ${backend.target}`, { ...pollerSettingsFrom(this.config.polling) })
  }

  private describe(backend: QueueBackend): string {
    const p = this.config.polling
    return `polling ${backend.target} every ${p.interval_ms} ms (batch ${p.batch_size}, ${p.worker_count} workers)`
  }

  protected async onStop(): Promise<void> {
    if (this.eventTimer) clearInterval(this.eventTimer)
    this.eventTimer = null
    const poller = this.poller
    if (poller) {
      await poller.stop()
      this.lastFinalStats = ['AI request poller', ...poller.stats.finalLines()]
    }
    this.unregisterHttp?.()
    this.unregisterHttp = null
    await this.registry?.close?.().catch(() => undefined)
    // The poller already gave running handlers their time: calls still in flight are cut now.
    await this.http?.destroy().catch(() => undefined)
    await this.backend?.close()
    this.poller = null
    this.registry = null
    this.http = null
    this.backend = null
  }

  /** The base status plus, while an error retries on its own, the attempt and the next retry time. */
  finalStats(): string[] {
    return this.lastFinalStats
  }

  /** A second signal: release every claimed row not yet answered, within `withinMs`. */
  async abandon(withinMs: number): Promise<void> {
    await this.poller?.abandon(withinMs)
  }

  /** The AI service HTTP client's figures (per upstream, cache); null while the service is not running. */
  httpMetrics(): HttpClientMetrics | null {
    return this.http?.metrics() ?? null
  }

  /** The running poller (tests). */
  get currentPoller(): Poller | null {
    return this.poller
  }

  /** Throws `unavailable` with the reason when the dashboard methods cannot run. */
  assertAvailable(): void {
    this.require()
  }

  private require(): { backend: QueueBackend; poller: Poller } {
    const state = this.currentState
    if (state === 'disabled') {
      throw new ContractCallError('unavailable', 'The AI request poller is disabled (polling.enabled is false in the configuration).')
    }
    if (!this.backend || !this.poller) {
      const err = this.status().error
      throw new ContractCallError(
        'unavailable',
        `The AI request poller is not running (${state}${err ? `: ${err}` : ''}). Check the database settings (Settings → Test connection).`
      )
    }
    return { backend: this.backend, poller: this.poller }
  }

  /** Runs a dashboard query; an unreachable database becomes `unavailable`. */
  private async db<T>(fn: (backend: QueueBackend) => Promise<T>): Promise<T> {
    const { backend } = this.require()
    try {
      return await fn(backend)
    } catch (err) {
      if (isConnectionError(err)) throw new ContractCallError('unavailable', `The queue database is unreachable: ${err instanceof Error ? err.message : String(err)}`)
      throw err
    }
  }

  // ---- events ----------------------------------------------------------------------------------

  private noteChange(statuses: AiRequestStatus[], rows: number): void {
    for (const s of statuses) this.changedStatuses.add(s)
    this.changedRows += rows
    this.statsDirty = true
  }

  private async emitEvents(): Promise<void> {
    if (this.emitting || !this.backend) return
    this.emitting = true
    try {
      const now = performance.now()
      if (this.changedRows > 0) {
        const statuses = [...this.changedStatuses]
        const changed = this.changedRows
        this.changedStatuses.clear()
        this.changedRows = 0
        const maxId = await this.backend.maxId().catch(() => null)
        this.opts.events.emit('requests.changed', { at: new Date().toISOString(), statuses, changed, maxId })
      }
      if (this.statsDirty || now - this.lastStatsAt >= 5000) {
        this.statsDirty = false
        this.lastStatsAt = now
        this.opts.events.emit('requests.stats', await this.buildStats())
      }
    } catch (err) {
      this.log.debug('could not push request figures', errorFields(err))
    } finally {
      this.emitting = false
    }
  }

  /** Counts by status: refreshed at most every ~0.9 s, less often when the query is slow. */
  private counts(backend: QueueBackend): Promise<RequestCounts> {
    return this.countsCache.get(() => backend.counts(), emptyCounts())
  }

  /**
   * Errored count, oldest pending, newest waits: refreshed at most every 5 s (less often when the
   * queries are slow). The errored count scans ai_responses, and stats are built every second
   * whether or not a dashboard is open.
   */
  private figures(backend: QueueBackend): Promise<QueueFigures | null> {
    return this.figuresCache.get(() => backend.figures(), null)
  }

  private async buildStats(): Promise<RequestsStats> {
    const { backend, poller } = this.require()
    const counts = await this.counts(backend)
    const figures = await this.figures(backend)
    const nowMs = Date.now()
    const waits = (figures?.recentWaits ?? []).filter((w) => nowMs - w.answeredAt <= 60_000).map((w) => w.waitMs)
    const p = this.config.polling
    const o = this.opts.pollerOverrides ?? {}
    const t = poller.stats.totals
    return {
      at: new Date().toISOString(),
      backend: backend.driver,
      target: backend.target,
      polling: poller.isRunning && poller.databaseError === undefined,
      counts,
      ratePerSecond: poller.stats.ratePerSecond(),
      latencyMs: poller.stats.latencySummary(),
      waitMs: summarize(waits),
      waitResolutionMs: figures?.timestampResolutionMs ?? (backend.driver === 'mysql' ? 1000 : 1),
      errored: figures?.errored ?? 0,
      oldestPendingAt: figures && counts.pending > 0 && figures.oldestPendingAt !== null ? new Date(figures.oldestPendingAt).toISOString() : null,
      errorRate: poller.stats.errorRate(),
      lastError: poller.stats.lastError,
      handlers: poller.stats.handlerStats(),
      totals: {
        processed: t.processed,
        failed: t.failed,
        expired: t.expired,
        retried: t.retried,
        recovered: t.recovered,
        cancelledInFlight: t.cancelledInFlight,
        batches: t.batches
      },
      inFlight: poller.inFlight,
      uptimeSeconds: Math.round(poller.stats.uptimeSeconds() * 10) / 10,
      settings: {
        intervalMs: o.intervalMs ?? p.interval_ms,
        batchSize: o.batchSize ?? p.batch_size,
        workerCount: o.workerCount ?? p.worker_count,
        maxRetries: o.maxRetries ?? p.max_retries,
        stuckAfterSeconds: o.stuckAfterSeconds ?? p.stuck_after_seconds
      }
    }
  }

  // ---- metrics ---------------------------------------------------------------------------------

  private pollerView(): PollerView | null {
    const poller = this.poller
    if (!poller) return null
    return {
      totals: poller.stats.totals,
      handlers: () => poller.stats.handlerStats(),
      inFlight: poller.inFlight,
      polling: poller.isRunning && poller.databaseError === undefined,
      uptimeSeconds: Math.round(poller.stats.uptimeSeconds() * 10) / 10,
      ratePerSecond: poller.stats.ratePerSecond()
    }
  }

  /** The queue's cached counts and oldest pending row (the same caches requests.stats reads). */
  private async queueView(): Promise<QueueView | null> {
    const backend = this.backend
    if (!backend) return null
    const counts = await this.counts(backend)
    const figures = counts.pending > 0 ? await this.figures(backend) : null
    return { counts, oldestPendingAt: figures?.oldestPendingAt ?? null }
  }

  // ---- contract methods ------------------------------------------------------------------------

  async stats(): Promise<RequestsStats> {
    return this.buildStats()
  }

  list(input: MethodParsedInput<'requests.list'>): Promise<RequestsListResult> {
    return this.db((b) => b.list(input))
  }

  async get(id: number): Promise<RequestDetail> {
    const detail = await this.db((b) => b.get(id))
    if (!detail) throw new ContractCallError('not_found', `AI request ${id} does not exist`)
    return detail
  }

  async retry(input: MethodParsedInput<'requests.retry'>): Promise<{ updated: number }> {
    const updated = await this.db((b) => b.retry(input.ids ? { ids: input.ids } : { statuses: input.allWithStatus ?? [] }))
    if (updated > 0) {
      this.noteChange(['pending', 'failed', 'timeout'], updated)
      this.log.info(`retrying ${updated} request(s) from the dashboard`)
    }
    return { updated }
  }

  async cancel(ids: number[]): Promise<{ cancelled: number }> {
    const cancelled = await this.db((b) => b.cancel(ids))
    if (cancelled > 0) this.noteChange(['pending', 'processing', 'cancelled'], cancelled)
    return { cancelled }
  }

  async resetStuck(olderThanSeconds: number | undefined): Promise<{ reset: number; failed: number }> {
    const secs = olderThanSeconds ?? this.opts.pollerOverrides?.stuckAfterSeconds ?? this.config.polling.stuck_after_seconds
    const r = await this.db((b) => b.recoverStuck(secs, this.config.polling.max_retries))
    if (r.reset + r.failed > 0) {
      this.noteChange(['processing', 'pending', 'failed'], r.reset + r.failed)
      this.log.info(`reset ${r.reset + r.failed} stuck request(s) from the dashboard (${r.reset} to pending, ${r.failed} failed)`)
    }
    return r
  }

  async purge(input: MethodParsedInput<'requests.purge'>): Promise<{ deleted: number }> {
    const statuses = input.statuses ?? FINISHED
    const deleted = await this.db((b) => b.purge(input.olderThanDays, statuses))
    this.log.info(`purged ${deleted} finished request(s) older than ${input.olderThanDays} day(s)`, { statuses })
    if (deleted > 0) this.noteChange(statuses, deleted)
    this.countsCache.clear()
    this.figuresCache.clear()
    return { deleted }
  }

  async submitTest(input: MethodParsedInput<'requests.submitTest'>): Promise<RequestsSubmitTestResult> {
    const t0 = performance.now()
    const id = await this.db((b) =>
      b.insert({
        type: input.type,
        endpoint: input.endpoint ?? null,
        data: input.data ?? null,
        priority: input.priority,
        expiresInSeconds: input.expiresInSeconds,
        sourceNpc: input.sourceNpc ?? 'WARP Host test',
        sourceMap: input.sourceMap ?? 'dashboard'
      })
    )
    this.noteChange(['pending'], 1)
    let detail: RequestDetail | null
    for (;;) {
      detail = await this.db((b) => b.get(id))
      const s = detail?.request.status
      const settled = s !== undefined && s !== 'pending' && s !== 'processing'
      if (settled || performance.now() - t0 >= input.waitMs) break
      await new Promise((r) => setTimeout(r, 10))
    }
    const status = detail?.request.status ?? 'pending'
    return {
      id,
      status,
      statusCode: statusCode(status),
      response: detail?.response ?? null,
      elapsedMs: Math.round((performance.now() - t0) * 10) / 10
    }
  }
}

/**
 * A dashboard query's last answer, refreshed at most every `minAgeMs` — and less often when the
 * query is slow (`slowFactor` × its last duration), so a busy database is not loaded further. A
 * failed refresh answers the last value; with none yet, `whenDown` for an unreachable database.
 */
class SlowQueryCache<T> {
  private last: { value: T; at: number; tookMs: number } | null = null

  constructor(
    private readonly minAgeMs: number,
    private readonly slowFactor: number
  ) {}

  async get(query: () => Promise<T>, whenDown: T): Promise<T> {
    const now = performance.now()
    const c = this.last
    if (c && now - c.at < Math.max(this.minAgeMs, c.tookMs * this.slowFactor)) return c.value
    try {
      const value = await query()
      this.last = { value, at: now, tookMs: performance.now() - now }
      return value
    } catch (err) {
      if (c) return c.value
      if (isConnectionError(err)) return whenDown
      throw err
    }
  }

  clear(): void {
    this.last = null
  }
}
