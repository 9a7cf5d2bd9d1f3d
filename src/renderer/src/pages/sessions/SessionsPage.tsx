/**
 * Sessions: the zone sessions this host serves over WebRTC and their players — each session's
 * state, players against its maximum, refusals and traffic, and each player's state, RTT (p50 /
 * p95), rates, bytes, drops, send buffer and how long it has been connected. The operator kicks a
 * player (after a confirmation, with the reason the player is told), sends a notice (to everyone,
 * a session or one player; the page shows how many acknowledged it) and pauses or resumes hosting.
 * Live through the hosting store (`hosting.changed` pushes); explains how to start hosting when no
 * zone is configured, and says so when the hosting service is not running.
 */
import { useEffect, useState } from 'react'
import type { HostedPeer, HostedSession, HostingSnapshot } from '../../../../shared/contract'
import { getClient } from '../../api/client'
import { formatAgo, formatBytes, formatDateTime, formatDuration } from '../../components/format'
import { OutcomeSlot } from '../../components/OutcomeSlot'
import { PageLoading, PageProblem } from '../../components/PageState'
import { formatCount, formatRate } from '../../components/requests/format'
import { formatAsOf } from '../../components/requests/health'
import { hrefFor } from '../../components/router'
import { StatCard } from '../../components/StatCard'
import { Badge, StateBadge } from '../../components/StateBadge'
import { useNow } from '../../components/use-now'
import { useConnectionStore } from '../../stores/connection'
import {
  activateHosting,
  dismissHostingOutcome,
  formatRtt,
  hostingSummary,
  orderPeers,
  orderSessions,
  PEER_STATE,
  refreshHosting,
  resumeHosting,
  SESSION_STATE,
  useHostingStore
} from '../../stores/hosting'
import { describeError } from '../../stores/requests-model'
import { useStatusStore } from '../../stores/status'
import { KickDialog, NoticeDialog, PauseDialog } from './SessionDialogs'
import '../../components/requests/requests.css'
import './sessions.css'

type OpenDialog =
  | { kind: 'kick'; session: HostedSession; peerId: string }
  | { kind: 'notice'; sessionId?: string; zoneId?: string; peerId?: string }
  | { kind: 'pause' }
  | null

export function SessionsPage(): React.JSX.Element {
  const phase = useHostingStore((s) => s.phase)
  const snapshot = useHostingStore((s) => s.snapshot)
  const error = useHostingStore((s) => s.error)
  const loadedAt = useHostingStore((s) => s.loadedAt)
  const live = useConnectionStore((s) => s.info.state === 'open')
  const [dialog, setDialog] = useState<OpenDialog>(null)
  useEffect(() => activateHosting(getClient()), [])

  return (
    <div className="page ss-page">
      <header className="page__header">
        <h1>Sessions</h1>
        <p className="muted">The zone sessions this host serves to other players, and the players connected to them.</p>
      </header>
      {!live && loadedAt && snapshot ? (
        <p className="stale-note" data-testid="ss-asof">
          Not live: the values below are {formatAsOf(loadedAt)}.
        </p>
      ) : null}
      {snapshot ? (
        <div className={`ss-body${live ? '' : ' is-stale'}`} data-testid="ss-body" data-configured={snapshot.configured} data-paused={snapshot.paused}>
          {snapshot.configured ? (
            <>
              <HostingPanel snapshot={snapshot} onPause={() => setDialog({ kind: 'pause' })} onNoticeAll={() => setDialog({ kind: 'notice' })} />
              <Outcome />
              <Counters snapshot={snapshot} />
              <SessionList snapshot={snapshot} open={setDialog} />
            </>
          ) : (
            <NotConfigured />
          )}
        </div>
      ) : phase === 'unavailable' && error ? (
        <Unavailable message={describeError(error)} />
      ) : phase === 'error' && error ? (
        <PageProblem title="Could not load the hosted sessions." message={describeError(error)} testId="ss-error" retry={{ className: 'ss-retry', onClick: () => void refreshHosting() }} />
      ) : (
        <PageLoading text="Loading the hosted sessions…" waiting={!live} testId="ss-loading" />
      )}
      {dialog?.kind === 'kick' ? (
        <KickDialog sessionId={dialog.session.sessionId} zoneId={dialog.session.zoneId} peerId={dialog.peerId} onClose={() => setDialog(null)} />
      ) : dialog?.kind === 'notice' ? (
        <NoticeDialog target={{ sessionId: dialog.sessionId, zoneId: dialog.zoneId, peerId: dialog.peerId }} onClose={() => setDialog(null)} />
      ) : dialog?.kind === 'pause' ? (
        <PauseDialog players={snapshot?.players ?? 0} onClose={() => setDialog(null)} />
      ) : null}
    </div>
  )
}

// ---- states without sessions ------------------------------------------------------------------

