/**
 * The ai-ipc service's Prometheus metrics, registered in its own registry (ServiceContext.metrics)
 * when the service is built, so they leave the export with the service instance:
 * - histograms, observed as answers commit (PollerStats.observer):
 *   `warp_ai_request_latency_seconds` (claim → committed answer) and
 *   `warp_ai_handler_duration_seconds{handler}` (time in the handler);
 * - counters read at scrape time from the poller's totals (a restarted poller starts again at 0:
 *   a counter reset): requests processed/failed/expired/retried/recovered/cancelled in flight,
 *   batches, and per handler processed/failed/retried/errored/fallbacks;
 * - gauges read at scrape time: queue rows by status (the service's cached counts), in flight,
 *   polling, uptime, answer rate, age of the oldest pending row.
 */
import { Histogram, type Registry } from 'prom-client'
import { AI_REQUEST_STATUSES, type RequestCounts, type RequestHandlerStats } from '../../shared/contract'
import { LATENCY_BUCKETS_SECONDS, snapshotCounter, snapshotGauge, type Series } from '../metrics/prometheus'
import type { AnswerObserver, Totals } from './stats'

/** The queue as the service last read it (cached; the scrape never waits for a slow count). */
export interface QueueView {
  counts: RequestCounts
  /** Epoch ms of the oldest pending row's creation (null: none or unknown). */
  oldestPendingAt: number | null
}

/** What the metrics read from the running poller. */
export interface PollerView {
  totals: Readonly<Totals>
  handlers(): RequestHandlerStats[]
  inFlight: number
  polling: boolean
  uptimeSeconds: number
  ratePerSecond: number
}

export interface AiIpcMetricsSource {
  /** The running poller's figures; null while the service has none. */
  poller(): PollerView | null
  /** The queue's counts; null while there is no queue (or it cannot be read). */
  queue(): Promise<QueueView | null>
}

type TotalKey = Exclude<keyof Totals, 'polls'>

const TOTALS: [string, TotalKey, string][] = [
  ['warp_ai_requests_processed_total', 'processed', 'Requests answered by this poller'],
  ['warp_ai_requests_failed_total', 'failed', 'Requests this poller set to failed'],
  ['warp_ai_requests_expired_total', 'expired', 'Requests that expired before this poller answered them'],
  ['warp_ai_requests_retried_total', 'retried', 'Requests this poller sent back to pending for another attempt'],
  ['warp_ai_requests_recovered_total', 'recovered', 'Stuck requests this poller recovered'],
  ['warp_ai_requests_cancelled_in_flight_total', 'cancelledInFlight', 'Requests cancelled while this poller was processing them'],
  ['warp_ai_poller_batches_total', 'batches', 'Claims that returned at least one request']
]

type HandlerKey = 'processed' | 'failed' | 'retried' | 'errored' | 'fallbacks'

const PER_HANDLER: [string, HandlerKey, string][] = [
  ['warp_ai_handler_processed_total', 'processed', 'Requests answered per handler'],
  ['warp_ai_handler_failed_total', 'failed', 'Requests set to failed per handler'],
  ['warp_ai_handler_retried_total', 'retried', 'Requests sent back for another attempt per handler'],
  ['warp_ai_handler_errored_total', 'errored', 'Answers with an HTTP status of 400 or more per handler'],
  ['warp_ai_handler_fallbacks_total', 'fallbacks', 'Answers made from a fallback template per handler']
]

/** Registers the ai-ipc metrics in `registry`; returns the observer the poller's stats feed. */
export function registerAiIpcMetrics(registry: Registry, source: AiIpcMetricsSource, now: () => number = Date.now): AnswerObserver {
  const requestLatency = new Histogram({
    name: 'warp_ai_request_latency_seconds',
    help: 'Claim-to-answer latency of the requests this poller answered (committed answers)',
    buckets: [...LATENCY_BUCKETS_SECONDS],
    registers: [registry]
  })
  const handlerDuration = new Histogram<'handler'>({
    name: 'warp_ai_handler_duration_seconds',
    help: 'Time spent in the handler per answered request, by handler',
    labelNames: ['handler'],
    buckets: [...LATENCY_BUCKETS_SECONDS],
    registers: [registry]
  })

  // Every gauge of a scrape reads the queue once (the collects run in parallel).
  let reading: Promise<QueueView | null> | null = null
  const queue = (): Promise<QueueView | null> =>
    (reading ??= source
      .queue()
      .catch(() => null)
      .finally(() => {
        reading = null
      }))

  snapshotGauge(registry, 'warp_ai_requests', 'AI requests in the queue table, by status (counts cached for about a second)', ['status'], async () => {
    const q = await queue()
    return q ? AI_REQUEST_STATUSES.map((status): [{ status: string }, number] => [{ status }, q.counts[status]]) : []
  })
  snapshotGauge(registry, 'warp_ai_oldest_pending_age_seconds', 'Age of the oldest pending AI request (0 when none is pending; refreshed every few seconds)', [], async () => {
    const q = await queue()
    if (!q) return []
    const age = q.counts.pending > 0 && q.oldestPendingAt !== null ? Math.max(0, (now() - q.oldestPendingAt) / 1000) : 0
    return [[{}, age]]
  })

  const pollerGauge = (name: string, help: string, pick: (p: PollerView) => number): void => {
    snapshotGauge(registry, name, help, [], () => {
      const p = source.poller()
      return p ? [[{}, pick(p)]] : []
    })
  }
  pollerGauge('warp_ai_poller_polling', 'Whether the poller is claiming requests (1) or not (0)', (p) => (p.polling ? 1 : 0))
  pollerGauge('warp_ai_poller_in_flight', 'Requests this poller holds right now', (p) => p.inFlight)
  pollerGauge('warp_ai_poller_uptime_seconds', 'Seconds since this poller started', (p) => p.uptimeSeconds)
  pollerGauge('warp_ai_requests_rate_per_second', 'Answers per second over the last 10 seconds (this poller)', (p) => p.ratePerSecond)

  for (const [name, key, help] of TOTALS) {
    snapshotCounter(registry, name, help, [], (): Series<never> => {
      const p = source.poller()
      return p ? [[{}, p.totals[key]]] : []
    })
  }
  for (const [name, key, help] of PER_HANDLER) {
    snapshotCounter(registry, name, help, ['handler'], () => (source.poller()?.handlers() ?? []).map((h): [{ handler: string }, number] => [{ handler: h.handler }, h[key]]))
  }

  // Handler keys are bounded by PollerStats (a flood of unknown types shares '(other)').
  const perHandler = new Map<string, { observe(seconds: number): void }>()
  return (handler, _status, handlerMs, totalMs) => {
    requestLatency.observe(totalMs / 1000)
    let series = perHandler.get(handler)
    if (!series) {
      series = handlerDuration.labels({ handler })
      perHandler.set(handler, series)
    }
    series.observe(handlerMs / 1000)
  }
}
