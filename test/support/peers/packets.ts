/**
 * The test players' game packets and what a receiver learns from them. Browser-safe (no Node
 * imports): the Chromium page bundles this file too.
 *
 * A test packet is self-delimiting like an RO packet, so the host's per-tick concatenation keeps
 * its meaning: bytes 0-1 packet type 0x0F7F (LE), 2-3 total length (LE), 4-7 seq (uint32 LE),
 * 8-9 sender index (uint16 LE), 10-17 sentAt (float64 LE, ms on the shared wall clock:
 * performance.timeOrigin + performance.now()), then padding up to the length.
 */

export const TEST_PACKET_TYPE = 0x0f7f
export const PACKET_HEADER_BYTES = 18

/** Wall-clock ms with sub-ms resolution, comparable across processes and the browser. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now()
}

export function encodePacket(seq: number, sender: number, size: number, sentAt = wallNow()): Uint8Array {
  const len = Math.max(PACKET_HEADER_BYTES, Math.min(0xffff, size))
  const buf = new Uint8Array(len)
  const v = new DataView(buf.buffer)
  v.setUint16(0, TEST_PACKET_TYPE, true)
  v.setUint16(2, len, true)
  v.setUint32(4, seq >>> 0, true)
  v.setUint16(8, sender & 0xffff, true)
  v.setFloat64(10, sentAt, true)
  for (let i = PACKET_HEADER_BYTES; i < len; i++) buf[i] = i & 0xff
  return buf
}

/**
 * Latency histogram: 0.1 ms bins below 100 ms, 1 ms bins up to 60 s (the last bin takes the rest).
 * Sparse when serialised, so processes can send theirs and the driver merges them.
 */
export class LatencyHistogram {
  private readonly bins = new Map<number, number>()
  count = 0
  max = 0

  add(ms: number): void {
    const v = ms < 0 ? 0 : ms
    const bin = v < 100 ? Math.floor(v * 10) : Math.min(1000 + Math.floor(v - 100), 1000 + 59_900)
    this.bins.set(bin, (this.bins.get(bin) ?? 0) + 1)
    this.count++
    if (v > this.max) this.max = v
  }

  toJSON(): SerializedHistogram {
    return { count: this.count, max: this.max, bins: Object.fromEntries(this.bins) }
  }

  static merge(list: readonly SerializedHistogram[]): SerializedHistogram {
    const bins: Record<string, number> = {}
    let count = 0
    let max = 0
    for (const h of list) {
      count += h.count
      max = Math.max(max, h.max)
      for (const [k, n] of Object.entries(h.bins)) bins[k] = (bins[k] ?? 0) + n
    }
    return { count, max, bins }
  }

  /** The q-quantile (0..1) in ms (upper edge of its bin); null when empty. */
  static quantile(h: SerializedHistogram, q: number): number | null {
    if (h.count === 0) return null
    const target = Math.max(1, Math.ceil(h.count * q))
    const keys = Object.keys(h.bins)
      .map(Number)
      .sort((a, b) => a - b)
    let seen = 0
    for (const k of keys) {
      seen += h.bins[String(k)] ?? 0
      if (seen >= target) return k < 1000 ? (k + 1) / 10 : k - 1000 + 101
    }
    return h.max
  }
}

export interface SerializedHistogram {
  count: number
  max: number
  bins: Record<string, number>
}

/** What one player received on its data channel. */
export interface ReceiveStats {
  /** Data-channel messages (one may hold several packets: the host batches per tick). */
  messages: number
  /** Test packets received in total. */
  packets: number
  bytes: number
  /** Packets per sender index. */
  bySender: Record<string, number>
  /** Packets whose seq was not above the sender's previous one (duplicate or out of order). */
  outOfOrder: number
  /** Packets that carried this player's own sender index (the host must never echo). */
  echoed: number
  /** Messages that did not split into whole test packets (foreign type, bad length, cut short). */
  malformed: number
  latency: SerializedHistogram
}

export class PacketReceiver {
  private messages = 0
  private packets = 0
  private bytes = 0
  private readonly bySender = new Map<number, number>()
  private readonly lastSeq = new Map<number, number>()
  private outOfOrder = 0
  private echoed = 0
  private malformed = 0
  private readonly latency = new LatencyHistogram()

  constructor(private readonly self: number) {}

  /** Splits one data-channel message into packets and counts them. */
  receive(msg: Uint8Array, now = wallNow()): void {
    this.messages++
    this.bytes += msg.byteLength
    const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength)
    let off = 0
    while (off < msg.byteLength) {
      if (msg.byteLength - off < PACKET_HEADER_BYTES || v.getUint16(off, true) !== TEST_PACKET_TYPE) {
        this.malformed++
        return
      }
      const len = v.getUint16(off + 2, true)
      if (len < PACKET_HEADER_BYTES || off + len > msg.byteLength) {
        this.malformed++
        return
      }
      const seq = v.getUint32(off + 4, true)
      const sender = v.getUint16(off + 8, true)
      const sentAt = v.getFloat64(off + 10, true)
      this.packets++
      if (sender === this.self) this.echoed++
      this.bySender.set(sender, (this.bySender.get(sender) ?? 0) + 1)
      const last = this.lastSeq.get(sender)
      if (last !== undefined && seq <= last) this.outOfOrder++
      else this.lastSeq.set(sender, seq)
      this.latency.add(now - sentAt)
      off += len
    }
  }

  stats(): ReceiveStats {
    return {
      messages: this.messages,
      packets: this.packets,
      bytes: this.bytes,
      bySender: Object.fromEntries([...this.bySender].map(([k, n]) => [String(k), n])),
      outOfOrder: this.outOfOrder,
      echoed: this.echoed,
      malformed: this.malformed,
      latency: this.latency.toJSON()
    }
  }
}
