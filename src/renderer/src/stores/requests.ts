/**
 * Requests store: the AI request queue as the Requests page (and the Overview's queue health)
 * shows it. Everything lives in the zustand store or in its three live resources (live-resource.ts);
 * the pure model — filters, list input, limits, row reconciliation — is in requests-model.ts.
 *
 * - Stats: `requests.stats` snapshot + the `requests.stats` event (applied at most once a second),
 *   a client-side rate history (RATE_WINDOW_MS) for the sparkline, retried with backoff while the
 *   poller is unavailable, fetched when no push came for STATS_STALE_MS.
 * - List: `requests.list` with the page's filters, keyset-paged ("load older" with nextBeforeId).
 *   `requests.changed` hints refetch the first page at most once a second — unless the user has
 *   scrolled away from the top or loaded older pages: then the hints only count "N new".
 *   Refetched rows that did not change keep their object identity so memoized rows skip rendering.
 * - Selection (checked ids, one active id for the detail panel), the detail, and the actions
 *   (retry, cancel, reset stuck, purge, test request) with their result line.
 *
 * `activate(client, 'stats' | 'page')` while a view is shown: the resources listen to their events
 * only then (so the bridge subscribes to them only then), reload on reconnect, pause while
 * disconnected. The exported functions are the store's own actions, for components to import.
 */
import { create } from 'zustand'
import type { RequestsChanged, RequestsListResult, RequestsStats, RequestsSubmitTestResult, RequestDetail, RequestSummary, MethodInput } from '../../../shared/contract'
import { createLiveResource, type ResourceClient } from './live-resource'
import {
  EMPTY_FILTERS,
  LIVE_THROTTLE_MS,
  STATS_STALE_MS,
  buildListInput,
  checkedWithStatus,
  describeError,
  filtersFromQuery,
  plural,
  pushRate,
  reconcileRows,
  testOutcome,
  toServerError,
  type ActionKind,
  type ActionOutcome,
  type DetailState,
  type OutcomeTone,
  type PurgeStatus,
  type RatePoint,
  type RequestsFilters,
  type ServerError
} from './requests-model'

export * from './requests-model'

export interface RequestsState {
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
  /** The highest request id the hints reported, and its value when the shown list was loaded. */
  hintMaxId: number | null
  baselineMaxId: number | null

  // --- selection and detail
  checked: ReadonlySet<number>
  activeId: number | null
  detail: DetailState | null

  // --- actions
  busy: ActionKind | null
  outcome: ActionOutcome | null
  testResult: RequestsSubmitTestResult | null
}

export interface RequestsActions {
  /** A view using the store is shown: 'stats' (Overview) or 'page' (stats, list, detail). Returns the release. */
  activate(client: ResourceClient, what: 'stats' | 'page'): () => void
  refreshStats(): Promise<void>
  /** Loads the first page for the current filters (quiet = keep showing the old rows meanwhile). */
  loadFirstPage(opts?: { quiet?: boolean }): Promise<void>
  /** Appends the next older page (nextBeforeId). */
  loadOlder(): Promise<void>
  setFilters(patch: Partial<RequestsFilters>): void
  /** Filters from a link (`#/requests?status=…`): replaces the current ones when the link names any. */
  applyFiltersFromHash(hash: string): void
  clearFilters(): void
  /** The table reports whether it is scrolled away from the top; coming back resumes live updates. */
  setScrolledAway(away: boolean): void
  /** "N new — refresh": back to the first page, live again. */
  refreshNow(): void
  toggleChecked(id: number): void
  setChecked(ids: Iterable<number>): void
  openDetail(id: number | null): void
  dismissOutcome(): void
  retrySelected(): Promise<unknown>
  /** Puts these failed/timeout requests back to pending. */
  retryIds(ids: number[]): Promise<unknown>
  retryAllFailed(): Promise<unknown>
  cancelSelected(): Promise<unknown>
  /** Cancels these pending/processing requests. */
  cancelIds(ids: number[]): Promise<unknown>
  resetStuck(olderThanSeconds?: number): Promise<unknown>
  purge(olderThanDays: number, statuses?: PurgeStatus[]): Promise<{ deleted: number } | null>
  submitTest(input: MethodInput<'requests.submitTest'>): Promise<RequestsSubmitTestResult | null>
  clearTestResult(): void
  /** For tests: back to the initial state. */
  reset(): void
}

