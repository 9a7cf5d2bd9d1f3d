/**
 * A test player of a WARP Host session, independent of its WebRTC stack and of its runtime
 * (Node process or Chromium page; browser-safe, no Node imports): the signaling exchange with the
 * host in either offer direction, trickle ICE, the `data` channel's test packets (paced sending,
 * receiving with latency) and the `control` channel's protocol (pong the host's heartbeat pings,
 * ACK its commands, record its errors). The WebRTC stack sits behind `RtcAdapter`
 * (rtc-ndc.ts: libdatachannel, rtc-w3c.ts: werift and browsers).
 *
 * Bad-input helpers (`rawSignaling`, `rawControl`, `rawData`) send exactly what a test asks for.
 */
import { encodePacket, PacketReceiver, wallNow, type ReceiveStats } from './packets'

export interface RtcChannel {
  readonly label: string
  sendBinary(b: Uint8Array): void
  sendText(s: string): void
  bufferedAmount(): number
  isOpen(): boolean
}

export interface RtcEvents {
  /** A local candidate, in the form this stack sends it (string or object). */
  onLocalCandidate(candidate: unknown): void
  onChannelOpen(ch: RtcChannel): void
  onChannelMessage(ch: RtcChannel, data: Uint8Array | string): void
  onChannelClosed(ch: RtcChannel): void
  /** The peer connection's state (connected, failed, closed …). */
  onState(state: string): void
}

export interface RtcAdapter {
  /** Creates the `data` and `control` channels, then the offer. */
  createOffer(): Promise<string>
  /** Takes the host's offer; resolves with the answer. */
  acceptOffer(sdp: string): Promise<string>
  acceptAnswer(sdp: string): Promise<void>
  /** A candidate as the host sent it (string or object). */
  addRemoteCandidate(candidate: unknown): Promise<void>
  close(): void
}

export interface RtcOptions {
  /** The max-message-size this player advertises (libdatachannel only; default: the stack's). */
  maxMessageSize?: number
}

export type RtcFactory = (peerId: string, events: RtcEvents, opts?: RtcOptions) => RtcAdapter

/** The part of the WebSocket API (browser's or `ws`'s) the player uses. */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}
export type SocketFactory = (url: string) => SocketLike

export interface JoinOptions {
  /** ws://HOST:PORT/api/v1/signaling/ws */
  signalingUrl: string
  sessionId: string
  hostId: string
  /** true: the player offers (with its own data + control channels); false: it waits for the host's offer. */
  offerFirst: boolean
  /** Sender index written into this player's packets (unique per test). */
  index: number
  answerPongs?: boolean
  ackCommands?: boolean
  /**
   * Misbehave: pretend the host accepts messages up to this size (rewrites `a=max-message-size`
   * in the host's SDP) so this player's stack lets oversized messages out.
   */
  remoteMaxMessageSize?: number
  /** Advertise this max-message-size (libdatachannel players): the host must not send it anything bigger. */
  localMaxMessageSize?: number
}

export interface SendOptions {
  count: number
  /** Packets per second. */
  rate: number
  /** Bytes per packet (≥ 18). */
  size: number
  /** Hold back while the data channel buffers more than this (default 1 MiB). */
  maxBuffered?: number
}

export type PlayerState = 'idle' | 'signaling' | 'connecting' | 'open' | 'closed'

export interface ControlRecord {
  type: string
  payload: unknown
  id?: string
}

export interface PlayerStats {
  peerId: string
  index: number
  state: PlayerState
  closedReason: string | null
  /** ms from join() to session-joined and to both channels open. */
  joinedMs: number | null
  openMs: number | null
  /** Wall-clock ms (wallNow) when join() started and when both channels were open. */
  startedAt: number
  openedAt: number | null
  /** Which channels are open now. */
  channels: { data: boolean; control: boolean }
  sent: number
  received: ReceiveStats
  pings: number
  pongs: number
  /** Commands the host sent (notice, kick, zone-change …) and whether they were ACKed. */
  commands: { id: string; command: string; args: unknown; acked: boolean }[]
  /** `error` messages the host sent on the control channel. */
  errors: { code: string; error: string; recoverable: unknown }[]
  /** Signaling `error` frames. */
  signalingErrors: string[]
  /** Control frames that were not JSON or not an envelope. */
  controlUnparsed: number
  /** ACK frames the host sent (for messages this player sent with requiresAck). */
  acks: string[]
  /** Offers the host sent while this player's own offer was pending (ignored: the player is impolite). */
  glare: number
  signalingClosed: { code: number; reason: string } | null
  /** What happened when (ms since join): signaling steps, candidates, connection states (first 60 entries). */
  trace: string[]
}

