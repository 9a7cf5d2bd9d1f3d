/**
 * The werift SCTP fixes (src/main/hosting/werift-sctp.ts): they find werift's SCTP association on a
 * real RTCPeerConnection (a werift upgrade that moves it fails here); sends still complete and
 * arrive in order; waiting sends wake once per drain instead of once per transmit; the meter says
 * what is really waiting to go out.
 */
import { describe, expect, it } from 'vitest'
import { RTCPeerConnection, type RTCDataChannel } from 'werift'
import { fixSctp, type SctpMeter } from '../../../src/main/hosting/werift-sctp'
import { until } from '../../integration/hosting-core/support'

interface Flushish {
  asPromise(): Promise<unknown>
  execute(): void
}
const sctpOf = (pc: RTCPeerConnection): { flush: Flushish; outboundQueue: unknown[] } =>
  (pc as unknown as { sctpTransport: { sctp: { flush: Flushish; outboundQueue: unknown[] } } }).sctpTransport.sctp

/** werift's SCTP association as far as the fixes read it, with no-op send/flush. */
function fakeSctp(outboundQueue: unknown[] = []): { flush: Flushish; outboundQueue: unknown[]; send: () => Promise<void>; sendChunk: () => Promise<void> } {
  return { flush: { asPromise: () => Promise.resolve([]), execute: () => undefined }, outboundQueue, send: () => Promise.resolve(), sendChunk: () => Promise.resolve() }
}

/** Two werift connections on loopback with the sender's `data` channel open. */
async function connectedPair(): Promise<{ a: RTCPeerConnection; b: RTCPeerConnection; send: RTCDataChannel; got: Buffer[]; meter: SctpMeter }> {
  const a = new RTCPeerConnection({ iceServers: [] })
  const b = new RTCPeerConnection({ iceServers: [] })
  a.onIceCandidate.subscribe((c) => c?.candidate && void b.addIceCandidate(c))
  b.onIceCandidate.subscribe((c) => c?.candidate && void a.addIceCandidate(c))
  const send = a.createDataChannel('data', { ordered: true })
  const got: Buffer[] = []
  b.onDataChannel.subscribe((dc) => dc.onMessage.subscribe((m) => got.push(Buffer.isBuffer(m) ? m : Buffer.from(m))))
  await a.setLocalDescription(await a.createOffer())
  const first = fixSctp(a)
  expect(first).not.toBeNull()
  await b.setRemoteDescription(a.localDescription!)
  await b.setLocalDescription(await b.createAnswer())
  await a.setRemoteDescription(b.localDescription!)
  const meter = fixSctp(a)! // the same association: the same meter
  expect(meter).toBe(first)
  await until('the channel to open', () => send.readyState === 'open', 10_000)
  return { a, b, send, got, meter }
}

describe('werift SCTP fixes (every waiting send woken on every transmit; bufferedAmount)', () => {
  it('are installed on a real connection once; 3,000 unawaited sends arrive in order, each waiter woken once; the meter counts down to 0', async () => {
    const { a, b, send, got, meter } = await connectedPair()
    const sctp = sctpOf(a)
    const installed = sctp.flush
    expect(fixSctp(a)).toBe(meter)
    expect(sctpOf(a).flush).toBe(installed) // not wrapped twice
    expect(meter.waiting).toBe(0)

    let waits = 0
    const asPromise = installed.asPromise.bind(installed)
    installed.asPromise = () => {
      waits++
      return asPromise()
    }
    const N = 3000
    for (let i = 0; i < N; i++) {
      const m = Buffer.alloc(100)
      m.writeUInt32BE(i, 0)
      send.send(m)
    }
    // Given to the association and (nearly) none of it transmitted yet.
    expect(meter.waiting).toBeGreaterThan(N * 100 - 2_000)
    expect(meter.waiting).toBeLessThanOrEqual(N * 100)
    await until(`${N} messages`, () => got.length === N, 10_000)
    expect(got.map((m) => m.readUInt32BE(0))).toEqual(Array.from({ length: N }, (_, i) => i))
    // The sends resolved (werift lowers bufferedAmount only when a send's promise settles).
    await until('the send buffer to empty', () => send.bufferedAmount === 0, 10_000)
    expect(meter.waiting).toBe(0)
    // werift's own event woke every waiting send on every transmit (thousands of times more).
    expect(waits).toBeLessThanOrEqual(N)
    await Promise.all([a.close(), b.close()])
  })

  it('the drained signal: one shared promise, settled only when a transmit leaves the queue empty', async () => {
    const sctp = fakeSctp([1, 2])
    expect(fixSctp({ sctpTransport: { sctp } })).not.toBeNull()
    const flush = sctp.flush
    const p1 = flush.asPromise()
    expect(flush.asPromise()).toBe(p1)
    let settled = false
    void p1.then(() => (settled = true))
    flush.execute() // queue not empty
    await new Promise((r) => setImmediate(r))
    expect(settled).toBe(false)
    sctp.outboundQueue.length = 0
    flush.execute()
    await new Promise((r) => setImmediate(r))
    expect(settled).toBe(true)
    expect(flush.asPromise()).not.toBe(p1) // the next backlog waits on a new one
  })

  it('the meter: user data given, minus DATA chunks transmitted the first time (retransmissions and other chunks do not count)', async () => {
    const sctp = fakeSctp()
    const meter = fixSctp({ sctpTransport: { sctp } })!
    const s = sctp as unknown as { send(id: number, pp: number, d: Buffer): Promise<void>; sendChunk(c: unknown): Promise<void> }
    await s.send(1, 53, Buffer.alloc(3000))
    expect(meter.waiting).toBe(3000)
    await s.sendChunk({ type: 0, sentCount: 1, userData: Buffer.alloc(1000) })
    await s.sendChunk({ type: 0, sentCount: 2, userData: Buffer.alloc(1000) }) // a retransmission
    await s.sendChunk({ type: 3, sentCount: 1, userData: Buffer.alloc(1000) }) // not DATA (a SACK)
    expect(meter.waiting).toBe(2000)
  })

  it('leaves an unknown shape alone', () => {
    const fns = { send() {}, sendChunk() {} }
    expect(fixSctp(null)).toBeNull()
    expect(fixSctp({})).toBeNull()
    expect(fixSctp({ sctpTransport: { sctp: { flush: {}, outboundQueue: [], ...fns } } })).toBeNull()
    expect(fixSctp({ sctpTransport: { sctp: { flush: { asPromise() {}, execute() {} }, outboundQueue: 'x', ...fns } } })).toBeNull()
    expect(fixSctp({ sctpTransport: { sctp: { flush: { asPromise() {}, execute() {} }, outboundQueue: [] } } })).toBeNull()
    expect(fixSctp(new RTCPeerConnection({ iceServers: [] }))).toBeNull() // no data section yet
  })
})
