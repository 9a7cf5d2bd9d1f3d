/**
 * "AI service (HTTP)": the figures of the HTTP client the poller's handlers use to reach the AI
 * service, one row per upstream — requests, errors (by kind in the cell's tooltip), retries,
 * cache hit rate, in flight and latency p50 / p95 / p99.
 *
 * A live resource (stores/live-resource.ts): `metrics.http` when the panel mounts and when the
 * connection comes back, then again when a `requests.stats` event arrives — at most every
 * HTTP_METRICS_REFRESH_MS, never two calls at once. Keeps its own small state: nothing else on the
 * page needs these figures.
 */
import { memo, useEffect, useState } from 'react'
import { HTTP_ERROR_KINDS, type HttpErrorKind, type HttpUpstreamMetrics, type MetricsHttp } from '../../../../shared/contract'
import { errorMessage } from '../../api/call-result'
import { getClient } from '../../api/client'
import { createLiveResource } from '../../stores/live-resource'
import { formatCount, formatMs } from './format'
import './http-metrics.css'

/** The panel refetches at most this often, however often the stats events come. */
export const HTTP_METRICS_REFRESH_MS = 2000

const KIND_LABEL: Record<HttpErrorKind, string> = {
  timeout: 'timeout',
  connection: 'connection',
  http: 'HTTP status',
  invalid_json: 'invalid JSON',
  aborted: 'aborted'
}

type PanelState = { kind: 'loading' } | { kind: 'ready'; data: MetricsHttp } | { kind: 'error'; message: string }

/** `metrics.http`, fetched on mount, on `requests.stats` events (throttled) and on reconnect. */
function useHttpMetrics(): PanelState {
  const [state, setState] = useState<PanelState>({ kind: 'loading' })
  useEffect(() => {
    const resource = createLiveResource<MetricsHttp>({
      load: (c) => c.call('metrics.http'),
      onValue: (data) => setState({ kind: 'ready', data }),
      // Keep showing the last figures through a hiccup; say so only when there are none.
      onError: (err) => setState((prev) => (prev.kind === 'ready' ? prev : { kind: 'error', message: errorMessage(err) })),
      subscribe: (c, ctl) => [c.on('requests.stats', () => ctl.invalidate())],
      throttleMs: HTTP_METRICS_REFRESH_MS
    })
    return resource.activate(getClient())
  }, [])
  return state
}

export function HttpMetricsPanel(): React.JSX.Element {
  const state = useHttpMetrics()
  return <HttpMetricsView state={state} />
}

interface Row {
  key: string
  client: string
  upstream: HttpUpstreamMetrics
}

const HttpMetricsView = memo(function HttpMetricsView({ state }: { state: PanelState }) {
  const rows: Row[] =
    state.kind === 'ready' ? state.data.clients.flatMap((c) => c.upstreams.map((u) => ({ key: `${c.name} ${u.origin}`, client: c.name, upstream: u }))) : []
  const manyClients = state.kind === 'ready' && state.data.clients.length > 1
  const totals = rows.reduce((t, r) => ({ requests: t.requests + r.upstream.requests, errors: t.errors + r.upstream.errors }), { requests: 0, errors: 0 })

  let body: React.JSX.Element
  if (state.kind === 'loading') {
    body = <p className="rq-muted rq-http-note">Loading…</p>
  } else if (state.kind === 'error') {
    body = (
      <p className="rq-http-note rq-http-error" role="alert">
        Could not load the HTTP client figures: {state.message}
      </p>
    )
  } else if (rows.length === 0) {
    body = (
      <p className="rq-muted rq-http-note" data-testid="rq-http-empty">
        No AI service calls yet
      </p>
    )
  } else {
    body = (
      <table className="rq-htable rq-http-table">
        <caption className="rq-sr">Outbound HTTP calls per upstream since the poller started</caption>
        <thead>
          <tr>
            <th scope="col">Upstream</th>
            <th scope="col" className="rq-r">Requests</th>
            <th scope="col" className="rq-r">Errors</th>
            <th scope="col" className="rq-r">Retries</th>
            <th scope="col" className="rq-r">Cache hits</th>
            <th scope="col" className="rq-r">In flight</th>
            <th scope="col" className="rq-r">p50</th>
            <th scope="col" className="rq-r">p95</th>
            <th scope="col" className="rq-r">p99</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <UpstreamRow key={r.key} client={manyClients ? r.client : null} upstream={r.upstream} />
          ))}
        </tbody>
      </table>
    )
  }

  return (
    <section className="rq-http" aria-labelledby="rq-http-title" data-testid="rq-http">
      <div className="rq-http-head">
        <h2 id="rq-http-title" className="rq-http-title">
          AI service (HTTP)
        </h2>
        {rows.length > 0 && (
          <span className="rq-muted rq-small rq-http-summary">
            {rows.length === 1 ? '1 upstream' : `${formatCount(rows.length)} upstreams`} · {formatCount(totals.requests)}{' '}
            {totals.requests === 1 ? 'call' : 'calls'} · {formatCount(totals.errors)} {totals.errors === 1 ? 'error' : 'errors'}
          </span>
        )}
      </div>
      {body}
    </section>
  )
})