export type PlayerEvent =
  | { event: 'joined'; ms: number; peers: string[] }
  | { event: 'open'; ms: number }
  | { event: 'control'; message: ControlRecord }
  | { event: 'sent'; count: number }
  | { event: 'closed'; reason: string }

export interface PlayerDeps {
  peerId: string
  rtc: RtcFactory
  socket: SocketFactory
  emit(e: PlayerEvent): void
}

const MAX_BUFFERED = 1024 * 1024
const uuid = (): string => crypto.randomUUID()

export class Player {
  readonly peerId: string
  private opts: JoinOptions | null = null
  private rtc: RtcAdapter | null = null
  private ws: SocketLike | null = null
  private state: PlayerState = 'idle'
  private closedReason: string | null = null
  private startedAt = 0
  private joinedMs: number | null = null
  private openMs: number | null = null
  private data: RtcChannel | null = null
  private control: RtcChannel | null = null
  /** Every channel object (a garbage-collected libdatachannel channel stops delivering). */
  private readonly channels = new Set<RtcChannel>()
  private receiver = new PacketReceiver(0)
  private sent = 0
  private pings = 0
  private pongs = 0
  private readonly commands: PlayerStats['commands'] = []
  private readonly errors: PlayerStats['errors'] = []
  private readonly signalingErrors: string[] = []
  private readonly acks: string[] = []
  private controlUnparsed = 0
  private glare = 0
  private signalingClosed: PlayerStats['signalingClosed'] = null
  private remoteSet = false
  private pendingRemote: unknown[] = []
  private localSent = false
  private pendingLocal: unknown[] = []
  private answerPongs = true
  private ackCommands = true
  private sending: { stop: boolean } | null = null
  private readonly trace: string[] = []

  constructor(private readonly deps: PlayerDeps) {
    this.peerId = deps.peerId
  }

  /** Opens signaling and starts the handshake; resolves at session-joined (the channels open later: `open` event). */
  async join(opts: JoinOptions): Promise<string[]> {
    if (this.state !== 'idle') throw new Error(`player ${this.peerId} already joined`)
    this.opts = opts
    this.answerPongs = opts.answerPongs ?? true
    this.ackCommands = opts.ackCommands ?? true
    this.receiver = new PacketReceiver(opts.index)
    this.startedAt = wallNow()
    this.state = 'signaling'
    this.rtc = this.deps.rtc(this.peerId, {
      onLocalCandidate: (c) => this.localCandidate(c),
      onChannelOpen: (ch) => this.channelOpen(ch),
      onChannelMessage: (ch, d) => this.channelMessage(ch, d),
      onChannelClosed: (ch) => this.channelClosed(ch),
      onState: (s) => {
        this.note(`state ${s}`)
        if (s === 'failed' || s === 'closed') this.finish(`connection ${s}`)
      }
    }, opts.localMaxMessageSize !== undefined ? { maxMessageSize: opts.localMaxMessageSize } : {})
    const url = `${opts.signalingUrl}?peer_id=${encodeURIComponent(this.peerId)}&session_id=${encodeURIComponent(opts.sessionId)}`
    const ws = this.deps.socket(url)
    this.ws = ws
    return await new Promise<string[]>((resolve, reject) => {
      let joined = false
      ws.onerror = () => undefined
      ws.onclose = (ev) => {
        this.signalingClosed = { code: ev.code, reason: ev.reason }
        if (!joined) reject(new Error(`signaling closed before session-joined (code ${ev.code} ${ev.reason})`))
      }
      ws.onmessage = (ev) => {
        const frame = parseFrame(ev.data)
        if (!frame) return
        if (frame.type === 'session-joined' && !joined) {
          joined = true
          this.joinedMs = wallNow() - this.startedAt
          const peers = Array.isArray(frame.peers) ? frame.peers.map(String) : []
          this.deps.emit({ event: 'joined', ms: this.joinedMs, peers })
          resolve(peers)
          this.state = 'connecting'
          if (opts.offerFirst) void this.offer()
          return
        }
        void this.signal(frame)
      }
    })
  }

