/**
 * The frame around every page: header (navigation toggle, product, connection state, failing
 * services, host version and mode, sign out), left navigation built from the route table (flags
 * on the entries whose service fails; collapsible, and a drawer below 900 px), the connection
 * banner, the update banner (desktop app) and the current page.
 */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { ROUTES, routeFor } from '../pages/routes'
import { useConnectionStore } from '../stores/connection'
import { useStatusStore } from '../stores/status'
import { ConnectionBadge, ConnectionBanner } from './ConnectionStatus'
import { failingFor, failingHeadline, failingServices } from './service-alerts'
import { Badge } from './StateBadge'
import { hrefFor, useRoutePath } from './router'
import { UpdateBanner } from './UpdateBanner'

/** Below this width the navigation is a drawer opened from the header. */
export const NARROW_QUERY = '(max-width: 900px)'

function subscribeNarrow(onChange: () => void): () => void {
  const mq = window.matchMedia(NARROW_QUERY)
  mq.addEventListener('change', onChange)
  return () => mq.removeEventListener('change', onChange)
}

function useNarrow(): boolean {
  return useSyncExternalStore(subscribeNarrow, () => window.matchMedia(NARROW_QUERY).matches)
}

export function AppFrame(): React.JSX.Element {
  const path = useRoutePath()
  const narrow = useNarrow()
  /** Wide: the user collapsed the navigation. Narrow: the drawer is open. */
  const [collapsed, setCollapsed] = useState(false)
  const [drawerOpen, setDrawerOpen] = useState(false)
  const services = useStatusStore((s) => s.status?.services)
  const failing = failingServices(services)
  const navShown = narrow ? drawerOpen : !collapsed
  const route = routeFor(path)
  const Page = route.component
  const mainRef = useRef<HTMLElement>(null)
  const firstRender = useRef(true)

  useEffect(() => {
    document.title = `${route.label} · WARP Host`
    // Move focus to the new page for keyboard and screen-reader users (not on first load).
    if (firstRender.current) firstRender.current = false
    else mainRef.current?.focus({ preventScroll: true })
  }, [route])

  const skipToContent = (e: React.MouseEvent): void => {
    e.preventDefault()
    mainRef.current?.focus()
  }

  return (
    <div className={`frame${narrow ? ' frame--narrow' : ''}${navShown ? '' : ' frame--nav-hidden'}`}>
      <a className="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="button button--quiet nav-toggle"
          aria-expanded={navShown}
          aria-controls="sidenav"
          onClick={() => (narrow ? setDrawerOpen((o) => !o) : setCollapsed((c) => !c))}
          title={navShown ? 'Hide the page list' : 'Show the page list'}
          data-testid="nav-toggle"
        >
          <span aria-hidden="true">☰</span>
          <span className="sr-only">{navShown ? 'Hide navigation' : 'Show navigation'}</span>
          {!navShown && failing.length > 0 ? <span className="nav-toggle__alert" aria-hidden="true" /> : null}
        </button>
        <span className="brand">
          <span className="brand__mark" aria-hidden="true" />
          WARP Host
        </span>
        <ConnectionBadge />
        <FailingServices />
        <HostIdentity />
      </header>
      <nav className="sidenav" id="sidenav" aria-label="Pages" hidden={!navShown}>
        <ul>
          {ROUTES.map((r) => {
            const alerts = failingFor(r.services, failing)
            return (
            <li key={r.path}>
              <a
                href={hrefFor(r.path)}
                aria-current={r === route ? 'page' : undefined}
                className="sidenav__link"
                onClick={() => {
                  if (narrow) setDrawerOpen(false)
                }}
              >
                {r.label}
                {alerts.length > 0 ? (
                  <span className="sidenav__alert" title={alerts.map((a) => `${a.label}: ${a.error ?? 'error'}`).join('\n')} data-testid={`nav-alert-${r.path}`}>
                    <span aria-hidden="true">!</span>
                    <span className="sr-only"> ({alerts.map((a) => a.label).join(', ')} failing)</span>
                  </span>
                ) : null}
                {r.planned ? (
                  <span className="sidenav__soon">
                    <span aria-hidden="true">soon</span>
                    <span className="sr-only"> (not available yet)</span>
                  </span>
                ) : null}
              </a>
            </li>
            )
          })}
        </ul>
      </nav>
      {narrow && drawerOpen ? <div className="sidenav-scrim" aria-hidden="true" onClick={() => setDrawerOpen(false)} /> : null}
      <main id="main" ref={mainRef} tabIndex={-1} className="content">
        <ConnectionBanner />
        <UpdateBanner />
        <Page />
      </main>
    </div>
  )
}

/** "AI request poller failing" in the header while any service is in error; links to Overview. */
function FailingServices(): React.JSX.Element | null {
  const services = useStatusStore((s) => s.status?.services)
  const failing = failingServices(services)
  const text = failingHeadline(failing)
  if (!text) return null
  return (
    <a
      className="topbar__alert"
      href={hrefFor('overview')}
      title={failing.map((s) => `${s.label}: ${s.error ?? 'error'}`).join('\n')}
      data-testid="header-failing"
    >
      <Badge tone="bad">{text}</Badge>
    </a>
  )
}

function HostIdentity(): React.JSX.Element {
  const status = useStatusStore((s) => s.status)
  const info = useConnectionStore((s) => s.info)
  const signOut = useConnectionStore((s) => s.signOut)
  const version = status?.version ?? info.serverVersion
  return (
    <div className="topbar__end">
      {version ? (
        <span className="topbar__meta" data-testid="app-version">
          v{version}
          {status ? ` · ${status.mode}` : ''}
        </span>
      ) : null}
      {info.transport === 'bridge' ? (
        <button type="button" className="button button--small button--quiet" onClick={signOut}>
          Sign out
        </button>
      ) : null}
    </div>
  )
}
