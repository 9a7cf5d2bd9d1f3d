/**
 * Inbox: the local file channel (<data folder>/ipc/<group>/) that scripts and `warp-host send`
 * drive this host through — its groups, what was handled, the error store (count and list: each
 * failed message is kept in the group's errors/ folder with why) and the answers still waiting
 * for a sender's ACK. Live through the inbox store.
 */
import { useEffect } from 'react'
import type { InboxError, InboxStatus } from '../../../../shared/contract'
import { getClient } from '../../api/client'
import { formatAgo, formatDateTime } from '../../components/format'
import { PageLoading, PageProblem } from '../../components/PageState'
import { formatAsOf } from '../../components/requests/health'
import { hrefFor } from '../../components/router'
import { StatCard } from '../../components/StatCard'
import { Badge } from '../../components/StateBadge'
import { useNow } from '../../components/use-now'
import { useConnectionStore } from '../../stores/connection'
import { activateInbox, loadMoreErrors, useInboxStore } from '../../stores/inbox'
import { describeError } from '../../stores/requests-model'
import '../../components/requests/requests.css'
import '../hosts/hosts.css'
import './inbox.css'

export function InboxPage(): React.JSX.Element {
  const phase = useInboxStore((s) => s.phase)
  const status = useInboxStore((s) => s.status)
  const error = useInboxStore((s) => s.error)
  const loadedAt = useInboxStore((s) => s.loadedAt)
  const live = useConnectionStore((s) => s.info.state === 'open')
  useEffect(() => activateInbox(getClient()), [])

  return (
    <div className="page inbox-page">
      <header className="page__header">
        <h1>Inbox</h1>
        <p className="muted">
          Messages and operator commands from local programs: files in <code>{status?.root ?? '<data folder>/ipc'}</code>
          <code>/&lt;group&gt;/messages/</code>, or <code>warp-host send &lt;command&gt;</code>.
        </p>
      </header>
      {!live && loadedAt ? (
        <p className="stale-note" data-testid="inbox-asof">
          Not live: the values below are {formatAsOf(loadedAt)}.
        </p>
      ) : null}
      {status ? (
        <InboxBody status={status} />
      ) : phase === 'error' && error ? (
        <PageProblem title="The inbox is not available." message={describeError(error)} testId="inbox-unavailable" bad={error.code !== 'unavailable'} role="status">
          <p className="hz-hint">
            It is switched on and tuned in <a href={hrefFor('settings')}>Settings</a> (Inbox). This page retries by itself.
          </p>
        </PageProblem>
      ) : (
        <PageLoading text="Loading…" className="muted" role="status" />
      )}
    </div>
  )
}

