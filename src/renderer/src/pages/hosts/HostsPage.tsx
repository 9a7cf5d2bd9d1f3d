/**
 * Hosts & Zones: the coordinator's host registry — which one it is (this WARP Host's embedded
 * registry or a remote coordinator), the address and API key players' hosts use, the monitoring
 * counters, the hosts (sortable) with their quality distribution, the zones (P2P on/off, edit
 * requirements) and the sessions (end one, after a confirmation). Live through the coordinator
 * store (refreshed every few seconds while shown).
 */
import { useEffect, useId, useState } from 'react'
import type { CoordinatorHost, CoordinatorInfo, CoordinatorSession, CoordinatorZone } from '../../../../shared/contract'
import { getClient } from '../../api/client'
import { formatAgo, formatDateTime } from '../../components/format'
import { OutcomeSlot } from '../../components/OutcomeSlot'
import { PageLoading, PageProblem } from '../../components/PageState'
import { Dialog } from '../../components/requests/Dialog'
import { formatAsOf } from '../../components/requests/health'
import { hrefFor } from '../../components/router'
import { StatCard } from '../../components/StatCard'
import { Badge, StateBadge, type Tone } from '../../components/StateBadge'
import { useNow } from '../../components/use-now'
import { useConnectionStore } from '../../stores/connection'
import {
  activateCoordinator,
  dismissCoordinatorOutcome,
  endSession,
  isOpenSession,
  orderSessions,
  qualityBucket,
  qualityDistribution,
  refreshCoordinator,
  setShowEnded,
  setZoneP2p,
  sortHosts,
  sortHostsBy,
  useCoordinatorStore,
  type HostSortKey,
  type RegistryLists
} from '../../stores/coordinator'
import { describeError } from '../../stores/requests-model'
import { ZoneRequirementsDialog } from './ZoneRequirementsDialog'
import '../../components/requests/requests.css'
import './hosts.css'

export function HostsPage(): React.JSX.Element {
  const phase = useCoordinatorStore((s) => s.phase)
  const info = useCoordinatorStore((s) => s.info)
  const lists = useCoordinatorStore((s) => s.lists)
  const listsError = useCoordinatorStore((s) => s.listsError)
  const error = useCoordinatorStore((s) => s.error)
  const loadedAt = useCoordinatorStore((s) => s.loadedAt)
  const live = useConnectionStore((s) => s.info.state === 'open')
  useEffect(() => activateCoordinator(getClient()), [])

  return (
    <div className="page hz-page">
      <header className="page__header">
        <h1>Hosts &amp; Zones</h1>
        <p className="muted">The coordinator’s host registry: the hosts players can join, the zones they serve and the sessions running now.</p>
      </header>
      {!live && loadedAt ? (
        <p className="stale-note" data-testid="hz-asof">
          Not live: the values below are {formatAsOf(loadedAt)}.
        </p>
      ) : null}
      {info ? (
        <div className={`hz-body${live ? '' : ' is-stale'}`}>
          <RegistryPanel info={info} />
          <Outcome />
          {lists ? (
            <Registry info={info} lists={lists} />
          ) : listsError ? (
            <PageProblem
              title={info.mode === 'remote' ? 'The remote coordinator cannot be browsed from here.' : 'The embedded registry is not available.'}
              message={describeError(listsError)}
              testId="hz-unavailable"
              bad={listsError.code !== 'unavailable'}
              role="status"
            >
              <p className="hz-hint">
                {info.mode === 'remote' ? (
                  <>
                    Its own monitoring dashboard is at <code>{info.url}/monitoring/dashboard</code>.
                  </>
                ) : (
                  <>
                    This page retries every few seconds. The registry’s address and port are in <a href={hrefFor('settings')}>Settings</a>.
                  </>
                )}
              </p>
            </PageProblem>
          ) : null}
        </div>
      ) : phase === 'error' && error ? (
        <PageProblem title="Could not load the host registry." message={describeError(error)} testId="hz-error" retry={{ className: 'hz-retry', onClick: () => void refreshCoordinator() }} />
      ) : (
        <PageLoading text="Loading the host registry…" waiting={!live} testId="hz-loading" />
      )}
    </div>
  )
}

// ---- which registry, its address and key ------------------------------------------------------

