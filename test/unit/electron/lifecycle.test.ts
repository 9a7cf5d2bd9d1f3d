/**
 * The app lifecycle with a real Runtime: close hides to the tray unless quitting, the first
 * before-quit is held until runtime.stop() has finished (then the quit goes on), the updater's
 * before-quit-for-update counts as quitting and drains the services, a restart into an update
 * (quitForUpdate) stops the services before the updater's quitAndInstall runs, a second launch
 * reveals the window, and the single-instance lock is what the entry asks first.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import type { BrowserWindow } from 'electron'
import { acquireSingleInstanceLock, installLifecycle, type Lifecycle } from '../../../src/main/electron/lifecycle'
import { FakeBrowserWindow, app, autoUpdater, fake, fakeEvent, resetFakeElectron } from './fake-electron'
import { startRealRuntime, type RealRuntime } from './real-runtime'

vi.mock('electron', () => import('./fake-electron'))

let rt: RealRuntime
let win: FakeBrowserWindow
let lifecycle: Lifecycle
let hiddenToTray: Mock<() => void>
let stopFinished: boolean

function install(extra: { shutdown?: () => Promise<void>; shutdownTimeoutMs?: number; canHideToTray?: () => boolean } = {}): void {
  lifecycle = installLifecycle({
    window: fake<BrowserWindow>(win),
    log: rt.sink.logger('lifecycle'),
    handleSignals: false,
    onHiddenToTray: hiddenToTray,
    shutdown:
      extra.shutdown ??
      (async () => {
        await rt.runtime.stop()
        stopFinished = true
      }),
    ...(extra.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: extra.shutdownTimeoutMs } : {}),
    ...(extra.canHideToTray ? { canHideToTray: extra.canHideToTray } : {})
  })
}

beforeEach(async () => {
  resetFakeElectron()
  rt = await startRealRuntime()
  win = new FakeBrowserWindow({})
  win.visible = true
  hiddenToTray = vi.fn<() => void>()
  stopFinished = false
})

afterEach(async () => {
  await rt.cleanup()
})

describe('lifecycle', () => {
  it('asks for the single-instance lock', () => {
    app.hasLock = false
    expect(acquireSingleInstanceLock()).toBe(false)
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1)
  })

  it('closing the window hides it to the tray while not quitting', () => {
    install()
    const e = win.close()
    expect(e.defaultPrevented).toBe(true)
    expect(win.isDestroyed()).toBe(false)
    expect(win.hide).toHaveBeenCalledTimes(1)
    expect(win.isVisible()).toBe(false)
    expect(hiddenToTray).toHaveBeenCalledTimes(1)
    expect(lifecycle.isQuitting).toBe(false)
  })

  it('quit holds the first before-quit until runtime.stop() finished, then quits for real', async () => {
    install()
    const storeStateAtQuit: string[] = []
    app.quit.mockImplementation(() => {
      storeStateAtQuit.push(rt.runtime.store.status().state)
      const e = fakeEvent()
      app.emit('before-quit', e)
      if (!e.defaultPrevented) app.quitCount++
    })

    lifecycle.quit()
    expect(lifecycle.isQuitting).toBe(true)
    expect(app.quitCount).toBe(0) // held: the services are stopping
    await vi.waitFor(() => expect(app.quitCount).toBe(1))
    expect(stopFinished).toBe(true)
    // The second app.quit() came after the store (the last thing runtime.stop closes) was stopped.
    expect(storeStateAtQuit).toEqual(['running', 'stopped'])
    expect(app.exit).not.toHaveBeenCalled()
    // While quitting, a close really closes.
    expect(win.close().defaultPrevented).toBe(false)
    expect(win.isDestroyed()).toBe(true)
  })

  it('a before-quit during the shutdown is held too, and stop runs once', async () => {
    let calls = 0
    let release: () => void = () => undefined
    install({
      shutdown: () => {
        calls++
        return new Promise<void>((resolve) => {
          release = resolve
        })
      }
    })
    const first = fakeEvent()
    app.emit('before-quit', first)
    const second = fakeEvent()
    app.emit('before-quit', second)
    expect(first.defaultPrevented && second.defaultPrevented).toBe(true)
    expect(calls).toBe(1)
    release()
    await vi.waitFor(() => expect(app.quitCount).toBe(1))
  })

  it('a failing stop is logged and the app still quits', async () => {
    install({ shutdown: () => Promise.reject(new Error('disk gone')) })
    lifecycle.quit()
    await vi.waitFor(() => expect(app.quitCount).toBe(1))
    expect(rt.sink.tail({ level: 'error' }).some((e) => e.msg.includes('error while stopping services'))).toBe(true)
  })

  it('a stop that hangs past the timeout exits the process', async () => {
    install({ shutdown: () => new Promise<void>(() => undefined), shutdownTimeoutMs: 20 })
    lifecycle.quit()
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(1))
  })

  it("autoUpdater's before-quit-for-update counts as quitting: close is not turned into hide, and the services drain", async () => {
    install()
    autoUpdater.emit('before-quit-for-update')
    expect(lifecycle.isQuitting).toBe(true)
    const e = win.close()
    expect(e.defaultPrevented).toBe(false)
    expect(hiddenToTray).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(stopFinished).toBe(true))
  })

  it('quitForUpdate stops the services first, then runs the install (which quits); the quit is not held again', async () => {
    install()
    const order: string[] = []
    const quitAndInstall = vi.fn(() => {
      order.push(`install (store ${rt.runtime.store.status().state})`)
      // What electron-updater does: before-quit-for-update, then app.quit().
      autoUpdater.emit('before-quit-for-update')
      app.quit()
    })
    await lifecycle.quitForUpdate(quitAndInstall)
    expect(stopFinished).toBe(true)
    expect(order).toEqual(['install (store stopped)'])
    expect(app.quitCount).toBe(1) // the updater's quit went through at once
    expect(lifecycle.isQuitting).toBe(true)
  })

  it('quitForUpdate: an install that throws still quits', async () => {
    install()
    await lifecycle.quitForUpdate(() => {
      throw new Error('installer missing')
    })
    expect(app.quitCount).toBe(1)
    expect(rt.sink.tail({ level: 'error' }).some((e) => e.msg.includes('the update could not be installed'))).toBe(true)
  })

  it('a second launch restores, shows and focuses the window', () => {
    install()
    win.visible = false
    win.minimized = true
    app.emit('second-instance', fakeEvent(), ['warp-host'], '/home')
    expect(win.restore).toHaveBeenCalled()
    expect(win.show).toHaveBeenCalled()
    expect(win.focus).toHaveBeenCalled()
  })

  it('a second launch with --hidden (login start while running) leaves the window alone', () => {
    install()
    win.visible = false
    app.emit('second-instance', fakeEvent(), ['warp-host', '--hidden'], '/home')
    expect(win.show).not.toHaveBeenCalled()
  })

  it('toggle hides a visible window and shows a hidden one', () => {
    install()
    lifecycle.toggle()
    expect(win.isVisible()).toBe(false)
    lifecycle.toggle()
    expect(win.isVisible()).toBe(true)
  })

  it('closing all windows never quits on its own (the tray keeps the app)', () => {
    install()
    expect(app.listenerCount('window-all-closed')).toBe(1)
  })

  it('without a tray to come back from, closing the window quits instead of hiding', async () => {
    install({ canHideToTray: () => false })
    win.close()
    expect(win.hide).not.toHaveBeenCalled()
    expect(app.quit).toHaveBeenCalled()
    await vi.waitFor(() => expect(app.quitCount).toBe(1))
  })
})
