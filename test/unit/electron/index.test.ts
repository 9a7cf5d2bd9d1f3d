/**
 * The composition root (src/main/index.ts) with a fake electron and the real runtime: the
 * single-instance lock comes first (a second instance quits at once), a bad config shows an error
 * box and exits 78, and a normal start wires window → IPC → tray and quits gracefully.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type * as FakeElectron from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

let dataDir: string
let electron: typeof FakeElectron
const savedArgv = process.argv
const savedEnv = { ...process.env }
let signalListeners: Record<string, ((...args: unknown[]) => void)[]>

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
  signalListeners = {
    SIGINT: process.listeners('SIGINT') as ((...args: unknown[]) => void)[],
    SIGTERM: process.listeners('SIGTERM') as ((...args: unknown[]) => void)[]
  }
})

afterEach(() => {
  vi.restoreAllMocks()
  // The entry installs SIGINT/SIGTERM → quit handlers: remove only those it added.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(sig)) if (!signalListeners[sig]?.includes(l as (...args: unknown[]) => void)) process.off(sig, l)
  }
  process.argv = savedArgv
  process.env = { ...savedEnv }
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('desktop entry', () => {
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
    const prefs = (win.options as { webPreferences: Record<string, unknown> }).webPreferences
    expect(prefs).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true })
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.js$/)
    expect(win.loadFile).toHaveBeenCalledWith(expect.stringMatching(/renderer[\\/]index\.html$/))
    expect(FakeTray.instances).toHaveLength(1)
    expect(FakeTray.instances[0]?.menu?.byId('quit')).toBeDefined()

    // The loaded page can call the contract; the secret store is safeStorage.
    const event = { sender: win.webContents, senderFrame: { url: win.webContents.mainFrame.url } }
    const status = (await ipcMain.invoke('contract:call:app.status', event, undefined)) as { ok: boolean; value: { mode: string; dataDir: string } }
    expect(status.ok).toBe(true)
    expect(status.value).toMatchObject({ mode: 'desktop', dataDir })
    const view = (await ipcMain.invoke('contract:call:config.get', event, undefined)) as { value: { secretStorage: string } }
    expect(view.value.secretStorage).toBe('safeStorage')

    // Close hides to the tray; quit stops the services, then really quits.
    expect(win.close().defaultPrevented).toBe(true)
    app.quit()
    await vi.waitFor(() => expect(app.quitCount).toBe(1), { timeout: 15000 })
    const logText = fs.readFileSync(path.join(dataDir, 'logs', 'warp-host.log'), 'utf8')
    expect(logText).toContain('WARP Host desktop ready')
    expect(logText).toContain('final statistics')
    expect(logText).toContain('stopped cleanly')
    expect(ipcMain.handlers.size).toBe(0)
    expect(FakeTray.instances[0]?.destroyed).toBe(true)
  })
})
