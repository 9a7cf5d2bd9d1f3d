/**
 * The application menu. Without one, Electron installs its default menu (with a "Toggle Developer
 * Tools" and "Reload" that a packaged app must not offer); with one, the edit shortcuts (copy,
 * paste, select all) keep working on macOS. Developer tools appear only in an unpackaged app.
 */
import { Menu, type MenuItemConstructorOptions } from 'electron'

export interface AppMenuOptions {
  isPackaged: boolean
  platform: NodeJS.Platform
  showDashboard: () => void
  quit: () => void
  /** Opens the project's help page in the browser (through openExternal). */
  openHelp: () => void
}

export const HELP_URL = 'https://github.com/warp-host/warp-host#readme'

export function appMenuTemplate(opts: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin'
  const quit: MenuItemConstructorOptions = { id: 'quit', label: 'Quit WARP Host', accelerator: 'CmdOrCtrl+Q', click: () => opts.quit() }
  const template: MenuItemConstructorOptions[] = []
  if (mac) {
    template.push({
      label: 'WARP Host',
      submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, quit]
    })
  }
  template.push({
    id: 'file',
    label: 'File',
    submenu: [{ id: 'dashboard', label: 'Open dashboard', click: () => opts.showDashboard() }, { type: 'separator' }, mac ? { role: 'close' } : quit]
  })
  template.push({
    id: 'edit',
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }]
  })
  const view: MenuItemConstructorOptions[] = [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }]
  if (!opts.isPackaged) view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' })
  template.push({ id: 'view', label: 'View', submenu: view })
  template.push({ id: 'window', label: 'Window', submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }] })
  template.push({ id: 'help', label: 'Help', role: 'help', submenu: [{ id: 'docs', label: 'WARP Host documentation', click: () => opts.openHelp() }] })
  return template
}

/** Builds and installs the application menu. */
export function installAppMenu(opts: AppMenuOptions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(opts)))
}
