/**
 * Overview: the host at a glance — the AI request queue's health (pending, oldest pending row,
 * rate, error rate, AI service reachability, last error; each a link to the matching Requests
 * view), peer hosting (hosting / paused / not configured, sessions, players, in/out rate; a link
 * to the Sessions page), version, mode, uptime (ticking locally between pushes), memory, data folder — and one
 * card per service with its state, detail, error (with its retry countdown) and how long it has
 * been so. Live through the `app.status` and `requests.stats` events; when the connection is down
 * it shows the last values, greyed and dated.
 */
import { useEffect } from 'react'
import type { AppStatus, RequestsStats, ServiceStatus } from '../../../shared/contract'
import { getClient } from '../api/client'
import { formatAgo, formatBytes, formatDateTime, formatDuration } from '../components/format'
import { formatCount, formatMs, formatRate } from '../components/requests/format'
import { formatAsOf, formatPercent, retryText } from '../components/requests/health'
import { probeSavedAiService, useAiServiceStore } from '../stores/ai-service'
import { activateHosting, hostingSummary, useHostingStore } from '../stores/hosting'
import { activateRequests, requestsHref, useRequestsStore } from '../stores/requests'
import { LatencyTable } from '../components/LatencyTable'
import { latencyRows } from '../components/requests/StatsPanel'
import { StatCard, type StatTone } from '../components/StatCard'
import { Badge, StateBadge } from '../components/StateBadge'
import { useNow } from '../components/use-now'
import { hrefFor } from '../components/router'
import { useConnectionStore } from '../stores/connection'
import { useStatusStore } from '../stores/status'
import './overview.css'

export function OverviewPage(): React.JSX.Element {
  const status = useStatusStore((s) => s.status)
  const receivedAt = useStatusStore((s) => s.receivedAt)
  const error = useStatusStore((s) => s.error)
  const live = useConnectionStore((s) => s.info.state === 'open')

  return (
    <div className="page">
      <header className="page__header">
        <h1>Overview</h1>
        <p className="muted">What this host is running right now.</p>
      </header>
      {status && receivedAt ? (
        <>
          {!live ? (
            <p className="stale-note" data-testid="overview-asof">
              Not live: the values below are {formatAsOf(receivedAt)}.
            </p>
          ) : null}
          <QueueHealth live={live} />
          <HostingCard live={live} />
          <AppSummary status={status} receivedAt={receivedAt} live={live} />
          <section aria-labelledby="services-heading" className={`overview__services${live ? '' : ' is-stale'}`}>
            <h2 id="services-heading">Services</h2>
            {status.services.length === 0 ? (
              <p className="empty-state">No services are configured.</p>
            ) : (
              <ul className="service-grid">
                {status.services.map((s) => (
                  <ServiceCard key={s.name} service={s} />
                ))}
              </ul>
            )}
          </section>
        </>
      ) : error ? (
        <div className="empty-state empty-state--bad" role="alert">
          <p className="empty-state__title">Could not load the host’s status.</p>
          <p>{error}</p>
        </div>
      ) : (
        <p className="empty-state">{live ? 'Loading status…' : 'Waiting for the connection to WARP Host…'}</p>
      )}
    </div>
  )
}

/** How often the Overview probes the AI service while shown. */
const AI_PROBE_EVERY_MS = 30_000

/** The queue's health at a glance; every figure links to the Requests view that explains it. */
function QueueHealth({ live }: { live: boolean }): React.JSX.Element {
  const stats = useRequestsStore((s) => s.stats)
  const statsAt = useRequestsStore((s) => s.statsAt)
  const statsError = useRequestsStore((s) => s.statsError)
  // The queue figures stay live while shown (events; retried while the poller is unavailable).
  useEffect(() => activateRequests(getClient(), 'stats'), [])
  useEffect(() => {
    if (!live) return
    const client = getClient()
    void probeSavedAiService(client)
    const probe = setInterval(() => void probeSavedAiService(client), AI_PROBE_EVERY_MS)
    return () => clearInterval(probe)
  }, [live])
  return (
    <section aria-labelledby="queue-health-heading" className={`queue-health${live ? '' : ' is-stale'}`} data-testid="queue-health">
      <div className="queue-health__head">
        <h2 id="queue-health-heading">AI request queue</h2>
        {!live && statsAt ? <span className="muted">{formatAsOf(statsAt)}</span> : null}
        <a href={requestsHref()} className="queue-health__all">
          Open Requests →
        </a>
      </div>
      {stats ? (
        <QueueFigures stats={stats} />
      ) : statsError ? (
        <StatCard label="Poller" value="Unavailable" sub={statsError.message} title={statsError.message} tone="bad" href={requestsHref()} testId="health-unavailable" />
      ) : (
        <p className="muted">Loading the queue figures…</p>
      )}
    </section>
  )
}

