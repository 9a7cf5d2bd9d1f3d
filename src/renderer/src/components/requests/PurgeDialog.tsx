/**
 * Purge confirmation: finished requests (and their responses) created more than N days ago are
 * deleted for good. Says exactly what goes and what stays before anything is sent; the call
 * carries confirm: true only from the danger button.
 */
import { useId, useState } from 'react'
import { formatCount, STATUS_LABEL } from './format'
import { LIMITS, parsePurgeDays, purge, useRequestsStore, type PurgeStatus } from '../../stores/requests'
import { Dialog, DialogFoot, DialogForm } from './Dialog'

const FINISHED: PurgeStatus[] = ['completed', 'failed', 'timeout', 'cancelled']
const STATUS_WORD: Record<PurgeStatus, string> = { completed: 'completed', failed: 'failed', timeout: 'timed-out', cancelled: 'cancelled' }

/** "a", "a or b", "a, b or c". */
function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`
}

export function PurgeDialog({ onClose }: { onClose: () => void }): React.JSX.Element {
  const counts = useRequestsStore((s) => s.stats?.counts ?? null)
  const busy = useRequestsStore((s) => s.busy)
  const [days, setDays] = useState('30')
  const [statuses, setStatuses] = useState<PurgeStatus[]>(FINISHED)
  const warnId = useId()
  const daysId = useId()
  const parsed = parsePurgeDays(days)
  const daysOk = parsed !== null
  const n = parsed ?? NaN
  const finishedNow = counts ? statuses.reduce((sum, s) => sum + counts[s], 0) : null
  const toggle = (s: PurgeStatus): void => setStatuses((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]))
  const confirm = async (): Promise<void> => {
    if (!daysOk || statuses.length === 0) return
    await purge(n, statuses.length === FINISHED.length ? undefined : statuses)
    onClose()
  }
  return (
    <Dialog title="Purge old requests" onClose={onClose} tone="danger" describedBy={warnId} testId="rq-purge-dialog">
      <DialogForm onSubmit={confirm}>
        <div id={warnId} className="rq-alert rq-alert-danger">
          <p>
            <strong>This deletes rows for good.</strong> Every{' '}
            {statuses.length === 0 ? '(pick at least one status)' : listWords(statuses.map((s) => STATUS_WORD[s]))} request created more than{' '}
            <strong>{daysOk ? `${formatCount(n)} ${n === 1 ? 'day' : 'days'}` : 'N days'}</strong> ago is removed from ai_requests together with its
            response in ai_responses. It cannot be undone.
          </p>
          <p>
            Pending and processing requests are never purged. An NPC script that still asks about a deleted id gets status 0 (not found).
            {finishedNow !== null && (
              <>
                {' '}
                The queue holds {formatCount(finishedNow)} {statuses.length === FINISHED.length ? 'finished' : 'such'} requests of all ages right now; only the
                older ones go.
              </>
            )}
          </p>
        </div>
        <div className="rq-form-grid">
          <label htmlFor={daysId}>Older than (days)</label>
          <div>
            <input id={daysId} className="input rq-input-narrow" type="number" min={LIMITS.purgeDays.min} max={LIMITS.purgeDays.max} step={1} value={days} onChange={(e) => setDays(e.target.value)} aria-invalid={!daysOk} required />
            {!daysOk && <span className="rq-field-error"> {LIMITS.purgeDays.min} – {LIMITS.purgeDays.max} days</span>}
          </div>
          <span id={`${daysId}-st`}>Statuses</span>
          <div className="rq-chips" role="group" aria-labelledby={`${daysId}-st`}>
            {FINISHED.map((s) => (
              <label key={s} className={`rq-chip rq-st-${s}`}>
                <input type="checkbox" checked={statuses.includes(s)} onChange={() => toggle(s)} />
                <span className="rq-dot" aria-hidden="true" />
                {STATUS_LABEL[s]}
              </label>
            ))}
          </div>
        </div>
        <DialogFoot
          element="footer"
          onCancel={onClose}
          cancel="Keep them"
          focusCancel
          submit={busy === 'purge' ? 'Deleting…' : 'Delete for good'}
          danger
          disabled={!daysOk || statuses.length === 0 || busy !== null}
        />
      </DialogForm>
    </Dialog>
  )
}
