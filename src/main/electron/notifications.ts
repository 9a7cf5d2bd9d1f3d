/**
 * Desktop notifications from the main process: a small wrapper over Electron's Notification,
 * the one-time "still running in the tray" notice (remembered in the app store's meta table, key
 * `tray.noticeShown`), and a notice when a service falls into the error state.
 */
import { Notification } from 'electron'
import type { AppStatus, ServiceState } from '../../shared/contract'
import type { EventBus } from '../events'
import type { Logger } from '../logging/logger'

export const TRAY_NOTICE_KEY = 'tray.noticeShown'

const live = new Set<Notification>()

export interface NotifyOptions {
  title: string
  body: string
  onClick?: () => void
}

/** Shows a notification if the OS supports them; returns whether one was shown. */
export function notify(opts: NotifyOptions): boolean {
  if (!Notification.isSupported()) return false
  const n = new Notification({ title: opts.title, body: opts.body, silent: false })
  // Keep a reference until it is gone, or a collected Notification never reports its click.
  live.add(n)
  const release = (): void => {
    live.delete(n)
  }
  n.on('close', release)
  n.on('failed', release)
  const onClick = opts.onClick
  n.on('click', () => {
    release()
    onClick?.()
  })
  n.show()
  return true
}

/** The part of the app store the notice needs. */
export interface MetaStore {
  getMeta(key: string): string | null
  setMeta(key: string, value: string): void
}

/**
 * The first time the window is closed to the tray, tell the user the app keeps running there.
 * Shown once per data folder, ever. Returns whether it was shown now.
 */
export function showTrayNoticeOnce(store: MetaStore, log: Logger, onClick?: () => void): boolean {
  try {
    if (store.getMeta(TRAY_NOTICE_KEY)) return false
    const body =
      process.platform === 'darwin'
        ? 'WARP Host keeps hosting and processing requests. Use the menu bar icon to open it again or quit.'
        : 'WARP Host keeps hosting and processing requests. Use the tray icon to open it again or quit.'
    const shown = notify({ title: 'WARP Host is still running', body, ...(onClick ? { onClick } : {}) })
    if (shown) store.setMeta(TRAY_NOTICE_KEY, new Date().toISOString())
    return shown
  } catch (err) {
    // The store may be closed (quitting) or broken: the notice is a nicety, never a failure.
    log.debug('tray notice skipped', { error: err instanceof Error ? err.message : String(err) })
    return false
  }
}

/** Notifies when a service enters the error state (once per transition). Returns the unsubscribe. */
export function watchServiceErrors(events: EventBus, onClick?: () => void): () => void {
  const last = new Map<string, ServiceState>()
  return events.on('app.status', (status: AppStatus) => {
    for (const s of status.services) {
      const before = last.get(s.name)
      last.set(s.name, s.state)
      if (s.state === 'error' && before !== 'error') {
        notify({ title: `${s.label} stopped working`, body: s.error ?? 'See the Logs page for details.', ...(onClick ? { onClick } : {}) })
      }
    }
  })
}
