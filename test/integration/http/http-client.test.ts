// HttpClient against real local HTTP servers: retries, Retry-After, timeouts, refused connections,
// cache (TTL + LRU), rate limiting (fake clock), metrics, abort and close. No timing assertions:
// backoff and token waits go through an injected sleep that only records the delay.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { HttpClient } from '../../../src/main/http'
import type { HttpClientOptions } from '../../../src/main/http'
import { FakeClock, hang, json, refusedUrl, startStub, text, type Stub } from './stub-server'

let stub: Stub
let clock: FakeClock
const clients: HttpClient[] = []

function client(opts: HttpClientOptions = {}): HttpClient {
  const c = new HttpClient({ clock: clock.clock, sleep: clock.sleep, random: () => 0.5, rateLimit: false, ...opts })
  clients.push(c)
  return c
}

beforeEach(async () => {
  clock = new FakeClock()
  stub = await startStub()
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await stub.close()
})

describe('HttpClient basics', () => {
  it('GETs JSON and returns the standard result shape', async () => {
    stub.reply((_r, res) => json(res, 200, { hello: 'world' }, { 'x-test': '1' }))
    const r = await client().get(`${stub.url}/a/b?x=1`)
    expect(r.ok).toBe(true)
    expect(r.data).toEqual({ hello: 'world' })
    expect(r.status).toBe(200)
    expect(r.cached).toBe(false)
    expect(r.contentType).toBe('application/json')
    expect(r.text).toBe('{"hello":"world"}')
    expect(r.headers?.['x-test']).toBe('1')
    expect(typeof r.latencyMs).toBe('number')
    expect(stub.requests[0]).toMatchObject({ method: 'GET', url: '/a/b?x=1' })
  })

  it('sends JSON bodies with content-type and merges headers', async () => {
    stub.reply((req, res) => json(res, 201, { got: JSON.parse(req.body) as unknown }))
    const c = client({ headers: { Authorization: 'Bearer t' } })
    const r = await c.post(`${stub.url}/items`, { n: 1 }, { headers: { 'X-Extra': 'y' } })
    expect(r.ok).toBe(true)
    expect(r.data).toEqual({ got: { n: 1 } })
    const h = stub.requests[0]!.headers
    expect(h['content-type']).toBe('application/json')
    expect(h.authorization).toBe('Bearer t')
    expect(h['x-extra']).toBe('y')
  })

  it('returns non-JSON bodies as text without data', async () => {
    stub.reply((_r, res) => text(res, 200, '<h1>hi</h1>', 'text/html'))
    const r = await client().get(`${stub.url}/page`)
    expect(r.ok).toBe(true)
    expect(r.data).toBeUndefined()
    expect(r.text).toBe('<h1>hi</h1>')
    expect(r.contentType).toBe('text/html')
  })

  it('appends sorted query parameters', async () => {
    await client().get(`${stub.url}/q`, { query: { b: 2, a: 'x y', skip: undefined } })
    expect(stub.requests[0]!.url).toBe('/q?a=x%20y&b=2')
  })

  it('reports invalid JSON as kind invalid_json without retrying', async () => {
    stub.reply((_r, res) => text(res, 200, '{nope', 'application/json'))
    const r = await client({ backoffBaseMs: 1 }).get(`${stub.url}/bad`)
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('invalid_json')
    expect(r.text).toBe('{nope')
    expect(stub.requests).toHaveLength(1)
  })

  it('rejects (programmer error) only for non-http URLs and credentials', async () => {
    const c = client()
    await expect(c.get('ftp://x/y')).rejects.toThrow(TypeError)
    await expect(c.get('/relative')).rejects.toThrow(TypeError)
    await expect(c.get(`http://user:pw@127.0.0.1:${stub.port}/`)).rejects.toThrow(/credentials/)
  })

  it('reads chunked bodies and caps them too', async () => {
    stub.reply((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const n = req.url === '/big' ? 50 : 3
      res.write('[')
      for (let i = 0; i < n; i++) res.write((i ? ',' : '') + '"' + 'x'.repeat(100) + '"')
      res.end(']')
    })
    const c = client({ maxResponseBytes: 1000 })
    const small = await c.get(`${stub.url}/small`)
    expect(small.ok).toBe(true)
    expect(small.data).toHaveLength(3)
    expect(small.headers?.['transfer-encoding']).toBe('chunked')
    const big = await c.get(`${stub.url}/big`)
    expect(big.error).toEqual({ kind: 'connection', message: 'response body exceeds 1000 bytes' })
  })

  it('refuses bodies over maxResponseBytes (kind connection, not retried)', async () => {
    stub.reply((_r, res) => text(res, 200, 'x'.repeat(5000)))
    const r = await client({ maxResponseBytes: 1000 }).get(`${stub.url}/big`)
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('connection')
    expect(r.error?.message).toMatch(/exceeds 1000 bytes/)
    expect(stub.requests).toHaveLength(1)
  })
})

