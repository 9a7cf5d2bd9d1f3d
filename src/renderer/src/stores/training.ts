/**
 * Training store: the broker's state, the job list, the epoch series of the jobs the page draws
 * (the selected one and the ones compared), and the submit action.
 *
 * One live resource (live-resource.ts) loads `training.info` + `training.jobs` when the page is
 * shown, on reconnect and on `app.status` (a service changed state). `training.changed` pushes are
 * applied as they come: changed jobs replace theirs in the list, new epochs go into the series that
 * are loaded (each epoch once, whatever the order); a `truncated` push reloads everything. A series
 * is created empty when the page asks for it — pushes arriving while its load is under way are
 * kept — and the load's epochs are merged into it.
 */
import { create } from 'zustand'
import type { TrainingChanged, TrainingInfo, TrainingJobSpec, TrainingJobSummary } from '../../../shared/contract'
import { createLiveResource, isUnavailable, type ResourceClient } from './live-resource'
import { describeError, toServerError, type ServerError } from './requests-model'
import { emptySeries, mergeEpochs, mergeJobs, sortJobs, type EpochSeries } from './training-model'

export * from './training-model'

export const JOBS_LIMIT = 200
/**
 * Pushes are applied together at most this often: the host pushes every 100 ms while jobs stream;
 * a quarter second keeps the charts live and the page's frames short (bench:training).
 */
export const APPLY_MS = 250

interface Snapshot {
  info: TrainingInfo
  jobs: TrainingJobSummary[]
}

export interface SubmitOutcome {
  ok: boolean
  text: string
  jobId: string | null
  at: number
}

export interface TrainingState {
  phase: 'idle' | 'loading' | 'ready' | 'error'
  info: TrainingInfo | null
  jobs: TrainingJobSummary[]
  error: ServerError | null
  loadedAt: number | null
  selectedId: string | null
  compareIds: string[]
  compareMetric: string | null
  /** Loaded epoch series by job id. */
  series: Record<string, EpochSeries>
  /** Series loads that failed, by job id. */
  seriesErrors: Record<string, string>
  submitting: boolean
  outcome: SubmitOutcome | null
}

export interface TrainingActions {
  activate(client: ResourceClient): () => void
  refresh(): Promise<void>
  select(jobId: string | null): void
  toggleCompare(jobId: string): void
  setCompareMetric(metric: string): void
  submit(spec: TrainingJobSpec): Promise<boolean>
  dismissOutcome(): void
  reset(): void
}

export type TrainingStore = TrainingState & TrainingActions

const initialState: TrainingState = {
  phase: 'idle',
  info: null,
  jobs: [],
  error: null,
  loadedAt: null,
  selectedId: null,
  compareIds: [],
  compareMetric: null,
  series: {},
  seriesErrors: {},
  submitting: false,
  outcome: null
}

export async function loadSnapshot(c: ResourceClient): Promise<Snapshot> {
  const [info, jobs] = await Promise.all([c.call('training.info'), c.call('training.jobs', { limit: JOBS_LIMIT })])
  return { info, jobs: jobs.jobs }
}

