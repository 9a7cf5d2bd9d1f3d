/**
 * The tray: its state from the services and hosting (error > hosting > idle), an icon, tooltip and
 * status line per state with the player count, and every menu item — status, hosting line,
 * Pause/Resume hosting, Open/Hide dashboard, Start at login, "Update … ready — restart" (only when
 * one is downloaded) and Quit — wired to its action; one module-level Tray; a real runtime
 * without hosting is idle.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import type { AppStatus, HostingSnapshot, ServiceStatus } from '../../../src/shared/contract'
import {
  TRAY_STATES,
  createTray,
  currentTray,
  hostingLine,
  statusLine,
  tooltipOf,
  trayIconPath,
  trayStateOf,
  type TrayOptions
} from '../../../src/main/electron/tray'
import { FakeTray, fake, resetFakeElectron, type FakeMenu } from './fake-electron'
import { startRealRuntime } from './real-runtime'

vi.mock('electron', () => import('./fake-electron'))

const RESOURCES = '/opt/warp/resources'
const realPlatform = process.platform

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

const traffic = { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0, inPerSecond: 0, outPerSecond: 0, dropped: 0 }

function hosting(opts: { configured?: boolean; paused?: boolean; reason?: string; players?: number[]; backlog?: boolean } = {}): HostingSnapshot {
  const players = opts.players ?? []
  return {
    configured: opts.configured ?? true,
    paused: opts.paused ?? false,
    pausedReason: opts.reason ?? null,
    tickMs: 20,
    maxPlayers: 50,
    sessions: players.map((n, i) => ({
      ...traffic,
      sessionId: `s${i}`,
      zoneId: `zone${i}`,
      state: opts.paused ? 'paused' : 'open',
      maxPlayers: 50,
      players: n,
      refused: 0,
      since: new Date(0).toISOString(),
      backlog: opts.backlog && i === 0 ? { since: new Date(0).toISOString(), players: n, of: n, dropped: 10 } : null,
      peers: []
    })),
    players: players.reduce((a, b) => a + b, 0),
    bytesIn: 0,
    bytesOut: 0,
    at: new Date(0).toISOString()
  }
}

const running = status([svc('store', 'running'), svc('hosting', 'running')])
const failing = status([svc('store', 'running'), svc('ai-ipc', 'error', { error: 'ECONNREFUSED 127.0.0.1:3306' })])

let visible: boolean
let loginEnabled: boolean
let opts: TrayOptions & {
  toggleWindow: Mock<() => void>
  quit: Mock<() => void>
  pauseHosting: Mock<() => void>
  resumeHosting: Mock<() => void>
  installUpdate: Mock<() => void>
}

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

function ids(): string[] {
  return menu().items.map((i) => i.id ?? i.type ?? '?')
}

function setPlatform(p: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { value: p, configurable: true })
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
    pauseHosting: vi.fn<() => void>(),
    resumeHosting: vi.fn<() => void>(),
    installUpdate: vi.fn<() => void>(),
    launchAtLogin: { get: () => loginEnabled, set: (v) => void (loginEnabled = v) }
  }
})

afterEach(() => setPlatform(realPlatform))

describe('tray state', () => {
  it('error when any service failed; hosting when zones are served and not paused; else idle', () => {
    expect(trayStateOf({ status: null, hosting: null })).toBe('idle')
    expect(trayStateOf({ status: running, hosting: null })).toBe('idle') // hosting service not answering
    expect(trayStateOf({ status: running, hosting: hosting({ configured: false }) })).toBe('idle')
    expect(trayStateOf({ status: running, hosting: hosting({ paused: true, players: [2] }) })).toBe('idle')
    expect(trayStateOf({ status: running, hosting: hosting({ players: [] }) })).toBe('hosting')
    expect(trayStateOf({ status: running, hosting: hosting({ players: [3] }) })).toBe('hosting')
    expect(trayStateOf({ status: failing, hosting: hosting({ players: [3] }) })).toBe('error')
    expect(trayStateOf({ status: status([svc('store', 'error')]), hosting: null })).toBe('error')
    expect(TRAY_STATES).toEqual(['idle', 'hosting', 'error'])
  })

  it('the status line, hosting line and tooltip say what runs, with the player count, or what failed', () => {
    expect(statusLine({ status: running, hosting: hosting({ configured: false }) })).toBe('Idle — not hosting')
    expect(statusLine({ status: running, hosting: hosting({ paused: true }) })).toBe('Idle — hosting paused')
    expect(statusLine({ status: running, hosting: hosting({ players: [] }) })).toBe('Hosting — no players yet')
    expect(statusLine({ status: running, hosting: hosting({ players: [1] }) })).toBe('Hosting — 1 player')
    expect(statusLine({ status: running, hosting: hosting({ players: [2, 1] }) })).toBe('Hosting — 3 players in 2 sessions')
    const err = statusLine({ status: failing, hosting: null })
    expect(err).toBe('Error — ai-ipc service: ECONNREFUSED 127.0.0.1:3306')

    expect(hostingLine(null)).toBe('Hosting unavailable')
    expect(hostingLine(hosting({ configured: false }))).toMatch(/^Not hosting — no zones set/)
    expect(hostingLine(hosting({ paused: true, reason: 'maintenance' }))).toBe('Hosting paused — maintenance')
    expect(hostingLine(hosting({ players: [4] }))).toBe('Hosting — 4 players')
    expect(hostingLine(hosting({ players: [60, 2], backlog: true }))).toBe('Hosting — 62 players in 2 sessions · cannot keep up (relay backlog)')

    expect(tooltipOf({ status: running, hosting: hosting({ players: [4] }) })).toBe('WARP Host — Hosting, 4 players')
    expect(tooltipOf({ status: running, hosting: hosting({ players: [1] }) })).toBe('WARP Host — Hosting, 1 player')
    expect(tooltipOf({ status: failing, hosting: null })).toBe('WARP Host — Error')
    expect(tooltipOf({ status: running, hosting: null })).toBe('WARP Host — Idle')
  })

  it('a real runtime without hosting is idle', async () => {
    const rt = await startRealRuntime()
    try {
      expect(trayStateOf({ status: rt.runtime.status(), hosting: null })).toBe('idle')
    } finally {
      await rt.cleanup()
    }
  })
})

describe('tray icon per state', () => {
  it.each([
    ['idle', { status: running, hosting: hosting({ configured: false }) }, 'WARP Host — Idle'],
    ['hosting', { status: running, hosting: hosting({ players: [2, 3] }) }, 'WARP Host — Hosting, 5 players'],
    ['error', { status: failing, hosting: hosting({ players: [2] }) }, 'WARP Host — Error']
  ] as const)('%s: its icon and tooltip', (state, inputs, tooltip) => {
    const tray = createTray(opts)
    tray.update(inputs)
    expect(tray.state).toBe(state)
    expect(theTray().image.source).toBe(path.join(RESOURCES, `tray-${state}.png`))
    expect(theTray().tooltip).toBe(tooltip)
  })

  it('changes icon only when the state changes, and rebuilds the menu only when something visible changed', () => {
    const tray = createTray(opts)
    const t = theTray()
    expect(t.image.source).toBe(trayIconPath(RESOURCES, 'idle'))
    tray.update({ status: running, hosting: hosting({ players: [1] }) })
    expect(t.images.map((i) => path.basename(i.source))).toEqual(['tray-idle.png', 'tray-hosting.png'])
    const menuBefore = t.menu
    tray.update({ status: running, hosting: hosting({ players: [1] }) })
    expect(t.images).toHaveLength(2)
    expect(t.menu).toBe(menuBefore)
    tray.update({ hosting: hosting({ players: [2] }) }) // player count changed: same icon, new menu
    expect(t.images).toHaveLength(2)
    expect(t.menu).not.toBe(menuBefore)
    expect(t.tooltip).toBe('WARP Host — Hosting, 2 players')
    tray.update({ status: failing })
    expect(path.basename(t.image.source)).toBe('tray-error.png')
  })

  it('macOS shows the player count as the menu bar title while hosting', () => {
    setPlatform('darwin')
    const tray = createTray(opts)
    tray.update({ status: running, hosting: hosting({ players: [3] }) })
    expect(theTray().title).toBe('3')
    tray.update({ hosting: hosting({ paused: true, players: [3] }) })
    expect(theTray().title).toBe('')
  })
})

describe('tray menu', () => {
  it('has status, hosting line, Pause hosting, Open/Hide dashboard, Start at login and Quit', () => {
    const tray = createTray(opts)
    expect(menu().byId('status')?.label).toBe('Starting…')
    tray.update({ status: running, hosting: hosting({ players: [2] }) })
    expect(ids()).toEqual(['status', 'hosting', 'pause', 'separator', 'toggle', 'login', 'separator', 'quit'])
    expect(menu().byId('status')).toMatchObject({ label: 'Hosting — 2 players', enabled: false })
    expect(menu().byId('hosting')).toMatchObject({ label: 'Hosting — 2 players', enabled: false })
    expect(menu().byId('quit')?.label).toBe('Quit WARP Host')
  })

  it('Pause hosting calls pause; while paused the item is Resume hosting and calls resume', () => {
    const tray = createTray(opts)
    tray.update({ status: running, hosting: hosting({ players: [1] }) })
    expect(menu().byId('pause')?.enabled).toBe(true)
    menu().click('pause')
    expect(opts.pauseHosting).toHaveBeenCalledTimes(1)
    tray.update({ hosting: hosting({ paused: true, reason: 'paused from the tray', players: [1] }) })
    expect(menu().byId('pause')).toBeUndefined()
    expect(menu().byId('hosting')?.label).toBe('Hosting paused — paused from the tray')
    menu().click('resume')
    expect(opts.resumeHosting).toHaveBeenCalledTimes(1)
  })

  it('Pause hosting is disabled while nothing is hosted (no zones, or hosting unavailable)', () => {
    const tray = createTray(opts)
    tray.update({ status: running, hosting: hosting({ configured: false }) })
    expect(menu().byId('pause')?.enabled).toBe(false)
    tray.update({ hosting: null })
    expect(menu().byId('pause')?.enabled).toBe(false)
    expect(menu().byId('hosting')?.label).toBe('Hosting unavailable')
  })

  it('Open dashboard / Hide dashboard follows the window and toggles it; a click on the icon toggles too', () => {
    const tray = createTray(opts)
    expect(menu().byId('toggle')?.label).toBe('Hide dashboard')
    visible = false
    tray.refresh()
    expect(menu().byId('toggle')?.label).toBe('Open dashboard')
    menu().click('toggle')
    expect(opts.toggleWindow).toHaveBeenCalledTimes(1)
    theTray().emit('click')
    expect(opts.toggleWindow).toHaveBeenCalledTimes(2)
  })

  it('Start at login reflects and changes the setting; absent without platform support', () => {
    createTray(opts)
    expect(menu().byId('login')).toMatchObject({ type: 'checkbox', checked: false })
    menu().click('login')
    expect(loginEnabled).toBe(true)
    delete opts.launchAtLogin
    createTray(opts)
    expect(menu().byId('login')).toBeUndefined()
    expect(ids()).toContain('toggle')
    expect(ids()).toContain('quit')
  })

  it('"Update … ready — restart" appears once an update is downloaded and installs it', () => {
    const tray = createTray(opts)
    expect(menu().byId('update')).toBeUndefined()
    tray.update({ updateReady: '0.2.0' })
    expect(menu().byId('update')?.label).toBe('Update 0.2.0 ready — restart')
    expect(ids().slice(-3)).toEqual(['update', 'separator', 'quit'])
    menu().click('update')
    expect(opts.installUpdate).toHaveBeenCalledTimes(1)
    tray.update({ updateReady: null })
    expect(menu().byId('update')).toBeUndefined()
  })

  it('Quit quits', () => {
    createTray(opts)
    menu().click('quit')
    expect(opts.quit).toHaveBeenCalledTimes(1)
  })

  it('keeps one module-level tray; a new one replaces the old; dispose clears it', () => {
    const first = createTray(opts)
    const firstTray = theTray()
    expect(currentTray()).toBe(fake(firstTray))
    const second = createTray(opts)
    expect(firstTray.destroyed).toBe(true)
    expect(currentTray()).toBe(fake(theTray()))
    first.dispose()
    expect(currentTray()).not.toBeNull()
    second.dispose()
    expect(currentTray()).toBeNull()
  })

  it('every tray icon file exists in resources/ (with its @2x)', () => {
    const dir = path.resolve(__dirname, '../../../resources')
    for (const state of TRAY_STATES) {
      expect(fs.existsSync(trayIconPath(dir, state)), state).toBe(true)
      expect(fs.existsSync(trayIconPath(dir, state).replace('.png', '@2x.png')), state).toBe(true)
    }
  })
})