function NotConfigured(): React.JSX.Element {
  return (
    <div className="empty-state" data-testid="ss-not-configured">
      <p className="empty-state__title">This host is not hosting any zone.</p>
      <p>
        To serve zone sessions to other players, add the zone ids in <a href={hrefFor('settings')}>Settings</a> → Hosting → <strong>Zones</strong> (for example{' '}
        <code>prontera, geffen</code>), or start WARP Host with <code>HOST_ZONES=prontera,geffen</code>.
      </p>
      <p className="ss-hint">The coordinator then opens one session per zone, and players who join it appear here.</p>
    </div>
  )
}

function Unavailable({ message }: { message: string }): React.JSX.Element {
  const service = useStatusStore((s) => s.status?.services.find((x) => x.name === 'hosting') ?? null)
  const retryAt = useHostingStore((s) => s.retryAt)
  const now = useNow()
  return (
    <PageProblem title="Peer hosting is not running." message={message} testId="ss-unavailable" role="status" retry={{ className: 'ss-retry', onClick: () => void refreshHosting() }}>
      {service ? (
        <p className="ss-service">
          Service <code>{service.name}</code>: <StateBadge state={service.state} />
          {service.error ? <span> {service.error}</span> : service.detail ? <span className="muted"> {service.detail}</span> : null}
        </p>
      ) : null}
      <p className="ss-hint">
        {retryAt !== null ? `Retrying in ${formatDuration(Math.max(0, (retryAt - now) / 1000))}. ` : ''}Its state and errors are on the <a href={hrefFor('overview')}>Overview</a>; the{' '}
        <a href={hrefFor('logs')}>Logs</a> say why it stopped.
      </p>
    </PageProblem>
  )
}

// ---- hosting: state, pause / resume, notice to all --------------------------------------------

function HostingPanel({ snapshot, onPause, onNoticeAll }: { snapshot: HostingSnapshot; onPause: () => void; onNoticeAll: () => void }): React.JSX.Element {
  const busy = useHostingStore((s) => s.busy)
  const summary = hostingSummary(snapshot)
  return (
    <section className="card ss-hosting" aria-labelledby="ss-hosting-heading" data-testid="ss-hosting" data-state={summary.kind} data-behind={summary.backlogZones.length > 0 || undefined}>
      <div className="ss-hosting__text">
        <div className="ss-hosting__head">
          <h2 id="ss-hosting-heading">Hosting</h2>
          <Badge tone={summary.tone}>{summary.label}</Badge>
        </div>
        <p className="muted ss-hosting__detail" data-testid="ss-hosting-detail">
          {snapshot.paused ? (
            <>
              Paused{snapshot.pausedReason ? <> — <q>{snapshot.pausedReason}</q></> : null}: new players are refused; connected players stay.
            </>
          ) : summary.kind === 'waiting' ? (
            <>No session is open yet.</>
          ) : summary.backlogZones.length > 0 ? (
            <>Relay backlog in {summary.backlogZones.join(', ')}: packets are dropped and joiners refused until it catches up.</>
          ) : (
            <>Players may join every session below.</>
          )}{' '}
          Relay tick {snapshot.tickMs} ms · at most {snapshot.maxPlayers} players per session.
        </p>
      </div>
      <div className="ss-hosting__actions">
        <button type="button" className="button" onClick={onNoticeAll} disabled={busy !== null || snapshot.players === 0} aria-label="Send a notice to all players">
          Notice to all
        </button>
        {snapshot.paused ? (
          <button type="button" className="button button--primary" disabled={busy !== null} onClick={() => void resumeHosting()} data-testid="ss-resume">
            {busy?.kind === 'resume' ? 'Resuming…' : 'Resume hosting'}
          </button>
        ) : (
          <button type="button" className="button" disabled={busy !== null} onClick={onPause} data-testid="ss-pause">
            Pause hosting
          </button>
        )}
      </div>
    </section>
  )
}

function Outcome(): React.JSX.Element {
  const outcome = useHostingStore((s) => s.outcome)
  return <OutcomeSlot testId="ss-outcome" outcome={outcome} onDismiss={dismissHostingOutcome} />
}

function Counters({ snapshot }: { snapshot: HostingSnapshot }): React.JSX.Element {
  const s = hostingSummary(snapshot)
  const refused = snapshot.sessions.reduce((a, x) => a + x.refused, 0)
  return (
    <section aria-label="Hosting figures" className="summary-grid ss-counters" data-testid="ss-counters">
      <StatCard compact label="Sessions" value={formatCount(s.sessions)} sub={s.zones.length > 0 ? `zone${s.zones.length === 1 ? '' : 's'} ${s.zones.join(', ')}` : 'none open yet'} testId="ss-count-sessions" />
      <StatCard compact label="Players" value={`${formatCount(s.players)} / ${formatCount(s.capacity)}`} sub={`${formatCount(refused)} refused`} testId="ss-count-players" />
      <StatCard compact label="In" value={`${formatRate(s.inPerSecond)}/s`} sub={`${formatBytes(s.bytesIn)} received`} testId="ss-count-in" />
      <StatCard compact label="Out" value={`${formatRate(s.outPerSecond)}/s`} sub={`${formatBytes(s.bytesOut)} relayed`} testId="ss-count-out" />
    </section>
  )
}

