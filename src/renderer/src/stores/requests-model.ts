/**
 * The Requests page's pure model: filters (and the links that carry them), the `requests.list`
 * input they make, input limits read from the contract's schemas, row reconciliation, the rate
 * history, and how errors and test outcomes read. No state, no client: the store
 * (stores/requests.ts) and the tests use these.
 */
import type { z } from 'zod'
import {
  AI_REQUEST_STATUSES,
  AiRequestIdSchema,
  ContractCallError,
  HTTP_STATUS_FILTERS,
  methods,
  RequestsListInputSchema,
  RequestsPurgeInputSchema,
  RequestsSubmitTestInputSchema,
  type AiRequestStatus,
  type ContractErrorCode,
  type HttpStatusFilter,
  type MethodInput,
  type RequestDetail,
  type RequestsSubmitTestResult,
  type RequestSummary
} from '../../../shared/contract'
import { errorMessage } from '../api/call-result'

/** Rows per `requests.list` call (first page and each older page). */
export const PAGE_SIZE = 100
/** How much rate history the sparkline keeps. */
export const RATE_WINDOW_MS = 120_000
/** Stats and list refetches are applied at most this often. */
export const LIVE_THROTTLE_MS = 1000
/** Stats older than this while the page is open are fetched (events come at least every 5 s). */
export const STATS_STALE_MS = 7000

// Input limits, read from the contract's own schemas (never re-typed here).
const listInput = RequestsListInputSchema.unwrap().shape
const testInput = RequestsSubmitTestInputSchema.unwrap().shape
const resetStuckInput = methods['requests.resetStuck'].input.unwrap().shape

/** A bound a schema declares (zod reports null for none), as an HTML attribute takes it. */
const bound = (v: number | null): number | undefined => v ?? undefined
const range = (s: { minValue: number | null; maxValue: number | null }): { min: number | undefined; max: number | undefined } => ({
  min: bound(s.minValue),
  max: bound(s.maxValue)
})

export const LIMITS = {
  requestId: range(AiRequestIdSchema),
  filter: { type: bound(listInput.type.unwrap().maxLength), npc: bound(listInput.npc.unwrap().maxLength), map: bound(listInput.map.unwrap().maxLength) },
  purgeDays: range(RequestsPurgeInputSchema.shape.olderThanDays),
  resetStuckSeconds: range(resetStuckInput.olderThanSeconds.unwrap()),
  test: {
    type: bound(testInput.type.unwrap().maxLength),
    endpoint: bound(testInput.endpoint.unwrap().maxLength),
    data: bound(testInput.data.unwrap().maxLength),
    priority: range(testInput.priority.unwrap())
  }
} as const

/** A whole number typed into a field, checked with the contract's schema: the number, or null. */
export function parseWhole(text: string, schema: z.ZodType<number>): number | null {
  const t = text.trim()
  if (!/^\d{1,16}$/.test(t)) return null
  const r = schema.safeParse(Number(t))
  return r.success ? r.data : null
}

/** The purge's day count, or null when the schema refuses it. */
export const parsePurgeDays = (text: string): number | null => parseWhole(text, RequestsPurgeInputSchema.shape.olderThanDays)
/** Reset stuck's threshold: undefined for "poller default" (empty), null when refused. */
export function parseResetStuckSeconds(text: string): number | null | undefined {
  return text.trim() === '' ? undefined : parseWhole(text, resetStuckInput.olderThanSeconds.unwrap())
}
/** A test request's priority, or null when refused. */
export const parseTestPriority = (text: string): number | null => parseWhole(text, testInput.priority.unwrap())
/** A test request's type is acceptable (trimmed, not empty, within the schema's length). */
export const testTypeOk = (text: string): boolean => testInput.type.unwrap().safeParse(text).success

