/**
 * Failed admin-token attempts per client address: rate-limited logging (at most one line per
 * client per `logEveryMs`, carrying how many failures it stands for) and a throttle (after
 * `maxFailures` failures within `windowMs` the client is refused — HTTP 429 / WebSocket close —
 * for `blockMs`, whatever token it sends, so guessing gets nowhere). A success clears the client's
 * record. The table is bounded.
 */
export interface AuthThrottleOptions {
  maxFailures?: number
  windowMs?: number
  blockMs?: number
  logEveryMs?: number
  /** Clients remembered at most (oldest forgotten first). */
  maxClients?: number
  now?: () => number
}

interface ClientRecord {
  /** Failures inside the current window. */
  failures: number
  windowStart: number
  blockedUntil: number
  lastLogAt: number
  /** Failures since the last log line. */
  unlogged: number
}

export interface FailureVerdict {
  /** Log a line now, standing for this many failures (0 = stay quiet). */
  logCount: number
  /** This failure started a block (log it once). */
  blockedNow: boolean
}

export class AuthThrottle {
  private readonly clients = new Map<string, ClientRecord>()
  private readonly o: Required<Omit<AuthThrottleOptions, 'now'>>
  private readonly now: () => number

  constructor(opts: AuthThrottleOptions = {}) {
    this.o = {
      maxFailures: opts.maxFailures ?? 20,
      windowMs: opts.windowMs ?? 60_000,
      blockMs: opts.blockMs ?? 60_000,
      logEveryMs: opts.logEveryMs ?? 10_000,
      maxClients: opts.maxClients ?? 10_000
    }
    this.now = opts.now ?? Date.now
  }

  get blockMs(): number {
    return this.o.blockMs
  }

  /** Seconds until the client may try again, or 0 when it is not blocked. */
  retryAfterSeconds(client: string): number {
    const r = this.clients.get(client)
    if (!r) return 0
    const left = r.blockedUntil - this.now()
    return left > 0 ? Math.ceil(left / 1000) : 0
  }

  failure(client: string): FailureVerdict {
    const now = this.now()
    let r = this.clients.get(client)
    if (!r) {
      if (this.clients.size >= this.o.maxClients) this.evict(now)
      r = { failures: 0, windowStart: now, blockedUntil: 0, lastLogAt: -Infinity, unlogged: 0 }
      this.clients.set(client, r)
    }
    if (now - r.windowStart > this.o.windowMs) {
      r.failures = 0
      r.windowStart = now
    }
    r.failures++
    r.unlogged++
    let blockedNow = false
    if (r.failures >= this.o.maxFailures && r.blockedUntil <= now) {
      r.blockedUntil = now + this.o.blockMs
      r.failures = 0
      r.windowStart = now
      blockedNow = true
    }
    let logCount = 0
    if (now - r.lastLogAt >= this.o.logEveryMs) {
      logCount = r.unlogged
      r.unlogged = 0
      r.lastLogAt = now
    }
    return { logCount, blockedNow }
  }

  success(client: string): void {
    this.clients.delete(client)
  }

  private evict(now: number): void {
    for (const [k, r] of this.clients) {
      if (r.blockedUntil <= now && now - r.windowStart > this.o.windowMs) this.clients.delete(k)
    }
    // Still full: forget the oldest entries (Map keeps insertion order).
    while (this.clients.size >= this.o.maxClients) {
      const first = this.clients.keys().next()
      if (first.done) break
      this.clients.delete(first.value)
    }
  }
}
