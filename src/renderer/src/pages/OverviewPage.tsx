/**
 * Overview: the host at a glance — version, mode, uptime (ticking locally between pushes), memory,
 * data folder — and one card per service with its state, detail, error and how long it has been so.
 * Live through the `app.status` event; when the connection is down it shows the last values, marked.
 */
import type { AppStatus, ServiceStatus } from '../../../shared/contract'
import { formatAgo, formatBytes, formatClock, formatDateTime, formatDuration } from '../components/format'
import { StateBadge } from '../components/StateBadge'
import { useNow } from '../components/use-now'
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
            <p className="stale-note">
              Not live: these are the values received at {formatClock(receivedAt)}.
            </p>
          ) : null}
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

function AppSummary({ status, receivedAt, live }: { status: AppStatus; receivedAt: number; live: boolean }): React.JSX.Element {
  return (
    <section aria-label="Application" className={`summary-grid${live ? '' : ' is-stale'}`}>
      <Stat label="Version" value={status.version} />
      <Stat
        label="Mode"
        value={status.mode === 'headless' ? 'Headless' : 'Desktop'}
        sub={status.mode === 'headless' ? 'no window; dashboard in a browser' : 'desktop app'}
      />
      <Stat
        label="Uptime"
        value={<Uptime base={status.uptimeSeconds} receivedAt={receivedAt} live={live} />}
        title={`Started ${formatDateTime(status.startedAt)}`}
      />
      <Stat label="Memory (RSS)" value={formatBytes(status.memory.rssBytes)} sub={`heap ${formatBytes(status.memory.heapUsedBytes)}`} />
      <Stat label="Process" value={`pid ${status.pid}`} sub={`${status.platform} · Node ${status.nodeVersion}`} />
      <Stat label="Data folder" value={<code className="path">{status.dataDir}</code>} wide />
    </section>
  )
}

function Uptime({ base, receivedAt, live }: { base: number; receivedAt: number; live: boolean }): React.JSX.Element {
  const now = useNow()
  const seconds = live ? base + Math.max(0, now - receivedAt) / 1000 : base
  return <span data-testid="uptime">{formatDuration(seconds)}</span>
}

function Stat({
  label,
  value,
  sub,
  title,
  wide
}: {
  label: string
  value: React.ReactNode
  sub?: string
  title?: string
  wide?: boolean
}): React.JSX.Element {
  return (
    <div className={`stat${wide ? ' stat--wide' : ''}`} title={title}>
      <div className="stat__label">{label}</div>
      <div className="stat__value">{value}</div>
      {sub ? <div className="stat__sub muted">{sub}</div> : null}
    </div>
  )
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
      <p className="service-card__since muted" title={formatDateTime(service.since)}>
        Since {formatClock(Date.parse(service.since))} ({formatAgo(service.since, now)})
      </p>
    </li>
  )
}
