/**
 * How numbers, durations and times read on the dashboard (one place, so every page agrees).
 */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = bytes / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`
}

/** 45 s · 12 min 5 s · 3 h 12 min · 2 d 3 h */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds))
  const d = Math.floor(s / 86_400)
  const h = Math.floor((s % 86_400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  if (d > 0) return `${d} d ${h} h`
  if (h > 0) return `${h} h ${m} min`
  if (m > 0) return `${m} min ${sec} s`
  return `${sec} s`
}

/** "5 s ago", "3 min ago" — for times in the past relative to `now` (epoch ms). */
export function formatAgo(iso: string, now: number): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  return `${formatDuration((now - t) / 1000)} ago`
}

/** Local date and time, e.g. for tooltips. */
export function formatDateTime(iso: string): string {
  const t = new Date(iso)
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString()
}

/** Local wall-clock time with milliseconds, for log rows: 13:33:29.876 */
export function formatLogTime(iso: string): string {
  const t = new Date(iso)
  if (Number.isNaN(t.getTime())) return iso
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}`
}

/** Local wall-clock time: 13:33:29 */
export function formatClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString()
}