function RegistryPanel({ info }: { info: CoordinatorInfo }): React.JSX.Element {
  const [showKey, setShowKey] = useState(false)
  const embedded = info.mode === 'embedded'
  return (
    <section className="card hz-registry" aria-labelledby="hz-registry-heading" data-testid="hz-registry" data-mode={info.mode} data-state={info.state}>
      <div className="hz-registry__head">
        <h2 id="hz-registry-heading">{embedded ? 'Embedded registry' : 'Remote coordinator'}</h2>
        {isServiceState(info.state) ? <StateBadge state={info.state} /> : <Badge tone="idle">{info.state}</Badge>}
      </div>
      <p className="muted hz-registry__what">
        {embedded
          ? 'This WARP Host serves the coordinator’s REST API and signaling itself. Players’ hosts register here with the address and API key below.'
          : 'COORDINATOR_URL points at another coordinator; this host is its client.'}
      </p>
      <dl className="hz-registry__fields">
        <div>
          <dt>Address</dt>
          <dd>
            {info.url ? (
              <>
                <code data-testid="hz-url">{info.url}</code>
                <CopyButton text={info.url} label="address" />
              </>
            ) : (
              <span className="muted">{info.state === 'starting' ? 'not listening yet' : 'not listening'}</span>
            )}
          </dd>
        </div>
        {embedded ? (
          <div>
            <dt>API key</dt>
            <dd>
              {info.apiKey ? (
                <>
                  <code data-testid="hz-api-key" className="hz-key">
                    {showKey ? info.apiKey : maskKey(info.apiKey)}
                  </code>
                  <button type="button" className="button button--small button--quiet" onClick={() => setShowKey((v) => !v)} aria-pressed={showKey}>
                    {showKey ? 'Hide' : 'Show'}
                  </button>
                  <CopyButton text={info.apiKey} label="API key" />
                  <span className="muted hz-key-note">sent as the X-API-Key header</span>
                </>
              ) : (
                <span className="muted">created when the registry first starts</span>
              )}
            </dd>
          </div>
        ) : null}
      </dl>
    </section>
  )
}

function maskKey(key: string): string {
  return key.length <= 8 ? '••••••••' : `${key.slice(0, 4)}${'•'.repeat(12)}${key.slice(-4)}`
}

const SERVICE_STATES = new Set(['running', 'starting', 'stopping', 'stopped', 'disabled', 'reconnecting', 'error'])
function isServiceState(s: string): s is 'running' | 'starting' | 'stopping' | 'stopped' | 'disabled' | 'reconnecting' | 'error' {
  return SERVICE_STATES.has(s)
}

function CopyButton({ text, label }: { text: string; label: string }): React.JSX.Element {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  const copy = (): void => {
    const done = (ok: boolean): void => {
      setState(ok ? 'copied' : 'failed')
      setTimeout(() => setState('idle'), 1500)
    }
    if (!navigator.clipboard) return done(false)
    navigator.clipboard.writeText(text).then(
      () => done(true),
      () => done(false)
    )
  }
  return (
    <button type="button" className="button button--small" onClick={copy} aria-label={`Copy the ${label}`} data-testid={`hz-copy-${label.replace(/\s+/g, '-').toLowerCase()}`}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
    </button>
  )
}

function Outcome(): React.JSX.Element {
  const outcome = useCoordinatorStore((s) => s.outcome)
  return <OutcomeSlot testId="hz-outcome" outcome={outcome ? { tone: outcome.ok ? 'ok' : 'error', text: outcome.text } : null} onDismiss={dismissCoordinatorOutcome} />
}

// ---- counters, hosts, zones, sessions ---------------------------------------------------------

function Registry({ info, lists }: { info: CoordinatorInfo; lists: RegistryLists }): React.JSX.Element {
  return (
    <>
      <Counters info={info} lists={lists} />
      <div className="hz-hosts-row">
        <HostsSection hosts={lists.hosts} />
        {lists.hosts.length > 0 ? <QualityChart hosts={lists.hosts} /> : null}
      </div>
      <ZonesSection zones={lists.zones} />
      <SessionsSection sessions={lists.sessions} />
    </>
  )
}

