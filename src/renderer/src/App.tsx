/**
 * The root: the sign-in screen while the host has not accepted this tab's token, a short
 * "connecting" screen before the first connection, and the dashboard frame from then on (a
 * dropped connection shows a banner inside the frame, not a different screen).
 */
import { AppFrame } from './components/AppFrame'
import { useConnectionStore } from './stores/connection'
import { useNow } from './components/use-now'
import { SignInPage } from './pages/SignInPage'

export function App(): React.JSX.Element {
  const signedIn = useConnectionStore((s) => s.signedIn)
  const state = useConnectionStore((s) => s.info.state)
  const signingIn = useConnectionStore((s) => s.signingIn)
  if (signedIn) return <AppFrame />
  if (state === 'unauthorized' || signingIn) return <SignInPage />
  return <Connecting />
}

function Connecting(): React.JSX.Element {
  const info = useConnectionStore((s) => s.info)
  const reconnectNow = useConnectionStore((s) => s.reconnectNow)
  const now = useNow()
  const seconds = info.retryAt ? Math.max(0, Math.ceil((info.retryAt - now) / 1000)) : 0
  return (
    <main className="signin" id="main">
      <div className="signin__card card" role="status">
        <h1>WARP Host</h1>
        {info.state === 'disconnected' && info.throttled ? (
          <>
            <p data-testid="throttled">
              <strong>Too many failed sign-ins, retrying in {seconds} s</strong>
            </p>
            <p className="muted">
              WARP Host refuses this address for a while after repeated wrong admin tokens. This page waits instead of trying again meanwhile.
            </p>
          </>
        ) : info.state === 'disconnected' ? (
          <>
            <p>
              <strong>Cannot reach WARP Host — reconnecting…</strong>
            </p>
            <p className="muted">
              {info.reason ?? 'The host is not answering'}. {seconds > 0 ? `Next try in ${seconds} s.` : 'Trying now.'} Check that the host is
              running.
            </p>
            <button type="button" className="button" onClick={reconnectNow}>
              Retry now
            </button>
          </>
        ) : (
          <p>Connecting to WARP Host…</p>
        )}
      </div>
    </main>
  )
}
