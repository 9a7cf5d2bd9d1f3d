/**
 * Token-bucket rate limiting for one upstream: a per-second and a per-minute bucket that refill
 * continuously from an injectable monotonic clock. Callers wait for a token (FIFO); they are
 * never rejected. The fast path (a token is free and nobody waits) is synchronous and allocates
 * nothing.
 */

export interface TokenBucketOptions {
  /** Tokens per second, also the burst size. Infinity/≤0 = no per-second bucket. */
  perSecond: number
  /** Tokens per minute. Infinity/≤0 = no per-minute bucket. */
  perMinute: number
  /** Monotonic clock in ms. */
  clock: () => number
  /** Sleep used while waiting for a token. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** Floating-point slack so refill arithmetic like 500 ms × 0.002/ms counts as a whole token. */
const EPSILON = 1e-9

class Bucket {
  tokens: number
  readonly ratePerMs: number

  constructor(readonly capacity: number, perMs: number) {
    this.tokens = capacity
    this.ratePerMs = perMs
  }

  refill(elapsedMs: number): void {
    if (elapsedMs > 0 && this.tokens < this.capacity) {
      this.tokens = Math.min(this.capacity, this.tokens + elapsedMs * this.ratePerMs)
    }
  }

  /** Ms until this bucket holds one token (0 when it already does). */
  waitMs(): number {
    const missing = 1 - EPSILON - this.tokens
    return missing <= 0 ? 0 : missing / this.ratePerMs
  }
}

export class TokenBucketLimiter {
  private readonly second: Bucket | null
  private readonly minute: Bucket | null
  private readonly clock: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  private last: number
  private waiting = 0
  private chain: Promise<void> = Promise.resolve()

  constructor(opts: TokenBucketOptions) {
    this.second = isFinitePositive(opts.perSecond) ? new Bucket(opts.perSecond, opts.perSecond / 1000) : null
    this.minute = isFinitePositive(opts.perMinute) ? new Bucket(opts.perMinute, opts.perMinute / 60_000) : null
    this.clock = opts.clock
    this.sleep = opts.sleep
    this.last = opts.clock()
  }

  /** Callers currently queued for a token. */
  get queued(): number {
    return this.waiting
  }

  /** Tokens available now in each bucket (Infinity for an absent bucket). */
  available(): { second: number; minute: number } {
    this.refill()
    return { second: this.second?.tokens ?? Infinity, minute: this.minute?.tokens ?? Infinity }
  }

  /** Takes a token if one is free right now and nobody is queued ahead. */
  tryAcquire(): boolean {
    return this.waiting === 0 && this.take()
  }

  /**
   * Takes a token, waiting (FIFO) until one is free. Returns null when the token was taken
   * synchronously (no promise allocated), otherwise a promise that resolves once it is taken and
   * rejects only if `signal` aborts the wait.
   */
  acquire(signal?: AbortSignal): Promise<void> | null {
    if (this.waiting === 0 && this.take()) return null
    this.waiting++
    const turn = this.chain.then(() => this.waitForToken(signal))
    const done = turn.finally(() => {
      this.waiting--
    })
    this.chain = done.then(noop, noop)
    if (signal === undefined) return done
    // Abort promptly even while queued behind others (its turn then skips without a token).
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(abortError())
      signal.addEventListener('abort', onAbort, { once: true })
      done.then(
        () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(err instanceof Error ? err : abortError())
        }
      )
    })
  }

  private async waitForToken(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw abortError()
      if (this.take()) return
      await this.sleep(Math.max(1, Math.ceil(this.msUntilToken())), signal)
    }
  }

  private refill(): void {
    const now = this.clock()
    const elapsed = now - this.last
    this.last = now
    this.second?.refill(elapsed)
    this.minute?.refill(elapsed)
  }

  private take(): boolean {
    const s = this.second
    const m = this.minute
    if (s === null && m === null) return true
    this.refill()
    if ((s === null || s.tokens >= 1 - EPSILON) && (m === null || m.tokens >= 1 - EPSILON)) {
      if (s) s.tokens -= 1
      if (m) m.tokens -= 1
      return true
    }
    return false
  }

  private msUntilToken(): number {
    return Math.max(this.second?.waitMs() ?? 0, this.minute?.waitMs() ?? 0)
  }
}

function isFinitePositive(n: number): boolean {
  return Number.isFinite(n) && n > 0
}

function noop(): void {}

function abortError(): Error {
  const err = new Error('aborted while waiting for a rate-limit token')
  err.name = 'AbortError'
  return err
}