function QueueFigures({ stats }: { stats: RequestsStats }): React.JSX.Element {
  const now = useNow()
  const ai = useAiServiceStore((s) => s.saved)
  const aiError = useAiServiceStore((s) => s.error)
  const oldest = stats.counts.pending > 0 && stats.oldestPendingAt ? Date.parse(stats.oldestPendingAt) : null
  const oldestAge = oldest !== null && Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1000) : null
  const stuckish = stats.counts.processing > stats.inFlight
  const err = stats.lastError
  return (
    <div className="health-grid">
      <HealthItem
        label="Pending"
        value={formatCount(stats.counts.pending)}
        sub={oldestAge === null ? 'nothing waiting' : `oldest waits ${formatDuration(oldestAge)}`}
        tone={oldestAge !== null && oldestAge > 30 ? 'warn' : undefined}
        href={requestsHref({ statuses: ['pending'] })}
        testId="health-pending"
      />
      <HealthItem
        label="Processing"
        value={formatCount(stats.counts.processing)}
        sub={`${formatCount(stats.inFlight)} in flight here${stuckish ? ' · others held elsewhere or stuck' : ''}`}
        tone={stuckish ? 'warn' : undefined}
        href={requestsHref({ statuses: ['processing'] })}
        testId="health-processing"
      />
      <HealthItem
        label="Rate"
        value={`${formatRate(stats.ratePerSecond)}/s`}
        sub={stats.waitMs ? `NPC waits p50 ${formatMs(stats.waitMs.p50)} · p95 ${formatMs(stats.waitMs.p95)}` : 'answers per second, 10 s'}
        href={requestsHref()}
        testId="health-rate"
      />
      <HealthItem
        label="Error rate"
        value={formatPercent(stats.errorRate)}
        sub={`last 60 s · ${formatCount(stats.errored)} errored, ${formatCount(stats.counts.failed)} failed in the table`}
        tone={stats.errorRate !== null && stats.errorRate > 0 ? 'warn' : undefined}
        href={requestsHref({ http: 'error' })}
        testId="health-errors"
      />
      <HealthItem
        label="AI service"
        value={ai ? (ai.ok ? 'Reachable' : ai.status === 'error' || ai.status === 'timeout' ? 'Unreachable' : `HTTP ${ai.statusCode ?? '?'}`) : aiError ? 'Unknown' : 'Checking…'}
        sub={ai ? (ai.ok ? `${ai.url} · ${formatMs(ai.responseTimeMs)}` : ai.message) : (aiError ?? 'probing <base_url>/health')}
        tone={ai && !ai.ok ? 'bad' : undefined}
        href={requestsHref({ type: 'ai_npc_dialogue' })}
        testId="health-ai"
      />
      <HealthItem
        label="Last error"
        value={err ? `HTTP ${err.httpStatus}` : 'None'}
        sub={err ? `#${err.id} · ${err.handler} · ${formatAgo(err.at, now)}: ${err.message}` : 'no error answer since the poller started'}
        tone={err ? 'warn' : undefined}
        href={err && err.id > 0 ? requestsHref({ id: String(err.id) }) : requestsHref({ http: 'error' })}
        testId="health-last-error"
      />
      <StatCard wide label="Latency" note="last 60 s" className="health-latency" testId="health-latency">
        <LatencyTable rows={latencyRows(stats)} />
      </StatCard>
    </div>
  )
}

