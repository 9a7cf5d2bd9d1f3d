/**
 * The result line of a page's last action (Hosts & Zones, Sessions): announced politely, with a
 * mark that is never a check for something that did not work, and a Dismiss button. Empty (and
 * hidden by `.rq-outcome-slot:empty`) when there is nothing to say.
 */
export type OutcomeSlotTone = 'ok' | 'warn' | 'error'

const MARK: Record<OutcomeSlotTone, string> = { ok: '✓', warn: '!', error: '✕' }

export function OutcomeSlot(props: { testId: string; outcome: { tone: OutcomeSlotTone; text: string } | null; onDismiss: () => void }): React.JSX.Element {
  const { outcome } = props
  return (
    <div className="rq-outcome-slot" role="status" aria-live="polite" data-testid={props.testId}>
      {outcome ? (
        <span className={`rq-outcome rq-outcome-${outcome.tone}`}>
          <span aria-hidden="true">{MARK[outcome.tone]}</span>
          {outcome.text}
          <button type="button" className="button button--small button--quiet" onClick={props.onDismiss} aria-label="Dismiss">
            ×
          </button>
        </span>
      ) : null}
    </div>
  )
}
