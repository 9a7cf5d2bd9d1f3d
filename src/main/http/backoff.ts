/**
 * Retry timing for HTTP: the shared exponential backoff (src/shared/backoff.ts) and parsing of
 * the Retry-After header (delta-seconds or HTTP-date).
 */

export { backoffDelay, type BackoffOptions } from '../../shared/backoff'

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
