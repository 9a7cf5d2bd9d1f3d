/**
 * The Prometheus text export (src/main/bridge/prometheus.ts) without a server: label values and
 * HELP text are escaped so that a strict reader gets the original strings back (backslashes,
 * quotes, newlines, a literal "\n"); values use +Inf/-Inf/NaN; each family has one HELP and TYPE
 * and contiguous samples; sections built from contract values carry the right names, labels and
 * units; collectPrometheusText reads through a dispatch and leaves out what it cannot read.
 */
import { describe, expect, it } from 'vitest'
import {
  ExpositionWriter,
  PROMETHEUS_CONTENT_TYPE,
  collectPrometheusText,
  escapeHelp,
  escapeLabelValue,
  formatLabels,
  formatValue,
  writeHttpMetrics
} from '../../src/main/bridge/prometheus'
import type { Dispatch } from '../../src/main/dispatch'
import type { AppStatus, CallResult, MetricsHttp } from '../../src/shared/contract'
import { findSamples, parseExposition, sampleValue } from './metrics-exposition'

const TRICKY = ['plain', 'back\\slash', 'say "hi"', 'two\nlines', 'C:\\new\\dir', 'end\\', '"', '\\n literally', 'ünïcödé ✓', '', 'a,b}=c{']

describe('label value escaping', () => {
  it('escapes backslash, double quote and newline, and nothing else', () => {
    expect(escapeLabelValue('plain')).toBe('plain')
    expect(escapeLabelValue('back\\slash')).toBe('back\\\\slash')
    expect(escapeLabelValue('say "hi"')).toBe('say \\"hi\\"')
    expect(escapeLabelValue('two\nlines')).toBe('two\\nlines')
    expect(escapeLabelValue('a\\"b\n')).toBe('a\\\\\\"b\\n')
    expect(escapeLabelValue('tab\there, {a="b"}')).toBe('tab\there, {a=\\"b\\"}')
  })

  it('round-trips through a strict exposition reader', () => {
    const w = new ExpositionWriter()
    const add = w.family('test_values', 'gauge', 'values with awkward labels')
    TRICKY.forEach((v, i) => add(i, { value: v }))
    const text = w.render()
    const exp = parseExposition(text)
    expect(exp.samples.map((s) => s.labels.value)).toEqual(TRICKY)
    // A backslash followed by "n" stays two characters; only a real newline becomes \n.
    expect(text).toContain('value="C:\\\\new\\\\dir"')
    expect(text).toContain('value="two\\nlines"')
    expect(text.split('\n').filter((l) => l.startsWith('test_values')).length).toBe(TRICKY.length)
  })

  it('formats labels in the given order and refuses invalid label names', () => {
    expect(formatLabels({})).toBe('')
    expect(formatLabels({ b: '1', a: 'x"y' })).toBe('{b="1",a="x\\"y"}')
    expect(() => formatLabels({ 'bad-name': 'x' })).toThrow(/label name/)
    expect(() => formatLabels({ __reserved: 'x' })).toThrow(/label name/)
  })
})

