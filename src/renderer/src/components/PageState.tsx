/**
 * The states a live page shows in place of its data: still loading (or waiting for the connection
 * to WARP Host), and could not load / not available (why, an optional hint and "Try again").
 * Each page passes its own test ids, classes and texts, so its DOM stays its own.
 */
import type { ReactNode } from 'react'

export function PageLoading({
  text,
  waiting = false,
  testId,
  className = 'empty-state',
  role,
  busy
}: {
  /** What is loading, e.g. "Loading the host registry…". */
  text: string
  /** Not connected: says it waits for the connection instead of `text`. */
  waiting?: boolean
  testId?: string
  className?: string
  role?: 'status'
  /** Sets aria-busy. */
  busy?: boolean
}): React.JSX.Element {
  return (
    <p className={className} role={role} aria-busy={busy} data-testid={testId}>
      {waiting ? 'Waiting for the connection to WARP Host…' : text}
    </p>
  )
}

export function PageProblem({
  title,
  message,
  testId,
  bad = true,
  role = 'alert',
  retry,
  children
}: {
  title: ReactNode
  /** Why, usually describeError(error). */
  message: ReactNode
  testId: string
  /** Red (empty-state--bad); false for a calm "not available". */
  bad?: boolean
  role?: 'alert' | 'status'
  /** A "Try again" button with the page's class. */
  retry?: { className: string; onClick: () => void }
  /** Hints between the message and the button. */
  children?: ReactNode
}): React.JSX.Element {
  return (
    <div className={`empty-state${bad ? ' empty-state--bad' : ''}`} role={role} data-testid={testId}>
      <p className="empty-state__title">{title}</p>
      <p>{message}</p>
      {children}
      {retry ? (
        <button type="button" className={`button ${retry.className}`} onClick={retry.onClick}>
          Try again
        </button>
      ) : null}
    </div>
  )
}