  /** Sends `count` packets paced at `rate`/s; resolves when all were handed to the channel. */
  async send(o: SendOptions): Promise<number> {
    if (this.sending) throw new Error('already sending')
    const token = { stop: false }
    this.sending = token
    const start = wallNow()
    const period = Math.max(1, Math.min(50, 1000 / o.rate))
    const maxBuffered = o.maxBuffered ?? MAX_BUFFERED
    let sentHere = 0
    try {
      while (sentHere < o.count && !token.stop && this.state !== 'closed') {
        const ch = this.data
        if (ch && ch.isOpen() && ch.bufferedAmount() < maxBuffered) {
          const due = Math.min(o.count, Math.floor(((wallNow() - start) * o.rate) / 1000) + 1)
          while (sentHere < due && ch.bufferedAmount() < maxBuffered) {
            // Never resend: libdatachannel's false means "queued", not "dropped".
            ch.sendBinary(encodePacket(this.sent, this.opts?.index ?? 0, o.size))
            this.sent++
            sentHere++
          }
        }
        await new Promise((r) => setTimeout(r, period))
      }
    } finally {
      if (this.sending === token) this.sending = null
    }
    this.deps.emit({ event: 'sent', count: sentHere })
    return sentHere
  }

  stopSending(): void {
    if (this.sending) this.sending.stop = true
  }

  set(o: { answerPongs?: boolean; ackCommands?: boolean }): void {
    if (o.answerPongs !== undefined) this.answerPongs = o.answerPongs
    if (o.ackCommands !== undefined) this.ackCommands = o.ackCommands
  }

  /** A raw text frame on the signaling socket (malformed frames for bad-input tests). */
  rawSignaling(text: string): boolean {
    if (!this.ws || this.ws.readyState !== 1) return false
    this.ws.send(text)
    return true
  }

  rawControl(text: string): boolean {
    if (!this.control?.isOpen()) return false
    this.control.sendText(text)
    return true
  }

  rawData(bytes: Uint8Array): boolean {
    if (!this.data?.isOpen()) return false
    this.data.sendBinary(bytes)
    return true
  }

  /** A well-formed control envelope (e.g. a response, or an unknown type). */
  sendControl(type: string, payload: unknown, requiresAck = false): string {
    const id = uuid()
    this.rawControl(JSON.stringify({ id, type, group: 'control', payload, timestamp: new Date().toISOString(), ...(requiresAck ? { requiresAck } : {}) }))
    return id
  }

  stats(): PlayerStats {
    return {
      peerId: this.peerId,
      index: this.opts?.index ?? 0,
      state: this.state,
      closedReason: this.closedReason,
      joinedMs: this.joinedMs,
      openMs: this.openMs,
      startedAt: this.startedAt,
      openedAt: this.openMs === null ? null : this.startedAt + this.openMs,
      channels: { data: this.data?.isOpen() ?? false, control: this.control?.isOpen() ?? false },
      sent: this.sent,
      received: this.receiver.stats(),
      pings: this.pings,
      pongs: this.pongs,
      commands: this.commands.slice(),
      errors: this.errors.slice(),
      signalingErrors: this.signalingErrors.slice(),
      controlUnparsed: this.controlUnparsed,
      acks: this.acks.slice(),
      glare: this.glare,
      signalingClosed: this.signalingClosed,
      trace: this.trace.slice()
    }
  }

  /** Leaves: closes the peer connection and the signaling socket (the host sees peer-left). */
  close(reason = 'closed by the test'): void {
    this.stopSending()
    this.finish(reason)
  }

