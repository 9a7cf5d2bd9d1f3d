/**
 * A modal dialog on the native <dialog> element (focus trap, Esc, backdrop for free). Mount it to
 * open it; it calls onClose when the user presses Esc or a close button.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react'

interface DialogProps {
  title: string
  onClose: () => void
  children: ReactNode
  /** "danger" adds a red accent for destructive confirmations. */
  tone?: 'default' | 'danger'
  /** aria-describedby target inside the dialog (the main warning). */
  describedBy?: string
  wide?: boolean
  testId?: string
}

export function Dialog({ title, onClose, children, tone = 'default', describedBy, wide, testId }: DialogProps): React.JSX.Element {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const d = ref.current
    if (d && !d.open) d.showModal()
    return () => {
      if (d?.open) d.close()
    }
  }, [])
  return (
    <dialog
      ref={ref}
      className={`rq-dialog rq-dialog-${tone}${wide ? ' rq-dialog-wide' : ''}`}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(e) => {
        e.preventDefault()
        onClose()
      }}
      data-testid={testId}
    >
      <header className="rq-dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="button button--quiet rq-icon-btn" onClick={onClose} aria-label="Close dialog">
          ×
        </button>
      </header>
      {children}
    </dialog>
  )
}
