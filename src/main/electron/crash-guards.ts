/**
 * What the desktop app does when something dies: an uncaught exception in the main process drains
 * the services once and exits 1 (process-guards.ts, shared with headless); a helper process that
 * ends abnormally (GPU, utility, network service) is logged; a crashed or killed window renderer
 * is logged and the dashboard reloaded — at most 3 times a minute, so a renderer that crashes at
 * once on every load does not loop.
 */
import { app, type BrowserWindow } from 'electron'
import type { Logger } from '../logging/logger'
import { installProcessGuards } from '../process-guards'

export const MAX_RENDERER_RELOADS_PER_MINUTE = 3

export interface CrashGuardOptions {
  log: () => Logger | null
  /** Drains the services (called at most once, on an uncaught exception). */
  shutdown: () => Promise<unknown>
  /** Target for process handlers (tests pass an EventEmitter). */
  target?: Pick<NodeJS.Process, 'on'>
}

/** uncaughtException / unhandledRejection → log, drain once, exit 1; child-process-gone → log. */
export function installCrashGuards(opts: CrashGuardOptions): void {
  installProcessGuards({
    log: opts.log,
    shutdown: () => opts.shutdown(),
    exit: (code) => app.exit(code),
    ...(opts.target ? { target: opts.target } : {})
  })
  app.on('child-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return
    opts.log()?.error('an Electron helper process ended', {
      type: details.type,
      reason: details.reason,
      exitCode: details.exitCode,
      ...(details.name ? { name: details.name } : {}),
      ...(details.serviceName ? { serviceName: details.serviceName } : {})
    })
  })
}

/** Reloads the dashboard when its renderer crashed or was killed (not on a clean exit). */
export function reloadCrashedRenderer(win: BrowserWindow, reload: () => void, log: Logger, now: () => number = Date.now): void {
  const recent: number[] = []
  win.webContents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit' || win.isDestroyed()) return
    const t = now()
    while (recent.length > 0 && t - (recent[0] ?? 0) > 60_000) recent.shift()
    if (recent.length >= MAX_RENDERER_RELOADS_PER_MINUTE) {
      log.error('the dashboard keeps crashing: not reloading it again for now', { reason: details.reason })
      return
    }
    recent.push(t)
    log.warn('reloading the dashboard after its renderer ended', { reason: details.reason, exitCode: details.exitCode })
    reload()
  })
}
