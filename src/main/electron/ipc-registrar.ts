/**
 * The ipcMain side of the contract: one `ipcMain.handle` per contract method and the push of every
 * runtime event to the window. Each call is checked here before the runtime's dispatcher sees it:
 * the sender must be our main window, the calling frame must be its top frame (never an iframe)
 * and that frame must show our renderer (app://warp-host/, or the dev server). A failed check is logged and answered with a typed `forbidden`
 * error; input validation (`bad_input`) and typed handler errors come from the dispatcher.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { METHOD_NAMES, eventChannel, invokeChannel, type CallResult, type MethodName } from '../../shared/contract'
import type { Runtime } from '../runtime'
import type { Logger } from '../logging/logger'

export interface RegistrarOptions {
  /** The one window allowed to call. */
  window: BrowserWindow
  runtime: Pick<Runtime, 'dispatch' | 'events'>
  /** True for our renderer's URL (see window.ts isRendererUrl). */
  isRendererUrl: (url: string) => boolean
  log: Logger
}

function forbidden(message: string): CallResult {
  return { ok: false, error: { code: 'forbidden', message } }
}

/** Why a call must be refused, or null when it comes from our window's renderer. */
function senderProblem(event: IpcMainInvokeEvent, opts: RegistrarOptions): string | null {
  const win = opts.window
  if (win.isDestroyed()) return 'the window is closed'
  if (BrowserWindow.fromWebContents(event.sender) !== win) return 'sender is not the WARP Host window'
  const frame = event.senderFrame
  if (!frame) return 'the calling frame is gone'
  // Only the page itself: a sub-frame (parent set) or a frame of another page is refused.
  if (frame.parent) {
    return 'the call comes from a sub-frame, not the WARP Host page'
  }
  if (!opts.isRendererUrl(frame.url)) return 'the calling page is not the WARP Host dashboard'
  return null
}

/** Registers every contract method and the event forwarding; returns the function that undoes it. */
export function registerContractIpc(opts: RegistrarOptions): () => void {
  const { window: win, runtime, log } = opts
  const client = String(win.id)

  const handle = (method: MethodName) => async (event: IpcMainInvokeEvent, input: unknown): Promise<CallResult> => {
    const problem = senderProblem(event, opts)
    if (problem) {
      log.warn('rejected ipc call', { method, reason: problem, url: event.senderFrame?.url.slice(0, 200) ?? null })
      return forbidden(`Call to ${method} refused: ${problem}`)
    }
    return runtime.dispatch(method, input, { transport: 'ipc', client })
  }
  for (const m of METHOD_NAMES) ipcMain.handle(invokeChannel(m), handle(m))

  const unsubscribe = runtime.events.onAny((event, payload) => {
    if (win.isDestroyed() || win.webContents.isDestroyed()) return
    win.webContents.send(eventChannel(event), payload)
  })
  win.once('closed', unsubscribe)

  let disposed = false
  return () => {
    if (disposed) return
    disposed = true
    unsubscribe()
    for (const m of METHOD_NAMES) ipcMain.removeHandler(invokeChannel(m))
  }
}
