/**
 * The application menu (installed, with Edit shortcuts, no developer tools or reload in a packaged
 * app, macOS app menu, File → Open dashboard and Quit wired) and the crash guards (an uncaught
 * exception drains once and exits 1; an abnormal helper-process exit is logged; a crashed renderer
 * is reloaded at most 3 times a minute; a clean exit is not a crash).
 */
import { EventEmitter } from 'node:events'
import type { BrowserWindow } from 'electron'
import { beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import { appMenuTemplate, installAppMenu, type AppMenuOptions } from '../../../src/main/electron/app-menu'
import { MAX_RENDERER_RELOADS_PER_MINUTE, installCrashGuards, reloadCrashedRenderer } from '../../../src/main/electron/crash-guards'
import { LogSink } from '../../../src/main/logging/logger'
import { FakeBrowserWindow, FakeMenu, app, fake, fakeEvent, resetFakeElectron, type FakeMenuItem } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

type Item = FakeMenuItem & { role?: string; submenu?: Item[] }
let sink: LogSink
let menuOpts: AppMenuOptions & { showDashboard: Mock<() => void>; quit: Mock<() => void>; openHelp: Mock<() => void> }

function roles(items: Item[]): string[] {
  return items.flatMap((i) => [...(i.role ? [i.role] : []), ...(i.id ? [i.id] : []), ...roles(i.submenu ?? [])])
}

beforeEach(() => {
  resetFakeElectron()
  sink = new LogSink({ level: 'debug', format: 'json', dir: null, write: () => undefined })
  menuOpts = { isPackaged: true, platform: 'linux', showDashboard: vi.fn<() => void>(), quit: vi.fn<() => void>(), openHelp: vi.fn<() => void>() }
})

describe('application menu', () => {
  it('is installed (replacing Electron’s default menu)', () => {
    installAppMenu(menuOpts)
    expect(FakeMenu.application).not.toBeNull()
    expect(FakeMenu.application?.items.map((i) => i.label)).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
  })

  it('packaged: edit shortcuts, zoom, no reload and no developer tools', () => {
    const r = roles(appMenuTemplate(menuOpts) as Item[])
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'resetZoom', 'togglefullscreen']) expect(r).toContain(role)
    expect(r).not.toContain('toggleDevTools')
    expect(r).not.toContain('reload')
    expect(r).not.toContain('forceReload')
  })

  it('unpackaged (development): reload and developer tools are there', () => {
    const r = roles(appMenuTemplate({ ...menuOpts, isPackaged: false }) as Item[])
    expect(r).toContain('toggleDevTools')
    expect(r).toContain('reload')
  })

  it('macOS has the app menu with about, hide and quit first', () => {
    const t = appMenuTemplate({ ...menuOpts, platform: 'darwin' }) as Item[]
    expect(t[0]?.label).toBe('WARP Host')
    expect(roles(t[0]?.submenu ?? [])).toEqual(['about', 'hide', 'hideOthers', 'unhide', 'quit'])
  })

  it('File → Open dashboard, Quit and Help → documentation are wired', () => {
    const t = appMenuTemplate(menuOpts) as Item[]
    const find = (id: string): Item | undefined => t.flatMap((i) => i.submenu ?? []).find((i) => i.id === id)
    find('dashboard')?.click?.({ checked: false })
    find('quit')?.click?.({ checked: false })
    find('docs')?.click?.({ checked: false })
    expect(menuOpts.showDashboard).toHaveBeenCalledTimes(1)
    expect(menuOpts.quit).toHaveBeenCalledTimes(1)
    expect(menuOpts.openHelp).toHaveBeenCalledTimes(1)
  })
})

describe('crash guards', () => {
  it('an uncaught exception is logged, drains the services once and exits 1; a second one does not drain again', async () => {
    const target = new EventEmitter()
    const shutdown = vi.fn(async () => undefined)
    installCrashGuards({ log: () => sink.logger('desktop'), shutdown, target: target as unknown as NodeJS.Process })
    target.emit('uncaughtException', new Error('boom'))
    target.emit('uncaughtException', new Error('boom again'))
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(1))
    expect(shutdown).toHaveBeenCalledTimes(1)
    expect(sink.tail({ level: 'error' }).some((e) => e.msg.includes('uncaught exception'))).toBe(true)
    target.emit('unhandledRejection', new Error('lost promise'))
    expect(sink.tail({ level: 'error' }).some((e) => e.msg.includes('unhandled promise rejection'))).toBe(true)
  })

  it('child-process-gone: an abnormal end is logged, a clean exit is not', () => {
    installCrashGuards({ log: () => sink.logger('desktop'), shutdown: async () => undefined, target: new EventEmitter() as unknown as NodeJS.Process })
    app.emit('child-process-gone', fakeEvent(), { type: 'GPU', reason: 'crashed', exitCode: 139 })
    app.emit('child-process-gone', fakeEvent(), { type: 'Utility', reason: 'clean-exit', exitCode: 0, name: 'Network Service' })
    const errors = sink.tail({ level: 'error' }).filter((e) => e.msg.includes('helper process ended'))
    expect(errors).toHaveLength(1)
    expect(errors[0]?.fields).toMatchObject({ type: 'GPU', reason: 'crashed', exitCode: 139 })
  })

  it('a crashed renderer is reloaded, at most 3 times a minute; a clean exit is not reloaded', () => {
    const win = new FakeBrowserWindow({})
    const reload = vi.fn()
    let now = 0
    reloadCrashedRenderer(fake<BrowserWindow>(win), reload, sink.logger('desktop'), () => now)
    win.webContents.emit('render-process-gone', fakeEvent(), { reason: 'clean-exit', exitCode: 0 })
    expect(reload).not.toHaveBeenCalled()
    for (let i = 0; i < MAX_RENDERER_RELOADS_PER_MINUTE + 2; i++) win.webContents.emit('render-process-gone', fakeEvent(), { reason: 'crashed', exitCode: 1 })
    expect(reload).toHaveBeenCalledTimes(MAX_RENDERER_RELOADS_PER_MINUTE)
    expect(sink.tail({ level: 'error' }).some((e) => e.msg.includes('keeps crashing'))).toBe(true)
    now = 61_000
    win.webContents.emit('render-process-gone', fakeEvent(), { reason: 'oom', exitCode: 1 })
    expect(reload).toHaveBeenCalledTimes(MAX_RENDERER_RELOADS_PER_MINUTE + 1)
  })
})
