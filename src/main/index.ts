/**
 * Electron entry: the composition root of the desktop app. Takes the single-instance lock, boots
 * the same runtime as headless mode (config, logger, services) with secrets in safeStorage, then
 * wires the shell around it — secure window, contract IPC, tray, notifications, lifecycle. All
 * behaviour lives in ./electron/*; this file only connects the parts.
 */
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { app, dialog } from 'electron'
import { boot, type Booted } from './bootstrap'
import { ConfigError } from './config/load'
import { errorFields } from './logging/logger'
import { isLaunchAtLoginEnabled, setLaunchAtLogin, startedHidden } from './electron/autostart'
import { registerContractIpc } from './electron/ipc-registrar'
import { acquireSingleInstanceLock, installLifecycle } from './electron/lifecycle'
import { showTrayNoticeOnce, watchServiceErrors } from './electron/notifications'
import { shellPaths } from './electron/paths'
import { chooseSecretStore } from './electron/secrets'
import { createTray, type TrayController } from './electron/tray'
import { createMainWindow, hardenAllWebContents, isRendererUrl, loadRenderer, resolveRendererLocation } from './electron/window'

const EX_CONFIG = 78
/** Windows notification identity; must equal `appId` in electron-builder.yml. */
const APP_USER_MODEL_ID = 'com.warphost.desktop'

/** Our arguments: argv starts with the executable, plus the app path when run as `electron .`. */
const argv = process.argv.slice(process.defaultApp ? 2 : 1)

function fatal(title: string, message: string, code: number): void {
  dialog.showErrorBox(title, message)
  app.exit(code)
}

async function main(): Promise<void> {
  const t0 = performance.now()
  await app.whenReady()
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID)

  // Secret-store warnings can come before the logger exists: keep them until it does.
  const early: string[] = []
  let warn = (message: string): void => void early.push(message)
  let booted: Booted
  try {
    booted = boot({
      mode: 'desktop',
      argv,
      defaultDataDir: app.getPath('userData'),
      secretStore: (dataDir) => {
        const choice = chooseSecretStore(dataDir, (m) => warn(m))
        if (choice.warning) early.push(choice.warning)
        return choice.store
      }
    })
  } catch (err) {
    if (err instanceof ConfigError) {
      fatal('WARP Host: invalid configuration', `${err.message}\n\nFix the value named above and start WARP Host again.`, EX_CONFIG)
    } else {
      fatal('WARP Host could not start', err instanceof Error ? err.message : String(err), 1)
    }
    return
  }
  const { runtime, sink } = booted
  const log = sink.logger('desktop')
  warn = (message) => log.warn(message)
  for (const m of early) log.warn(m)
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', errorFields(reason)))

  try {
    await runtime.start()
  } catch (err) {
    log.error('WARP Host could not start', errorFields(err))
    await runtime.stop().catch(() => undefined)
    fatal('WARP Host could not start', err instanceof Error ? err.message : String(err), 1)
    return
  }

  hardenAllWebContents(log)
  const paths = shellPaths(__dirname)
  const location = resolveRendererLocation({
    isPackaged: app.isPackaged,
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
    rendererHtml: paths.rendererHtml,
    log
  })
  const win = createMainWindow({
    preload: paths.preload,
    location,
    hidden: startedHidden(argv),
    icon: path.join(paths.resourcesDir, 'icon.png'),
    log
  })
  const disposeIpc = registerContractIpc({
    window: win,
    runtime,
    isRendererUrl: (url) => isRendererUrl(url, location),
    log: sink.logger('ipc')
  })

  let tray: TrayController | null = null
  const cleanups: (() => void)[] = [disposeIpc]
  const lifecycle = installLifecycle({
    window: win,
    log,
    canHideToTray: () => tray !== null,
    onHiddenToTray: () => void showTrayNoticeOnce(runtime.store, log, () => lifecycle.show()),
    onVisibilityChange: () => tray?.refresh(),
    shutdown: async () => {
      for (const c of cleanups) c()
      tray?.dispose()
      tray = null
      const lines = await runtime.stop()
      for (const line of ['=== WARP Host final statistics ===', ...lines]) sink.log('info', 'desktop', line)
      log.info('stopped cleanly')
      sink.closeFile()
    }
  })

  try {
    tray = createTray({
      resourcesDir: paths.resourcesDir,
      isWindowVisible: () => !win.isDestroyed() && win.isVisible(),
      toggleWindow: () => lifecycle.toggle(),
      quit: () => lifecycle.quit(),
      launchAtLogin: { get: () => isLaunchAtLoginEnabled(), set: (enabled) => setLaunchAtLogin(enabled) }
    })
    tray.update(runtime.status())
    cleanups.push(runtime.events.on('app.status', (status) => tray?.update(status)))
  } catch (err) {
    log.warn('no tray icon on this desktop: closing the window quits the app', errorFields(err))
    tray = null
    if (startedHidden(argv)) lifecycle.show()
  }
  cleanups.push(watchServiceErrors(runtime.events, () => lifecycle.show()))

  try {
    await loadRenderer(win, location)
  } catch (err) {
    log.error('the dashboard could not be loaded', { ...errorFields(err), url: location.url })
  }
  const ms = Math.round(performance.now() - t0)
  log.info(`WARP Host desktop ready in ${ms} ms`, { ms, dataDir: runtime.config.data_dir, hidden: startedHidden(argv) })
}

// Every renderer sandboxed, then the lock before anything else: a second launch only reveals the first.
app.enableSandbox()
if (!acquireSingleInstanceLock()) {
  app.quit()
} else {
  void main().catch((err: unknown) => fatal('WARP Host could not start', err instanceof Error ? err.message : String(err), 1))
}
