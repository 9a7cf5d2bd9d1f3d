/**
 * How the Requests page writes numbers, durations, times, statuses and JSON payloads.
 * Pure functions; no React.
 */
import type { AiRequestStatus } from '../../../../shared/contract'

export const STATUS_LABEL: Record<AiRequestStatus, string> = {
  pending: 'Pending',
  processing: 'Processing',
  completed: 'Completed',
  failed: 'Failed',
  timeout: 'Timeout',
  cancelled: 'Cancelled'
}

const intFormat = new Intl.NumberFormat('en-US')

export function formatCount(n: number): string {
  return intFormat.format(n)
}

/** "0", "0.4", "12.3", "1,204" per second. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0'
  if (perSecond < 100) return perSecond.toFixed(1).replace(/\.0$/, '')
  return intFormat.format(Math.round(perSecond))
}

/** Milliseconds: "0.4 ms", "12 ms", "1.25 s", "3 min". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms === 0) return '0 ms'
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 10) return Number.isInteger(ms) ? `${ms} ms` : `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  return `${(ms / 60_000).toFixed(1)} min`
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** Local time of an ISO timestamp: "14:03:27" today, "05-12 14:03:27" otherwise. */
export function formatTime(iso: string | null, now: Date = new Date()): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate()
  return sameDay ? time : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`
}

/** Full local date and time with milliseconds, for the detail panel. */
export function formatTimestamp(iso: string | null): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

export interface PrettyPayload {
  text: string
  /** False when the payload is not JSON and is shown as it came. */
  json: boolean
}

/** Pretty-printed JSON (2 spaces), or the raw text when it does not parse. */
export function prettyPayload(raw: string | null): PrettyPayload | null {
  if (raw === null) return null
  const trimmed = raw.trim()
  if (trimmed === '') return { text: raw, json: false }
  try {
    return { text: JSON.stringify(JSON.parse(trimmed) as unknown, null, 2), json: true }
  } catch {
    return { text: raw, json: false }
  }
}
