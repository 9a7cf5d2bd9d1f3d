/**
 * Requests: the NPC AI request queue, live. Poller line (backend, target, polling, in flight,
 * uptime), status tiles, rate sparkline and latency, per-handler figures, the AI service HTTP
 * client's figures per upstream (its own `metrics.http` fetch), filters, actions, the
 * virtualized table and the detail of the active request. States: loading, empty (how requests
 * arrive + "send a test request"), poller unavailable (the server's message + Settings link).
 *
 * This component subscribes to coarse flags only; each part reads its own slice of the requests
 * store, so a stats push re-renders the stats and a list refresh re-renders the changed rows.
 */
import { memo, useEffect, useState } from 'react'
import { getClient } from '../../api/client'
import { formatDuration } from '../../components/format'
import { ActionsBar, type OpenDialog } from '../../components/requests/ActionsBar'
import { formatCount } from '../../components/requests/format'
import { HttpMetricsPanel } from '../../components/requests/HttpMetricsPanel'
import { PurgeDialog } from '../../components/requests/PurgeDialog'
import { RequestDetailPanel } from '../../components/requests/RequestDetail'
import { RequestFilters } from '../../components/requests/RequestFilters'
import { RequestsTable } from '../../components/requests/RequestsTable'
import { ResetStuckDialog } from '../../components/requests/ResetStuckDialog'
import { HandlersTable, StatsPanel } from '../../components/requests/StatsPanel'
import { TestRequestDialog } from '../../components/requests/TestRequestDialog'
import { hrefFor } from '../../components/router'
import { useNow } from '../../components/use-now'
import { useConnectionStore } from '../../stores/connection'
import { formatAsOf, retryText } from '../../components/requests/health'
import { useStatusStore } from '../../stores/status'
import { activateRequests, applyFiltersFromHash, clearFilters, describeError, filtersActive, loadFirstPage, refreshStats, useRequestsStore } from '../../stores/requests'
import '../../components/requests/requests.css'

export function RequestsPage(): React.JSX.Element {
  const [dialog, setDialog] = useState<OpenDialog>(null)

  useEffect(() => {
    // A link from another page (`#/requests?status=pending`) opens the view it names.
    applyFiltersFromHash(window.location.hash)
    // Live while shown: events, reloads on reconnect, retries while the poller is unavailable.
    return activateRequests(getClient(), 'page')
  }, [])

  const live = useConnectionStore((s) => s.info.state === 'open')
  const hasStats = useRequestsStore((s) => s.stats !== null)
  const statsError = useRequestsStore((s) => s.statsError)
  const listState = useRequestsStore((s) => s.listState)
  const listError = useRequestsStore((s) => s.listError)
  const hasRows = useRequestsStore((s) => s.rows.length > 0)
  const filtering = useRequestsStore((s) => filtersActive(s.filters))
  const queueEmpty = useRequestsStore((s) => (s.stats ? Object.values(s.stats.counts).every((n) => n === 0) : true))

  const unavailable = live && (statsError?.code === 'unavailable' || (!hasStats && listError?.code === 'unavailable'))
  const loading = !unavailable && (!hasStats || (listState !== 'ready' && listState !== 'error')) && !hasRows && !statsError
  const empty = !unavailable && !loading && listState === 'ready' && !hasRows && !filtering && queueEmpty

  let body: React.JSX.Element
  if (unavailable) {
    body = <UnavailableState message={statsError?.message ?? listError?.message ?? 'The AI request poller is not running.'} />
  } else if (loading) {
    body = (
      <div className="empty-state rq-state" role="status" aria-busy="true" data-testid="rq-loading">
        <span className="rq-spinner" aria-hidden="true" />
        {live ? 'Loading the request queue…' : 'Waiting for the connection to WARP Host…'}
      </div>
    )
  } else {
    body = (
      <>
        <StatsPanel />
        <HandlersSection />
        <HttpMetricsPanel />
        {statsError && statsError.code !== 'unavailable' && (
          <p className="rq-alert rq-alert-error" role="alert">
            Could not load the queue figures: {describeError(statsError)}
          </p>
        )}
        {empty ? (
          <EmptyState onSendTest={() => setDialog('test')} />
        ) : (
          <>
            <RequestFilters />
            <ActionsBar onOpen={setDialog} />
            {listState === 'error' && listError ? (
              <div className="rq-alert rq-alert-error" role="alert">
                Could not load requests: {describeError(listError)}{' '}
                <button type="button" className="button button--small" onClick={() => void loadFirstPage()}>
                  Try again
                </button>
              </div>
            ) : (
              <div className="rq-main">
                {!hasRows && listState === 'ready' ? <NoMatches /> : <MemoTable />}
                <RequestDetailPanel />
              </div>
            )}
          </>
        )}
      </>
    )
  }

  return (
    <div className={`page page--fill rq-page${live ? '' : ' rq-stale'}`} data-testid="requests-page">
      <header className="page__header rq-header">
        <h1>Requests</h1>
        {!live && <AsOf />}
        <PollerLine />
        {!unavailable && (
          <button
            type="button"
            className="button button--primary rq-header-action"
            onClick={() => setDialog('test')}
            disabled={!live}
            title={live ? undefined : 'Not connected to WARP Host'}
          >
            Send test request
          </button>
        )}
      </header>
      {body}
      {dialog === 'purge' && <PurgeDialog onClose={() => setDialog(null)} />}
      {dialog === 'reset' && <ResetStuckDialog onClose={() => setDialog(null)} />}
      {dialog === 'test' && <TestRequestDialog onClose={() => setDialog(null)} />}
    </div>
  )
}

