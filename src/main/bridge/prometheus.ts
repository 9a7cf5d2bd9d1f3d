/**
 * The app's metrics in the Prometheus text exposition format (version 0.0.4), for the admin
 * server's `GET /api/metrics`. Everything is read through the contract (`app.status`,
 * `requests.stats`, `metrics.http`) with the same dispatcher the dashboard uses, so the export
 * and the dashboard always show the same figures.
 *
 * Owns the format: metric families with one HELP and TYPE line each, samples grouped under their
 * family, label values escaped (backslash, double quote, newline), numbers as Prometheus writes
 * them (+Inf, -Inf, NaN). Latencies are exported in seconds; percentiles as gauges with a
 * `quantile` label (summary style, without _sum and _count).
 */
import {
  AI_REQUEST_STATUSES,
  HTTP_ERROR_KINDS,
  SERVICE_STATES,
  methods,
  type AppStatus,
  type MethodName,
  type MethodResult,
  type MetricsHttp,
  type RequestsStats
} from '../../shared/contract'
import type { CallContext, Dispatch } from '../dispatch'

/** The Content-Type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type MetricType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped'
export type Labels = Readonly<Record<string, string>>

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** A label value as it goes between the double quotes: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'))
}

/** HELP text: `\` → `\\`, newline → `\n` (quotes stay as they are). */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'))
}

/** A sample value: integers and decimals as JavaScript writes them, plus +Inf, -Inf and NaN. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/** `{a="x",b="y"}`, or '' without labels. */
export function formatLabels(labels: Labels): string {
  const parts: string[] = []
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid Prometheus label name: ${name}`)
    parts.push(`${name}="${escapeLabelValue(value)}"`)
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

interface Family {
  help: string
  type: MetricType
  samples: string[]
}

/**
 * Collects metric families and renders them. A family is declared once (HELP, TYPE); its samples
 * are written together in the order they were added; families without samples are left out.
 */
export class ExpositionWriter {
  private readonly families = new Map<string, Family>()

  /** Declares a family (again with the same help and type is fine) and returns a sample adder. */
  family(name: string, type: MetricType, help: string): (value: number, labels?: Labels) => void {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid Prometheus metric name: ${name}`)
    let f = this.families.get(name)
    if (!f) {
      f = { help, type, samples: [] }
      this.families.set(name, f)
    } else if (f.type !== type) {
      throw new Error(`metric ${name} declared as ${f.type} and ${type}`)
    }
    const samples = f.samples
    return (value, labels = {}) => {
      samples.push(`${name}${formatLabels(labels)} ${formatValue(value)}`)
    }
  }

  /** The exposition text: one block per family, ending with a newline. */
  render(): string {
    const lines: string[] = []
    for (const [name, f] of this.families) {
      if (f.samples.length === 0) continue
      lines.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`, ...f.samples)
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`
  }
}

const QUANTILES = [
  ['0.5', 'p50'],
  ['0.95', 'p95'],
  ['0.99', 'p99']
] as const

/** Milliseconds → seconds, kept to the microsecond (no 0.0030099999999999997). */
const ms = (v: number): number => Math.round(v * 1000) / 1_000_000

// ---- the app's metrics ------------------------------------------------------------------------

/** Uptime, memory and version, from `app.status`. */
export function writeProcessMetrics(w: ExpositionWriter, status: AppStatus): void {
  w.family('warp_build_info', 'gauge', 'WARP Host version and runtime; always 1')(1, {
    version: status.version,
    mode: status.mode,
    node_version: status.nodeVersion,
    platform: status.platform
  })
  const started = Date.parse(status.startedAt)
  if (Number.isFinite(started)) {
    w.family('warp_process_start_time_seconds', 'gauge', 'When the WARP Host runtime started, in seconds since the Unix epoch')(started / 1000)
  }
  w.family('warp_process_uptime_seconds', 'gauge', 'Seconds since the WARP Host runtime started')(status.uptimeSeconds)
  w.family('warp_process_resident_memory_bytes', 'gauge', 'Resident set size of the WARP Host process')(status.memory.rssBytes)
  w.family('warp_process_heap_used_bytes', 'gauge', 'V8 heap in use by the WARP Host process')(status.memory.heapUsedBytes)
}