export const useTrainingStore = create<TrainingStore>((set, get) => {
  let client: ResourceClient | null = null
  /** Series loads under way (job ids). */
  const loading = new Set<string>()

  const wanted = (): Set<string> => {
    const s = get()
    return new Set([...(s.selectedId ? [s.selectedId] : []), ...s.compareIds])
  }

  const loadSeries = (jobId: string): void => {
    const c = client
    if (!c || loading.has(jobId)) return
    loading.add(jobId)
    set((s) => ({ series: s.series[jobId] ? s.series : { ...s.series, [jobId]: emptySeries() } }))
    c.call('training.job', { jobId }).then(
      (detail) => {
        loading.delete(jobId)
        const s = get().series[jobId]
        if (!s) return // no longer wanted
        mergeEpochs(s, detail.epochs)
        set((st) => {
          const { [jobId]: _gone, ...seriesErrors } = st.seriesErrors
          return { series: { ...st.series, [jobId]: { ...s } }, seriesErrors, jobs: mergeJobs(st.jobs, [stripDetail(detail)]) }
        })
      },
      (err: unknown) => {
        loading.delete(jobId)
        set((st) => ({ seriesErrors: { ...st.seriesErrors, [jobId]: describeError(toServerError(err)) } }))
      }
    )
  }

  /** Drops series nobody draws any more. */
  const prune = (): void => {
    const keep = wanted()
    const series = get().series
    if (Object.keys(series).every((id) => keep.has(id))) return
    set({ series: Object.fromEntries(Object.entries(series).filter(([id]) => keep.has(id))) })
  }

  const reloadSeries = (): void => {
    const keep = wanted()
    set({ series: {} })
    for (const id of keep) loadSeries(id)
  }

  /** Pushes received since the last apply (applied together, at most every APPLY_MS). */
  let queued: TrainingChanged[] = []
  let applyTimer: ReturnType<typeof setTimeout> | null = null
  let lastApply = 0

  const applyQueued = (invalidate: () => void): void => {
    applyTimer = null
    lastApply = Date.now()
    const batch = queued
    queued = []
    const st = get()
    const patch: Partial<TrainingState> = {}
    let info: TrainingInfo | undefined
    for (const p of batch) info = p.info ?? info
    if (info) patch.info = info
    const jobs = batch.flatMap((p) => p.jobs)
    if (jobs.length > 0) patch.jobs = mergeJobs(st.jobs, jobs)
    const epochs = batch.flatMap((p) => p.epochs)
    if (epochs.length > 0) {
      let touched: Record<string, EpochSeries> | null = null
      for (const [jobId, s] of Object.entries(st.series)) {
        const mine = epochs.filter((e) => e.jobId === jobId)
        if (mine.length > 0 && mergeEpochs(s, mine)) (touched ??= { ...st.series })[jobId] = { ...s }
      }
      if (touched) patch.series = touched
    }
    if (Object.keys(patch).length > 0) set(patch)
    if (batch.some((p) => p.truncated)) {
      invalidate()
      reloadSeries()
    }
  }

  const onChanged = (p: TrainingChanged, invalidate: () => void): void => {
    queued.push(p)
    if (applyTimer !== null) return
    applyTimer = setTimeout(() => applyQueued(invalidate), Math.max(0, lastApply + APPLY_MS - Date.now()))
  }

  const snapshot = createLiveResource<Snapshot>({
    load: loadSnapshot,
    onValue: (v) => set({ phase: 'ready', info: v.info, jobs: sortJobs([...v.jobs]), error: null, loadedAt: Date.now() }),
    onError: (err) => set((s) => ({ phase: s.info ? s.phase : 'error', error: toServerError(err) })),
    subscribe: (c, ctl) => [c.on('training.changed', (p) => onChanged(p, ctl.invalidate)), c.on('app.status', () => ctl.invalidate())],
    throttleMs: 1000,
    shouldRetry: isUnavailable
  })

  return {
    ...initialState,
    activate(c) {
      client = c
      if (get().phase === 'idle' || get().phase === 'error') set({ phase: 'loading' })
      const release = snapshot.activate(c)
      const offConn = c.onConnection(() => {
        if (c.getConnection().state === 'open') reloadSeries()
      })
      for (const id of wanted()) loadSeries(id)
      return () => {
        offConn()
        release()
      }
    },
    refresh: () => snapshot.refetch(),
    select(jobId) {
      set({ selectedId: jobId })
      if (jobId) loadSeries(jobId)
      prune()
    },
    toggleCompare(jobId) {
      const ids = get().compareIds
      const next = ids.includes(jobId) ? ids.filter((i) => i !== jobId) : [...ids, jobId].slice(-8)
      set({ compareIds: next })
      if (next.includes(jobId)) loadSeries(jobId)
      prune()
    },
    setCompareMetric: (compareMetric) => set({ compareMetric }),
    async submit(spec) {
      if (!client || get().submitting) return false
      set({ submitting: true })
      try {
        const r = await client.call('training.submit', spec)
        set((s) => ({ submitting: false, jobs: mergeJobs(s.jobs, [r.job]), outcome: { ok: true, text: `Job ${r.job.jobId} published to ${s.info?.queues.request ?? 'the request queue'}.`, jobId: r.job.jobId, at: Date.now() } }))
        get().select(r.job.jobId)
        return true
      } catch (err) {
        set({ submitting: false, outcome: { ok: false, text: describeError(toServerError(err)), jobId: null, at: Date.now() } })
        return false
      }
    },
    dismissOutcome: () => set({ outcome: null }),
    reset() {
      snapshot.reset()
      loading.clear()
      set(initialState)
    }
  }
})

function stripDetail(d: TrainingJobSummary & { epochs?: unknown; request?: unknown }): TrainingJobSummary {
  const { epochs: _e, request: _r, ...summary } = d
  return summary
}
