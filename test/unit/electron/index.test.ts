/**
 * The composition root (src/main/index.ts) with a fake electron (and a fake electron-updater) and
 * the real runtime: app:// is registered before ready and the single-instance lock comes first (a
 * second instance quits at once), a bad config shows an error box and exits 78, and a normal start
 * wires app:// → window → IPC → menu → tray → shell.* and quits gracefully; closing hides to the
 * tray with the one-time notice; `--hidden` keeps the window hidden; an unpackaged app never loads
 * the updater.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type * as FakeElectron from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))
const updaterLoaded = vi.fn()
vi.mock('electron-updater', () => {
  updaterLoaded()
  return { autoUpdater: {} }
})

let dataDir: string
let electron: typeof FakeElectron
const savedArgv = process.argv
const savedEnv = { ...process.env }
let signalListeners: Record<string, ((...args: unknown[]) => void)[]>
/** Process events the entry listens to (signals, crash guards): the test removes what it added. */
const GUARDED = ['SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection'] as const

/** Runs src/main/index.ts afresh against a fresh fake electron; `prepare` tweaks the fake first. */
async function runEntry(prepare: (e: typeof FakeElectron) => void = () => undefined): Promise<void> {
  vi.resetModules()
  electron = (await import('electron')) as unknown as typeof FakeElectron
  electron.resetFakeElectron()
  prepare(electron)
  await import('../../../src/main/index')
}

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-entry-test-'))
  process.argv = ['/opt/WARP Host/warp-host']
  process.env.WARP_HOST_DATA_DIR = dataDir
  process.env.COORDINATOR_PORT = '0'
  process.env.ADMIN_PORT = '0'
  delete process.env.ELECTRON_RENDERER_URL
  // The entry logs to stdout like the real app; keep the test output readable.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  signalListeners = Object.fromEntries(
    GUARDED.map((sig) => [sig, process.listeners(sig as 'SIGINT') as ((...args: unknown[]) => void)[]])
  )
})

