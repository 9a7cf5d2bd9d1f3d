/**
 * Per-upstream counters and latency statistics for the HTTP client: running average over all
 * network calls, percentiles (nearest rank) over a bounded ring of recent samples.
 */
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
  private readonly window: Float64Array
  private windowPos = 0
  private windowFilled = 0

  constructor(
    readonly upstream: string,
    windowSize: number
  ) {
    this.window = new Float64Array(Math.max(1, windowSize))
  }

  recordLatency(ms: number): void {
    this.latencySum += ms
    this.latencyCount++
    this.window[this.windowPos] = ms
    this.windowPos = (this.windowPos + 1) % this.window.length
    if (this.windowFilled < this.window.length) this.windowFilled++
  }

  recordError(kind: HttpErrorKind): void {
    this.errors++
    this.errorsByKind[kind]++
  }

  snapshot(): UpstreamMetrics {
    const sorted = this.window.slice(0, this.windowFilled).sort()
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
        p50Ms: round2(percentile(sorted, 50)),
        p95Ms: round2(percentile(sorted, 95)),
        p99Ms: round2(percentile(sorted, 99)),
        samples: this.windowFilled
      }
    }
  }
}

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return 0
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)))
  return sorted[rank - 1] ?? 0
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}
