/**
 * Launch at login: Linux writes/removes an XDG autostart entry that starts the app with --hidden
 * (the AppImage path when there is one); Windows/macOS use setLoginItemSettings with --hidden;
 * `--hidden` (or a macOS login start) keeps the window hidden.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isLaunchAtLoginEnabled, linuxAutostartFile, linuxDesktopEntry, setLaunchAtLogin, startedHidden } from '../../../src/main/electron/autostart'
import { app, resetFakeElectron } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

let dir: string
const realPlatform = process.platform

function setPlatform(p: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { value: p, configurable: true })
}

beforeEach(() => {
  resetFakeElectron()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-autostart-test-'))
})

afterEach(() => {
  setPlatform(realPlatform)
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('autostart', () => {
  it('Linux: writes and removes ~/.config/autostart/warp-host.desktop with --hidden', () => {
    setPlatform('linux')
    app.isPackaged = true
    const env = { XDG_CONFIG_HOME: dir, APPIMAGE: '/home/me/Apps/WARP Host.AppImage' }
    expect(linuxAutostartFile(env)).toBe(path.join(dir, 'autostart', 'warp-host.desktop'))
    expect(isLaunchAtLoginEnabled(env)).toBe(false)
    setLaunchAtLogin(true, env)
    expect(isLaunchAtLoginEnabled(env)).toBe(true)
    const text = fs.readFileSync(linuxAutostartFile(env), 'utf8')
    expect(text).toContain('[Desktop Entry]')
    expect(text).toContain('Exec="/home/me/Apps/WARP Host.AppImage" --hidden')
    setLaunchAtLogin(false, env)
    expect(fs.existsSync(linuxAutostartFile(env))).toBe(false)
    setLaunchAtLogin(false, env) // idempotent
  })

  it('Linux: the Exec line quotes special characters as the desktop entry spec asks', () => {
    expect(linuxDesktopEntry(['/opt/a b/$x"y', '--hidden'])).toContain('Exec="/opt/a b/\\$x\\"y" --hidden')
    expect(linuxDesktopEntry(['/usr/bin/warp-host', '--hidden'])).toContain('Exec=/usr/bin/warp-host --hidden')
  })

  it.each(['win32', 'darwin'] as const)('%s: uses setLoginItemSettings with args [--hidden]', (platform) => {
    setPlatform(platform)
    app.isPackaged = true
    setLaunchAtLogin(true)
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] })
    expect(isLaunchAtLoginEnabled()).toBe(true)
    setLaunchAtLogin(false)
    expect(app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: false, args: ['--hidden'] })
  })

  it('starts hidden with --hidden, or when macOS opened it at login', () => {
    setPlatform('linux')
    expect(startedHidden(['--hidden'])).toBe(true)
    expect(startedHidden([])).toBe(false)
    setPlatform('darwin')
    app.loginItem.wasOpenedAtLogin = true
    expect(startedHidden([])).toBe(true)
  })
})
