/**
 * The tray icon: one module-level Tray (so it is never garbage-collected), an icon, tooltip and
 * status line that follow the app — `error` (a service failed), `hosting` (zones served and not
 * paused, with the player count), else `idle` — and a context menu with pause/resume hosting,
 * open/hide the dashboard, start at login, "update ready — restart" when one is downloaded, and
 * quit. Linux ignores clicks on the icon itself, so the menu is the way in. Hosting comes only
 * from the contract (`hosting.sessions` / `hosting.changed`, `hosting.pause` / `hosting.resume`).
 */
import fs from 'node:fs'
import path from 'node:path'
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron'
import { TRAY_STATES, type AppStatus, type HostingSnapshot, type TrayState } from '../../shared/contract'

export { TRAY_STATES, type TrayState }

/** What the tray shows; each part may be unknown yet (null). */
export interface TrayInputs {
  status: AppStatus | null
  /** null: the hosting service does not answer (disabled, restarting, not built). */
  hosting: HostingSnapshot | null
  /** The version of a downloaded update waiting for a restart, else null. */
  updateReady: string | null
}

/** Hosting runs: zones configured and not paused. */
function isHosting(h: HostingSnapshot | null): h is HostingSnapshot {
  return h !== null && h.configured && !h.paused
}

/** error: any service failed; hosting: zones served and not paused; else idle. */
export function trayStateOf(inputs: Pick<TrayInputs, 'status' | 'hosting'>): TrayState {
  if (inputs.status?.services.some((s) => s.state === 'error')) return 'error'
  if (isHosting(inputs.hosting)) return 'hosting'
  return 'idle'
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** "3 players in 2 sessions" / "no players yet". */
export function playersText(h: HostingSnapshot): string {
  if (h.players === 0) return h.sessions.length > 0 ? `no players yet in ${plural(h.sessions.length, 'session')}` : 'no players yet'
  return `${plural(h.players, 'player')}${h.sessions.length > 1 ? ` in ${plural(h.sessions.length, 'session')}` : ''}`
}

/** The hosting part of the menu: what hosting does right now. */
export function hostingLine(h: HostingSnapshot | null): string {
  if (h === null) return 'Hosting unavailable'
  if (!h.configured) return 'Not hosting — no zones set (Settings → Hosting)'
  if (h.paused) return `Hosting paused${h.pausedReason ? ` — ${truncate(h.pausedReason, 60)}` : ''}`
  const behind = h.sessions.some((x) => x.backlog !== null)
  return `Hosting — ${playersText(h)}${behind ? ' · cannot keep up (relay backlog)' : ''}`
}

/** The one-line status at the top of the menu. */
export function statusLine(inputs: Pick<TrayInputs, 'status' | 'hosting'>): string {
  const state = trayStateOf(inputs)
  if (state === 'error') {
    const failed = inputs.status?.services.filter((s) => s.state === 'error') ?? []
    const first = failed[0]
    const what = first ? `${first.label}${first.error ? `: ${first.error}` : ''}` : ''
    const more = failed.length > 1 ? ` (+${failed.length - 1} more)` : ''
    return truncate(`Error — ${what}${more}`, 100)
  }
  if (state === 'hosting' && inputs.hosting) return `Hosting — ${playersText(inputs.hosting)}`
  if (inputs.hosting?.paused) return 'Idle — hosting paused'
  return 'Idle — not hosting'
}

/** The tooltip: product, state and (hosting) the player count. */
export function tooltipOf(inputs: Pick<TrayInputs, 'status' | 'hosting'>): string {
  const state = trayStateOf(inputs)
  if (state === 'error') return 'WARP Host — Error'
  if (state === 'hosting' && inputs.hosting) return `WARP Host — Hosting, ${plural(inputs.hosting.players, 'player')}`
  return 'WARP Host — Idle'
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
  /** Shows the dashboard when hidden, hides it when shown. */
  toggleWindow: () => void
  quit: () => void
  /** Pause / resume hosting (hosting.pause / hosting.resume through the contract). */
  pauseHosting: () => void
  resumeHosting: () => void
  /** Drain and restart into the downloaded update. */
  installUpdate: () => void
  /** "Start at login" checkbox; omitted when the platform has no launch-at-login support. */
  launchAtLogin?: { get: () => boolean; set: (enabled: boolean) => void }
}

export interface TrayController {
  /** Applies new inputs (any subset); cheap when nothing visible changed. */
  update(inputs: Partial<TrayInputs>): void
  /** Rebuilds the menu (e.g. after the window was shown or hidden, or launch at login changed). */
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
  const inputs: TrayInputs = { status: null, hosting: null, updateReady: null }
  let state: TrayState = 'idle'
  let renderedKey = ''
  let renderedState: TrayState | null = null
  const t = new Tray(loadIcon(opts.resourcesDir, state))
  tray = t

  const menuTemplate = (): MenuItemConstructorOptions[] => {
    const h = inputs.hosting
    const items: MenuItemConstructorOptions[] = [
      { id: 'status', label: inputs.status ? statusLine(inputs) : 'Starting…', enabled: false },
      { id: 'hosting', label: hostingLine(h), enabled: false }
    ]
    if (h?.paused) items.push({ id: 'resume', label: 'Resume hosting', click: () => opts.resumeHosting() })
    else items.push({ id: 'pause', label: 'Pause hosting', enabled: Boolean(h?.configured), click: () => opts.pauseHosting() })
    items.push(
      { type: 'separator' },
      { id: 'toggle', label: opts.isWindowVisible() ? 'Hide dashboard' : 'Open dashboard', click: () => opts.toggleWindow() }
    )
    const login = opts.launchAtLogin
    if (login) {
      items.push({ id: 'login', label: 'Start at login', type: 'checkbox', checked: login.get(), click: (item) => login.set(item.checked) })
    }
    if (inputs.updateReady !== null) {
      items.push({ type: 'separator' }, { id: 'update', label: `Update ${inputs.updateReady} ready — restart`, click: () => opts.installUpdate() })
    }
    items.push({ type: 'separator' }, { id: 'quit', label: 'Quit WARP Host', click: () => opts.quit() })
    return items
  }

  const render = (force: boolean): void => {
    if (t.isDestroyed()) return
    state = trayStateOf(inputs)
    const tooltip = tooltipOf(inputs)
    const key = JSON.stringify([tooltip, inputs.status ? statusLine(inputs) : null, hostingLine(inputs.hosting), inputs.hosting?.paused, inputs.updateReady, opts.isWindowVisible()])
    if (!force && key === renderedKey) return
    renderedKey = key
    if (renderedState !== state) {
      if (renderedState !== null) t.setImage(loadIcon(opts.resourcesDir, state))
      renderedState = state
    }
    t.setToolTip(tooltip)
    // macOS shows a title next to the menu bar icon: the player count while hosting.
    if (process.platform === 'darwin') t.setTitle(state === 'hosting' && inputs.hosting && inputs.hosting.players > 0 ? String(inputs.hosting.players) : '')
    t.setContextMenu(Menu.buildFromTemplate(menuTemplate()))
  }

  // Windows and macOS deliver clicks; on Linux the menu is the only way in.
  t.on('click', () => opts.toggleWindow())
  render(true)

  return {
    update(next) {
      if (next.status !== undefined) inputs.status = next.status
      if (next.hosting !== undefined) inputs.hosting = next.hosting
      if (next.updateReady !== undefined) inputs.updateReady = next.updateReady
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
