/**
 * The desktop app's own settings that are not config values: start at login (an OS login item or
 * autostart entry, through shell.setLaunchAtLogin) and the updater's state with "Check now"
 * (shell.checkForUpdates). Applies at once — not part of the Save bar. Headless, it says these
 * belong to the desktop app.
 */
import { useId } from 'react'
import type { UpdateState } from '../../../../shared/contract'
import { useShellStore } from '../../stores/shell'

function updateText(u: UpdateState): string {
  switch (u.phase) {
    case 'unsupported':
      return u.message ?? 'Updates are not available here.'
    case 'disabled':
      return 'Automatic updates are off.'
    case 'idle':
      return u.checkedAt ? `Up to date (checked ${new Date(u.checkedAt).toLocaleString()}).` : 'Not checked yet (the first check runs 10 s after start).'
    case 'checking':
      return 'Checking for updates…'
    case 'downloading':
      return `Downloading ${u.version ?? 'the update'}${u.percent !== null ? ` — ${u.percent} %` : ''}…`
    case 'ready':
      return `${u.version ?? 'An update'} is downloaded and installs when WARP Host restarts.`
    case 'error':
      return `The last check failed: ${u.message ?? 'unknown error'}`
  }
}

export function DesktopShellSettings({ live }: { live: boolean }): React.JSX.Element {
  const info = useShellStore((s) => s.info)
  const busy = useShellStore((s) => s.busy)
  const error = useShellStore((s) => s.error)
  const { setLaunchAtLogin, checkForUpdates } = useShellStore.getState()
  const loginId = useId()
  if (!info) return <p className="muted">Start at login and updates: waiting for the host…</p>
  if (!info.available) return <p className="muted" data-testid="shell-unavailable">{info.reason ?? 'Start at login and updates belong to the desktop app.'}</p>
  const u = info.update
  return (
    <div className="settings__shell" data-testid="desktop-shell-settings">
      <div className="field field--boolean">
        <label htmlFor={loginId}>
          <input
            id={loginId}
            type="checkbox"
            checked={info.launchAtLogin.enabled}
            disabled={!live || !info.launchAtLogin.supported || busy !== null}
            onChange={(e) => void setLaunchAtLogin(e.target.checked)}
            data-testid="launch-at-login"
          />{' '}
          Start WARP Host at login, hidden in the tray
        </label>
        {!info.launchAtLogin.supported ? <p className="muted">Not supported on this system.</p> : null}
      </div>
      <p className="settings__update" aria-live="polite">
        <span data-testid="update-state">{updateText(u)}</span>{' '}
        {u.phase !== 'unsupported' && u.phase !== 'disabled' ? (
          <button type="button" className="button button--small" onClick={() => void checkForUpdates()} disabled={!live || busy !== null || u.phase === 'checking'}>
            {busy === 'check' ? 'Checking…' : 'Check now'}
          </button>
        ) : null}
      </p>
      {error ? (
        <p className="outcome outcome--bad" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  )
}
