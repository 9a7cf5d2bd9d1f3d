/**
 * The ipcMain registrar against a real Runtime: only our window's top frame showing our renderer
 * (app://warp-host) may call — never a sub-frame, even one of our own origin — input is validated
 * by the dispatcher, good calls pass through, and runtime events reach the window.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BrowserWindow } from 'electron'
import { METHOD_NAMES, eventChannel, invokeChannel, type CallResult } from '../../../src/shared/contract'
import { registerContractIpc } from '../../../src/main/electron/ipc-registrar'
import { isRendererUrl, resolveRendererLocation, type RendererLocation } from '../../../src/main/electron/window'
import { FakeBrowserWindow, fake, ipcMain, resetFakeElectron, type FakeFrame } from './fake-electron'
import { startRealRuntime, type RealRuntime } from './real-runtime'

vi.mock('electron', () => import('./fake-electron'))

const RENDERER_HTML = '/opt/WARP Host/resources/app.asar/out/renderer/index.html'

let rt: RealRuntime
let win: FakeBrowserWindow
let location: RendererLocation
let dispose: () => void

function setup(loc: RendererLocation): void {
  location = loc
  win = fake<FakeBrowserWindow>(new BrowserWindow({}))
  dispose = registerContractIpc({
    window: fake<BrowserWindow>(win),
    runtime: rt.runtime,
    isRendererUrl: (url) => isRendererUrl(url, location),
    log: rt.sink.logger('ipc')
  })
}

function fileLocation(): RendererLocation {
  return resolveRendererLocation({ isPackaged: true, devServerUrl: undefined, rendererHtml: RENDERER_HTML, log: rt.sink.logger('t') })
}

/** An invoke event as Electron builds it: the sender webContents and the calling frame (top frame: parent null). */
function from(sender: unknown, frameUrl: string | null, parent: FakeFrame | null = null): { sender: unknown; senderFrame: (FakeFrame & { parent: FakeFrame | null }) | null } {
  return { sender, senderFrame: frameUrl === null ? null : { url: frameUrl, parent } }
}

async function call(method: string, input: unknown, event = from(win.webContents, location.url)): Promise<CallResult> {
  return (await ipcMain.invoke(`contract:call:${method}`, event, input)) as CallResult
}

function warnings(): string[] {
  return rt.sink.tail({ level: 'warn' }).map((e) => `${e.msg} ${JSON.stringify(e.fields ?? {})}`)
}

beforeEach(async () => {
  resetFakeElectron()
  rt = await startRealRuntime()
})

afterEach(async () => {
  dispose?.()
  await rt.cleanup()
})

describe('ipc registrar', () => {
  it('registers one handler per contract method on the contract channel', () => {
    setup(fileLocation())
    expect([...ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => invokeChannel(m)).sort())
  })

  it('passes a call from our window and renderer frame through to the runtime', async () => {
    setup(fileLocation())
    const r = await call('app.status', undefined, from(win.webContents, `${location.url}#/overview`))
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const status = r.value as { mode: string; dataDir: string }
    expect(status.mode).toBe('desktop')
    expect(status.dataDir).toBe(rt.dataDir)
  })

  it('rejects a call from another window with forbidden, and logs it', async () => {
    setup(fileLocation())
    const other = new FakeBrowserWindow({})
    const r = await call('app.status', undefined, from(other.webContents, location.url))
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(warnings().some((w) => w.includes('rejected ipc call') && w.includes('sender is not the WARP Host window'))).toBe(true)
  })

  it('rejects a sender that is not a window at all (e.g. a stray webContents)', async () => {
    setup(fileLocation())
    const r = await call('config.get', undefined, from({ id: 999 }, location.url))
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it.each([
    ['a remote page', 'https://evil.example/'],
    ['another local file', 'file:///etc/passwd'],
    ['a data: URL', 'data:text/html,<script>1</script>'],
    ['a file with our name elsewhere', 'file:///tmp/out/renderer/index.html'],
    ['our index.html over file://', 'file:///opt/WARP Host/resources/app.asar/out/renderer/index.html'],
    ['another app:// host', 'app://evil/index.html'],
    ['another page of our origin', 'app://warp-host/assets/x.html'],
    ['about:blank', 'about:blank']
  ])('rejects our window when the calling frame is %s', async (_what, url) => {
    setup(fileLocation())
    const r = await call('config.get', undefined, from(win.webContents, url))
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(warnings().some((w) => w.includes('not the WARP Host dashboard'))).toBe(true)
  })

  it('rejects a call from a sub-frame (iframe) even when it shows our own page, and logs it', async () => {
    setup(fileLocation())
    const top = { url: location.url }
    for (const url of [location.url, 'https://evil.example/frame']) {
      const r = await call('config.get', undefined, from(win.webContents, url, top))
      expect(r, url).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('sub-frame') } })
    }
    expect(warnings().some((w) => w.includes('rejected ipc call') && w.includes('sub-frame'))).toBe(true)
    // The same page as the top frame is accepted.
    expect((await call('config.get', undefined, from(win.webContents, location.url, null))).ok).toBe(true)
  })

  it('rejects a call whose frame is already gone', async () => {
    setup(fileLocation())
    const r = await call('config.get', undefined, from(win.webContents, null))
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it('rejects calls once the window is destroyed', async () => {
    setup(fileLocation())
    win.destroy()
    const r = await call('app.status', undefined)
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it('accepts the dev server origin only in dev, and not a neighbouring port', async () => {
    location = resolveRendererLocation({ isPackaged: false, devServerUrl: 'http://localhost:5173/', rendererHtml: RENDERER_HTML, log: rt.sink.logger('t') })
    setup(location)
    expect((await call('app.status', undefined, from(win.webContents, 'http://localhost:5173/#/requests'))).ok).toBe(true)
    expect(await call('app.status', undefined, from(win.webContents, 'http://localhost:5174/'))).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it('returns bad_input from the dispatcher for invalid input (and never runs the handler)', async () => {
    setup(fileLocation())
    const r = await call('logs.tail', { limit: -5, bogus: true })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('bad_input')
    expect(r.error.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['limit']))
  })

  it('returns bad_input for config.update with a wrong type, leaving the config as it was', async () => {
    setup(fileLocation())
    const before = rt.runtime.config.logging.level
    const r = await call('config.update', { logging: { level: 'loud' } })
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_input' } })
    expect(rt.runtime.config.logging.level).toBe(before)
  })

  it('forwards runtime events to the window on the contract event channel', () => {
    setup(fileLocation())
    const view = rt.configStore.view()
    rt.runtime.events.emit('config.changed', view)
    expect(win.webContents.send).toHaveBeenCalledWith(eventChannel('config.changed'), view)
  })

  it('stops forwarding after the window closed, and after dispose', () => {
    setup(fileLocation())
    win.destroy()
    rt.runtime.events.emit('app.status', rt.runtime.status())
    expect(win.webContents.send).not.toHaveBeenCalled()

    dispose()
    setup(fileLocation())
    dispose()
    rt.runtime.events.emit('app.status', rt.runtime.status())
    expect(win.webContents.send).not.toHaveBeenCalled()
  })

  it('dispose removes every handler, so the registrar can be installed again', () => {
    setup(fileLocation())
    dispose()
    expect(ipcMain.handlers.size).toBe(0)
    setup(fileLocation())
    expect(ipcMain.handlers.size).toBe(METHOD_NAMES.length)
  })
})
