/**
 * The Sessions page's dialogs: kick a peer (a confirmation with the reason the player is told),
 * send a notice (to every player, a session's players or one player; it shows how many received
 * and acknowledged it) and pause hosting (with an optional reason).
 */
import { useId, useState } from 'react'
import { Dialog, DialogFoot, DialogForm } from '../../components/requests/Dialog'
import {
  DEFAULT_KICK_REASON,
  HOSTING_LIMITS,
  kickPeer,
  kickReason,
  noticeResultText,
  noticeTargetText,
  noticeText,
  pauseHosting,
  pauseReason,
  sendNotice,
  useHostingStore,
  type NoticeResult
} from '../../stores/hosting'

export function KickDialog({ sessionId, zoneId, peerId, onClose }: { sessionId: string; zoneId: string; peerId: string; onClose: () => void }): React.JSX.Element {
  const busy = useHostingStore((s) => s.busy)
  const [reason, setReason] = useState('')
  const warnId = useId()
  const inputId = useId()
  const parsed = kickReason(reason)
  const confirm = async (): Promise<void> => {
    if (parsed === null) return
    if (await kickPeer(sessionId, peerId, parsed)) onClose()
  }
  return (
    <Dialog title={`Kick ${peerId}?`} tone="danger" onClose={onClose} describedBy={warnId} testId="ss-kick-dialog">
      <DialogForm onSubmit={confirm}>
        <p id={warnId}>
          Player <strong>{peerId}</strong> is disconnected from zone <strong>{zoneId}</strong> (session <code>{sessionId}</code>) and told why. The player may join again unless hosting is paused.
        </p>
        <div className="field">
          <label htmlFor={inputId}>Reason shown to the player</label>
          <input
            id={inputId}
            className="input"
            value={reason}
            maxLength={HOSTING_LIMITS.kickReason}
            placeholder={DEFAULT_KICK_REASON}
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={parsed === null}
            autoFocus
          />
          <span className="rq-help">Empty: “{DEFAULT_KICK_REASON}”.</span>
        </div>
        <DialogFoot onCancel={onClose} submit={busy?.kind === 'kick' ? 'Kicking…' : 'Kick player'} danger disabled={busy !== null || parsed === null} />
      </DialogForm>
    </Dialog>
  )
}

export function NoticeDialog({
  target,
  onClose
}: {
  target: { sessionId?: string | undefined; zoneId?: string | undefined; peerId?: string | undefined }
  onClose: () => void
}): React.JSX.Element {
  const busy = useHostingStore((s) => s.busy)
  const [text, setText] = useState('')
  const [touched, setTouched] = useState(false)
  const [result, setResult] = useState<NoticeResult | null>(null)
  const inputId = useId()
  const helpId = useId()
  const parsed = noticeText(text)
  const who = noticeTargetText(target)
  const send = async (): Promise<void> => {
    setTouched(true)
    if (parsed === null) return
    const r = await sendNotice({ sessionId: target.sessionId, peerId: target.peerId }, parsed)
    if (r) setResult(r)
  }
  const view = result ? noticeResultText(result) : null
  return (
    <Dialog title="Send a notice" onClose={onClose} describedBy={helpId} testId="ss-notice-dialog">
      <DialogForm onSubmit={send}>
        <p id={helpId}>
          To <strong data-testid="ss-notice-target">{who}</strong>, on the control channel; each player acknowledges it.
        </p>
        <div className="field">
          <label htmlFor={inputId}>Notice text</label>
          <textarea
            id={inputId}
            className="input rq-textarea"
            rows={3}
            value={text}
            maxLength={HOSTING_LIMITS.noticeText}
            onChange={(e) => {
              setText(e.target.value)
              setResult(null)
            }}
            aria-invalid={touched && parsed === null}
            placeholder="The server restarts in 5 minutes."
            autoFocus
          />
          {touched && parsed === null ? <span className="rq-field-error">Write the notice first.</span> : null}
        </div>
        <div className="ss-notice-result" role="status" aria-live="polite" data-testid="ss-notice-result">
          {result && view ? (
            <>
              <span className={`rq-outcome rq-outcome-${view.tone}`}>{view.text}</span>
              <dl className="ss-notice-figures">
                <div>
                  <dt>Sent</dt>
                  <dd data-testid="ss-notice-sent">{result.sent}</dd>
                </div>
                <div>
                  <dt>Acknowledged</dt>
                  <dd data-testid="ss-notice-acked">{result.acked}</dd>
                </div>
                <div>
                  <dt>Failed</dt>
                  <dd data-testid="ss-notice-failed">{result.failed}</dd>
                </div>
              </dl>
            </>
          ) : null}
        </div>
        <DialogFoot
          onCancel={onClose}
          cancel={result ? 'Close' : 'Cancel'}
          submit={busy?.kind === 'notice' ? 'Sending…' : result ? 'Send again' : 'Send notice'}
          disabled={busy !== null}
        />
      </DialogForm>
    </Dialog>
  )
}

export function PauseDialog({ players, onClose }: { players: number; onClose: () => void }): React.JSX.Element {
  const busy = useHostingStore((s) => s.busy)
  const [reason, setReason] = useState('')
  const warnId = useId()
  const inputId = useId()
  const parsed = pauseReason(reason)
  const confirm = async (): Promise<void> => {
    if (parsed === null) return
    if (await pauseHosting(parsed)) onClose()
  }
  return (
    <Dialog title="Pause hosting?" onClose={onClose} describedBy={warnId} testId="ss-pause-dialog">
      <DialogForm onSubmit={confirm}>
        <p id={warnId}>
          New players are refused in every session until hosting is resumed.{' '}
          {players > 0 ? `The ${players === 1 ? 'player' : `${players} players`} connected now stay${players === 1 ? 's' : ''}.` : ''} The pause survives a restart.
        </p>
        <div className="field">
          <label htmlFor={inputId}>Reason (optional)</label>
          <input
            id={inputId}
            className="input"
            value={reason}
            maxLength={HOSTING_LIMITS.pauseReason}
            placeholder="maintenance"
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={parsed === null}
            autoFocus
          />
        </div>
        <DialogFoot onCancel={onClose} submit={busy?.kind === 'pause' ? 'Pausing…' : 'Pause hosting'} disabled={busy !== null || parsed === null} />
      </DialogForm>
    </Dialog>
  )
}
