/**
 * One player's WebRTC connection to this host (werift): the offer/answer exchange in either
 * direction, trickle ICE both ways, and the two channels — `data` (binary game packets) and
 * `control` (JSON text frames of the message layer). It owns nothing about sessions: the session
 * host (session-host.ts) decides what to do with what arrives and when to close.
 *
 * Facts it copes with (spec-peer-hosting.md):
 * - the `data` channel is created *before* createOffer, or the SDP has no application section;
 * - candidates arrive as strings (`a=candidate:…` / `candidate:…`, no mid: libdatachannel) or as
 *   objects (browsers); werift refuses one without a mid, so the data section's mid is supplied;
 * - `.local` (mDNS) candidates are dropped: werift would open a multicast DNS socket per
 *   connection with a 10 s timeout, and peer-reflexive candidates connect anyway;
 * - candidates that arrive before the remote description are held and added after it;
 * - the peer may open its own `data`/`control` channels: whichever is open is used.
 */
import { RTCDtlsTransport, RTCPeerConnection, type RTCCertificate, type RTCDataChannel, type RTCIceCandidate } from 'werift'
import type { Logger } from '../logging/logger'
import { holdEarlyDtls, type EarlyDtlsHold } from './early-dtls'
import { fixSctp, type SctpMeter } from './werift-sctp'
import { noPublicStunFallback } from './werift-stun'

export type PeerIceServer = { urls: string; username?: string; credential?: string }

export interface PeerSignals {
  offer(sdp: string): void
  answer(sdp: string): void
  candidate(candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }): void
}

export interface PeerLinkEvents {
  /** A binary message on the data channel (one or more game packets). */
  onData(buf: Buffer): void
  /** A text frame on the control channel (parsed by the caller). */
  onControl(text: string): void
  /** The control channel is open (send the first heartbeat, refusals …). */
  onControlOpen(): void
  /** The data channel is open: the peer counts as connected. */
  onDataOpen(): void
  /** The connection failed or closed (ICE failed/closed, a channel closed). */
  onGone(reason: string): void
  /** Something arrived that is not usable (bad SDP, bad candidate, text on data …). */
  onBadInput(what: string): void
}

export interface PeerLinkOptions {
  peerId: string
  iceServers: readonly PeerIceServer[]
  /** The host's DTLS certificate, shared by its connections (one key pair instead of one per player). */
  certificate?: RTCCertificate
  signals: PeerSignals
  events: PeerLinkEvents
  log: Logger
}

const MAX_PENDING_CANDIDATES = 64
/** Between closing the channels and closing the connection (ms). */
const CHANNEL_CLOSE_GRACE_MS = 100
/** A handshake slower than this is logged with its stages (a healthy one takes 100–300 ms). */
const SLOW_HANDSHAKE_MS = 3000

