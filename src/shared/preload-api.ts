/**
 * The shape of `window.api`, exposed by the preload through contextBridge in the desktop app.
 * Named methods generated from the contract tables plus event subscriptions that return an
 * unsubscribe function — never a raw ipcRenderer. Calls resolve to the wire envelope
 * (`CallResult`); the renderer's client unwraps it and throws ContractCallError on failure.
 * Types only: no Node, Electron or DOM APIs here.
 */
import type { CallResult, EventName, MethodName } from './contract/names'

export interface WarpPreloadApi {
  readonly transport: 'ipc'
  /** One function per contract method. */
  readonly methods: { readonly [M in MethodName]: (input?: unknown) => Promise<CallResult> }
  /** Subscribes to a contract event; returns the unsubscribe function. Unknown names throw. */
  on(event: EventName, listener: (payload: unknown) => void): () => void
  /** process.platform of the main process, for platform-specific UI text. */
  readonly platform: string
}

declare global {
  interface Window {
    /** Present in the desktop app only; the browser dashboard uses the WebSocket bridge. */
    api?: WarpPreloadApi
  }
}