  private note(what: string): void {
    if (this.trace.length < 60) this.trace.push(`${Math.round(wallNow() - this.startedAt)} ${what}`)
  }

  private finish(reason: string): void {
    if (this.state === 'closed') return
    this.note(`finish: ${reason}`)
    this.state = 'closed'
    this.closedReason = reason
    this.stopSending()
    try {
      this.rtc?.close()
    } catch {
      // already closed
    }
    try {
      this.ws?.close(1000, 'bye')
    } catch {
      // already closed
    }
    this.deps.emit({ event: 'closed', reason })
  }

  private async offer(): Promise<void> {
    const o = this.opts!
    try {
      const sdp = await this.rtc!.createOffer()
      this.sendFrame({ type: 'offer', to: o.hostId, sdp })
      this.flushLocal()
    } catch (err) {
      this.finish(`offer failed: ${String(err)}`)
    }
  }

  private async signal(frame: Record<string, unknown>): Promise<void> {
    const o = this.opts!
    const from = frame.from ?? frame.from_peer_id
    this.note(`in ${String(frame.type)}${from ? ` from ${String(from)}` : ''}${frame.type === 'ice-candidate' ? ` ${JSON.stringify(frame.candidate).slice(0, 90)}` : ''}`)
    switch (frame.type) {
      case 'error':
        this.signalingErrors.push(String(frame.message ?? ''))
        return
      case 'offer': {
        if (from !== o.hostId) return
        if (o.offerFirst) {
          // Impolite in glare: our offer stands. The candidates the host sent so far belong to its
          // ignored offer (it trickles them before the offer goes out): drop them.
          this.glare++
          this.pendingRemote = []
          return
        }
        try {
          const answer = await this.rtc!.acceptOffer(this.munge(sdpText(frame.sdp)))
          this.remoteDescribed()
          this.sendFrame({ type: 'answer', to: o.hostId, sdp: answer })
          this.flushLocal()
        } catch (err) {
          this.finish(`answer failed: ${String(err)}`)
        }
        return
      }
      case 'answer':
        if (from !== o.hostId) return
        try {
          await this.rtc!.acceptAnswer(this.munge(sdpText(frame.sdp)))
          this.remoteDescribed()
        } catch (err) {
          this.finish(`answer refused: ${String(err)}`)
        }
        return
      case 'ice-candidate':
        if (from !== o.hostId) return
        if (!this.remoteSet) this.pendingRemote.push(frame.candidate)
        else await this.addRemote(frame.candidate)
        return
      case 'peer-left':
        if (frame.peer_id === o.hostId) this.finish('host left the room')
        return
      default:
        return
    }
  }

  private munge(sdp: string): string {
    const max = this.opts?.remoteMaxMessageSize
    if (max === undefined) return sdp
    if (/a=max-message-size:\d+/.test(sdp)) return sdp.replace(/a=max-message-size:\d+/g, `a=max-message-size:${max}`)
    return sdp.replace(/(a=sctp-port:\d+\r?\n)/, `$1a=max-message-size:${max}\r\n`)
  }

  private remoteDescribed(): void {
    this.remoteSet = true
    const held = this.pendingRemote
    this.pendingRemote = []
    for (const c of held) void this.addRemote(c)
  }

  private async addRemote(c: unknown): Promise<void> {
    try {
      await this.rtc?.addRemoteCandidate(c)
    } catch {
      // a candidate this stack cannot use; ICE goes on with the others
    }
  }

  private localCandidate(c: unknown): void {
    if (!this.localSent) this.pendingLocal.push(c)
    else this.sendFrame({ type: 'ice-candidate', to: this.opts!.hostId, candidate: c })
  }

  private flushLocal(): void {
    this.localSent = true
    const held = this.pendingLocal
    this.pendingLocal = []
    for (const c of held) this.sendFrame({ type: 'ice-candidate', to: this.opts!.hostId, candidate: c })
  }

