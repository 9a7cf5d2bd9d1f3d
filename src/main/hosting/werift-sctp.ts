/**
 * Two things werift 0.25.2's SCTP association gets wrong under load, fixed from outside.
 *
 * 1. The small-message stall (spec-peer-hosting.md, "measured facts"). Every `sctp.send()` ends
 *    with `while (outboundQueue.length) await flush.asPromise()`, and the association fires
 *    `flush` after every transmit (each SACK it receives causes one). With k sends outstanding,
 *    each SACK wakes all k, each finds the queue still non-empty and subscribes again: O(k) per
 *    SACK, O(k²) per backlog, and the backlog grows exactly when the host is busiest. The `flush`
 *    event (used only by those two lines) is swapped for a "drained" signal: one shared promise,
 *    settled when a transmit leaves the outbound queue empty. A send resolves at the same moment
 *    as before, but the waiters wake once per drain instead of once per SACK. Nothing else
 *    changes: not what is sent, not when. (A burst of 3,000 unawaited 100 B sends: ~1.3 s with
 *    it, not within 60 s without.)
 *
 * 2. `bufferedAmount` says little while a backlog lasts. werift lowers a channel's bufferedAmount
 *    when its `send()` resolves, which is when the whole outbound queue is empty (above), so under
 *    a steady load it only grows — and the relay would take a busy player for a stuck one. The
 *    meter counts what the association was given (`send`) and what it has transmitted once
 *    (`sendChunk` of a DATA chunk, first time): the difference is what really waits to go out.
 *
 * It reads werift's internals (`RTCPeerConnection.sctpTransport.sctp.{send,sendChunk,flush,
 * outboundQueue}`), which is why the werift version is pinned exactly; an unexpected shape leaves
 * werift as it is (null, and a unit test catches it).
 */

interface SctpLike {
  flush: unknown
  outboundQueue: unknown[]
  send: (streamId: number, ppId: number, userData: Buffer, ...rest: unknown[]) => Promise<void>
  sendChunk: (chunk: unknown) => Promise<void>
}

function asSctp(pc: unknown): SctpLike | null {
  const sctp = (pc as { sctpTransport?: { sctp?: unknown } } | null)?.sctpTransport?.sctp
  if (typeof sctp !== 'object' || sctp === null) return null
  const s = sctp as Partial<SctpLike>
  const flush = s.flush as { asPromise?: unknown; execute?: unknown } | undefined
  const ok = Array.isArray(s.outboundQueue) && typeof s.send === 'function' && typeof s.sendChunk === 'function' && typeof flush?.asPromise === 'function' && typeof flush.execute === 'function'
  return ok ? (s as SctpLike) : null
}

/** WARP_WERIFT_SCTP_FIX=off leaves werift as it is, to measure the difference (`BENCH_HOST_ENV='{"WARP_WERIFT_SCTP_FIX":"off"}' npm run bench:hosting`). */
const SCTP_FIX = process.env.WARP_WERIFT_SCTP_FIX !== 'off'

/** A drained signal in place of werift's flush event. */
class Drained {
  private pending: { promise: Promise<unknown[]>; resolve: (v: unknown[]) => void } | null = null

  constructor(private readonly sctp: SctpLike) {}

  /** What `send()` awaits while the outbound queue is not empty. */
  asPromise(): Promise<unknown[]> {
    if (!this.pending) {
      let resolve!: (v: unknown[]) => void
      const promise = new Promise<unknown[]>((r) => (resolve = r))
      this.pending = { promise, resolve }
    }
    return this.pending.promise
  }

  /** Called by werift after every transmit. */
  execute(): void {
    if (this.pending === null || this.sctp.outboundQueue.length > 0) return
    const { resolve } = this.pending
    this.pending = null
    resolve([])
  }
}

/** What one association has waiting to be transmitted (bytes of user data). */
export interface SctpMeter {
  readonly waiting: number
}

class Meter implements SctpMeter {
  given = 0
  transmitted = 0
  get waiting(): number {
    return this.given - this.transmitted
  }
}

/** The DATA chunk fields the meter reads (checked, not trusted). */
function firstDataBytes(chunk: unknown): number {
  const c = chunk as { type?: unknown; sentCount?: unknown; userData?: unknown } | null
  if (c === null || typeof c !== 'object' || c.type !== 0 || c.sentCount !== 1 || !Buffer.isBuffer(c.userData)) return 0
  return c.userData.length
}

const meters = new WeakMap<object, Meter>()

/**
 * Applies both fixes to the connection's SCTP association, if it has one now (call it after each
 * description: werift may make a new association when the remote one is set). Returns the
 * association's meter (the same one when already applied), or null.
 */
export function fixSctp(pc: unknown): SctpMeter | null {
  if (!SCTP_FIX) return null
  const sctp = asSctp(pc)
  if (!sctp) return null
  const known = meters.get(sctp)
  if (known) return known
  const meter = new Meter()
  meters.set(sctp, meter)
  sctp.flush = new Drained(sctp)
  const send = sctp.send
  sctp.send = (streamId, ppId, userData, ...rest) => {
    meter.given += userData.length
    return send(streamId, ppId, userData, ...rest)
  }
  const sendChunk = sctp.sendChunk.bind(sctp)
  sctp.sendChunk = (chunk) => {
    meter.transmitted += firstDataBytes(chunk)
    return sendChunk(chunk)
  }
  return meter
}
