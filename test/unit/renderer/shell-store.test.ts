/**
 * The shell store behind the update banner and the Settings card: filled by shell.info and kept
 * live by shell.changed; "start at login" and "check now" call the host and show its answer;
 * "restart now" calls shell.installUpdate and keeps the banner busy; a refused action shows the
 * host's message; Later hides the banner for that version only.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ContractCallError, type ShellInfo } from '../../../src/shared/contract'
import type { LiveClient } from '../../../src/renderer/src/api/live-client'
import { attachShellStore, loadShellInfo, useShellStore } from '../../../src/renderer/src/stores/shell'

function info(over: Partial<ShellInfo> = {}): ShellInfo {
  return {
    available: true,
    reason: null,
    launchAtLogin: { supported: true, enabled: false },
    tray: 'idle',
    update: { phase: 'idle', version: null, percent: null, message: null, checkedAt: null },
    ...over
  }
}

function fakeClient(answer: (method: string, input: unknown) => unknown): { client: LiveClient; calls: [string, unknown][]; emit: (payload: ShellInfo) => void } {
  const calls: [string, unknown][] = []
  let listener: ((p: ShellInfo) => void) | null = null
  const client = {
    call: async (method: string, input?: unknown) => {
      calls.push([method, input])
      return answer(method, input)
    },
    on: (event: string, l: (p: ShellInfo) => void) => {
      if (event === 'shell.changed') listener = l
      return () => {
        listener = null
      }
    }
  } as unknown as LiveClient
  return { client, calls, emit: (p) => listener?.(p) }
}

beforeEach(() => {
  useShellStore.setState({ info: null, busy: null, error: null, dismissedVersion: null })
})

describe('shell store', () => {
  it('loads shell.info and follows shell.changed', async () => {
    const f = fakeClient(() => info())
    const detach = attachShellStore(f.client)
    await loadShellInfo(f.client)
    expect(useShellStore.getState().info?.tray).toBe('idle')
    f.emit(info({ tray: 'hosting' }))
    expect(useShellStore.getState().info?.tray).toBe('hosting')
    detach()
    f.emit(info({ tray: 'error' }))
    expect(useShellStore.getState().info?.tray).toBe('hosting')
  })

  it('start at login calls the host and shows its answer', async () => {
    const f = fakeClient((m, input) => (m === 'shell.setLaunchAtLogin' ? info({ launchAtLogin: { supported: true, enabled: (input as { enabled: boolean }).enabled } }) : info()))
    const detach = attachShellStore(f.client)
    await useShellStore.getState().setLaunchAtLogin(true)
    expect(f.calls).toEqual([['shell.setLaunchAtLogin', { enabled: true }]])
    expect(useShellStore.getState().info?.launchAtLogin.enabled).toBe(true)
    expect(useShellStore.getState().busy).toBeNull()
    detach()
  })

  it('a refused action shows the host’s message (headless: unavailable)', async () => {
    const f = fakeClient(() => {
      throw new ContractCallError('unavailable', 'start at login belongs to the desktop app')
    })
    const detach = attachShellStore(f.client)
    await useShellStore.getState().checkForUpdates()
    expect(useShellStore.getState().error).toContain('desktop app')
    detach()
  })

  it('restart now calls shell.installUpdate once, even when clicked twice', async () => {
    let release: () => void = () => undefined
    const f = fakeClient((m) => (m === 'shell.installUpdate' ? new Promise((r) => (release = () => r({ restarting: true }))) : info()))
    const detach = attachShellStore(f.client)
    const first = useShellStore.getState().installUpdate()
    expect(useShellStore.getState().busy).toBe('install')
    await useShellStore.getState().installUpdate()
    release()
    await first
    expect(f.calls.map(([m]) => m)).toEqual(['shell.installUpdate'])
    detach()
  })

  it('Later hides the banner for that version only', () => {
    useShellStore.getState().dismiss('0.2.0')
    expect(useShellStore.getState().dismissedVersion).toBe('0.2.0')
  })
})
