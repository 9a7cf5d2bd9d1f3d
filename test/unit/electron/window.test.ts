/**
 * The main window's security: secure webPreferences, navigation and redirects away from the app
 * denied, window.open always denied (http(s) goes to the browser through openExternal, other
 * schemes are refused), webviews blocked, CSP header on our pages only, permissions denied,
 * ready-to-show honours --hidden, and the dev server URL is only trusted unpackaged on loopback.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { LogSink } from '../../../src/main/logging/logger'
import { isExternalUrlAllowed, openExternal } from '../../../src/main/electron/open-external'
import {
  WINDOW_DEFAULT_SIZE,
  contentSecurityPolicy,
  createMainWindow,
  hardenAllWebContents,
  isRendererUrl,
  loadRenderer,
  resolveRendererLocation,
  revealWindow,
  type RendererLocation
} from '../../../src/main/electron/window'
import { FakeBrowserWindow, app, fake, fakeEvent, resetFakeElectron, shell } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const HTML = '/opt/warp/out/renderer/index.html'
let sink: LogSink

function log() {
  return sink.logger('window')
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

    for (const url of ['file:///etc/passwd', 'https://evil.example/phish', 'javascript:alert(1)', 'data:text/html,x']) {
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

  it('adds the CSP header to our pages only', () => {
    const win = makeWindow()
    const wr = win.webContents.session.webRequest
    expect(wr.headersListener).not.toBeNull()
    const ours = vi.fn()
    wr.headersListener?.({ url: fileLoc().url, responseHeaders: { 'X-Test': ['1'] } }, ours)
    expect(ours).toHaveBeenCalledWith({ responseHeaders: { 'X-Test': ['1'], 'Content-Security-Policy': [contentSecurityPolicy(fileLoc())] } })
    const other = vi.fn()
    wr.headersListener?.({ url: 'file:///etc/hosts' }, other)
    expect(other).toHaveBeenCalledWith({})
  })

  it('the production CSP allows no inline or remote script and no remote connections', () => {
    const csp = contentSecurityPolicy(fileLoc())
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe/)
    expect(csp).toContain("connect-src 'self'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
  })

  it('denies permission requests (camera, notifications, …) and checks', () => {
    const win = makeWindow()
    const session = win.webContents.session
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'hid', 'clipboard-read']) {
      const cb = vi.fn()
      session.permissionRequestHandler?.(win.webContents, permission, cb, { requestingUrl: fileLoc().url })
      expect(cb, permission).toHaveBeenCalledWith(false)
      expect(session.permissionCheckHandler?.(win.webContents, permission, 'file://')).toBe(false)
    }
    expect(warned('denied a permission request')).toBe(true)
    // The only grant: a sanitized clipboard write (copy buttons), and only for our own page.
    const ok = vi.fn()
    session.permissionRequestHandler?.(win.webContents, 'clipboard-sanitized-write', ok, { requestingUrl: fileLoc().url })
    expect(ok).toHaveBeenCalledWith(true)
    const foreign = vi.fn()
    session.permissionRequestHandler?.(win.webContents, 'clipboard-sanitized-write', foreign, { requestingUrl: 'https://evil.example/' })
    expect(foreign).toHaveBeenCalledWith(false)
  })

  it('loads the built file in production and the dev server URL in dev', async () => {
    const prod = makeWindow()
    await loadRenderer(fake(prod), fileLoc())
    expect(prod.loadFile).toHaveBeenCalledWith(HTML)

    const devLoc = resolveRendererLocation({ isPackaged: false, devServerUrl: 'http://localhost:5173', rendererHtml: HTML, log: log() })
    const dev = makeWindow({ location: devLoc })
    await loadRenderer(fake(dev), devLoc)
    expect(dev.loadURL).toHaveBeenCalledWith('http://localhost:5173/')
  })

  it('trusts ELECTRON_RENDERER_URL only unpackaged and on loopback', () => {
    expect(resolveRendererLocation({ isPackaged: true, devServerUrl: 'http://localhost:5173', rendererHtml: HTML, log: log() }).kind).toBe('file')
    expect(resolveRendererLocation({ isPackaged: false, devServerUrl: undefined, rendererHtml: HTML, log: log() }).kind).toBe('file')
    expect(resolveRendererLocation({ isPackaged: false, devServerUrl: 'http://127.0.0.1:5173', rendererHtml: HTML, log: log() }).kind).toBe('dev')
    const remote = resolveRendererLocation({ isPackaged: false, devServerUrl: 'https://evil.example', rendererHtml: HTML, log: log() })
    expect(remote.kind).toBe('file')
    expect(warned('ignoring ELECTRON_RENDERER_URL')).toBe(true)
  })

  it('isRendererUrl matches our index.html (any hash/query) and nothing else', () => {
    const loc = fileLoc()
    expect(isRendererUrl(loc.url, loc)).toBe(true)
    expect(isRendererUrl(`${loc.url}?x=1#/logs`, loc)).toBe(true)
    expect(isRendererUrl('file:///opt/warp/out/renderer/other.html', loc)).toBe(false)
    expect(isRendererUrl('file://remote-host/opt/warp/out/renderer/index.html', loc)).toBe(false)
    expect(isRendererUrl('http://localhost:5173/', loc)).toBe(false)
    expect(isRendererUrl('garbage', loc)).toBe(false)
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
