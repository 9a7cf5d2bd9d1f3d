/**
 * Typed mappers from raw database rows (unknown values from mysql2 / better-sqlite3) to the
 * queue's types. Both backends return timestamps as "YYYY-MM-DD HH:MM:SS[.fff]" strings in UTC
 * (MySQL: session time_zone '+00:00' and dateStrings; SQLite: strftime in UTC).
 */
import { AI_REQUEST_STATUSES, type AiRequestStatus, type RequestResponse, type RequestSummary, type RequestsListResult } from '../../shared/contract'
import { LIST_TOTAL_CAP, type ClaimedRow, type ListFilter } from './queue'

export type RawRow = Record<string, unknown>

export function num(v: unknown, fallback = 0): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v)
    return Number.isFinite(n) ? n : fallback
  }
  return fallback
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v)
}

export function str(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return ''
  if (Buffer.isBuffer(v)) return v.toString('utf8')
  return String(v)
}

export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : str(v)
}

export function status(v: unknown): AiRequestStatus {
  const s = str(v)
  return (AI_REQUEST_STATUSES as readonly string[]).includes(s) ? (s as AiRequestStatus) : 'failed'
}

/** "2025-01-02 03:04:05.678" (UTC) → epoch ms; null for null/unparseable. */
export function dbTimeToMs(v: unknown): number | null {
  if (v === null || v === undefined) return null
  if (v instanceof Date) return v.getTime()
  const s = str(v).trim()
  if (!s) return null
  const iso = s.includes('T') ? s : s.replace(' ', 'T')
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + 'Z')
  return Number.isNaN(ms) ? null : ms
}

export function dbTimeToIso(v: unknown): string | null {
  const ms = dbTimeToMs(v)
  return ms === null ? null : new Date(ms).toISOString()
}

export function toClaimed(r: RawRow): ClaimedRow {
  return {
    id: num(r.id),
    type: str(r.request_type),
    endpoint: strOrNull(r.endpoint),
    data: strOrNull(r.request_data),
    priority: num(r.priority, 5),
    retryCount: num(r.retry_count),
    correlationId: strOrNull(r.correlation_id),
    sourceNpc: strOrNull(r.source_npc),
    sourceMap: strOrNull(r.source_map),
    expiresAt: dbTimeToMs(r.expires_at)
  }
}

/** Columns a summary needs (request alias r, response alias s). */
export const SUMMARY_COLUMNS =
  'r.id, r.request_type, r.endpoint, r.status, r.priority, r.retry_count, r.source_npc, r.source_map, r.correlation_id, ' +
  'r.created_at, r.updated_at, r.expires_at, s.http_status, s.processing_time_ms, s.created_at AS answered_at'

export const PREVIEW_CHARS = 160

export function toSummary(r: RawRow): RequestSummary {
  return {
    id: num(r.id),
    type: str(r.request_type),
    endpoint: strOrNull(r.endpoint),
    status: status(r.status),
    priority: num(r.priority, 5),
    retryCount: num(r.retry_count),
    sourceNpc: strOrNull(r.source_npc),
    sourceMap: strOrNull(r.source_map),
    correlationId: strOrNull(r.correlation_id),
    createdAt: dbTimeToIso(r.created_at) ?? new Date(0).toISOString(),
    updatedAt: dbTimeToIso(r.updated_at) ?? dbTimeToIso(r.created_at) ?? new Date(0).toISOString(),
    expiresAt: dbTimeToIso(r.expires_at),
    dataPreview: strOrNull(r.preview),
    httpStatus: numOrNull(r.http_status),
    processingTimeMs: numOrNull(r.processing_time_ms),
    answeredAt: dbTimeToIso(r.answered_at)
  }
}

export function toResponse(r: RawRow): RequestResponse {
  return {
    id: num(r.id),
    responseData: strOrNull(r.response_data),
    httpStatus: numOrNull(r.http_status),
    errorMessage: strOrNull(r.error_message),
    processingTimeMs: numOrNull(r.processing_time_ms),
    createdAt: dbTimeToIso(r.created_at) ?? new Date(0).toISOString()
  }
}

