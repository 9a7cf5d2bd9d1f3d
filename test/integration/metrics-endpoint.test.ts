/**
 * `GET /api/metrics` on the real headless runtime, in-process (startHeadless: boot, runtime with
 * the ai-ipc service on an embedded SQLite queue in a temp data folder, admin server on port 0),
 * with ai_service.base_url pointing at a real stub HTTP server on 127.0.0.1:0:
 * - 401 without or with a wrong token; 405 for other methods; HEAD has the headers only.
 * - With the token: the Prometheus text content type, and the body (prom-client's registries,
 *   merged by the runtime) passes a strict exposition reader (every line a HELP, TYPE or
 *   well-formed sample; HELP and TYPE for every family); default process metrics with the warp_
 *   prefix, event-loop lag included.
 * - Real traffic — http_get requests submitted with `requests.submitTest` (ok, 404, a 503 that the
 *   client retries once) — shows up as counters for the stub's upstream that match what the stub
 *   received, as latency histograms (HTTP client, claim → answer, handler time) whose counts match
 *   the traffic, as the AI request counts and handler totals, and equals `metrics.http`.
 * - With the poller switched off (config.update), `metrics.http` answers an empty list (not an
 *   error), the export says the service is down and every ai-ipc and HTTP client series is gone
 *   (its registry left with it); switched on again, they come back from a new instance.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless, type HeadlessHandle } from '../../src/main/headless'
import { LATENCY_BUCKETS_SECONDS } from '../../src/main/metrics/prometheus'
import type { MethodInput, MethodName, MethodResult, MetricsHttp } from '../../src/shared/contract'
import { findSamples, parseExposition, sampleValue, type Exposition } from '../unit/metrics-exposition'
import { json, startStub, type Stub } from './http/stub-server'

let dataDir: string
let stub: Stub
let handle: HeadlessHandle
let base: string
let flakyCalls = 0

async function call<M extends MethodName>(method: M, input?: MethodInput<M>): Promise<MethodResult<M>> {
  const r = await handle.booted.runtime.dispatch(method, input, { transport: 'test', client: 'metrics-test' })
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`)
  return r.value as MethodResult<M>
}

async function scrape(): Promise<{ text: string; exp: Exposition }> {
  const res = await fetch(`${base}/api/metrics`, { headers: { Authorization: `Bearer ${handle.token}` } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  const text = await res.text()
  return { text, exp: parseExposition(text) }
}

/** Every family has HELP and TYPE, and counters end in _total. */
function expectWellDeclared(exp: Exposition): void {
  expect(exp.samples.length).toBeGreaterThan(0)
  for (const s of exp.samples) {
    expect(exp.types.has(s.family), `TYPE for ${s.family}`).toBe(true)
    expect(exp.help.has(s.family), `HELP for ${s.family}`).toBe(true)
  }
  for (const [family, type] of exp.types) {
    if (type === 'counter') expect(family).toMatch(/_total$/)
    expect(family).toMatch(/^warp_/)
  }
}

/** A histogram's buckets for one label set: every bound up to +Inf, counts never decreasing, +Inf = _count. */
function expectCumulativeBuckets(exp: Exposition, family: string, labels: Record<string, string>): void {
  const buckets = findSamples(exp, `${family}_bucket`, labels)
  expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS_SECONDS.map(String), '+Inf'])
  for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value)
  expect(buckets.at(-1)!.value).toBe(sampleValue(exp, `${family}_count`, labels))
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-metrics-'))
  stub = await startStub((req, res) => {
    const p = req.url.split('?')[0]
    if (p === '/hello') return json(res, 200, { hello: 'world' })
    if (p === '/flaky') {
      flakyCalls++
      return flakyCalls === 1 ? json(res, 503, { error: 'warming up' }) : json(res, 200, { ok: true })
    }
    return json(res, 404, { error: 'no such page' })
  })
  handle = await startHeadless({
    argv: [],
    env: {
      WARP_HOST_DATA_DIR: dataDir,
      ADMIN_HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      COORDINATOR_PORT: '0',
      DB_DRIVER: 'sqlite',
      AI_SERVICE_BASE_URL: stub.url,
      LOG_LEVEL: 'warn'
    },
    rendererDir: null
  })
  base = `http://127.0.0.1:${handle.admin.address.port}`
})

