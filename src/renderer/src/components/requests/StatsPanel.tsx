/**
 * Live queue figures: one tile per status (a toggle that filters the table by that status), the
 * answer rate with its sparkline, latency percentiles, and the per-handler table. Reads only the
 * stats slice of the store, so it re-renders at most once a second.
 */
import { memo } from 'react'
import { AI_REQUEST_STATUSES, type AiRequestStatus, type HttpStatusFilter, type RequestsStats } from '../../../../shared/contract'
import { LatencyTable, type LatencyRow } from '../LatencyTable'
import { StatCard } from '../StatCard'
import { RATE_WINDOW_MS, setFilters, useRequestsStore } from '../../stores/requests'
import { formatCount, formatMs, formatRate, STATUS_LABEL } from './format'
import { formatPercent, handlerErrorRate } from './health'
import { Sparkline } from './Sparkline'

/** The sparkline's time axis grows from this to RATE_WINDOW_MS as history accumulates. */
const MIN_SPARK_WINDOW_MS = 30_000

export function StatsPanel(): React.JSX.Element | null {
  const stats = useRequestsStore((s) => s.stats)
  const history = useRequestsStore((s) => s.rateHistory)
  const statuses = useRequestsStore((s) => s.filters.statuses)
  const http = useRequestsStore((s) => s.filters.http)
  if (!stats) return null
  const span = history.length > 1 ? history[history.length - 1]!.t - history[0]!.t : 0
  const windowMs = Math.min(RATE_WINDOW_MS, Math.max(MIN_SPARK_WINDOW_MS, span))
  return (
    <section className="rq-stats" aria-label="Queue statistics">
      <StatusTiles counts={stats.counts} errored={stats.errored} active={statuses} http={http} />
      <StatCard
        compact
        className="rq-rate"
        aria-label="Answer rate"
        label="Rate"
        note={windowMs >= RATE_WINDOW_MS ? 'last 2 min' : `last ${Math.round(windowMs / 1000)} s`}
      >
        <div className="rq-rate-body">
          <span className="rq-big rq-num" data-testid="rq-rate">
            {formatRate(stats.ratePerSecond)}
            <span className="rq-unit">/s</span>
          </span>
          <Sparkline points={history} windowMs={windowMs} width={120} height={38} />
        </div>
      </StatCard>
      <StatCard compact className="rq-latency" aria-label="Latency, last 60 seconds" label="Latency" note="last 60 s">
        <LatencyTable rows={latencyRows(stats)} testId="rq-latency" />
      </StatCard>
    </section>
  )
}

/**
 * Two latencies, said plainly: insert → answer is what the NPC waits (from the database's
 * timestamps, any poller); claim → answer is this poller's own part (claim to committed answer).
 */
export function latencyRows(stats: RequestsStats): LatencyRow[] {
  const wholeSeconds = stats.waitResolutionMs >= 1000
  return [
    {
      key: 'wait',
      label: 'Insert → answer',
      sub: wholeSeconds ? 'NPC waits · ±1 s' : 'what the NPC waits',
      title: `What the NPC waits: response created_at − request created_at, newest answers of the last 60 s${wholeSeconds ? ' (the database keeps whole seconds)' : ''}`,
      value: stats.waitMs
    },
    {
      key: 'claim',
      label: 'Claim → answer',
      sub: 'this poller',
      title: 'This poller: from its claim to the committed answer (handler time included)',
      value: stats.latencyMs
    }
  ]
}

