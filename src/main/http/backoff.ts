/**
 * Retry timing: exponential backoff with jitter and a cap, and parsing of the Retry-After
 * header (delta-seconds or HTTP-date).
 */

export interface BackoffOptions {
  baseMs: number
  maxMs: number
  /** Ratio in [0, 1]: the delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number
}

/** Delay before retry number `retry` (0 = the first retry): base·2^retry, capped, jittered, capped again. */
export function backoffDelay(retry: number, opts: BackoffOptions, random: () => number): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(retry, 30))
  const jitter = Math.min(1, Math.max(0, opts.jitter))
  const factor = 1 + jitter * (2 * random() - 1)
  return Math.max(0, Math.min(opts.maxMs, Math.round(exp * factor)))
}

/**
 * Retry-After in ms, or undefined when absent/unparseable. Accepts delta-seconds ("120",
 * fractional values too) or an HTTP-date (compared with `nowEpochMs`, wall time).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowEpochMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return undefined
  const v = raw.trim()
  if (v === '') return undefined
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const date = Date.parse(v)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - nowEpochMs)
}
