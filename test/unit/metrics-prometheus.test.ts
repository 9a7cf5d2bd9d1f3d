/**
 * The Prometheus export's pieces without a server (prom-client registries, read back through the
 * strict exposition reader of metrics-exposition.ts):
 * - label values and HELP text come back intact (backslashes, quotes, newlines, a literal "\n");
 * - snapshot counters and gauges read their values at scrape time, leave out what their source
 *   leaves out, and never write a value the format does not allow (NaN, a negative counter);
 * - the runtime's metrics: default process metrics with the warp_ prefix (event-loop lag
 *   included), build info, one up gauge and a state set per service, computed from app.status;
 * - the ai-ipc metrics: counters from the poller's totals, real histograms for claim → answer
 *   latency and handler time whose buckets count the observed answers, queue gauges from the
 *   service's cached counts;
 * - the strict reader itself refuses each kind of malformed line.
 */
import { Gauge, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { registerAiIpcMetrics, type PollerView, type QueueView } from '../../src/main/ai-ipc/metrics'
import { PollerStats } from '../../src/main/ai-ipc/stats'
import { LATENCY_BUCKETS_SECONDS, exposition, snapshotCounter, snapshotGauge } from '../../src/main/metrics/prometheus'
import { registerRuntimeMetrics } from '../../src/main/metrics/runtime-metrics'
import { SERVICE_STATES, type AppStatus } from '../../src/shared/contract'
import { findSamples, parseExposition, sampleValue, type Exposition } from './metrics-exposition'

const TRICKY = ['plain', 'back\\slash', 'say "hi"', 'two\nlines', 'C:\\new\\dir', 'end\\', '"', '\\n literally', 'ünïcödé ✓', '', 'a,b}=c{']

async function scrape(registry: Registry): Promise<{ text: string; exp: Exposition }> {
  const text = await exposition(registry)
  return { text, exp: parseExposition(text) }
}

/** Every sample's family has HELP and TYPE; counters end in _total; every name has the prefix. */
function expectWellDeclared(exp: Exposition, prefix = 'warp_'): void {
  for (const s of exp.samples) {
    expect(exp.types.has(s.family), `TYPE for ${s.family}`).toBe(true)
    expect(exp.help.has(s.family), `HELP for ${s.family}`).toBe(true)
  }
  for (const [family, type] of exp.types) {
    if (type === 'counter') expect(family).toMatch(/_total$/)
    expect(family.startsWith(prefix), family).toBe(true)
  }
}

describe('label values and HELP text', () => {
  it('round-trip through prom-client and the strict reader', async () => {
    const r = new Registry()
    const g = new Gauge({ name: 'test_values', help: 'line one\nline "two" \\ three', labelNames: ['value'], registers: [r] })
    TRICKY.forEach((v, i) => g.set({ value: v }, i))
    const { text, exp } = await scrape(r)
    expect(exp.samples.map((s) => s.labels.value).sort()).toEqual([...TRICKY].sort())
    expect(exp.help.get('test_values')).toBe('line one\nline "two" \\ three')
    // A backslash followed by "n" stays two characters; only a real newline becomes \n.
    expect(text).toContain('value="C:\\\\new\\\\dir"')
    expect(text).toContain('value="two\\nlines"')
    expect(text).toContain('test_values{value="say \\"hi\\""} 2')
  })
})

describe('snapshot counters and gauges', () => {
  it('read their values at every scrape and leave out the series their source leaves out', async () => {
    const r = new Registry()
    let values: [{ k: string }, number][] = [
      [{ k: 'a' }, 3],
      [{ k: 'b' }, 5]
    ]
    snapshotCounter(r, 'test_things_total', 'things', ['k'], () => values)
    snapshotGauge(r, 'test_level', 'level', ['k'], () => Promise.resolve(values.map(([l, v]): [{ k: string }, number] => [l, v * 10])))
    let { exp } = await scrape(r)
    expect(sampleValue(exp, 'test_things_total', { k: 'a' })).toBe(3)
    expect(sampleValue(exp, 'test_level', { k: 'b' })).toBe(50)
    values = [[{ k: 'b' }, 7]]
    ;({ exp } = await scrape(r))
    expect(findSamples(exp, 'test_things_total').map((s) => [s.labels.k, s.value])).toEqual([['b', 7]])
    expect(findSamples(exp, 'test_level').map((s) => [s.labels.k, s.value])).toEqual([['b', 70]])
    expect(exp.types.get('test_things_total')).toBe('counter')
    expect(exp.types.get('test_level')).toBe('gauge')
  })

  it('never write NaN or a negative counter, so the text always parses', async () => {
    const r = new Registry()
    snapshotCounter(r, 'test_odd_total', 'odd', ['k'], () => [
      [{ k: 'nan' }, NaN],
      [{ k: 'neg' }, -1],
      [{ k: 'inf' }, Infinity],
      [{ k: 'ok' }, 2]
    ])
    snapshotGauge(r, 'test_odd', 'odd', ['k'], () => [
      [{ k: 'nan' }, NaN],
      [{ k: 'inf' }, Infinity],
      [{ k: 'neg' }, -1.5]
    ])
    const { exp } = await scrape(r)
    expect(findSamples(exp, 'test_odd_total').map((s) => s.labels.k)).toEqual(['ok'])
    expect(findSamples(exp, 'test_odd').map((s) => [s.labels.k, s.value])).toEqual([
      ['inf', Infinity],
      ['neg', -1.5]
    ])
  })

  it('spells NaN the way the format says (prom-client writes "Nan")', async () => {
    const r = new Registry()
    new Gauge({ name: 'test_nan', help: 'a value that is NaN, say Nan', registers: [r] }).set(NaN)
    expect(await r.metrics()).toContain('test_nan Nan')
    const { text, exp } = await scrape(r)
    expect(text).toContain('test_nan NaN\n')
    expect(exp.help.get('test_nan')).toBe('a value that is NaN, say Nan')
    expect(Number.isNaN(sampleValue(exp, 'test_nan'))).toBe(true)
  })

  it('latency buckets span 1 ms to 30 s', () => {
    expect(LATENCY_BUCKETS_SECONDS[0]).toBe(0.001)
    expect(LATENCY_BUCKETS_SECONDS.at(-1)).toBe(30)
  })
})

const STATUS: AppStatus = {
  version: '0.1.0',
  mode: 'headless',
  startedAt: '2025-11-27T12:00:00.000Z',
  uptimeSeconds: 42.5,
  pid: 1234,
  platform: 'linux-x64',
  nodeVersion: '22.0.0',
  dataDir: '/tmp/x',
  memory: { rssBytes: 100_000_000, heapUsedBytes: 30_000_000 },
  services: [
    { name: 'store', label: 'App store', state: 'running', since: '2025-11-27T12:00:00.000Z' },
    { name: 'ai-ipc', label: 'AI request poller', state: 'disabled', since: '2025-11-27T12:00:00.000Z' }
  ]
}

describe('the runtime metrics', () => {
  it('default process metrics with the warp_ prefix (event-loop lag included), build info and service states from app.status', async () => {
    const r = new Registry()
    let status = STATUS
    registerRuntimeMetrics(r, () => status)
    let { exp } = await scrape(r)
    expectWellDeclared(exp)
    expect(sampleValue(exp, 'warp_build_info', { version: '0.1.0', mode: 'headless', node_version: '22.0.0', platform: 'linux-x64' })).toBe(1)
    expect(sampleValue(exp, 'warp_process_uptime_seconds')).toBe(42.5)
    expect(sampleValue(exp, 'warp_service_up', { service: 'store' })).toBe(1)
    expect(sampleValue(exp, 'warp_service_up', { service: 'ai-ipc' })).toBe(0)
    expect(findSamples(exp, 'warp_service_state', { service: 'ai-ipc' }).map((s) => s.labels.state)).toEqual([...SERVICE_STATES])
    expect(sampleValue(exp, 'warp_service_state', { service: 'ai-ipc', state: 'disabled' })).toBe(1)
    expect(sampleValue(exp, 'warp_service_state', { service: 'ai-ipc', state: 'running' })).toBe(0)
    for (const family of ['warp_nodejs_eventloop_lag_seconds', 'warp_nodejs_eventloop_lag_p99_seconds', 'warp_process_resident_memory_bytes', 'warp_process_start_time_seconds', 'warp_nodejs_heap_size_used_bytes']) {
      expect(exp.types.get(family), family).toBe('gauge')
    }
    expect(exp.types.get('warp_process_cpu_seconds_total')).toBe('counter')
    expect(sampleValue(exp, 'warp_process_resident_memory_bytes')).toBeGreaterThan(0)

    // Computed at scrape time: a service that starts is up at the next scrape.
    status = { ...STATUS, services: [STATUS.services[0]!, { ...STATUS.services[1]!, state: 'running' }] }
    ;({ exp } = await scrape(r))
    expect(sampleValue(exp, 'warp_service_up', { service: 'ai-ipc' })).toBe(1)
    expect(sampleValue(exp, 'warp_service_state', { service: 'ai-ipc', state: 'running' })).toBe(1)
  })
})

describe('the ai-ipc metrics', () => {
  function setup(): { r: Registry; stats: PollerStats; setPoller: (on: boolean) => void; setQueue: (q: QueueView | null) => void; now: { t: number } } {
    const r = new Registry()
    const stats = new PollerStats(0)
    let running = true
    let queue: QueueView | null = null
    const now = { t: 1_000_000 }
    const view = (): PollerView | null =>
      running ? { totals: stats.totals, handlers: () => stats.handlerStats(), inFlight: 2, polling: true, uptimeSeconds: 12.5, ratePerSecond: 3.5 } : null
    stats.observer = registerAiIpcMetrics(r, { poller: view, queue: () => Promise.resolve(queue) }, () => now.t)
    return {
      r,
      stats,
      now,
      setPoller: (on) => {
        running = on
      },
      setQueue: (q) => {
        queue = q
      }
    }
  }

  it('exports totals, per-handler counters and real histograms whose buckets count the answers', async () => {
    const { r, stats } = setup()
    // 3 fast health answers, 1 slow proxied one that errored (HTTP 502), a fallback, a retry.
    for (let i = 0; i < 3; i++) stats.answered('health', 'completed', 0.4, 2, Date.now())
    stats.answered('http_proxy', 'failed', 1200, 1500, Date.now(), { httpStatus: 502, error: 'bad gateway' })
    stats.answered('http_proxy', 'completed', 30, 40, Date.now(), { fallback: true })
    stats.retried('http_proxy')
    stats.totals.expired = 4
    stats.totals.batches = 6
    const { exp } = await scrape(r)
    expectWellDeclared(exp)
    expect(sampleValue(exp, 'warp_ai_requests_processed_total')).toBe(4)
    expect(sampleValue(exp, 'warp_ai_requests_failed_total')).toBe(1)
    expect(sampleValue(exp, 'warp_ai_requests_expired_total')).toBe(4)
    expect(sampleValue(exp, 'warp_ai_requests_retried_total')).toBe(1)
    expect(sampleValue(exp, 'warp_ai_poller_batches_total')).toBe(6)
    expect(sampleValue(exp, 'warp_ai_handler_processed_total', { handler: 'health' })).toBe(3)
    expect(sampleValue(exp, 'warp_ai_handler_failed_total', { handler: 'http_proxy' })).toBe(1)
    expect(sampleValue(exp, 'warp_ai_handler_retried_total', { handler: 'http_proxy' })).toBe(1)
    expect(sampleValue(exp, 'warp_ai_handler_errored_total', { handler: 'http_proxy' })).toBe(1)
    expect(sampleValue(exp, 'warp_ai_handler_fallbacks_total', { handler: 'http_proxy' })).toBe(1)
    expect(sampleValue(exp, 'warp_ai_poller_in_flight')).toBe(2)
    expect(sampleValue(exp, 'warp_ai_poller_polling')).toBe(1)
    expect(sampleValue(exp, 'warp_ai_poller_uptime_seconds')).toBe(12.5)
    expect(sampleValue(exp, 'warp_ai_requests_rate_per_second')).toBe(3.5)

    expect(exp.types.get('warp_ai_request_latency_seconds')).toBe('histogram')
    expect(exp.types.get('warp_ai_handler_duration_seconds')).toBe('histogram')
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_count')).toBe(5)
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_sum')).toBeCloseTo((3 * 2 + 1500 + 40) / 1000, 9)
    const le = (name: string, labels: Record<string, string>, bound: string): number => sampleValue(exp, `${name}_bucket`, { ...labels, le: bound })
    // Buckets are cumulative: 3 answers took 2 ms, one 40 ms, one 1.5 s.
    expect(le('warp_ai_request_latency_seconds', {}, '0.001')).toBe(0)
    expect(le('warp_ai_request_latency_seconds', {}, '0.0025')).toBe(3)
    expect(le('warp_ai_request_latency_seconds', {}, '0.05')).toBe(4)
    expect(le('warp_ai_request_latency_seconds', {}, '1')).toBe(4)
    expect(le('warp_ai_request_latency_seconds', {}, '2.5')).toBe(5)
    expect(le('warp_ai_request_latency_seconds', {}, '+Inf')).toBe(5)
    expect(findSamples(exp, 'warp_ai_request_latency_seconds_bucket').map((s) => s.labels.le)).toEqual([...LATENCY_BUCKETS_SECONDS.map(String), '+Inf'])
    expect(le('warp_ai_handler_duration_seconds', { handler: 'health' }, '0.001')).toBe(3)
    expect(sampleValue(exp, 'warp_ai_handler_duration_seconds_count', { handler: 'health' })).toBe(3)
    expect(le('warp_ai_handler_duration_seconds', { handler: 'http_proxy' }, '0.025')).toBe(0)
    expect(le('warp_ai_handler_duration_seconds', { handler: 'http_proxy' }, '0.05')).toBe(1)
    expect(le('warp_ai_handler_duration_seconds', { handler: 'http_proxy' }, '2.5')).toBe(2)
    expect(sampleValue(exp, 'warp_ai_handler_duration_seconds_count', { handler: 'http_proxy' })).toBe(2)
  })

  it('queue gauges from the cached counts, oldest pending age, and nothing per handler without a poller', async () => {
    const { r, stats, now, setPoller, setQueue } = setup()
    stats.answered('health', 'completed', 1, 2, Date.now())
    // No queue yet: no row gauges (a gauge without labels reads 0).
    let { exp } = await scrape(r)
    expect(findSamples(exp, 'warp_ai_requests')).toEqual([])
    expect(sampleValue(exp, 'warp_ai_oldest_pending_age_seconds')).toBe(0)
    setQueue({ counts: { pending: 2, processing: 1, completed: 7, failed: 0, timeout: 0, cancelled: 0 }, oldestPendingAt: now.t - 90_500 })
    ;({ exp } = await scrape(r))
    expect(sampleValue(exp, 'warp_ai_requests', { status: 'pending' })).toBe(2)
    expect(sampleValue(exp, 'warp_ai_requests', { status: 'completed' })).toBe(7)
    expect(findSamples(exp, 'warp_ai_requests').map((s) => s.labels.status)).toEqual(['pending', 'processing', 'completed', 'failed', 'timeout', 'cancelled'])
    expect(sampleValue(exp, 'warp_ai_oldest_pending_age_seconds')).toBe(90.5)
    setQueue({ counts: { pending: 0, processing: 0, completed: 9, failed: 0, timeout: 0, cancelled: 0 }, oldestPendingAt: now.t - 90_500 })
    ;({ exp } = await scrape(r))
    expect(sampleValue(exp, 'warp_ai_oldest_pending_age_seconds')).toBe(0)

    setPoller(false)
    ;({ exp } = await scrape(r))
    expectWellDeclared(exp)
    expect(findSamples(exp, 'warp_ai_handler_processed_total')).toEqual([])
    expect(sampleValue(exp, 'warp_ai_poller_polling')).toBe(0)
    // The histograms keep what they observed: they belong to the service instance.
    expect(sampleValue(exp, 'warp_ai_request_latency_seconds_count')).toBe(1)
  })

  it('a queue that cannot be read leaves the row gauges out instead of failing the scrape', async () => {
    const r = new Registry()
    registerAiIpcMetrics(r, { poller: () => null, queue: () => Promise.reject(new Error('database gone')) })
    const { exp } = await scrape(r)
    expect(findSamples(exp, 'warp_ai_requests')).toEqual([])
    expect(sampleValue(exp, 'warp_ai_requests_processed_total')).toBe(0)
  })
})

describe('the strict exposition reader the metrics tests rely on', () => {
  const ok = '# HELP m_total a counter\n# TYPE m_total counter\nm_total{a="x"} 1\n'
  it('accepts well-formed text and refuses each kind of malformed line', () => {
    expect(parseExposition(ok).samples).toHaveLength(1)
    const bad: [string, RegExp][] = [
      ['# TYPE m gauge\nm{a="x"y"} 1\n', /expected "," or "}"/],
      ['# TYPE m gauge\nm{a="x\\t"} 1\n', /bad escape/],
      ['m 1\n', /without a TYPE/],
      ['# TYPE m gauge\nm one\n', /bad value/],
      ['# TYPE m gauge\nm Nan\n', /bad value/],
      ['# TYPE m gauge\nm  1\n', /bad value/],
      ['# TYPE m gauge\n# TYPE m gauge\n', /second TYPE/],
      ['# HELP m x\n# HELP m y\n', /second HELP/],
      ['# TYPE m gauge\n# TYPE n gauge\nm{a="1"} 1\nn 1\nm{a="2"} 1\n', /not contiguous/],
      ['# TYPE m gauge\nm{a="1"} 1\nm{a="1"} 2\n', /same series twice/],
      ['# TYPE m gauge\nm{a-b="1"} 1\n', /bad label name/],
      ['# TYPE m gauge\nm 1', /end with a newline/],
      ['# TYPE m sometype\n', /malformed TYPE/],
      ['# TYPE h histogram\nh 1\n', /without a TYPE/]
    ]
    for (const [text, why] of bad) expect(() => parseExposition(text), text).toThrow(why)
  })
})
