/**
 * The inbox store on its live resource, with a fake client and fake timers: the snapshot loads on
 * activation, `inbox.changed` pushes replace it, it refreshes every REFRESH_MS while active and
 * never after release; an `unavailable` inbox (disabled) is the error state and is retried; the
 * longer error list loads on demand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ContractCallError, type EventName, type InboxStatus } from '../../../src/shared/contract'
import type { ConnectionInfo } from '../../../src/renderer/src/api/live-client'
import type { ResourceClient } from '../../../src/renderer/src/stores/live-resource'
import { REFRESH_MS, activateInbox, loadMoreErrors, resetInboxStore, useInboxStore } from '../../../src/renderer/src/stores/inbox'

const STATUS: InboxStatus = {
  enabled: true,
  running: true,
  root: '/data/ipc',
  groups: [{ group: 'main', handled: 3, failed: 1, lastMessageAt: new Date(0).toISOString() }],
  handled: 3,
  duplicates: 0,
  errorCount: 1,
  errors: [{ id: 1, at: new Date(0).toISOString(), group: 'main', stage: 'invalid', error: 'not JSON', messageId: null, type: null, file: 'errors/x.json' }],
  pendingAckCount: 0,
  pendingAcks: [],
  ackTimeoutMs: 30_000,
  maxRetries: 3,
  retryDelayMs: 5000,
  at: new Date(0).toISOString()
}

function fakeClient(answer: (method: string) => unknown): ResourceClient & { calls: string[]; emit(event: EventName, payload: unknown): void } {
  const info = { transport: 'bridge', state: 'open', attempt: 0, retryAt: null, reason: null, auth: null, serverVersion: null, throttled: false } as ConnectionInfo
  const calls: string[] = []
  const listeners = new Map<string, ((p: unknown) => void)[]>()
  return {
    calls,
    call: (async (method: string) => {
      calls.push(method)
      return answer(method)
    }) as ResourceClient['call'],
    on: ((event: EventName, l: (p: unknown) => void) => {
      listeners.set(event, [...(listeners.get(event) ?? []), l])
      return () => listeners.set(event, (listeners.get(event) ?? []).filter((x) => x !== l))
    }) as ResourceClient['on'],
    emit: (event, payload) => (listeners.get(event) ?? []).forEach((l) => l(payload)),
    getConnection: () => info,
    onConnection: () => () => undefined
  }
}

const count = (c: { calls: string[] }, m: string): number => c.calls.filter((x) => x === m).length

beforeEach(() => {
  vi.useFakeTimers()
  resetInboxStore()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('inbox store', () => {
  it('loads on activation, takes pushed snapshots, refreshes while active and stops after release', async () => {
    const c = fakeClient(() => STATUS)
    const release = activateInbox(c)
    await vi.advanceTimersByTimeAsync(0)
    expect(useInboxStore.getState()).toMatchObject({ phase: 'ready', status: { handled: 3 } })
    c.emit('inbox.changed', { ...STATUS, handled: 9 })
    await vi.advanceTimersByTimeAsync(600)
    expect(useInboxStore.getState().status?.handled).toBe(9)
    const loads = count(c, 'inbox.status')
    await vi.advanceTimersByTimeAsync(REFRESH_MS + 100)
    expect(count(c, 'inbox.status')).toBeGreaterThan(loads)
    release()
    const after = count(c, 'inbox.status')
    await vi.advanceTimersByTimeAsync(REFRESH_MS * 3)
    expect(count(c, 'inbox.status')).toBe(after)
  })

  it('shows an unavailable inbox as the error state and retries it', async () => {
    let disabled = true
    const c = fakeClient(() => {
      if (disabled) throw new ContractCallError('unavailable', 'The inbox is disabled (inbox.enabled is false in the configuration).')
      return STATUS
    })
    const release = activateInbox(c)
    await vi.advanceTimersByTimeAsync(0)
    expect(useInboxStore.getState()).toMatchObject({ phase: 'error', error: { code: 'unavailable' } })
    disabled = false
    await vi.advanceTimersByTimeAsync(20_000)
    expect(useInboxStore.getState().phase).toBe('ready')
    release()
  })

  it('loads the longer error list on demand', async () => {
    const c = fakeClient((m) => (m === 'inbox.errors' ? { total: 1, errors: STATUS.errors } : STATUS))
    const release = activateInbox(c)
    await vi.advanceTimersByTimeAsync(0)
    await loadMoreErrors()
    expect(useInboxStore.getState().moreErrors).toHaveLength(1)
    release()
  })
})