export interface RequestsFilters {
  statuses: AiRequestStatus[]
  type: string
  npc: string
  map: string
  /** As typed; must be a request id (AiRequestIdSchema) to be sent. */
  id: string
  /** The answer's HTTP status class ('' = any). */
  http: HttpStatusFilter | ''
}

export const EMPTY_FILTERS: RequestsFilters = { statuses: [], type: '', npc: '', map: '', id: '', http: '' }

export interface ServerError {
  code: ContractErrorCode | 'client'
  message: string
  issues?: { path: string; message: string }[]
}

export interface RatePoint {
  /** Epoch ms. */
  t: number
  rate: number
}

export type ActionKind = 'retry' | 'retryAll' | 'cancel' | 'resetStuck' | 'purge' | 'submitTest' | 'loadOlder'

/** ok ✓ · warn ⚠ (the action ran but its result is bad news, e.g. a test request that failed) · error ✕ (the action failed). */
export type OutcomeTone = 'ok' | 'warn' | 'error'

export interface ActionOutcome {
  kind: ActionKind
  ok: boolean
  tone: OutcomeTone
  text: string
  /** Epoch ms (lets the page tell two equal messages apart). */
  at: number
}

export interface DetailState {
  id: number
  loading: boolean
  data: RequestDetail | null
  error: ServerError | null
}

export function toServerError(err: unknown): ServerError {
  if (err instanceof ContractCallError) {
    return { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) }
  }
  return { code: 'client', message: errorMessage(err) }
}

/** One line for an error, with the failing fields of a bad_input. */
export function describeError(e: ServerError): string {
  if (!e.issues || e.issues.length === 0) return e.message
  return `${e.message}: ${e.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`
}

export function filtersActive(f: RequestsFilters): boolean {
  return f.statuses.length > 0 || f.type.trim() !== '' || f.npc.trim() !== '' || f.map.trim() !== '' || f.id.trim() !== '' || f.http !== ''
}

/**
 * Filters from a link's query (`#/requests?status=pending,processing&http=error&id=42`), so other
 * pages can link to a filtered Requests view; null when the query names no filter. Unknown
 * statuses and HTTP classes are ignored.
 */
export function filtersFromQuery(query: string): RequestsFilters | null {
  const q = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)
  const keys = ['status', 'type', 'npc', 'map', 'id', 'http']
  if (!keys.some((k) => q.has(k))) return null
  const statuses = (q.get('status') ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v): v is AiRequestStatus => (AI_REQUEST_STATUSES as readonly string[]).includes(v))
  const http = q.get('http') ?? ''
  return {
    statuses: AI_REQUEST_STATUSES.filter((st) => statuses.includes(st)),
    type: q.get('type') ?? '',
    npc: q.get('npc') ?? '',
    map: q.get('map') ?? '',
    id: q.get('id') ?? '',
    http: (HTTP_STATUS_FILTERS as readonly string[]).includes(http) ? (http as HttpStatusFilter) : ''
  }
}

/** The link to a filtered Requests view (see filtersFromQuery). */
export function requestsHref(f: Partial<Pick<RequestsFilters, 'statuses' | 'http' | 'id' | 'type'>> = {}): string {
  const q = new URLSearchParams()
  if (f.statuses && f.statuses.length > 0) q.set('status', f.statuses.join(','))
  if (f.http) q.set('http', f.http)
  if (f.type) q.set('type', f.type)
  if (f.id) q.set('id', f.id)
  const qs = q.toString()
  return qs ? `#/requests?${qs}` : '#/requests'
}

/** What the result line says after "Send test request": a test that did not succeed is never a check mark. */
export function testOutcome(v: Pick<RequestsSubmitTestResult, 'id' | 'status' | 'response'>): { tone: OutcomeTone; text: string } {
  const http = v.response?.httpStatus ?? null
  if (v.status === 'pending' || v.status === 'processing') return { tone: 'warn', text: `Test request #${v.id} is still ${v.status}` }
  if (v.status === 'completed' && (http === null || http < 400)) return { tone: 'ok', text: `Test request #${v.id} completed` }
  if (v.status === 'completed') return { tone: 'warn', text: `Test request #${v.id} completed with HTTP ${http} (an error answer)` }
  return { tone: 'warn', text: `Test request #${v.id} ${v.status}${http !== null ? ` (HTTP ${http})` : ''}` }
}

