/**
 * The page for a capability this version does not have yet: says so plainly and what it will do,
 * with no placeholder data.
 */
import type { ComponentType } from 'react'

export function UnavailablePage({ title, purpose }: { title: string; purpose: string }): React.JSX.Element {
  return (
    <div className="page">
      <header className="page__header">
        <h1>{title}</h1>
      </header>
      <section className="empty-state" aria-label={`${title} status`}>
        <p className="empty-state__title">{title} is not available in this version yet.</p>
        <p className="muted">{purpose}</p>
      </section>
    </div>
  )
}

/** A route component for a capability still to come. */
export function unavailablePage(title: string, purpose: string): ComponentType {
  const Page = (): React.JSX.Element => <UnavailablePage title={title} purpose={purpose} />
  Page.displayName = `Unavailable(${title})`
  return Page
}
