/**
 * The live-resource helper every page store builds on: one piece of server data kept current.
 *
 * - Snapshot: `load(client)` (a contract call) when first activated, on `refetch()`, and again
 *   each time the connection comes back.
 * - Change hints: `subscribe` wires events while the resource is active — an event that carries
 *   the value itself is `push`ed (applied at most every `throttleMs`, the newest wins), an event
 *   that only says "changed" calls `invalidate()` (a load at most every `throttleMs`; a hint during
 *   a load runs one more load after it). Events are listened to only while someone uses the
 *   resource, so a bridge client subscribes to what the open page needs.
 * - Stale answers dropped: every load (and every pushed value) supersedes the loads before it; an
 *   answer to an older load is ignored.
 * - Retry while unavailable: a failed load that `shouldRetry` (default: code `unavailable`) is
 *   tried again with the shared backoff (src/shared/backoff.ts) while active and connected.
 * - Paused while disconnected: no loads, no retries; the reconnect loads.
 * - `staleAfterMs`: no value for that long while active → load (a push stream that went quiet).
 *
 * Activation is counted: the Overview and the Requests page may both use the stats resource.
 * No module state: each resource is an instance, owned by its store.
 */
import { backoffDelay, type BackoffOptions } from '../../../shared/backoff'
import { ContractCallError } from '../../../shared/contract'
import type { LiveClient } from '../api/live-client'

/** What a resource needs from the client: calls, events and the connection state. */
export type ResourceClient = Pick<LiveClient, 'call' | 'on' | 'getConnection' | 'onConnection'>

export interface ResourceControl<T> {
  /** An event carried the value itself. */
  push(value: T): void
  /** An event said the value changed: load again (throttled). */
  invalidate(): void
}

export interface LiveResourceOptions<T> {
  /** Fetches the snapshot. */
  load(client: ResourceClient): Promise<T>
  /** A loaded or pushed value to show. */
  onValue(value: T, source: 'load' | 'push'): void
  /** A load failed; `retryAt` is when it is tried again (epoch ms), null when it is not. */
  onError(err: unknown, retryAt: number | null): void
  /** Wires the events while active; returns the unsubscribe functions. */
  subscribe?(client: ResourceClient, control: ResourceControl<T>): (() => void)[]
  /** Minimum ms between pushed values applied, and between loads started by invalidate(). */
  throttleMs?: number
  /** While this says true, hints wait (invalidate() does nothing; the store counts what is new instead). */
  hintsPaused?(): boolean
  /** No value for this long while active and connected → load. */
  staleAfterMs?: number
  /** Retry delays (default 1 s doubling to 15 s, ±20 %). */
  retry?: BackoffOptions
  shouldRetry?(err: unknown): boolean
  /** For tests: the jitter's random source. */
  random?: () => number
}

export interface LiveResource<T> {
  /** Starts using the resource (loads unless `load: false` or already active); returns the release. */
  activate(client: ResourceClient, opts?: { load?: boolean }): () => void
  /** Loads now; answers to earlier loads are dropped. Resolves when this load settled. */
  refetch(): Promise<void>
  invalidate(): void
  push(value: T): void
  readonly active: boolean
  readonly loading: boolean
  /** Cancels timers and drops in-flight answers (tests, sign-out). Listeners stay if active. */
  reset(): void
}

export const DEFAULT_RETRY: BackoffOptions = { baseMs: 1000, maxMs: 15_000, jitter: 0.2 }

export function isUnavailable(err: unknown): boolean {
  return err instanceof ContractCallError && err.code === 'unavailable'
}

type Timer = ReturnType<typeof setTimeout>