describe('HELP text, values and families', () => {
  it('escapes backslash and newline in HELP text (quotes stay)', () => {
    expect(escapeHelp('a "quoted" \\ path\nnext')).toBe('a "quoted" \\\\ path\\nnext')
    const w = new ExpositionWriter()
    w.family('test_help', 'counter', 'line one\nline "two" \\ three')(1)
    expect(parseExposition(w.render()).help.get('test_help')).toBe('line one\nline "two" \\ three')
  })

  it('writes +Inf, -Inf and NaN the Prometheus way', () => {
    expect(formatValue(Infinity)).toBe('+Inf')
    expect(formatValue(-Infinity)).toBe('-Inf')
    expect(formatValue(NaN)).toBe('NaN')
    expect(formatValue(0)).toBe('0')
    expect(formatValue(12.5)).toBe('12.5')
    expect(formatValue(1e21)).toBe('1e+21')
    const w = new ExpositionWriter()
    const add = w.family('test_special', 'gauge', 'special values')
    add(Infinity, { v: 'inf' })
    add(-Infinity, { v: 'minf' })
    add(NaN, { v: 'nan' })
    add(1e-7, { v: 'tiny' })
    const exp = parseExposition(w.render())
    expect(sampleValue(exp, 'test_special', { v: 'inf' })).toBe(Infinity)
    expect(sampleValue(exp, 'test_special', { v: 'minf' })).toBe(-Infinity)
    expect(Number.isNaN(sampleValue(exp, 'test_special', { v: 'nan' }))).toBe(true)
    expect(sampleValue(exp, 'test_special', { v: 'tiny' })).toBe(1e-7)
  })

  it('declares each family once with HELP then TYPE, keeps its samples together, and drops empty families', () => {
    const w = new ExpositionWriter()
    const a = w.family('test_a_total', 'counter', 'A')
    const b = w.family('test_b', 'gauge', 'B')
    w.family('test_empty', 'gauge', 'never sampled')
    a(1, { k: '1' })
    b(2)
    a(3, { k: '2' })
    expect(w.family('test_a_total', 'counter', 'A again')).toBeTypeOf('function')
    const text = w.render()
    expect(text).toBe(['# HELP test_a_total A', '# TYPE test_a_total counter', 'test_a_total{k="1"} 1', 'test_a_total{k="2"} 3', '# HELP test_b B', '# TYPE test_b gauge', 'test_b 2', ''].join('\n'))
    expect(text).not.toContain('test_empty')
    expect(new ExpositionWriter().render()).toBe('')
  })

  it('refuses invalid metric names and a family declared with two types', () => {
    const w = new ExpositionWriter()
    expect(() => w.family('bad-name', 'gauge', 'x')).toThrow(/metric name/)
    expect(() => w.family('9lives', 'gauge', 'x')).toThrow(/metric name/)
    w.family('test_x', 'gauge', 'x')
    expect(() => w.family('test_x', 'counter', 'x')).toThrow(/declared as gauge and counter/)
  })
})

const HTTP: MetricsHttp = {
  clients: [
    {
      name: 'ai-service',
      upstreams: [
        {
          origin: 'http://127.0.0.1:8000',
          requests: 12,
          errors: 3,
          errorsByKind: { timeout: 1, connection: 0, http: 2, invalid_json: 0, aborted: 0 },
          cacheHits: 4,
          cacheMisses: 5,
          retries: 2,
          rateLimitWaits: 1,
          inFlight: 1,
          latency: { avgMs: 25, p50Ms: 20, p95Ms: 80, p99Ms: 120.5, samples: 8 }
        },
        {
          origin: 'http://weird"host\\name:1',
          requests: 0,
          errors: 0,
          errorsByKind: { timeout: 0, connection: 0, http: 0, invalid_json: 0, aborted: 0 },
          cacheHits: 0,
          cacheMisses: 0,
          retries: 0,
          rateLimitWaits: 0,
          inFlight: 0,
          latency: { avgMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, samples: 0 }
        }
      ],
      cache: { entries: 3, maxEntries: 1000, hits: 4, misses: 5, evictions: 7 }
    }
  ]
}