export type RequestsStore = RequestsState & RequestsActions

const initialState: RequestsState = {
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
  hintMaxId: null,
  baselineMaxId: null,
  checked: new Set<number>(),
  activeId: null,
  detail: null,
  busy: null,
  outcome: null,
  testResult: null
}

type ListAnswer = { problem: string } | { res: RequestsListResult; maxIdAtStart: number | null }

const livePaused = (s: RequestsState): boolean => s.olderLoaded || s.scrolledAway

export const useRequestsStore = create<RequestsStore>((set, get) => {
  /** The client of the view that activated the store last (actions call through it). */
  let client: ResourceClient | null = null
  const requireClient = (): ResourceClient => {
    if (!client) throw new Error('useRequestsStore: activate(client, …) was not called')
    return client
  }

  const stats = createLiveResource<RequestsStats>({
    load: (c) => c.call('requests.stats'),
    onValue: (value) => {
      const now = Date.now()
      const at = Date.parse(value.at)
      const wasUnavailable = get().statsError !== null
      set((s) => ({
        stats: value,
        statsAt: now,
        statsError: null,
        rateHistory: pushRate(s.rateHistory, { t: Number.isFinite(at) ? at : now, rate: value.ratePerSecond })
      }))
      // The poller came back: the list probably failed the same way.
      if (wasUnavailable && list.active && get().listState === 'error') void list.refetch()
    },
    onError: (err) => set({ statsError: toServerError(err) }),
    subscribe: (c, ctl) => [c.on('requests.stats', (value) => ctl.push(value))],
    throttleMs: LIVE_THROTTLE_MS,
    staleAfterMs: STATS_STALE_MS
  })

  const list = createLiveResource<ListAnswer>({
    load: async (c) => {
      const built = buildListInput(get().filters)
      if ('problem' in built) return built
      const maxIdAtStart = get().hintMaxId
      return { res: await c.call('requests.list', built.input), maxIdAtStart }
    },
    onValue: (answer) => {
      if ('problem' in answer) {
        set({ filterProblem: answer.problem, listState: 'ready', rows: [], total: 0, totalCapped: false, nextBeforeId: null, listError: null })
        return
      }
      const { res, maxIdAtStart } = answer
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
          filterProblem: null,
          olderLoaded: false,
          loadingOlder: false,
          pendingNew: 0,
          pendingChanged: 0,
          listAt: Date.now(),
          baselineMaxId: maxIdAtStart ?? res.rows[0]?.id ?? null,
          checked: checked.length === s.checked.size ? s.checked : new Set(checked)
        }
      })
      refreshDetailIfChanged()
    },
    onError: (err) => set({ listState: 'error', listError: toServerError(err) }),
    subscribe: (c, ctl) => [c.on('requests.changed', (hint) => receiveChanged(hint, ctl.invalidate))],
    hintsPaused: () => livePaused(get()),
    throttleMs: LIVE_THROTTLE_MS
  })

  const detail = createLiveResource<{ id: number; data: RequestDetail } | null>({
    load: async (c) => {
      const id = get().activeId
      return id === null ? null : { id, data: await c.call('requests.get', { id }) }
    },
    onValue: (v) => {
      if (v && get().activeId === v.id) set({ detail: { id: v.id, loading: false, data: v.data, error: null } })
    },
    onError: (err) => {
      const id = get().activeId
      if (id !== null) set({ detail: { id, loading: false, data: null, error: toServerError(err) } })
    }
  })

  /** A `requests.changed` hint: refetch (throttled) or, while paused, count what is new. */
  function receiveChanged(hint: RequestsChanged, invalidate: () => void): void {
    const s = get()
    const hintMaxId = hint.maxId !== null ? Math.max(s.hintMaxId ?? 0, hint.maxId) : s.hintMaxId
    if (hintMaxId !== s.hintMaxId) set({ hintMaxId })
    if (s.listState !== 'ready') return
    if (livePaused(s)) {
      const top = s.baselineMaxId ?? s.rows[0]?.id ?? 0
      const pendingNew = hintMaxId !== null ? Math.max(0, hintMaxId - top) : 0
      const pendingChanged = s.pendingChanged + hint.changed
      if (pendingNew !== s.pendingNew || pendingChanged !== s.pendingChanged) set({ pendingNew, pendingChanged })
      return
    }
    invalidate()
  }

  function loadDetail(id: number): Promise<void> {
    set((s) => ({ detail: { id, loading: true, data: s.detail?.id === id ? s.detail.data : null, error: null } }))
    return detail.refetch()
  }

  /** After a list refresh: the open request changed (status, retries) → fetch its detail again. */
  function refreshDetailIfChanged(): void {
    const { detail: d, rows } = get()
    if (!d || d.loading || !d.data) return
    const row = rows.find((r) => r.id === d.id)
    if (!row) return
    const shown = d.data.request
    if (row.status !== shown.status || row.updatedAt !== shown.updatedAt || row.retryCount !== shown.retryCount) void loadDetail(d.id)
  }

  function loadFirstPage(opts: { quiet?: boolean } = {}): Promise<void> {
    set((s) => ({ listState: opts.quiet && s.listState === 'ready' ? 'ready' : 'loading' }))
    return list.refetch()
  }

  function setFilters(patch: Partial<RequestsFilters>): void {
    set((s) => ({ filters: { ...s.filters, ...patch }, checked: new Set<number>(), olderLoaded: false, scrolledAway: false }))
    void loadFirstPage()
  }

  async function runAction<T>(
    kind: ActionKind,
    work: (c: ResourceClient) => Promise<T>,
    describe: (v: T) => string | { tone: OutcomeTone; text: string }
  ): Promise<T | null> {
    if (get().busy) return null
    set({ busy: kind })
    try {
      const value = await work(requireClient())
      const d = describe(value)
      const { tone, text } = typeof d === 'string' ? { tone: 'ok' as const, text: d } : d
      set({ busy: null, outcome: { kind, ok: true, tone, text, at: Date.now() } })
      // Everything the action may have changed, at once.
      void stats.refetch()
      set({ olderLoaded: false, scrolledAway: false })
      void loadFirstPage({ quiet: true })
      const active = get().activeId
      if (active !== null) void loadDetail(active)
      return value
    } catch (err) {
      set({ busy: null, outcome: { kind, ok: false, tone: 'error', text: describeError(toServerError(err)), at: Date.now() } })
      return null
    }
  }

  function retryIds(ids: number[]): Promise<unknown> {
    if (ids.length === 0) return Promise.resolve(null)
    return runAction(
      'retry',
      (c) => c.call('requests.retry', { ids }),
      (v) => `${plural(v.updated, 'request')} put back to pending${v.updated === ids.length ? '' : ` (${ids.length - v.updated} had already changed)`}`
    )
  }

  function cancelIds(ids: number[]): Promise<unknown> {
    if (ids.length === 0) return Promise.resolve(null)
    return runAction(
      'cancel',
      (c) => c.call('requests.cancel', { ids }),
      (v) => `${plural(v.cancelled, 'request')} cancelled${v.cancelled === ids.length ? '' : ` (${ids.length - v.cancelled} had already finished)`}`
    )
  }

  function openDetail(id: number | null): void {
    if (id === null) {
      detail.reset() // an answer still on its way is dropped
      set({ activeId: null, detail: null })
      return
    }
    set({ activeId: id })
    void loadDetail(id)
  }

  return {
    ...initialState,

    activate(c, what) {
      client = c
      const releases = [stats.activate(c)]
      if (what === 'page') {
        // A freshly mounted table starts scrolled to the top; pages appended earlier stay until a refresh.
        if (get().scrolledAway) set({ scrolledAway: false })
        const s = get()
        const reload = s.listState === 'idle' || s.listState === 'error' || !s.olderLoaded
        if (reload && s.listState !== 'ready') set({ listState: 'loading' })
        releases.push(list.activate(c, { load: reload }), detail.activate(c, { load: false }))
      }
      return () => releases.forEach((release) => release())
    },
    refreshStats: () => stats.refetch(),
    loadFirstPage,
    async loadOlder() {
      const s = get()
      if (s.loadingOlder || s.nextBeforeId === null || s.listState !== 'ready') return
      const built = buildListInput(s.filters, s.nextBeforeId)
      if ('problem' in built) return
      set({ loadingOlder: true })
      // Dropped when the filters changed or a first page arrived meanwhile.
      const stillCurrent = (): boolean => get().filters === s.filters && get().listAt === s.listAt
      try {
        const res = await requireClient().call('requests.list', built.input)
        if (!stillCurrent()) return
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
        if (!stillCurrent()) return
        const text = `Could not load older requests: ${describeError(toServerError(err))}`
        set({ loadingOlder: false, outcome: { kind: 'loadOlder', ok: false, tone: 'error', text, at: Date.now() } })
      }
    },
    setFilters,
    applyFiltersFromHash(hash) {
      const i = hash.indexOf('?')
      const f = i >= 0 ? filtersFromQuery(hash.slice(i)) : null
      if (f) setFilters(f)
    },
    clearFilters: () => setFilters(EMPTY_FILTERS),
    setScrolledAway(away) {
      const s = get()
      if (s.scrolledAway === away) return
      set({ scrolledAway: away })
      if (!away && !s.olderLoaded && (s.pendingNew > 0 || s.pendingChanged > 0)) list.invalidate()
    },
    refreshNow() {
      set({ olderLoaded: false, scrolledAway: false })
      void loadFirstPage({ quiet: true })
    },
    toggleChecked(id) {
      set((s) => {
        const checked = new Set(s.checked)
        if (checked.has(id)) checked.delete(id)
        else checked.add(id)
        return { checked }
      })
    },
    setChecked: (ids) => set({ checked: new Set(ids) }),
    openDetail,
    dismissOutcome: () => set({ outcome: null }),
    retrySelected: () => retryIds(checkedWithStatus(get(), ['failed', 'timeout'])),
    retryIds,
    retryAllFailed: () =>
      runAction(
        'retryAll',
        (c) => c.call('requests.retry', { allWithStatus: ['failed', 'timeout'] }),
        (v) => (v.updated === 0 ? 'No failed or timed-out requests to retry' : `${plural(v.updated, 'failed/timed-out request')} put back to pending`)
      ),
    cancelSelected: () => cancelIds(checkedWithStatus(get(), ['pending', 'processing'])),
    cancelIds,
    resetStuck: (olderThanSeconds) =>
      runAction(
        'resetStuck',
        (c) => c.call('requests.resetStuck', olderThanSeconds === undefined ? {} : { olderThanSeconds }),
        (v) =>
          v.reset === 0 && v.failed === 0
            ? 'No stuck requests found'
            : `${plural(v.reset, 'stuck request')} put back to pending${v.failed > 0 ? `, ${plural(v.failed, 'request')} marked failed (retries used up)` : ''}`
      ),
    purge: (olderThanDays, statuses) =>
      runAction(
        'purge',
        (c) => c.call('requests.purge', { olderThanDays, confirm: true, ...(statuses && statuses.length > 0 ? { statuses } : {}) }),
        (v) => (v.deleted === 0 ? `Nothing older than ${plural(olderThanDays, 'day')} to delete` : `${plural(v.deleted, 'request')} deleted for good`)
      ),
    async submitTest(input) {
      set({ testResult: null })
      const result = await runAction('submitTest', (c) => c.call('requests.submitTest', input), testOutcome)
      if (result) {
        set({ testResult: result })
        openDetail(result.id)
      }
      return result
    },
    clearTestResult: () => set({ testResult: null }),
    reset() {
      stats.reset()
      list.reset()
      detail.reset()
      set(initialState)
    }
  }
})

// The store's actions (stable functions), for components and tests to import by name.
export const {
  activate: activateRequests,
  refreshStats,
  loadFirstPage,
  loadOlder,
  setFilters,
  applyFiltersFromHash,
  clearFilters,
  setScrolledAway,
  refreshNow,
  toggleChecked,
  setChecked,
  openDetail,
  dismissOutcome,
  retrySelected,
  retryIds,
  retryAllFailed,
  cancelSelected,
  cancelIds,
  resetStuck,
  purge,
  submitTest,
  clearTestResult,
  reset: resetRequestsStore
} = useRequestsStore.getState()
