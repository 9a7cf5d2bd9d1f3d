/**
 * A modal dialog on the native <dialog> element (focus trap, Esc, backdrop for free). Mount it to
 * open it; it calls onClose when the user presses Esc or a close button. DialogForm and DialogFoot
 * are the usual body of a dialog that asks for something: a form and its Cancel/submit footer.
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

/** A dialog's form: submitting it (Enter, the submit button) runs `onSubmit` instead of a page load. */
export function DialogForm({
  onSubmit,
  noValidate,
  children
}: {
  onSubmit: () => void | Promise<void>
  /** Skip the browser's own validation (the dialog checks the values itself). */
  noValidate?: boolean
  children: ReactNode
}): React.JSX.Element {
  return (
    <form
      className="rq-dialog-body"
      noValidate={noValidate}
      onSubmit={(e) => {
        e.preventDefault()
        void onSubmit()
      }}
    >
      {children}
    </form>
  )
}

/** A dialog form's footer: Cancel (or Close) and the submit button, red when it is destructive. */
export function DialogFoot({
  onCancel,
  cancel = 'Cancel',
  submit,
  danger = false,
  disabled,
  focusCancel,
  element: Foot = 'div'
}: {
  onCancel: () => void
  cancel?: string
  submit: string
  danger?: boolean
  disabled: boolean
  /** Focus the cancel button when the dialog opens (the safe choice of a destructive confirmation). */
  focusCancel?: boolean
  /** The footer's element. */
  element?: 'div' | 'footer'
}): React.JSX.Element {
  return (
    <Foot className="rq-dialog-foot">
      <button type="button" className="button" onClick={onCancel} autoFocus={focusCancel}>
        {cancel}
      </button>
      <button type="submit" className={`button ${danger ? 'rq-danger' : 'button--primary'}`} disabled={disabled}>
        {submit}
      </button>
    </Foot>
  )
}
