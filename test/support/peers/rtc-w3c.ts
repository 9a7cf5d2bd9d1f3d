/**
 * The browser's RTCPeerConnection behind the player's RtcAdapter (bundled into the Chromium
 * page). Candidates go out as browsers send them: {candidate, sdpMid, sdpMLineIndex}. Minimal
 * structural types: the test tsconfig has no DOM library.
 */
import type { RtcAdapter, RtcChannel, RtcEvents } from './player-core'

interface W3CChannel {
  readonly label: string
  readonly readyState: string
  readonly bufferedAmount: number
  binaryType: string
  send(d: string | ArrayBufferView): void
  close(): void
  onopen: (() => void) | null
  onclose: (() => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}
interface W3CCandidate {
  candidate: string
  sdpMid: string | null
  sdpMLineIndex: number | null
}
interface W3CPeerConnection {
  readonly connectionState: string
  readonly localDescription: { sdp: string } | null
  createDataChannel(label: string, init?: { ordered?: boolean }): W3CChannel
  createOffer(): Promise<{ type: string; sdp: string }>
  createAnswer(): Promise<{ type: string; sdp: string }>
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>
  addIceCandidate(c: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }): Promise<void>
  close(): void
  onicecandidate: ((ev: { candidate: W3CCandidate | null }) => void) | null
  ondatachannel: ((ev: { channel: W3CChannel }) => void) | null
  onconnectionstatechange: (() => void) | null
}

class BrowserChannel implements RtcChannel {
  constructor(readonly dc: W3CChannel) {}
  get label(): string {
    return this.dc.label
  }
  sendBinary(b: Uint8Array): void {
    this.dc.send(b)
  }
  sendText(s: string): void {
    this.dc.send(s)
  }
  bufferedAmount(): number {
    return this.dc.bufferedAmount
  }
  isOpen(): boolean {
    return this.dc.readyState === 'open'
  }
}

export function w3cRtc(_peerId: string, events: RtcEvents): RtcAdapter {
  const Ctor = (globalThis as unknown as { RTCPeerConnection: new (c: { iceServers: unknown[] }) => W3CPeerConnection }).RTCPeerConnection
  const pc = new Ctor({ iceServers: [] })
  const channels: BrowserChannel[] = []
  let closed = false
  const adopt = (dc: W3CChannel): void => {
    dc.binaryType = 'arraybuffer'
    const ch = new BrowserChannel(dc)
    channels.push(ch)
    dc.onopen = () => events.onChannelOpen(ch)
    dc.onclose = () => events.onChannelClosed(ch)
    dc.onmessage = (ev) => {
      const d = ev.data
      events.onChannelMessage(ch, typeof d === 'string' ? d : new Uint8Array(d as ArrayBuffer))
    }
    if (dc.readyState === 'open') queueMicrotask(() => events.onChannelOpen(ch))
  }
  pc.onicecandidate = (ev) => {
    if (closed || !ev.candidate || !ev.candidate.candidate) return
    events.onLocalCandidate({ candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex })
  }
  pc.ondatachannel = (ev) => adopt(ev.channel)
  pc.onconnectionstatechange = () => {
    if (!closed) events.onState(pc.connectionState)
  }
  return {
    createOffer: async () => {
      adopt(pc.createDataChannel('data', { ordered: true }))
      adopt(pc.createDataChannel('control', { ordered: true }))
      const offer = await pc.createOffer()
      await pc.setLocalDescription(offer)
      return pc.localDescription?.sdp ?? offer.sdp
    },
    acceptOffer: async (sdp) => {
      await pc.setRemoteDescription({ type: 'offer', sdp })
      const answer = await pc.createAnswer()
      await pc.setLocalDescription(answer)
      return pc.localDescription?.sdp ?? answer.sdp
    },
    acceptAnswer: async (sdp) => {
      await pc.setRemoteDescription({ type: 'answer', sdp })
    },
    addRemoteCandidate: async (c) => {
      if (typeof c === 'string') {
        const cand = c.startsWith('a=') ? c.slice(2) : c
        if (cand !== '') await pc.addIceCandidate({ candidate: cand, sdpMLineIndex: 0 })
      } else if (c && typeof c === 'object') {
        const o = c as W3CCandidate
        if (o.candidate) await pc.addIceCandidate({ candidate: o.candidate.startsWith('a=') ? o.candidate.slice(2) : o.candidate, sdpMid: o.sdpMid, sdpMLineIndex: o.sdpMLineIndex ?? 0 })
      }
    },
    close: () => {
      if (closed) return
      closed = true
      pc.close()
    }
  }
}
