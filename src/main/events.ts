/**
 * The runtime's typed event bus: services emit contract events here, and both transports
 * (ipc registrar, WebSocket bridge) forward them to the renderer.
 *
 * A listener that throws never breaks `emit`: the other listeners still run, the error goes to
 * the bus's error handler (the runtime logs it, rate-limited per event). `throttle()` is the one
 * way to emit a high-rate event (peer stats, training charts, queue figures): at most one emit
 * per period, always the latest payload, and the last one is never lost.
 */
import type { EventName, EventPayload } from '../shared/contract'

type AnyListener = (event: EventName, payload: unknown) => void

export type ListenerErrorHandler = (event: EventName, err: unknown) => void

export class EventBus {
  private listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  private anyListeners = new Set<AnyListener>()
  private onListenerError: ListenerErrorHandler = () => undefined

  /** Where a throwing listener's error goes (the runtime logs it). */
  setListenerErrorHandler(handler: ListenerErrorHandler): void {
    this.onListenerError = handler
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const set = this.listeners.get(event)
    if (set) {
      for (const l of set) {
        try {
          l(payload)
        } catch (err) {
          this.reportError(event, err)
        }
      }
    }
    for (const l of this.anyListeners) {
      try {
        l(event, payload)
      } catch (err) {
        this.reportError(event, err)
      }
    }
  }

  private reportError(event: EventName, err: unknown): void {
    try {
      this.onListenerError(event, err)
    } catch {
      // The error handler itself failed: nothing more to do without breaking emit.
    }
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    const l = listener as (payload: unknown) => void
    set.add(l)
    return () => {
      set.delete(l)
      if (set.size === 0 && this.listeners.get(event) === set) this.listeners.delete(event)
    }
  }

  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener)
    return () => this.anyListeners.delete(listener)
  }

  get listenerCount(): number {
    let n = this.anyListeners.size
    for (const s of this.listeners.values()) n += s.size
    return n
  }

  /**
   * A throttled emitter for `event`: `push(payload)` emits at once when the last emit is at least
   * `periodMs` old, else keeps the latest payload and emits it when the period ends (trailing
   * edge), so a burst costs one event per period and its final state always arrives. `flush()`
   * emits a kept payload now; `cancel()` drops it (call it when the owner stops).
   */
  throttle<E extends EventName>(event: E, periodMs: number, opts: ThrottleOptions = {}): ThrottledEmitter<E> {
    return new ThrottledEmitter(this, event, periodMs, opts)
  }
}

export interface ThrottleOptions {
  /** Injected clock (tests); default performance.now. */
  now?: () => number
  /** Injected timers (tests with fake timers pass nothing: vitest fakes the globals). */
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

export class ThrottledEmitter<E extends EventName> {
  private lastAt = -Infinity
  private pending: { payload: EventPayload<E> } | null = null
  private timer: unknown = null
  private readonly now: () => number
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (handle: unknown) => void

  constructor(
    private readonly bus: EventBus,
    private readonly event: E,
    private readonly periodMs: number,
    opts: ThrottleOptions
  ) {
    this.now = opts.now ?? (() => performance.now())
    this.setTimer =
      opts.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms)
        t.unref?.()
        return t
      })
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout))
  }

  push(payload: EventPayload<E>): void {
    const now = this.now()
    if (this.timer === null && now - this.lastAt >= this.periodMs) {
      this.lastAt = now
      this.bus.emit(this.event, payload)
      return
    }
    this.pending = { payload }
    if (this.timer === null) {
      this.timer = this.setTimer(() => {
        this.timer = null
        this.flush()
      }, Math.max(0, this.periodMs - (now - this.lastAt)))
    }
  }

  /** Emits the kept payload now (if any). */
  flush(): void {
    if (this.timer !== null) {
      this.clearTimer(this.timer)
      this.timer = null
    }
    const p = this.pending
    if (!p) return
    this.pending = null
    this.lastAt = this.now()
    this.bus.emit(this.event, p.payload)
  }

  /** Drops a kept payload and its timer. */
  cancel(): void {
    if (this.timer !== null) this.clearTimer(this.timer)
    this.timer = null
    this.pending = null
  }
}