afterEach(() => {
  vi.restoreAllMocks()
  // The entry installs SIGINT/SIGTERM → quit handlers: remove only those it added.
  for (const sig of GUARDED) {
    for (const l of process.listeners(sig as 'SIGINT')) if (!signalListeners[sig]?.includes(l as (...args: unknown[]) => void)) process.off(sig as 'SIGINT', l)
  }
  process.argv = savedArgv
  process.env = { ...savedEnv }
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('desktop entry', { timeout: 30_000 }, () => {
  it('a second instance quits at once without booting anything', async () => {
    await runEntry((e) => {
      e.app.hasLock = false
    })
    expect(electron.app.requestSingleInstanceLock).toHaveBeenCalledTimes(1)
    expect(electron.app.quit).toHaveBeenCalled()
    expect(electron.app.whenReady).not.toHaveBeenCalled()
    expect(electron.FakeBrowserWindow.all).toHaveLength(0)
  })

  it('a bad configuration shows an error box naming the key and exits 78', async () => {
    fs.writeFileSync(path.join(dataDir, 'config.yaml'), 'polling:\n  interval_ms: 1\n')
    await runEntry()
    await vi.waitFor(() => expect(electron.app.exit).toHaveBeenCalled())
    expect(electron.app.exit).toHaveBeenCalledWith(78)
    const [title, message] = electron.dialog.showErrorBox.mock.calls[0] ?? []
    expect(title).toMatch(/invalid configuration/i)
    expect(message).toContain('polling.interval_ms')
    expect(electron.FakeBrowserWindow.all).toHaveLength(0)
  })

  it('starts: lock first, sandbox on, window + IPC + tray wired, renderer loaded; quits gracefully', async () => {
    await runEntry()
    await vi.waitFor(() => expect(electron.FakeBrowserWindow.all[0]?.loaded).toBeTruthy(), { timeout: 8000 })
    const { app, ipcMain, FakeBrowserWindow, FakeTray } = electron
    const win = FakeBrowserWindow.all[0]
    if (!win) throw new Error('no window')

    expect(app.enableSandbox).toHaveBeenCalled()
    expect(app.requestSingleInstanceLock.mock.invocationCallOrder[0]).toBeLessThan(app.whenReady.mock.invocationCallOrder[0] ?? Infinity)
    // app:// registered as privileged before ready, and served after it.
    expect(electron.protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]).toBeLessThan(app.whenReady.mock.invocationCallOrder[0] ?? Infinity)
    expect(electron.protocol.handlers.has('app')).toBe(true)
    expect(electron.FakeMenu.application?.items.map((i) => i.label)).toContain('Edit')
    const prefs = (win.options as { webPreferences: Record<string, unknown> }).webPreferences
    expect(prefs).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true })
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.js$/)
    expect(win.loadURL).toHaveBeenCalledWith('app://warp-host/index.html')
    expect(win.loadFile).not.toHaveBeenCalled()
    expect(win.visible).toBe(false) // shown on ready-to-show (not --hidden)
    win.emit('ready-to-show')
    expect(win.visible).toBe(true)
    expect(FakeTray.instances).toHaveLength(1)
    const trayMenu = FakeTray.instances[0]?.menu
    expect(trayMenu?.byId('quit')).toBeDefined()
    expect(trayMenu?.byId('pause') ?? trayMenu?.byId('resume')).toBeDefined()
    expect(trayMenu?.byId('toggle')?.label).toBe('Hide dashboard')

    // The loaded page can call the contract; the secret store is safeStorage.
    const event = { sender: win.webContents, senderFrame: { url: win.webContents.mainFrame.url } }
    const status = (await ipcMain.invoke('contract:call:app.status', event, undefined)) as { ok: boolean; value: { mode: string; dataDir: string } }
    expect(status.ok).toBe(true)
    expect(status.value).toMatchObject({ mode: 'desktop', dataDir })
    const view = (await ipcMain.invoke('contract:call:config.get', event, undefined)) as { value: { secretStorage: string } }
    expect(view.value.secretStorage).toBe('safeStorage')
    // shell.* is served by the desktop ShellPort: tray state, launch at login, updater.
    const shellInfo = (await ipcMain.invoke('contract:call:shell.info', event, undefined)) as { ok: boolean; value: Record<string, unknown> }
    expect(shellInfo).toMatchObject({ ok: true, value: { available: true, tray: expect.stringMatching(/^(idle|hosting|error)$/), update: { phase: 'unsupported' } } })
    // The page itself over app:// comes with the CSP.
    const page = await electron.protocol.fetch('app://warp-host/index.html').catch(() => null)
    if (page && page.status === 200) expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")

    // Close hides to the tray (once with the "still running" notice); quit stops the services, then really quits.
    expect(win.close().defaultPrevented).toBe(true)
    expect(win.visible).toBe(false)
    expect(electron.FakeNotification.shown.map((n) => n.options.title)).toEqual(['WARP Host is still running'])
    win.show()
    expect(win.close().defaultPrevented).toBe(true)
    expect(electron.FakeNotification.shown).toHaveLength(1)
    expect(updaterLoaded).not.toHaveBeenCalled() // unpackaged: no update checks
    app.quit()
    await vi.waitFor(() => expect(app.quitCount).toBe(1), { timeout: 15000 })
    const logText = fs.readFileSync(path.join(dataDir, 'logs', 'warp-host.log'), 'utf8')
    expect(logText).toContain('WARP Host desktop ready')
    expect(logText).toContain('final statistics')
    expect(logText).toContain('stopped cleanly')
    expect(ipcMain.handlers.size).toBe(0)
    expect(FakeTray.instances[0]?.destroyed).toBe(true)
    expect(electron.protocol.handlers.has('app')).toBe(false)
  })

  it('--hidden (launch at login): the window stays hidden, the tray is there and the contract answers', async () => {
    process.argv = ['/opt/WARP Host/warp-host', '--hidden']
    await runEntry()
    await vi.waitFor(() => expect(electron.FakeBrowserWindow.all[0]?.loaded).toBeTruthy(), { timeout: 8000 })
    const win = electron.FakeBrowserWindow.all[0]
    if (!win) throw new Error('no window')
    win.emit('ready-to-show')
    expect(win.visible).toBe(false)
    expect(electron.FakeTray.instances).toHaveLength(1)
    expect(electron.FakeTray.instances[0]?.menu?.byId('toggle')?.label).toBe('Open dashboard')
    const event = { sender: win.webContents, senderFrame: { url: win.webContents.mainFrame.url } }
    expect(await electron.ipcMain.invoke('contract:call:app.status', event, undefined)).toMatchObject({ ok: true })
    electron.app.quit()
    await vi.waitFor(() => expect(electron.app.quitCount).toBe(1), { timeout: 15000 })
  })
})
