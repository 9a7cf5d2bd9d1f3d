/**
 * The HTTP clients of the running services, by name ("ai-service", later "coordinator" …), so
 * `metrics.http` and the Prometheus export report every outbound upstream without knowing which
 * service owns which client. A service registers its client when it builds it and the returned
 * function unregisters it when the service stops.
 *
 * It also owns the clients' Prometheus metrics (`prometheus`, merged into the export by the
 * runtime), so a registered client is exported without its service writing any metrics code:
 * - `warp_http_client_latency_seconds{client,upstream}`: a histogram observed on every network
 *   call (HttpClient.observe); its series go away when the client is unregistered;
 * - per-upstream counters and the in-flight gauge, per-client cache figures: read at scrape time
 *   from the registered clients' metrics() snapshots.
 */
import { Histogram, Registry } from 'prom-client'
import { HTTP_ERROR_KINDS, type HttpClientMetrics as HttpClientMetricsView, type MetricsHttp } from '../../shared/contract'
import { LATENCY_BUCKETS_SECONDS, snapshotCounter, snapshotGauge } from '../metrics/prometheus'
import type { HttpClient } from './http-client'
import type { HttpClientMetrics, UpstreamMetrics } from './types'

type UpstreamLabels = { client: string; upstream: string }
type UpstreamEntry = [UpstreamLabels, UpstreamMetrics]
type ClientEntry = [string, HttpClientMetrics]

interface Registered {
  client: HttpClient
  /** Upstreams with histogram series (removed on unregister), with the series to observe. */
  observed: Map<string, { observe(seconds: number): void }>
  detach: () => void
}

export class HttpClientRegistry {
  private readonly clients = new Map<string, Registered>()
  /** The clients' Prometheus metrics (see the file comment). */
  readonly prometheus = new Registry()
  private readonly latency: Histogram<'client' | 'upstream'>

  constructor() {
    const r = this.prometheus
    const upstreams = (): UpstreamEntry[] => this.upstreams()
    const snapshots = (): ClientEntry[] => this.snapshots()
    this.latency = new Histogram({
      name: 'warp_http_client_latency_seconds',
      help: 'Outbound HTTP call latency (network calls, retries and waits included; cache hits are not counted)',
      labelNames: ['client', 'upstream'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers: [r]
    })
    type U = 'client' | 'upstream'
    const perUpstream = (name: string, help: string, pick: (u: UpstreamMetrics) => number): void => {
      snapshotCounter<U>(r, name, help, ['client', 'upstream'], () => upstreams().map(([labels, u]) => [labels, pick(u)]))
    }
    perUpstream('warp_http_client_requests_total', 'Outbound HTTP calls made, cache hits included', (u) => u.requests)
    snapshotCounter(r, 'warp_http_client_errors_total', 'Outbound HTTP calls that failed, by kind (timeout, connection, http, invalid_json, aborted)', ['client', 'upstream', 'kind'], () =>
      upstreams().flatMap(([labels, u]) => HTTP_ERROR_KINDS.map((kind): [Record<'client' | 'upstream' | 'kind', string>, number] => [{ ...labels, kind }, u.errorsByKind[kind]]))
    )
    perUpstream('warp_http_client_retries_total', 'Extra attempts after the first', (u) => u.retries)
    perUpstream('warp_http_client_rate_limit_waits_total', 'Attempts that waited for a rate-limit token', (u) => u.rateLimitWaits)
    perUpstream('warp_http_client_cache_hits_total', 'GETs answered from the response cache', (u) => u.cacheHits)
    perUpstream('warp_http_client_cache_misses_total', 'GETs that looked in the response cache and missed', (u) => u.cacheMisses)
    snapshotGauge<U>(r, 'warp_http_client_in_flight', 'Outbound HTTP calls in flight (including backoff and token waits)', ['client', 'upstream'], () =>
      upstreams().map(([labels, u]) => [labels, u.inFlight])
    )
    const perClient = (name: string, help: string, pick: (c: HttpClientMetrics['cache']) => number): void => {
      snapshotGauge(r, name, help, ['client'], () => snapshots().map(([client, m]) => [{ client }, pick(m.cache)]))
    }
    perClient('warp_http_client_cache_entries', 'Responses in the HTTP client cache', (c) => c.entries)
    perClient('warp_http_client_cache_max_entries', 'Capacity of the HTTP client cache', (c) => c.maxEntries)
    snapshotCounter(r, 'warp_http_client_cache_evictions_total', 'Responses evicted from the HTTP client cache', ['client'], () =>
      snapshots().map(([client, m]) => [{ client }, m.cache.evictions])
    )
  }

  /** Adds `client` under `name` (replacing a previous one); returns the unregister function. */
  register(name: string, client: HttpClient): () => void {
    this.drop(name)
    const observed = new Map<string, { observe(seconds: number): void }>()
    const detach = client.observe((upstream, ms) => {
      let series = observed.get(upstream)
      if (!series) {
        series = this.latency.labels({ client: name, upstream })
        observed.set(upstream, series)
      }
      series.observe(ms / 1000)
    })
    const entry: Registered = { client, observed, detach }
    this.clients.set(name, entry)
    return () => {
      if (this.clients.get(name) === entry) this.drop(name)
    }
  }

  get(name: string): HttpClient | undefined {
    return this.clients.get(name)?.client
  }

  /** `metrics.http`: every registered client, sorted by name; upstreams sorted by origin. */
  metrics(): MetricsHttp {
    return { clients: this.snapshots().map(([name, m]) => httpClientView(name, m)) }
  }

  private drop(name: string): void {
    const e = this.clients.get(name)
    if (!e) return
    this.clients.delete(name)
    e.detach()
    for (const upstream of e.observed.keys()) this.latency.remove({ client: name, upstream })
  }

  /** Every registered client's metrics, sorted by name. */
  private snapshots(): ClientEntry[] {
    return [...this.clients.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, e]) => [name, e.client.metrics()])
  }

  /** Every upstream of every registered client with its labels. */
  private upstreams(): UpstreamEntry[] {
    return this.snapshots().flatMap(([client, m]) => Object.values(m.upstreams).map((u): UpstreamEntry => [{ client, upstream: u.upstream }, u]))
  }
}

/** An HTTP client's metrics as the contract carries them: upstreams as a list sorted by origin. */
export function httpClientView(name: string, m: HttpClientMetrics): HttpClientMetricsView {
  const upstreams = Object.values(m.upstreams)
    .sort((a, b) => (a.upstream < b.upstream ? -1 : a.upstream > b.upstream ? 1 : 0))
    .map((u) => ({
      origin: u.upstream,
      requests: u.requests,
      errors: u.errors,
      errorsByKind: {
        timeout: u.errorsByKind.timeout,
        connection: u.errorsByKind.connection,
        http: u.errorsByKind.http,
        invalid_json: u.errorsByKind.invalid_json,
        aborted: u.errorsByKind.aborted
      },
      cacheHits: u.cacheHits,
      cacheMisses: u.cacheMisses,
      retries: u.retries,
      rateLimitWaits: u.rateLimitWaits,
      inFlight: u.inFlight,
      latency: { ...u.latency }
    }))
  return { name, upstreams, cache: { ...m.cache } }
}