describe('retries', () => {
  it('retries 503 with exponential backoff then succeeds', async () => {
    stub.reply((_r, res, i) => (i < 2 ? json(res, 503, { busy: true }) : json(res, 200, { ok: 1 })))
    const c = client({ backoffBaseMs: 100, maxRetries: 3 })
    const r = await c.get(`${stub.url}/flaky`)
    expect(r.ok).toBe(true)
    expect(r.data).toEqual({ ok: 1 })
    expect(stub.requests).toHaveLength(3)
    // random() = 0.5 → jitter factor 1: exactly base·2^n
    expect(clock.sleeps).toEqual([100, 200])
    expect(c.metrics().upstreams[stub.url]!.retries).toBe(2)
  })

  it('caps backoff at backoffMaxMs and gives up after maxRetries', async () => {
    stub.reply((_r, res) => json(res, 500, { err: 1 }))
    const r = await client({ backoffBaseMs: 1000, backoffMaxMs: 3000, maxRetries: 4 }).get(`${stub.url}/down`)
    expect(r.ok).toBe(false)
    expect(r.error).toEqual({ kind: 'http', message: 'HTTP 500: Internal Server Error' })
    expect(r.data).toEqual({ err: 1 })
    expect(stub.requests).toHaveLength(5)
    expect(clock.sleeps).toEqual([1000, 2000, 3000, 3000])
  })

  it('applies jitter within ±jitter', async () => {
    stub.reply((_r, res) => json(res, 502, {}))
    await client({ backoffBaseMs: 1000, maxRetries: 2, jitter: 0.2, random: () => 0 }).get(`${stub.url}/j`)
    expect(clock.sleeps).toEqual([800, 1600])
  })

  it('never retries 4xx', async () => {
    stub.reply((_r, res) => json(res, 404, { missing: true }))
    const c = client({ backoffBaseMs: 1 })
    const r = await c.get(`${stub.url}/nothing`)
    expect(r.ok).toBe(false)
    expect(r.status).toBe(404)
    expect(r.error).toEqual({ kind: 'http', message: 'HTTP 404: Not Found' })
    expect(stub.requests).toHaveLength(1)
    expect(clock.sleeps).toEqual([])
  })

  it('honours Retry-After (seconds) instead of the backoff', async () => {
    stub.reply((_r, res, i) => (i === 0 ? json(res, 503, {}, { 'retry-after': '3' }) : json(res, 200, { ok: true })))
    const r = await client({ backoffBaseMs: 10 }).get(`${stub.url}/ra`)
    expect(r.ok).toBe(true)
    expect(clock.sleeps).toEqual([3000])
  })

  it('does not wait for a Retry-After beyond maxRetryAfterMs', async () => {
    stub.reply((_r, res) => json(res, 503, {}, { 'retry-after': '3600' }))
    const r = await client({ backoffBaseMs: 10, maxRetryAfterMs: 60_000 }).get(`${stub.url}/ra`)
    expect(r.ok).toBe(false)
    expect(r.status).toBe(503)
    expect(stub.requests).toHaveLength(1)
    expect(clock.sleeps).toEqual([])
  })

  it('does not retry POST unless the call says retry: true', async () => {
    stub.reply((_r, res) => json(res, 503, {}))
    const c = client({ backoffBaseMs: 1, maxRetries: 2 })
    const r1 = await c.post(`${stub.url}/p`, { a: 1 })
    expect(r1.ok).toBe(false)
    expect(stub.requests).toHaveLength(1)
    const r2 = await c.post(`${stub.url}/p`, { a: 1 }, { retry: true })
    expect(r2.ok).toBe(false)
    expect(stub.requests).toHaveLength(4)
  })

  it('retry: false disables retries for an idempotent call', async () => {
    stub.reply((_r, res) => json(res, 503, {}))
    await client({ backoffBaseMs: 1 }).get(`${stub.url}/g`, { retry: false })
    expect(stub.requests).toHaveLength(1)
  })
})