export function createLiveResource<T>(opts: LiveResourceOptions<T>): LiveResource<T> {
  const throttleMs = opts.throttleMs ?? 0
  const retryOpts = opts.retry ?? DEFAULT_RETRY
  const shouldRetry = opts.shouldRetry ?? isUnavailable

  let client: ResourceClient | null = null
  let users = 0
  let teardown: (() => void)[] = []
  /** Increments on every load and push; a load's answer is applied only while it is the latest. */
  let seq = 0
  let inFlight = 0
  let dirty = false
  let lastLoadStarted = Number.NEGATIVE_INFINITY
  let lastApplied = Number.NEGATIVE_INFINITY
  let attempt = 0
  let pending: { value: T } | null = null
  let wasOpen = false
  const timers: { load: Timer | null; push: Timer | null; retry: Timer | null; stale: Timer | null } = { load: null, push: null, retry: null, stale: null }

  const clear = (k: keyof typeof timers): void => {
    const t = timers[k]
    if (t !== null) clearTimeout(t)
    timers[k] = null
  }
  const clearAll = (): void => (Object.keys(timers) as (keyof typeof timers)[]).forEach(clear)
  const connected = (): boolean => client !== null && client.getConnection().state === 'open'

  const armStale = (): void => {
    clear('stale')
    if (opts.staleAfterMs === undefined || users === 0) return
    timers.stale = setTimeout(() => {
      timers.stale = null
      if (timers.retry === null && timers.push === null && inFlight === 0) void load()
      else armStale()
    }, opts.staleAfterMs)
  }

  const apply = (value: T, source: 'load' | 'push'): void => {
    lastApplied = Date.now()
    attempt = 0
    clear('retry')
    armStale()
    opts.onValue(value, source)
  }

  const load = async (): Promise<void> => {
    clear('load')
    const c = client
    if (!c || !connected()) return // the reconnect loads
    const mine = ++seq
    inFlight++
    dirty = false
    lastLoadStarted = Date.now()
    armStale()
    try {
      const value = await opts.load(c)
      if (mine === seq) apply(value, 'load')
    } catch (err) {
      if (mine !== seq) return
      let retryAt: number | null = null
      if (users > 0 && connected() && shouldRetry(err)) {
        const delay = backoffDelay(attempt++, retryOpts, opts.random)
        retryAt = Date.now() + delay
        clear('retry')
        clear('stale')
        timers.retry = setTimeout(() => {
          timers.retry = null
          void load()
        }, delay)
      }
      opts.onError(err, retryAt)
    } finally {
      inFlight--
      if (dirty && inFlight === 0) invalidate()
    }
  }

  const invalidate = (): void => {
    if (users === 0 || !connected() || opts.hintsPaused?.()) return
    if (inFlight > 0) {
      dirty = true
      return
    }
    if (timers.load !== null) return
    const wait = Math.max(0, lastLoadStarted + throttleMs - Date.now())
    timers.load = setTimeout(() => {
      timers.load = null
      if (!opts.hintsPaused?.()) void load()
    }, wait)
  }

  const flushPush = (): void => {
    timers.push = null
    const p = pending
    pending = null
    if (p) apply(p.value, 'push')
  }

  const push = (value: T): void => {
    seq++ // newer than any answer still on its way
    pending = { value }
    if (timers.push !== null) return
    const wait = lastApplied + throttleMs - Date.now()
    if (wait <= 0) flushPush()
    else timers.push = setTimeout(flushPush, wait)
  }

  const onConnection = (): void => {
    const open = connected()
    if (open && !wasOpen) void load()
    if (!open) {
      // Paused: nothing to ask a host we cannot reach; the reconnect loads.
      clear('retry')
      clear('load')
      clear('stale')
    }
    wasOpen = open
  }

  return {
    activate(c, activateOpts = {}) {
      client = c
      users++
      if (users === 1) {
        wasOpen = connected()
        teardown = [c.onConnection(onConnection), ...(opts.subscribe?.(c, { push, invalidate }) ?? [])]
        if (activateOpts.load !== false) void load()
        else armStale()
      }
      let released = false
      return () => {
        if (released) return
        released = true
        users--
        if (users > 0) return
        teardown.forEach((off) => off())
        teardown = []
        clearAll()
        pending = null
        dirty = false
      }
    },
    refetch: () => load(),
    invalidate,
    push,
    get active() {
      return users > 0
    },
    get loading() {
      return inFlight > 0
    },
    reset() {
      seq++
      clearAll()
      pending = null
      dirty = false
      attempt = 0
      lastApplied = Number.NEGATIVE_INFINITY
      lastLoadStarted = Number.NEGATIVE_INFINITY
    }
  }
}