// ---- sessions and their peers -------------------------------------------------------------------

function SessionList({ snapshot, open }: { snapshot: HostingSnapshot; open: (d: OpenDialog) => void }): React.JSX.Element {
  const coordinator = useStatusStore((s) => s.status?.services.find((x) => x.name === 'coordinator') ?? null)
  if (snapshot.sessions.length === 0) {
    const down = coordinator !== null && coordinator.state !== 'running' && coordinator.state !== 'starting'
    return (
      <div className="empty-state" data-testid="ss-waiting">
        <p className="empty-state__title">No session is open yet.</p>
        <p>The coordinator opens one session per zone this host serves; it appears here as soon as it does.</p>
        {down && coordinator ? (
          <p className="ss-service" data-testid="ss-coordinator-down">
            {coordinator.label}: <StateBadge state={coordinator.state} />
            {coordinator.error ? <span>{coordinator.error}</span> : null}
            <a href={hrefFor('hosts')}>Open Hosts</a>
          </p>
        ) : null}
      </div>
    )
  }
  return (
    <>
      {orderSessions(snapshot.sessions).map((s) => (
        <SessionCard key={s.sessionId} session={s} open={open} />
      ))}
    </>
  )
}

function SessionCard({ session: s, open }: { session: HostedSession; open: (d: OpenDialog) => void }): React.JSX.Element {
  const busy = useHostingStore((st) => st.busy)
  const now = useNow()
  const state = SESSION_STATE[s.state]
  const headingId = `ss-session-${s.sessionId}`
  const full = s.players >= s.maxPlayers
  return (
    <section className="card ss-session" aria-labelledby={headingId} data-testid="ss-session" data-session={s.sessionId} data-state={s.state} data-players={s.players}>
      <div className="ss-session__head">
        <h2 id={headingId}>
          <span className="ss-session__zone">{s.zoneId}</span>{' '}
          <span className="ss-session__id muted" title="Session id">
            {s.sessionId}
          </span>
        </h2>
        <Badge tone={state.tone}>{state.text}</Badge>
        <button
          type="button"
          className="button button--small ss-session__notice"
          disabled={busy !== null || s.players === 0}
          onClick={() => open({ kind: 'notice', sessionId: s.sessionId, zoneId: s.zoneId })}
          aria-label={`Send notice to every player of zone ${s.zoneId}`}
        >
          Send notice
        </button>
      </div>
      <dl className="ss-figures" data-testid="ss-session-figures">
        <div>
          <dt>Players</dt>
          <dd data-testid="ss-session-players" className={full ? 'ss-full' : undefined}>
            {formatCount(s.players)} / {formatCount(s.maxPlayers)}
            {full ? <span className="ss-full__tag"> full</span> : null}
          </dd>
        </div>
        <div>
          <dt>Refused</dt>
          <dd data-testid="ss-session-refused">{formatCount(s.refused)}</dd>
        </div>
        <div>
          <dt>In / out</dt>
          <dd data-testid="ss-session-rate">
            {formatRate(s.inPerSecond)}/s · {formatRate(s.outPerSecond)}/s
          </dd>
        </div>
        <div>
          <dt>Data in / out</dt>
          <dd data-testid="ss-session-bytes">
            {formatBytes(s.bytesIn)} · {formatBytes(s.bytesOut)}
          </dd>
        </div>
        <div>
          <dt>Packets in / out</dt>
          <dd data-testid="ss-session-packets">
            {formatCount(s.packetsIn)} · {formatCount(s.packetsOut)}
          </dd>
        </div>
        {s.dropped > 0 ? (
          <div>
            <dt>Dropped</dt>
            <dd className="ss-warn">{formatCount(s.dropped)}</dd>
          </div>
        ) : null}
        <div>
          <dt>Open since</dt>
          <dd title={formatDateTime(s.since)}>{formatAgo(s.since, now)}</dd>
        </div>
      </dl>
      {s.backlog ? (
        <p className="ss-backlog" role="status" data-testid="ss-backlog" data-behind={s.backlog.players}>
          <strong>Relay backlog</strong> <span title={formatDateTime(s.backlog.since)}>for {formatDuration(Math.max(1, (now - Date.parse(s.backlog.since)) / 1000))}</span>:{' '}
          {formatCount(s.backlog.players)} of {formatCount(s.backlog.of)} players are behind. This host cannot send that much (CPU or upload), so their packets are dropped —{' '}
          {formatCount(s.backlog.dropped)} so far — instead of the players, and joiners are refused until it catches up. Fewer players per session avoids it:{' '}
          <a href={hrefFor('settings')}>Settings</a> → Hosting → <strong>Max players per session</strong>.
        </p>
      ) : null}
      {s.peers.length === 0 ? (
        <p className="ss-no-players" data-testid="ss-no-players">
          No players yet. {s.state === 'paused' ? 'Hosting is paused: joiners are refused.' : 'Players who join this session through the coordinator appear here as they connect.'}
        </p>
      ) : (
        <PeersTable session={s} open={open} now={now} />
      )}
    </section>
  )
}

