/**
 * The Requests store on its live resources, with a fake client and fake timers: a filter change
 * drops the answer of the load it replaced; hints refetch (throttled) while live and only count
 * "N new" while the user has scrolled away; the stats retry with backoff while the poller is
 * unavailable and the failed list is reloaded when it comes back; events are listened to only
 * while a view is active.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ContractCallError, type EventName, type RequestsListResult, type RequestsStats, type RequestSummary } from '../../../src/shared/contract'
import type { ConnectionInfo } from '../../../src/renderer/src/api/live-client'
import type { ResourceClient } from '../../../src/renderer/src/stores/live-resource'
import { activateRequests, resetRequestsStore, setFilters, setScrolledAway, useRequestsStore } from '../../../src/renderer/src/stores/requests'

interface Call {
  method: string
  input: unknown
  resolve(v: unknown): void
  reject(e: unknown): void
}

function fakeClient(): ResourceClient & { calls: Call[]; emit(event: EventName, payload: unknown): void; listeners(event: EventName): number } {
  const info = { transport: 'bridge', state: 'open', attempt: 0, retryAt: null, reason: null, auth: null, serverVersion: null, throttled: false } as ConnectionInfo
  const calls: Call[] = []
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  return {
    calls,
    call: ((method: string, input?: unknown) =>
      new Promise((resolve, reject) => {
        calls.push({ method, input, resolve, reject })
      })) as ResourceClient['call'],
    on(event, l) {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      set.add(l as (p: unknown) => void)
      return () => set.delete(l as (p: unknown) => void)
    },
    getConnection: () => info,
    onConnection: () => () => undefined,
    emit: (event, payload) => listeners.get(event)?.forEach((l) => l(payload)),
    listeners: (event) => listeners.get(event)?.size ?? 0
  }
}

const row = (id: number): RequestSummary => ({
  id,
  status: 'completed',
  type: 'health_check',
  endpoint: null,
  priority: 5,
  retryCount: 0,
  sourceNpc: null,
  sourceMap: null,
  correlationId: null,
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  expiresAt: null,
  dataPreview: null,
  httpStatus: 200,
  processingTimeMs: 1,
  answeredAt: '2026-12-01T10:00:00.100Z'
})
const page = (ids: number[]): RequestsListResult => ({ rows: ids.map(row), nextBeforeId: null, total: ids.length, totalCapped: false })
const stats = { at: '2026-12-01T10:00:00.000Z', ratePerSecond: 1 } as unknown as RequestsStats

const pending = (c: ReturnType<typeof fakeClient>, method: string): Call[] => c.calls.filter((x) => x.method === method)
const last = (c: ReturnType<typeof fakeClient>, method: string): Call => pending(c, method).at(-1)!

beforeEach(() => {
  vi.useFakeTimers()
  resetRequestsStore()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('requests store', () => {
  it('drops the answer of a list load that a filter change replaced', async () => {
    const c = fakeClient()
    const release = activateRequests(c, 'page')
    expect(pending(c, 'requests.list')).toHaveLength(1)
    setFilters({ type: 'health_check' })
    expect(pending(c, 'requests.list')).toHaveLength(2)
    expect(last(c, 'requests.list').input).toMatchObject({ type: 'health_check' })
    last(c, 'requests.list').resolve(page([2]))
    await vi.advanceTimersByTimeAsync(0)
    pending(c, 'requests.list')[0]!.resolve(page([9, 8, 7])) // the unfiltered answer arrives late
    await vi.advanceTimersByTimeAsync(0)
    expect(useRequestsStore.getState().rows.map((r) => r.id)).toEqual([2])
    release()
  })

  it('refetches on hints while live, and only counts what is new while scrolled away', async () => {
    const c = fakeClient()
    const release = activateRequests(c, 'page')
    pending(c, 'requests.list')[0]!.resolve(page([3, 2, 1]))
    await vi.advanceTimersByTimeAsync(1000)
    c.emit('requests.changed', { changed: 1, maxId: 4 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(pending(c, 'requests.list')).toHaveLength(2)
    last(c, 'requests.list').resolve(page([4, 3, 2, 1]))
    await vi.advanceTimersByTimeAsync(0)

    setScrolledAway(true)
    c.emit('requests.changed', { changed: 1, maxId: 5 })
    c.emit('requests.changed', { changed: 1, maxId: 6 })
    await vi.advanceTimersByTimeAsync(5000)
    expect(pending(c, 'requests.list')).toHaveLength(2)
    expect(useRequestsStore.getState().pendingNew).toBe(2)
    setScrolledAway(false) // back at the top: live again
    await vi.advanceTimersByTimeAsync(1000)
    expect(pending(c, 'requests.list')).toHaveLength(3)
    release()
  })

  it('retries the stats with backoff while the poller is unavailable, then reloads the failed list', async () => {
    const c = fakeClient()
    const release = activateRequests(c, 'page')
    const down = (): ContractCallError => new ContractCallError('unavailable', 'The AI request poller is not running')
    last(c, 'requests.stats').reject(down())
    last(c, 'requests.list').reject(down())
    await vi.advanceTimersByTimeAsync(0)
    expect(useRequestsStore.getState().statsError?.code).toBe('unavailable')
    expect(useRequestsStore.getState().listState).toBe('error')
    await vi.advanceTimersByTimeAsync(1200) // first retry: 1 s ± 20 %
    expect(pending(c, 'requests.stats')).toHaveLength(2)
    last(c, 'requests.stats').resolve(stats)
    await vi.advanceTimersByTimeAsync(0)
    expect(useRequestsStore.getState().statsError).toBeNull()
    expect(pending(c, 'requests.list').length).toBeGreaterThanOrEqual(2) // reloaded at once, not at its own backoff
    release()
  })

  it('listens to the queue events only while a view is active', () => {
    const c = fakeClient()
    const overview = activateRequests(c, 'stats')
    expect(c.listeners('requests.stats')).toBe(1)
    expect(c.listeners('requests.changed')).toBe(0)
    const requestsPage = activateRequests(c, 'page')
    expect(c.listeners('requests.changed')).toBe(1)
    requestsPage()
    overview()
    expect(c.listeners('requests.stats')).toBe(0)
    expect(c.listeners('requests.changed')).toBe(0)
  })
})
