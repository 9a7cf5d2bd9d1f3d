/**
 * An in-process werift player for the hosting service's own tests: joins a session's signaling
 * room, waits for the host's offer (or offers first), answers heartbeats, ACKs commands, records
 * the data messages and control messages it receives. Separate-process players (libdatachannel,
 * werift, Chromium) are in test/integration/hosting.
 */
import { RTCPeerConnection, type RTCDataChannel } from 'werift'
import { createSignalingClient, type SignalingClient } from '../../../src/main/coordinator/signaling'
import { LogSink } from '../../../src/main/logging/logger'

export interface ControlFrame {
  id?: string
  type?: string
  payload?: Record<string, unknown>
  requiresAck?: boolean
  ack?: string
}

export class Player {
  readonly data: Buffer[] = []
  readonly control: ControlFrame[] = []
  pc: RTCPeerConnection | null = null
  dataChannel: RTCDataChannel | null = null
  controlChannel: RTCDataChannel | null = null
  private signaling: SignalingClient
  private hostId: string | null = null
  answerPings = true
  private offering = false
  ackCommands = true

  constructor(
    readonly peerId: string,
    baseUrl: string,
    private readonly sessionId: string
  ) {
    const sink = new LogSink({ level: 'error', format: 'text', dir: null, write: () => undefined })
    this.signaling = createSignalingClient('ws', { url: baseUrl, peerId, log: sink.logger(peerId) })
    this.signaling.on((msg) => {
      // A player that offered itself ignores the host's offer (the host yields in glare).
      if (msg.type === 'offer' && this.offering) return
      if (msg.type === 'offer') void this.answer(msg.from, typeof msg.sdp === 'string' ? msg.sdp : String((msg.sdp as { sdp?: unknown }).sdp))
      else if (msg.type === 'answer') void this.pc?.setRemoteDescription({ type: 'answer', sdp: typeof msg.sdp === 'string' ? msg.sdp : String((msg.sdp as { sdp?: unknown }).sdp) })
      else if (msg.type === 'ice-candidate') {
        const c = msg.candidate
        const init = typeof c === 'string' ? { candidate: c.replace(/^a=/, ''), sdpMid: '0', sdpMLineIndex: 0 } : (c as { candidate: string; sdpMid?: string; sdpMLineIndex?: number })
        void this.pc?.addIceCandidate(init).catch(() => undefined)
      }
    })
  }

  async join(): Promise<void> {
    await this.signaling.join(this.sessionId)
  }

  /** Offers first to `hostId` with a data channel (and a control channel unless told not to). */
  async offerTo(hostId: string, withControl = true): Promise<void> {
    this.hostId = hostId
    this.offering = true
    const pc = this.newPc(hostId)
    this.adopt(pc.createDataChannel('data', { ordered: true }))
    if (withControl) this.adopt(pc.createDataChannel('control', { ordered: true }))
    const offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    this.signaling.sendOffer(hostId, pc.localDescription!.sdp)
  }

  private newPc(to: string): RTCPeerConnection {
    void this.pc?.close().catch(() => undefined)
    const pc = new RTCPeerConnection({ iceServers: [] })
    this.pc = pc
    pc.onIceCandidate.subscribe((c) => {
      // libdatachannel style: a bare candidate string without a mid.
      if (c?.candidate) this.signaling.sendCandidate(to, `a=${c.candidate}`)
    })
    pc.onDataChannel.subscribe((ch) => this.adopt(ch))
    return pc
  }

  private async answer(from: string, sdp: string): Promise<void> {
    this.hostId = from
    const pc = this.newPc(from)
    await pc.setRemoteDescription({ type: 'offer', sdp })
    const answer = await pc.createAnswer()
    await pc.setLocalDescription(answer)
    this.signaling.sendAnswer(from, pc.localDescription!.sdp)
  }

  private adopt(ch: RTCDataChannel): void {
    if (ch.label === 'data') {
      this.dataChannel = ch
      ch.onMessage.subscribe((m) => {
        if (typeof m !== 'string') this.data.push(m)
      })
    } else if (ch.label === 'control') {
      this.controlChannel = ch
      ch.onMessage.subscribe((m) => this.onControl(typeof m === 'string' ? m : m.toString()))
    }
  }

  private onControl(text: string): void {
    const f = JSON.parse(text) as ControlFrame
    this.control.push(f)
    if (f.type === 'heartbeat' && f.payload?.['status'] === 'ping' && this.answerPings) {
      this.sendControl({ id: crypto.randomUUID(), type: 'heartbeat', group: 'control', timestamp: new Date().toISOString(), payload: { processId: this.peerId, status: 'pong', seq: f.payload['seq'], sentAt: f.payload['sentAt'] } })
    }
    if (f.requiresAck && f.id && this.ackCommands) this.sendControl({ ack: f.id })
  }

  sendControl(frame: unknown): void {
    this.controlChannel?.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  get open(): boolean {
    return this.dataChannel?.readyState === 'open'
  }

  send(buf: Buffer): void {
    this.dataChannel?.send(buf)
  }

  async close(): Promise<void> {
    await this.signaling.close().catch(() => undefined)
    await this.pc?.close().catch(() => undefined)
  }
}

/** A test packet: type 0x0F7F LE, length LE, seq, sender, padding to `size`. */
export function packet(sender: number, seq: number, size = 120): Buffer {
  const b = Buffer.alloc(size)
  b.writeUInt16LE(0x0f7f, 0)
  b.writeUInt16LE(size, 2)
  b.writeUInt32LE(seq, 4)
  b.writeUInt16LE(sender, 8)
  return b
}

/** Splits received batches into packets by their length field. */
export function packets(batches: readonly Buffer[]): { sender: number; seq: number }[] {
  const out: { sender: number; seq: number }[] = []
  for (const b of batches) {
    let off = 0
    while (off + 4 <= b.length) {
      const len = b.readUInt16LE(off + 2)
      if (len < 10) throw new Error(`bad packet length ${len}`)
      out.push({ seq: b.readUInt32LE(off + 4), sender: b.readUInt16LE(off + 8) })
      off += len
    }
  }
  return out
}
