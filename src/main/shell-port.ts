/**
 * The seam between the runtime and the desktop shell. The runtime serves the `shell.*` contract
 * methods through a ShellPort; headless (and until the Electron shell attaches one) it is
 * `HEADLESS_SHELL`: `shell.info` says the desktop features are not available here and the
 * actions answer `unavailable`. The Electron shell (src/main/electron/shell-port.ts) attaches the
 * real one — so the contract is served in both runtimes and only src/main/electron imports Electron.
 */
import { ContractCallError, type ShellInfo } from '../shared/contract'

export interface ShellPort {
  info(): ShellInfo
  setLaunchAtLogin(enabled: boolean): ShellInfo | Promise<ShellInfo>
  checkForUpdates(): Promise<ShellInfo>
  /** Starts the drain-and-restart into a downloaded update; answers before the app quits. */
  installUpdate(): { restarting: boolean }
}

const NOT_HERE = 'WARP Host runs without its desktop shell here (headless): start at login, the tray and updates belong to the desktop app'

export const HEADLESS_SHELL_INFO: ShellInfo = {
  available: false,
  reason: NOT_HERE,
  launchAtLogin: { supported: false, enabled: false },
  tray: null,
  update: { phase: 'unsupported', version: null, percent: null, message: NOT_HERE, checkedAt: null }
}

function unavailable(): never {
  throw new ContractCallError('unavailable', NOT_HERE)
}

export const HEADLESS_SHELL: ShellPort = Object.freeze({
  info: () => structuredClone(HEADLESS_SHELL_INFO),
  setLaunchAtLogin: () => unavailable(),
  checkForUpdates: () => Promise.reject(new ContractCallError('unavailable', NOT_HERE)),
  installUpdate: () => unavailable()
})
