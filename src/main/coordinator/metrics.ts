/**
 * The coordinator service's Prometheus metrics (its own registry, ServiceContext.metrics):
 * requests by route and status, rate-limit refusals, sweeps, and gauges read from the store at
 * scrape time (hosts online, sessions active).
 */
import { Counter, Gauge, type Registry } from 'prom-client'

export interface CoordinatorMetricsView {
  hostsOnline(): number | null
  sessionsActive(): number | null
}

export interface CoordinatorMetrics {
  request(route: string, method: string, status: number): void
  rateLimited(route: string): void
  hostsWentOffline(n: number): void
  sessionsEnded(reason: string, n: number): void
}

export function registerCoordinatorMetrics(registry: Registry, view: CoordinatorMetricsView): CoordinatorMetrics {
  const requests = new Counter({
    name: 'warp_coordinator_requests_total',
    help: 'Embedded registry REST requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry]
  })
  const limited = new Counter({ name: 'warp_coordinator_rate_limited_total', help: 'Requests refused by the rate limit (429)', labelNames: ['route'] as const, registers: [registry] })
  const offline = new Counter({ name: 'warp_coordinator_hosts_timed_out_total', help: 'Hosts marked offline after heartbeat silence', registers: [registry] })
  const ended = new Counter({ name: 'warp_coordinator_sessions_swept_total', help: 'Sessions ended by the health sweep, by reason', labelNames: ['reason'] as const, registers: [registry] })
  new Gauge({
    name: 'warp_coordinator_hosts_online',
    help: 'Hosts online in the embedded registry',
    registers: [registry],
    collect() {
      const v = view.hostsOnline()
      if (v !== null) this.set(v)
    }
  })
  new Gauge({
    name: 'warp_coordinator_sessions_active',
    help: 'Active sessions in the embedded registry',
    registers: [registry],
    collect() {
      const v = view.sessionsActive()
      if (v !== null) this.set(v)
    }
  })
  return {
    request: (route, method, status) => requests.inc({ route, method, status: String(status) }),
    rateLimited: (route) => limited.inc({ route }),
    hostsWentOffline: (n) => offline.inc(n),
    sessionsEnded: (reason, n) => ended.inc({ reason }, n)
  }
}
