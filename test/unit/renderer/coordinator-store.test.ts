/**
 * The coordinator store on its live resource, with a fake client (answers resolve at once) and
 * fake timers: the snapshot (info + three lists) loads on activation and again every REFRESH_MS
 * while active, never after release; lists that answer `unavailable` are a state of their own
 * (info still shown); a failing coordinator.info is the error state; an action refreshes at once
 * and reports its outcome.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ContractCallError, type CoordinatorInfo, type EventName } from '../../../src/shared/contract'
import type { ConnectionInfo } from '../../../src/renderer/src/api/live-client'
import type { ResourceClient } from '../../../src/renderer/src/stores/live-resource'
import { REFRESH_MS, activateCoordinator, endSession, resetCoordinatorStore, setZoneP2p, useCoordinatorStore } from '../../../src/renderer/src/stores/coordinator'

const INFO: CoordinatorInfo = { mode: 'embedded', state: 'running', url: 'http://127.0.0.1:8001/api/v1', apiKey: 'k', counts: null }

function fakeClient(answer: (method: string, input: unknown) => unknown): ResourceClient & { calls: string[] } {
  const info = { transport: 'bridge', state: 'open', attempt: 0, retryAt: null, reason: null, auth: null, serverVersion: null, throttled: false } as ConnectionInfo
  const calls: string[] = []
  return {
    calls,
    call: (async (method: string, input?: unknown) => {
      calls.push(method)
      return answer(method, input)
    }) as ResourceClient['call'],
    on: (_event: EventName) => () => undefined,
    getConnection: () => info,
    onConnection: () => () => undefined
  }
}

function registry(method: string): unknown {
  switch (method) {
    case 'coordinator.info':
      return INFO
    case 'coordinator.hosts':
      return { hosts: [] }
    case 'coordinator.zones':
      return { zones: [] }
    case 'coordinator.sessions':
      return { sessions: [] }
    case 'coordinator.endSession':
      return { ended: true, session: {} }
    default:
      throw new ContractCallError('not_found', 'Zone nope not found')
  }
}

const count = (c: { calls: string[] }, m: string): number => c.calls.filter((x) => x === m).length

beforeEach(() => {
  vi.useFakeTimers()
  resetCoordinatorStore()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('coordinator store', () => {
  it('loads the snapshot on activation and refreshes it while active, not after release', async () => {
    const c = fakeClient(registry)
    expect(useCoordinatorStore.getState().phase).toBe('idle')
    const release = activateCoordinator(c)
    expect(useCoordinatorStore.getState().phase).toBe('loading')
    await vi.advanceTimersByTimeAsync(0)
    expect(useCoordinatorStore.getState()).toMatchObject({ phase: 'ready', info: INFO, lists: { hosts: [], zones: [], sessions: [] }, listsError: null })
    expect(count(c, 'coordinator.hosts')).toBe(1)
    await vi.advanceTimersByTimeAsync(REFRESH_MS + 10)
    expect(count(c, 'coordinator.hosts')).toBe(2)
    release()
    await vi.advanceTimersByTimeAsync(REFRESH_MS * 3)
    expect(count(c, 'coordinator.hosts')).toBe(2)
  })

  it('keeps the info when the lists are unavailable, and is an error only when info fails', async () => {
    const c = fakeClient((m) => {
      if (m === 'coordinator.info') return INFO
      throw new ContractCallError('unavailable', 'The embedded coordinator registry is not running (starting).')
    })
    const release = activateCoordinator(c)
    await vi.advanceTimersByTimeAsync(0)
    expect(useCoordinatorStore.getState()).toMatchObject({ phase: 'ready', info: INFO, lists: null, listsError: { code: 'unavailable' } })
    release()

    resetCoordinatorStore()
    const broken = fakeClient(() => {
      throw new ContractCallError('internal', 'boom')
    })
    const release2 = activateCoordinator(broken)
    await vi.advanceTimersByTimeAsync(0)
    expect(useCoordinatorStore.getState()).toMatchObject({ phase: 'error', info: null, error: { code: 'internal', message: 'boom' } })
    release2()
  })

  it('an action reports its outcome and refreshes at once', async () => {
    const c = fakeClient(registry)
    const release = activateCoordinator(c)
    await vi.advanceTimersByTimeAsync(0)
    expect(await endSession('session-0123456789abcdef')).toBe(true)
    expect(useCoordinatorStore.getState().outcome).toMatchObject({ kind: 'endSession', ok: true, text: 'Session session-0123456789abcdef ended' })
    await vi.advanceTimersByTimeAsync(0)
    expect(count(c, 'coordinator.sessions')).toBe(2)

    expect(await setZoneP2p('nope', false)).toBe(false)
    expect(useCoordinatorStore.getState()).toMatchObject({ busy: null, outcome: { kind: 'p2p', ok: false, text: 'Zone nope not found' } })
    release()
  })
})
