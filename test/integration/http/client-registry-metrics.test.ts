// The HTTP clients' metrics against a real local HTTP server: the onCallDone hook and observe()
// see every network call (not cache hits); the registry's Prometheus export has per-upstream
// counters and a real latency histogram for every registered client, without the owning service
// writing metrics code, and drops a client's series when it is unregistered; the UI's percentiles
// (metrics.http) come from the shared latency window and forget calls older than 60 s.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HttpClient, type HttpClientOptions, type HttpResult } from '../../../src/main/http'
import { HttpClientRegistry } from '../../../src/main/http/registry'
import { LATENCY_BUCKETS_SECONDS, exposition } from '../../../src/main/metrics/prometheus'
import { findSamples, parseExposition, sampleValue, type Exposition } from '../../unit/metrics-exposition'
import { FakeClock, json, startStub, type Stub } from './stub-server'

let stub: Stub
let clock: FakeClock
const clients: HttpClient[] = []

function client(opts: HttpClientOptions = {}): HttpClient {
  const c = new HttpClient({ clock: clock.clock, sleep: clock.sleep, random: () => 0.5, rateLimit: false, ...opts })
  clients.push(c)
  return c
}

async function scrape(registry: HttpClientRegistry): Promise<Exposition> {
  return parseExposition(await exposition(registry.prometheus))
}

beforeEach(async () => {
  clock = new FakeClock()
  stub = await startStub((req, res) => (req.url === '/missing' ? json(res, 404, {}) : json(res, 200, { ok: true })))
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await stub.close()
})

describe('call observers', () => {
  it('onCallDone and observe() see each network call once, with its origin, wall time and result; cache hits are not calls', async () => {
    const seen: [string, number, HttpResult][] = []
    const c = client({ onCallDone: (upstream, ms, result) => seen.push([upstream, ms, result]) })
    const extra: string[] = []
    const stop = c.observe((upstream) => extra.push(upstream))
    c.observe(() => {
      throw new Error('a broken observer')
    })
    const a = await c.get(`${stub.url}/a`, { cacheTtlMs: 60_000 })
    await c.get(`${stub.url}/a`, { cacheTtlMs: 60_000 }) // cache hit
    const b = await c.get(`${stub.url}/missing`)
    expect(a.ok).toBe(true)
    expect(b.ok).toBe(false)
    expect(seen.map(([u, ms, r]) => [u, ms, r.status])).toEqual([
      [stub.url, a.latencyMs, 200],
      [stub.url, b.latencyMs, 404]
    ])
    expect(extra).toEqual([stub.url, stub.url])
    stop()
    await c.get(`${stub.url}/b`)
    expect(extra).toHaveLength(2)
    expect(seen).toHaveLength(3)
  })
})

describe('HttpClientRegistry export', () => {
  it('exports every registered client per upstream with a latency histogram, and nothing once it is unregistered', async () => {
    const registry = new HttpClientRegistry()
    const c = client()
    const other = client()
    const unregister = registry.register('ai-service', c)
    registry.register('coordinator', other)
    for (let i = 0; i < 3; i++) await c.get(`${stub.url}/ok${i}`)
    await c.get(`${stub.url}/missing`)
    await other.post(`${stub.url}/hosts`, { id: 1 })

    let exp = await scrape(registry)
    const up = { client: 'ai-service', upstream: stub.url }
    expect(sampleValue(exp, 'warp_http_client_requests_total', up)).toBe(4)
    expect(sampleValue(exp, 'warp_http_client_errors_total', { ...up, kind: 'http' })).toBe(1)
    expect(sampleValue(exp, 'warp_http_client_in_flight', up)).toBe(0)
    expect(sampleValue(exp, 'warp_http_client_cache_max_entries', { client: 'ai-service' })).toBe(1000)
    expect(exp.types.get('warp_http_client_latency_seconds')).toBe('histogram')
    expect(sampleValue(exp, 'warp_http_client_latency_seconds_count', up)).toBe(4)
    const buckets = findSamples(exp, 'warp_http_client_latency_seconds_bucket', up)
    expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS_SECONDS.map(String), '+Inf'])
    expect(buckets.at(-1)!.value).toBe(4)
    const sum = sampleValue(exp, 'warp_http_client_latency_seconds_sum', up)
    const view = registry.metrics().clients.find((x) => x.name === 'ai-service')!.upstreams[0]!
    expect(view.latency.avgMs).toBeCloseTo((sum * 1000) / 4, 1)
    expect(sampleValue(exp, 'warp_http_client_latency_seconds_count', { client: 'coordinator', upstream: stub.url })).toBe(1)

    unregister()
    exp = await scrape(registry)
    expect(findSamples(exp, 'warp_http_client_requests_total', { client: 'ai-service' })).toEqual([])
    expect(findSamples(exp, 'warp_http_client_latency_seconds_count', { client: 'ai-service' })).toEqual([])
    expect(findSamples(exp, 'warp_http_client_cache_entries', { client: 'ai-service' })).toEqual([])
    expect(sampleValue(exp, 'warp_http_client_requests_total', { client: 'coordinator', upstream: stub.url })).toBe(1)
    // The unregistered client's calls are no longer observed.
    await c.get(`${stub.url}/late`)
    exp = await scrape(registry)
    expect(findSamples(exp, 'warp_http_client_latency_seconds_count', { client: 'ai-service' })).toEqual([])
    expect(registry.metrics().clients.map((x) => x.name)).toEqual(['coordinator'])
  })

  it('a client registered again under the same name replaces the old one and starts from zero', async () => {
    const registry = new HttpClientRegistry()
    const first = client()
    const unregisterFirst = registry.register('ai-service', first)
    await first.get(`${stub.url}/a`)
    const second = client()
    registry.register('ai-service', second)
    unregisterFirst() // late: must not remove the second
    await second.get(`${stub.url}/b`)
    await first.get(`${stub.url}/c`)
    const exp = await scrape(registry)
    const up = { client: 'ai-service', upstream: stub.url }
    expect(sampleValue(exp, 'warp_http_client_requests_total', up)).toBe(1)
    expect(sampleValue(exp, 'warp_http_client_latency_seconds_count', up)).toBe(1)
  })
})

describe('metrics.http percentiles', () => {
  it('come from the shared latency window: the last 60 s of calls', async () => {
    const c = client()
    for (let i = 0; i < 5; i++) await c.get(`${stub.url}/x${i}`)
    let l = c.metrics().upstreams[stub.url]!.latency
    expect(l.samples).toBe(5)
    expect(l.p50Ms).toBeGreaterThan(0)
    expect(l.p99Ms).toBeGreaterThanOrEqual(l.p95Ms)
    clock.advance(30_000)
    await c.get(`${stub.url}/y`)
    expect(c.metrics().upstreams[stub.url]!.latency.samples).toBe(6)
    clock.advance(40_000) // the first five are 70 s old now
    l = c.metrics().upstreams[stub.url]!.latency
    expect(l.samples).toBe(1)
    clock.advance(60_000)
    l = c.metrics().upstreams[stub.url]!.latency
    expect(l).toMatchObject({ samples: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0 })
    // The average covers every call since the start.
    expect(l.avgMs).toBeGreaterThan(0)
  })
})
