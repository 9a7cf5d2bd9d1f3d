/**
 * The poller's live figures: totals since start, answers per second over a sliding 10 s window,
 * latency percentiles over a sliding 60 s window (the shared LatencyWindow), and the same per
 * handler. Also the old service's status line and final statistics block. An observer (the
 * service's Prometheus histograms) sees every answer's timings as it is recorded.
 */
import type { LatencySummary, RequestHandlerStats } from '../../shared/contract'
import { LatencyWindow } from '../metrics/latency-window'

/** Events per second over the last `seconds` whole seconds. */
export class RateWindow {
  private readonly counts: Float64Array
  private readonly secs: Float64Array
  constructor(private readonly seconds = 10) {
    this.counts = new Float64Array(seconds)
    this.secs = new Float64Array(seconds).fill(-1)
  }

  add(n: number, now: number): void {
    const s = Math.floor(now / 1000)
    const i = s % this.seconds
    if (this.secs[i] !== s) {
      this.secs[i] = s
      this.counts[i] = 0
    }
    this.counts[i]! += n
  }

  /** Events in the window (the current partial second included). */
  sum(now: number): number {
    const cur = Math.floor(now / 1000)
    let sum = 0
    for (let i = 0; i < this.seconds; i++) {
      const s = this.secs[i]!
      if (s >= 0 && cur - s < this.seconds) sum += this.counts[i]!
    }
    return sum
  }

  rate(now: number): number {
    // The current second is partial: count the last `seconds` complete ones plus it, over seconds + fraction.
    const sum = this.sum(now)
    const span = this.seconds - 1 + (now % 1000) / 1000
    return span > 0 ? Math.round((sum / span) * 100) / 100 : 0
  }
}

export interface Totals {
  processed: number
  failed: number
  expired: number
  retried: number
  recovered: number
  cancelledInFlight: number
  batches: number
  polls: number
}

interface HandlerFigures {
  /** The handler's name, or '(other)' once MAX_HANDLER_KEYS names are taken. */
  key: string
  processed: number
  failed: number
  retried: number
  errored: number
  fallbacks: number
  rate: RateWindow
  latency: LatencyWindow
}

/** p50/p95/p99 of plain values (ms), nearest rank; null for none. */
export function summarize(values: readonly number[]): LatencySummary | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const pick = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!
  return { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), samples: sorted.length }
}

/** Handler keys are bounded: a flood of unknown types must not grow memory. */
const MAX_HANDLER_KEYS = 64

/** What the dashboard learns about one answer besides its status and timing (all optional). */
export interface AnswerInfo {
  id?: number
  /** The response row's http_status. */
  httpStatus?: number
  /** The response row's error_message. */
  error?: string | null
  /** The handler answered from a template (metadata.source = "fallback"). */
  fallback?: boolean
}

export interface LastErrorAnswer {
  at: string
  id: number
  handler: string
  httpStatus: number
  message: string
}

/**
 * Sees each committed answer's timings (ms) as PollerStats records them. `handler` is the bounded
 * key (a flood of unknown types shares '(other)'), safe as a metric label.
 */
export type AnswerObserver = (handler: string, status: 'completed' | 'failed', handlerMs: number, totalMs: number) => void

export class PollerStats {
  readonly totals: Totals = { processed: 0, failed: 0, expired: 0, retried: 0, recovered: 0, cancelledInFlight: 0, batches: 0, polls: 0 }
  private readonly rate = new RateWindow()
  private readonly latency = new LatencyWindow()
  private readonly handlers = new Map<string, HandlerFigures>()
  /** Answers and errored answers (HTTP >= 400) over the last 60 s, for the error rate. */
  private readonly answered60 = new RateWindow(60)
  private readonly errored60 = new RateWindow(60)
  /** The most recent answer with HTTP >= 400. */
  lastError: LastErrorAnswer | null = null
  /** Told about every answer (the service's histograms); a throwing observer is ignored. */
  observer: AnswerObserver | null = null

