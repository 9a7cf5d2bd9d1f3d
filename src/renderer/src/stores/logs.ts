/**
 * Logs store: a bounded buffer (the newest LOG_BUFFER_SIZE entries, ordered by `seq`) fed by the
 * initial `logs.tail` and the batched `logs.entries` event, de-duplicated by `seq` wherever the two
 * overlap; plus the Logs page's view settings (min level, search, follow, cleared-through mark) so
 * they survive navigating away.
 */
import { create } from 'zustand'
import type { LogEntry, LogLevel } from '../../../shared/log'
import type { LiveClient } from '../api/live-client'

export const LOG_BUFFER_SIZE = 5000

/** Merges `incoming` into `current` (both by seq), dropping duplicates and the oldest beyond `cap`. */
export function mergeLogEntries(current: readonly LogEntry[], incoming: readonly LogEntry[], cap = LOG_BUFFER_SIZE): LogEntry[] {
  if (incoming.length === 0) return current as LogEntry[]
  const lastSeq = current.length > 0 ? current[current.length - 1]!.seq : -1
  let merged: LogEntry[]
  if (incoming[0]!.seq > lastSeq && strictlyAscending(incoming)) {
    merged = current.concat(incoming)
  } else {
    const all = current.concat(incoming).sort((a, b) => a.seq - b.seq)
    merged = []
    for (const e of all) if (merged.length === 0 || merged[merged.length - 1]!.seq !== e.seq) merged.push(e)
  }
  return merged.length > cap ? merged.slice(merged.length - cap) : merged
}

function strictlyAscending(entries: readonly LogEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (entries[i]!.seq <= entries[i - 1]!.seq) return false
  return true
}

interface LogsStore {
  entries: LogEntry[]
  /** startedAt of the host process the entries came from (a restarted host restarts seq). */
  hostStartedAt: string | null
  /** False until the tail after a (re)connect is in; live entries wait in `held` meanwhile. */
  synced: boolean
  held: LogEntry[]
  error: string | null
  /** Entries with seq ≤ this are hidden by "Clear view" (-1 = nothing hidden). */
  clearedThroughSeq: number
  minLevel: LogLevel
  search: string
  follow: boolean
  receive(entries: readonly LogEntry[]): void
  /** The connection dropped: hold live entries until the next tail says which process sent them. */
  unsync(): void
  /** Merges the tail fetched after a (re)connect; starts over when the host process changed. */
  applyTail(hostStartedAt: string, tail: readonly LogEntry[]): void
  fail(error: string): void
  setMinLevel(level: LogLevel): void
  setSearch(search: string): void
  setFollow(follow: boolean): void
  clearView(): void
  showCleared(): void
}

export const useLogsStore = create<LogsStore>((set) => ({
  entries: [],
  hostStartedAt: null,
  synced: false,
  held: [],
  error: null,
  clearedThroughSeq: -1,
  minLevel: 'debug',
  search: '',
  follow: true,
  receive: (incoming) =>
    set((s) => (s.synced ? { entries: mergeLogEntries(s.entries, incoming) } : { held: mergeLogEntries(s.held, incoming) })),
  unsync: () => set({ synced: false, held: [] }),
  applyTail: (hostStartedAt, tail) =>
    set((s) => {
      const sameHost = s.hostStartedAt === hostStartedAt
      const base = sameHost ? mergeLogEntries(s.entries, tail) : mergeLogEntries([], tail)
      return {
        hostStartedAt,
        synced: true,
        held: [],
        error: null,
        entries: mergeLogEntries(base, s.held),
        clearedThroughSeq: sameHost ? s.clearedThroughSeq : -1
      }
    }),
  fail: (error) => set({ error }),
  setMinLevel: (minLevel) => set({ minLevel }),
  setSearch: (search) => set({ search }),
  setFollow: (follow) => set({ follow }),
  clearView: () => set((s) => ({ clearedThroughSeq: s.entries.length > 0 ? s.entries[s.entries.length - 1]!.seq : -1 })),
  showCleared: () => set({ clearedThroughSeq: -1 })
}))

export function attachLogsStore(client: LiveClient): () => void {
  return client.on('logs.entries', (entries) => useLogsStore.getState().receive(entries))
}
