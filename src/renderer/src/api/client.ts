/**
 * Picks the transport once per page: the preload's `window.api` in the desktop app, else the
 * headless host's WebSocket bridge on this page's own origin with the admin token.
 */
import { BRIDGE_PATH } from '../../../shared/contract'
import { createBridgeClient } from './bridge-client'
import { createIpcClient } from './ipc-client'
import type { LiveClient } from './live-client'
import { forgetToken, saveToken, takeToken } from './token'

let client: LiveClient | null = null

/** The bridge endpoint on the origin that served this page. */
export function bridgeUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}${BRIDGE_PATH}`
}

export function getClient(): LiveClient {
  if (client) return client
  client = window.api
    ? createIpcClient(window.api)
    : createBridgeClient({
        url: bridgeUrl(),
        token: takeToken(),
        onTokenAccepted: saveToken,
        onTokenRejected: forgetToken,
        onSignedOut: forgetToken
      })
  // Back online after a network change: skip the rest of the backoff wait.
  window.addEventListener('online', () => client?.reconnectNow())
  return client
}
