/**
 * The tray: state derived from the services (error > active > idle), an icon and tooltip per state,
 * a menu that always has Show/Hide and Quit (plus the status line and Start at login), clicks
 * wired to the window and quit, and one module-level Tray.
 */
import path from 'node:path'
import { beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import type { AppStatus, ServiceStatus } from '../../../src/shared/contract'
import { createTray, currentTray, statusLine, trayIconPath, trayStateOf, type TrayOptions } from '../../../src/main/electron/tray'
import { FakeTray, fake, resetFakeElectron, type FakeMenu } from './fake-electron'
import { startRealRuntime } from './real-runtime'

vi.mock('electron', () => import('./fake-electron'))

const RESOURCES = '/opt/warp/resources'

function svc(name: string, state: ServiceStatus['state'], extra: Partial<ServiceStatus> = {}): ServiceStatus {
  return { name, label: name === 'store' ? 'App database' : `${name} service`, state, since: new Date(0).toISOString(), ...extra }
}

function status(services: ServiceStatus[]): AppStatus {
  return {
    version: '0.0.0',
    mode: 'desktop',
    startedAt: new Date(0).toISOString(),
    uptimeSeconds: 1,
    pid: 1,
    platform: 'linux-x64',
    nodeVersion: '22',
    dataDir: '/tmp/x',
    memory: { rssBytes: 1, heapUsedBytes: 1 },
    services
  }
}

let visible: boolean
let opts: TrayOptions & { toggleWindow: Mock<() => void>; quit: Mock<() => void> }
let loginEnabled: boolean

function theTray(): FakeTray {
  const t = FakeTray.instances.at(-1)
  if (!t) throw new Error('no tray created')
  return t
}

function menu(): FakeMenu {
  const m = theTray().menu
  if (!m) throw new Error('no context menu')
  return m
}

beforeEach(() => {
  resetFakeElectron()
  visible = true
  loginEnabled = false
  opts = {
    resourcesDir: RESOURCES,
    isWindowVisible: () => visible,
    toggleWindow: vi.fn<() => void>(),
    quit: vi.fn<() => void>(),
    launchAtLogin: { get: () => loginEnabled, set: (v) => void (loginEnabled = v) }
  }
})

describe('tray state', () => {
  it('is error when any service failed, active when a service beyond the store runs, else idle', () => {
    expect(trayStateOf(status([svc('store', 'running')]))).toBe('idle')
    expect(trayStateOf(status([svc('store', 'running'), svc('ai-ipc', 'disabled')]))).toBe('idle')
    expect(trayStateOf(status([svc('store', 'running'), svc('ai-ipc', 'starting')]))).toBe('idle')
    expect(trayStateOf(status([svc('store', 'running'), svc('ai-ipc', 'running')]))).toBe('active')
    expect(trayStateOf(status([svc('store', 'running'), svc('ai-ipc', 'running'), svc('hosting', 'error')]))).toBe('error')
    expect(trayStateOf(status([svc('store', 'error')]))).toBe('error')
  })

  it('the status line says what runs or what failed', () => {
    expect(statusLine(status([svc('store', 'running')]))).toMatch(/^Idle/)
    expect(statusLine(status([svc('store', 'running'), svc('a', 'running'), svc('b', 'running')]))).toBe('Active — 2 services running')
    const err = statusLine(status([svc('store', 'running'), svc('ai-ipc', 'error', { error: 'ECONNREFUSED 127.0.0.1:3306' })]))
    expect(err).toContain('ai-ipc service')
    expect(err).toContain('ECONNREFUSED')
  })

  it('a real runtime with no services beyond the store is idle', async () => {
    const rt = await startRealRuntime()
    try {
      expect(trayStateOf(rt.runtime.status())).toBe('idle')
    } finally {
      await rt.cleanup()
    }
  })
})

describe('tray', () => {
  it('has a status line, Show/Hide, Start at login and Quit in its menu', () => {
    createTray(opts)
    const items = menu().items
    expect(items.map((i) => i.id ?? i.type)).toEqual(['status', 'separator', 'toggle', 'login', 'separator', 'quit'])
    expect(menu().byId('status')?.enabled).toBe(false)
    expect(menu().byId('toggle')?.label).toBe('Hide WARP Host')
    expect(menu().byId('quit')?.label).toBe('Quit WARP Host')
  })

  it('still has Show/Hide and Quit without launch-at-login support', () => {
    delete opts.launchAtLogin
    createTray(opts)
    expect(menu().items.map((i) => i.id).filter(Boolean)).toEqual(['status', 'toggle', 'quit'])
  })

  it('Show/Hide toggles the window, Quit quits, and a click on the icon toggles (Windows/macOS)', () => {
    createTray(opts)
    menu().click('toggle')
    expect(opts.toggleWindow).toHaveBeenCalledTimes(1)
    theTray().emit('click')
    expect(opts.toggleWindow).toHaveBeenCalledTimes(2)
    menu().click('quit')
    expect(opts.quit).toHaveBeenCalledTimes(1)
  })

  it('the Show/Hide label follows the window after refresh()', () => {
    const tray = createTray(opts)
    visible = false
    tray.refresh()
    expect(menu().byId('toggle')?.label).toBe('Show WARP Host')
  })

  it('Start at login reflects and changes the setting', () => {
    createTray(opts)
    expect(menu().byId('login')?.checked).toBe(false)
    menu().click('login')
    expect(loginEnabled).toBe(true)
  })

  it('changes icon and tooltip with the state, and only when something changed', () => {
    const tray = createTray(opts)
    const t = theTray()
    expect(t.image.source).toBe(trayIconPath(RESOURCES, 'idle'))
    expect(t.tooltip).toBe('WARP Host — Idle')

    tray.update(status([svc('store', 'running'), svc('ai-ipc', 'running')]))
    expect(tray.state).toBe('active')
    expect(t.image.source).toBe(path.join(RESOURCES, 'tray-active.png'))
    expect(t.tooltip).toBe('WARP Host — Active')
    expect(menu().byId('status')?.label).toBe('Active — 1 service running')

    const setCount = t.images.length
    const menuBefore = t.menu
    tray.update(status([svc('store', 'running'), svc('ai-ipc', 'running')]))
    expect(t.images.length).toBe(setCount) // same state: no new image
    expect(t.menu).toBe(menuBefore) // …and no menu rebuild

    tray.update(status([svc('store', 'running'), svc('ai-ipc', 'error', { error: 'boom' })]))
    expect(t.image.source).toBe(path.join(RESOURCES, 'tray-error.png'))
    expect(t.tooltip).toBe('WARP Host — Error')
    expect(menu().byId('status')?.label).toContain('boom')
  })

  it('keeps one module-level tray; a new one replaces the old; dispose clears it', () => {
    const first = createTray(opts)
    const firstTray = theTray()
    expect(currentTray()).toBe(fake(firstTray))
    const second = createTray(opts)
    expect(firstTray.destroyed).toBe(true)
    expect(currentTray()).toBe(fake(theTray()))
    first.dispose()
    expect(currentTray()).not.toBeNull() // disposing the replaced one leaves the live one
    second.dispose()
    expect(currentTray()).toBeNull()
  })

  it('every tray icon file exists in resources/ (with its @2x)', async () => {
    const fs = await import('node:fs')
    const dir = path.resolve(__dirname, '../../../resources')
    for (const state of ['idle', 'active', 'error'] as const) {
      expect(fs.existsSync(trayIconPath(dir, state)), state).toBe(true)
      expect(fs.existsSync(trayIconPath(dir, state).replace('.png', '@2x.png')), state).toBe(true)
    }
  })
})
