/**
 * Rate-limited log lines: at most one line per key per period; the lines held back meanwhile are
 * counted and reported with the next line of that key ("… (and 41 more like it in the last 10 s)").
 * For warnings that can come once per request (refused requests, upstream errors, expiries): a
 * flood must not drown the log or cost a formatted line per row.
 */
import type { Logger } from './logger'

type Level = 'debug' | 'info' | 'warn' | 'error'

interface KeyState {
  lastAt: number
  suppressed: number
}

/** Keys are bounded: a flood of distinct keys (e.g. request types) must not grow memory. */
const MAX_KEYS = 256

export class ThrottledLog {
  private readonly keys = new Map<string, KeyState>()

  constructor(
    private readonly log: Logger,
    private readonly periodMs = 10_000,
    private readonly now: () => number = () => performance.now()
  ) {}

  /** Logs `message` unless a line with the same key went out less than `periodMs` ago. */
  write(level: Level, key: string, message: string, fields: Record<string, unknown> = {}): boolean {
    const now = this.now()
    let s = this.keys.get(key)
    if (s !== undefined && now - s.lastAt < this.periodMs) {
      s.suppressed++
      return false
    }
    const suppressed = s?.suppressed ?? 0
    if (s === undefined) {
      if (this.keys.size >= MAX_KEYS) this.keys.clear()
      s = { lastAt: now, suppressed: 0 }
      this.keys.set(key, s)
    } else {
      s.lastAt = now
      s.suppressed = 0
    }
    const tail = suppressed > 0 ? ` (and ${suppressed} more like it in the last ${Math.round(this.periodMs / 1000)} s)` : ''
    this.log[level](message + tail, suppressed > 0 ? { ...fields, suppressed } : fields)
    return true
  }

  warn(key: string, message: string, fields?: Record<string, unknown>): boolean {
    return this.write('warn', key, message, fields)
  }
}
