/**
 * The SCTP drained signal (src/main/hosting/sctp-drain.ts): it finds werift's SCTP association on a
 * real RTCPeerConnection (a werift upgrade that moves it fails here), sends still complete and
 * arrive in order through it, and waiting sends wake once per drain instead of once per transmit.
 */
import { describe, expect, it } from 'vitest'
import { RTCPeerConnection, type RTCDataChannel } from 'werift'
import { shareSctpDrain } from '../../../src/main/hosting/sctp-drain'

interface Flushish {
  asPromise(): Promise<unknown>
  execute(): void
}
const sctpOf = (pc: RTCPeerConnection): { flush: Flushish; outboundQueue: unknown[] } =>
  (pc as unknown as { sctpTransport: { sctp: { flush: Flushish; outboundQueue: unknown[] } } }).sctpTransport.sctp

function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  return new Promise((resolve, reject) => {
    const look = (): void => {
      if (cond()) resolve()
      else if (Date.now() > end) reject(new Error(`timed out waiting for ${what}`))
      else setTimeout(look, 5)
    }
    look()
  })
}

/** Two werift connections on loopback with the sender's `data` channel open. */
async function connectedPair(): Promise<{ a: RTCPeerConnection; b: RTCPeerConnection; send: RTCDataChannel; got: Buffer[] }> {
  const a = new RTCPeerConnection({ iceServers: [] })
  const b = new RTCPeerConnection({ iceServers: [] })
  a.onIceCandidate.subscribe((c) => c?.candidate && void b.addIceCandidate(c))
  b.onIceCandidate.subscribe((c) => c?.candidate && void a.addIceCandidate(c))
  const send = a.createDataChannel('data', { ordered: true })
  const got: Buffer[] = []
  b.onDataChannel.subscribe((dc) => dc.onMessage.subscribe((m) => got.push(Buffer.isBuffer(m) ? m : Buffer.from(m))))
  await a.setLocalDescription(await a.createOffer())
  expect(shareSctpDrain(a)).toBe(true)
  await b.setRemoteDescription(a.localDescription!)
  await b.setLocalDescription(await b.createAnswer())
  await a.setRemoteDescription(b.localDescription!)
  expect(shareSctpDrain(a)).toBe(true)
  await until(() => send.readyState === 'open', 'the channel to open')
  return { a, b, send, got }
}

describe('SCTP drained signal (werift wakes every waiting send on every transmit)', () => {
  it('is installed on a real connection once; 3,000 unawaited sends arrive in order, each waiter woken once, and the buffer empties', async () => {
    const { a, b, send, got } = await connectedPair()
    const sctp = sctpOf(a)
    const installed = sctp.flush
    expect(shareSctpDrain(a)).toBe(true)
    expect(sctpOf(a).flush).toBe(installed) // not wrapped twice

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
    await until(() => got.length === N, `${N} messages`)
    expect(got.map((m) => m.readUInt32BE(0))).toEqual(Array.from({ length: N }, (_, i) => i))
    // The sends resolved (werift lowers bufferedAmount only when a send's promise settles).
    await until(() => send.bufferedAmount === 0, 'the send buffer to empty')
    // werift's own event woke every waiting send on every transmit (thousands of times more).
    expect(waits).toBeLessThanOrEqual(N)
    await Promise.all([a.close(), b.close()])
  })

  it('one shared promise, settled only when a transmit leaves the queue empty', async () => {
    const sctp = { flush: { asPromise: () => Promise.resolve([]), execute: () => undefined }, outboundQueue: [1, 2] as unknown[] }
    expect(shareSctpDrain({ sctpTransport: { sctp } })).toBe(true)
    const flush = sctp.flush as Flushish
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

  it('leaves an unknown shape alone', () => {
    expect(shareSctpDrain(null)).toBe(false)
    expect(shareSctpDrain({})).toBe(false)
    expect(shareSctpDrain({ sctpTransport: { sctp: { flush: {}, outboundQueue: [] } } })).toBe(false)
    expect(shareSctpDrain({ sctpTransport: { sctp: { flush: { asPromise() {}, execute() {} }, outboundQueue: 'x' } } })).toBe(false)
    expect(shareSctpDrain(new RTCPeerConnection({ iceServers: [] }))).toBe(false) // no data section yet
  })
})
