/**
 * The event bus: a throwing listener never breaks emit (the others still run, the error is
 * reported), unsubscribing cleans up, and the throttled emitter sends at most one event per
 * period with the latest payload and never loses the last one (fake timers, no sleeps).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EventBus } from '../../../src/main/events'
import type { EventPayload } from '../../../src/shared/contract'

const entries = (n: number): EventPayload<'logs.entries'> =>
  Array.from({ length: n }, (_, i) => ({ seq: i, time: new Date(0).toISOString(), level: 'info' as const, scope: 't', msg: `m${i}` }))

describe('EventBus', () => {
  it('keeps emitting to the other listeners when one throws, and reports the error', () => {
    const bus = new EventBus()
    const errors: string[] = []
    bus.setListenerErrorHandler((event, err) => errors.push(`${event}: ${(err as Error).message}`))
    const got: number[] = []
    bus.on('logs.entries', () => {
      throw new Error('boom')
    })
    bus.on('logs.entries', (p) => got.push(p.length))
    bus.onAny(() => {
      throw new Error('any boom')
    })
    bus.onAny((event) => got.push(event === 'logs.entries' ? -1 : 0))
    expect(() => bus.emit('logs.entries', entries(2))).not.toThrow()
    expect(got).toEqual([2, -1])
    expect(errors).toEqual(['logs.entries: boom', 'logs.entries: any boom'])
  })

  it('an error handler that throws does not break emit either', () => {
    const bus = new EventBus()
    bus.setListenerErrorHandler(() => {
      throw new Error('handler broke')
    })
    let ran = false
    bus.on('logs.entries', () => {
      throw new Error('x')
    })
    bus.on('logs.entries', () => (ran = true))
    expect(() => bus.emit('logs.entries', [])).not.toThrow()
    expect(ran).toBe(true)
  })

  it('unsubscribing removes the listener and its empty set', () => {
    const bus = new EventBus()
    const off = bus.on('logs.entries', () => undefined)
    const offAny = bus.onAny(() => undefined)
    expect(bus.listenerCount).toBe(2)
    off()
    offAny()
    expect(bus.listenerCount).toBe(0)
  })
})

describe('EventBus.throttle', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('emits the first push at once, then at most one per period with the latest payload', () => {
    const bus = new EventBus()
    const seen: number[] = []
    bus.on('logs.entries', (p) => seen.push(p.length))
    let now = 0
    const t = bus.throttle('logs.entries', 1000, { now: () => now })
    t.push(entries(1))
    expect(seen).toEqual([1])
    for (let i = 2; i <= 50; i++) {
      now += 10
      t.push(entries(i))
    }
    expect(seen).toEqual([1])
    now = 1000
    vi.advanceTimersByTime(1000)
    expect(seen).toEqual([1, 50]) // the burst became one event carrying its final state
    now = 1500
    t.push(entries(3))
    expect(seen).toEqual([1, 50])
    now = 2000
    vi.advanceTimersByTime(500)
    expect(seen).toEqual([1, 50, 3])
  })

  it('flush() emits a kept payload now; cancel() drops it', () => {
    const bus = new EventBus()
    const seen: number[] = []
    bus.on('logs.entries', (p) => seen.push(p.length))
    let now = 0
    const t = bus.throttle('logs.entries', 1000, { now: () => now })
    t.push(entries(1))
    now = 10
    t.push(entries(2))
    t.flush()
    expect(seen).toEqual([1, 2])
    now = 20
    t.push(entries(3))
    t.cancel()
    vi.advanceTimersByTime(5000)
    expect(seen).toEqual([1, 2])
  })
})
