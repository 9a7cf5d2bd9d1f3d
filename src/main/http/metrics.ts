/**
 * Per-upstream counters and latency statistics for the HTTP client: running average over all
 * network calls, percentiles over the last 60 s of calls (the shared LatencyWindow, the same the
 * poller's figures use).
 */
import { LatencyWindow } from '../metrics/latency-window'
import type { HttpErrorKind, UpstreamMetrics } from './types'

export class UpstreamStats {
  requests = 0
  errors = 0
  cacheHits = 0
  cacheMisses = 0
  retries = 0
  rateLimitWaits = 0
  inFlight = 0
  readonly errorsByKind: Record<HttpErrorKind, number> = {
    timeout: 0,
    connection: 0,
    http: 0,
    invalid_json: 0,
    aborted: 0
  }
  private latencySum = 0
  private latencyCount = 0
  private readonly window = new LatencyWindow()

  constructor(
    readonly upstream: string,
    /** Monotonic ms clock of the percentile window (the client's clock). */
    private readonly now: () => number
  ) {}

  recordLatency(ms: number): void {
    this.latencySum += ms
    this.latencyCount++
    this.window.add(ms, this.now())
  }

  recordError(kind: HttpErrorKind): void {
    this.errors++
    this.errorsByKind[kind]++
  }

  snapshot(): UpstreamMetrics {
    const p = this.window.summary(this.now())
    return {
      upstream: this.upstream,
      requests: this.requests,
      errors: this.errors,
      errorsByKind: { ...this.errorsByKind },
      cacheHits: this.cacheHits,
      cacheMisses: this.cacheMisses,
      retries: this.retries,
      rateLimitWaits: this.rateLimitWaits,
      inFlight: this.inFlight,
      latency: {
        avgMs: this.latencyCount === 0 ? 0 : round2(this.latencySum / this.latencyCount),
        p50Ms: p?.p50 ?? 0,
        p95Ms: p?.p95 ?? 0,
        p99Ms: p?.p99 ?? 0,
        samples: p?.samples ?? 0
      }
    }
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}
