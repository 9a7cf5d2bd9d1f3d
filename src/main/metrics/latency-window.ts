/**
 * The one latency window behind every p50/p95/p99 the UI shows (the poller's answers and handlers,
 * the HTTP client's upstreams): log-bucketed histograms over a sliding time window — constant
 * memory and O(buckets) percentiles whatever the rate, percentiles within the bucket resolution
 * (5 %). The Prometheus export does not use it: it exports real histograms (prometheus.ts), which
 * can be aggregated across hosts; this window is for the live figures of one host.
 */

const BUCKET_BASE_MS = 0.05
const BUCKET_GROWTH = 1.05
const BUCKETS = 340 // up to ~0.05 × 1.05^340 ≈ 800 s
const LOG_GROWTH = Math.log(BUCKET_GROWTH)

function bucketOf(ms: number): number {
  if (!(ms > BUCKET_BASE_MS)) return 0
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / BUCKET_BASE_MS) / LOG_GROWTH))
}

function bucketValue(i: number): number {
  return BUCKET_BASE_MS * Math.pow(BUCKET_GROWTH, i)
}

/** Percentiles in ms (each the upper bound of its bucket, to 0.01 ms) and the samples they cover. */
export interface LatencyPercentiles {
  p50: number
  p95: number
  p99: number
  samples: number
}

/**
 * Latency percentiles over a sliding window of `slots` × `slotMs` (default 12 × 5 s = 60 s).
 * `now` is any non-negative monotonic millisecond clock (Date.now, performance.now), the same for
 * add and summary.
 */
export class LatencyWindow {
  private readonly hist: Uint32Array[]
  private readonly starts: number[]
  constructor(
    private readonly slotMs = 5000,
    private readonly slots = 12
  ) {
    this.hist = Array.from({ length: slots }, () => new Uint32Array(BUCKETS))
    this.starts = new Array<number>(slots).fill(-1)
  }

  private slot(now: number): Uint32Array {
    const n = Math.floor(now / this.slotMs)
    const i = n % this.slots
    if (this.starts[i] !== n) {
      this.starts[i] = n
      this.hist[i]!.fill(0)
    }
    return this.hist[i]!
  }

  add(ms: number, now: number): void {
    this.slot(now)[bucketOf(ms)]!++
  }

  /** p50/p95/p99 of the samples in the window; null when there are none. */
  summary(now: number): LatencyPercentiles | null {
    const cur = Math.floor(now / this.slotMs)
    const merged = new Uint32Array(BUCKETS)
    let total = 0
    for (let s = 0; s < this.slots; s++) {
      const start = this.starts[s]!
      if (start < 0 || cur - start >= this.slots) continue
      const h = this.hist[s]!
      for (let b = 0; b < BUCKETS; b++) {
        const v = h[b]!
        if (v) {
          merged[b]! += v
          total += v
        }
      }
    }
    if (total === 0) return null
    const pick = (p: number): number => {
      const rank = Math.max(1, Math.ceil(total * p))
      let acc = 0
      for (let b = 0; b < BUCKETS; b++) {
        acc += merged[b]!
        if (acc >= rank) return Math.round(bucketValue(b) * 100) / 100
      }
      return Math.round(bucketValue(BUCKETS - 1) * 100) / 100
    }
    return { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), samples: total }
  }
}