const MemoTable = memo(RequestsTable)

/** While disconnected: the figures and rows below are greyed and dated. */
function AsOf(): React.JSX.Element | null {
  const statsAt = useRequestsStore((s) => s.statsAt)
  const listAt = useRequestsStore((s) => s.listAt)
  const at = Math.max(statsAt ?? 0, listAt ?? 0)
  if (at === 0) return null
  return (
    <span className="rq-asof" role="status" data-testid="rq-asof">
      Not live · {formatAsOf(at)}
    </span>
  )
}

/** backend · target · polling · in flight · uptime (ticking between pushes). */
function PollerLine(): React.JSX.Element | null {
  const stats = useRequestsStore((s) => s.stats)
  const statsAt = useRequestsStore((s) => s.statsAt)
  const now = useNow()
  if (!stats || statsAt === null) return null
  const uptime = stats.polling ? stats.uptimeSeconds + Math.max(0, now - statsAt) / 1000 : stats.uptimeSeconds
  const s = stats.settings
  return (
    <p className="rq-poller" aria-label="Poller">
      <span className="rq-pill">{stats.backend === 'sqlite' ? 'SQLite' : 'MySQL'}</span>
      <code className="rq-target" title={stats.target}>
        {stats.target}
      </code>
      <span className={`rq-polling ${stats.polling ? 'rq-polling-on' : 'rq-polling-off'}`} data-testid="rq-polling">
        <span className="rq-dot" aria-hidden="true" />
        {stats.polling ? 'Polling' : 'Not polling'}
      </span>
      <a
        className={`rq-inflight${stats.counts.processing > stats.inFlight ? ' rq-inflight-more' : ''}`}
        href="#/requests?status=processing"
        title={
          `every ${s.intervalMs} ms · batch ${s.batchSize} · ${s.workerCount} workers · ${s.maxRetries} retries. ` +
          (stats.counts.processing > stats.inFlight
            ? 'More rows are processing than this poller holds: other pollers hold them, or they are stuck (see the Waited column).'
            : 'Every processing row is held by this poller.')
        }
        data-testid="rq-inflight"
      >
        {formatCount(stats.counts.processing)} processing, {formatCount(stats.inFlight)} in flight here
      </a>
      <span>up {formatDuration(uptime)}</span>
    </p>
  )
}

function HandlersSection(): React.JSX.Element | null {
  const stats = useRequestsStore((s) => s.stats)
  return stats ? <HandlersTable stats={stats} /> : null
}

function UnavailableState({ message }: { message: string }): React.JSX.Element {
  const poller = useStatusStore((s) => s.status?.services.find((x) => x.name === 'ai-ipc'))
  const now = useNow()
  const retry = poller && poller.state === 'reconnecting' ? retryText(poller, now) : null
  return (
    <section className="empty-state empty-state--bad rq-state rq-state-error" role="alert" data-testid="rq-unavailable">
      <p className="empty-state__title">The AI request poller is unavailable</p>
      <p className="rq-server-msg">{message}</p>
      {retry ? (
        <p className="rq-retry" data-testid="rq-unavailable-retry">
          The poller is {retry}.
        </p>
      ) : null}
      <p className="muted">
        Check the database and polling settings (the poller may be switched off, or its database unreachable) and test the connection there. This page
        tries again every few seconds.
      </p>
      <p className="rq-state-actions">
        <a className="button" href={hrefFor('settings')}>
          Open Settings
        </a>
        <button type="button" className="button button--quiet" onClick={() => void refreshStats()}>
          Try again now
        </button>
      </p>
    </section>
  )
}

function EmptyState({ onSendTest }: { onSendTest: () => void }): React.JSX.Element {
  const stats = useRequestsStore((s) => s.stats)
  return (
    <section className="empty-state rq-state rq-empty" aria-labelledby="rq-empty-title" data-testid="rq-empty">
      <p className="empty-state__title" id="rq-empty-title">
        No AI requests yet
      </p>
      <p>
        Requests arrive from the game: rAthena’s NPC scripts (<code>ai_db_request</code>, <code>ai_npc_dialogue</code>, <code>httpget</code>, …) insert
        rows into <code>ai_requests</code>
        {stats ? (
          <>
            {' '}
            in the {stats.backend === 'sqlite' ? 'SQLite' : 'MySQL'} queue at <code>{stats.target}</code>
          </>
        ) : null}
        . The poller claims each one, runs its handler and writes the answer to <code>ai_responses</code>, where the script picks it up.
      </p>
      <p className="muted">Point the map-server at this database, or send a test request to watch one go through.</p>
      <p className="rq-state-actions">
        <button type="button" className="button button--primary" onClick={onSendTest}>
          Send a test request
        </button>
      </p>
    </section>
  )
}

function NoMatches(): React.JSX.Element {
  return (
    <div className="empty-state rq-nomatch" data-testid="rq-nomatch">
      <p>No requests match these filters.</p>
      <button type="button" className="button button--small" onClick={clearFilters}>
        Clear filters
      </button>
    </div>
  )
}
