/**
 * Launch at login, started hidden in the tray. Windows and macOS use app.setLoginItemSettings
 * (Windows passes `--hidden`; macOS reports wasOpenedAtLogin instead); Linux gets an XDG autostart
 * entry, ~/.config/autostart/warp-host.desktop, that runs the app (the AppImage when there is one)
 * with `--hidden`.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { app } from 'electron'

export const HIDDEN_FLAG = '--hidden'
export const LINUX_AUTOSTART_NAME = 'warp-host.desktop'

/** True when this launch should stay in the tray: `--hidden`, or a macOS login-item start. */
export function startedHidden(argv: readonly string[]): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true
  if (process.platform === 'darwin') {
    try {
      return app.getLoginItemSettings().wasOpenedAtLogin
    } catch {
      return false
    }
  }
  return false
}

/** The XDG autostart entry's path ($XDG_CONFIG_HOME/autostart, default ~/.config/autostart). */
export function linuxAutostartFile(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config')
  return path.join(configHome, 'autostart', LINUX_AUTOSTART_NAME)
}

/** Quotes one Exec argument as the Desktop Entry spec asks. */
function quoteExecArg(arg: string): string {
  if (!/[\s"'\\`$<>|&;()*?#~]/.test(arg)) return arg
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`
}

/** The command that starts this app at login. */
function launchCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  // An AppImage runs from a temporary mount; APPIMAGE is the file the user keeps.
  const exe = env.APPIMAGE || process.execPath
  return app.isPackaged ? [exe, HIDDEN_FLAG] : [exe, app.getAppPath(), HIDDEN_FLAG]
}

export function linuxDesktopEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=WARP Host',
    'Comment=Peer-to-peer host and NPC AI request poller for rAthena AI World',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    ''
  ].join('\n')
}

function loginItemArgs(): string[] {
  return app.isPackaged ? [HIDDEN_FLAG] : [`"${app.getAppPath()}"`, HIDDEN_FLAG]
}

export function isLaunchAtLoginEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform === 'linux') return fs.existsSync(linuxAutostartFile(env))
  return app.getLoginItemSettings({ args: loginItemArgs() }).openAtLogin
}

export function setLaunchAtLogin(enabled: boolean, env: NodeJS.ProcessEnv = process.env): void {
  if (process.platform === 'linux') {
    const file = linuxAutostartFile(env)
    if (enabled) {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, linuxDesktopEntry(launchCommand(env)), { mode: 0o644 })
    } else {
      fs.rmSync(file, { force: true })
    }
    return
  }
  // `args` is used by Windows; macOS ignores it and reports wasOpenedAtLogin (see startedHidden).
  app.setLoginItemSettings({ openAtLogin: enabled, args: loginItemArgs() })
}
