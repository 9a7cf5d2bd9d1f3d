/**
 * The app's life: single-instance lock (a second launch reveals the running window), close hides
 * to the tray unless the app is quitting (`isQuitting` is set by app 'before-quit' and
 * autoUpdater 'before-quit-for-update'), and a graceful quit — the first 'before-quit' is held
 * (preventDefault) until the runtime's services have stopped, then the quit goes on. A restart
 * into an update drains the services first too: `quitForUpdate(install)` stops them and only then
 * lets the updater quit and install; a 'before-quit-for-update' from elsewhere starts the drain.
 */
import { app, autoUpdater, type BrowserWindow } from 'electron'
import type { Logger } from '../logging/logger'
import { HIDDEN_FLAG } from './autostart'
import { revealWindow } from './window'

/** Longest a quit waits for the services before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 20_000

/** Takes the single-instance lock; false means another instance runs and this one must quit. */
export function acquireSingleInstanceLock(): boolean {
  return app.requestSingleInstanceLock()
}

export interface LifecycleOptions {
  window: BrowserWindow
  /** Stops the runtime (and everything else); awaited before the app quits. */
  shutdown: () => Promise<void>
  log: Logger
  /** Called each time a close hid the window to the tray (e.g. for the one-time notice). */
  onHiddenToTray?: () => void
  /** Called when the window is shown or hidden (the tray menu's Show/Hide label follows it). */
  onVisibilityChange?: () => void
  shutdownTimeoutMs?: number
  /** False when there is no tray to come back from (it failed to appear): closing then quits. */
  canHideToTray?: () => boolean
  /** Quit gracefully on SIGINT/SIGTERM (default true; tests turn it off). */
  handleSignals?: boolean
}

export interface Lifecycle {
  readonly isQuitting: boolean
  show(): void
  toggle(): void
  /** Starts a graceful quit (same path as Cmd+Q / the tray's Quit). */
  quit(): void
  /** Drains the services, then calls `install` (the updater's quitAndInstall), which quits. */
  quitForUpdate(install: () => void): Promise<void>
}

export function installLifecycle(opts: LifecycleOptions): Lifecycle {
  const { window: win, log } = opts
  let quitting = false
  let stopped = false
  let stopping: Promise<void> | null = null

  const show = (): void => revealWindow(win)
  const toggle = (): void => {
    if (win.isDestroyed()) return
    if (win.isVisible() && !win.isMinimized()) win.hide()
    else show()
  }

  /** Stops the services once; then `next` (default: quit for real). */
  const runShutdown = (next: () => void = () => app.quit()): Promise<void> => {
    if (stopping) return stopping
    const timeoutMs = opts.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS
    stopping = (async () => {
      log.info('quitting: stopping services')
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs)
      })
      try {
        const outcome = await Promise.race([opts.shutdown().then(() => 'done' as const), timedOut])
        if (outcome === 'timeout') {
          log.error('services did not stop in time; exiting anyway', { timeoutMs })
          app.exit(1)
          return
        }
      } catch (err) {
        log.error('error while stopping services', { error: err instanceof Error ? err.message : String(err) })
      } finally {
        clearTimeout(timer)
      }
      stopped = true
      next()
    })()
    return stopping
  }

  app.on('before-quit', (event) => {
    quitting = true
    if (stopped) return
    event.preventDefault()
    void runShutdown()
  })
  try {
    autoUpdater.on('before-quit-for-update', () => {
      quitting = true
      // Normally quitForUpdate drained already; if not, drain now (the updater's app.quit() that
      // follows is held by 'before-quit' until the services have stopped).
      if (!stopped) void runShutdown()
    })
  } catch (err) {
    log.debug('no autoUpdater on this platform', { error: err instanceof Error ? err.message : String(err) })
  }

  app.on('second-instance', (_event, argv) => {
    // A launch-at-login start while we already run must not pop the window up.
    if (argv.includes(HIDDEN_FLAG)) return
    log.info('a second launch asked for the window')
    show()
  })
  // macOS: clicking the dock icon reopens the window.
  app.on('activate', () => show())
  // The window only really closes while quitting; never let that quit on its own.
  app.on('window-all-closed', () => undefined)

  win.on('close', (event) => {
    if (quitting) return
    event.preventDefault()
    if (opts.canHideToTray && !opts.canHideToTray()) {
      app.quit()
      return
    }
    win.hide()
    opts.onHiddenToTray?.()
  })
  // Windows log-off / shutdown: do not hold the session with a hidden-window close.
  win.on('session-end', () => {
    quitting = true
    void runShutdown()
  })
  win.on('show', () => opts.onVisibilityChange?.())
  win.on('hide', () => opts.onVisibilityChange?.())

  if (opts.handleSignals ?? true) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        log.info('signal received: quitting', { signal })
        app.quit()
      })
    }
  }

  return {
    get isQuitting() {
      return quitting
    },
    show,
    toggle,
    quit: () => app.quit(),
    quitForUpdate: (install) => {
      quitting = true
      log.info('restarting into the downloaded update: stopping services first')
      return runShutdown(() => {
        try {
          install()
        } catch (err) {
          log.error('the update could not be installed; quitting', { error: err instanceof Error ? err.message : String(err) })
          app.quit()
        }
      })
    }
  }
}
