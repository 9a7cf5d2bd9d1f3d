/**
 * What the dashboard programs against: the contract client plus the state of the connection that
 * carries it. The Electron IPC transport is always "open"; the browser's WebSocket bridge moves
 * between connecting, open, unauthorized and disconnected.
 */
import type { ContractClient } from '../../../shared/contract'

export type ConnectionState = 'connecting' | 'open' | 'unauthorized' | 'disconnected'

export interface ConnectionInfo {
  readonly transport: 'ipc' | 'bridge'
  readonly state: ConnectionState
  /** Failed connection attempts since the last successful one. */
  readonly attempt: number
  /** When the next automatic reconnect happens (epoch ms), while disconnected. */
  readonly retryAt: number | null
  /** Why the last connection ended, in words (shown in the header and banners). */
  readonly reason: string | null
  /** While unauthorized: no token at all, or a token the host refused. */
  readonly auth: 'missing' | 'rejected' | null
  /** The host's version from the bridge's hello frame (bridge only). */
  readonly serverVersion: string | null
  /** While disconnected: the host refused this address after too many failed sign-ins (close 4429); retryAt is its wait. */
  readonly throttled: boolean
}

export interface LiveClient extends ContractClient {
  readonly transport: 'ipc' | 'bridge'
  /** The current connection snapshot (a new object on every change). */
  getConnection(): ConnectionInfo
  /** Calls `listener` on every connection change; returns the unsubscribe function. */
  onConnection(listener: (info: ConnectionInfo) => void): () => void
  /** Connects with a (new) admin token. IPC ignores it. */
  signIn(token: string): void
  /** Forgets the token and disconnects (bridge); IPC ignores it. */
  signOut(): void
  /** Skips the backoff wait and reconnects now (bridge, while disconnected). */
  reconnectNow(): void
  /** Closes the transport for good. */
  close(): void
}
