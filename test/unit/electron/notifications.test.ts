/**
 * Notifications: the "still running in the tray" notice is shown once per data folder — even
 * across restarts (kept in the app store's meta table) — and never when notifications are
 * unsupported; every `app.notification` on the runtime's bus is shown unless the desktop settings
 * mute it (all off, or its kind muted — read per notification, so a Settings change applies at
 * once); a malformed one is ignored; a click runs the action; the runtime's own service.failed
 * notification reaches the desktop.
 */
import fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TRAY_NOTICE_KEY, isMuted, notify, showAppNotifications, showTrayNoticeOnce, type NotificationSettings } from '../../../src/main/electron/notifications'
import { NOTIFICATION_KINDS, type AppNotification, type NotificationKind } from '../../../src/shared/contract'
import { FakeNotification, resetFakeElectron } from './fake-electron'
import { startRealRuntime, type RealRuntime } from './real-runtime'

vi.mock('electron', () => import('./fake-electron'))

let rt: RealRuntime

beforeEach(async () => {
  resetFakeElectron()
  rt = await startRealRuntime({ keepDataDir: true })
})

afterEach(async () => {
  await rt.cleanup()
  fs.rmSync(rt.dataDir, { recursive: true, force: true })
})

describe('tray notice', () => {
  it('is shown the first time only, and remembered across a restart', async () => {
    const log = rt.sink.logger('t')
    expect(showTrayNoticeOnce(rt.runtime.store, log)).toBe(true)
    expect(FakeNotification.shown).toHaveLength(1)
    expect(FakeNotification.shown[0]?.options.title).toMatch(/still running/i)
    expect(rt.runtime.store.getMeta(TRAY_NOTICE_KEY)).toBeTruthy()
    expect(showTrayNoticeOnce(rt.runtime.store, log)).toBe(false)

    await rt.cleanup()
    rt = await startRealRuntime({ dataDir: rt.dataDir, keepDataDir: true })
    expect(showTrayNoticeOnce(rt.runtime.store, rt.sink.logger('t'))).toBe(false)
    expect(FakeNotification.shown).toHaveLength(1)
  })

  it('is not marked as shown when the OS has no notifications', () => {
    FakeNotification.supported = false
    expect(showTrayNoticeOnce(rt.runtime.store, rt.sink.logger('t'))).toBe(false)
    expect(rt.runtime.store.getMeta(TRAY_NOTICE_KEY)).toBeNull()
  })

  it('never throws when the store is closed (e.g. while quitting)', async () => {
    await rt.runtime.stop()
    expect(showTrayNoticeOnce(rt.runtime.store, rt.sink.logger('t'))).toBe(false)
  })

  it('a click on a notification runs its action', () => {
    const onClick = vi.fn()
    expect(notify({ title: 't', body: 'b', onClick })).toBe(true)
    FakeNotification.shown[0]?.emit('click')
    expect(onClick).toHaveBeenCalledTimes(1)
  })
})

function notification(kind: NotificationKind, title = `about ${kind}`): AppNotification {
  return { id: `n-${kind}-${Math.random()}`, kind, level: 'info', title, body: 'details', at: new Date().toISOString() }
}

describe('app notifications', () => {
  let settings: NotificationSettings

  beforeEach(() => {
    settings = { notifications: true, muted_notifications: [] }
  })

  it('isMuted: all off mutes every kind; a muted kind only itself', () => {
    for (const kind of NOTIFICATION_KINDS) {
      expect(isMuted({ notifications: true, muted_notifications: [] }, kind)).toBe(false)
      expect(isMuted({ notifications: false, muted_notifications: [] }, kind)).toBe(true)
    }
    expect(isMuted({ notifications: true, muted_notifications: ['training.completed'] }, 'training.completed')).toBe(true)
    expect(isMuted({ notifications: true, muted_notifications: ['training.completed'] }, 'training.failed')).toBe(false)
  })

  it.each(NOTIFICATION_KINDS)('%s is shown when not muted, and not when muted', (kind) => {
    const off = showAppNotifications({ events: rt.runtime.events, settings: () => settings, log: rt.sink.logger('n') })
    rt.runtime.events.emit('app.notification', notification(kind, 'Shown'))
    expect(FakeNotification.shown.map((n) => n.options.title)).toEqual(['Shown'])
    settings = { notifications: true, muted_notifications: [kind] }
    rt.runtime.events.emit('app.notification', notification(kind, 'Muted kind'))
    settings = { notifications: false, muted_notifications: [] }
    rt.runtime.events.emit('app.notification', notification(kind, 'All muted'))
    expect(FakeNotification.shown.map((n) => n.options.title)).toEqual(['Shown'])
    off()
  })

  it('follows the live config: muting in Settings (config.update) applies to the next notification', async () => {
    const off = showAppNotifications({ events: rt.runtime.events, settings: () => rt.runtime.config.desktop, log: rt.sink.logger('n') })
    rt.runtime.events.emit('app.notification', notification('hosting.session-full', 'Session full'))
    const r = await rt.runtime.dispatch('config.update', { desktop: { muted_notifications: ['hosting.session-full'] } }, { transport: 'test', client: 't' })
    expect(r.ok).toBe(true)
    rt.runtime.events.emit('app.notification', notification('hosting.session-full', 'Session full again'))
    rt.runtime.events.emit('app.notification', notification('training.failed', 'Training failed'))
    expect(FakeNotification.shown.map((n) => n.options.title)).toEqual(['Session full', 'Training failed'])
    off()
  })

  it('a click runs the action with the notification; a malformed payload is ignored; unsubscribe stops it', () => {
    const clicked: AppNotification[] = []
    const off = showAppNotifications({ events: rt.runtime.events, settings: () => settings, onClick: (n) => clicked.push(n), log: rt.sink.logger('n') })
    const n = notification('training.completed', 'Job done')
    rt.runtime.events.emit('app.notification', n)
    FakeNotification.shown[0]?.emit('click')
    expect(clicked).toEqual([n])
    rt.runtime.events.emit('app.notification', { ...n, kind: 'not-a-kind' } as unknown as AppNotification)
    expect(FakeNotification.shown).toHaveLength(1)
    expect(rt.sink.tail({ level: 'warn' }).some((e) => e.msg.includes('malformed app.notification'))).toBe(true)
    off()
    rt.runtime.events.emit('app.notification', notification('training.completed'))
    expect(FakeNotification.shown).toHaveLength(1)
  })

  it('nothing is shown where the OS has no notifications', () => {
    FakeNotification.supported = false
    const off = showAppNotifications({ events: rt.runtime.events, settings: () => settings, log: rt.sink.logger('n') })
    rt.runtime.events.emit('app.notification', notification('service.failed'))
    expect(FakeNotification.shown).toHaveLength(0)
    off()
  })
})