/** One `up` gauge per service (1 = running) plus its state as a state set, from `app.status`. */
export function writeServiceMetrics(w: ExpositionWriter, status: AppStatus): void {
  const up = w.family('warp_service_up', 'gauge', 'Whether the service is running (1) or not (0: stopped, starting, stopping, error or disabled)')
  const state = w.family('warp_service_state', 'gauge', 'The state of the service: 1 for its current state, 0 for the others')
  for (const s of status.services) up(s.state === 'running' ? 1 : 0, { service: s.name })
  for (const s of status.services) {
    for (const st of SERVICE_STATES) state(s.state === st ? 1 : 0, { service: s.name, state: st })
  }
}

/** The AI request queue and this poller's figures, from `requests.stats`. */
export function writeRequestMetrics(w: ExpositionWriter, stats: RequestsStats): void {
  const rows = w.family('warp_ai_requests', 'gauge', 'AI requests in the queue table, by status')
  for (const st of AI_REQUEST_STATUSES) rows(stats.counts[st], { status: st })
  w.family('warp_ai_poller_polling', 'gauge', 'Whether the poller is claiming requests (1) or not (0)')(stats.polling ? 1 : 0)
  w.family('warp_ai_poller_in_flight', 'gauge', 'Requests this poller holds right now')(stats.inFlight)
  w.family('warp_ai_poller_uptime_seconds', 'gauge', 'Seconds since this poller started')(stats.uptimeSeconds)
  w.family('warp_ai_requests_rate_per_second', 'gauge', 'Answers per second over the last 10 seconds (this poller)')(stats.ratePerSecond)

  const t = stats.totals
  const totals: [string, number, string][] = [
    ['warp_ai_requests_processed_total', t.processed, 'Requests answered by this poller since it started'],
    ['warp_ai_requests_failed_total', t.failed, 'Requests this poller set to failed since it started'],
    ['warp_ai_requests_expired_total', t.expired, 'Requests that expired before this poller answered them'],
    ['warp_ai_requests_retried_total', t.retried, 'Requests this poller sent back to pending for another attempt'],
    ['warp_ai_requests_recovered_total', t.recovered, 'Stuck requests this poller recovered'],
    ['warp_ai_requests_cancelled_in_flight_total', t.cancelledInFlight, 'Requests cancelled while this poller was processing them'],
    ['warp_ai_poller_batches_total', t.batches, 'Claims that returned at least one request']
  ]
  for (const [name, value, help] of totals) w.family(name, 'counter', help)(value)

  const latency = w.family(
    'warp_ai_request_latency_seconds',
    'gauge',
    'Claim-to-answer latency percentiles over the last 60 seconds (this poller), summary-style'
  )
  const samples = w.family('warp_ai_request_latency_samples', 'gauge', 'Answers in the latency window (last 60 seconds)')
  samples(stats.latencyMs?.samples ?? 0)
  if (stats.latencyMs && stats.latencyMs.samples > 0) {
    for (const [q, key] of QUANTILES) latency(ms(stats.latencyMs[key]), { quantile: q })
  }

  const hProcessed = w.family('warp_ai_handler_processed_total', 'counter', 'Requests answered per handler since the poller started')
  const hFailed = w.family('warp_ai_handler_failed_total', 'counter', 'Requests set to failed per handler since the poller started')
  const hRetried = w.family('warp_ai_handler_retried_total', 'counter', 'Requests sent back for another attempt per handler')
  const hLatency = w.family('warp_ai_handler_latency_seconds', 'gauge', 'Handler time percentiles over the last 60 seconds, summary-style')
  for (const h of stats.handlers) {
    const labels = { handler: h.handler }
    hProcessed(h.processed, labels)
    hFailed(h.failed, labels)
    hRetried(h.retried, labels)
    if (h.latencyMs && h.latencyMs.samples > 0) {
      for (const [q, key] of QUANTILES) hLatency(ms(h.latencyMs[key]), { ...labels, quantile: q })
    }
  }
}