function errorsTitle(u: HttpUpstreamMetrics): string {
  const parts = HTTP_ERROR_KINDS.map((k) => `${KIND_LABEL[k]}: ${formatCount(u.errorsByKind[k])}`)
  return `Errors by kind — ${parts.join(' · ')}`
}

/** "83%" of the GETs that looked in the cache; "—" when none did. */
export function cacheHitRate(hits: number, misses: number): string {
  if (hits + misses === 0) return '—'
  if (hits === 0) return '0%'
  if (misses === 0) return '100%'
  // Only all-hits reads 100% and only no-hits reads 0%.
  return `${Math.min(99, Math.max(1, Math.round((hits / (hits + misses)) * 100)))}%`
}

const UpstreamRow = memo(function UpstreamRow({ client, upstream: u }: { client: string | null; upstream: HttpUpstreamMetrics }) {
  const lat = u.latency
  const noSamples = lat.samples === 0
  const latTitle = noSamples ? 'No calls timed yet' : `Over the last ${formatCount(lat.samples)} ${lat.samples === 1 ? 'call' : 'calls'}; average ${formatMs(lat.avgMs)}`
  const looked = u.cacheHits + u.cacheMisses
  return (
    <tr data-testid="rq-http-row" data-origin={u.origin}>
      <th scope="row" title={u.origin}>
        {client !== null && <span className="rq-muted">{client} · </span>}
        {u.origin}
      </th>
      <td className="rq-r rq-num" data-col="requests">
        {formatCount(u.requests)}
      </td>
      <td className={`rq-r rq-num rq-http-errors${u.errors > 0 ? ' rq-bad' : ''}`} data-col="errors" title={errorsTitle(u)} aria-label={`${formatCount(u.errors)} errors. ${errorsTitle(u)}`}>
        {formatCount(u.errors)}
      </td>
      <td className="rq-r rq-num" data-col="retries">
        {formatCount(u.retries)}
      </td>
      <td
        className="rq-r rq-num"
        data-col="cache"
        title={looked === 0 ? 'No call looked in the cache (proxied calls are never cached)' : `${formatCount(u.cacheHits)} hits, ${formatCount(u.cacheMisses)} misses`}
      >
        {cacheHitRate(u.cacheHits, u.cacheMisses)}
      </td>
      <td className="rq-r rq-num" data-col="inflight">
        {formatCount(u.inFlight)}
      </td>
      <td className="rq-r rq-num" data-col="p50" title={latTitle}>
        {noSamples ? '—' : formatMs(lat.p50Ms)}
      </td>
      <td className="rq-r rq-num" data-col="p95" title={latTitle}>
        {noSamples ? '—' : formatMs(lat.p95Ms)}
      </td>
      <td className="rq-r rq-num" data-col="p99" title={latTitle}>
        {noSamples ? '—' : formatMs(lat.p99Ms)}
      </td>
    </tr>
  )
})
