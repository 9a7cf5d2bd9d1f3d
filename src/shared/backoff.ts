/**
 * Exponential backoff with jitter and a cap — the one implementation every retry loop uses: the
 * HTTP client, the poller's retries and reconnects, service restarts, the dashboard's bridge
 * reconnect and live resources. Pure (no Node, no DOM): main and renderer share it.
 */

export interface BackoffOptions {
  baseMs: number
  maxMs: number
  /** Ratio in [0, 1]: the delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number
}

/** Delay before retry number `retry` (0 = the first retry): base·2^retry, capped, jittered, capped again. */
export function backoffDelay(retry: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(Math.max(0, retry), 30))
  const jitter = Math.min(1, Math.max(0, opts.jitter))
  const factor = 1 + jitter * (2 * random() - 1)
  return Math.max(0, Math.min(opts.maxMs, Math.round(exp * factor)))
}