function PeersTable({ session, open, now }: { session: HostedSession; open: (d: OpenDialog) => void; now: number }): React.JSX.Element {
  const busy = useHostingStore((st) => st.busy)
  return (
    <div className="ss-table-wrap">
      <table className="rq-htable ss-table" data-testid="ss-peers" aria-label={`Players of zone ${session.zoneId}`}>
        <thead>
          <tr>
            <th scope="col">Player</th>
            <th scope="col">State</th>
            <th scope="col" className="ss-r">
              <abbr title="Round trip on the control channel, median / 95th percentile">RTT</abbr> p50 / p95
            </th>
            <th scope="col" className="ss-r">
              In / out
            </th>
            <th scope="col" className="ss-r">
              Data in / out
            </th>
            <th scope="col" className="ss-r ss-col-dropped">
              Dropped
            </th>
            <th scope="col" className="ss-r ss-col-buffered">
              Buffered
            </th>
            <th scope="col" className="ss-col-since">
              Connected
            </th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {orderPeers(session.peers).map((p) => (
            <PeerRow key={p.peerId} peer={p} session={session} open={open} now={now} disabled={busy !== null} />
          ))}
        </tbody>
      </table>
    </div>
  )
}

function PeerRow({ peer: p, session, open, now, disabled }: { peer: HostedPeer; session: HostedSession; open: (d: OpenDialog) => void; now: number; disabled: boolean }): React.JSX.Element {
  const state = PEER_STATE[p.state]
  const live = p.state === 'open'
  return (
    <tr data-peer={p.peerId} data-state={p.state} className={p.state === 'closing' ? 'ss-leaving' : undefined}>
      <th scope="row" className="ss-peer">
        <span className="ss-peer__id">{p.peerId}</span>
        <span className="ss-peer__meta muted">
          <span className="ss-nw">ICE {p.iceState}</span> · <span className="ss-nw">{p.offeredBy === 'host' ? 'host offered' : 'player offered'}</span>
        </span>
        <span className="ss-peer__meta ss-narrow-only muted">{p.connectedSince ? `connected ${formatAgo(p.connectedSince, now)}` : 'not connected yet'}</span>
      </th>
      <td>
        <Badge tone={state.tone}>{state.text}</Badge>
      </td>
      <td className="ss-r" data-testid="ss-peer-rtt">
        {formatRtt(p.rttP50Ms, p.rttP95Ms)}
      </td>
      <td className="ss-r" data-testid="ss-peer-rate" title={`${formatCount(p.packetsIn)} packets in, ${formatCount(p.packetsOut)} out`}>
        {formatRate(p.inPerSecond)} · {formatRate(p.outPerSecond)}/s
      </td>
      <td className="ss-r" data-testid="ss-peer-bytes" data-bytes-in={p.bytesIn} data-bytes-out={p.bytesOut}>
        {formatBytes(p.bytesIn)} · {formatBytes(p.bytesOut)}
      </td>
      <td className={`ss-r ss-col-dropped${p.dropped > 0 ? ' ss-warn' : ''}`} data-testid="ss-peer-dropped">
        {formatCount(p.dropped)}
      </td>
      <td className="ss-r ss-col-buffered">{formatBytes(p.bufferedBytes)}</td>
      <td className="ss-col-since muted" title={p.connectedSince ? formatDateTime(p.connectedSince) : undefined}>
        {p.connectedSince ? formatAgo(p.connectedSince, now) : 'not yet'}
      </td>
      <td className="ss-actions">
        <button
          type="button"
          className="button button--small"
          disabled={disabled || !live}
          onClick={() => open({ kind: 'notice', sessionId: session.sessionId, zoneId: session.zoneId, peerId: p.peerId })}
          aria-label={`Send a notice to ${p.peerId}`}
        >
          Notice
        </button>
        <button
          type="button"
          className="button button--small rq-danger-outline"
          disabled={disabled || p.state === 'closing'}
          onClick={() => open({ kind: 'kick', session, peerId: p.peerId })}
          aria-label={`Kick ${p.peerId}`}
        >
          Kick
        </button>
      </td>
    </tr>
  )
}
