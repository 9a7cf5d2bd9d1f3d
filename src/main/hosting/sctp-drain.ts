/**
 * werift 0.25.2's small-message stall under a backlog (spec-peer-hosting.md, "measured facts").
 *
 * Every `sctp.send()` ends with `while (outboundQueue.length) await flush.asPromise()`, and the
 * SCTP association fires `flush` after every transmit (each SACK it receives causes one). So with
 * k sends outstanding, each SACK wakes all k of them, each finds the queue still non-empty and
 * subscribes again: O(k) work per SACK, O(k²) per backlog, and the backlog grows exactly when the
 * host is busiest (many players, a slow peer).
 *
 * This swaps the association's `flush` event (used only by those two lines) for a "drained"
 * signal: one shared promise, settled when a transmit leaves the outbound queue empty. A send
 * resolves at the same moment as before (the queue is empty), but the waiters wake once per drain
 * instead of once per SACK. Nothing else changes: not what is sent, not when.
 *
 * It reads werift's internals (`RTCPeerConnection.sctpTransport.sctp.{flush,outboundQueue}`),
 * which is why the werift version is pinned exactly; an unexpected shape leaves werift as it is
 * (the function returns false and a unit test catches it).
 */

interface SctpLike {
  flush: unknown
  outboundQueue: unknown[]
}

function asSctp(pc: unknown): SctpLike | null {
  const sctp = (pc as { sctpTransport?: { sctp?: unknown } } | null)?.sctpTransport?.sctp
  if (typeof sctp !== 'object' || sctp === null) return null
  const s = sctp as Partial<SctpLike>
  const flush = s.flush as { asPromise?: unknown; execute?: unknown } | undefined
  return Array.isArray(s.outboundQueue) && typeof flush?.asPromise === 'function' && typeof flush.execute === 'function' ? (s as SctpLike) : null
}

const DRAIN = Symbol('warp.sctpDrain')

/**
 * WARP_WERIFT_DRAIN_FIX=off runs werift's own flush event, to measure the difference
 * (`BENCH_HOST_ENV='{"WARP_WERIFT_DRAIN_FIX":"off"}' npm run bench:hosting`).
 */
const DRAIN_FIX = process.env.WARP_WERIFT_DRAIN_FIX !== 'off'

/** A drained signal in place of werift's flush event. */
class Drained {
  readonly [DRAIN] = true
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

  /** Sends still waiting for the queue to drain share this one promise (for tests). */
  get waiting(): boolean {
    return this.pending !== null
  }
}

/**
 * Installs the drained signal on the connection's SCTP association, if it has one now (call it
 * after each description: werift may make a new association when the remote one is set). True
 * when installed (or already there).
 */
export function shareSctpDrain(pc: unknown): boolean {
  if (!DRAIN_FIX) return false
  const sctp = asSctp(pc)
  if (!sctp) return false
  if ((sctp.flush as Record<symbol, unknown>)[DRAIN] !== true) sctp.flush = new Drained(sctp)
  return true
}
