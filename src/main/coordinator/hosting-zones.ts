/**
 * HOST_ZONES (config `hosting.zones`): for each zone this host serves, the zone is created on the
 * coordinator when missing (P2P enabled), one session is created and activated for it, and the
 * host joins the session's signaling room as peer `host_id` (one signaling client per session:
 * the server keeps a connection in one room at a time). Players find the session with
 * `GET /api/v1/sessions/zone/{zone_id}/active`.
 *
 * An existing zone whose P2P an operator turned off is left alone: that zone is not hosted
 * (ZoneNotHostable), the others are.
 */
import type { Logger } from '../logging/logger'
import type { CoordinatorRest } from './client/rest'
import { createSignalingClient, type SignalingClient, type SignalingDialect } from './signaling'

export class ZoneNotHostable extends Error {}

export interface HostedZoneOptions {
  zoneId: string
  hostId: string
  rest: CoordinatorRest
  /** Coordinator base URL for the signaling client. */
  signalingUrl: string
  dialect?: SignalingDialect
  /** How long opening waits for the signaling room (default 10 s); the client keeps trying afterwards. */
  joinWaitMs?: number
  log: Logger
}

/** A session this host serves, as peer hosting sees it: the room to accept players in. */
export interface HostedRoom {
  zoneId: string
  sessionId: string
  hostId: string
  /** The zone's max_players on the coordinator. */
  zoneMaxPlayers: number
  /** The signaling client in the session's room (offers, answers, candidates, peer-joined/left). */
  signaling: SignalingClient
}

export class HostedZone {
  readonly zoneId: string
  private session: string | null = null
  private zoneMaxPlayers = 0
  private signaling: SignalingClient | null = null

  constructor(private readonly o: HostedZoneOptions) {
    this.zoneId = o.zoneId
  }

  get sessionId(): string | null {
    return this.session
  }

  /** Players in the session's room (the signaling peers besides this host). */
  players(): string[] {
    return this.signaling ? this.signaling.peers().filter((p) => p !== this.o.hostId) : []
  }

  /** The room peer hosting accepts players in (null without a session or signaling client). */
  room(): HostedRoom | null {
    if (this.session === null || this.signaling === null) return null
    return { zoneId: this.zoneId, sessionId: this.session, hostId: this.o.hostId, zoneMaxPlayers: this.zoneMaxPlayers, signaling: this.signaling }
  }

  /** Whether the signaling client is in its room right now. */
  inRoom(): boolean {
    const s = this.signaling?.state()
    return s !== undefined && s.state === 'connected' && s.sessionId === this.session
  }

  /** Zone (created if missing), a new active session, and the signaling room. */
  async open(): Promise<string> {
    const { rest, zoneId, hostId } = this.o
    let zone = await rest.zone(zoneId)
    if (zone === null) {
      zone = await rest.createZone(zoneId)
      this.o.log.info(`created zone ${zoneId} on the coordinator (P2P enabled)`)
    }
    if (!zone.p2p_enabled) throw new ZoneNotHostable(`zone ${zoneId} has P2P disabled on the coordinator: not hosting it`)
    this.zoneMaxPlayers = zone.max_players ?? 0
    const created = await rest.createSession({ host_id: hostId, zone_id: zoneId, player_ids: [] })
    const active = created.status === 'active' ? created : await rest.activateSession(created.session_id)
    this.session = active.session_id
    this.o.log.info(`hosting zone ${zoneId} in session ${active.session_id}`)
    await this.joinRoom()
    return active.session_id
  }

  /** Joins (or re-joins, after the session changed) the signaling room; waits at most joinWaitMs. */
  async joinRoom(): Promise<void> {
    const sid = this.session
    if (sid === null) return
    if (!this.signaling) {
      this.signaling = createSignalingClient(this.o.dialect ?? 'ws', { url: this.o.signalingUrl, peerId: this.o.hostId, log: this.o.log })
    }
    const client = this.signaling
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.o.joinWaitMs ?? 10_000)
      timer.unref()
    })
    try {
      const r = await Promise.race([client.join(sid), waited])
      if (r === 'timeout') this.o.log.warn(`signaling room of ${sid} not joined yet (${client.state().lastError ?? 'connecting'}); the signaling client keeps trying`)
    } catch (err) {
      this.o.log.warn(`cannot join the signaling room of ${sid}: ${err instanceof Error ? err.message : String(err)}`)
    } finally {
      clearTimeout(timer)
    }
  }

  /** The session is gone on the coordinator's side (it restarted or ended it): forget it. */
  forgetSession(): void {
    this.session = null
  }

  /** Ends the session (best effort) and closes the signaling client. */
  async close(reason: string): Promise<void> {
    const sid = this.session
    this.session = null
    const signaling = this.signaling
    this.signaling = null
    await signaling?.close().catch(() => undefined)
    if (sid !== null) {
      try {
        await this.o.rest.endSession(sid, reason)
        this.o.log.info(`ended session ${sid} (zone ${this.zoneId})`)
      } catch (err) {
        this.o.log.warn(`cannot end session ${sid}: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
  }

  /** Signaling state changes (the agent heartbeats at once when the room connection drops). */
  onSignalingState(listener: (state: string) => void): () => void {
    return this.signaling ? this.signaling.onState((s) => listener(s.state)) : () => undefined
  }
}