describe('the call budget (totalTimeoutMs)', () => {
  it('bounds every attempt and backoff together: no retry that cannot start inside the budget', async () => {
    stub.reply((_r, res) => json(res, 503, { down: true }))
    const c = client({ maxRetries: 5, backoffBaseMs: 400, jitter: 0, totalTimeoutMs: 1000 })
    const r = await c.get(`${stub.url}/x`)
    expect(r.ok).toBe(false)
    expect(r.status).toBe(503)
    // attempt at 0 ms, backoff 400 → attempt at 400 ms; the next backoff (800) would end past 1000 ms.
    expect(stub.requests).toHaveLength(2)
    expect(clock.sleeps).toEqual([400])
  })

  it('without a budget the same call makes every retry', async () => {
    stub.reply((_r, res) => json(res, 503, { down: true }))
    const r = await client({ maxRetries: 3, backoffBaseMs: 400, jitter: 0 }).get(`${stub.url}/x`)
    expect(r.ok).toBe(false)
    expect(stub.requests).toHaveLength(4)
  })

  it('a budget already used up (rate-limit wait, clock) fails as a timeout without a request', async () => {
    const c = client({ totalTimeoutMs: 1000, maxRetries: 2, backoffBaseMs: 10, jitter: 0 })
    stub.reply((_r, res) => {
      clock.advance(5000) // the first attempt took the whole budget
      json(res, 503, {})
    })
    const r = await c.get(`${stub.url}/x`)
    expect(stub.requests).toHaveLength(1)
    expect(r.ok).toBe(false)
  })
})

describe('failures', () => {
  it('times out (kind timeout) and retries timeouts', async () => {
    stub.reply(hang(stub))
    const r = await client({ backoffBaseMs: 1, maxRetries: 1 }).get(`${stub.url}/slow`, { timeoutMs: 50 })
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('timeout')
    expect(r.status).toBe(0)
    expect(stub.requests).toHaveLength(2)
  })

  it('reports a refused connection as kind connection and retries it', async () => {
    const dead = await refusedUrl()
    const c = client({ backoffBaseMs: 5, maxRetries: 2 })
    const r = await c.get(`${dead}/x`)
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('connection')
    expect(r.error?.message).toMatch(/ECONNREFUSED/)
    expect(r.status).toBe(0)
    expect(clock.sleeps).toEqual([5, 10])
    const m = c.metrics().upstreams[dead]!
    expect(m.errors).toBe(1)
    expect(m.errorsByKind.connection).toBe(1)
    expect(m.retries).toBe(2)
  })

  it('aborts via the caller signal (kind aborted)', async () => {
    stub.reply(hang(stub))
    const ac = new AbortController()
    const p = client().get(`${stub.url}/slow`, { signal: ac.signal, timeoutMs: 10_000 })
    await vi.waitUntil(() => stub.requests.length > 0, { timeout: 10_000, interval: 5 })
    ac.abort()
    const r = await p
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('aborted')
  })

  it('close() releases sockets and later calls resolve aborted', async () => {
    const c = client()
    expect((await c.get(`${stub.url}/x`)).ok).toBe(true)
    await c.close()
    expect(c.closed).toBe(true)
    const r = await c.get(`${stub.url}/x`)
    expect(r.error).toEqual({ kind: 'aborted', message: 'HTTP client is closed' })
    await c.close() // idempotent
  })
})