function Counters({ info, lists }: { info: CoordinatorInfo; lists: RegistryLists }): React.JSX.Element {
  const c = info.counts
  const online = c?.hostsOnline ?? lists.hosts.filter((h) => h.status === 'online').length
  const total = c?.hostsTotal ?? lists.hosts.length
  const openSessions = lists.sessions.filter(isOpenSession).length
  return (
    <section aria-label="Monitoring counters" className="summary-grid hz-counters" data-testid="hz-counters">
      <StatCard compact label="Hosts online" value={`${online} / ${total}`} sub={`${total - online} offline, busy or in maintenance`} testId="hz-count-hosts" />
      <StatCard compact label="Average quality" value={c && online > 0 ? c.averageQualityScore.toFixed(1) : '—'} sub="of online hosts, 0–100" testId="hz-count-quality" />
      <StatCard compact label="Zones P2P" value={`${c?.zonesP2pEnabled ?? lists.zones.filter((z) => z.p2p_enabled).length} / ${c?.zonesTotal ?? lists.zones.length}`} sub="P2P-enabled of all zones" testId="hz-count-zones" />
      <StatCard compact label="Active sessions" value={String(c?.sessionsActive ?? 0)} sub={`${openSessions} open · ${c?.sessionsTotal ?? lists.sessions.length} in total`} testId="hz-count-sessions" />
      <StatCard compact label="Players" value={String(c?.playersInActiveSessions ?? 0)} sub="in active sessions" testId="hz-count-players" />
    </section>
  )
}

const HOST_STATUS_TONE: Record<CoordinatorHost['status'], Tone> = { online: 'ok', busy: 'busy', maintenance: 'busy', offline: 'idle' }
const SESSION_STATUS_TONE: Record<CoordinatorSession['status'], Tone> = { active: 'ok', pending: 'busy', paused: 'busy', ended: 'idle', failed: 'bad' }
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

const HOST_COLUMNS: { key: HostSortKey; label: string; className?: string }[] = [
  { key: 'name', label: 'Host' },
  { key: 'quality', label: 'Quality', className: 'hz-r' },
  { key: 'status', label: 'Status' },
  { key: 'players', label: 'Players', className: 'hz-r' },
  { key: 'zones', label: 'Zones', className: 'hz-r' },
  { key: 'heartbeat', label: 'Last heartbeat', className: 'hz-col-heartbeat' }
]

