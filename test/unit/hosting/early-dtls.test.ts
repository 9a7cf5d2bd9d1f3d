/**
 * The early-DTLS hold (src/main/hosting/early-dtls.ts): it finds werift's DTLS transports on a real
 * RTCPeerConnection (a werift upgrade that moves them fails here, not silently in the field), holds
 * only DTLS records and only before the transport starts, and hands them over once it has.
 */
import { describe, expect, it } from 'vitest'
import { RTCPeerConnection } from 'werift'
import { holdEarlyDtls, isDtlsRecord } from '../../../src/main/hosting/early-dtls'

/** The subscribe/execute event shape werift uses (rx.mini's Event). */
class TestEvent<T> {
  private fns = new Set<(v: T) => void>()
  subscribe(fn: (v: T) => void): { unSubscribe(): void } {
    this.fns.add(fn)
    return { unSubscribe: () => this.fns.delete(fn) }
  }
  execute(v: T): void {
    for (const fn of [...this.fns]) fn(v)
  }
  get size(): number {
    return this.fns.size
  }
}

function fakeConnection() {
  const onData = new TestEvent<Buffer>()
  const transport = { state: 'new', onStateChange: new TestEvent<string>(), iceTransport: { connection: { onData } } }
  const delivered: Buffer[] = []
  /** What werift's DTLS socket does on `connecting`: listens from then on. */
  const start = (): void => {
    transport.state = 'connecting'
    transport.onStateChange.execute('connecting')
    onData.subscribe((b) => {
      if (isDtlsRecord(b)) delivered.push(b)
    })
  }
  return { pc: { dtlsTransports: [transport] }, onData, transport, delivered, start }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r))
const clientHello = Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
const stun = Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42])

describe('early DTLS records (werift drops what arrives before its DTLS transport starts)', () => {
  it('attaches to the DTLS transport of a real werift connection, after the offer and after an answer', async () => {
    const host = new RTCPeerConnection({ iceServers: [] })
    host.createDataChannel('data')
    await host.setLocalDescription(await host.createOffer())
    const hold = holdEarlyDtls(host)
    expect(hold).not.toBeNull()
    expect(hold!.replayed).toBe(0)

    const answerer = new RTCPeerConnection({ iceServers: [] })
    await answerer.setRemoteDescription(host.localDescription!)
    expect(holdEarlyDtls(answerer)).not.toBeNull()
    hold!.dispose()
    await Promise.all([host.close(), answerer.close()])
  })

  it('holds DTLS records (not STUN) until the transport starts, then hands them over in order', async () => {
    const c = fakeConnection()
    const hold = holdEarlyDtls(c.pc)!
    const second = Buffer.from(clientHello)
    second[13] = 2
    c.onData.execute(clientHello)
    c.onData.execute(stun)
    c.onData.execute(second)
    c.start()
    await flush()
    expect(c.delivered).toEqual([clientHello, second])
    expect(hold.replayed).toBe(2)
    // Later records are werift's own business: nothing is held or handed over twice.
    c.onData.execute(clientHello)
    await flush()
    expect(c.delivered).toHaveLength(3)
    expect(hold.replayed).toBe(2)
  })

  it('holds at most 16 records; nothing once disposed; a transport seen before is not attached again', async () => {
    const c = fakeConnection()
    const seen = new WeakSet<object>()
    const hold = holdEarlyDtls(c.pc, seen)!
    expect(holdEarlyDtls(c.pc, seen)!.replayed).toBe(0)
    const subscribers = c.onData.size
    for (let i = 0; i < 40; i++) c.onData.execute(clientHello)
    c.start()
    await flush()
    expect(hold.replayed).toBe(16)
    hold.dispose()
    expect(c.onData.size).toBe(subscribers) // ours gone, werift's socket (added by start) stays

    const d = fakeConnection()
    holdEarlyDtls(d.pc)!.dispose()
    d.onData.execute(clientHello)
    d.start()
    await flush()
    expect(d.delivered).toHaveLength(0)
  })

  it('a transport that fails instead of starting drops what it held; an unknown shape is refused', async () => {
    const c = fakeConnection()
    const hold = holdEarlyDtls(c.pc)!
    c.onData.execute(clientHello)
    c.transport.onStateChange.execute('failed')
    await flush()
    expect(hold.replayed).toBe(0)
    expect(holdEarlyDtls({})).toBeNull()
    expect(holdEarlyDtls({ dtlsTransports: [{ state: 'new' }] })).toBeNull()
    expect(holdEarlyDtls({ dtlsTransports: [] })).toBeNull()
  })
})
