/**
 * Reset stuck requests: rows left in processing (a poller died mid-request) go back to pending
 * with retry_count+1, or to failed once their retries are used up. Optional age threshold; empty
 * uses the poller's own setting.
 */
import { useId, useState } from 'react'
import { LIMITS, parseResetStuckSeconds, resetStuck, useRequestsStore } from '../../stores/requests'
import { formatCount } from './format'
import { Dialog, DialogFoot, DialogForm } from './Dialog'

export function ResetStuckDialog({ onClose }: { onClose: () => void }): React.JSX.Element {
  const settings = useRequestsStore((s) => s.stats?.settings ?? null)
  const processing = useRequestsStore((s) => s.stats?.counts.processing ?? null)
  const busy = useRequestsStore((s) => s.busy)
  const [secs, setSecs] = useState('')
  const inputId = useId()
  const helpId = useId()
  const n = parseResetStuckSeconds(secs)
  const valid = n !== null
  const submit = async (): Promise<void> => {
    if (n === null) return
    await resetStuck(n)
    onClose()
  }
  return (
    <Dialog title="Reset stuck requests" onClose={onClose} testId="rq-reset-dialog">
      <DialogForm onSubmit={submit}>
        <p>
          Requests left in <strong>processing</strong> longer than the threshold go back to pending (retry count + 1), or to failed when their retries
          {settings ? ` (${settings.maxRetries})` : ''} are used up.
          {processing !== null && ` ${processing} ${processing === 1 ? 'request is' : 'requests are'} processing right now.`}
        </p>
        <div className="rq-form-grid">
          <label htmlFor={inputId}>Older than (seconds)</label>
          <div>
            <input
              id={inputId}
              className="input rq-input-narrow"
              type="number"
              min={LIMITS.resetStuckSeconds.min}
              max={LIMITS.resetStuckSeconds.max}
              step={1}
              value={secs}
              placeholder={settings ? String(settings.stuckAfterSeconds) : 'poller default'}
              onChange={(e) => setSecs(e.target.value)}
              aria-invalid={!valid}
              aria-describedby={helpId}
            />
            <p id={helpId} className="rq-help">
              Empty = the poller’s setting{settings ? ` (${settings.stuckAfterSeconds} s)` : ''}. A small value also resets requests a poller is
              working on right now.
            </p>
            {!valid && (
              <p className="rq-field-error">
                {formatCount(LIMITS.resetStuckSeconds.min ?? 0)} – {formatCount(LIMITS.resetStuckSeconds.max ?? 0)} seconds
              </p>
            )}
          </div>
        </div>
        <DialogFoot element="footer" onCancel={onClose} submit={busy === 'resetStuck' ? 'Resetting…' : 'Reset stuck requests'} disabled={!valid || busy !== null} />
      </DialogForm>
    </Dialog>
  )
}
