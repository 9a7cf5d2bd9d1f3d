/**
 * The main window and everything that keeps it locked down: secure webPreferences (context
 * isolation, sandbox, no Node), the renderer served from our own app:// origin with the one CSP
 * (src/shared/csp.ts), no navigation away from the app and no sub-frame navigation at all, no new
 * windows (http(s) links go to the browser through openExternal), no webviews, every permission
 * request and check denied except a sanitized clipboard write from our own origin. Also owns
 * "which URL is our renderer" — the IPC registrar uses the same check for the sender frame.
 */
import path from 'node:path'
import { app, BrowserWindow, type WebContents } from 'electron'
import { devContentSecurityPolicy } from '../../shared/csp'
import type { Logger } from '../logging/logger'
import { APP_HOST, APP_INDEX_URL, APP_ORIGIN, APP_SCHEME } from './app-protocol'
import { isExternalUrlAllowed, openExternal } from './open-external'

/**
 * Where the renderer is loaded from: the electron-vite dev server, or the built files served over
 * app:// from `root` (the folder of the built index.html).
 */
export type RendererLocation = { kind: 'dev'; url: string; origin: string } | { kind: 'app'; url: string; origin: string; root: string }

export const WINDOW_DEFAULT_SIZE = { width: 1280, height: 800 }
export const WINDOW_MIN_SIZE = { width: 960, height: 600 }

/**
 * Permissions our own page may get. Everything else (camera, microphone, geolocation,
 * notifications, media, HID/serial/USB, …) is denied: notifications come from the main process.
 */
const ALLOWED_PERMISSIONS = new Set<string>(['clipboard-sanitized-write'])

/**
 * The dev server URL (ELECTRON_RENDERER_URL, set by `electron-vite dev`) is honoured only in an
 * unpackaged app and only on loopback — a packaged app always loads its own files, so an
 * environment variable can never point the preload's API at a remote page.
 */
export function resolveRendererLocation(opts: {
  isPackaged: boolean
  devServerUrl: string | undefined
  rendererHtml: string
  log: Logger
}): RendererLocation {
  const appLocation: RendererLocation = { kind: 'app', url: APP_INDEX_URL, origin: APP_ORIGIN, root: path.dirname(opts.rendererHtml) }
  if (opts.isPackaged || !opts.devServerUrl) return appLocation
  try {
    const u = new URL(opts.devServerUrl)
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)
    if ((u.protocol === 'http:' || u.protocol === 'https:') && loopback) {
      return { kind: 'dev', url: u.href, origin: u.origin }
    }
  } catch {
    // fall through to the warning
  }
  opts.log.warn('ignoring ELECTRON_RENDERER_URL: only a loopback http(s) dev server is allowed', { url: opts.devServerUrl })
  return appLocation
}

/** True when `url` is our renderer page: the dev server origin, or app://warp-host/ (index.html). */
export function isRendererUrl(url: string, loc: RendererLocation): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (loc.kind === 'dev') return u.origin === loc.origin
  // Node's URL gives non-special schemes an opaque origin: compare the parts.
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password && (u.pathname === '/' || u.pathname === '/index.html')
}

/** True when a permission check's origin is ours. */
export function isRendererOrigin(origin: string, loc: RendererLocation): boolean {
  return origin.replace(/\/$/, '') === loc.origin
}

export interface MainWindowOptions {
  preload: string
  location: RendererLocation
  /** Started with --hidden (launch at login): stay in the tray until asked. */
  hidden: boolean
  /** Window icon (Linux and Windows; macOS uses the bundle icon). */
  icon?: string
  log: Logger
}

/** Creates the main window with its guards installed; call loadRenderer once IPC is registered. */
export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const { log, location } = opts
  const win = new BrowserWindow({
    ...WINDOW_DEFAULT_SIZE,
    minWidth: WINDOW_MIN_SIZE.width,
    minHeight: WINDOW_MIN_SIZE.height,
    show: false,
    title: 'WARP Host',
    backgroundColor: '#10141c',
    ...(opts.icon && process.platform !== 'darwin' ? { icon: opts.icon } : {}),
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged
    }
  })

  win.once('ready-to-show', () => {
    if (!opts.hidden) win.show()
  })

  guardWebContents(win.webContents, location, log)
  return win
}

/** Navigation, new-window, webview, CSP and permission guards for our renderer's webContents. */
export function guardWebContents(contents: WebContents, location: RendererLocation, log: Logger): void {
  contents.setWindowOpenHandler(({ url }) => {
    // openExternal refuses (and logs) anything that is not http(s).
    void openExternal(url, log)
    return { action: 'deny' }
  })

  contents.on('will-navigate', (event) => {
    const url = event.url
    if (isRendererUrl(url, location)) return
    event.preventDefault()
    log.warn('blocked navigation away from the app', { url: url.slice(0, 200) })
    if (isExternalUrlAllowed(url)) void openExternal(url, log)
  })

  contents.on('will-redirect', (event) => {
    if (isRendererUrl(event.url, location)) return
    event.preventDefault()
    log.warn('blocked a redirect away from the app', { url: event.url.slice(0, 200) })
  })

  // Sub-frames (there are none in the dashboard; CSP frame-src 'none' too) never navigate anywhere.
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame) return // will-navigate above decides for the page itself
    event.preventDefault()
    log.warn('blocked a sub-frame navigation', { url: event.url.slice(0, 200) })
  })

  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    log.warn('blocked a <webview>')
  })

  contents.on('render-process-gone', (_event, details) => {
    log.error('the window renderer process ended', { reason: details.reason, exitCode: details.exitCode })
  })

  const session = contents.session
  if (location.kind === 'dev') {
    // The dev server sends no CSP: add the (relaxed, dev-only) policy to its pages. Built files get
    // the strict one from the app:// handler itself.
    const csp = devContentSecurityPolicy(location.origin)
    session.webRequest.onHeadersReceived({ urls: [`${location.origin}/*`] }, (details, callback) => {
      if (!isRendererUrl(details.url, location)) {
        callback({})
        return
      }
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } })
    })
  }

  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const allowed = ALLOWED_PERMISSIONS.has(permission) && details.isMainFrame !== false && isRendererUrl(details.requestingUrl, location)
    if (!allowed) log.warn('denied a permission request', { permission, url: details.requestingUrl.slice(0, 200) })
    callback(allowed)
  })
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => ALLOWED_PERMISSIONS.has(permission) && isRendererOrigin(requestingOrigin, location))
}

/** Loads the renderer (dev server URL, or app://warp-host/index.html). */
export async function loadRenderer(win: BrowserWindow, location: RendererLocation): Promise<void> {
  await win.loadURL(location.url)
}

/**
 * Guards for every other webContents the app might ever create (devtools, a stray popup): no
 * webviews, no new windows. Registered once, before the main window exists.
 */
export function hardenAllWebContents(log: Logger): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => {
      event.preventDefault()
      log.warn('blocked a <webview>')
    })
    contents.setWindowOpenHandler(({ url }) => {
      log.warn('blocked a new window', { url: url.slice(0, 200) })
      return { action: 'deny' }
    })
  })
}

/**
 * The dashboard URL of a page (hash route `#/<page>`), e.g. where a notification's click leads;
 * null for anything that is not a plain page name (a notification's target comes from a service).
 */
export function dashboardPageUrl(location: RendererLocation, page: string): string | null {
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(page)) return null
  return `${location.url.split('#')[0]}#/${page}`
}

/** Shows, restores and focuses the window (tray "Show", second launch, dock click). */
export function revealWindow(win: BrowserWindow): void {
  if (win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  if (!win.isVisible()) win.show()
  win.focus()
}
