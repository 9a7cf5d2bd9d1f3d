/**
 * The contract client in the desktop app: calls go through the preload's named methods
 * (`window.api.methods[name]`), events through `window.api.on`. The envelope is unwrapped and
 * checked here, exactly as the bridge client does, so pages cannot tell the transports apart.
 */
import {
  ContractCallError,
  type CallArgs,
  type EventName,
  type EventPayload,
  type MethodName,
  type MethodResult
} from '../../../shared/contract'
import type { WarpPreloadApi } from '../../../shared/preload-api'
import { errorMessage, parseEventPayload, unwrapCallResult } from './call-result'
import type { ConnectionInfo, LiveClient } from './live-client'

const OPEN: ConnectionInfo = Object.freeze({
  transport: 'ipc',
  state: 'open',
  attempt: 0,
  retryAt: null,
  reason: null,
  auth: null,
  serverVersion: null,
  throttled: false
})

export function createIpcClient(api: WarpPreloadApi): LiveClient {
  return {
    transport: 'ipc',
    async call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodResult<M>> {
      let raw: unknown
      try {
        raw = await api.methods[method](args[0])
      } catch (err) {
        throw new ContractCallError('internal', `The app could not run ${method}: ${errorMessage(err)}`)
      }
      return unwrapCallResult(method, raw)
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return api.on(event, (payload) => {
        const value = parseEventPayload(event, payload)
        if (value !== null) listener(value)
      })
    },
    getConnection: () => OPEN,
    onConnection: () => () => undefined,
    signIn: () => undefined,
    signOut: () => undefined,
    reconnectNow: () => undefined,
    close: () => undefined
  }
}
