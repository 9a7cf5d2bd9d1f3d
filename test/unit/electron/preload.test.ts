/**
 * The preload's window.api: exactly the contract's named methods on their channels, `on()` for
 * known events only with a working unsubscribe, listeners never see the IpcRendererEvent, and no
 * ipcRenderer (or any way to pick a channel) on the exposed object. The last test checks the built
 * bundle only requires 'electron' (what a sandboxed preload may load).
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { EVENT_NAMES, METHOD_NAMES, eventChannel, invokeChannel, type CallResult } from '../../../src/shared/contract'
import type { WarpPreloadApi } from '../../../src/shared/preload-api'
import type * as FakeElectron from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

let ipcRenderer: typeof FakeElectron.ipcRenderer

/** Evaluates the preload afresh (it exposes the api at load) and returns what it exposed. */
async function loadPreload(): Promise<WarpPreloadApi> {
  vi.resetModules()
  // The fresh module graph has a fresh fake: take it from the same registry the preload used.
  const electron = (await import('electron')) as unknown as typeof FakeElectron
  electron.resetFakeElectron()
  await import('../../../src/preload/index')
  ipcRenderer = electron.ipcRenderer
  expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
  const api = electron.contextBridge.exposed.get('api')
  expect(api).toBeDefined()
  return api as WarpPreloadApi
}

afterEach(() => vi.restoreAllMocks())

const bundle = path.resolve(__dirname, '../../../out/preload/index.js')
/** Why the bundle check cannot run (null when it can): the unit project does not build the app. */
const bundleMissing = fs.existsSync(bundle) && fs.statSync(bundle).size > 0 ? null : 'out/preload/index.js is not built (npm run build)'

describe('preload window.api', () => {
  it("exposes one object under 'api' with exactly transport, methods, on and platform", async () => {
    const api = await loadPreload()
    expect(Object.keys(api).sort()).toEqual(['methods', 'on', 'platform', 'transport'])
    expect(api.transport).toBe('ipc')
    expect(api.platform).toBe(process.platform)
    expect(Object.isFrozen(api)).toBe(true)
    expect(Object.isFrozen(api.methods)).toBe(true)
  })

  it('has exactly one function per contract method, nothing else', async () => {
    const api = await loadPreload()
    expect(Object.keys(api.methods).sort()).toEqual([...METHOD_NAMES].sort())
    for (const m of METHOD_NAMES) expect(typeof api.methods[m]).toBe('function')
  })

  it('never exposes ipcRenderer or a generic send/invoke', async () => {
    const api = await loadPreload()
    const seen = new Set<unknown>()
    const walk = (v: unknown): void => {
      if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) return
      seen.add(v)
      expect(v).not.toBe(ipcRenderer)
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k])
    }
    walk(api)
    for (const k of ['ipcRenderer', 'send', 'invoke', 'sendSync', 'postMessage', 'removeAllListeners']) {
      expect(k in api).toBe(false)
    }
  })

  it('each method invokes its own contract channel with the input and returns the envelope', async () => {
    const api = await loadPreload()
    const answer: CallResult = { ok: true, value: { fine: true } }
    ipcRenderer.invoke.mockResolvedValue(answer)
    for (const m of METHOD_NAMES) {
      ipcRenderer.invoke.mockClear()
      const input = { probe: m }
      await expect(api.methods[m](input)).resolves.toEqual(answer)
      expect(ipcRenderer.invoke).toHaveBeenCalledTimes(1)
      expect(ipcRenderer.invoke).toHaveBeenCalledWith(invokeChannel(m), input)
    }
  })

  it('turns a failed invoke (no handler yet) into an unavailable envelope instead of a rejection', async () => {
    const api = await loadPreload()
    ipcRenderer.invoke.mockRejectedValue(new Error("No handler registered for 'contract:call:app.status'"))
    const r = await api.methods['app.status']()
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } })
  })

  it('on() subscribes to the event channel, hands the listener only the payload, and unsubscribes', async () => {
    const api = await loadPreload()
    for (const e of EVENT_NAMES) {
      const listener = vi.fn()
      const off = api.on(e, listener)
      expect(ipcRenderer.listenerCount(eventChannel(e))).toBe(1)
      const fakeIpcEvent = { sender: ipcRenderer, senderId: 0, ports: [] }
      ipcRenderer.emit(eventChannel(e), fakeIpcEvent, { n: 1 })
      expect(listener).toHaveBeenCalledTimes(1)
      expect(listener.mock.calls[0]).toEqual([{ n: 1 }])
      off()
      off() // idempotent
      expect(ipcRenderer.listenerCount(eventChannel(e))).toBe(0)
      ipcRenderer.emit(eventChannel(e), fakeIpcEvent, { n: 2 })
      expect(listener).toHaveBeenCalledTimes(1)
    }
  })

  it('unsubscribing one listener leaves the others', async () => {
    const api = await loadPreload()
    const a = vi.fn()
    const b = vi.fn()
    const offA = api.on('app.status', a)
    api.on('app.status', b)
    offA()
    ipcRenderer.emit(eventChannel('app.status'), {}, 'x')
    expect(a).not.toHaveBeenCalled()
    expect(b).toHaveBeenCalledWith('x')
  })

  it.each(['nope', 'contract:event:app.status', '__proto__', 'constructor', ''])('on() throws for the unknown event %j', async (name) => {
    const api = await loadPreload()
    expect(() => api.on(name as 'app.status', () => undefined)).toThrow(/Unknown event/)
    expect(ipcRenderer.eventNames()).toEqual([])
  })

  it('on() throws when the listener is not a function', async () => {
    const api = await loadPreload()
    expect(() => api.on('app.status', 'nope' as unknown as () => void)).toThrow(TypeError)
  })

  it.skipIf(bundleMissing !== null)(`the built preload bundle requires nothing but electron${bundleMissing ? ` (skipped: ${bundleMissing})` : ''}`, () => {
    const text = fs.readFileSync(bundle, 'utf8')
    const required = [...text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])
    expect(required.length).toBeGreaterThan(0)
    expect(new Set(required)).toEqual(new Set(['electron']))
  })

  it.skipIf(bundleMissing !== null)(`the built preload bundle stays small: names only, no zod${bundleMissing ? ` (skipped: ${bundleMissing})` : ''}`, () => {
    const text = fs.readFileSync(bundle, 'utf8')
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(30 * 1024)
    expect(text).not.toMatch(/ZodError|safeParse/)
  })
})
