/**
 * Notifications: the "still running in the tray" notice is shown once per data folder — even
 * across restarts (kept in the app store's meta table) — and never when notifications are
 * unsupported; a service entering the error state notifies once per transition.
 */
import fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TRAY_NOTICE_KEY, notify, showTrayNoticeOnce, watchServiceErrors } from '../../../src/main/electron/notifications'
import type { AppStatus } from '../../../src/shared/contract'
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

describe('service error notices', () => {
  it('notifies once when a service enters the error state, again only after it recovered', () => {
    const off = watchServiceErrors(rt.runtime.events)
    const base = rt.runtime.status()
    const withPoller = (state: 'running' | 'error'): AppStatus => ({
      ...base,
      services: [...base.services, { name: 'ai-ipc', label: 'AI request poller', state, since: base.startedAt, ...(state === 'error' ? { error: 'Access denied for user' } : {}) }]
    })
    rt.runtime.events.emit('app.status', withPoller('running'))
    expect(FakeNotification.shown).toHaveLength(0)
    rt.runtime.events.emit('app.status', withPoller('error'))
    rt.runtime.events.emit('app.status', withPoller('error'))
    expect(FakeNotification.shown).toHaveLength(1)
    expect(FakeNotification.shown[0]?.options).toMatchObject({ title: 'AI request poller stopped working', body: 'Access denied for user' })
    rt.runtime.events.emit('app.status', withPoller('running'))
    rt.runtime.events.emit('app.status', withPoller('error'))
    expect(FakeNotification.shown).toHaveLength(2)
    off()
    rt.runtime.events.emit('app.status', withPoller('running'))
    rt.runtime.events.emit('app.status', withPoller('error'))
    expect(FakeNotification.shown).toHaveLength(2)
  })
})
