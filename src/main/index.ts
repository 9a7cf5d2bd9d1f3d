/**
 * Electron entry: the composition root of the desktop app. Registers the app:// scheme and takes
 * the single-instance lock, boots the same runtime as headless mode (config, logger, services) with
 * secrets in safeStorage, then wires the shell around it — crash guards, application menu, secure
 * window served over app://, contract IPC, tray, notifications, updater and the desktop ShellPort
 * behind the shell.* methods, lifecycle. All behaviour lives in ./electron/*; this file only
 * connects the parts.
 */
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { app, dialog } from 'electron'
import { boot, type Booted } from './bootstrap'
import { ConfigError } from './config/load'
import { errorFields } from './logging/logger'
import { HostingSnapshotSchema, type HostingSnapshot } from '../shared/contract'
import { HELP_URL, installAppMenu } from './electron/app-menu'
import { handleAppScheme, registerAppScheme } from './electron/app-protocol'
import { isLaunchAtLoginEnabled, setLaunchAtLogin, startedHidden } from './electron/autostart'
import { installCrashGuards, reloadCrashedRenderer } from './electron/crash-guards'
import { createDesktopShell } from './electron/desktop-shell'
import { registerContractIpc } from './electron/ipc-registrar'
import { acquireSingleInstanceLock, installLifecycle, type Lifecycle } from './electron/lifecycle'
import { showAppNotifications, showTrayNoticeOnce } from './electron/notifications'
import { openExternal } from './electron/open-external'
import { shellPaths } from './electron/paths'
import { chooseSecretStore } from './electron/secrets'
import { createTray, type TrayController } from './electron/tray'
import { UpdateController, type UpdaterBackend } from './electron/updater'
import { createMainWindow, dashboardPageUrl, hardenAllWebContents, isRendererUrl, loadRenderer, resolveRendererLocation } from './electron/window'
import type { Logger } from './logging/logger'
import type { Runtime } from './runtime'

const EX_CONFIG = 78
/** Windows notification identity; must equal `appId` in electron-builder.yml. */
const APP_USER_MODEL_ID = 'com.warphost.desktop'

/** Our arguments: argv starts with the executable, plus the app path when run as `electron .`. */
const argv = process.argv.slice(process.defaultApp ? 2 : 1)

/** electron-updater, loaded when the first check runs (not at start-up). */
async function loadUpdater(): Promise<UpdaterBackend> {
  const mod = await import('electron-updater')
  return mod.autoUpdater
}

