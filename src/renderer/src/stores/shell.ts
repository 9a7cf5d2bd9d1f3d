/**
 * Shell store: the desktop shell's state (`shell.info`, kept live by `shell.changed`) — launch at
 * login, tray, updater — for the update banner and the Settings card, plus the actions on it.
 * Headless, `available` is false and the actions are refused by the host with a reason.
 */
import { create } from 'zustand'
import type { ShellInfo } from '../../../shared/contract'
import { errorMessage } from '../api/call-result'
import type { LiveClient } from '../api/live-client'

interface ShellStore {
  info: ShellInfo | null
  /** An action under way: which. */
  busy: 'login' | 'check' | 'install' | null
  /** Why the last action failed (cleared by the next one). */
  error: string | null
  /** The user closed the banner for this version. */
  dismissedVersion: string | null
  receive(info: ShellInfo): void
  setLaunchAtLogin(enabled: boolean): Promise<void>
  checkForUpdates(): Promise<void>
  installUpdate(): Promise<void>
  dismiss(version: string): void
}

let client: LiveClient | null = null

export const useShellStore = create<ShellStore>((set, get) => {
  const run = async (busy: NonNullable<ShellStore['busy']>, action: (c: LiveClient) => Promise<ShellInfo | null>): Promise<void> => {
    if (!client || get().busy) return
    set({ busy, error: null })
    try {
      const info = await action(client)
      set(info ? { info, busy: null } : { busy: null })
    } catch (err) {
      set({ busy: null, error: errorMessage(err) })
    }
  }
  return {
    info: null,
    busy: null,
    error: null,
    dismissedVersion: null,
    receive: (info) => set({ info }),
    setLaunchAtLogin: (enabled) => run('login', (c) => c.call('shell.setLaunchAtLogin', { enabled })),
    checkForUpdates: () => run('check', (c) => c.call('shell.checkForUpdates')),
    installUpdate: () =>
      run('install', async (c) => {
        await c.call('shell.installUpdate')
        return null
      }),
    dismiss: (version) => set({ dismissedVersion: version })
  }
})

/** Subscribes the store to `shell.changed`; `loadShellInfo` fetches it on (re)connect. */
export function attachShellStore(liveClient: LiveClient): () => void {
  client = liveClient
  const off = liveClient.on('shell.changed', (info) => useShellStore.getState().receive(info))
  return () => {
    off()
    client = null
  }
}

/** Fetches shell.info (an older host without it simply leaves the store empty). */
export async function loadShellInfo(liveClient: LiveClient): Promise<void> {
  try {
    useShellStore.getState().receive(await liveClient.call('shell.info'))
  } catch {
    // not fatal: no banner, and the Settings card says it is unknown
  }
}
