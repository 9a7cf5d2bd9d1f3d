/**
 * Per-client rate limits as the real coordinator applies them: a fixed window per client address
 * and path (100 requests a minute, 10 on /auth). `take()` says whether a request may pass and the
 * figures for the `X-RateLimit-*` headers. The table is bounded (oldest windows forgotten first).
 */
export interface RateLimitSettings {
  /** Requests per window on most paths. */
  limit: number
  /** Requests per window on /api/v1/auth/*. */
  authLimit: number
  windowMs: number
  /** Client/path windows remembered at most. */
  maxKeys: number
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = { limit: 100, authLimit: 10, windowMs: 60_000, maxKeys: 50_000 }

export interface RateVerdict {
  allowed: boolean
  limit: number
  remaining: number
  /** Epoch seconds when the window resets. */
  resetAt: number
  /** Seconds until the window resets (Retry-After). */
  retryAfter: number
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>()

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number
  ) {}

  take(client: string, path: string): RateVerdict {
    const limit = path.startsWith('/api/v1/auth/') ? this.settings.authLimit : this.settings.limit
    const key = `${client} ${path}`
    const now = this.now()
    let w = this.windows.get(key)
    if (!w || now - w.start >= this.settings.windowMs) {
      if (w) this.windows.delete(key)
      w = { start: now, count: 0 }
      this.windows.set(key, w)
      if (this.windows.size > this.settings.maxKeys) this.evict(now)
    }
    w.count++
    const end = w.start + this.settings.windowMs
    return {
      allowed: w.count <= limit,
      limit,
      remaining: Math.max(0, limit - w.count),
      resetAt: Math.ceil(end / 1000),
      retryAfter: Math.max(1, Math.ceil((end - now) / 1000))
    }
  }

  private evict(now: number): void {
    for (const [k, w] of this.windows) {
      if (now - w.start >= this.settings.windowMs || this.windows.size > this.settings.maxKeys) this.windows.delete(k)
      else break
    }
  }
}
