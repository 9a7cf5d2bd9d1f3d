// Token buckets on a fake clock: burst, refill, FIFO waiting, both buckets, unlimited, abort.
import { describe, expect, it } from 'vitest'
import { TokenBucketLimiter } from '../../../src/main/http'

function fake() {
  const state = { now: 0, sleeps: [] as number[] }
  return {
    state,
    clock: () => state.now,
    sleep: (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return Promise.reject(new Error('aborted'))
      state.sleeps.push(ms)
      state.now += ms
      return Promise.resolve()
    }
  }
}

describe('TokenBucketLimiter', () => {
  it('allows a burst of perSecond tokens synchronously, then refills continuously', () => {
    const f = fake()
    const l = new TokenBucketLimiter({ perSecond: 3, perMinute: 1000, clock: f.clock, sleep: f.sleep })
    expect([l.tryAcquire(), l.tryAcquire(), l.tryAcquire(), l.tryAcquire()]).toEqual([true, true, true, false])
    f.state.now += 333
    expect(l.tryAcquire()).toBe(false)
    f.state.now += 1
    expect(l.tryAcquire()).toBe(true)
  })

  it('acquire returns null on the fast path and queues FIFO otherwise', async () => {
    const f = fake()
    const l = new TokenBucketLimiter({ perSecond: 1, perMinute: 1000, clock: f.clock, sleep: f.sleep })
    expect(l.acquire()).toBeNull()
    const order: number[] = []
    const waits = [1, 2, 3].map((i) => l.acquire()!.then(() => order.push(i)))
    expect(l.queued).toBe(3)
    expect(l.tryAcquire()).toBe(false) // nobody jumps the queue
    await Promise.all(waits)
    expect(order).toEqual([1, 2, 3])
    expect(f.state.now).toBe(3000)
    expect(l.queued).toBe(0)
  })

  it('waits for the per-minute bucket when it is the tighter one', async () => {
    const f = fake()
    const l = new TokenBucketLimiter({ perSecond: 100, perMinute: 2, clock: f.clock, sleep: f.sleep })
    l.acquire()
    l.acquire()
    await l.acquire()
    expect(f.state.now).toBe(30_000)
  })

  it('does not exceed capacity after a long idle period', () => {
    const f = fake()
    const l = new TokenBucketLimiter({ perSecond: 2, perMinute: 1000, clock: f.clock, sleep: f.sleep })
    f.state.now += 3_600_000
    expect(l.available().second).toBe(2)
  })

  it('treats Infinity as no bucket', () => {
    const f = fake()
    const l = new TokenBucketLimiter({ perSecond: Infinity, perMinute: Infinity, clock: f.clock, sleep: f.sleep })
    for (let i = 0; i < 10_000; i++) expect(l.acquire()).toBeNull()
  })

  it('rejects an aborted waiter at once even when queued behind a long wait', async () => {
    let now = 0
    const neverUnlessAborted = (_ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))))
    const l = new TokenBucketLimiter({ perSecond: 1, perMinute: 1000, clock: () => now, sleep: neverUnlessAborted })
    l.acquire()
    const first = new AbortController()
    const firstWait = l.acquire(first.signal)
    const ac = new AbortController()
    const second = l.acquire(ac.signal)
    ac.abort()
    await expect(second).rejects.toThrow(/abort/)
    first.abort()
    await expect(firstWait).rejects.toThrow(/abort/)
    await new Promise((r) => setImmediate(r)) // let the queue unwind
    expect(l.queued).toBe(0)
    now += 1000
    expect(l.tryAcquire()).toBe(true) // aborted waiters took no token
  })

  it('rejects a queued wait when its signal aborts, and the queue keeps going', async () => {
    const f = fake()
    const l = new TokenBucketLimiter({ perSecond: 1, perMinute: 1000, clock: f.clock, sleep: f.sleep })
    l.acquire()
    const ac = new AbortController()
    ac.abort()
    await expect(l.acquire(ac.signal)).rejects.toThrow(/abort/)
    await l.acquire()
    expect(l.queued).toBe(0)
  })
})
