/**
 * The preload: exposes `window.api` (WarpPreloadApi) through contextBridge, generated from the
 * contract tables — one named function per method, `on()` for the named events only. The renderer
 * never gets ipcRenderer, an IpcRendererEvent or a way to pick a channel. Bundled into one
 * CommonJS file (zod inlined) so it runs in the sandbox.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { EVENT_NAMES, METHOD_NAMES, eventChannel, invokeChannel, isEventName, type CallResult, type MethodName } from '../shared/contract/names'
import type { WarpPreloadApi } from '../shared/preload-api'

/** The part of ipcRenderer the API needs (tests pass a fake). */
export type PreloadIpc = Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>

type MethodFns = { [M in MethodName]: (input?: unknown) => Promise<CallResult> }

export function buildPreloadApi(ipc: PreloadIpc, platform: string): WarpPreloadApi {
  const methods = {} as MethodFns
  for (const m of METHOD_NAMES) {
    const channel = invokeChannel(m)
    methods[m] = async (input?: unknown): Promise<CallResult> => {
      try {
        return (await ipc.invoke(channel, input)) as CallResult
      } catch (err) {
        // No handler yet (main still starting) or the input could not be cloned: answer with the
        // envelope the renderer already handles instead of a raw rejection.
        const message = err instanceof Error ? err.message : String(err)
        return { ok: false, error: { code: 'unavailable', message: `${m} could not be called: ${message}` } }
      }
    }
  }

  const on = (event: string, listener: (payload: unknown) => void): (() => void) => {
    if (!isEventName(event)) throw new Error(`Unknown event "${String(event)}"; known events: ${EVENT_NAMES.join(', ')}`)
    if (typeof listener !== 'function') throw new TypeError('on(event, listener): listener must be a function')
    const channel = eventChannel(event)
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload)
    ipc.on(channel, wrapped)
    let subscribed = true
    return () => {
      if (!subscribed) return
      subscribed = false
      ipc.removeListener(channel, wrapped)
    }
  }

  return Object.freeze({
    transport: 'ipc' as const,
    methods: Object.freeze(methods),
    on,
    platform
  })
}

contextBridge.exposeInMainWorld('api', buildPreloadApi(ipcRenderer, process.platform))
