/**
 * Config store: the redacted config view from `config.get` (kept live by `config.changed`), the
 * Settings page's unsaved edits (kept here so they survive navigating away), and the outcome of
 * the last `config.update` — the changed keys, restarted services and restart-required keys, or
 * the server's error with its per-field issues.
 */
import { create } from 'zustand'
import { ContractCallError, type ConfigUpdateResult, type ConfigView } from '../../../shared/contract'
import type { ConfigPatch } from '../../../shared/config-schema'
import { errorMessage } from '../api/call-result'
import type { LiveClient } from '../api/live-client'

/**
 * An unsaved edit, as typed: text for text/number/list/select fields and new secret values,
 * true/false for switches, null for "remove the saved secret".
 */
export type DraftValue = string | boolean | null

export interface SaveError {
  message: string
  issues: { path: string; message: string }[]
}

interface ConfigStore {
  view: ConfigView | null
  loading: boolean
  loadError: string | null
  edits: Record<string, DraftValue>
  saving: boolean
  result: ConfigUpdateResult | null
  saveError: SaveError | null
  /** Records an edit of dotted `key`; undefined drops it. */
  setEdit(key: string, value: DraftValue | undefined): void
  discard(): void
  receiveView(view: ConfigView): void
  /** Fetches config.get; false when it failed (the error is in loadError). */
  load(): Promise<boolean>
  /** Sends `patch` with config.update; true when it was applied. */
  save(patch: ConfigPatch): Promise<boolean>
}

let client: LiveClient | null = null

export const useConfigStore = create<ConfigStore>((set) => ({
  view: null,
  loading: false,
  loadError: null,
  edits: {},
  saving: false,
  result: null,
  saveError: null,
  setEdit: (key, value) =>
    set((s) => {
      const edits = { ...s.edits }
      if (value === undefined) delete edits[key]
      else edits[key] = value
      const saveError = s.saveError
        ? { ...s.saveError, issues: s.saveError.issues.filter((i) => i.path !== key && !i.path.startsWith(`${key}.`)) }
        : null
      return { edits, saveError, result: null }
    }),
  discard: () => set({ edits: {}, saveError: null }),
  receiveView: (view) => set({ view }),
  load: async () => {
    if (!client) return false
    set({ loading: true })
    try {
      const view = await client.call('config.get')
      set({ view, loading: false, loadError: null })
      return true
    } catch (err) {
      set({ loading: false, loadError: errorMessage(err) })
      return false
    }
  },
  save: async (patch) => {
    if (!client) return false
    set({ saving: true, saveError: null, result: null })
    try {
      const result = await client.call('config.update', patch)
      set({ saving: false, result, view: result.view, edits: {} })
      return true
    } catch (err) {
      const issues = err instanceof ContractCallError ? (err.issues ?? []) : []
      set({ saving: false, saveError: { message: errorMessage(err), issues } })
      return false
    }
  }
}))

export function attachConfigStore(liveClient: LiveClient): () => void {
  client = liveClient
  const off = liveClient.on('config.changed', (view) => useConfigStore.getState().receiveView(view))
  return () => {
    off()
    client = null
  }
}