describe('destroy', () => {
  it('aborts in-flight requests at once', async () => {
    stub.reply(hang(stub))
    const c = client()
    const p = c.get(`${stub.url}/slow`, { timeoutMs: 30_000 })
    await vi.waitUntil(() => stub.requests.length > 0, { timeout: 10_000, interval: 5 })
    await c.destroy()
    const r = await p
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('aborted')
  })
})

describe('GET cache', () => {
  it('serves repeated GETs from cache and counts hits/misses', async () => {
    let n = 0
    stub.reply((_r, res) => json(res, 200, { n: ++n }))
    const c = client()
    const a = await c.get(`${stub.url}/c`)
    const b = await c.get(`${stub.url}/c`)
    expect(a.cached).toBe(false)
    expect(b.cached).toBe(true)
    expect(b.latencyMs).toBe(0)
    expect(b.data).toEqual({ n: 1 })
    expect(stub.requests).toHaveLength(1)
    const m = c.metrics()
    expect(m.upstreams[stub.url]).toMatchObject({ requests: 2, cacheHits: 1, cacheMisses: 1 })
    expect(m.cache).toMatchObject({ entries: 1, hits: 1, misses: 1 })
    expect(Object.isFrozen(b.data)).toBe(true)
  })

  it('expires entries after the per-call TTL (injected clock)', async () => {
    let n = 0
    stub.reply((_r, res) => json(res, 200, { n: ++n }))
    const c = client()
    await c.get(`${stub.url}/t`, { cacheTtlMs: 10_000 })
    clock.advance(9_999)
    expect((await c.get(`${stub.url}/t`, { cacheTtlMs: 10_000 })).cached).toBe(true)
    clock.advance(1)
    const fresh = await c.get(`${stub.url}/t`, { cacheTtlMs: 10_000 })
    expect(fresh.cached).toBe(false)
    expect(fresh.data).toEqual({ n: 2 })
  })

  it('uses the 60 s default TTL', async () => {
    const c = client()
    await c.get(`${stub.url}/d`)
    clock.advance(59_999)
    expect((await c.get(`${stub.url}/d`)).cached).toBe(true)
    clock.advance(1)
    expect((await c.get(`${stub.url}/d`)).cached).toBe(false)
  })

  it('keys by method + URL + params (param order does not matter) and bypasses with ttl 0', async () => {
    const c = client()
    await c.get(`${stub.url}/k`, { query: { a: 1, b: 2 } })
    expect((await c.get(`${stub.url}/k`, { query: { b: 2, a: 1 } })).cached).toBe(true)
    expect((await c.get(`${stub.url}/k`, { query: { a: 1, b: 3 } })).cached).toBe(false)
    expect((await c.get(`${stub.url}/k`, { query: { a: 1, b: 2 }, cacheTtlMs: 0 })).cached).toBe(false)
    await c.post(`${stub.url}/k`, {})
    await c.post(`${stub.url}/k`, {})
    expect(stub.requests).toHaveLength(5)
  })

  it('does not cache failures', async () => {
    stub.reply((_r, res) => json(res, 404, {}))
    const c = client()
    await c.get(`${stub.url}/nf`)
    await c.get(`${stub.url}/nf`)
    expect(stub.requests).toHaveLength(2)
  })

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const c = client({ cache: { maxEntries: 2 } })
    await c.get(`${stub.url}/a`)
    await c.get(`${stub.url}/b`)
    expect((await c.get(`${stub.url}/a`)).cached).toBe(true) // a is now most recent
    await c.get(`${stub.url}/c`) // evicts b
    expect((await c.get(`${stub.url}/a`)).cached).toBe(true)
    expect((await c.get(`${stub.url}/b`)).cached).toBe(false)
    expect(c.metrics().cache.evictions).toBeGreaterThanOrEqual(1)
    expect(stub.requests.map((r) => r.url)).toEqual(['/a', '/b', '/c', '/b'])
  })

  it('can be disabled', async () => {
    const c = client({ cache: false })
    await c.get(`${stub.url}/x`)
    expect((await c.get(`${stub.url}/x`)).cached).toBe(false)
    expect(c.metrics().cache.maxEntries).toBe(0)
  })
})