/** Per client and upstream figures of the HTTP clients, from `metrics.http`. */
export function writeHttpMetrics(w: ExpositionWriter, http: MetricsHttp): void {
  const requests = w.family('warp_http_client_requests_total', 'counter', 'Outbound HTTP calls made, cache hits included')
  const errors = w.family('warp_http_client_errors_total', 'counter', 'Outbound HTTP calls that failed, by kind (timeout, connection, http, invalid_json, aborted)')
  const retries = w.family('warp_http_client_retries_total', 'counter', 'Extra attempts after the first')
  const waits = w.family('warp_http_client_rate_limit_waits_total', 'counter', 'Attempts that waited for a rate-limit token')
  const hits = w.family('warp_http_client_cache_hits_total', 'counter', 'GETs answered from the response cache')
  const misses = w.family('warp_http_client_cache_misses_total', 'counter', 'GETs that looked in the response cache and missed')
  const inFlight = w.family('warp_http_client_in_flight', 'gauge', 'Outbound HTTP calls in flight (including backoff and token waits)')
  const latency = w.family('warp_http_client_latency_seconds', 'gauge', 'Outbound HTTP call latency percentiles over the recent calls, summary-style')
  const average = w.family('warp_http_client_latency_average_seconds', 'gauge', 'Average outbound HTTP call latency since the client started')
  const samples = w.family('warp_http_client_latency_samples', 'gauge', 'Calls in the latency percentile window')
  const entries = w.family('warp_http_client_cache_entries', 'gauge', 'Responses in the HTTP client cache')
  const maxEntries = w.family('warp_http_client_cache_max_entries', 'gauge', 'Capacity of the HTTP client cache')
  const evictions = w.family('warp_http_client_cache_evictions_total', 'counter', 'Responses evicted from the HTTP client cache')

  for (const c of http.clients) {
    for (const u of c.upstreams) {
      const labels = { client: c.name, upstream: u.origin }
      requests(u.requests, labels)
      for (const kind of HTTP_ERROR_KINDS) errors(u.errorsByKind[kind], { ...labels, kind })
      retries(u.retries, labels)
      waits(u.rateLimitWaits, labels)
      hits(u.cacheHits, labels)
      misses(u.cacheMisses, labels)
      inFlight(u.inFlight, labels)
      samples(u.latency.samples, labels)
      average(ms(u.latency.avgMs), labels)
      if (u.latency.samples > 0) {
        latency(ms(u.latency.p50Ms), { ...labels, quantile: '0.5' })
        latency(ms(u.latency.p95Ms), { ...labels, quantile: '0.95' })
        latency(ms(u.latency.p99Ms), { ...labels, quantile: '0.99' })
      }
    }
    const labels = { client: c.name }
    entries(c.cache.entries, labels)
    maxEntries(c.cache.maxEntries, labels)
    evictions(c.cache.evictions, labels)
  }
}

/** A contract call's checked value, or null when it failed (e.g. the poller is not running). */
async function read<M extends MethodName>(dispatch: Dispatch, method: M, ctx: CallContext): Promise<MethodResult<M> | null> {
  const r = await dispatch(method, undefined, ctx)
  if (!r.ok) return null
  const parsed = methods[method].output.safeParse(r.value)
  return parsed.success ? (parsed.data as MethodResult<M>) : null
}

/**
 * Every metric the app exports, read through the contract. A section whose method fails is left
 * out; `warp_metrics_source_up` says which. `requests.stats` is only asked while the ai-ipc
 * service runs, so a scrape of a host with the poller switched off logs no failed call.
 */
export async function collectPrometheusText(dispatch: Dispatch, ctx: CallContext = { transport: 'bridge', client: 'metrics' }): Promise<string> {
  const [status, http] = await Promise.all([read(dispatch, 'app.status', ctx), read(dispatch, 'metrics.http', ctx)])
  const pollerRunning = status?.services.some((s) => s.name === 'ai-ipc' && s.state === 'running') ?? false
  const stats = pollerRunning ? await read(dispatch, 'requests.stats', ctx) : null
  const w = new ExpositionWriter()
  const source = w.family('warp_metrics_source_up', 'gauge', 'Whether this scrape could read the figures of a contract method (1) or not (0)')
  source(status ? 1 : 0, { method: 'app.status' })
  source(stats ? 1 : 0, { method: 'requests.stats' })
  source(http ? 1 : 0, { method: 'metrics.http' })
  if (status) {
    writeProcessMetrics(w, status)
    writeServiceMetrics(w, status)
  }
  if (stats) writeRequestMetrics(w, stats)
  if (http) writeHttpMetrics(w, http)
  return w.render()
}
