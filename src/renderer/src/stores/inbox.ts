/**
 * Inbox store: the local file channel as the Inbox page shows it — groups with their handled and
 * failed counts, the error store (count and newest entries) and the answers waiting for a
 * sender's ACK. One live resource: `inbox.status` on activation and reconnect, `inbox.changed`
 * pushes the same snapshot (throttled by main), `app.status` hints (the service came or went), a
 * refresh every REFRESH_MS while shown (pending ACKs age), retries while `unavailable`.
 */
import { create } from 'zustand'
import type { InboxError, InboxStatus } from '../../../shared/contract'
import { createLiveResource, isUnavailable, type ResourceClient } from './live-resource'
import { toServerError, type ServerError } from './requests-model'

export const REFRESH_MS = 5000
/** Errors the "show more" list asks for. */
export const MORE_ERRORS = 200

export interface InboxState {
  phase: 'idle' | 'loading' | 'ready' | 'error'
  status: InboxStatus | null
  error: ServerError | null
  loadedAt: number | null
  /** The longer error list (inbox.errors), once asked for. */
  moreErrors: InboxError[] | null
}

export interface InboxActions {
  activate(client: ResourceClient): () => void
  refresh(): Promise<void>
  loadMoreErrors(): Promise<void>
  reset(): void
}

const initialState: InboxState = { phase: 'idle', status: null, error: null, loadedAt: null, moreErrors: null }

export const useInboxStore = create<InboxState & InboxActions>((set, get) => {
  let client: ResourceClient | null = null
  const resource = createLiveResource<InboxStatus>({
    load: (c) => c.call('inbox.status'),
    onValue: (status) => set({ phase: 'ready', status, error: null, loadedAt: Date.now() }),
    onError: (err) => set((s) => ({ phase: s.status ? s.phase : 'error', error: toServerError(err) })),
    subscribe: (c, ctl) => [c.on('inbox.changed', (s) => ctl.push(s)), c.on('app.status', () => ctl.invalidate())],
    throttleMs: 500,
    staleAfterMs: REFRESH_MS,
    shouldRetry: isUnavailable
  })
  return {
    ...initialState,
    activate(c) {
      client = c
      if (get().phase === 'idle' || get().phase === 'error') set({ phase: 'loading' })
      return resource.activate(c)
    },
    refresh: () => resource.refetch(),
    async loadMoreErrors() {
      if (!client) return
      try {
        const r = await client.call('inbox.errors', { limit: MORE_ERRORS })
        set({ moreErrors: r.errors })
      } catch (err) {
        set({ error: toServerError(err) })
      }
    },
    reset() {
      resource.reset()
      client = null
      set(initialState)
    }
  }
})

export const { activate: activateInbox, refresh: refreshInbox, loadMoreErrors, reset: resetInboxStore } = useInboxStore.getState()