const StatusTiles = memo(function StatusTiles({
  counts,
  errored,
  active,
  http
}: {
  counts: RequestsStats['counts']
  errored: number
  active: AiRequestStatus[]
  http: HttpStatusFilter | ''
}) {
  const toggle = (status: AiRequestStatus): void => {
    setFilters({ statuses: active.includes(status) ? active.filter((s) => s !== status) : [...active, status] })
  }
  return (
    <div className="rq-tiles" role="group" aria-label="Requests by status (select to filter the table)">
      {AI_REQUEST_STATUSES.map((status) => (
        <button
          key={status}
          type="button"
          className={`rq-tile rq-st-${status}`}
          aria-pressed={active.includes(status)}
          onClick={() => toggle(status)}
          title={`Show only ${STATUS_LABEL[status].toLowerCase()} requests (toggle)`}
          data-testid={`rq-count-${status}`}
        >
          <span className="rq-tile-count rq-num">{formatCount(counts[status])}</span>
          <span className="rq-tile-label">
            <span className="rq-dot" aria-hidden="true" />
            {STATUS_LABEL[status]}
          </span>
        </button>
      ))}
      <button
        type="button"
        className="rq-tile rq-st-errored"
        aria-pressed={http === 'error'}
        onClick={() => setFilters({ http: http === 'error' ? '' : 'error' })}
        title="Answers that carry an HTTP error (400 or more): show only those (toggle)"
        data-testid="rq-count-errored"
      >
        <span className="rq-tile-count rq-num">{formatCount(errored)}</span>
        <span className="rq-tile-label">
          <span className="rq-dot" aria-hidden="true" />
          HTTP errors
        </span>
      </button>
    </div>
  )
})

/** Per-handler figures since this poller started (collapsible, closed by default). */
export const HandlersTable = memo(function HandlersTable({ stats }: { stats: RequestsStats }) {
  const { handlers, totals } = stats
  return (
    <details className="rq-handlers">
      <summary>
        Handlers <span className="rq-muted">({handlers.length})</span>
        <span className="rq-muted rq-small rq-totals">
          processed {formatCount(totals.processed)} · errors {formatPercent(stats.errorRate)} (60 s) · failed {formatCount(totals.failed)} · expired {formatCount(totals.expired)} · retried{' '}
          {formatCount(totals.retried)} · recovered {formatCount(totals.recovered)} · batches {formatCount(totals.batches)}
        </span>
      </summary>
      {handlers.length === 0 ? (
        <p className="rq-muted rq-pad">No request handled since the poller started.</p>
      ) : (
        <div className="rq-handlers-scroll">
        <table className="rq-htable">
          <caption className="rq-sr">Requests per handler since the poller started</caption>
          <thead>
            <tr>
              <th scope="col">Handler</th>
              <th scope="col" className="rq-r">Processed</th>
              <th scope="col" className="rq-r">Failed</th>
              <th scope="col" className="rq-r">Retried</th>
              <th scope="col" className="rq-r" title="Answers with HTTP 400 or more, and their share of the handler's answers">
                Errors
              </th>
              <th scope="col" className="rq-r" title="Template answers given because the AI service was down or refused (metadata.source = fallback)">
                Fallbacks
              </th>
              <th scope="col" className="rq-r">Rate /s</th>
              <th scope="col" className="rq-r">p50</th>
              <th scope="col" className="rq-r">p95</th>
              <th scope="col" className="rq-r">p99</th>
            </tr>
          </thead>
          <tbody>
            {handlers.map((h) => (
              <tr key={h.handler}>
                <th scope="row">{h.handler}</th>
                <td className="rq-r rq-num">{formatCount(h.processed)}</td>
                <td className="rq-r rq-num">{formatCount(h.failed)}</td>
                <td className="rq-r rq-num">{formatCount(h.retried)}</td>
                <td className={`rq-r rq-num${h.errored > 0 ? ' rq-warn' : ''}`} data-testid={`rq-handler-errors-${h.handler}`}>
                  {formatCount(h.errored)} <span className="rq-muted">({formatPercent(handlerErrorRate(h))})</span>
                </td>
                <td className={`rq-r rq-num${h.fallbacks > 0 ? ' rq-warn' : ''}`} data-testid={`rq-handler-fallbacks-${h.handler}`}>
                  {formatCount(h.fallbacks)}
                </td>
                <td className="rq-r rq-num">{formatRate(h.ratePerSecond)}</td>
                <td className="rq-r rq-num">{formatMs(h.latencyMs?.p50)}</td>
                <td className="rq-r rq-num">{formatMs(h.latencyMs?.p95)}</td>
                <td className="rq-r rq-num">{formatMs(h.latencyMs?.p99)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </details>
  )
})
