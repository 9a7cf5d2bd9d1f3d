/**
 * The queue actions: retry / cancel the checked rows, retry every failed or timed-out request,
 * reset stuck requests, purge old ones — plus the last action's result (or the
 * server's error) in a live region. A button that has nothing to act on is disabled and says why.
 */
import { useId } from 'react'
import {
  cancelSelected,
  checkedWithStatus,
  dismissOutcome,
  retryAllFailed,
  retrySelected,
  useRequestsStore,
  type OutcomeTone
} from '../../stores/requests'
import { formatCount } from './format'

/** Which of the page's dialogs is open. */
export type OpenDialog = 'purge' | 'reset' | 'test' | null

export function ActionsBar({ onOpen }: { onOpen: (d: 'purge' | 'reset') => void }): React.JSX.Element {
  const checkedCount = useRequestsStore((s) => s.checked.size)
  const retryable = useRequestsStore((s) => checkedWithStatus(s, ['failed', 'timeout']).length)
  const cancellable = useRequestsStore((s) => checkedWithStatus(s, ['pending', 'processing']).length)
  const failedTotal = useRequestsStore((s) => (s.stats ? s.stats.counts.failed + s.stats.counts.timeout : null))
  const processing = useRequestsStore((s) => s.stats?.counts.processing ?? null)
  const finished = useRequestsStore((s) =>
    s.stats ? s.stats.counts.completed + s.stats.counts.failed + s.stats.counts.timeout + s.stats.counts.cancelled : null
  )
  const busy = useRequestsStore((s) => s.busy)
  const hintId = useId()

  const retryReason =
    checkedCount === 0 ? 'Tick failed or timed-out rows to retry them' : retryable === 0 ? 'None of the ticked rows is failed or timed out' : null
  const cancelReason =
    checkedCount === 0 ? 'Tick pending or processing rows to cancel them' : cancellable === 0 ? 'None of the ticked rows is pending or processing' : null
  const retryAllReason = failedTotal === 0 ? 'No failed or timed-out requests in the queue' : null
  const resetReason = processing === 0 ? 'No request is processing, so none can be stuck' : null
  const purgeReason = finished === 0 ? 'No finished requests to purge' : null
  const hint = [retryReason, cancelReason].filter((r): r is string => r !== null)
  const uniqueHint = hint.length === 2 && checkedCount === 0 ? ['Tick rows to retry or cancel them'] : hint

  return (
    <div className="rq-actions">
      <div className="rq-actions-row" role="toolbar" aria-label="Request actions">
        <button
          type="button"
          className="button button--small"
          disabled={retryReason !== null || busy !== null}
          title={retryReason ?? undefined}
          aria-describedby={retryReason ? hintId : undefined}
          onClick={() => void retrySelected()}
        >
          {busy === 'retry' ? 'Retrying…' : `Retry${retryable > 0 ? ` ${formatCount(retryable)}` : ''} selected`}
        </button>
        <button
          type="button"
          className="button button--small"
          disabled={cancelReason !== null || busy !== null}
          title={cancelReason ?? undefined}
          aria-describedby={cancelReason ? hintId : undefined}
          onClick={() => void cancelSelected()}
        >
          {busy === 'cancel' ? 'Cancelling…' : `Cancel${cancellable > 0 ? ` ${formatCount(cancellable)}` : ''} selected`}
        </button>
        <span className="rq-sep" aria-hidden="true" />
        <button
          type="button"
          className="button button--small"
          disabled={retryAllReason !== null || busy !== null}
          title={retryAllReason ?? 'Every failed and timed-out request goes back to pending'}
          onClick={() => void retryAllFailed()}
        >
          {busy === 'retryAll' ? 'Retrying…' : `Retry all failed/timeout${failedTotal ? ` (${formatCount(failedTotal)})` : ''}`}
        </button>
        <button
          type="button"
          className="button button--small"
          disabled={resetReason !== null || busy !== null}
          title={resetReason ?? 'Requests stuck in processing go back to pending'}
          onClick={() => onOpen('reset')}
        >
          Reset stuck…
        </button>
        <button
          type="button"
          className="button button--small rq-danger-outline"
          disabled={purgeReason !== null || busy !== null}
          title={purgeReason ?? 'Delete old finished requests'}
          onClick={() => onOpen('purge')}
        >
          Purge…
        </button>
        {uniqueHint.length > 0 && (
          <span id={hintId} className="rq-muted rq-small rq-hint">
            {uniqueHint.join(' · ')}
          </span>
        )}
        <Outcome />
      </div>
    </div>
  )
}

/** The mark before a result line: never a check mark for something that did not work. */
export const OUTCOME_MARK: Record<OutcomeTone, string> = { ok: '✓ ', warn: '⚠ ', error: '✕ ' }

function Outcome(): React.JSX.Element {
  const outcome = useRequestsStore((s) => s.outcome)
  return (
    <div className="rq-outcome-slot" role="status" aria-live="polite" data-testid="rq-outcome">
      {outcome && (
        <span className={`rq-outcome rq-outcome-${outcome.tone}`} data-tone={outcome.tone}>
          <span aria-hidden="true">{OUTCOME_MARK[outcome.tone]}</span>
          {outcome.text}
          <button type="button" className="button button--quiet rq-tiny" aria-label="Dismiss" onClick={dismissOutcome}>
            ×
          </button>
        </span>
      )}
    </div>
  )
}
