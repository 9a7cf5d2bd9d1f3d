/**
 * Desktop notifications from the main process: a small wrapper over Electron's Notification, the
 * one-time "still running in the tray" notice (remembered in the app store's meta table, key
 * `tray.noticeShown`), and the contract's `app.notification` events (training finished, a service
 * failed or recovered, a player refused by a full session, an update ready) shown unless the
 * desktop settings mute them — all of them, or their kind.
 */
import { Notification } from 'electron'
import type { Config } from '../../shared/config-schema'
import { AppNotificationSchema, type AppNotification, type NotificationKind } from '../../shared/contract'
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

export type NotificationSettings = Pick<Config['desktop'], 'notifications' | 'muted_notifications'>

/** True when the settings silence this kind (notifications off, or the kind muted). */
export function isMuted(settings: NotificationSettings, kind: NotificationKind): boolean {
  return !settings.notifications || settings.muted_notifications.includes(kind)
}

export interface AppNotificationOptions {
  events: EventBus
  /** The desktop settings of the moment (read per notification, so a change applies at once). */
  settings: () => NotificationSettings
  /** A click on a shown notification (e.g. reveal the window). */
  onClick?: (n: AppNotification) => void
  log: Logger
}

/** Shows every `app.notification` the settings do not mute. Returns the unsubscribe. */
export function showAppNotifications(opts: AppNotificationOptions): () => void {
  return opts.events.on('app.notification', (payload) => {
    // Events come from services: check the shape at this boundary before it reaches the OS.
    const parsed = AppNotificationSchema.safeParse(payload)
    if (!parsed.success) {
      opts.log.warn('ignored a malformed app.notification', { issues: parsed.error.issues.length })
      return
    }
    const n = parsed.data
    if (isMuted(opts.settings(), n.kind)) {
      opts.log.debug('notification muted by the settings', { kind: n.kind, title: n.title })
      return
    }
    const onClick = opts.onClick
    notify({ title: n.title, body: n.body, ...(onClick ? { onClick: () => onClick(n) } : {}) })
  })
}