export class PeerLink {
  readonly peerId: string
  readonly createdAt = Date.now()
  offeredBy: 'host' | 'peer' = 'host'
  private readonly pc: RTCPeerConnection
  private data: RTCDataChannel | null = null
  private control: RTCDataChannel | null = null
  private readonly channels = new Set<RTCDataChannel>()
  private remoteSet = false
  private pending: { candidate: string; sdpMid?: string; sdpMLineIndex?: number }[] = []
  private mid = '0'
  private closed = false
  /** Local candidates gathered before our SDP went out: a peer must see the SDP first (libdatachannel throws otherwise). */
  private localHeld: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }[] | null = []
  private readonly subs: { unSubscribe(): void }[] = []
  /** The peer's first DTLS flight, kept until werift listens for it (early-dtls.ts). */
  private readonly earlyDtls: EarlyDtlsHold[] = []
  private readonly earlyDtlsSeen = new WeakSet<object>()
  /** What the SCTP association really has waiting (werift-sctp.ts); null: werift's bufferedAmount. */
  private sctpMeter: SctpMeter | null = null
  /** Handshake stages until both channels are open (then null). */
  private trace: string[] | null = []

  constructor(private readonly o: PeerLinkOptions) {
    this.peerId = o.peerId
    noPublicStunFallback() // once per process; the service logs if it cannot be applied
    this.pc = new RTCPeerConnection({ iceServers: o.iceServers.map((s) => ({ ...s })), ...(o.certificate ? { certificates: [o.certificate] } : {}) })
    this.subs.push(
      this.pc.onIceCandidate.subscribe((c) => this.localCandidate(c)),
      this.pc.onDataChannel.subscribe((ch) => this.adopt(ch)),
      this.pc.iceConnectionStateChange.subscribe((s) => {
        this.stage(`ICE ${s}`)
        if (s === 'failed' || s === 'closed') this.gone(`ICE ${s}`)
      }),
      this.pc.connectionStateChange.subscribe((s) => {
        this.stage(`connection ${s}`)
        if (s === 'failed' || s === 'closed') this.gone(`connection ${s}`)
      })
    )
  }

  /** The host offers (it saw peer-joined): both channels first, then the offer. */
  async offer(): Promise<void> {
    this.offeredBy = 'host'
    this.adopt(this.pc.createDataChannel('data', { ordered: true }))
    this.adopt(this.pc.createDataChannel('control', { ordered: true }))
    const offer = await this.pc.createOffer()
    await this.pc.setLocalDescription(offer)
    if (this.closed) return
    this.fixWerift()
    const sdp = this.pc.localDescription?.sdp ?? offer.sdp
    this.mid = dataMid(sdp) ?? this.mid
    this.o.signals.offer(sdp)
    this.stage('offer sent')
    this.releaseCandidates()
  }

  /** The peer offered: answer it. A peer that offers without channels gets ours after connecting. */
  async acceptOffer(sdp: string): Promise<void> {
    this.offeredBy = 'peer'
    this.stage('offer received')
    this.mid = dataMid(sdp) ?? this.mid
    await this.pc.setRemoteDescription({ type: 'offer', sdp })
    this.fixWerift()
    await this.remoteDescriptionSet()
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    if (this.closed) return
    this.o.signals.answer(this.pc.localDescription?.sdp ?? answer.sdp)
    this.stage('answer sent')
    this.releaseCandidates()
  }

  /** After each description (werift has made or replaced its transports): our werift fixes. */
  private fixWerift(): void {
    if (this.closed) return
    const meter = fixSctp(this.pc)
    if (meter) this.sctpMeter = meter
    else this.o.log.debug(`${this.peerId}: werift's SCTP association is not the expected shape (or the fix is off): waiting sends wake on every transmit, bufferedAmount is werift's`)
    const hold = holdEarlyDtls(this.pc, this.earlyDtlsSeen)
    if (hold) this.earlyDtls.push(hold)
    else this.o.log.debug(`${this.peerId}: werift's DTLS transport is not the expected shape; early DTLS records are not held`)
  }

  /** The SDP is out: the candidates gathered meanwhile follow it, later ones go at once. */
  private releaseCandidates(): void {
    const held = this.localHeld ?? []
    this.localHeld = null
    for (const c of held) this.o.signals.candidate(c)
  }

  async acceptAnswer(sdp: string): Promise<void> {
    if (this.pc.signalingState !== 'have-local-offer') {
      this.o.events.onBadInput(`answer while ${this.pc.signalingState}`)
      return
    }
    this.stage('answer received')
    await this.pc.setRemoteDescription({ type: 'answer', sdp })
    this.fixWerift()
    await this.remoteDescriptionSet()
  }

  /** A remote candidate as a string or an object; `.local` ones are dropped. */
  async addCandidate(raw: unknown): Promise<void> {
    const c = normaliseCandidate(raw)
    if (c === null) {
      this.o.events.onBadInput('candidate is neither a candidate string nor {candidate, sdpMid, sdpMLineIndex}')
      return
    }
    if (c.candidate === '') return // end of candidates
    if (isMdnsCandidate(c.candidate)) return
    if (!this.remoteSet) {
      if (this.pending.length < MAX_PENDING_CANDIDATES) this.pending.push(c)
      return
    }
    await this.apply(c)
  }

  /**
   * Sends one binary message on the data channel (not awaited: werift queues it). False when the
   * channel is not open or werift refuses it (e.g. larger than the peer's max-message-size).
   */
  sendData(buf: Buffer): boolean {
    return this.sendOn(this.data, buf)
  }

  sendControl(text: string): boolean {
    return this.sendOn(this.control, text)
  }

  private sendOn(ch: RTCDataChannel | null, payload: Buffer | string): boolean {
    if (!ch || ch.readyState !== 'open') return false
    try {
      ch.send(payload)
      return true
    } catch (err) {
      this.o.events.onBadInput(`cannot send on ${ch.label}: ${err instanceof Error ? err.message : String(err)}`)
      return false
    }
  }

  get dataOpen(): boolean {
    return this.data?.readyState === 'open'
  }

  get controlOpen(): boolean {
    return this.control?.readyState === 'open'
  }

  /** Bytes queued on the data channel (and control) not yet sent. */
  get bufferedAmount(): number {
    if (this.sctpMeter) return this.sctpMeter.waiting
    return (this.data?.bufferedAmount ?? 0) + (this.control?.bufferedAmount ?? 0)
  }

  get iceState(): string {
    return this.pc.iceConnectionState
  }

  /** The host needs a control channel and the peer offered without one. */
  ensureControl(): void {
    if (this.closed || this.control) return
    this.adopt(this.pc.createDataChannel('control', { ordered: true }))
  }

  /** Closes the connection; idempotent. Nothing is reported through onGone. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.pending = []
    for (const s of this.subs.splice(0)) s.unSubscribe()
    for (const h of this.earlyDtls.splice(0)) h.dispose()
    let resetting = false
    for (const ch of this.channels) {
      ch.onopen = undefined
      ch.onclose = undefined
      ch.onmessage = undefined
      ch.stateChanged.allUnsubscribe()
      ch.onMessage.allUnsubscribe()
      // Closing the channels first resets their streams, which every peer notices even when the
      // association's own shutdown does not reach it.
      if (ch.readyState === 'open') {
        resetting = true
        try {
          ch.close()
        } catch {
          // already going
        }
      }
    }
    this.channels.clear()
    this.data = null
    this.control = null
    // A moment for the stream resets to go out before the association is torn down.
    if (resetting) await new Promise((r) => setTimeout(r, CHANNEL_CLOSE_GRACE_MS).unref())
    await this.pc.close().catch(() => undefined)
  }

  /**
   * The handshake's stages, in ms since this link was made: a debug line each, and the whole trace
   * in one warning when both channels took longer than SLOW_HANDSHAKE_MS to open.
   */
  private stage(what: string): void {
    const ms = Date.now() - this.createdAt
    this.o.log.debug(`${this.peerId}: ${what} after ${ms} ms`)
    if (this.trace === null) return
    this.trace.push(`${what} ${ms}`)
    if (this.dataOpen && this.controlOpen) {
      if (ms > SLOW_HANDSHAKE_MS) this.o.log.warn(`${this.peerId}: slow handshake, channels open after ${ms} ms (${this.trace.join(', ')})`)
      this.trace = null
    }
  }

  private gone(reason: string): void {
    if (this.closed) return
    this.o.events.onGone(reason)
  }

  private async remoteDescriptionSet(): Promise<void> {
    this.remoteSet = true
    const held = this.pending
    this.pending = []
    for (const c of held) await this.apply(c)
  }

  private async apply(c: { candidate: string; sdpMid?: string; sdpMLineIndex?: number }): Promise<void> {
    if (this.closed) return
    try {
      await this.pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? this.mid, sdpMLineIndex: c.sdpMLineIndex ?? 0 })
    } catch (err) {
      this.o.events.onBadInput(`candidate refused: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  private localCandidate(c: RTCIceCandidate | undefined): void {
    if (this.closed || !c || !c.candidate) return
    const out = { candidate: c.candidate, sdpMid: c.sdpMid ?? this.mid, sdpMLineIndex: c.sdpMLineIndex ?? 0 }
    if (this.localHeld !== null) this.localHeld.push(out)
    else this.o.signals.candidate(out)
  }

  private adopt(ch: RTCDataChannel): void {
    if (this.closed) return
    const label = ch.label
    if (label !== 'data' && label !== 'control') {
      this.o.events.onBadInput(`unexpected data channel "${label.slice(0, 64)}"`)
      return
    }
    this.channels.add(ch)
    // Keep the first of each label; a second one (both sides created it) replaces it once open.
    if (label === 'data' && this.data === null) this.data = ch
    if (label === 'control' && this.control === null) this.control = ch
    const opened = (): void => {
      if (this.closed) return
      const before = label === 'data' ? this.data?.readyState === 'open' && this.data !== ch : this.control?.readyState === 'open' && this.control !== ch
      if (!before) {
        if (label === 'data') this.data = ch
        else this.control = ch
        this.stage(`${label} channel open${this.earlyDtls.some((h) => h.replayed > 0) ? ' (early DTLS records handed over)' : ''}`)
        if (label === 'data') this.o.events.onDataOpen()
        else this.o.events.onControlOpen()
      }
    }
    ch.stateChanged.subscribe((state) => {
      if (state === 'open') opened()
      else if (state === 'closed' && (ch === this.data || ch === this.control)) {
        const other = [...this.channels].find((x) => x !== ch && x.label === label && x.readyState === 'open')
        if (other) {
          if (label === 'data') this.data = other
          else this.control = other
        } else this.gone(`${label} channel closed`)
      }
    })
    ch.onMessage.subscribe((msg) => {
      if (this.closed) return
      if (label === 'data') {
        if (typeof msg === 'string') this.o.events.onBadInput('text message on the data channel')
        else this.o.events.onData(msg)
      } else {
        this.o.events.onControl(typeof msg === 'string' ? msg : msg.toString('utf8'))
      }
    })
    if (ch.readyState === 'open') opened()
  }
}

/** A DTLS certificate for the host's connections (generated once per service start). */
export function hostCertificate(): Promise<RTCCertificate> {
  return RTCDtlsTransport.SetupCertificate()
}

/** The mid of the SDP's application (data channel) section, if any. */
export function dataMid(sdp: string): string | null {
  const sections = sdp.split(/\r?\nm=/)
  for (const s of sections.slice(1)) {
    if (!s.startsWith('application')) continue
    const m = /\r?\na=mid:([^\r\n]+)/.exec(s)
    if (m?.[1]) return m[1].trim()
  }
  return null
}

/** A candidate as strings or objects arrive → {candidate, sdpMid?, sdpMLineIndex?}; null if unusable. */
export function normaliseCandidate(raw: unknown): { candidate: string; sdpMid?: string; sdpMLineIndex?: number } | null {
  if (typeof raw === 'string') return raw.length <= 1024 ? { candidate: stripPrefix(raw.trim()) } : null
  if (raw === null || typeof raw !== 'object') return null
  const o = raw as Record<string, unknown>
  const cand = o['candidate']
  if (typeof cand !== 'string' || cand.length > 1024) return null
  const mid = o['sdpMid'] ?? o['mid']
  const index = o['sdpMLineIndex']
  return {
    candidate: stripPrefix(cand.trim()),
    ...(typeof mid === 'string' && mid !== '' ? { sdpMid: mid } : {}),
    ...(typeof index === 'number' && Number.isInteger(index) && index >= 0 ? { sdpMLineIndex: index } : {})
  }
}

function stripPrefix(c: string): string {
  return c.startsWith('a=') ? c.slice(2) : c
}

/** A host candidate whose address is an mDNS name (`….local`). */
export function isMdnsCandidate(candidate: string): boolean {
  const parts = candidate.split(/\s+/)
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ …
  const address = parts[4]
  return address !== undefined && address.toLowerCase().endsWith('.local')
}
