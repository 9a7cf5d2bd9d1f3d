/**
 * Throughput of the HTTP client and of the hot handlers, printed (never asserted).
 * Run: npx tsx test/bench/http-client.bench.ts [requests] [concurrency]
 *
 * Compares, in one run against one local stub (in this process, so absolute figures include the
 * server's own cost): raw undici Pool.request (the floor), HttpClient.get (rate limit and cache
 * off), the http_get proxy handler end to end, and global fetch; plus health_check handler calls.
 * Compare ratios, not absolute numbers (shared machines move ±20–30 %).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Pool } from 'undici'
import { HttpClient } from '../../src/main/http'
import { createDefaultRegistry, handlerConfigFrom, type AiRequest, type HandlerContext } from '../../src/main/ai-ipc/handlers'
import type { Logger } from '../../src/main/logging/logger'

const TOTAL = Number(process.argv[2] ?? 30_000)
const CONCURRENCY = Number(process.argv[3] ?? 64)

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, scope: () => silent }

async function measure(name: string, total: number, concurrency: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 500; i++) await call() // warm-up
  let started = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++
        await call()
      }
    })
  )
  const rate = total / ((performance.now() - t0) / 1000)
  console.log(`${name.padEnd(34)} ${Math.round(rate).toString().padStart(8)} req/s`)
  return rate
}

async function main(): Promise<void> {
  const body = '{"status":"ok","data":[1,2,3]}'
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  console.log(`${TOTAL} requests, concurrency ${CONCURRENCY}, stub ${base}`)

  const pool = new Pool(base, { connections: CONCURRENCY })
  const raw = await measure('undici Pool.request (floor)', TOTAL, CONCURRENCY, async () => {
    const r = await pool.request({ path: '/api/x', method: 'GET' })
    await r.body.text()
  })
  await pool.close()

  const client = new HttpClient({ rateLimit: false, cache: false, pool: { connections: CONCURRENCY } })
  const ours = await measure('HttpClient.get', TOTAL, CONCURRENCY, () => client.get(`${base}/api/x`))

  const limited = new HttpClient({ rateLimit: { perSecond: 1e9, perMinute: 1e12 }, cache: false, pool: { connections: CONCURRENCY } })
  await measure('HttpClient.get (token buckets on)', TOTAL, CONCURRENCY, () => limited.get(`${base}/api/x`))

  const registry = createDefaultRegistry()
  const ctx: HandlerContext = {
    http: client,
    config: handlerConfigFrom({ base_url: base, timeout_seconds: 10, allowed_origins: [] }, '0.1.0'),
    log: silent,
    startedAt: Date.now(),
    now: Date.now
  }
  const proxy = registry.lookup('http_get')!
  const req: AiRequest = {
    id: 1,
    request_type: 'http_get',
    endpoint: '/api/x',
    request_data: '{"url":"http://game/api/x","method":"GET"}',
    priority: 5,
    source_npc: null,
    source_map: null,
    retry_count: 0,
    correlation_id: null
  }
  await measure('http_get handler (end to end)', TOTAL, CONCURRENCY, () => Promise.resolve(proxy.handle(req, ctx)))

  const viaFetch = await measure('global fetch', Math.min(TOTAL, 20_000), CONCURRENCY, async () => {
    const r = await fetch(`${base}/api/x`)
    await r.json()
  })

  const health = registry.lookup('health_check')!
  const hreq: AiRequest = { ...req, request_type: 'health_check', endpoint: null, request_data: null }
  const n = 2_000_000
  const t0 = performance.now()
  for (let i = 0; i < n; i++) health.handle(hreq, ctx)
  const hrate = n / ((performance.now() - t0) / 1000)
  console.log(`${'health_check handler (sync)'.padEnd(34)} ${Math.round(hrate).toString().padStart(8)} calls/s`)

  console.log(`HttpClient / raw undici: ${(ours / raw).toFixed(2)}   HttpClient / fetch: ${(ours / viaFetch).toFixed(2)}`)
  await Promise.all([client.close(), limited.close(), registry.close()])
  server.close()
}

void main()