describe('HTTP client section', () => {
  it('writes per-upstream counters, errors by kind and latency quantiles in seconds', () => {
    const w = new ExpositionWriter()
    writeHttpMetrics(w, HTTP)
    const exp = parseExposition(w.render())
    const up = { client: 'ai-service', upstream: 'http://127.0.0.1:8000' }
    expect(sampleValue(exp, 'warp_http_client_requests_total', up)).toBe(12)
    expect(sampleValue(exp, 'warp_http_client_errors_total', { ...up, kind: 'timeout' })).toBe(1)
    expect(sampleValue(exp, 'warp_http_client_errors_total', { ...up, kind: 'http' })).toBe(2)
    expect(findSamples(exp, 'warp_http_client_errors_total', up).map((s) => s.labels.kind)).toEqual(['timeout', 'connection', 'http', 'invalid_json', 'aborted'])
    expect(sampleValue(exp, 'warp_http_client_retries_total', up)).toBe(2)
    expect(sampleValue(exp, 'warp_http_client_rate_limit_waits_total', up)).toBe(1)
    expect(sampleValue(exp, 'warp_http_client_cache_hits_total', up)).toBe(4)
    expect(sampleValue(exp, 'warp_http_client_cache_misses_total', up)).toBe(5)
    expect(sampleValue(exp, 'warp_http_client_in_flight', up)).toBe(1)
    expect(sampleValue(exp, 'warp_http_client_latency_seconds', { ...up, quantile: '0.5' })).toBe(0.02)
    expect(sampleValue(exp, 'warp_http_client_latency_seconds', { ...up, quantile: '0.95' })).toBe(0.08)
    expect(sampleValue(exp, 'warp_http_client_latency_seconds', { ...up, quantile: '0.99' })).toBe(0.1205)
    expect(sampleValue(exp, 'warp_http_client_latency_average_seconds', up)).toBe(0.025)
    expect(sampleValue(exp, 'warp_http_client_cache_evictions_total', { client: 'ai-service' })).toBe(7)
    expect(exp.types.get('warp_http_client_requests_total')).toBe('counter')
    expect(exp.types.get('warp_http_client_latency_seconds')).toBe('gauge')
    // The odd origin is escaped and read back intact; an upstream without samples has no quantiles.
    const odd = { client: 'ai-service', upstream: 'http://weird"host\\name:1' }
    expect(sampleValue(exp, 'warp_http_client_requests_total', odd)).toBe(0)
    expect(findSamples(exp, 'warp_http_client_latency_seconds', odd)).toEqual([])
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

describe('collectPrometheusText', () => {
  it('reads app.status and metrics.http through the dispatch and skips requests.stats while the poller is not running', async () => {
    const called: string[] = []
    const dispatch: Dispatch = (method) => {
      called.push(String(method))
      const value: unknown = method === 'app.status' ? STATUS : method === 'metrics.http' ? { clients: [] } : undefined
      const result: CallResult = value === undefined ? { ok: false, error: { code: 'unavailable', message: 'no' } } : { ok: true, value }
      return Promise.resolve(result)
    }
    const exp = parseExposition(await collectPrometheusText(dispatch))
    expect(called.sort()).toEqual(['app.status', 'metrics.http'])
    expect(sampleValue(exp, 'warp_service_up', { service: 'store' })).toBe(1)
    expect(sampleValue(exp, 'warp_service_up', { service: 'ai-ipc' })).toBe(0)
    expect(sampleValue(exp, 'warp_service_state', { service: 'ai-ipc', state: 'disabled' })).toBe(1)
    expect(sampleValue(exp, 'warp_service_state', { service: 'ai-ipc', state: 'running' })).toBe(0)
    expect(sampleValue(exp, 'warp_process_uptime_seconds')).toBe(42.5)
    expect(sampleValue(exp, 'warp_process_resident_memory_bytes')).toBe(100_000_000)
    expect(sampleValue(exp, 'warp_process_heap_used_bytes')).toBe(30_000_000)
    expect(sampleValue(exp, 'warp_process_start_time_seconds')).toBe(Date.parse(STATUS.startedAt) / 1000)
    expect(sampleValue(exp, 'warp_build_info', { version: '0.1.0', mode: 'headless' })).toBe(1)
    expect(sampleValue(exp, 'warp_metrics_source_up', { method: 'requests.stats' })).toBe(0)
    expect(sampleValue(exp, 'warp_metrics_source_up', { method: 'metrics.http' })).toBe(1)
    expect(findSamples(exp, 'warp_ai_requests')).toEqual([])
    expect(findSamples(exp, 'warp_http_client_requests_total')).toEqual([])
    for (const family of exp.types.keys()) expect(exp.help.has(family), `HELP for ${family}`).toBe(true)
  })

  it('leaves out a section whose result does not match the contract', async () => {
    const dispatch: Dispatch = (method) =>
      Promise.resolve<CallResult>(method === 'app.status' ? { ok: true, value: { ...STATUS, memory: 'lots' } } : { ok: true, value: HTTP })
    const exp = parseExposition(await collectPrometheusText(dispatch))
    expect(sampleValue(exp, 'warp_metrics_source_up', { method: 'app.status' })).toBe(0)
    expect(findSamples(exp, 'warp_service_up')).toEqual([])
    expect(sampleValue(exp, 'warp_http_client_requests_total', { upstream: 'http://127.0.0.1:8000' })).toBe(12)
  })

  it('names the exposition content type', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toMatch(/^text\/plain; version=0\.0\.4/)
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
      ['# TYPE m gauge\nm  1\n', /bad value/],
      ['# TYPE m gauge\n# TYPE m gauge\n', /second TYPE/],
      ['# HELP m x\n# HELP m y\n', /second HELP/],
      ['# TYPE m gauge\n# TYPE n gauge\nm{a="1"} 1\nn 1\nm{a="2"} 1\n', /not contiguous/],
      ['# TYPE m gauge\nm{a="1"} 1\nm{a="1"} 2\n', /same series twice/],
      ['# TYPE m gauge\nm{a-b="1"} 1\n', /bad label name/],
      ['# TYPE m gauge\nm 1', /end with a newline/],
      ['# TYPE m sometype\n', /malformed TYPE/]
    ]
    for (const [text, why] of bad) expect(() => parseExposition(text), text).toThrow(why)
  })
})
