/**
 * One hosted session: the players of one zone session, connected to this host over WebRTC (a star,
 * the host is the hub). It listens to the session's signaling room, connects every joiner
 * (peer-link.ts) in whichever direction the offer comes, relays each player's game packets to every
 * other player (never back to the sender) coalesced per destination per tick, runs the control
 * channel (control.ts: heartbeats with RTT, kick, notice, zone-change, refusals) and removes
 * players that leave, fail, fall silent or cannot keep up.
 *
 * Relay: a message from a player is queued for every other open player; one timer per session
 * flushes every destination's queue `tickMs` after the first packet of a tick arrived (idle
 * sessions run no timer). A destination's batch is one data-channel message (split at message
 * boundaries beyond MAX_BATCH_BYTES); `send()` is never awaited — werift queues it — and a
 * destination whose send buffer exceeds `maxBufferedBytes` is dropped with a reason.
 *
 * Unless most of them are behind at once (over a sixteenth of it): then the host itself cannot send
 * that much (CPU or upload), and removing the players one by one would end the session for
 * everyone (measured: 100 players on a 2-core machine lost 69–100 of them within seconds). That
 * is a relay backlog: the batches of players over the sixteenth are dropped instead (counted, shown
 * on the page, logged), which also keeps what does arrive from falling further behind, and
 * nobody is removed; a player silent on the control channel is still removed by the heartbeat.
 * While it lasts, joiners are refused (`session_full`, "host at capacity").
 */
import type { HostedPeer, HostedSession } from '../../shared/contract'
import type { SessionReport } from '../coordinator/client'
import type { HostedRoom } from '../coordinator/hosting-zones'
import type { SignalingMessage } from '../coordinator/signaling'
import type { Logger } from '../logging/logger'
import { LatencyWindow } from '../metrics/latency-window'
import { ControlLink, type RefusalCode } from './control'
import type { RTCCertificate } from 'werift'
import { PeerLink, type PeerIceServer } from './peer-link'

/** A data message larger than this is refused (the offender is told, the packet dropped). */
export const MAX_DATA_MESSAGE_BYTES = 64 * 1024
/** Batches beyond this are split (at message boundaries) into several data-channel messages. */
export const MAX_BATCH_BYTES = 16 * 1024
/** A peer whose data channel is not open this long after it appeared is given up. */
export const CONNECT_TIMEOUT_MS = 30_000
/** At most this many refused joiners are being told "no" at once (the rest are ignored). */
const MAX_REFUSING = 16
/**
 * A relay backlog (the host, not its players, cannot keep up): at least this many players with
 * more than max_buffered_bytes / BACKLOG_WATERMARK_DIVISOR waiting (64 KiB by default), and more
 * than half of them. The same watermark bounds what waits for each while it lasts. Measured at
 * N=100 on a 2-core machine (bench:hosting): with 1/16, p50 0.4 s, p99 0.9–1.5 s, every player
 * kept, 36–56 % delivered; with 1/4, 60–84 % delivered but p50 ~3 s, p99 ~10 s, and 11–15
 * players lost (their heartbeats waited behind the data) — late packets are no use to a game.
 */
export const BACKLOG_MIN_PLAYERS = 3
export const BACKLOG_WATERMARK_DIVISOR = 16
/** A backlog is over when no tick has had one for this long (ms). */
export const BACKLOG_CLEAR_MS = 2_000
/** A backlog that goes on is logged again this often (ms). */
const BACKLOG_LOG_EVERY_MS = 30_000

export interface SessionSettings {
  maxPlayers: number
  tickMs: number
  heartbeatMs: number
  maxBufferedBytes: number
  iceServers: readonly PeerIceServer[]
  /** The host's DTLS certificate shared by every connection (see peer-link.ts). */
  certificate?: RTCCertificate
  ack: { timeoutMs: number; retries: number; delayMs: number }
}