function InboxBody({ status }: { status: InboxStatus }): React.JSX.Element {
  const now = useNow()
  const moreErrors = useInboxStore((s) => s.moreErrors)
  const errors = moreErrors && moreErrors.length > status.errors.length ? moreErrors : status.errors
  return (
    <>
      <section aria-label="Inbox figures" className="summary-grid" data-testid="inbox-figures">
        <StatCard label="Handled" value={status.handled.toLocaleString()} sub={`since start; ${status.duplicates.toLocaleString()} re-deliveries not run twice`} testId="inbox-handled" />
        <StatCard label="Errors" value={status.errorCount.toLocaleString()} tone={status.errorCount > 0 ? 'warn' : 'ok'} sub="in the error store (all time)" testId="inbox-error-count" />
        <StatCard
          label="Waiting for an ACK"
          value={status.pendingAckCount.toLocaleString()}
          tone={status.pendingAckCount > 0 ? 'warn' : undefined}
          sub={`resent after ${status.ackTimeoutMs / 1000} s, ${status.maxRetries}× (${status.retryDelayMs / 1000} s apart)`}
          testId="inbox-pending-count"
        />
      </section>

      <section className="card inbox-panel" aria-labelledby="inbox-groups-heading">
        <h2 id="inbox-groups-heading">Groups</h2>
        {status.groups.length === 0 ? (
          <p className="muted">No group folders yet.</p>
        ) : (
          <div className="hz-table-wrap">
            <table className="rq-htable hz-table" data-testid="inbox-groups">
              <thead>
                <tr>
                  <th>Group</th>
                  <th>Handled</th>
                  <th>Failed</th>
                  <th>Last message</th>
                </tr>
              </thead>
              <tbody>
                {status.groups.map((g) => (
                  <tr key={g.group}>
                    <td>
                      <code>{g.group}</code>
                    </td>
                    <td>{g.handled.toLocaleString()}</td>
                    <td>{g.failed > 0 ? <Badge tone="bad">{g.failed.toLocaleString()}</Badge> : '0'}</td>
                    <td title={g.lastMessageAt ? formatDateTime(g.lastMessageAt) : undefined}>{g.lastMessageAt ? formatAgo(g.lastMessageAt, now) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card inbox-panel" aria-labelledby="inbox-pending-heading">
        <h2 id="inbox-pending-heading">
          Answers waiting for an ACK ({status.pendingAckCount.toLocaleString()}
          {status.pendingAckCount > status.pendingAcks.length ? `, oldest ${status.pendingAcks.length} shown` : ''})
        </h2>
        {status.pendingAcks.length === 0 ? (
          <p className="muted" data-testid="inbox-pending-empty">
            None. (Answers ask for an ACK only with “Answers need an ACK” on in Settings.)
          </p>
        ) : (
          <div className="hz-table-wrap">
            <table className="rq-htable hz-table" data-testid="inbox-pending">
              <thead>
                <tr>
                  <th>Message</th>
                  <th>Group</th>
                  <th>Type</th>
                  <th>Tries</th>
                  <th>First sent</th>
                </tr>
              </thead>
              <tbody>
                {status.pendingAcks.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <code>{p.id}</code>
                    </td>
                    <td>{p.group}</td>
                    <td>{p.type}</td>
                    <td>
                      {p.attempts} / {status.maxRetries + 1}
                    </td>
                    <td title={formatDateTime(p.firstSentAt)}>{formatAgo(p.firstSentAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card inbox-panel" aria-labelledby="inbox-errors-heading">
        <h2 id="inbox-errors-heading">
          Error store ({status.errorCount.toLocaleString()}
          {status.errorCount > errors.length ? `, newest ${errors.length} shown` : ''})
        </h2>
        {errors.length === 0 ? (
          <p className="muted" data-testid="inbox-errors-empty">
            No failed messages.
          </p>
        ) : (
          <ErrorTable errors={errors} now={now} />
        )}
        {status.errorCount > errors.length ? (
          <button type="button" className="button button--small" onClick={() => void loadMoreErrors()} data-testid="inbox-more-errors">
            Show up to 200
          </button>
        ) : null}
      </section>
    </>
  )
}

const STAGE_LABEL: Record<InboxError['stage'], string> = {
  invalid: 'invalid',
  handler: 'handler failed',
  'ack-timeout': 'no ACK',
  send: 'not sent',
  refused: 'refused (owner)'
}

function ErrorTable({ errors, now }: { errors: InboxError[]; now: number }): React.JSX.Element {
  return (
    <div className="hz-table-wrap">
      <table className="rq-htable hz-table" data-testid="inbox-errors">
        <thead>
          <tr>
            <th>When</th>
            <th>Group</th>
            <th>Stage</th>
            <th>Why</th>
            <th>Message</th>
            <th>Kept as</th>
          </tr>
        </thead>
        <tbody>
          {errors.map((e) => (
            <tr key={e.id}>
              <td title={formatDateTime(e.at)}>{formatAgo(e.at, now)}</td>
              <td>{e.group}</td>
              <td>
                <Badge tone={e.stage === 'invalid' || e.stage === 'refused' ? 'idle' : 'bad'}>{STAGE_LABEL[e.stage]}</Badge>
              </td>
              <td className="inbox-why">{e.error}</td>
              <td>{e.messageId ? <code title={e.type ?? undefined}>{e.messageId}</code> : <span className="muted">—</span>}</td>
              <td>{e.file ? <code className="inbox-file" title={e.file}>{e.file.replace(/^errors\/\d{4}-\d\d-\d\dT[\d-]+Z-/, 'errors/…-')}</code> : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
