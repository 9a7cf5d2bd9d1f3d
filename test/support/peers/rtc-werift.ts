/**
 * werift (0.25.2, the host's own stack) behind the player's RtcAdapter. Candidates go out as
 * objects {candidate, sdpMid, sdpMLineIndex}; werift refuses a remote candidate without a mid, so
 * a bare string gets the application section's mid. Sends are never awaited (werift queues them).
 */
import { RTCPeerConnection, type RTCDataChannel } from 'werift'
import { applicationMid, type RtcAdapter, type RtcChannel, type RtcEvents } from './player-core'

class WeriftChannel implements RtcChannel {
  constructor(readonly dc: RTCDataChannel) {}
  get label(): string {
    return this.dc.label
  }
  sendBinary(b: Uint8Array): void {
    this.dc.send(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
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

export function weriftRtc(_peerId: string, events: RtcEvents): RtcAdapter {
  const pc = new RTCPeerConnection({ iceServers: [] })
  const channels: WeriftChannel[] = []
  let mid = '0'
  let closed = false

  const adopt = (dc: RTCDataChannel): void => {
    const ch = new WeriftChannel(dc)
    channels.push(ch)
    dc.stateChanged.subscribe((s) => {
      if (closed) return
      if (s === 'open') events.onChannelOpen(ch)
      else if (s === 'closed') events.onChannelClosed(ch)
    })
    dc.onMessage.subscribe((msg) => {
      if (closed) return
      events.onChannelMessage(ch, typeof msg === 'string' ? msg : new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength))
    })
    if (dc.readyState === 'open') queueMicrotask(() => events.onChannelOpen(ch))
  }

  pc.onIceCandidate.subscribe((c) => {
    if (closed || !c?.candidate) return
    events.onLocalCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? mid, sdpMLineIndex: c.sdpMLineIndex ?? 0 })
  })
  pc.onDataChannel.subscribe((dc) => adopt(dc))
  pc.connectionStateChange.subscribe((s) => {
    if (!closed) events.onState(s)
  })

  return {
    createOffer: async () => {
      adopt(pc.createDataChannel('data', { ordered: true }))
      adopt(pc.createDataChannel('control', { ordered: true }))
      const offer = await pc.createOffer()
      await pc.setLocalDescription(offer)
      const sdp = pc.localDescription?.sdp ?? offer.sdp
      mid = applicationMid(sdp)
      return sdp
    },
    acceptOffer: async (sdp) => {
      mid = applicationMid(sdp)
      await pc.setRemoteDescription({ type: 'offer', sdp })
      const answer = await pc.createAnswer()
      await pc.setLocalDescription(answer)
      return pc.localDescription?.sdp ?? answer.sdp
    },
    acceptAnswer: async (sdp) => {
      await pc.setRemoteDescription({ type: 'answer', sdp })
    },
    addRemoteCandidate: async (c) => {
      let cand: string
      let sdpMid = mid
      let index = 0
      if (typeof c === 'string') cand = c
      else if (c && typeof c === 'object' && typeof (c as { candidate?: unknown }).candidate === 'string') {
        const o = c as { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }
        cand = o.candidate
        sdpMid = o.sdpMid ?? mid
        index = o.sdpMLineIndex ?? 0
      } else return
      cand = cand.startsWith('a=') ? cand.slice(2) : cand
      if (cand === '') return
      await pc.addIceCandidate({ candidate: cand, sdpMid, sdpMLineIndex: index })
    },
    close: () => {
      if (closed) return
      closed = true
      void pc.close().catch(() => undefined)
    }
  }
}