describe('rate limiting', () => {
  it('makes callers wait for tokens (counted on an injected clock), never rejects', async () => {
    const c = client({ rateLimit: { perSecond: 2, perMinute: 1000 } })
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => c.get(`${stub.url}/r${i}`, { cacheTtlMs: 0 })))
    expect(results.every((r) => r.ok)).toBe(true)
    // 2 tokens of burst, then one every 500 ms on the fake clock
    expect(clock.sleeps).toEqual([500, 500, 500])
    expect(clock.now).toBe(1500)
    expect(c.metrics().upstreams[stub.url]!.rateLimitWaits).toBe(3)
    expect(stub.requests.map((r) => r.url).sort()).toEqual(['/r1', '/r2', '/r3', '/r4', '/r5'])
  })

  it('applies the per-minute bucket too', async () => {
    const c = client({ rateLimit: { perSecond: 100, perMinute: 3 } })
    await Promise.all([1, 2, 3, 4].map((i) => c.get(`${stub.url}/m${i}`, { cacheTtlMs: 0 })))
    expect(clock.now).toBe(20_000) // one token per 20 s
  })

  it('has per-upstream overrides and can be disabled for an upstream', async () => {
    const other = await startStub()
    try {
      const c = client({ rateLimit: { perSecond: 1, perMinute: 60 }, upstreamRateLimits: { [other.url]: false } })
      await Promise.all([1, 2, 3].map(() => c.get(`${other.url}/free`, { cacheTtlMs: 0 })))
      expect(clock.sleeps).toEqual([])
      await Promise.all([1, 2].map(() => c.get(`${stub.url}/limited`, { cacheTtlMs: 0 })))
      expect(clock.sleeps).toEqual([1000])
    } finally {
      await other.close()
    }
  })

  it('cache hits take no token', async () => {
    const c = client({ rateLimit: { perSecond: 1, perMinute: 60 } })
    await c.get(`${stub.url}/same`)
    await c.get(`${stub.url}/same`)
    await c.get(`${stub.url}/same`)
    expect(clock.sleeps).toEqual([])
  })
})

describe('metrics', () => {
  it('counts requests, errors, retries and latency per upstream', async () => {
    stub.reply((req, res) => (req.url === '/bad' ? json(res, 400, {}) : json(res, 200, {})))
    const dead = await refusedUrl()
    const c = client({ maxRetries: 0 })
    for (let i = 0; i < 10; i++) await c.get(`${stub.url}/ok${i}`)
    await c.get(`${stub.url}/bad`)
    await c.get(`${dead}/x`)
    const m = c.metrics()
    const s = m.upstreams[stub.url]!
    expect(s).toMatchObject({ upstream: stub.url, requests: 11, errors: 1, cacheHits: 0, cacheMisses: 11, retries: 0, inFlight: 0 })
    expect(s.errorsByKind.http).toBe(1)
    expect(s.latency.samples).toBe(11)
    expect(s.latency.p50Ms).toBeGreaterThan(0)
    expect(s.latency.p99Ms).toBeGreaterThanOrEqual(s.latency.p95Ms)
    expect(s.latency.p95Ms).toBeGreaterThanOrEqual(s.latency.p50Ms)
    expect(m.upstreams[dead]).toMatchObject({ requests: 1, errors: 1 })
  })

  it('keys upstreams by canonical origin', async () => {
    const c = client()
    await c.get(`HTTP://127.0.0.1:${stub.port}/a`)
    await c.get(`http://127.0.0.1:${stub.port}/b`)
    expect(Object.keys(c.metrics().upstreams)).toEqual([stub.url])
    expect(c.metrics().upstreams[stub.url]!.requests).toBe(2)
  })
})
