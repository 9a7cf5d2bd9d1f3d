// LRU + TTL response cache with an injected clock.
import { describe, expect, it } from 'vitest'
import { ResponseCache, type CachedResponse } from '../../../src/main/http'

const value = (n: number): CachedResponse => ({ status: 200, data: { n, nested: { a: [1] } }, text: '', contentType: undefined, headers: undefined })

describe('ResponseCache', () => {
  it('expires entries at their TTL and counts hits/misses', () => {
    let now = 0
    const c = new ResponseCache(10, () => now)
    c.set('k', value(1), 100)
    expect(c.get('k')?.data).toEqual({ n: 1, nested: { a: [1] } })
    now = 99
    expect(c.has('k')).toBe(true)
    now = 100
    expect(c.get('k')).toBeUndefined()
    expect(c.get('other')).toBeUndefined()
    expect([c.hits, c.misses]).toEqual([1, 2])
    expect(c.size).toBe(0)
  })

  it('evicts least recently used beyond maxEntries', () => {
    const c = new ResponseCache(3, () => 0)
    c.set('a', value(1), 1000)
    c.set('b', value(2), 1000)
    c.set('c', value(3), 1000)
    c.get('a')
    c.set('d', value(4), 1000)
    expect(c.keys()).toEqual(['c', 'a', 'd'])
    expect(c.evictions).toBe(1)
  })

  it('deep-freezes stored values and ignores ttl <= 0', () => {
    const c = new ResponseCache(3, () => 0)
    const v = value(1)
    c.set('a', v, 1000)
    expect(Object.isFrozen((v.data as { nested: { a: number[] } }).nested.a)).toBe(true)
    c.set('z', value(2), 0)
    expect(c.has('z')).toBe(false)
  })
})
