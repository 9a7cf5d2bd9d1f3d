/**
 * The detail panel of the active request (`requests.get`): its fields, the request_data and
 * response_data payloads pretty-printed when they are JSON (shown verbatim otherwise), the HTTP
 * status, error message, processing time and timestamps, and retry/cancel for this one request.
 */
import { memo, useState } from 'react'
import type { RequestDetail as Detail } from '../../../../shared/contract'
import { cancelIds, describeError, openDetail, retryIds, useRequestsStore } from '../../stores/requests'
import { formatMs, formatTime, formatTimestamp, prettyPayload } from './format'
import { insertToAnswerMs } from './health'
import { StatusBadge } from './StatusBadge'

export function RequestDetailPanel(): React.JSX.Element | null {
  const detail = useRequestsStore((s) => s.detail)
  const busy = useRequestsStore((s) => s.busy)
  if (!detail) return null
  const titleId = `rq-detail-title-${detail.id}`
  return (
    <aside className="rq-detail" aria-labelledby={titleId} aria-busy={detail.loading} data-testid="rq-detail">
      <header className="rq-detail-head">
        <h2 id={titleId}>Request #{detail.id}</h2>
        {detail.data && <StatusBadge status={detail.data.request.status} httpStatus={detail.data.response?.httpStatus ?? null} />}
        <button type="button" className="button button--quiet rq-icon-btn" onClick={() => openDetail(null)} aria-label="Close the detail panel" title="Close (Esc)">
          ×
        </button>
      </header>
      {detail.error ? (
        <p className="rq-alert rq-alert-error" role="alert">
          {detail.error.code === 'not_found' ? `Request #${detail.id} no longer exists (purged?).` : describeError(detail.error)}
        </p>
      ) : !detail.data ? (
        <p className="rq-muted rq-pad">Loading…</p>
      ) : (
        <DetailBody data={detail.data} busy={busy !== null} />
      )}
    </aside>
  )
}

const DetailBody = memo(function DetailBody({ data, busy }: { data: Detail; busy: boolean }): React.JSX.Element {
  const { request: r, response } = data
  const canRetry = r.status === 'failed' || r.status === 'timeout'
  const canCancel = r.status === 'pending' || r.status === 'processing'
  return (
    <div className="rq-detail-body">
      <DetailSummary data={data} />
      {response?.errorMessage && (
        <p className="rq-alert rq-alert-error" data-testid="rq-detail-error">
          <strong>Error: </strong>
          {response.errorMessage}
        </p>
      )}
      {(canRetry || canCancel) && (
        <div className="rq-detail-actions">
          {canRetry && (
            <button type="button" className="button button--small" disabled={busy} onClick={() => void retryIds([r.id])}>
              Retry this request
            </button>
          )}
          {canCancel && (
            <button type="button" className="button button--small" disabled={busy} onClick={() => void cancelIds([r.id])}>
              Cancel this request
            </button>
          )}
        </div>
      )}
      {response ? (
        <Payload title="Response data" raw={response.responseData} testId="rq-detail-response" />
      ) : (
        <section className="rq-payload">
          <h3>Response data</h3>
          <p className="rq-muted rq-small">
            {r.status === 'cancelled'
              ? 'None: cancelled before it was answered.'
              : r.status === 'timeout'
                ? 'None: it expired before a poller claimed it.'
                : 'None yet.'}
          </p>
        </section>
      )}
      <Payload title="Request data" raw={r.requestData} testId="rq-detail-request" />
      <section>
        <h3 className="rq-sr">Fields</h3>
        <dl className="rq-fields">
          <Field label="Type" value={r.type} mono />
          <Field label="Endpoint" value={r.endpoint} mono />
          <Field label="Priority" value={String(r.priority)} />
          <Field label="Correlation id" value={r.correlationId} mono />
          <Field label="Created" value={formatTimestamp(r.createdAt)} />
          <Field label="Updated" value={formatTimestamp(r.updatedAt)} />
          <Field label="Expires" value={r.expiresAt ? formatTimestamp(r.expiresAt) : 'never'} />
          <Field label="Answered" value={response ? formatTimestamp(response.createdAt) : null} />
        </dl>
      </section>
    </div>
  )
})

/** First thing in the panel: what happened to this request, in one glance. */
function DetailSummary({ data }: { data: Detail }): React.JSX.Element {
  const { request: r, response } = data
  const waited = insertToAnswerMs({ createdAt: r.createdAt, answeredAt: response?.createdAt ?? null })
  const http = response?.httpStatus ?? null
  return (
    <dl className="rq-detail-summary" data-testid="rq-detail-summary">
      <SummaryItem label="Status">
        <StatusBadge status={r.status} httpStatus={http} />
      </SummaryItem>
      <SummaryItem label="Answer">
        {http === null ? <span className="rq-muted">none yet</span> : <span className={http >= 400 ? 'rq-bad' : undefined}>HTTP {http}</span>}
      </SummaryItem>
      <SummaryItem label="Insert → answer" title="What the NPC waited: response created_at − request created_at">
        {waited === null ? <span className="rq-muted">—</span> : formatMs(waited)}
      </SummaryItem>
      <SummaryItem label="Handler time">{response ? formatMs(response.processingTimeMs) : <span className="rq-muted">—</span>}</SummaryItem>
      <SummaryItem label="Type">
        <span className="rq-mono">{r.type}</span>
      </SummaryItem>
      <SummaryItem label="Retries">{r.retryCount}</SummaryItem>
      <SummaryItem label="NPC">
        {r.sourceNpc ?? <span className="rq-muted">—</span>}
        {r.sourceMap ? <span className="rq-muted"> @ {r.sourceMap}</span> : null}
      </SummaryItem>
      <SummaryItem label="Created">{formatTime(r.createdAt)}</SummaryItem>
    </dl>
  )
}

function SummaryItem({ label, title, children }: { label: string; title?: string; children: React.ReactNode }): React.JSX.Element {
  return (
    <div className="rq-sum-item" title={title}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

function Field({ label, value, mono }: { label: string; value: string | null; mono?: boolean }): React.JSX.Element {
  return (
    <div className="rq-field-row">
      <dt>{label}</dt>
      <dd className={mono ? 'rq-mono' : undefined}>{value === null || value === '' ? <span className="rq-muted">—</span> : value}</dd>
    </div>
  )
}

function Payload({ title, raw, testId }: { title: string; raw: string | null; testId: string }): React.JSX.Element {
  const pretty = prettyPayload(raw)
  const [copied, setCopied] = useState(false)
  const copy = (): void => {
    if (raw === null) return
    void navigator.clipboard
      ?.writeText(pretty?.text ?? raw)
      .then(() => {
        setCopied(true)
        setTimeout(() => setCopied(false), 1500)
      })
      .catch(() => undefined)
  }
  return (
    <section className="rq-payload">
      <h3>
        {title}
        {pretty && !pretty.json && <span className="rq-note">not JSON, shown as received</span>}
        {raw !== null && (
          <button type="button" className="button button--small button--quiet rq-tiny" onClick={copy}>
            {copied ? 'Copied' : 'Copy'}
          </button>
        )}
      </h3>
      {pretty === null ? (
        <p className="rq-muted">(null)</p>
      ) : (
        <pre className="rq-json" data-testid={testId} tabIndex={0}>
          {pretty.text === '' ? <span className="rq-muted">(empty string)</span> : pretty.text}
        </pre>
      )}
    </section>
  )
}
