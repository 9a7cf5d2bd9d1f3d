/**
 * werift 0.25.2 loses the peer's first DTLS flight when the peer is the DTLS client.
 *
 * werift starts its DTLS transport only once its own ICE agent says "connected"; records the ICE
 * layer hands up before that have no listener and are dropped. When the host offers (the usual
 * case: it offers on `peer-joined`), the player answers `a=setup:active` and is the DTLS client.
 * Its ICE agent (libdatachannel's libjuice, a browser's) often sees the pair succeed a few
 * milliseconds before werift does and sends its ClientHello at once — into the void. The client
 * resends it only after its retransmission timer: 1 s for libdatachannel (OpenSSL's initial DTLS
 * timeout), so every host-offered join took a second longer than it needed (measured at N=50:
 * ICE connected ~100 ms, DTLS connected ~1,080 ms; the peer-offered direction ~250 ms).
 *
 * This holds the DTLS records that arrive before werift's DTLS transport has started and hands
 * them to it as soon as it has (the `connecting` state: its socket listens from then on). The
 * records are untouched and go in the same order; DTLS drops what it cannot use, so a record
 * handed over twice (the peer also retransmitted) is harmless. Anything else (STUN, media) is not
 * held, and at most MAX_HELD records are — a flood before the handshake costs nothing.
 *
 * It reads werift's internals (RTCPeerConnection.dtlsTransports, RTCDtlsTransport.onStateChange /
 * iceTransport.connection.onData), which is why the werift version is pinned exactly; if a future
 * version changes them, `holdEarlyDtls` finds nothing to attach to and returns false (a unit test
 * catches that), and joins only lose the second again.
 */

/** The few werift shapes this needs (checked at run time, not trusted). */
interface EventLike<T> {
  subscribe(fn: (v: T) => void): { unSubscribe(): void }
  execute(v: T): void
}

interface DtlsTransportLike {
  state: string
  onStateChange: EventLike<string>
  iceTransport: { connection: { onData: EventLike<Buffer> } }
}

const MAX_HELD = 16

function isEvent(v: unknown): v is EventLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as EventLike<unknown>).subscribe === 'function' && typeof (v as EventLike<unknown>).execute === 'function'
}

function asDtlsTransport(v: unknown): DtlsTransportLike | null {
  if (typeof v !== 'object' || v === null) return null
  const t = v as Partial<DtlsTransportLike>
  const onData = t.iceTransport?.connection?.onData
  return typeof t.state === 'string' && isEvent(t.onStateChange) && isEvent(onData) ? (t as DtlsTransportLike) : null
}

/** A DTLS record (RFC 7983 demultiplexing: first byte 20–63). */
export function isDtlsRecord(buf: Buffer): boolean {
  const b = buf[0]
  return b !== undefined && b > 19 && b < 64
}

export interface EarlyDtlsHold {
  /** Records handed to the DTLS transport after it started (for the debug trace and tests). */
  readonly replayed: number
  dispose(): void
}

/**
 * Attaches to every DTLS transport the connection has now (call it after the description that
 * creates them: our offer, or the peer's). Null when werift's shape is not the expected one.
 */
export function holdEarlyDtls(pc: unknown, seen: WeakSet<object> = new WeakSet()): EarlyDtlsHold | null {
  const list = (pc as { dtlsTransports?: unknown }).dtlsTransports
  if (!Array.isArray(list)) return null
  const transports = list.map(asDtlsTransport)
  if (transports.length === 0 || transports.some((t) => t === null)) return null
  const subs: { unSubscribe(): void }[] = []
  let replayed = 0
  for (const t of transports as DtlsTransportLike[]) {
    if (seen.has(t) || t.state !== 'new') continue
    seen.add(t)
    let held: Buffer[] | null = []
    const onData = t.iceTransport.connection.onData
    subs.push(
      onData.subscribe((buf) => {
        if (held !== null && t.state === 'new' && held.length < MAX_HELD && isDtlsRecord(buf)) held.push(buf)
      }),
      t.onStateChange.subscribe((state) => {
        if (held === null || state === 'new') return
        const records = held
        held = null
        if (state !== 'connecting' || records.length === 0) return
        // `connecting` is announced just before werift builds the DTLS socket (synchronously, in
        // the same call): hand the records over once that call has returned.
        queueMicrotask(() => {
          for (const r of records) onData.execute(r)
          replayed += records.length
        })
      })
    )
  }
  return {
    get replayed() {
      return replayed
    },
    dispose() {
      for (const s of subs.splice(0)) s.unSubscribe()
    }
  }
}
