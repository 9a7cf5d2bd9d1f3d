/**
 * Requests store: the AI request queue as the Requests page shows it.
 *
 * - Stats: the initial `requests.stats` call plus the `requests.stats` event, applied at most once
 *   a second, with a client-side rate history (the last RATE_WINDOW_MS) for the sparkline. While the
 *   poller is unavailable the page shows the server's message and retries every few seconds.
 * - List: `requests.list` with the page's filters, keyset-paged ("load older" with nextBeforeId).
 *   `requests.changed` hints refetch the first page at most once a second — unless the user has
 *   scrolled away from the top or loaded older pages: then the hints only count "N new".
 *   Refetched rows that did not change keep their object identity so memoized rows skip rendering.
 * - Selection (checked ids for the actions, one active id for the detail panel), the detail fetch,
 *   and the actions (retry, cancel, reset stuck, purge, test request) with their result line.
 *
 * Page-independent: `attachRequestsStore` subscribes once; `activateRequestsPage` marks the page
 * as mounted so list hints are only acted on while someone looks at the list.
 */
import { create } from 'zustand'
import {
  AI_REQUEST_STATUSES,
  ContractCallError,
  HTTP_STATUS_FILTERS,
  type HttpStatusFilter,
  type AiRequestStatus,
  type ContractClient,
  type ContractErrorCode,
  type MethodInput,
  type RequestDetail,
  type RequestsChanged,
  type RequestsStats,
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
/** While the poller is unavailable, ask again this often (the page is open). */
const UNAVAILABLE_RETRY_MS = 5000
/** Stats older than this while the page is open are fetched (events come at least every 5 s). */
const STATS_STALE_MS = 7000
const STATS_CHECK_MS = 2500

const ID_MAX = 4_294_967_295

export interface RequestsFilters {
  statuses: AiRequestStatus[]
  type: string
  npc: string
  map: string
  /** As typed; must be a request id (1 … 2^32−1) to be sent. */
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

interface RequestsStore {
  // --- stats
  stats: RequestsStats | null
  /** Epoch ms when `stats` was applied. */
  statsAt: number | null
  statsError: ServerError | null
  rateHistory: RatePoint[]

  // --- list
  filters: RequestsFilters
  /** A filter the server cannot take (e.g. id not a number): no call is made. */
  filterProblem: string | null
  rows: RequestSummary[]
  nextBeforeId: number | null
  total: number
  totalCapped: boolean
  listState: 'idle' | 'loading' | 'ready' | 'error'
  listError: ServerError | null
  loadingOlder: boolean
  /** Older pages were appended (live refetches pause). */
  olderLoaded: boolean
  /** The user scrolled away from the top of the list (live refetches pause). */
  scrolledAway: boolean
  /** While paused: new request ids seen by the hints, and rows changed. */
  pendingNew: number
  pendingChanged: number
  /** Epoch ms of the last list answer. */
  listAt: number | null

  // --- selection and detail
  checked: ReadonlySet<number>
  activeId: number | null
  detail: DetailState | null

  // --- actions
  busy: ActionKind | null
  outcome: ActionOutcome | null
  testResult: RequestsSubmitTestResult | null
}

const initialState: RequestsStore = {
  stats: null,
  statsAt: null,
  statsError: null,
  rateHistory: [],
  filters: EMPTY_FILTERS,
  filterProblem: null,
  rows: [],
  nextBeforeId: null,
  total: 0,
  totalCapped: false,
  listState: 'idle',
  listError: null,
  loadingOlder: false,
  olderLoaded: false,
  scrolledAway: false,
  pendingNew: 0,
  pendingChanged: 0,
  listAt: null,
  checked: new Set<number>(),
  activeId: null,
  detail: null,
  busy: null,
  outcome: null,
  testResult: null
}

export const useRequestsStore = create<RequestsStore>(() => initialState)

const set = useRequestsStore.setState
const get = useRequestsStore.getState

// ---------------------------------------------------------------------------------------------
// Pure helpers (exported for the page and for tests)

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
  const type = f.type.trim()
  if (type) {
    if (type.length > 50) return { problem: 'Type is at most 50 characters' }
    input.type = type
  }
  const npc = f.npc.trim()
  if (npc) {
    if (npc.length > 100) return { problem: 'NPC is at most 100 characters' }
    input.npc = npc
  }
  const map = f.map.trim()
  if (map) {
    if (map.length > 50) return { problem: 'Map is at most 50 characters' }
    input.map = map
  }
  const id = f.id.trim().replace(/^#/, '')
  if (id) {
    const n = /^\d{1,10}$/.test(id) ? Number(id) : NaN
    if (!Number.isInteger(n) || n < 1 || n > ID_MAX) return { problem: 'Id must be a whole number from 1 to 4294967295' }
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

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`

// ---------------------------------------------------------------------------------------------
// Wiring to the client

let client: ContractClient | null = null
let attached = false
let pageMounts = 0

function requireClient(): ContractClient {
  if (!client) throw new Error('attachRequestsStore(client) was not called')
  return client
}

/** Subscribes the store to the live events (once; later calls only swap the client used for calls). */
export function attachRequestsStore(c: ContractClient): void {
  client = c
  if (attached) return
  attached = true
  c.on('requests.stats', (stats) => receiveStats(stats))
  c.on('requests.changed', (hint) => receiveChanged(hint))
}

/**
 * The Requests page is mounted: load stats and the first page, act on list hints until the
 * returned function is called.
 */
export function activateRequestsPage(): () => void {
  pageMounts++
  if (!watchdog) watchdog = setInterval(checkStatsFresh, STATS_CHECK_MS)
  void refreshStats()
  // A freshly mounted table starts scrolled to the top.
  if (get().scrolledAway) set({ scrolledAway: false })
  const s = get()
  if (s.listState === 'idle' || s.listState === 'error' || !s.olderLoaded) void loadFirstPage({ quiet: s.listState === 'ready' })
  return () => {
    pageMounts = Math.max(0, pageMounts - 1)
    if (pageMounts === 0) {
      clearUnavailableRetry()
      if (watchdog) clearInterval(watchdog)
      watchdog = null
    }
  }
}

/** No stats push for a while (the host pushes every 5 s even when idle): ask, which also reveals a poller that went away. */
function checkStatsFresh(): void {
  if (unavailableTimer || statsTimer) return
  if (Date.now() - lastStatsApplied > STATS_STALE_MS) void refreshStats()
}

/** The connection came back (bridge reconnect): load everything again. */
export function resyncRequests(): void {
  if (pageMounts === 0) return
  void refreshStats()
  void loadFirstPage({ quiet: get().listState === 'ready' })
}

// --- stats ------------------------------------------------------------------------------------

let statsTimer: ReturnType<typeof setTimeout> | null = null
let latestStats: RequestsStats | null = null
let lastStatsApplied = 0
let unavailableTimer: ReturnType<typeof setTimeout> | null = null
let watchdog: ReturnType<typeof setInterval> | null = null

function clearUnavailableRetry(): void {
  if (unavailableTimer) clearTimeout(unavailableTimer)
  unavailableTimer = null
}

function applyStats(): void {
  statsTimer = null
  const stats = latestStats
  if (!stats) return
  latestStats = null
  lastStatsApplied = Date.now()
  const at = Date.parse(stats.at)
  const t = Number.isFinite(at) ? at : lastStatsApplied
  const wasUnavailable = get().statsError !== null
  set((s) => ({
    stats,
    statsAt: lastStatsApplied,
    statsError: null,
    rateHistory: pushRate(s.rateHistory, { t, rate: stats.ratePerSecond })
  }))
  clearUnavailableRetry()
  // The poller came back: the list probably failed the same way.
  if (wasUnavailable && pageMounts > 0 && get().listState === 'error') void loadFirstPage()
}

/** A stats snapshot (event or call): applied at most once a second, the newest one wins. */
export function receiveStats(stats: RequestsStats): void {
  latestStats = stats
  if (statsTimer) return
  const wait = LIVE_THROTTLE_MS - (Date.now() - lastStatsApplied)
  if (wait <= 0) applyStats()
  else statsTimer = setTimeout(applyStats, wait)
}

export async function refreshStats(): Promise<void> {
  try {
    const stats = await requireClient().call('requests.stats')
    receiveStats(stats)
  } catch (err) {
    const e = toServerError(err)
    set({ statsError: e })
    clearUnavailableRetry()
    if (pageMounts > 0) unavailableTimer = setTimeout(() => void refreshStats(), UNAVAILABLE_RETRY_MS)
  }
}

// --- list -------------------------------------------------------------------------------------

/** Increments on every first-page request; answers to older requests are dropped. */
let listSeq = 0
let listInFlight = false
let listDirty = false
let lastListStarted = 0
let refetchTimer: ReturnType<typeof setTimeout> | null = null
/** The highest request id the hints have reported, and its value when the list was last loaded. */
let latestMaxId: number | null = null
let baselineMaxId: number | null = null

function livePaused(s: RequestsStore = get()): boolean {
  return s.olderLoaded || s.scrolledAway
}

/** Loads the first page for the current filters (quiet = keep showing the old rows meanwhile). */
export async function loadFirstPage(opts: { quiet?: boolean } = {}): Promise<void> {
  if (refetchTimer) {
    clearTimeout(refetchTimer)
    refetchTimer = null
  }
  const built = buildListInput(get().filters)
  if ('problem' in built) {
    listSeq++
    listInFlight = false
    listDirty = false
    set({ filterProblem: built.problem, listState: 'ready', rows: [], total: 0, totalCapped: false, nextBeforeId: null, listError: null })
    return
  }
  const seq = ++listSeq
  listInFlight = true
  listDirty = false
  lastListStarted = Date.now()
  const maxIdAtStart = latestMaxId
  set((s) => ({ filterProblem: null, listState: opts.quiet && s.listState === 'ready' ? 'ready' : 'loading' }))
  try {
    const res = await requireClient().call('requests.list', built.input)
    if (seq !== listSeq) return
    baselineMaxId = maxIdAtStart ?? (res.rows[0]?.id ?? null)
    set((s) => {
      const rows = reconcileRows(s.rows, res.rows)
      const ids = new Set(rows.map((r) => r.id))
      const checked = [...s.checked].filter((id) => ids.has(id))
      return {
        rows,
        nextBeforeId: res.nextBeforeId,
        total: res.total,
        totalCapped: res.totalCapped,
        listState: 'ready',
        listError: null,
        olderLoaded: false,
        loadingOlder: false,
        pendingNew: 0,
        pendingChanged: 0,
        listAt: Date.now(),
        checked: checked.length === s.checked.size ? s.checked : new Set(checked)
      }
    })
    refreshDetailIfChanged()
  } catch (err) {
    if (seq !== listSeq) return
    set({ listState: 'error', listError: toServerError(err) })
  } finally {
    if (seq === listSeq) {
      listInFlight = false
      if (listDirty) scheduleRefetch()
    }
  }
}

/** Appends the next older page (nextBeforeId). */
export async function loadOlder(): Promise<void> {
  const s = get()
  if (s.loadingOlder || s.nextBeforeId === null || s.listState !== 'ready') return
  const built = buildListInput(s.filters, s.nextBeforeId)
  if ('problem' in built) return
  const seq = listSeq
  set({ loadingOlder: true })
  try {
    const res = await requireClient().call('requests.list', built.input)
    if (seq !== listSeq) return
    set((cur) => {
      const have = new Set(cur.rows.map((r) => r.id))
      return {
        rows: cur.rows.concat(res.rows.filter((r) => !have.has(r.id))),
        nextBeforeId: res.nextBeforeId,
        total: res.total,
        totalCapped: res.totalCapped,
        olderLoaded: true,
        loadingOlder: false
      }
    })
  } catch (err) {
    if (seq !== listSeq) return
    set({ loadingOlder: false, outcome: { kind: 'loadOlder', ok: false, tone: 'error', text: `Could not load older requests: ${describeError(toServerError(err))}`, at: Date.now() } })
  }
}

function scheduleRefetch(): void {
  if (pageMounts === 0 || livePaused()) return
  if (listInFlight) {
    listDirty = true
    return
  }
  if (refetchTimer) return
  const wait = Math.max(0, LIVE_THROTTLE_MS - (Date.now() - lastListStarted))
  refetchTimer = setTimeout(() => {
    refetchTimer = null
    if (pageMounts === 0) return
    if (livePaused()) return
    void loadFirstPage({ quiet: true })
  }, wait)
}

/** A `requests.changed` hint: refetch (throttled) or, while paused, count what is new. */
export function receiveChanged(hint: RequestsChanged): void {
  if (hint.maxId !== null) latestMaxId = Math.max(latestMaxId ?? 0, hint.maxId)
  const s = get()
  if (pageMounts === 0 || s.listState !== 'ready') return
  if (livePaused(s)) {
    const top = baselineMaxId ?? s.rows[0]?.id ?? 0
    const newIds = latestMaxId !== null ? Math.max(0, latestMaxId - top) : 0
    const pendingChanged = s.pendingChanged + hint.changed
    if (newIds !== s.pendingNew || pendingChanged !== s.pendingChanged) set({ pendingNew: newIds, pendingChanged })
    return
  }
  scheduleRefetch()
}

export function setFilters(patch: Partial<RequestsFilters>): void {
  set((s) => ({ filters: { ...s.filters, ...patch }, checked: new Set<number>(), olderLoaded: false, scrolledAway: false }))
  void loadFirstPage()
}

/** Filters from a link (`#/requests?status=…`): replaces the current ones when the link names any. */
export function applyFiltersFromHash(hash: string): void {
  const i = hash.indexOf('?')
  const f = i >= 0 ? filtersFromQuery(hash.slice(i)) : null
  if (f) setFilters(f)
}

export function clearFilters(): void {
  setFilters(EMPTY_FILTERS)
}

/** The table reports whether it is scrolled away from the top; coming back resumes live updates. */
export function setScrolledAway(away: boolean): void {
  const s = get()
  if (s.scrolledAway === away) return
  set({ scrolledAway: away })
  if (!away && !s.olderLoaded && (s.pendingNew > 0 || s.pendingChanged > 0)) scheduleRefetch()
}

/** "N new — refresh": back to the first page, live again. */
export function refreshNow(): void {
  set({ olderLoaded: false, scrolledAway: false })
  void loadFirstPage({ quiet: true })
}

// --- selection and detail -----------------------------------------------------------------------

export function toggleChecked(id: number): void {
  set((s) => {
    const checked = new Set(s.checked)
    if (checked.has(id)) checked.delete(id)
    else checked.add(id)
    return { checked }
  })
}

export function setChecked(ids: Iterable<number>): void {
  set({ checked: new Set(ids) })
}

let detailSeq = 0

export function openDetail(id: number | null): void {
  if (id === null) {
    detailSeq++
    set({ activeId: null, detail: null })
    return
  }
  set({ activeId: id })
  void loadDetail(id)
}

async function loadDetail(id: number): Promise<void> {
  const seq = ++detailSeq
  set((s) => ({ detail: { id, loading: true, data: s.detail?.id === id ? s.detail.data : null, error: null } }))
  try {
    const data = await requireClient().call('requests.get', { id })
    if (seq !== detailSeq) return
    set({ detail: { id, loading: false, data, error: null } })
  } catch (err) {
    if (seq !== detailSeq) return
    set({ detail: { id, loading: false, data: null, error: toServerError(err) } })
  }
}

/** After a list refresh: the open request changed (status, retries) → fetch its detail again. */
function refreshDetailIfChanged(): void {
  const s = get()
  const d = s.detail
  if (!d || d.loading || !d.data) return
  const row = s.rows.find((r) => r.id === d.id)
  if (!row) return
  const shown = d.data.request
  if (row.status !== shown.status || row.updatedAt !== shown.updatedAt || row.retryCount !== shown.retryCount) void loadDetail(d.id)
}

// --- actions ----------------------------------------------------------------------------------

async function runAction<T>(
  kind: ActionKind,
  work: (c: ContractClient) => Promise<T>,
  describe: (v: T) => string | { tone: OutcomeTone; text: string }
): Promise<T | null> {
  if (get().busy) return null
  set({ busy: kind })
  try {
    const value = await work(requireClient())
    const d = describe(value)
    const { tone, text } = typeof d === 'string' ? { tone: 'ok' as const, text: d } : d
    set({ busy: null, outcome: { kind, ok: true, tone, text, at: Date.now() } })
    afterAction()
    return value
  } catch (err) {
    set({ busy: null, outcome: { kind, ok: false, tone: 'error', text: describeError(toServerError(err)), at: Date.now() } })
    return null
  }
}

function afterAction(): void {
  void refreshStats()
  set({ olderLoaded: false, scrolledAway: false })
  void loadFirstPage({ quiet: true })
  const active = get().activeId
  if (active !== null) void loadDetail(active)
}

export function dismissOutcome(): void {
  set({ outcome: null })
}

/** Checked rows with one of these statuses (what an action would touch). */
export function checkedWithStatus(s: Pick<RequestsStore, 'rows' | 'checked'>, statuses: readonly AiRequestStatus[]): number[] {
  if (s.checked.size === 0) return []
  return s.rows.filter((r) => s.checked.has(r.id) && statuses.includes(r.status)).map((r) => r.id)
}

export function retrySelected(): Promise<unknown> {
  return retryIds(checkedWithStatus(get(), ['failed', 'timeout']))
}

/** Puts these failed/timeout requests back to pending. */
export function retryIds(ids: number[]): Promise<unknown> {
  if (ids.length === 0) return Promise.resolve(null)
  return runAction(
    'retry',
    (c) => c.call('requests.retry', { ids }),
    (v) =>
      v.updated === ids.length
        ? `${plural(v.updated, 'request')} put back to pending`
        : `${plural(v.updated, 'request')} put back to pending (${ids.length - v.updated} had already changed)`
  )
}

export function retryAllFailed(): Promise<unknown> {
  return runAction(
    'retryAll',
    (c) => c.call('requests.retry', { allWithStatus: ['failed', 'timeout'] }),
    (v) => (v.updated === 0 ? 'No failed or timed-out requests to retry' : `${plural(v.updated, 'failed/timed-out request')} put back to pending`)
  )
}

export function cancelSelected(): Promise<unknown> {
  return cancelIds(checkedWithStatus(get(), ['pending', 'processing']))
}

/** Cancels these pending/processing requests. */
export function cancelIds(ids: number[]): Promise<unknown> {
  if (ids.length === 0) return Promise.resolve(null)
  return runAction(
    'cancel',
    (c) => c.call('requests.cancel', { ids }),
    (v) =>
      v.cancelled === ids.length
        ? `${plural(v.cancelled, 'request')} cancelled`
        : `${plural(v.cancelled, 'request')} cancelled (${ids.length - v.cancelled} had already finished)`
  )
}

export function resetStuck(olderThanSeconds?: number): Promise<unknown> {
  return runAction(
    'resetStuck',
    (c) => c.call('requests.resetStuck', olderThanSeconds === undefined ? {} : { olderThanSeconds }),
    (v) =>
      v.reset === 0 && v.failed === 0
        ? 'No stuck requests found'
        : `${plural(v.reset, 'stuck request')} put back to pending${v.failed > 0 ? `, ${plural(v.failed, 'request')} marked failed (retries used up)` : ''}`
  )
}

export type PurgeStatus = 'completed' | 'failed' | 'timeout' | 'cancelled'

export function purge(olderThanDays: number, statuses?: PurgeStatus[]): Promise<{ deleted: number } | null> {
  return runAction(
    'purge',
    (c) => c.call('requests.purge', { olderThanDays, confirm: true, ...(statuses && statuses.length > 0 ? { statuses } : {}) }),
    (v) => (v.deleted === 0 ? `Nothing older than ${plural(olderThanDays, 'day')} to delete` : `${plural(v.deleted, 'request')} deleted for good`)
  )
}

export async function submitTest(input: MethodInput<'requests.submitTest'>): Promise<RequestsSubmitTestResult | null> {
  set({ testResult: null })
  const result = await runAction(
    'submitTest',
    (c) => c.call('requests.submitTest', input),
    testOutcome
  )
  if (result) {
    set({ testResult: result })
    openDetail(result.id)
  }
  return result
}

export function clearTestResult(): void {
  set({ testResult: null })
}

/** For tests: back to the initial state. */
export function resetRequestsStore(): void {
  listSeq++
  detailSeq++
  latestStats = null
  lastStatsApplied = 0
  latestMaxId = null
  baselineMaxId = null
  if (statsTimer) clearTimeout(statsTimer)
  statsTimer = null
  if (refetchTimer) clearTimeout(refetchTimer)
  refetchTimer = null
  clearUnavailableRetry()
  set(initialState, true)
}
