/**
 * "Update ready — restart": shown above every page once the desktop app has downloaded an update
 * (`shell.info` / `shell.changed` say `ready`). Restart now stops the services cleanly and
 * restarts into the new version (shell.installUpdate); Later hides it until the next version.
 */
import { useShellStore } from '../stores/shell'

export function UpdateBanner(): React.JSX.Element | null {
  const update = useShellStore((s) => s.info?.update)
  const busy = useShellStore((s) => s.busy)
  const error = useShellStore((s) => s.error)
  const dismissed = useShellStore((s) => s.dismissedVersion)
  const { installUpdate, dismiss } = useShellStore.getState()
  if (!update || update.phase !== 'ready') return null
  const version = update.version ?? 'A new version'
  if (dismissed === version) return null
  const restarting = busy === 'install'
  return (
    <div className="banner banner--update" role="status" data-testid="update-banner">
      <div className="banner__text">
        <strong>Update ready — WARP Host {version} installs when it restarts.</strong>
        <span className="banner__detail">
          {restarting ? 'Stopping the services and restarting…' : 'Restarting stops the services cleanly first; hosting resumes after the restart.'}
          {error && !restarting ? ` ${error}` : ''}
        </span>
      </div>
      <button type="button" className="button" onClick={() => void installUpdate()} disabled={restarting}>
        {restarting ? 'Restarting…' : 'Restart now'}
      </button>
      <button type="button" className="button button--quiet" onClick={() => dismiss(version)} disabled={restarting}>
        Later
      </button>
    </div>
  )
}
