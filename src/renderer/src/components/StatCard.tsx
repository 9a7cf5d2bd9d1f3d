/**
 * One figure on a card: label (with an optional note on the right), value, a line under it, and
 * optional content below (a sparkline, a latency table). A card with `href` is a link to the view
 * that explains the figure; `tone` draws the status stripe on its left (ok / warn / bad). Shared by
 * the Overview, the Requests page and the pages still to come (Sessions, Training, Hosts).
 */
import './stat-card.css'

export type StatTone = 'ok' | 'warn' | 'bad'

export interface StatCardProps {
  label: React.ReactNode
  /** Beside the label, right-aligned (e.g. "last 60 s"). */
  note?: React.ReactNode
  value?: React.ReactNode
  sub?: React.ReactNode
  tone?: StatTone | undefined
  href?: string
  title?: string
  /** Spans the whole row of its grid. */
  wide?: boolean
  /** Tighter padding and no shadow (cards packed in a dense panel). */
  compact?: boolean
  className?: string
  testId?: string
  'aria-label'?: string
  children?: React.ReactNode
}

export function StatCard({
  label,
  note,
  value,
  sub,
  tone,
  href,
  title,
  wide,
  compact,
  className,
  testId,
  'aria-label': ariaLabel,
  children
}: StatCardProps): React.JSX.Element {
  const cls = [
    'stat-card',
    href ? 'stat-card--link' : '',
    tone ? `stat-card--tone stat-card--${tone}` : '',
    wide ? 'stat-card--wide' : '',
    compact ? 'stat-card--compact' : '',
    className ?? ''
  ]
    .filter(Boolean)
    .join(' ')
  const body = (
    <>
      <span className="stat-card__head">
        <span className="stat-card__label">{label}</span>
        {note !== undefined ? <span className="stat-card__note">{note}</span> : null}
      </span>
      {value !== undefined ? <span className="stat-card__value">{value}</span> : null}
      {sub !== undefined ? <span className="stat-card__sub">{sub}</span> : null}
      {children}
    </>
  )
  return href ? (
    <a className={cls} href={href} title={title} data-testid={testId} aria-label={ariaLabel}>
      {body}
    </a>
  ) : (
    <div className={cls} title={title} data-testid={testId} aria-label={ariaLabel}>
      {body}
    </div>
  )
}