  private sendFrame(frame: Record<string, unknown>): void {
    this.note(`out ${String(frame.type)}${frame.type === 'ice-candidate' ? ` ${JSON.stringify(frame.candidate).slice(0, 90)}` : ''}`)
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(frame))
  }

  private channelOpen(ch: RtcChannel): void {
    this.note(`${ch.label} open`)
    this.channels.add(ch)
    if (ch.label === 'data' && !this.data?.isOpen()) this.data = ch
    else if (ch.label === 'control' && !this.control?.isOpen()) this.control = ch
    if (this.openMs === null && this.data?.isOpen() && this.control?.isOpen() && this.state !== 'closed') {
      this.openMs = wallNow() - this.startedAt
      this.state = 'open'
      this.deps.emit({ event: 'open', ms: this.openMs })
    }
  }

  private channelClosed(ch: RtcChannel): void {
    if (ch !== this.data && ch !== this.control) return
    const other = [...this.channels].find((x) => x !== ch && x.label === ch.label && x.isOpen())
    if (other) {
      if (ch.label === 'data') this.data = other
      else this.control = other
      return
    }
    if (this.state === 'open' || this.state === 'connecting') this.finish(`${ch.label} channel closed`)
  }

  private channelMessage(ch: RtcChannel, d: Uint8Array | string): void {
    this.channels.add(ch)
    if (ch.label === 'data') {
      if (typeof d === 'string') this.receiver.receive(new TextEncoder().encode(d))
      else this.receiver.receive(d)
      return
    }
    if (ch.label !== 'control') return
    const text = typeof d === 'string' ? d : new TextDecoder().decode(d)
    let msg: Record<string, unknown>
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed === null || typeof parsed !== 'object') throw new Error('not an object')
      msg = parsed as Record<string, unknown>
    } catch {
      this.controlUnparsed++
      return
    }
    if (typeof msg.ack === 'string') {
      this.acks.push(msg.ack)
      return
    }
    const type = String(msg.type ?? '')
    const id = typeof msg.id === 'string' ? msg.id : undefined
    const payload = (msg.payload ?? {}) as Record<string, unknown>
    if (type === 'heartbeat' && payload.status === 'ping') {
      this.pings++
      if (this.answerPongs) {
        this.pongs++
        ch.sendText(
          JSON.stringify({
            id: uuid(),
            type: 'heartbeat',
            group: 'control',
            payload: { processId: this.peerId, status: 'pong', seq: payload.seq, sentAt: payload.sentAt },
            timestamp: new Date().toISOString()
          })
        )
      }
      if (msg.requiresAck === true && id && this.ackCommands) ch.sendText(JSON.stringify({ ack: id }))
      return
    }
    if (type === 'command') {
      const acked = msg.requiresAck === true && id !== undefined && this.ackCommands
      if (acked) ch.sendText(JSON.stringify({ ack: id }))
      const args = payload.args
      this.commands.push({ id: id ?? '', command: String(payload.command ?? ''), args, acked })
    } else if (type === 'error') {
      this.errors.push({ code: String(payload.code ?? ''), error: String(payload.error ?? ''), recoverable: payload.recoverable })
    } else if (msg.requiresAck === true && id && this.ackCommands) {
      ch.sendText(JSON.stringify({ ack: id }))
    }
    this.deps.emit({ event: 'control', message: { type, payload, ...(id ? { id } : {}) } })
  }
}

function parseFrame(data: unknown): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(typeof data === 'string' ? data : String(data))
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** `sdp` as a string or `{type, sdp}` → the SDP text. */
function sdpText(sdp: unknown): string {
  if (typeof sdp === 'string') return sdp
  if (sdp && typeof sdp === 'object' && typeof (sdp as { sdp?: unknown }).sdp === 'string') return (sdp as { sdp: string }).sdp
  throw new Error('no SDP in the frame')
}

/** The mid of the SDP's application section ('0' if none found). */
export function applicationMid(sdp: string): string {
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    if (!section.startsWith('application')) continue
    const m = /\r?\na=mid:([^\r\n]+)/.exec(section)
    if (m?.[1]) return m[1].trim()
  }
  return '0'
}
