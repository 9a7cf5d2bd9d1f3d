/**
 * Coordinator store: the host registry as the Hosts & Zones page shows it — which registry it is
 * (embedded or remote), its address, API key and monitoring counts, and its hosts, zones and
 * sessions — plus the page's actions (P2P on/off for a zone, a zone's requirements, ending a
 * session) with their result line. The pure logic (sorting, quality buckets, the requirements
 * form) is in coordinator-model.ts.
 *
 * One live resource (live-resource.ts) loads `coordinator.info` and, when the registry answers,
 * the three lists together. The registry sends no change events, so the snapshot is refreshed every
 * REFRESH_MS while the page is shown (`staleAfterMs`), at once after each action, on reconnect, and
 * on an `app.status` event (a service started or stopped). Lists that answer `unavailable` (the
 * registry not running, or a remote coordinator that cannot be browsed) are a state of their own,
 * not an error; the next refresh tries again.
 */
import { create } from 'zustand'
import type { CoordinatorHost, CoordinatorInfo, CoordinatorSession, CoordinatorZone, CoordinatorZoneRequirements } from '../../../shared/contract'
import { createLiveResource, isUnavailable, type ResourceClient } from './live-resource'
import { DEFAULT_HOST_SORT, nextHostSort, type HostSort, type HostSortKey } from './coordinator-model'
import { describeError, toServerError, type ServerError } from './requests-model'

export * from './coordinator-model'

/** How often the page refreshes the registry's snapshot while shown. */
export const REFRESH_MS = 5000
/** Sessions fetched per refresh (newest first). */
export const SESSIONS_LIMIT = 200

export interface RegistryLists {
  hosts: CoordinatorHost[]
  zones: CoordinatorZone[]
  sessions: CoordinatorSession[]
}

interface Snapshot {
  info: CoordinatorInfo
  lists: RegistryLists | null
  /** Why the lists are missing (unavailable registry, or another failure). */
  listsError: ServerError | null
}

export type CoordinatorActionKind = 'p2p' | 'zone' | 'endSession'

export interface CoordinatorOutcome {
  kind: CoordinatorActionKind
  ok: boolean
  text: string
  at: number
}

export interface CoordinatorState {
  /** 'loading' until the first answer; 'error' when even coordinator.info failed. */
  phase: 'idle' | 'loading' | 'ready' | 'error'
  info: CoordinatorInfo | null
  lists: RegistryLists | null
  listsError: ServerError | null
  error: ServerError | null
  /** Epoch ms of the last snapshot. */
  loadedAt: number | null
  sort: HostSort
  showEnded: boolean
  /** The action running now (its target id), one at a time. */
  busy: { kind: CoordinatorActionKind; id: string } | null
  outcome: CoordinatorOutcome | null
}

export interface CoordinatorActions {
  /** The page is shown: load, refresh while shown. Returns the release. */
  activate(client: ResourceClient): () => void
  refresh(): Promise<void>
  sortBy(key: HostSortKey): void
  setShowEnded(show: boolean): void
  setZoneP2p(zoneId: string, enabled: boolean): Promise<boolean>
  updateZone(zoneId: string, requirements: CoordinatorZoneRequirements): Promise<boolean>
  endSession(sessionId: string): Promise<boolean>
  dismissOutcome(): void
  /** For tests: back to the initial state. */
  reset(): void
}

export type CoordinatorStore = CoordinatorState & CoordinatorActions

const initialState: CoordinatorState = {
  phase: 'idle',
  info: null,
  lists: null,
  listsError: null,
  error: null,
  loadedAt: null,
  sort: DEFAULT_HOST_SORT,
  showEnded: false,
  busy: null,
  outcome: null
}

/** coordinator.info, then the three lists when the registry is there to answer them. */
export async function loadSnapshot(c: ResourceClient): Promise<Snapshot> {
  const info = await c.call('coordinator.info')
  try {
    const [hosts, zones, sessions] = await Promise.all([
      c.call('coordinator.hosts', {}),
      c.call('coordinator.zones', {}),
      c.call('coordinator.sessions', { limit: SESSIONS_LIMIT })
    ])
    return { info, lists: { hosts: hosts.hosts, zones: zones.zones, sessions: sessions.sessions }, listsError: null }
  } catch (err) {
    return { info, lists: null, listsError: toServerError(err) }
  }
}

export const useCoordinatorStore = create<CoordinatorStore>((set, get) => {
  let client: ResourceClient | null = null

  const snapshot = createLiveResource<Snapshot>({
    load: loadSnapshot,
    onValue: (v) => set({ phase: 'ready', info: v.info, lists: v.lists, listsError: v.listsError, error: null, loadedAt: Date.now() }),
    onError: (err) => set((s) => ({ phase: s.info ? s.phase : 'error', error: toServerError(err) })),
    subscribe: (c, ctl) => [c.on('app.status', () => ctl.invalidate())],
    throttleMs: 1000,
    staleAfterMs: REFRESH_MS,
    shouldRetry: isUnavailable
  })

  async function run(kind: CoordinatorActionKind, id: string, work: (c: ResourceClient) => Promise<string>): Promise<boolean> {
    if (get().busy || !client) return false
    set({ busy: { kind, id } })
    try {
      const text = await work(client)
      set({ busy: null, outcome: { kind, ok: true, text, at: Date.now() } })
      return true
    } catch (err) {
      set({ busy: null, outcome: { kind, ok: false, text: describeError(toServerError(err)), at: Date.now() } })
      return false
    } finally {
      void snapshot.refetch()
    }
  }

  return {
    ...initialState,
    activate(c) {
      client = c
      if (get().phase === 'idle' || get().phase === 'error') set({ phase: 'loading' })
      return snapshot.activate(c)
    },
    refresh: () => snapshot.refetch(),
    sortBy: (key) => set((s) => ({ sort: nextHostSort(s.sort, key) })),
    setShowEnded: (showEnded) => set({ showEnded }),
    setZoneP2p: (zoneId, enabled) =>
      run('p2p', zoneId, async (c) => {
        await c.call('coordinator.setZoneP2p', { zoneId, enabled })
        return `P2P ${enabled ? 'enabled' : 'disabled'} for zone ${zoneId}`
      }),
    updateZone: (zoneId, requirements) =>
      run('zone', zoneId, async (c) => {
        await c.call('coordinator.updateZone', { zoneId, requirements })
        return `Requirements of zone ${zoneId} saved`
      }),
    endSession: (sessionId) =>
      run('endSession', sessionId, async (c) => {
        const r = await c.call('coordinator.endSession', { sessionId, reason: 'ended from the Hosts page' })
        return r.ended ? `Session ${sessionId} ended` : `Session ${sessionId} had already ended`
      }),
    dismissOutcome: () => set({ outcome: null }),
    reset() {
      snapshot.reset()
      client = null
      set(initialState)
    }
  }
})

export const {
  activate: activateCoordinator,
  refresh: refreshCoordinator,
  sortBy: sortHostsBy,
  setShowEnded,
  setZoneP2p,
  updateZone,
  endSession,
  dismissOutcome: dismissCoordinatorOutcome,
  reset: resetCoordinatorStore
} = useCoordinatorStore.getState()
