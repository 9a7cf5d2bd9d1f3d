/**
 * The live-resource helper with fake timers and a fake client (no sleeps): stale answers dropped,
 * retry with the shared backoff while unavailable, paused while disconnected and reloaded on
 * reconnect, hints throttled and coalesced, pushes throttled (newest wins), events wired only while
 * active, and the stale-data watchdog.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay } from '../../../src/shared/backoff'
import { ContractCallError, type EventName } from '../../../src/shared/contract'
import type { ConnectionInfo } from '../../../src/renderer/src/api/live-client'
import { createLiveResource, DEFAULT_RETRY, type ResourceClient } from '../../../src/renderer/src/stores/live-resource'

interface Deferred<T> {
  promise: Promise<T>
  resolve(v: T): void
  reject(e: unknown): void
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function fakeClient(): ResourceClient & {
  setState(state: ConnectionInfo['state']): void
  emit(event: EventName, payload: unknown): void
  listenerCount(event: EventName): number
} {
  let info = { transport: 'bridge', state: 'open', attempt: 0, retryAt: null, reason: null, auth: null, serverVersion: null, throttled: false } as ConnectionInfo
  const conn = new Set<(i: ConnectionInfo) => void>()
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  return {
    call: () => Promise.reject(new Error('not used')),
    on(event, l) {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      set.add(l as (p: unknown) => void)
      return () => set.delete(l as (p: unknown) => void)
    },
    getConnection: () => info,
    onConnection(l) {
      conn.add(l)
      return () => conn.delete(l)
    },
    setState(state) {
      info = { ...info, state }
      conn.forEach((l) => l(info))
    },
    emit(event, payload) {
      listeners.get(event)?.forEach((l) => l(payload))
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0
  }
}

const unavailable = (): ContractCallError => new ContractCallError('unavailable', 'The AI request poller is not running')
const half = (): number => 0.5 // jitter factor 1: the delays are exactly base·2^n

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('live resource', () => {
  it('drops an answer that is older than a newer request’s', async () => {
    const client = fakeClient()
    const answers: Deferred<string>[] = []
    const values: string[] = []
    const r = createLiveResource<string>({
      load: () => {
        const d = deferred<string>()
        answers.push(d)
        return d.promise
      },
      onValue: (v) => values.push(v),
      onError: () => undefined
    })
    r.activate(client)
    const second = r.refetch()
    expect(answers).toHaveLength(2)
    answers[1]!.resolve('new')
    await second
    answers[0]!.resolve('old') // the slower, older request answers last
    await vi.runAllTimersAsync()
    expect(values).toEqual(['new'])

    // A pushed value also supersedes an answer still on its way.
    const third = r.refetch()
    r.push('pushed')
    answers[2]!.resolve('stale')
    await third
    expect(values).toEqual(['new', 'pushed'])
  })

  it('retries while unavailable with the shared backoff, and stops retrying once a value arrives', async () => {
    const client = fakeClient()
    let failures = 3
    const calls: number[] = []
    const errors: (number | null)[] = []
    const values: number[] = []
    const r = createLiveResource<number>({
      load: () => {
        calls.push(Date.now())
        return failures-- > 0 ? Promise.reject(unavailable()) : Promise.resolve(42)
      },
      onValue: (v) => values.push(v),
      onError: (_e, retryAt) => errors.push(retryAt),
      random: half
    })
    const start = Date.now()
    r.activate(client)
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toHaveLength(1)
    const d = [0, 1, 2].map((n) => backoffDelay(n, DEFAULT_RETRY, half))
    expect(d).toEqual([1000, 2000, 4000])
    expect(errors[0]).toBe(start + d[0]!)
    await vi.advanceTimersByTimeAsync(d[0]! - 1)
    expect(calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(d[1]!)
    expect(calls).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(d[2]!)
    expect(calls).toHaveLength(4)
    expect(values).toEqual([42])
    expect(calls.map((t) => t - start)).toEqual([0, 1000, 3000, 7000])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toHaveLength(4)
  })

  it('does not retry other errors, nor when nobody uses the resource', async () => {
    const client = fakeClient()
    let calls = 0
    const errors: (number | null)[] = []
    const r = createLiveResource<number>({
      load: () => {
        calls++
        return Promise.reject(calls === 1 ? new ContractCallError('bad_input', 'no') : unavailable())
      },
      onValue: () => undefined,
      onError: (_e, retryAt) => errors.push(retryAt)
    })
    const release = r.activate(client)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toBe(1)
    expect(errors).toEqual([null])
    release()
    await r.refetch() // unavailable, but not in use: no retry
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toBe(2)
    expect(errors).toEqual([null, null])
  })

  it('pauses while disconnected and loads again on reconnect', async () => {
    const client = fakeClient()
    let calls = 0
    const r = createLiveResource<number>({
      load: () => {
        calls++
        return Promise.reject(unavailable())
      },
      onValue: () => undefined,
      onError: () => undefined,
      subscribe: (c, ctl) => [c.on('requests.changed', () => ctl.invalidate())]
    })
    r.activate(client)
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(1)
    client.setState('disconnected')
    client.emit('requests.changed', { changed: 1, maxId: 1 })
    await vi.advanceTimersByTimeAsync(120_000) // the pending retry was cancelled, hints ignored
    expect(calls).toBe(1)
    client.setState('connecting')
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(1)
    client.setState('open')
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(2)
  })

  it('throttles hints and runs one more load for hints that came during a load', async () => {
    const client = fakeClient()
    const answers: Deferred<number>[] = []
    const r = createLiveResource<number>({
      load: () => {
        const d = deferred<number>()
        answers.push(d)
        return d.promise
      },
      onValue: () => undefined,
      onError: () => undefined,
      throttleMs: 1000,
      subscribe: (c, ctl) => [c.on('requests.changed', () => ctl.invalidate())]
    })
    r.activate(client)
    expect(answers).toHaveLength(1)
    for (let i = 0; i < 5; i++) client.emit('requests.changed', { changed: 1, maxId: i })
    answers[0]!.resolve(1)
    await vi.advanceTimersByTimeAsync(999)
    expect(answers).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(answers).toHaveLength(2) // the five hints made one load, a second after the first started
    answers[1]!.resolve(2)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(answers).toHaveLength(2)
  })

  it('applies pushed values at most once per throttle period, the newest winning', async () => {
    const client = fakeClient()
    const values: string[] = []
    const r = createLiveResource<string>({
      load: () => Promise.resolve('snapshot'),
      onValue: (v, source) => values.push(`${source}:${v}`),
      onError: () => undefined,
      throttleMs: 1000,
      subscribe: (c, ctl) => [c.on('requests.stats', (s) => ctl.push(String((s as unknown as { n: number }).n)))]
    })
    r.activate(client)
    await vi.advanceTimersByTimeAsync(0)
    client.emit('requests.stats', { n: 1 })
    client.emit('requests.stats', { n: 2 })
    client.emit('requests.stats', { n: 3 })
    expect(values).toEqual(['load:snapshot'])
    await vi.advanceTimersByTimeAsync(1000)
    expect(values).toEqual(['load:snapshot', 'push:3'])
  })

  it('listens to its events only while active, counting users', async () => {
    const client = fakeClient()
    const r = createLiveResource<number>({
      load: () => Promise.resolve(1),
      onValue: () => undefined,
      onError: () => undefined,
      subscribe: (c, ctl) => [c.on('requests.stats', () => ctl.invalidate())]
    })
    const a = r.activate(client)
    const b = r.activate(client)
    expect(client.listenerCount('requests.stats')).toBe(1)
    a()
    a() // releasing twice counts once
    expect(client.listenerCount('requests.stats')).toBe(1)
    b()
    expect(client.listenerCount('requests.stats')).toBe(0)
    expect(r.active).toBe(false)
  })

  it('loads when no value arrived for staleAfterMs', async () => {
    const client = fakeClient()
    let calls = 0
    const r = createLiveResource<number>({
      load: () => Promise.resolve(++calls),
      onValue: () => undefined,
      onError: () => undefined,
      staleAfterMs: 7000,
      subscribe: (c, ctl) => [c.on('requests.stats', () => ctl.push(0))]
    })
    r.activate(client)
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(5000)
    client.emit('requests.stats', {}) // a push keeps it fresh
    await vi.advanceTimersByTimeAsync(6999)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toBe(2)
  })
})