/** The hosting snapshot through the contract (null while the hosting service does not answer). */
async function hostingSnapshot(runtime: Runtime, method: 'hosting.sessions' | 'hosting.pause' | 'hosting.resume', log: Logger): Promise<HostingSnapshot | null> {
  const input = method === 'hosting.pause' ? { reason: 'paused from the tray' } : undefined
  const r = await runtime.dispatch(method, input, { transport: 'internal', client: 'tray' })
  if (!r.ok) {
    if (method !== 'hosting.sessions') log.warn(`${method} from the tray failed`, { code: r.error.code, error: r.error.message })
    return null
  }
  const parsed = HostingSnapshotSchema.safeParse(r.value)
  return parsed.success ? parsed.data : null
}

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
  let lifecycle: Lifecycle | null = null
  installCrashGuards({ log: () => log, shutdown: () => runtime.stop() })

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
  const cleanups: (() => void)[] = []
  if (location.kind === 'app') cleanups.push(handleAppScheme(location.root, log))
  const hidden = startedHidden(argv)
  const win = createMainWindow({
    preload: paths.preload,
    location,
    hidden,
    icon: path.join(paths.resourcesDir, 'icon.png'),
    log
  })
  cleanups.push(
    registerContractIpc({
      window: win,
      runtime,
      isRendererUrl: (url) => isRendererUrl(url, location),
      log: sink.logger('ipc')
    })
  )
  reloadCrashedRenderer(win, () => void loadRenderer(win, location).catch(() => undefined), log)

  let tray: TrayController | null = null
  const show = (): void => lifecycle?.show()
  const life = installLifecycle({
    window: win,
    log,
    canHideToTray: () => tray !== null,
    onHiddenToTray: () => void showTrayNoticeOnce(runtime.store, log, show),
    onVisibilityChange: () => tray?.refresh(),
    shutdown: async () => {
      for (const c of cleanups.splice(0)) c()
      tray?.dispose()
      tray = null
      const lines = await runtime.stop()
      for (const line of ['=== WARP Host final statistics ===', ...lines]) sink.log('info', 'desktop', line)
      log.info('stopped cleanly')
      sink.closeFile()
    }
  })
  lifecycle = life
  installAppMenu({ isPackaged: app.isPackaged, platform: process.platform, showDashboard: show, quit: () => life.quit(), openHelp: () => void openExternal(HELP_URL, log) })

  // The updater and the desktop ShellPort behind shell.* (Settings, the update banner).
  let pushShellState = (): void => undefined // set once the ShellPort exists
  const updater = new UpdateController({
    backend: loadUpdater,
    support: app.isPackaged ? { ok: true } : { ok: false, reason: 'Updates are checked only in the installed app (this one runs from a source folder)' },
    enabled: () => runtime.config.desktop.auto_update,
    log: sink.logger('updater'),
    onChange: (state) => {
      tray?.update({ updateReady: state.phase === 'ready' ? state.version : null })
      pushShellState()
    },
    onReady: (version) =>
      runtime.events.emit('app.notification', {
        id: randomUUID(),
        kind: 'update.ready',
        level: 'info',
        title: `WARP Host ${version} is ready`,
        body: 'Restart WARP Host to install the update (tray menu or the banner in the dashboard).',
        at: new Date().toISOString()
      }),
    restart: (install) => void life.quitForUpdate(install)
  })
  const login = {
    get: () => isLaunchAtLoginEnabled(),
    set: (enabled: boolean) => {
      setLaunchAtLogin(enabled)
      tray?.refresh()
    }
  }
  const shell = createDesktopShell({ launchAtLogin: login, trayState: () => tray?.state ?? null, updater, events: runtime.events })
  pushShellState = () => shell.changed()
  cleanups.push(runtime.attachShell(shell), () => updater.stop())

  try {
    tray = createTray({
      resourcesDir: paths.resourcesDir,
      isWindowVisible: () => !win.isDestroyed() && win.isVisible(),
      toggleWindow: () => life.toggle(),
      quit: () => life.quit(),
      pauseHosting: () => void hostingSnapshot(runtime, 'hosting.pause', log).then((h) => h && tray?.update({ hosting: h })),
      resumeHosting: () => void hostingSnapshot(runtime, 'hosting.resume', log).then((h) => h && tray?.update({ hosting: h })),
      installUpdate: () => {
        try {
          updater.install()
        } catch (err) {
          log.warn('no update to install', errorFields(err))
        }
      },
      launchAtLogin: { get: login.get, set: (enabled) => void shell.setLaunchAtLogin(enabled) }
    })
    tray.update({ status: runtime.status(), hosting: await hostingSnapshot(runtime, 'hosting.sessions', log) })
    let hostingState = ''
    cleanups.push(
      runtime.events.on('app.status', (status) => {
        tray?.update({ status })
        // The hosting service came, went or restarted: ask for its snapshot again.
        const now = status.services.find((s) => s.name === 'hosting')?.state ?? 'absent'
        if (now !== hostingState) {
          hostingState = now
          void hostingSnapshot(runtime, 'hosting.sessions', log).then((h) => tray?.update({ hosting: h }))
        }
        shell.changed()
      }),
      runtime.events.on('hosting.changed', (snapshot) => tray?.update({ hosting: snapshot }))
    )
  } catch (err) {
    log.warn('no tray icon on this desktop: closing the window quits the app', errorFields(err))
    tray = null
    if (hidden) life.show()
  }
  cleanups.push(
    showAppNotifications({
      events: runtime.events,
      settings: () => runtime.config.desktop,
      // A click opens the dashboard on the page the notification is about (a same-document hash change).
      onClick: (n) => {
        show()
        const url = n.target ? dashboardPageUrl(location, n.target.page) : null
        if (url && !win.isDestroyed()) void win.loadURL(url).catch(() => undefined)
      },
      log: sink.logger('notifications')
    }),
    runtime.events.on('config.changed', () => updater.settingsChanged())
  )

  try {
    await loadRenderer(win, location)
  } catch (err) {
    log.error('the dashboard could not be loaded', { ...errorFields(err), url: location.url })
  }
  updater.start()
  const ms = Math.round(performance.now() - t0)
  log.info(`WARP Host desktop ready in ${ms} ms`, { ms, dataDir: runtime.config.data_dir, hidden, tray: tray?.state ?? null })
}

// app:// must be registered before ready; every renderer sandboxed; then the lock before anything
// else: a second launch only reveals the first.
registerAppScheme()
app.enableSandbox()
if (!acquireSingleInstanceLock()) {
  app.quit()
} else {
  void main().catch((err: unknown) => fatal('WARP Host could not start', err instanceof Error ? err.message : String(err), 1))
}
