/**
 * The desktop shell's ShellPort: what the runtime's `shell.*` methods answer in the Electron app —
 * launch at login (autostart.ts), the tray's state and the updater's — and the `shell.changed`
 * event whenever one of them changes, so Settings and the update banner stay live.
 */
import type { ShellInfo, TrayState } from '../../shared/contract'
import type { EventBus } from '../events'
import type { ShellPort } from '../shell-port'
import type { UpdateController } from './updater'

export interface DesktopShellOptions {
  /** null when this platform cannot start the app at login. */
  launchAtLogin: { get: () => boolean; set: (enabled: boolean) => void } | null
  /** The tray's state, null without a tray. */
  trayState: () => TrayState | null
  updater: UpdateController
  events: EventBus
}

export interface DesktopShell extends ShellPort {
  /** Something shell.info reports may have changed: push `shell.changed` if it did. */
  changed(): void
}

export function createDesktopShell(opts: DesktopShellOptions): DesktopShell {
  const info = (): ShellInfo => {
    const login = opts.launchAtLogin
    let enabled: boolean
    try {
      enabled = login ? login.get() : false
    } catch {
      enabled = false // an unreadable login item reads as "off"
    }
    return {
      available: true,
      reason: null,
      launchAtLogin: { supported: login !== null, enabled },
      tray: opts.trayState(),
      update: opts.updater.state
    }
  }
  let last = ''
  /** Pushes shell.changed when something differs from the last push (callers may call it often). */
  const changed = (): void => {
    const now = info()
    const key = JSON.stringify(now)
    if (key === last) return
    last = key
    opts.events.emit('shell.changed', now)
  }
  return {
    info,
    changed,
    setLaunchAtLogin(enabled) {
      if (!opts.launchAtLogin) throw new Error('Starting at login is not supported on this system')
      opts.launchAtLogin.set(enabled)
      changed()
      return info()
    },
    async checkForUpdates() {
      await opts.updater.checkNow()
      return info()
    },
    installUpdate: () => opts.updater.install()
  }
}
