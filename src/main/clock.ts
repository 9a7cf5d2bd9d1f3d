/**
 * The clock services get from their context: wall time for timestamps and expiries, a monotonic
 * time for durations and deadlines. Tests inject a fake one.
 */
export interface Clock {
  /** Epoch milliseconds (wall time). */
  now(): number
  /** Milliseconds from an arbitrary origin that never goes backwards (durations, deadlines). */
  monotonic(): number
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now()
})