function HostsSection({ hosts }: { hosts: CoordinatorHost[] }): React.JSX.Element {
  const sort = useCoordinatorStore((s) => s.sort)
  const now = useNow()
  const rows = sortHosts(hosts, sort)
  return (
    <section className="hz-section hz-hosts" aria-labelledby="hz-hosts-heading">
      <h2 id="hz-hosts-heading">
        Hosts <span className="muted hz-count">{hosts.length}</span>
      </h2>
      {hosts.length === 0 ? (
        <div className="empty-state" data-testid="hz-hosts-empty">
          <p className="empty-state__title">No hosts have registered yet.</p>
          <p>A player’s WARP Host registers with <code>POST /api/v1/hosts/register</code> at the address above, with the API key as <code>X-API-Key</code>.</p>
        </div>
      ) : (
        <div className="hz-table-wrap">
          <table className="rq-htable hz-table" data-testid="hz-hosts">
            <thead>
              <tr>
                {HOST_COLUMNS.map((col) => {
                  const active = sort.key === col.key
                  return (
                    <th key={col.key} scope="col" className={col.className} aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                      <button type="button" className="hz-sort" onClick={() => sortHostsBy(col.key)} data-testid={`hz-sort-${col.key}`}>
                        {col.label}
                        <span aria-hidden="true" className="hz-sort__mark">
                          {active ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                        </span>
                      </button>
                    </th>
                  )
                })}
              </tr>
            </thead>
            <tbody>
              {rows.map((h) => (
                <tr key={h.host_id} data-host={h.host_id} data-status={h.status}>
                  <th scope="row" className="hz-host">
                    <span className="hz-host__name">{h.player_name}</span>
                    <span className="hz-host__id muted">
                      {h.host_id} · {h.ip_address}:{h.port}
                    </span>
                  </th>
                  <td className="hz-r">
                    <span className={`hz-quality hz-quality--${qualityBucket(h.quality_score)}`} data-testid="hz-quality">
                      {h.quality_score.toFixed(1)}
                    </span>
                  </td>
                  <td>
                    <Badge tone={HOST_STATUS_TONE[h.status]}>{cap(h.status)}</Badge>
                  </td>
                  <td className="hz-r">
                    {h.current_players} / {h.max_players}
                  </td>
                  <td className="hz-r">
                    {h.current_zones} / {h.max_zones}
                  </td>
                  <td className="hz-col-heartbeat muted" title={formatDateTime(h.last_heartbeat)}>
                    {formatAgo(h.last_heartbeat, now)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

/** Hosts per quality bucket: a small horizontal bar chart (SVG), online and other hosts stacked. */
function QualityChart({ hosts }: { hosts: CoordinatorHost[] }): React.JSX.Element {
  const buckets = qualityDistribution(hosts)
  const max = Math.max(1, ...buckets.map((b) => b.online + b.other))
  const titleId = useId()
  const W = 180
  const BAR_H = 16
  const GAP = 12
  return (
    <section className="card hz-section hz-chart" aria-labelledby={titleId} data-testid="hz-quality-chart">
      <h2 id={titleId}>Quality distribution</h2>
      <ul className="hz-chart__rows">
        {buckets.map((b) => {
          const online = (b.online / max) * W
          const other = (b.other / max) * W
          return (
            <li key={b.key} className="hz-chart__row" data-bucket={b.key} data-count={b.online + b.other}>
              <span className="hz-chart__label">
                {b.label} <span className="muted">{b.range}</span>
              </span>
              <svg className="hz-chart__bar" viewBox={`0 0 ${W} ${BAR_H}`} preserveAspectRatio="none" aria-hidden="true" style={{ height: BAR_H }}>
                <rect className="hz-chart__track" x={0} y={0} width={W} height={BAR_H} rx={3} />
                {online > 0 ? <rect className={`hz-chart__fill hz-quality-fill--${b.key}`} x={0} y={0} width={online} height={BAR_H} rx={3} /> : null}
                {other > 0 ? <rect className="hz-chart__fill hz-chart__fill--other" x={online} y={0} width={other} height={BAR_H} rx={3} /> : null}
              </svg>
              <span className="hz-chart__n">
                {b.online + b.other}
                <span className="sr-only"> hosts{b.other > 0 ? `, ${b.other} not online` : ''}</span>
              </span>
            </li>
          )
        })}
      </ul>
      <p className="muted hz-chart__legend" style={{ marginTop: GAP / 2 }}>
        <span className="hz-swatch hz-swatch--online" aria-hidden="true" /> online <span className="hz-swatch hz-chart__fill--other" aria-hidden="true" /> offline, busy or maintenance
      </p>
    </section>
  )
}

function ZonesSection({ zones }: { zones: CoordinatorZone[] }): React.JSX.Element {
  const busy = useCoordinatorStore((s) => s.busy)
  const [editing, setEditing] = useState<CoordinatorZone | null>(null)
  return (
    <section className="hz-section" aria-labelledby="hz-zones-heading">
      <h2 id="hz-zones-heading">
        Zones <span className="muted hz-count">{zones.length}</span>
      </h2>
      {zones.length === 0 ? (
        <div className="empty-state" data-testid="hz-zones-empty">
          <p className="empty-state__title">No zones yet.</p>
          <p>
            Zones are created with <code>POST /api/v1/zones/</code>, or by a host that hosts them (HOST_ZONES).
          </p>
        </div>
      ) : (
        <div className="hz-table-wrap">
          <table className="rq-htable hz-table" data-testid="hz-zones">
            <thead>
              <tr>
                <th scope="col">Zone</th>
                <th scope="col">P2P</th>
                <th scope="col" className="hz-r">
                  Priority
                </th>
                <th scope="col">Requirements</th>
                <th scope="col" className="hz-r">
                  Sessions
                </th>
                <th scope="col" className="hz-r hz-col-served">
                  Players served
                </th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {zones.map((z) => {
                const mine = busy?.id === z.zone_id
                return (
                  <tr key={z.zone_id} data-zone={z.zone_id} data-p2p={z.p2p_enabled ? 'on' : 'off'}>
                    <th scope="row" className="hz-host">
                      <span className="hz-host__name">{z.zone_display_name}</span>
                      <span className="hz-host__id muted">
                        {z.zone_id} · {z.map_name}
                        {z.status !== 'enabled' ? ` · ${z.status}` : ''}
                      </span>
                    </th>
                    <td>
                      <button
                        type="button"
                        className="button button--small toggle"
                        aria-pressed={z.p2p_enabled}
                        disabled={busy !== null}
                        onClick={() => void setZoneP2p(z.zone_id, !z.p2p_enabled)}
                        aria-label={`P2P for ${z.zone_display_name}: ${z.p2p_enabled ? 'on' : 'off'}`}
                        data-testid="hz-p2p"
                      >
                        {mine && busy?.kind === 'p2p' ? '…' : z.p2p_enabled ? 'On' : 'Off'}
                      </button>
                    </td>
                    <td className="hz-r">{z.p2p_priority}</td>
                    <td className="hz-req" data-testid="hz-req">
                      quality ≥ {z.min_host_quality_score} · ≥ {z.min_bandwidth_mbps} Mbps · ≤ {z.max_latency_ms} ms
                    </td>
                    <td className="hz-r" title={`${z.active_sessions} active of ${z.total_sessions}`}>
                      {z.active_sessions} / {z.total_sessions}
                    </td>
                    <td className="hz-r hz-col-served">{z.total_players_served}</td>
                    <td className="hz-actions">
                      <button type="button" className="button button--small" disabled={busy !== null} onClick={() => setEditing(z)} aria-label={`Edit the requirements of ${z.zone_display_name}`}>
                        Edit
                      </button>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      {editing ? <ZoneRequirementsDialog zone={editing} onClose={() => setEditing(null)} /> : null}
    </section>
  )
}

function SessionsSection({ sessions }: { sessions: CoordinatorSession[] }): React.JSX.Element {
  const showEnded = useCoordinatorStore((s) => s.showEnded)
  const busy = useCoordinatorStore((s) => s.busy)
  const now = useNow()
  const [ending, setEnding] = useState<CoordinatorSession | null>(null)
  const rows = orderSessions(sessions, showEnded)
  const closed = sessions.length - sessions.filter(isOpenSession).length
  return (
    <section className="hz-section" aria-labelledby="hz-sessions-heading">
      <div className="hz-section__head">
        <h2 id="hz-sessions-heading">
          Sessions <span className="muted hz-count">{rows.length}</span>
        </h2>
        <label className="field field--inline hz-show-ended">
          <input type="checkbox" className="checkbox" checked={showEnded} onChange={(e) => setShowEnded(e.target.checked)} />
          Show ended ({closed})
        </label>
      </div>
      {rows.length === 0 ? (
        <div className="empty-state" data-testid="hz-sessions-empty">
          <p className="empty-state__title">No open sessions.</p>
          <p>A host creates a session per zone it serves; players find it with <code>GET /api/v1/sessions/zone/&#123;zone_id&#125;/active</code>.</p>
        </div>
      ) : (
        <div className="hz-table-wrap">
          <table className="rq-htable hz-table" data-testid="hz-sessions">
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">Status</th>
                <th scope="col">Host · zone</th>
                <th scope="col">Players</th>
                <th scope="col" className="hz-col-started">
                  Started
                </th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => {
                const open = isOpenSession(s)
                return (
                  <tr key={s.session_id} data-session={s.session_id} data-status={s.status} className={open ? undefined : 'hz-ended'}>
                    <th scope="row" className="hz-mono">
                      {s.session_id}
                    </th>
                    <td>
                      <Badge tone={SESSION_STATUS_TONE[s.status]}>{cap(s.status)}</Badge>
                    </td>
                    <td>
                      {s.host_id} · {s.zone_id}
                    </td>
                    <td className="hz-players" title={s.connected_players.join(', ')}>
                      <strong>
                        {s.current_players} / {s.max_players}
                      </strong>{' '}
                      <span className="muted">{s.connected_players.join(', ')}</span>
                    </td>
                    <td className="muted hz-col-started" title={s.started_at ? formatDateTime(s.started_at) : formatDateTime(s.created_at)}>
                      {open ? (s.started_at ? formatAgo(s.started_at, now) : 'not yet') : s.ended_at ? `ended ${formatAgo(s.ended_at, now)}` : '—'}
                    </td>
                    <td className="hz-actions">
                      {open ? (
                        <button type="button" className="button button--small" disabled={busy !== null} onClick={() => setEnding(s)} aria-label={`End session ${s.session_id}`}>
                          End
                        </button>
                      ) : null}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      {ending ? <EndSessionDialog session={ending} onClose={() => setEnding(null)} /> : null}
    </section>
  )
}

function EndSessionDialog({ session, onClose }: { session: CoordinatorSession; onClose: () => void }): React.JSX.Element {
  const busy = useCoordinatorStore((s) => s.busy)
  const warnId = useId()
  const confirm = async (): Promise<void> => {
    if (await endSession(session.session_id)) onClose()
  }
  return (
    <Dialog title="End this session?" tone="danger" onClose={onClose} describedBy={warnId} testId="hz-end-dialog">
      <div className="rq-dialog-body">
        <p id={warnId}>
          Session <code>{session.session_id}</code> of host <strong>{session.host_id}</strong> in zone <strong>{session.zone_id}</strong> ends now
          {session.current_players === 1 ? '; its player leaves it' : session.current_players > 1 ? `; its ${session.current_players} players leave it` : ''}. This cannot be undone.
        </p>
        <div className="rq-dialog-foot">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button rq-danger" disabled={busy !== null} onClick={() => void confirm()}>
            {busy ? 'Ending…' : 'End session'}
          </button>
        </div>
      </div>
    </Dialog>
  )
}