/** Peer hosting at a glance: its state, sessions, players and traffic; each figure links to Sessions. */
function HostingCard({ live }: { live: boolean }): React.JSX.Element {
  const snapshot = useHostingStore((s) => s.snapshot)
  const error = useHostingStore((s) => s.error)
  const loadedAt = useHostingStore((s) => s.loadedAt)
  useEffect(() => activateHosting(getClient()), [])
  const summary = hostingSummary(snapshot, error ? error.message : null)
  const href = hrefFor('sessions')
  const behind = summary.backlogZones.length > 0
  const tone: StatTone = summary.kind === 'unavailable' ? 'bad' : summary.kind === 'hosting' && !behind ? 'ok' : 'warn'
  const showFigures = summary.kind === 'hosting' || summary.kind === 'paused' || summary.kind === 'waiting'
  return (
    <section aria-labelledby="hosting-heading" className={`queue-health${live ? '' : ' is-stale'}`} data-testid="hosting-card" data-state={summary.kind}>
      <div className="queue-health__head">
        <h2 id="hosting-heading">Peer hosting</h2>
        <Badge tone={summary.tone}>{summary.label}</Badge>
        {!live && loadedAt ? <span className="muted">{formatAsOf(loadedAt)}</span> : null}
        <a href={href} className="queue-health__all">
          Open Sessions →
        </a>
      </div>
      {showFigures ? (
        <div className="health-grid">
          <StatCard
            label="Sessions"
            value={formatCount(summary.sessions)}
            sub={summary.kind === 'hosting' && summary.zones.length > 0 ? `zone${summary.zones.length === 1 ? '' : 's'} ${summary.zones.join(', ')}` : summary.detail}
            title={summary.detail}
            tone={tone}
            href={href}
            testId="hosting-sessions"
          />
          <StatCard
            label="Players"
            value={`${formatCount(summary.players)} / ${formatCount(summary.capacity)}`}
            sub={summary.kind === 'paused' ? 'joiners refused while paused' : 'connected of the sessions’ seats'}
            tone={tone}
            href={href}
            testId="hosting-players"
          />
          <StatCard
            label="In / out"
            value={`${formatRate(summary.inPerSecond)} · ${formatRate(summary.outPerSecond)}/s`}
            sub={behind ? `relay backlog in ${summary.backlogZones.join(', ')}: packets dropped` : `${formatBytes(summary.bytesIn)} received · ${formatBytes(summary.bytesOut)} relayed`}
            tone={tone}
            href={href}
            testId="hosting-rate"
          />
        </div>
      ) : (
        <StatCard
          label={summary.kind === 'not-configured' ? 'Zones' : summary.kind === 'unavailable' ? 'Service' : 'Sessions'}
          value={summary.kind === 'not-configured' ? 'None configured' : summary.kind === 'unavailable' ? 'Not running' : '…'}
          sub={summary.detail}
          title={summary.detail}
          tone={summary.kind === 'unavailable' ? 'bad' : undefined}
          href={href}
          testId="hosting-status"
        />
      )}
    </section>
  )
}

/** A queue figure: a card that links to the Requests view explaining it (green stripe unless warned). */
function HealthItem({ sub, tone, ...rest }: { label: string; value: string; sub: string; tone?: StatTone | undefined; href: string; testId: string }): React.JSX.Element {
  return <StatCard {...rest} sub={sub} title={sub} tone={tone ?? 'ok'} />
}

function AppSummary({ status, receivedAt, live }: { status: AppStatus; receivedAt: number; live: boolean }): React.JSX.Element {
  return (
    <section aria-label="Application" className={`summary-grid${live ? '' : ' is-stale'}`}>
      <StatCard label="Version" value={status.version} />
      <StatCard
        label="Mode"
        value={status.mode === 'headless' ? 'Headless' : 'Desktop'}
        sub={status.mode === 'headless' ? 'no window; dashboard in a browser' : 'desktop app'}
      />
      <StatCard
        label="Uptime"
        value={<Uptime base={status.uptimeSeconds} receivedAt={receivedAt} live={live} />}
        title={`Started ${formatDateTime(status.startedAt)}`}
      />
      <StatCard label="Memory (RSS)" value={formatBytes(status.memory.rssBytes)} sub={`heap ${formatBytes(status.memory.heapUsedBytes)}`} />
      <StatCard label="Process" value={`pid ${status.pid}`} sub={`${status.platform} · Node ${status.nodeVersion}`} />
      <StatCard label="Data folder" value={<code className="path">{status.dataDir}</code>} wide />
    </section>
  )
}

function Uptime({ base, receivedAt, live }: { base: number; receivedAt: number; live: boolean }): React.JSX.Element {
  const now = useNow()
  const seconds = live ? base + Math.max(0, now - receivedAt) / 1000 : base
  return <span data-testid="uptime">{formatDuration(seconds)}</span>
}

/** 13:05:09 (24-hour) for an ISO time. */
function formatClockShort(iso: string): string {
  return formatAsOf(Date.parse(iso)).replace(/^as of /, '')
}

function ServiceCard({ service }: { service: ServiceStatus }): React.JSX.Element {
  const now = useNow()
  const headingId = `service-${service.name}`
  return (
    <li className={`card service-card service-card--${service.state}`} aria-labelledby={headingId} data-service={service.name}>
      <div className="service-card__head">
        <h3 id={headingId}>{service.label}</h3>
        <StateBadge state={service.state} />
      </div>
      <div className="service-card__name muted">
        <code>{service.name}</code>
      </div>
      {service.detail ? <p className="service-card__detail">{service.detail}</p> : null}
      {service.error ? (
        <p className="service-card__error">
          <strong>Error:</strong> {service.error}
        </p>
      ) : null}
      {service.state === 'reconnecting' && retryText(service, now) ? (
        <p className="service-card__retry" data-testid={`retry-${service.name}`}>
          {retryText(service, now)}
        </p>
      ) : null}
      <p className="service-card__since muted" title={formatDateTime(service.since)}>
        Since {formatClockShort(service.since)} ({formatAgo(service.since, now)})
      </p>
    </li>
  )
}
