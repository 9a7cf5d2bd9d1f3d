/**
 * Status store: the host's last `app.status` (version, mode, uptime, memory, services) and when it
 * arrived, kept live by the `app.status` event. The page ticks uptime locally from `receivedAt`.
 */
import { create } from 'zustand'
import type { AppStatus } from '../../../shared/contract'
import type { LiveClient } from '../api/live-client'

interface StatusStore {
  status: AppStatus | null
  /** Epoch ms when `status` arrived. */
  receivedAt: number | null
  /** Why the last explicit fetch failed (cleared by the next status). */
  error: string | null
  receive(status: AppStatus): void
  fail(message: string): void
}

export const useStatusStore = create<StatusStore>((set) => ({
  status: null,
  receivedAt: null,
  error: null,
  receive: (status) => set({ status, receivedAt: Date.now(), error: null }),
  fail: (message) => set({ error: message })
}))

export function attachStatusStore(client: LiveClient): () => void {
  return client.on('app.status', (status) => useStatusStore.getState().receive(status))
}