export interface SessionHostOptions {
  room: HostedRoom
  settings: SessionSettings
  log: Logger
  now: () => number
  /** Whether hosting is paused (joiners are refused). */
  paused: () => boolean
  /** Something the snapshot shows changed. */
  onChange: () => void
  /** A joiner was refused because the session is full. */
  onFull?: (sessionId: string, max: number) => void
  /** A relay backlog began: `players` of `of` behind. */
  onBacklog?: (sessionId: string, players: number, of: number) => void
}

export interface SessionTraffic {
  bytesIn: number
  bytesOut: number
  packetsIn: number
  packetsOut: number
  dropped: number
}

interface Peer {
  id: string
  link: PeerLink
  control: ControlLink
  /** Refused: connected only to be told why, then closed. */
  refusal: { code: RefusalCode; message: string } | null
  state: 'connecting' | 'open' | 'closing'
  connectedSince: number | null
  lastSeen: number
  outbox: Buffer[]
  outboxBytes: number
  bytesIn: number
  bytesOut: number
  packetsIn: number
  packetsOut: number
  dropped: number
  rtt: LatencyWindow
  rate: { at: number; packetsIn: number; packetsOut: number; inPerSecond: number; outPerSecond: number }
  connectTimer: NodeJS.Timeout | null
}

export class SessionHost {
  readonly sessionId: string
  readonly zoneId: string
  readonly since: number
  private readonly peers = new Map<string, Peer>()
  private flushTimer: NodeJS.Timeout | null = null
  private heartbeatTimer: NodeJS.Timeout | null = null
  private unsubscribe: (() => void) | null = null
  private closed = false
  private refused = 0
  private readonly totals: SessionTraffic = { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0, dropped: 0 }
  private readonly log: Logger
  /** The relay backlog going on, if any (see the header). */
  private backlog: { since: number; lastAt: number; loggedAt: number; players: number; open: number; dropped: number } | null = null

  constructor(private readonly o: SessionHostOptions) {
    this.sessionId = o.room.sessionId
    this.zoneId = o.room.zoneId
    this.since = o.now()
    this.log = o.log
  }

  /** The session's capacity: the host's max and the zone's (when the coordinator gave one), the smaller. */
  get maxPlayers(): number {
    const zone = this.o.room.zoneMaxPlayers
    return zone > 0 ? Math.min(zone, this.o.settings.maxPlayers) : this.o.settings.maxPlayers
  }

