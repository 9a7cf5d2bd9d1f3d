/**
 * The hosting store on its live resource, with a fake client and fake timers: the snapshot loads
 * on activation and `hosting.changed` pushes replace it; `unavailable` (the service not running) is
 * a state of its own, retried, and drops the last snapshot; kick / notice / pause / resume report
 * their outcome and refresh.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ContractCallError, type EventName, type HostingSnapshot } from '../../../src/shared/contract'
import type { ConnectionInfo } from '../../../src/renderer/src/api/live-client'
import type { ResourceClient } from '../../../src/renderer/src/stores/live-resource'
import { activateHosting, kickPeer, pauseHosting, resetHostingStore, resumeHosting, sendNotice, useHostingStore } from '../../../src/renderer/src/stores/hosting'

const SNAP: HostingSnapshot = { configured: true, paused: false, pausedReason: null, tickMs: 20, maxPlayers: 50, sessions: [], players: 0, bytesIn: 0, bytesOut: 0, at: '2026-12-01T10:00:00.000Z' }

type Listener = (value: unknown) => void

function fakeClient(answer: (method: string, input: unknown) => unknown): ResourceClient & { calls: { method: string; input: unknown }[]; emit(event: EventName, value: unknown): void } {
  const info = { transport: 'bridge', state: 'open', attempt: 0, retryAt: null, reason: null, auth: null, serverVersion: null, throttled: false } as ConnectionInfo
  const calls: { method: string; input: unknown }[] = []
  const listeners = new Map<string, Set<Listener>>()
  return {
    calls,
    emit: (event, value) => listeners.get(event)?.forEach((l) => l(value)),
    call: (async (method: string, input?: unknown) => {
      calls.push({ method, input })
      return answer(method, input)
    }) as ResourceClient['call'],
    on: ((event: EventName, l: Listener) => {
      const set = listeners.get(event) ?? new Set<Listener>()
      listeners.set(event, set)
      set.add(l)
      return () => set.delete(l)
    }) as ResourceClient['on'],
    getConnection: () => info,
    onConnection: () => () => undefined
  }
}

beforeEach(() => {
  vi.useFakeTimers()
  resetHostingStore()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('hosting store', () => {
  it('loads on activation and applies pushed snapshots', async () => {
    const c = fakeClient(() => SNAP)
    const release = activateHosting(c)
    expect(useHostingStore.getState().phase).toBe('loading')
    await vi.advanceTimersByTimeAsync(0)
    expect(useHostingStore.getState()).toMatchObject({ phase: 'ready', snapshot: SNAP })
    c.emit('hosting.changed', { ...SNAP, players: 3 })
    await vi.advanceTimersByTimeAsync(600)
    expect(useHostingStore.getState().snapshot?.players).toBe(3)
    release()
    c.emit('hosting.changed', { ...SNAP, players: 4 })
    await vi.advanceTimersByTimeAsync(600)
    expect(useHostingStore.getState().snapshot?.players).toBe(3)
  })

  it('is unavailable while the service is not running, retries, and recovers', async () => {
    let up = false
    const c = fakeClient(() => {
      if (!up) throw new ContractCallError('unavailable', 'Peer hosting is not running.')
      return SNAP
    })
    const release = activateHosting(c)
    await vi.advanceTimersByTimeAsync(0)
    expect(useHostingStore.getState()).toMatchObject({ phase: 'unavailable', snapshot: null, error: { code: 'unavailable' } })
    expect(useHostingStore.getState().retryAt).not.toBeNull()
    up = true
    await vi.advanceTimersByTimeAsync(20_000)
    expect(useHostingStore.getState()).toMatchObject({ phase: 'ready', snapshot: SNAP, error: null, retryAt: null })
    release()
  })

  it('kicks, sends notices, pauses and resumes, each with its outcome', async () => {
    let state = SNAP
    const c = fakeClient((m, input) => {
      switch (m) {
        case 'hosting.sessions':
          return state
        case 'hosting.kick':
          if ((input as { peerId: string }).peerId === 'nobody') throw new ContractCallError('not_found', 'No peer nobody in session s1.')
          return { kicked: true }
        case 'hosting.notice':
          return { sent: 2, acked: 1, failed: 1 }
        case 'hosting.pause':
          state = { ...SNAP, paused: true, pausedReason: (input as { reason?: string }).reason ?? null }
          return state
        case 'hosting.resume':
          state = SNAP
          return state
        default:
          throw new Error(m)
      }
    })
    const release = activateHosting(c)
    await vi.advanceTimersByTimeAsync(0)

    expect(await kickPeer('s1', 'alice', 'spamming')).toBe(true)
    expect(c.calls.find((x) => x.method === 'hosting.kick')?.input).toEqual({ sessionId: 's1', peerId: 'alice', reason: 'spamming' })
    expect(useHostingStore.getState().outcome).toMatchObject({ kind: 'kick', tone: 'ok', text: 'alice was kicked (spamming)' })
    expect(await kickPeer('s1', 'nobody', 'x')).toBe(false)
    expect(useHostingStore.getState().outcome).toMatchObject({ kind: 'kick', tone: 'error', text: 'No peer nobody in session s1.' })

    expect(await sendNotice({ sessionId: 's1' }, 'hello')).toEqual({ sent: 2, acked: 1, failed: 1 })
    expect(c.calls.filter((x) => x.method === 'hosting.notice').at(-1)?.input).toEqual({ text: 'hello', sessionId: 's1' })
    expect(useHostingStore.getState().outcome).toMatchObject({ kind: 'notice', tone: 'warn' })

    expect(await pauseHosting('maintenance')).toBe(true)
    expect(useHostingStore.getState().snapshot).toMatchObject({ paused: true, pausedReason: 'maintenance' })
    expect(c.calls.filter((x) => x.method === 'hosting.pause').at(-1)?.input).toEqual({ reason: 'maintenance' })
    await vi.advanceTimersByTimeAsync(0) // the refresh after the action
    expect(await resumeHosting()).toBe(true)
    await vi.advanceTimersByTimeAsync(0)
    expect(useHostingStore.getState().snapshot?.paused).toBe(false)
    expect(useHostingStore.getState().busy).toBeNull()
    release()
  })
})
