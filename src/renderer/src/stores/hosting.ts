/**
 * Hosting store: the sessions this host serves with their peers, as the Sessions page and the
 * Overview card show them, plus the operator's actions (kick a peer, send a notice, pause and
 * resume hosting) with their result line. The pure logic is in hosting-model.ts.
 *
 * One live resource (live-resource.ts): `hosting.sessions` when first shown, on reconnect and
 * after each action; the `hosting.changed` event carries the snapshot itself (the host throttles
 * it to 500 ms), so it is pushed. An `app.status` event (a service started or stopped) reloads; a
 * host with no players pushes nothing, so the snapshot is reloaded when no value came for
 * STALE_MS. `unavailable` (the hosting service not running) is a state of its own, retried with the
 * shared backoff; the last snapshot is dropped then (its sessions are gone with the service).
 */
import { create } from 'zustand'
import type { HostingSnapshot } from '../../../shared/contract'
import { createLiveResource, isUnavailable, type ResourceClient } from './live-resource'
import { noticeResultText, type NoticeResult } from './hosting-model'
import { describeError, toServerError, type ServerError } from './requests-model'

export * from './hosting-model'

/** Pushed snapshots are applied at most this often (the host pushes every 500 ms at most). */
export const HOSTING_THROTTLE_MS = 500
/** No snapshot for this long while shown → load (a quiet host pushes nothing). */
export const STALE_MS = 10_000

export type HostingActionKind = 'kick' | 'notice' | 'pause' | 'resume'

export interface HostingOutcome {
  kind: HostingActionKind
  tone: 'ok' | 'warn' | 'error'
  text: string
  at: number
}

export interface NoticeTarget {
  sessionId?: string | undefined
  peerId?: string | undefined
}

export interface HostingState {
  /** 'loading' until the first answer; 'unavailable' while the service is not running; 'error' for other failures with no snapshot. */
  phase: 'idle' | 'loading' | 'ready' | 'unavailable' | 'error'
  snapshot: HostingSnapshot | null
  error: ServerError | null
  /** Epoch ms the next retry is due (while unavailable), null when none is planned. */
  retryAt: number | null
  /** Epoch ms of the last snapshot. */
  loadedAt: number | null
  /** The action running now, one at a time (its target: "session/peer", a session id, or ""). */
  busy: { kind: HostingActionKind; target: string } | null
  outcome: HostingOutcome | null
}

export interface HostingActions {
  /** The page (or card) is shown: load, stay live. Returns the release. */
  activate(client: ResourceClient): () => void
  refresh(): Promise<void>
  kick(sessionId: string, peerId: string, reason: string): Promise<boolean>
  /** Sends a notice; its delivery (sent / acked / failed), or null when it could not be sent. */
  notice(target: NoticeTarget, text: string): Promise<NoticeResult | null>
  pause(reason: string | undefined): Promise<boolean>
  resume(): Promise<boolean>
  dismissOutcome(): void
  /** For tests: back to the initial state. */
  reset(): void
}

export type HostingStore = HostingState & HostingActions

const initialState: HostingState = {
  phase: 'idle',
  snapshot: null,
  error: null,
  retryAt: null,
  loadedAt: null,
  busy: null,
  outcome: null
}

export const useHostingStore = create<HostingStore>((set, get) => {
  let client: ResourceClient | null = null

  const resource = createLiveResource<HostingSnapshot>({
    load: (c) => c.call('hosting.sessions'),
    onValue: (snapshot) => set({ phase: 'ready', snapshot, error: null, retryAt: null, loadedAt: Date.now() }),
    onError: (err, retryAt) => {
      const error = toServerError(err)
      if (isUnavailable(err)) set({ phase: 'unavailable', snapshot: null, error, retryAt })
      else set((s) => ({ phase: s.snapshot ? s.phase : 'error', error, retryAt }))
    },
    subscribe: (c, ctl) => [c.on('hosting.changed', (value) => ctl.push(value)), c.on('app.status', () => ctl.invalidate())],
    throttleMs: HOSTING_THROTTLE_MS,
    staleAfterMs: STALE_MS,
    shouldRetry: isUnavailable
  })

  async function run<T>(kind: HostingActionKind, target: string, work: (c: ResourceClient) => Promise<{ value: T; outcome: Omit<HostingOutcome, 'kind' | 'at'> }>): Promise<T | null> {
    if (get().busy || !client) return null
    set({ busy: { kind, target } })
    try {
      const { value, outcome } = await work(client)
      set({ busy: null, outcome: { kind, ...outcome, at: Date.now() } })
      return value
    } catch (err) {
      set({ busy: null, outcome: { kind, tone: 'error', text: describeError(toServerError(err)), at: Date.now() } })
      return null
    } finally {
      void resource.refetch()
    }
  }

  return {
    ...initialState,
    activate(c) {
      client = c
      const phase = get().phase
      if (phase === 'idle' || phase === 'error') set({ phase: 'loading' })
      return resource.activate(c)
    },
    refresh: () => resource.refetch(),
    kick: async (sessionId, peerId, reason) =>
      (await run('kick', `${sessionId}/${peerId}`, async (c) => {
        await c.call('hosting.kick', { sessionId, peerId, reason })
        return { value: true, outcome: { tone: 'ok', text: `${peerId} was kicked (${reason})` } }
      })) ?? false,
    notice: (target, text) =>
      run('notice', target.peerId !== undefined ? `${target.sessionId ?? ''}/${target.peerId}` : (target.sessionId ?? ''), async (c) => {
        const r = await c.call('hosting.notice', {
          text,
          ...(target.sessionId !== undefined ? { sessionId: target.sessionId } : {}),
          ...(target.peerId !== undefined ? { peerId: target.peerId } : {})
        })
        return { value: r, outcome: noticeResultText(r) }
      }),
    pause: async (reason) =>
      (await run('pause', '', async (c) => {
        const snapshot = await c.call('hosting.pause', reason !== undefined ? { reason } : {})
        set({ snapshot, loadedAt: Date.now() }) // at once; the refresh after the action follows
        return { value: true, outcome: { tone: 'ok', text: `Hosting paused${reason ? `: ${reason}` : ''}. New players are refused.` } }
      })) ?? false,
    resume: async () =>
      (await run('resume', '', async (c) => {
        const snapshot = await c.call('hosting.resume')
        set({ snapshot, loadedAt: Date.now() }) // at once; the refresh after the action follows
        return { value: true, outcome: { tone: 'ok', text: 'Hosting resumed. Players may join again.' } }
      })) ?? false,
    dismissOutcome: () => set({ outcome: null }),
    reset() {
      resource.reset()
      client = null
      set(initialState)
    }
  }
})

export const {
  activate: activateHosting,
  refresh: refreshHosting,
  kick: kickPeer,
  notice: sendNotice,
  pause: pauseHosting,
  resume: resumeHosting,
  dismissOutcome: dismissHostingOutcome,
  reset: resetHostingStore
} = useHostingStore.getState()
