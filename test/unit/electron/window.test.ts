/**
 * The main window's security: secure webPreferences, navigation and redirects away from the app
 * denied, window.open always denied (http(s) goes to the browser through openExternal, other
 * schemes are refused), sub-frame navigation denied (will-frame-navigate), webviews blocked, the
 * built renderer loaded from app://warp-host (its CSP comes with the app:// response), the dev
 * server's pages get the relaxed dev CSP, permission requests and checks accept only our origin,
 * ready-to-show honours --hidden, and the dev server URL is only trusted unpackaged on loopback.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { LogSink } from '../../../src/main/logging/logger'
import { isExternalUrlAllowed, openExternal } from '../../../src/main/electron/open-external'
import {
  WINDOW_DEFAULT_SIZE,
  createMainWindow,
  dashboardPageUrl,
  hardenAllWebContents,
  isRendererUrl,
  loadRenderer,
  resolveRendererLocation,
  revealWindow,
  type RendererLocation
} from '../../../src/main/electron/window'
import { devContentSecurityPolicy } from '../../../src/shared/csp'
import { FakeBrowserWindow, app, fake, fakeEvent, resetFakeElectron, shell } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const HTML = '/opt/warp/out/renderer/index.html'
let sink: LogSink

function log() {
  return sink.logger('window')
}

function devLoc(): RendererLocation {
  return resolveRendererLocation({ isPackaged: false, devServerUrl: 'http://localhost:5173', rendererHtml: HTML, log: log() })
}

function fileLoc(): RendererLocation {
  return resolveRendererLocation({ isPackaged: true, devServerUrl: 'http://localhost:5173', rendererHtml: HTML, log: log() })
}

function makeWindow(opts: { hidden?: boolean; location?: RendererLocation } = {}): FakeBrowserWindow {
  return fake<FakeBrowserWindow>(
    createMainWindow({ preload: '/opt/warp/out/preload/index.js', location: opts.location ?? fileLoc(), hidden: opts.hidden ?? false, log: log() })
  )
}

function warned(text: string): boolean {
  return sink.tail({ level: 'warn' }).some((e) => e.msg.includes(text))
}

beforeEach(() => {
  resetFakeElectron()
  sink = new LogSink({ level: 'debug', format: 'json', dir: null, write: () => undefined })
})

describe('main window', () => {
  it('is created with the secure webPreferences, default size, a minimum size and hidden until ready', () => {
    const win = makeWindow()
    const o = win.options as { width: number; height: number; minWidth: number; minHeight: number; show: boolean; webPreferences: Record<string, unknown> }
    expect(o.webPreferences).toMatchObject({
      preload: '/opt/warp/out/preload/index.js',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false
    })
    expect({ width: o.width, height: o.height }).toEqual(WINDOW_DEFAULT_SIZE)
    expect(o.minWidth).toBeGreaterThan(0)
    expect(o.minHeight).toBeGreaterThan(0)
    expect(o.show).toBe(false)
  })

  it('shows on ready-to-show, unless started --hidden', () => {
    const shown = makeWindow()
    shown.emit('ready-to-show')
    expect(shown.show).toHaveBeenCalledTimes(1)

    const hidden = makeWindow({ hidden: true })
    hidden.emit('ready-to-show')
    expect(hidden.show).not.toHaveBeenCalled()
  })

  it('denies navigation to anything but our renderer', () => {
    const win = makeWindow()
    const loc = fileLoc()
    const own = fakeEvent({ url: `${loc.url}#/sessions` })
    win.webContents.emit('will-navigate', own)
    expect(own.defaultPrevented).toBe(false)

    for (const url of ['file:///etc/passwd', 'file:///opt/warp/out/renderer/index.html', 'app://other-host/index.html', 'https://evil.example/phish', 'javascript:alert(1)', 'data:text/html,x']) {
      const e = fakeEvent({ url })
      win.webContents.emit('will-navigate', e)
      expect(e.defaultPrevented, url).toBe(true)
    }
    expect(warned('blocked navigation')).toBe(true)
    // A plain https link clicked in the page goes to the browser instead; file: never does.
    expect(shell.openExternal).toHaveBeenCalledTimes(1)
    expect(shell.openExternal).toHaveBeenCalledWith('https://evil.example/phish')
  })

  it('denies redirects away from the app and <webview> attachment', () => {
    const win = makeWindow()
    const r = fakeEvent({ url: 'https://elsewhere.example/' })
    win.webContents.emit('will-redirect', r)
    expect(r.defaultPrevented).toBe(true)
    const w = fakeEvent()
    win.webContents.emit('will-attach-webview', w)
    expect(w.defaultPrevented).toBe(true)
  })

  it('denies every window.open; http(s) URLs open in the browser, other schemes are refused and logged', async () => {
    const win = makeWindow()
    const open = win.webContents.windowOpenHandler
    expect(open).not.toBeNull()
    if (!open) return
    expect(open({ url: 'https://docs.example/help' })).toEqual({ action: 'deny' })
    expect(open({ url: 'http://127.0.0.1:8001/api' })).toEqual({ action: 'deny' })
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-settings:privacy', 'not a url']) {
      expect(open({ url })).toEqual({ action: 'deny' })
    }
    await Promise.resolve()
    expect(shell.openExternal.mock.calls.map((c) => c[0])).toEqual(['https://docs.example/help', 'http://127.0.0.1:8001/api'])
    expect(warned('refused to open a non-http(s) URL')).toBe(true)
  })

  it('denies every sub-frame navigation (will-frame-navigate), even to our own origin', () => {
    const win = makeWindow()
    const loc = fileLoc()
    const sub = fakeEvent({ url: loc.url, isMainFrame: false })
    win.webContents.emit('will-frame-navigate', sub)
    expect(sub.defaultPrevented).toBe(true)
    const evil = fakeEvent({ url: 'https://evil.example/', isMainFrame: false })
    win.webContents.emit('will-frame-navigate', evil)
    expect(evil.defaultPrevented).toBe(true)
    expect(warned('blocked a sub-frame navigation')).toBe(true)
    // The page itself is will-navigate's business (checked above).
    const main = fakeEvent({ url: `${loc.url}#/logs`, isMainFrame: true })
    win.webContents.emit('will-frame-navigate', main)
    expect(main.defaultPrevented).toBe(false)
  })

  it('built renderer: no header rewriting (the app:// handler sends the CSP); dev server: the dev CSP on its pages only', () => {
    const prod = makeWindow()
    expect(prod.webContents.session.webRequest.headersListener).toBeNull()

    const dev = makeWindow({ location: devLoc() })
    const wr = dev.webContents.session.webRequest
    expect(wr.headersFilter).toEqual({ urls: ['http://localhost:5173/*'] })
    const ours = vi.fn()
    wr.headersListener?.({ url: 'http://localhost:5173/index.html', responseHeaders: { 'X-Test': ['1'] } }, ours)
    expect(ours).toHaveBeenCalledWith({ responseHeaders: { 'X-Test': ['1'], 'Content-Security-Policy': [devContentSecurityPolicy('http://localhost:5173')] } })
    const other = vi.fn()
    wr.headersListener?.({ url: 'http://127.0.0.1:9999/x' }, other)
    expect(other).toHaveBeenCalledWith({})
  })

  it('denies permission requests (camera, notifications, …) and checks', () => {
    const win = makeWindow()
    const session = win.webContents.session
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'hid', 'clipboard-read']) {
      const cb = vi.fn()
      session.permissionRequestHandler?.(win.webContents, permission, cb, { requestingUrl: fileLoc().url })
      expect(cb, permission).toHaveBeenCalledWith(false)
      expect(session.permissionCheckHandler?.(win.webContents, permission, 'app://warp-host')).toBe(false)
    }
    expect(warned('denied a permission request')).toBe(true)
    // The only grant: a sanitized clipboard write (copy buttons), and only for our own page.
    const ok = vi.fn()
    session.permissionRequestHandler?.(win.webContents, 'clipboard-sanitized-write', ok, { requestingUrl: fileLoc().url })
    expect(ok).toHaveBeenCalledWith(true)
    const foreign = vi.fn()
    session.permissionRequestHandler?.(win.webContents, 'clipboard-sanitized-write', foreign, { requestingUrl: 'https://evil.example/' })
    expect(foreign).toHaveBeenCalledWith(false)
    // Permission checks: only our origin, never file:// or another app:// host.
    expect(session.permissionCheckHandler?.(win.webContents, 'clipboard-sanitized-write', 'app://warp-host')).toBe(true)
    expect(session.permissionCheckHandler?.(win.webContents, 'clipboard-sanitized-write', 'app://warp-host/')).toBe(true)
    for (const origin of ['file://', 'app://evil', 'https://evil.example', 'null', '']) {
      expect(session.permissionCheckHandler?.(win.webContents, 'clipboard-sanitized-write', origin), origin).toBe(false)
    }
  })

  it('loads app://warp-host/index.html in production (never file://) and the dev server URL in dev', async () => {
    const prod = makeWindow()
    const loc = fileLoc()
    expect(loc).toEqual({ kind: 'app', url: 'app://warp-host/index.html', origin: 'app://warp-host', root: '/opt/warp/out/renderer' })
    await loadRenderer(fake(prod), loc)
    expect(prod.loadURL).toHaveBeenCalledWith('app://warp-host/index.html')
    expect(prod.loadFile).not.toHaveBeenCalled()

    const dev = makeWindow({ location: devLoc() })
    await loadRenderer(fake(dev), devLoc())
    expect(dev.loadURL).toHaveBeenCalledWith('http://localhost:5173/')
  })

  it('trusts ELECTRON_RENDERER_URL only unpackaged and on loopback', () => {
    expect(resolveRendererLocation({ isPackaged: true, devServerUrl: 'http://localhost:5173', rendererHtml: HTML, log: log() }).kind).toBe('app')
    expect(resolveRendererLocation({ isPackaged: false, devServerUrl: undefined, rendererHtml: HTML, log: log() }).kind).toBe('app')
    expect(resolveRendererLocation({ isPackaged: false, devServerUrl: 'http://127.0.0.1:5173', rendererHtml: HTML, log: log() }).kind).toBe('dev')
    const remote = resolveRendererLocation({ isPackaged: false, devServerUrl: 'https://evil.example', rendererHtml: HTML, log: log() })
    expect(remote.kind).toBe('app')
    expect(warned('ignoring ELECTRON_RENDERER_URL')).toBe(true)
  })

  it('isRendererUrl matches our index.html on app://warp-host (any hash/query) and nothing else', () => {
    const loc = fileLoc()
    expect(isRendererUrl(loc.url, loc)).toBe(true)
    expect(isRendererUrl('app://warp-host/', loc)).toBe(true)
    expect(isRendererUrl(`${loc.url}?x=1#/logs`, loc)).toBe(true)
    expect(isRendererUrl('app://warp-host/other.html', loc)).toBe(false)
    expect(isRendererUrl('app://evil/index.html', loc)).toBe(false)
    expect(isRendererUrl('app://user:pw@warp-host/index.html', loc)).toBe(false)
    expect(isRendererUrl('file:///opt/warp/out/renderer/index.html', loc)).toBe(false)
    expect(isRendererUrl('http://localhost:5173/', loc)).toBe(false)
    expect(isRendererUrl('garbage', loc)).toBe(false)
  })

  it('dashboardPageUrl: a hash route on our page for plain page names only', () => {
    expect(dashboardPageUrl(fileLoc(), 'training')).toBe('app://warp-host/index.html#/training')
    expect(dashboardPageUrl(devLoc(), 'overview')).toBe('http://localhost:5173/#/overview')
    for (const bad of ['', '../x', 'https://evil.example', 'a/b', 'Overview', 'x'.repeat(60), 'logs?x=1']) expect(dashboardPageUrl(fileLoc(), bad), bad).toBeNull()
  })

  it('revealWindow restores, shows and focuses', () => {
    const win = makeWindow()
    win.minimized = true
    revealWindow(fake(win))
    expect(win.restore).toHaveBeenCalled()
    expect(win.show).toHaveBeenCalled()
    expect(win.focus).toHaveBeenCalled()
  })

  it('hardenAllWebContents denies popups and webviews in any other webContents', () => {
    hardenAllWebContents(log())
    const other = new FakeBrowserWindow({}) // emits app 'web-contents-created'
    expect(other.webContents.windowOpenHandler?.({ url: 'https://x.example' })).toEqual({ action: 'deny' })
    const w = fakeEvent()
    other.webContents.emit('will-attach-webview', w)
    expect(w.defaultPrevented).toBe(true)
    expect(app.listenerCount('web-contents-created')).toBe(1)
  })
})

describe('openExternal', () => {
  it('allows only http: and https: URLs', () => {
    expect(isExternalUrlAllowed('https://example.com/a?b#c')).toBe(true)
    expect(isExternalUrlAllowed('http://127.0.0.1:8787/')).toBe(true)
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'mailto:a@b.c', 'ftp://x', 'vbscript:x', 'https://', 'HTTPS//x', '', 'smb://h/s']) {
      expect(isExternalUrlAllowed(url), url).toBe(false)
    }
  })

  it('opens allowed URLs and logs refusals without calling the shell', async () => {
    await expect(openExternal('https://example.com', log())).resolves.toBe(true)
    await expect(openExternal('file:///C:/Windows/System32/calc.exe', log())).resolves.toBe(false)
    expect(shell.openExternal).toHaveBeenCalledTimes(1)
    expect(warned('refused to open')).toBe(true)
  })

  it('reports a shell failure as false, not a throw', async () => {
    shell.openExternal.mockRejectedValueOnce(new Error('no browser'))
    await expect(openExternal('https://example.com', log())).resolves.toBe(false)
  })
})
