/**
 * Sign-in for the browser dashboard: shown when the host refuses the token (bridge close 4401) or
 * there is none. Explains where the admin token is and says plainly when one was not accepted.
 */
import { useId, useState } from 'react'
import { useConnectionStore } from '../stores/connection'
import { dashboardLinkExample } from './sign-in-url'
import './sign-in.css'

export function SignInPage(): React.JSX.Element {
  const info = useConnectionStore((s) => s.info)
  const signingIn = useConnectionStore((s) => s.signingIn)
  const signIn = useConnectionStore((s) => s.signIn)
  const [token, setToken] = useState('')
  const [emptyError, setEmptyError] = useState(false)
  const inputId = useId()
  const errorId = useId()
  const rejected = info.auth === 'rejected' && !signingIn
  const error = emptyError ? 'Enter the admin token.' : rejected ? 'That token was not accepted. Check it and try again.' : null

  const onSubmit = (e: React.FormEvent): void => {
    e.preventDefault()
    if (token.trim() === '') {
      setEmptyError(true)
      return
    }
    setEmptyError(false)
    signIn(token)
  }

  return (
    <main className="signin" id="main">
      <div className="signin__card card">
        <h1>Sign in to WARP Host</h1>
        <p>This dashboard controls a running WARP Host. Enter its admin token to continue.</p>
        <div className="signin__where">
          <h2>Where is the token?</h2>
          <ul>
            <li>
              When the host starts, its log prints a ready-to-open link:
              <code className="signin__example" data-testid="signin-example">
                WARP Host ready in … ms: dashboard {dashboardLinkExample(window.location.origin)}
              </code>
              Open that link, or paste the part after <code>token=</code> below.
            </li>
            <li>
              It is also saved in the file <code>&lt;data folder&gt;/admin-token</code> (the data folder is <code>WARP_HOST_DATA_DIR</code>).
              If the host was started with <code>ADMIN_TOKEN</code>, use that value.
            </li>
          </ul>
        </div>
        <form onSubmit={onSubmit} noValidate className="signin__form">
          <label htmlFor={inputId}>Admin token</label>
          <div className="signin__row">
            <input
              id={inputId}
              className="input"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={token}
              onChange={(e) => setToken(e.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errorId : undefined}
              autoFocus
            />
            <button type="submit" className="button button--primary" disabled={signingIn}>
              {signingIn ? 'Signing in…' : 'Sign in'}
            </button>
          </div>
          {error ? (
            <p id={errorId} className="signin__error" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      </div>
    </main>
  )
}
