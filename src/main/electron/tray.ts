/**
 * The tray icon: one module-level Tray (so it is never garbage-collected), an icon and tooltip
 * that follow the services' state (idle / active / error), and a context menu that always has
 * Show/Hide and Quit — Linux ignores clicks on the icon itself, so the menu is the way in.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron'
import type { AppStatus } from '../../shared/contract'

export type TrayState = 'idle' | 'active' | 'error'

export const TRAY_STATES: readonly TrayState[] = ['idle', 'active', 'error']

/** error: any service failed; active: any service beyond the app store runs; else idle. */
export function trayStateOf(status: AppStatus): TrayState {
  if (status.services.some((s) => s.state === 'error')) return 'error'
  if (status.services.some((s) => s.name !== 'store' && s.state === 'running')) return 'active'
  return 'idle'
}

const STATE_LABEL: Record<TrayState, string> = { idle: 'Idle', active: 'Active', error: 'Error' }

/** The one-line status shown at the top of the menu and in the tooltip. */
export function statusLine(status: AppStatus): string {
  const state = trayStateOf(status)
  if (state === 'error') {
    const failed = status.services.filter((s) => s.state === 'error')
    const first = failed[0]
    const what = first ? `${first.label}${first.error ? `: ${first.error}` : ''}` : ''
    const more = failed.length > 1 ? ` (+${failed.length - 1} more)` : ''
    return truncate(`Error — ${what}${more}`, 100)
  }
  const running = status.services.filter((s) => s.name !== 'store' && s.state === 'running').length
  if (state === 'active') return `Active — ${running} service${running === 1 ? '' : 's'} running`
  return 'Idle — no services running'
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`
}

/** Icon file for a state: resources/tray-<state>.png (Electron picks tray-<state>@2x.png on HiDPI). */
export function trayIconPath(resourcesDir: string, state: TrayState): string {
  return path.join(resourcesDir, `tray-${state}.png`)
}

function loadIcon(resourcesDir: string, state: TrayState): NativeImage {
  const file = trayIconPath(resourcesDir, state)
  if (process.platform === 'darwin' && fs.existsSync(file)) {
    // The macOS menu bar is ~22 pt high: use the 32 px image as the @2x of a 16 pt icon.
    return nativeImage.createFromBuffer(fs.readFileSync(file), { scaleFactor: 2 })
  }
  return nativeImage.createFromPath(file)
}

export interface TrayOptions {
  resourcesDir: string
  isWindowVisible: () => boolean
  toggleWindow: () => void
  quit: () => void
  /** "Start at login" checkbox; omitted when the platform has no launch-at-login support. */
  launchAtLogin?: { get: () => boolean; set: (enabled: boolean) => void }
}

export interface TrayController {
  /** Applies a new app status (icon, tooltip, status line); cheap when nothing visible changed. */
  update(status: AppStatus): void
  /** Rebuilds the menu (e.g. after the window was shown or hidden). */
  refresh(): void
  readonly state: TrayState
  dispose(): void
}

let tray: Tray | null = null

/** The live tray, if any (module-level so it is never garbage-collected). */
export function currentTray(): Tray | null {
  return tray
}

export function createTray(opts: TrayOptions): TrayController {
  tray?.destroy()
  let state: TrayState = 'idle'
  let line = 'Starting…'
  let renderedKey = ''
  const t = new Tray(loadIcon(opts.resourcesDir, state))
  tray = t

  const menuTemplate = (): MenuItemConstructorOptions[] => {
    const visible = opts.isWindowVisible()
    const items: MenuItemConstructorOptions[] = [
      { id: 'status', label: line, enabled: false },
      { type: 'separator' },
      { id: 'toggle', label: visible ? 'Hide WARP Host' : 'Show WARP Host', click: () => opts.toggleWindow() }
    ]
    const login = opts.launchAtLogin
    if (login) {
      items.push({ id: 'login', label: 'Start at login', type: 'checkbox', checked: login.get(), click: (item) => login.set(item.checked) })
    }
    items.push({ type: 'separator' }, { id: 'quit', label: 'Quit WARP Host', click: () => opts.quit() })
    return items
  }

  const render = (force: boolean): void => {
    if (t.isDestroyed()) return
    const key = `${state}|${line}|${opts.isWindowVisible()}`
    if (!force && key === renderedKey) return
    const iconChanged = renderedKey.split('|')[0] !== state
    renderedKey = key
    if (iconChanged) t.setImage(loadIcon(opts.resourcesDir, state))
    t.setToolTip(`WARP Host — ${STATE_LABEL[state]}`)
    t.setContextMenu(Menu.buildFromTemplate(menuTemplate()))
  }

  // Windows and macOS deliver clicks; on Linux the menu is the only way in.
  t.on('click', () => opts.toggleWindow())
  render(true)

  return {
    update(status) {
      state = trayStateOf(status)
      line = statusLine(status)
      render(false)
    },
    refresh() {
      render(true)
    },
    get state() {
      return state
    },
    dispose() {
      if (!t.isDestroyed()) t.destroy()
      if (tray === t) tray = null
    }
  }
}
