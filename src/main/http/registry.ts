/**
 * The HTTP clients of the running services, by name ("ai-service", later "coordinator" …), so
 * `metrics.http` and the Prometheus export report every outbound upstream without knowing which
 * service owns which client. A service registers its client when it builds it and the returned
 * function unregisters it when the service stops.
 */
import type { HttpClientMetrics as HttpClientMetricsView, MetricsHttp } from '../../shared/contract'
import type { HttpClient } from './http-client'
import type { HttpClientMetrics } from './types'

export class HttpClientRegistry {
  private readonly clients = new Map<string, HttpClient>()

  /** Adds `client` under `name` (replacing a previous one); returns the unregister function. */
  register(name: string, client: HttpClient): () => void {
    this.clients.set(name, client)
    return () => {
      if (this.clients.get(name) === client) this.clients.delete(name)
    }
  }

  get(name: string): HttpClient | undefined {
    return this.clients.get(name)
  }

  /** `metrics.http`: every registered client, sorted by name; upstreams sorted by origin. */
  metrics(): MetricsHttp {
    return {
      clients: [...this.clients.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, c]) => httpClientView(name, c.metrics()))
    }
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