afterAll(async () => {
  await handle?.shutdown('test done')
  await stub?.close()
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('GET /api/metrics', () => {
  it('needs the admin token', async () => {
    const none = await fetch(`${base}/api/metrics`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toContain('Bearer')
    expect(await none.text()).not.toContain('warp_')
    expect((await fetch(`${base}/api/metrics?token=wrong`)).status).toBe(401)
    expect((await fetch(`${base}/api/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await fetch(`${base}/api/metrics?token=${encodeURIComponent(handle.token)}`)).status).toBe(200)
  })

  it('answers only GET and HEAD', async () => {
    const post = await fetch(`${base}/api/metrics`, { method: 'POST', headers: { Authorization: `Bearer ${handle.token}` } })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    const head = await fetch(`${base}/api/metrics`, { method: 'HEAD', headers: { Authorization: `Bearer ${handle.token}` } })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toContain('version=0.0.4')
    expect(await head.text()).toBe('')
  })

  it('is valid exposition text with process and service figures before any AI traffic', async () => {
    const { exp } = await scrape()
    expectWellDeclared(exp)
    expect(sampleValue(exp, 'warp_service_up', { service: 'store' })).toBe(1)
    expect(sampleValue(exp, 'warp_service_up', { service: 'ai-ipc' })).toBe(1)
    expect(sampleValue(exp, 'warp_service_state', { service: 'ai-ipc', state: 'running' })).toBe(1)
    expect(sampleValue(exp, 'warp_process_resident_memory_bytes')).toBeGreaterThan(0)
    expect(sampleValue(exp, 'warp_nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
    expect(sampleValue(exp, 'warp_process_uptime_seconds')).toBeGreaterThanOrEqual(0)
    expect(exp.types.get('warp_nodejs_eventloop_lag_seconds')).toBe('gauge')
    expect(exp.types.get('warp_nodejs_eventloop_lag_p99_seconds')).toBe('gauge')
    expect(sampleValue(exp, 'warp_build_info', { version: handle.booted.runtime.version, mode: 'headless' })).toBe(1)
    expect(exp.types.get('warp_ai_requests_processed_total')).toBe('counter')
    expect(sampleValue(exp, 'warp_ai_requests', { status: 'completed' })).toBe(0)
    expect(exp.types.get('warp_ai_request_latency_seconds')).toBe('histogram')
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_count')).toBe(0)
    // The AI service client exists but has called nobody yet.
    expect(findSamples(exp, 'warp_http_client_requests_total')).toEqual([])
    expect(findSamples(exp, 'warp_http_client_latency_seconds_count')).toEqual([])
    expect(await call('metrics.http')).toEqual({
      clients: [{ name: 'ai-service', upstreams: [], cache: expect.objectContaining({ entries: 0 }) as unknown }]
    })
  })

  it('counts real http_get traffic to the stub per upstream, with errors by kind, retries and latency', async () => {
    const results = []
    for (let i = 0; i < 3; i++) results.push(await call('requests.submitTest', { type: 'http_get', endpoint: '/hello', waitMs: 10_000 }))
    results.push(await call('requests.submitTest', { type: 'http_get', endpoint: '/missing', waitMs: 10_000 }))
    results.push(await call('requests.submitTest', { type: 'http_get', endpoint: '/flaky', waitMs: 10_000 }))
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed'])
    expect(results.map((r) => r.response?.httpStatus)).toEqual([200, 200, 200, 404, 200])
    // What the stub saw: 5 calls, one of them (the 503) tried twice.
    expect(stub.requests.map((r) => r.url)).toEqual(['/hello', '/hello', '/hello', '/missing', '/flaky', '/flaky'])

    const { exp } = await scrape()
    expectWellDeclared(exp)
    const up = { client: 'ai-service', upstream: stub.url }
    expect(sampleValue(exp, 'warp_http_client_requests_total', up)).toBe(5)
    expect(sampleValue(exp, 'warp_http_client_retries_total', up)).toBe(1)
    expect(sampleValue(exp, 'warp_http_client_errors_total', { ...up, kind: 'http' })).toBe(1)
    for (const kind of ['timeout', 'connection', 'invalid_json', 'aborted']) {
      expect(sampleValue(exp, 'warp_http_client_errors_total', { ...up, kind }), kind).toBe(0)
    }
    // The proxy never uses the cache: neither hits nor misses.
    expect(sampleValue(exp, 'warp_http_client_cache_hits_total', up)).toBe(0)
    expect(sampleValue(exp, 'warp_http_client_cache_misses_total', up)).toBe(0)
    expect(sampleValue(exp, 'warp_http_client_in_flight', up)).toBe(0)
    // The latency histogram counted the 5 network calls (the retried one once, its wall time).
    expect(exp.types.get('warp_http_client_latency_seconds')).toBe('histogram')
    expect(sampleValue(exp, 'warp_http_client_latency_seconds_count', up)).toBe(5)
    expect(sampleValue(exp, 'warp_http_client_latency_seconds_bucket', { ...up, le: '+Inf' })).toBe(5)
    expectCumulativeBuckets(exp, 'warp_http_client_latency_seconds', up)
    const httpSum = sampleValue(exp, 'warp_http_client_latency_seconds_sum', up)
    expect(httpSum).toBeGreaterThan(0)

    // The AI request side of the same traffic. The table counts are refreshed about once a
    // second (requests.stats caches them), so scrape until they catch up.
    await expect
      .poll(async () => sampleValue((await scrape()).exp, 'warp_ai_requests', { status: 'completed' }), { timeout: 15_000, interval: 100 })
      .toBe(5)
    expect(sampleValue((await scrape()).exp, 'warp_ai_requests', { status: 'pending' })).toBe(0)
    expect(sampleValue(exp, 'warp_ai_requests_processed_total')).toBe(5)
    expect(sampleValue(exp, 'warp_ai_handler_processed_total', { handler: 'http_proxy' })).toBe(5)
    // One claim → answer observation and one handler-time observation per committed answer.
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_count')).toBe(5)
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_bucket', { le: '+Inf' })).toBe(5)
    expectCumulativeBuckets(exp, 'warp_ai_request_latency_seconds', {})
    expect(sampleValue(exp, 'warp_ai_handler_duration_seconds_count', { handler: 'http_proxy' })).toBe(5)
    expectCumulativeBuckets(exp, 'warp_ai_handler_duration_seconds', { handler: 'http_proxy' })
    // The handler's time includes its HTTP calls; the request's includes the handler's.
    expect(sampleValue(exp, 'warp_ai_handler_duration_seconds_sum', { handler: 'http_proxy' })).toBeGreaterThanOrEqual(httpSum * 0.99)
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_sum')).toBeGreaterThanOrEqual(sampleValue(exp, 'warp_ai_handler_duration_seconds_sum', { handler: 'http_proxy' }))
    expect(sampleValue(exp, 'warp_ai_requests_rate_per_second')).toBeGreaterThanOrEqual(0)

    // The export and the contract method show the same figures.
    const http: MetricsHttp = await call('metrics.http')
    expect(http.clients).toHaveLength(1)
    const u = http.clients[0]!.upstreams.find((x) => x.origin === stub.url)
    expect(u).toMatchObject({ requests: 5, errors: 1, retries: 1, errorsByKind: { http: 1 }, inFlight: 0, cacheHits: 0 })
    // The UI's percentiles (the shared latency window) cover the same 5 calls; the average is the histogram's.
    expect(u?.latency.samples).toBe(5)
    expect(u?.latency.p50Ms).toBeGreaterThan(0)
    expect(u?.latency.p99Ms).toBeGreaterThanOrEqual(u?.latency.p95Ms ?? Infinity)
    expect(u?.latency.p95Ms).toBeGreaterThanOrEqual(u?.latency.p50Ms ?? Infinity)
    expect(u?.latency.avgMs).toBeCloseTo((httpSum * 1000) / 5, 1)
  })

  it('with the poller switched off: metrics.http is an empty list and the export says ai-ipc is down', async () => {
    const update = await call('config.update', { polling: { enabled: false } })
    expect(update.restarted).toContain('ai-ipc')
    expect(await call('metrics.http')).toEqual({ clients: [] })
    const { exp } = await scrape()
    expectWellDeclared(exp)
    expect(sampleValue(exp, 'warp_service_up', { service: 'ai-ipc' })).toBe(0)
    expect(sampleValue(exp, 'warp_service_state', { service: 'ai-ipc', state: 'disabled' })).toBe(1)
    // The service's registry left with it: no ai-ipc family at all; the client's series are gone too.
    expect([...exp.types.keys()].filter((f) => f.startsWith('warp_ai_'))).toEqual([])
    expect(findSamples(exp, 'warp_http_client_requests_total')).toEqual([])
    expect(findSamples(exp, 'warp_http_client_latency_seconds_count')).toEqual([])
  })

  it('switched on again, the new instance exports its own metrics from zero and counts new traffic', async () => {
    const update = await call('config.update', { polling: { enabled: true } })
    expect(update.restarted).toContain('ai-ipc')
    let { exp } = await scrape()
    expectWellDeclared(exp)
    expect(sampleValue(exp, 'warp_service_up', { service: 'ai-ipc' })).toBe(1)
    expect(sampleValue(exp, 'warp_ai_requests_processed_total')).toBe(0)
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_count')).toBe(0)
    expect(findSamples(exp, 'warp_ai_handler_processed_total')).toEqual([])
    // The table still holds the 5 earlier answers.
    expect(sampleValue(exp, 'warp_ai_requests', { status: 'completed' })).toBe(5)

    const r = await call('requests.submitTest', { type: 'http_get', endpoint: '/hello', waitMs: 10_000 })
    expect(r.status).toBe('completed')
    ;({ exp } = await scrape())
    const up = { client: 'ai-service', upstream: stub.url }
    expect(sampleValue(exp, 'warp_http_client_requests_total', up)).toBe(1)
    expect(sampleValue(exp, 'warp_http_client_latency_seconds_count', up)).toBe(1)
    expect(sampleValue(exp, 'warp_ai_requests_processed_total')).toBe(1)
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_count')).toBe(1)
    expect(sampleValue(exp, 'warp_ai_handler_duration_seconds_count', { handler: 'http_proxy' })).toBe(1)
  })
})