  constructor(private readonly startedAt = Date.now()) {}

  private handler(name: string): HandlerFigures {
    let h = this.handlers.get(name)
    if (!h) {
      const key = this.handlers.size >= MAX_HANDLER_KEYS ? '(other)' : name
      h = this.handlers.get(key)
      if (!h) {
        h = { key, processed: 0, failed: 0, retried: 0, errored: 0, fallbacks: 0, rate: new RateWindow(), latency: new LatencyWindow() }
        this.handlers.set(key, h)
      }
    }
    return h
  }

  /** A response was committed for a row: completed or failed. */
  answered(handler: string, status: 'completed' | 'failed', handlerMs: number, totalMs: number, now = Date.now(), info?: AnswerInfo): void {
    const h = this.handler(handler)
    this.answered60.add(1, now)
    const httpStatus = info?.httpStatus ?? (status === 'failed' ? 500 : 200)
    if (httpStatus >= 400) {
      h.errored++
      this.errored60.add(1, now)
      this.lastError = {
        at: new Date(now).toISOString(),
        id: info?.id ?? 0,
        handler,
        httpStatus,
        message: info?.error ?? `HTTP ${httpStatus}`
      }
    }
    if (info?.fallback) h.fallbacks++
    if (status === 'completed') {
      this.totals.processed++
      h.processed++
    } else {
      this.totals.failed++
      h.failed++
    }
    this.rate.add(1, now)
    h.rate.add(1, now)
    this.latency.add(totalMs, now)
    h.latency.add(handlerMs, now)
    if (this.observer) {
      try {
        this.observer(h.key, status, handlerMs, totalMs)
      } catch {
        // the figures above are recorded; a metrics observer must not break the commit path
      }
    }
  }

  retried(handler: string): void {
    this.totals.retried++
    this.handler(handler).retried++
  }

  uptimeSeconds(now = Date.now()): number {
    return Math.max(0, (now - this.startedAt) / 1000)
  }

  ratePerSecond(now = Date.now()): number {
    return this.rate.rate(now)
  }

  /** Share of the answers of the last 60 s with HTTP >= 400; null without answers. */
  errorRate(now = Date.now()): number | null {
    const all = this.answered60.sum(now)
    if (all <= 0) return null
    return Math.min(1, Math.round((this.errored60.sum(now) / all) * 1000) / 1000)
  }

  latencySummary(now = Date.now()): LatencySummary | null {
    return this.latency.summary(now)
  }

  handlerStats(now = Date.now()): RequestHandlerStats[] {
    return [...this.handlers.entries()]
      .map(([handler, h]) => ({
        handler,
        processed: h.processed,
        failed: h.failed,
        retried: h.retried,
        ratePerSecond: h.rate.rate(now),
        latencyMs: h.latency.summary(now),
        errored: h.errored,
        fallbacks: h.fallbacks
      }))
      .sort((a, b) => b.processed + b.failed - (a.processed + a.failed) || a.handler.localeCompare(b.handler))
  }

  /** The old service's periodic line. */
  statusLine(now = Date.now()): string {
    const up = this.uptimeSeconds(now)
    const rate = up > 0 ? this.totals.processed / up : 0
    return `Status: processed=${this.totals.processed}, failed=${this.totals.failed}, rate=${rate.toFixed(2)}/s`
  }

  /** The old service's shutdown block. */
  finalLines(now = Date.now()): string[] {
    const up = this.uptimeSeconds(now)
    const avg = up > 0 ? this.totals.processed / up : 0
    return [
      'Final Statistics:',
      `  Requests processed: ${this.totals.processed}`,
      `  Requests failed: ${this.totals.failed}`,
      `  Requests expired: ${this.totals.expired}`,
      `  Batches processed: ${this.totals.batches}`,
      `  Uptime: ${Math.round(up)} seconds`,
      `  Avg rate: ${avg.toFixed(2)}/s`
    ]
  }
}
