/**
 * The frame around every page: header (product, connection state, host version and mode, sign
 * out), left navigation built from the route table, the connection banner and the current page.
 */
import { useEffect, useRef } from 'react'
import { ROUTES, routeFor } from '../pages/routes'
import { useConnectionStore } from '../stores/connection'
import { useStatusStore } from '../stores/status'
import { ConnectionBadge, ConnectionBanner } from './ConnectionStatus'
import { hrefFor, useRoutePath } from './router'

export function AppFrame(): React.JSX.Element {
  const path = useRoutePath()
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
    <div className="frame">
      <a className="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">
          <span className="brand__mark" aria-hidden="true" />
          WARP Host
        </span>
        <ConnectionBadge />
        <HostIdentity />
      </header>
      <nav className="sidenav" aria-label="Pages">
        <ul>
          {ROUTES.map((r) => (
            <li key={r.path}>
              <a href={hrefFor(r.path)} aria-current={r === route ? 'page' : undefined} className="sidenav__link">
                {r.label}
                {r.planned ? (
                  <span className="sidenav__soon">
                    <span aria-hidden="true">soon</span>
                    <span className="sr-only"> (not available yet)</span>
                  </span>
                ) : null}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1} className="content">
        <ConnectionBanner />
        <Page />
      </main>
    </div>
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
