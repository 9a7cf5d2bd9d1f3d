/**
 * libdatachannel (node-datachannel 0.33) behind the player's RtcAdapter — the stack the WARP game
 * client's DLL is built on. It sends its candidates the way the game client does: bare
 * `a=candidate:…` strings without a mid. `sendMessageBinary` returning false means "queued", never
 * resend. Every channel object is kept referenced for the adapter's life (a garbage-collected
 * channel silently stops delivering).
 */
import nodeDataChannel, { type DataChannel, type PeerConnection } from 'node-datachannel'
import { applicationMid, type RtcAdapter, type RtcChannel, type RtcEvents, type RtcOptions } from './player-core'

class NdcChannel implements RtcChannel {
  /** Read once: any call on a destroyed channel throws (uncaught in a callback, it aborts the process). */
  readonly label: string
  constructor(readonly dc: DataChannel) {
    this.label = dc.getLabel()
  }
  sendBinary(b: Uint8Array): void {
    try {
      this.dc.sendMessageBinary(b)
    } catch (err) {
      if (this.isOpen()) throw err // e.g. over the max message size; a closed channel is no error
    }
  }
  sendText(s: string): void {
    try {
      this.dc.sendMessage(s)
    } catch (err) {
      if (this.isOpen()) throw err
    }
  }
  bufferedAmount(): number {
    try {
      return this.dc.bufferedAmount()
    } catch {
      return 0
    }
  }
  isOpen(): boolean {
    try {
      return this.dc.isOpen()
    } catch {
      return false
    }
  }
}

export function ndcRtc(peerId: string, events: RtcEvents, opts: RtcOptions = {}): RtcAdapter {
  const pc: PeerConnection = new nodeDataChannel.PeerConnection(peerId, {
    iceServers: [],
    ...(opts.maxMessageSize !== undefined ? { maxMessageSize: opts.maxMessageSize } : {})
  })
  const channels: NdcChannel[] = []
  let mid = '0'
  let closed = false
  let waiting: { resolve(sdp: string): void; reject(e: Error): void; type: string } | null = null

  const adopt = (dc: DataChannel): NdcChannel => {
    const ch = new NdcChannel(dc)
    channels.push(ch)
    dc.onOpen(() => events.onChannelOpen(ch))
    dc.onClosed(() => events.onChannelClosed(ch))
    dc.onMessage((msg) => {
      if (typeof msg === 'string') events.onChannelMessage(ch, msg)
      else events.onChannelMessage(ch, msg instanceof ArrayBuffer ? new Uint8Array(msg) : new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength))
    })
    if (dc.isOpen()) queueMicrotask(() => events.onChannelOpen(ch))
    return ch
  }

  pc.onLocalDescription((sdp, type) => {
    if (waiting && type === waiting.type) {
      const w = waiting
      waiting = null
      w.resolve(sdp)
    }
  })
  pc.onLocalCandidate((candidate) => {
    if (!closed) events.onLocalCandidate(candidate.startsWith('a=') ? candidate : `a=${candidate}`)
  })
  pc.onStateChange((s) => {
    if (!closed) events.onState(s)
  })
  pc.onDataChannel((dc) => adopt(dc))

  const describe = (type: string, start: () => void): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      waiting = { resolve, reject, type }
      try {
        start()
      } catch (err) {
        waiting = null
        reject(err instanceof Error ? err : new Error(String(err)))
      }
    })

  return {
    createOffer: () =>
      describe('offer', () => {
        // libdatachannel negotiates by itself: the first channel triggers the offer.
        adopt(pc.createDataChannel('data', { unordered: false }))
        adopt(pc.createDataChannel('control', { unordered: false }))
      }),
    acceptOffer: (sdp) => {
      mid = applicationMid(sdp)
      return describe('answer', () => pc.setRemoteDescription(sdp, 'offer'))
    },
    acceptAnswer: async (sdp) => {
      mid = applicationMid(sdp)
      pc.setRemoteDescription(sdp, 'answer')
    },
    addRemoteCandidate: async (c) => {
      if (typeof c === 'string') {
        pc.addRemoteCandidate(c.startsWith('a=') ? c.slice(2) : c, mid)
      } else if (c && typeof c === 'object' && typeof (c as { candidate?: unknown }).candidate === 'string') {
        const o = c as { candidate: string; sdpMid?: string | null }
        if (o.candidate === '') return
        pc.addRemoteCandidate(o.candidate.startsWith('a=') ? o.candidate.slice(2) : o.candidate, o.sdpMid ?? mid)
      }
    },
    close: () => {
      if (closed) return
      closed = true
      waiting?.reject(new Error('closed'))
      waiting = null
      for (const ch of channels) {
        try {
          ch.dc.close()
        } catch {
          // already closed
        }
      }
      pc.close()
    }
  }
}