/** Escapes a user's text for `LIKE ? ESCAPE '!'` (contains match). */
export function likeContains(text: string): string {
  return '%' + text.replace(/[!%_]/g, (c) => '!' + c) + '%'
}

/** Truncates to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s
  const buf = Buffer.from(s, 'utf8').subarray(0, maxBytes)
  // Drop a trailing partial character (the decoder turns it into U+FFFD).
  return buf.toString('utf8').replace(/\uFFFD+$/, '')
}

/**
 * The WHERE clause of `requests.list` for both backends: same filters, same placeholders.
 * `typeCollation` makes the request_type match case-insensitive where the column's collation
 * is not (SQLite); MariaDB's default collation already is.
 */
export function listWhere(
  filter: ListFilter,
  typeCollation = ''
): { baseWhere: string; args: unknown[]; pageWhere: string; pageArgs: unknown[]; countFrom: string } {
  const where: string[] = []
  const args: unknown[] = []
  if (filter.status && filter.status.length > 0) {
    where.push(`r.status IN (${filter.status.map(() => '?').join(', ')})`)
    args.push(...filter.status)
  }
  if (filter.type) {
    where.push(`r.request_type = ?${typeCollation}`)
    args.push(filter.type)
  }
  if (filter.npc) {
    where.push("r.source_npc LIKE ? ESCAPE '!'")
    args.push(likeContains(filter.npc))
  }
  if (filter.map) {
    where.push("r.source_map LIKE ? ESCAPE '!'")
    args.push(likeContains(filter.map))
  }
  if (filter.id !== undefined) {
    where.push('r.id = ?')
    args.push(filter.id)
  }
  if (filter.http) where.push(HTTP_FILTER_SQL[filter.http])
  const baseWhere = where.length ? where.join(' AND ') : '1 = 1'
  const paged = filter.beforeId !== undefined
  return {
    baseWhere,
    args,
    pageWhere: paged ? `${baseWhere} AND r.id < ?` : baseWhere,
    pageArgs: paged ? [...args, filter.beforeId] : args,
    // The count only joins the responses when a filter reads them.
    countFrom: filter.http ? 'ai_requests r LEFT JOIN ai_responses s ON s.request_id = r.id' : 'ai_requests r'
  }
}

/** `requests.list`'s HTTP status filter (response alias s, LEFT JOINed). */
const HTTP_FILTER_SQL: Record<NonNullable<ListFilter['http']>, string> = {
  '2xx': 's.http_status BETWEEN 200 AND 299',
  '4xx': 's.http_status BETWEEN 400 AND 499',
  '5xx': 's.http_status BETWEEN 500 AND 599',
  error: 's.http_status >= 400',
  none: 's.request_id IS NULL'
}

/** The newest (answered_at, created_at) pairs → insert → answer times (rows with unparseable times dropped). */
export function toWaits(raw: RawRow[]): { answeredAt: number; waitMs: number }[] {
  const out: { answeredAt: number; waitMs: number }[] = []
  for (const r of raw) {
    const answeredAt = dbTimeToMs(r.answered_at)
    const createdAt = dbTimeToMs(r.created_at)
    if (answeredAt === null || createdAt === null) continue
    out.push({ answeredAt, waitMs: Math.max(0, answeredAt - createdAt) })
  }
  return out
}

/**
 * A `requests.list` page from the rows fetched (one more than the limit, to know if there is an
 * older page) and the capped match count.
 */
export function listPage(fetched: RawRow[], cappedCount: number, limit: number): RequestsListResult {
  const page = fetched.slice(0, limit).map(toSummary)
  return {
    rows: page,
    nextBeforeId: fetched.length > limit && page.length > 0 ? page[page.length - 1]!.id : null,
    total: Math.min(cappedCount, LIST_TOTAL_CAP),
    totalCapped: cappedCount > LIST_TOTAL_CAP
  }
}

