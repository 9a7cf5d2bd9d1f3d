/**
 * shell.* through the real runtime's dispatcher: without a desktop shell (headless) info says "not
 * available" and the actions answer `unavailable`; with the desktop ShellPort attached, launch at
 * login is a contract call (Linux: the XDG autostart entry with --hidden is written and removed)
 * that pushes `shell.changed`, the tray state and the updater state are reported, checking for
 * updates in an unpackaged app is `unavailable`, installing with nothing downloaded is `conflict`.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isLaunchAtLoginEnabled, linuxAutostartFile, setLaunchAtLogin } from '../../../src/main/electron/autostart'
import { createDesktopShell } from '../../../src/main/electron/desktop-shell'
import { UpdateController } from '../../../src/main/electron/updater'
import { ShellInfoSchema, type CallResult, type ShellInfo, type TrayState } from '../../../src/shared/contract'
import { app, resetFakeElectron } from './fake-electron'
import { startRealRuntime, type RealRuntime } from './real-runtime'

vi.mock('electron', () => import('./fake-electron'))

let rt: RealRuntime
let xdg: string
const realPlatform = process.platform
const savedXdg = process.env.XDG_CONFIG_HOME

function setPlatform(p: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { value: p, configurable: true })
}

function call(method: string, input?: unknown): Promise<CallResult> {
  return rt.runtime.dispatch(method, input, { transport: 'test', client: 'shell-test' })
}

function attach(tray: TrayState | null = 'idle'): { updater: UpdateController; detach: () => void } {
  const updater = new UpdateController({
    backend: () => Promise.reject(new Error('not used')),
    support: { ok: false, reason: 'Updates are checked only in the installed app' },
    enabled: () => rt.runtime.config.desktop.auto_update,
    log: rt.sink.logger('updater'),
    onChange: () => undefined,
    onReady: () => undefined,
    restart: () => undefined
  })
  const shell = createDesktopShell({
    launchAtLogin: { get: () => isLaunchAtLoginEnabled(), set: (enabled) => setLaunchAtLogin(enabled) },
    trayState: () => tray,
    updater,
    events: rt.runtime.events
  })
  return { updater, detach: rt.runtime.attachShell(shell) }
}

beforeEach(async () => {
  resetFakeElectron()
  setPlatform('linux')
  app.isPackaged = true
  xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-xdg-'))
  process.env.XDG_CONFIG_HOME = xdg
  rt = await startRealRuntime()
})

afterEach(async () => {
  setPlatform(realPlatform)
  if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME
  else process.env.XDG_CONFIG_HOME = savedXdg
  await rt.cleanup()
  fs.rmSync(xdg, { recursive: true, force: true })
})

describe('shell.* without the desktop shell (headless)', () => {
  it('info reports not available; the actions answer unavailable', async () => {
    const info = await call('shell.info')
    expect(info).toMatchObject({ ok: true, value: { available: false, tray: null, launchAtLogin: { supported: false }, update: { phase: 'unsupported' } } })
    for (const [method, input] of [['shell.setLaunchAtLogin', { enabled: true }], ['shell.checkForUpdates', undefined], ['shell.installUpdate', undefined]] as const) {
      expect(await call(method, input), method).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    }
    expect(fs.existsSync(linuxAutostartFile())).toBe(false)
  })
})

describe('shell.* with the desktop shell attached', () => {
  it('launch at login is a contract call: writes/removes the autostart entry and pushes shell.changed', async () => {
    const { detach } = attach('hosting')
    const pushed: ShellInfo[] = []
    const off = rt.runtime.events.on('shell.changed', (i) => pushed.push(ShellInfoSchema.parse(i)))

    const before = await call('shell.info')
    expect(before).toMatchObject({ ok: true, value: { available: true, reason: null, tray: 'hosting', launchAtLogin: { supported: true, enabled: false } } })

    const on = await call('shell.setLaunchAtLogin', { enabled: true })
    expect(on).toMatchObject({ ok: true, value: { launchAtLogin: { enabled: true } } })
    expect(fs.readFileSync(linuxAutostartFile(), 'utf8')).toMatch(/^Exec=.*--hidden$/m)
    expect(pushed.at(-1)?.launchAtLogin.enabled).toBe(true)

    const pushes = pushed.length
    await call('shell.setLaunchAtLogin', { enabled: true }) // no change: no second push
    expect(pushed).toHaveLength(pushes)

    const off2 = await call('shell.setLaunchAtLogin', { enabled: false })
    expect(off2).toMatchObject({ ok: true, value: { launchAtLogin: { enabled: false } } })
    expect(fs.existsSync(linuxAutostartFile())).toBe(false)

    expect(await call('shell.setLaunchAtLogin', { enabled: 'yes' })).toMatchObject({ ok: false, error: { code: 'bad_input' } })
    off()
    detach()
    expect(await call('shell.info')).toMatchObject({ ok: true, value: { available: false } })
  })

  it('reports the updater: unsupported unpackaged (check unavailable), install with nothing downloaded is a conflict', async () => {
    const { detach } = attach(null)
    expect(await call('shell.info')).toMatchObject({ ok: true, value: { tray: null, update: { phase: 'unsupported', message: expect.stringContaining('installed app') } } })
    expect(await call('shell.checkForUpdates')).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    expect(await call('shell.installUpdate')).toMatchObject({ ok: false, error: { code: 'conflict' } })
    detach()
  })

  it('the desktop settings are contract-backed config: notifications, muted kinds, automatic updates', async () => {
    expect(rt.runtime.config.desktop).toEqual({ notifications: true, muted_notifications: [], auto_update: true })
    const r = await call('config.update', { desktop: { auto_update: false, muted_notifications: ['service.recovered'] } })
    expect(r.ok).toBe(true)
    expect(rt.runtime.config.desktop).toMatchObject({ auto_update: false, muted_notifications: ['service.recovered'] })
    expect(await call('config.update', { desktop: { muted_notifications: ['no.such.kind'] } })).toMatchObject({ ok: false, error: { code: 'bad_input' } })
  })
})
