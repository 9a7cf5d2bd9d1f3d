/**
 * Connection store: mirrors the client's connection state (transport, open / connecting /
 * unauthorized / disconnected, retry time, reason) for the header, banners and the sign-in screen,
 * and remembers whether this tab is signed in (the host has accepted its token since the last
 * refusal) so a reconnect does not bounce the user to the sign-in screen.
 */
import { create } from 'zustand'
import type { ConnectionInfo, LiveClient } from '../api/live-client'

interface ConnectionStore {
  info: ConnectionInfo
  /** The host accepted this tab's token (or the transport is IPC) and has not refused it since. */
  signedIn: boolean
  /** A sign-in from the sign-in screen is under way. */
  signingIn: boolean
  signIn(token: string): void
  signOut(): void
  reconnectNow(): void
}

let client: LiveClient | null = null

export const useConnectionStore = create<ConnectionStore>((set) => ({
  info: {
    transport: 'bridge',
    state: 'connecting',
    attempt: 0,
    retryAt: null,
    reason: null,
    auth: null,
    serverVersion: null,
    throttled: false
  },
  signedIn: false,
  signingIn: false,
  signIn: (token) => {
    set({ signingIn: true })
    client?.signIn(token)
  },
  signOut: () => client?.signOut(),
  reconnectNow: () => client?.reconnectNow()
}))

function apply(info: ConnectionInfo): void {
  const s = useConnectionStore.getState()
  const signedIn = info.state === 'open' ? true : info.state === 'unauthorized' ? false : s.signedIn
  const signingIn = info.state === 'connecting' ? s.signingIn : false
  useConnectionStore.setState({ info, signedIn, signingIn })
}

export function attachConnectionStore(liveClient: LiveClient): () => void {
  client = liveClient
  apply(liveClient.getConnection())
  const off = liveClient.onConnection(apply)
  return () => {
    off()
    client = null
  }
}