/** The `requests.list` input for these filters, or a problem that keeps the call from being made. */
export function buildListInput(
  f: RequestsFilters,
  beforeId?: number
): { input: MethodInput<'requests.list'> } | { problem: string } {
  const input: MethodInput<'requests.list'> = { limit: PAGE_SIZE }
  if (f.statuses.length > 0 && f.statuses.length < AI_REQUEST_STATUSES.length) {
    input.status = AI_REQUEST_STATUSES.filter((s) => f.statuses.includes(s))
  }
  const labels = { type: 'Type', npc: 'NPC', map: 'Map' } as const
  for (const key of ['type', 'npc', 'map'] as const) {
    const text = f[key].trim()
    if (!text) continue
    if (!listInput[key].safeParse(text).success) return { problem: `${labels[key]} is at most ${LIMITS.filter[key]} characters` }
    input[key] = text
  }
  const id = f.id.trim().replace(/^#/, '')
  if (id) {
    const n = parseWhole(id, AiRequestIdSchema)
    if (n === null) return { problem: `Id must be a whole number from ${LIMITS.requestId.min} to ${LIMITS.requestId.max}` }
    input.id = n
  }
  if (f.http) input.http = f.http
  if (beforeId !== undefined) input.beforeId = beforeId
  return { input }
}

function sameRow(a: RequestSummary, b: RequestSummary): boolean {
  return (
    a.id === b.id &&
    a.status === b.status &&
    a.updatedAt === b.updatedAt &&
    a.retryCount === b.retryCount &&
    a.httpStatus === b.httpStatus &&
    a.processingTimeMs === b.processingTimeMs &&
    a.answeredAt === b.answeredAt &&
    a.priority === b.priority &&
    a.type === b.type &&
    a.endpoint === b.endpoint &&
    a.sourceNpc === b.sourceNpc &&
    a.sourceMap === b.sourceMap &&
    a.correlationId === b.correlationId &&
    a.createdAt === b.createdAt &&
    a.expiresAt === b.expiresAt &&
    a.dataPreview === b.dataPreview
  )
}

/** `next` with every unchanged row replaced by the object already rendered (memoized rows skip). */
export function reconcileRows(prev: readonly RequestSummary[], next: readonly RequestSummary[]): RequestSummary[] {
  if (prev.length === 0) return next.slice()
  const byId = new Map<number, RequestSummary>()
  for (const r of prev) byId.set(r.id, r)
  let allSame = prev.length === next.length
  const out = next.map((r, i) => {
    const old = byId.get(r.id)
    const keep = old !== undefined && sameRow(old, r) ? old : r
    if (allSame && prev[i] !== keep) allSame = false
    return keep
  })
  return allSame ? (prev as RequestSummary[]) : out
}

/** Appends a rate sample and drops what fell out of the window. */
export function pushRate(history: readonly RatePoint[], point: RatePoint, windowMs = RATE_WINDOW_MS): RatePoint[] {
  const from = point.t - windowMs
  const kept = history.filter((p) => p.t >= from && p.t < point.t)
  kept.push(point)
  return kept
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`

/** Checked rows with one of these statuses (what an action would touch). */
export function checkedWithStatus(s: { rows: readonly RequestSummary[]; checked: ReadonlySet<number> }, statuses: readonly AiRequestStatus[]): number[] {
  if (s.checked.size === 0) return []
  return s.rows.filter((r) => s.checked.has(r.id) && statuses.includes(r.status)).map((r) => r.id)
}

export type PurgeStatus = 'completed' | 'failed' | 'timeout' | 'cancelled'
