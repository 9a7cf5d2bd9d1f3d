/**
 * What the Logs view shows of the buffer: entries at or above the minimum level, after the
 * "clear view" mark, matching the search text in message, scope, level or fields (case-insensitive).
 */
import { levelRank, type LogEntry, type LogLevel } from '../../../../shared/log'

const haystacks = new WeakMap<LogEntry, string>()

function haystack(e: LogEntry): string {
  let h = haystacks.get(e)
  if (h === undefined) {
    h = `${e.msg}\n${e.scope}\n${e.level}\n${e.fields ? fieldsText(e.fields) : ''}`.toLowerCase()
    haystacks.set(e, h)
  }
  return h
}

/** Fields as one line: `key=value key2={"a":1}`. */
export function fieldsText(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
}

export interface LogFilter {
  minLevel: LogLevel
  search: string
  /** Only entries with a greater seq. */
  afterSeq: number
}

export function filterLogEntries(entries: readonly LogEntry[], filter: LogFilter): LogEntry[] {
  const minRank = levelRank(filter.minLevel)
  const needle = filter.search.trim().toLowerCase()
  const start = filter.afterSeq < 0 ? 0 : firstIndexAfter(entries, filter.afterSeq)
  if (start === 0 && minRank === 0 && needle === '') return entries as LogEntry[]
  const out: LogEntry[] = []
  for (let i = start; i < entries.length; i++) {
    const e = entries[i]!
    if (levelRank(e.level) < minRank) continue
    if (needle && !haystack(e).includes(needle)) continue
    out.push(e)
  }
  return out
}

/** Index of the first entry with seq > `seq` in a list ordered by seq. */
export function firstIndexAfter(entries: readonly LogEntry[], seq: number): number {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (entries[mid]!.seq <= seq) lo = mid + 1
    else hi = mid
  }
  return lo
}
