// Backoff delays, Retry-After parsing, query building and JSON content-type detection.
import { describe, expect, it } from 'vitest'
import { appendQuery, backoffDelay, isJsonContentType, parseRetryAfter } from '../../../src/main/http'

describe('backoffDelay', () => {
  const opts = { baseMs: 1000, maxMs: 10_000, jitter: 0.2 }
  it('doubles from the base and caps', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, opts, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000])
  })
  it('jitters within ±jitter and never above the cap', () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(1600)
    expect(backoffDelay(1, opts, () => 0.999999)).toBe(2400)
    expect(backoffDelay(5, opts, () => 0.999999)).toBe(10_000)
  })
})

describe('parseRetryAfter', () => {
  it('parses delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('5', 0)).toBe(5000)
    expect(parseRetryAfter('0.5', 0)).toBe(500)
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter('Wed, 01 Jan 2024 00:00:10 GMT', now)).toBe(0)
  })
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(undefined, 0)).toBeUndefined()
    expect(parseRetryAfter('', 0)).toBeUndefined()
    expect(parseRetryAfter('soon', 0)).toBeUndefined()
    expect(parseRetryAfter(['7', '8'], 0)).toBe(7000)
  })
})

describe('appendQuery / isJsonContentType', () => {
  it('sorts, encodes and joins onto existing queries', () => {
    expect(appendQuery('http://h/p', { z: 1, a: 'b c' })).toBe('http://h/p?a=b%20c&z=1')
    expect(appendQuery('http://h/p?x=1', { y: true })).toBe('http://h/p?x=1&y=true')
    expect(appendQuery('http://h/p?', { y: 2 })).toBe('http://h/p?y=2')
    expect(appendQuery('http://h/p#frag', { y: 2 })).toBe('http://h/p?y=2')
    expect(appendQuery('http://h/p', { n: null, u: undefined })).toBe('http://h/p')
  })
  it('recognizes JSON media types', () => {
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true)
    expect(isJsonContentType('application/problem+json')).toBe(true)
    expect(isJsonContentType('text/html')).toBe(false)
    expect(isJsonContentType(undefined)).toBe(false)
  })
})