  start(): void {
    const signaling = this.o.room.signaling
    this.unsubscribe = signaling.on((msg) => this.onSignal(msg))
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.o.settings.heartbeatMs)
    this.heartbeatTimer.unref()
    // Players already in the room (the host joined after them, or re-joined): offer to each.
    for (const p of signaling.peers()) if (p !== this.o.room.hostId) this.connect(p, null)
  }

  /** Players connected (data channel open, not refused). */
  players(): number {
    let n = 0
    for (const p of this.peers.values()) if (p.state === 'open' && p.refusal === null) n++
    return n
  }

  private admitted(): number {
    let n = 0
    for (const p of this.peers.values()) if (p.refusal === null && p.state !== 'closing') n++
    return n
  }

  // ---- signaling ------------------------------------------------------------------------------

  private onSignal(msg: SignalingMessage): void {
    if (this.closed) return
    switch (msg.type) {
      case 'session-joined':
        for (const p of msg.peers) if (p !== this.o.room.hostId && !this.peers.has(p)) this.connect(p, null)
        return
      case 'peer-joined':
        if (msg.peer_id === this.o.room.hostId) return
        this.connect(msg.peer_id, null)
        return
      case 'peer-left': {
        // A player may leave signaling once connected; only a player still connecting is gone.
        const p = this.peers.get(msg.peer_id)
        if (p && p.state === 'connecting') this.remove(p, 'left the signaling room before connecting')
        return
      }
      case 'offer': {
        const sdp = sdpText(msg.sdp)
        if (sdp === null) {
          this.log.warn(`offer from ${msg.from} has no usable SDP: ignored`)
          return
        }
        this.connect(msg.from, sdp)
        return
      }
      case 'answer': {
        const p = this.peers.get(msg.from)
        const sdp = sdpText(msg.sdp)
        if (!p || sdp === null) {
          this.log.debug(`answer from ${msg.from} ignored (${p ? 'no usable SDP' : 'unknown peer'})`)
          return
        }
        p.link.acceptAnswer(sdp).catch((err: unknown) => this.badInput(p, `answer refused: ${text(err)}`, true))
        return
      }
      case 'ice-candidate': {
        const p = this.peers.get(msg.from)
        if (!p) return
        p.link.addCandidate(msg.candidate).catch((err: unknown) => this.badInput(p, `candidate refused: ${text(err)}`, false))
        return
      }
      default:
        return
    }
  }

  /** A new connection to `peerId`: the host offers (sdp null) or answers the peer's offer. */
  private connect(peerId: string, offerSdp: string | null): void {
    const existing = this.peers.get(peerId)
    if (existing) {
      // The host offered and the peer offered too (glare), or the player reconnects: the peer's
      // new offer wins; a second peer-joined for a live peer is ignored.
      if (offerSdp === null) return
      this.remove(existing, 'replaced by a new connection', { quiet: true })
    }
    const refusal = this.refusalFor()
    if (refusal !== null) {
      this.refused++
      if (refusal.code === 'session_full' && this.admitted() >= this.maxPlayers) this.o.onFull?.(this.sessionId, this.maxPlayers)
      const refusing = [...this.peers.values()].filter((p) => p.refusal !== null).length
      this.log.info(`refused ${peerId}: ${refusal.message}`, { session: this.sessionId })
      if (refusing >= MAX_REFUSING) return
    }
    const now = this.o.now()
    const signaling = this.o.room.signaling
    const peer: Peer = {
      id: peerId,
      refusal,
      state: 'connecting',
      connectedSince: null,
      lastSeen: now,
      outbox: [],
      outboxBytes: 0,
      bytesIn: 0,
      bytesOut: 0,
      packetsIn: 0,
      packetsOut: 0,
      dropped: 0,
      rtt: new LatencyWindow(5000, 12),
      rate: { at: now, packetsIn: 0, packetsOut: 0, inPerSecond: 0, outPerSecond: 0 },
      connectTimer: null,
      // Assigned right below (they need the peer object).
      link: undefined as unknown as PeerLink,
      control: undefined as unknown as ControlLink
    }
    peer.link = new PeerLink({
      peerId,
      iceServers: this.o.settings.iceServers,
      ...(this.o.settings.certificate ? { certificate: this.o.settings.certificate } : {}),
      log: this.log,
      signals: {
        offer: (sdp) => void signaling.sendOffer(peerId, sdp),
        answer: (sdp) => void signaling.sendAnswer(peerId, sdp),
        candidate: (c) => void signaling.sendCandidate(peerId, c)
      },
      events: {
        onData: (buf) => this.onData(peer, buf),
        onControl: (t) => {
          peer.lastSeen = this.o.now()
          peer.control.receive(t)
        },
        onControlOpen: () => this.onControlOpen(peer),
        onDataOpen: () => this.onDataOpen(peer),
        onGone: (reason) => this.remove(peer, reason),
        onBadInput: (what) => this.badInput(peer, what, false)
      }
    })
    peer.control = new ControlLink({
      hostId: this.o.room.hostId,
      peerId,
      send: (t) => peer.link.sendControl(t),
      ack: this.o.settings.ack,
      now: this.o.now,
      log: this.log,
      onPong: (rttMs) => {
        peer.rtt.add(rttMs, this.o.now())
      },
      onInvalid: (reason, fatal) => this.badInput(peer, reason, fatal),
      onLeave: () => this.remove(peer, 'left')
    })
    peer.connectTimer = setTimeout(() => {
      if (peer.state === 'connecting') this.remove(peer, `not connected within ${CONNECT_TIMEOUT_MS / 1000} s`)
    }, CONNECT_TIMEOUT_MS)
    peer.connectTimer.unref()
    this.peers.set(peerId, peer)
    const start = offerSdp === null ? peer.link.offer() : peer.link.acceptOffer(offerSdp)
    start.catch((err: unknown) => this.remove(peer, `${offerSdp === null ? 'offer' : 'answer'} failed: ${text(err)}`))
    this.o.onChange()
  }

  private refusalFor(): { code: RefusalCode; message: string } | null {
    if (this.o.paused()) return { code: 'paused', message: 'hosting is paused on this host; try again later' }
    const max = this.maxPlayers
    if (this.admitted() >= max) return { code: 'session_full', message: `session full: ${max} of ${max} players` }
    // A host that cannot relay to the players it has takes no more until it has caught up.
    if (this.backlog !== null) return { code: 'session_full', message: `host at capacity: it cannot relay to its ${this.players()} players fast enough (relay backlog); try again later` }
    return null
  }

  private onDataOpen(peer: Peer): void {
    if (peer.refusal !== null || peer.state !== 'connecting') return
    peer.state = 'open'
    peer.connectedSince = this.o.now()
    peer.lastSeen = peer.connectedSince
    if (peer.connectTimer) clearTimeout(peer.connectTimer)
    peer.connectTimer = null
    // A peer that offered with only a data channel gets the host's control channel.
    peer.link.ensureControl()
    this.log.info(`${peer.id} connected (${peer.link.offeredBy === 'host' ? 'host offered' : 'peer offered'})`, { session: this.sessionId, players: this.players() })
    this.o.onChange()
  }

  private onControlOpen(peer: Peer): void {
    if (peer.refusal !== null) {
      peer.control.error(peer.refusal.code, peer.refusal.message)
      this.closeSoon(peer, peer.refusal.message)
      return
    }
    peer.control.ping()
  }

  // ---- relay ----------------------------------------------------------------------------------

  private onData(from: Peer, buf: Buffer): void {
    if (from.refusal !== null || from.state !== 'open') return
    from.lastSeen = this.o.now()
    if (buf.length > MAX_DATA_MESSAGE_BYTES) {
      from.dropped++
      this.totals.dropped++
      from.control.error('oversized', `data message of ${buf.length} bytes dropped: at most ${MAX_DATA_MESSAGE_BYTES} bytes`)
      return
    }
    from.bytesIn += buf.length
    from.packetsIn++
    this.totals.bytesIn += buf.length
    this.totals.packetsIn++
    let queued = false
    for (const to of this.peers.values()) {
      if (to === from || to.state !== 'open' || to.refusal !== null) continue
      to.outbox.push(buf)
      to.outboxBytes += buf.length
      queued = true
    }
    if (queued && this.flushTimer === null) {
      this.flushTimer = setTimeout(() => this.flush(), this.o.settings.tickMs)
    }
  }

  /** Sends every destination its batch of this tick. */
  private flush(): void {
    this.flushTimer = null
    const limit = this.o.settings.maxBufferedBytes
    // One player far behind is removed (over the limit); most of them behind at once is a backlog
    // of the host's own: their batches are dropped while over the lower watermark (which also
    // bounds how late the rest arrives) and nobody is removed.
    const watermark = limit / BACKLOG_WATERMARK_DIVISOR
    let open = 0
    let behind = 0
    for (const to of this.peers.values()) {
      if (to.state !== 'open' || to.refusal !== null) continue
      open++
      if (to.link.bufferedAmount + to.outboxBytes > watermark) behind++
    }
    const backlog = behind >= BACKLOG_MIN_PLAYERS && behind * 2 > open
    let startsBacklog = false
    for (const to of this.peers.values()) {
      if (to.outbox.length === 0) continue
      const parts = to.outbox
      const bytes = to.outboxBytes
      to.outbox = []
      to.outboxBytes = 0
      if (to.state !== 'open') continue
      const waiting = to.link.bufferedAmount + bytes
      if (backlog && waiting > watermark) {
        to.dropped += parts.length
        this.totals.dropped += parts.length
        startsBacklog = this.noteBacklog(behind, open, parts.length) || startsBacklog
        continue
      }
      if (waiting > limit) {
        to.dropped += parts.length
        this.totals.dropped += parts.length
        to.control.error('too_slow', `your connection cannot keep up: more than ${limit} bytes waiting`)
        this.closeSoon(to, `cannot keep up (${to.link.bufferedAmount} bytes buffered)`)
        continue
      }
      for (const batch of batches(parts, bytes)) {
        if (!to.link.sendData(batch)) {
          to.dropped += parts.length
          this.totals.dropped += parts.length
          break
        }
        to.bytesOut += batch.length
        this.totals.bytesOut += batch.length
      }
      to.packetsOut += parts.length
      this.totals.packetsOut += parts.length
    }
    if (startsBacklog) this.o.onChange() // once the whole tick is counted
  }

  /** A tick of relay backlog: `players` of `open` behind, `dropped` packets not sent to one of them. True when it starts one. */
  private noteBacklog(players: number, open: number, dropped: number): boolean {
    const now = this.o.now()
    const b = this.backlog
    if (b === null) {
      this.backlog = { since: now, lastAt: now, loggedAt: now, players, open, dropped }
      this.log.warn(
        `relay backlog: ${players} of ${open} players have more than ${this.o.settings.maxBufferedBytes / BACKLOG_WATERMARK_DIVISOR} bytes waiting — this host cannot send that much (CPU or upload). ` +
          'Their packets are dropped until it catches up; nobody is removed. Fewer players per session (hosting.max_players) avoids it.',
        { session: this.sessionId }
      )
      this.o.onBacklog?.(this.sessionId, players, open)
      return true
    }
    b.players = players
    b.open = open
    b.lastAt = now
    b.dropped += dropped
    if (now - b.loggedAt >= BACKLOG_LOG_EVERY_MS) {
      b.loggedAt = now
      this.log.warn(`relay backlog goes on (${Math.round((now - b.since) / 1000)} s): ${players} of ${open} players behind, ${b.dropped} packets dropped so far`, { session: this.sessionId })
    }
    return false
  }

  /** Ends the backlog when no tick has had one for BACKLOG_CLEAR_MS. */
  private clearBacklog(now: number): void {
    const b = this.backlog
    if (b === null || now - b.lastAt < BACKLOG_CLEAR_MS) return
    this.backlog = null
    this.log.info(`relay caught up after ${Math.round((b.lastAt - b.since) / 100) / 10} s of backlog; ${b.dropped} packets dropped`, { session: this.sessionId })
    this.o.onChange()
  }

  // ---- heartbeats, liveness -------------------------------------------------------------------

  private heartbeat(): void {
    const now = this.o.now()
    const silentAfter = 3 * this.o.settings.heartbeatMs
    for (const p of [...this.peers.values()]) {
      if (p.state !== 'open') continue
      if (now - p.lastSeen > silentAfter) {
        this.remove(p, `silent for ${Math.round((now - p.lastSeen) / 100) / 10} s (3 heartbeats)`)
        continue
      }
      p.control.ping()
      const dt = (now - p.rate.at) / 1000
      if (dt > 0) {
        p.rate = {
          at: now,
          packetsIn: p.packetsIn,
          packetsOut: p.packetsOut,
          inPerSecond: Math.round(((p.packetsIn - p.rate.packetsIn) / dt) * 10) / 10,
          outPerSecond: Math.round(((p.packetsOut - p.rate.packetsOut) / dt) * 10) / 10
        }
      }
    }
    this.clearBacklog(now)
    if (this.peers.size > 0) this.o.onChange()
  }

  // ---- operator actions ---------------------------------------------------------------------

  kick(peerId: string, reason: string): boolean {
    const p = this.peers.get(peerId)
    if (!p || p.state === 'closing') return false
    void p.control.command('kick', { reason }).catch(() => undefined)
    p.control.error('kicked', reason)
    this.closeSoon(p, `kicked: ${reason}`)
    return true
  }

  /** Sends a notice to one peer or all; resolves with how many ACKed. */
  async notice(textToSend: string, peerId?: string): Promise<{ sent: number; acked: number; failed: number }> {
    const targets = [...this.peers.values()].filter((p) => p.state === 'open' && p.refusal === null && (peerId === undefined || p.id === peerId))
    const results = await Promise.allSettled(targets.map((p) => p.control.command('notice', { text: textToSend })))
    const acked = results.filter((r) => r.status === 'fulfilled').length
    return { sent: targets.length, acked, failed: targets.length - acked }
  }

  /** Tells every player to move to another zone session; resolves with how many ACKed (retries per the ack settings). */
  async zoneChange(zoneId: string, sessionId: string): Promise<number> {
    const targets = [...this.peers.values()].filter((p) => p.state === 'open' && p.refusal === null)
    const results = await Promise.allSettled(targets.map((p) => p.control.command('zone-change', { zoneId, sessionId })))
    return results.filter((r) => r.status === 'fulfilled').length
  }

  hasPeer(peerId: string): boolean {
    return this.peers.has(peerId)
  }

  // ---- removal ----------------------------------------------------------------------------------

  private badInput(peer: Peer, what: string, fatal: boolean): void {
    if (fatal) {
      peer.control.error('invalid_message', what)
      this.closeSoon(peer, what)
    } else {
      this.log.debug(`bad input from ${peer.id}: ${what}`, { session: this.sessionId })
    }
  }

  /** Lets a last control message go out, then removes the peer. */
  private closeSoon(peer: Peer, reason: string): void {
    if (peer.state === 'closing') return
    peer.state = 'closing'
    const t = setTimeout(() => this.remove(peer, reason), 250)
    t.unref()
    this.o.onChange()
  }

  private remove(peer: Peer, reason: string, opts: { quiet?: boolean } = {}): void {
    if (this.peers.get(peer.id) !== peer) return
    this.peers.delete(peer.id)
    if (peer.connectTimer) clearTimeout(peer.connectTimer)
    peer.connectTimer = null
    peer.outbox = []
    peer.control.close(reason)
    void peer.link.close()
    if (!opts.quiet) {
      const level = peer.refusal !== null ? 'debug' : 'info'
      this.log[level](`${peer.id} removed: ${reason}`, { session: this.sessionId, players: this.players() })
    }
    this.o.onChange()
  }

  /** Closes every peer connection and stops listening; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.unsubscribe?.()
    this.unsubscribe = null
    if (this.flushTimer) clearTimeout(this.flushTimer)
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    this.flushTimer = null
    this.heartbeatTimer = null
    const peers = [...this.peers.values()]
    for (const p of peers) p.control.error('host_closing', 'the host is closing this session')
    this.peers.clear()
    await Promise.all(
      peers.map(async (p) => {
        if (p.connectTimer) clearTimeout(p.connectTimer)
        p.control.close('session closed')
        await p.link.close()
      })
    )
  }

  // ---- figures --------------------------------------------------------------------------------

  /** The session's traffic counters (a copy). */
  traffic(): SessionTraffic {
    return { ...this.totals }
  }

  view(paused: boolean): HostedSession {
    const now = this.o.now()
    const peers: HostedPeer[] = []
    let inPerSecond = 0
    let outPerSecond = 0
    for (const p of this.peers.values()) {
      if (p.refusal !== null) continue
      const rtt = p.rtt.summary(now)
      inPerSecond += p.rate.inPerSecond
      outPerSecond += p.rate.outPerSecond
      peers.push({
        peerId: p.id,
        state: p.state,
        offeredBy: p.link.offeredBy,
        connectedSince: p.connectedSince === null ? null : new Date(p.connectedSince).toISOString(),
        rttP50Ms: rtt ? rtt.p50 : null,
        rttP95Ms: rtt ? rtt.p95 : null,
        bufferedBytes: Math.max(0, Math.round(p.link.bufferedAmount)),
        iceState: p.link.iceState,
        bytesIn: p.bytesIn,
        bytesOut: p.bytesOut,
        packetsIn: p.packetsIn,
        packetsOut: p.packetsOut,
        inPerSecond: p.rate.inPerSecond,
        outPerSecond: p.rate.outPerSecond,
        dropped: p.dropped
      })
    }
    return {
      sessionId: this.sessionId,
      zoneId: this.zoneId,
      // waiting: the signaling room is not joined (coordinator restarting): nobody new can reach us.
      state: this.o.room.signaling.state().state !== 'connected' ? 'waiting' : paused ? 'paused' : 'open',
      maxPlayers: this.maxPlayers,
      players: this.players(),
      refused: this.refused,
      since: new Date(this.since).toISOString(),
      backlog: this.backlog && { since: new Date(this.backlog.since).toISOString(), players: this.backlog.players, of: this.backlog.open, dropped: this.backlog.dropped },
      peers,
      ...this.totals,
      inPerSecond: Math.round(inPerSecond * 10) / 10,
      outPerSecond: Math.round(outPerSecond * 10) / 10
    }
  }

  /** The figures the coordinator heartbeat reports for this session. */
  report(): SessionReport {
    const now = this.o.now()
    const rtts: number[] = []
    let bytesPerSecond = 0
    for (const p of this.peers.values()) {
      if (p.state !== 'open' || p.refusal !== null) continue
      const s = p.rtt.summary(now)
      if (s) rtts.push(s.p50)
      const secs = Math.max(1, (now - (p.connectedSince ?? now)) / 1000)
      bytesPerSecond += (p.bytesIn + p.bytesOut) / secs
    }
    const relayed = this.totals.packetsOut + this.totals.dropped
    return {
      players: this.players(),
      latencyMs: rtts.length > 0 ? Math.round((rtts.reduce((a, b) => a + b, 0) / rtts.length) * 100) / 100 : null,
      packetLossPercent: relayed > 0 ? Math.round((this.totals.dropped / relayed) * 10_000) / 100 : 0,
      bandwidthMbps: Math.round(((bytesPerSecond * 8) / 1e6) * 1000) / 1000
    }
  }
}

/** The messages of one destination's tick as data-channel messages of at most MAX_BATCH_BYTES (whole messages). */
export function batches(parts: readonly Buffer[], total: number): Buffer[] {
  if (parts.length === 1) return [parts[0] as Buffer]
  if (total <= MAX_BATCH_BYTES) return [Buffer.concat(parts as Buffer[], total)]
  const out: Buffer[] = []
  let group: Buffer[] = []
  let size = 0
  for (const p of parts) {
    if (size > 0 && size + p.length > MAX_BATCH_BYTES) {
      out.push(Buffer.concat(group, size))
      group = []
      size = 0
    }
    group.push(p)
    size += p.length
  }
  if (size > 0) out.push(Buffer.concat(group, size))
  return out
}

function sdpText(sdp: unknown): string | null {
  if (typeof sdp === 'string') return sdp.length > 0 && sdp.length <= 64 * 1024 ? sdp : null
  if (sdp !== null && typeof sdp === 'object') {
    const inner = (sdp as Record<string, unknown>)['sdp']
    return typeof inner === 'string' && inner.length > 0 && inner.length <= 64 * 1024 ? inner : null
  }
  return null
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
