/**
 * The lifecycle every service follows: constructed with its dependencies, then `start()` and
 * `stop()`, both idempotent and awaitable. The base class tracks state for `app.status` and tells
 * listeners when it changes; subclasses implement `onStart` / `onStop`.
 *
 * Reconnecting start: when `onStart` fails for a reason the subclass calls transient
 * (`isTransient`: a server that does not answer yet, a broker restarting …), the service goes to
 * `reconnecting` — with the attempt number and the time of the next attempt in its status — and
 * starts again by itself with the shared backoff (1 s doubling to 30 s by default), until it runs
 * or is stopped. Any other failure is `error` and waits for a config change. A running service
 * that loses its server reports `reconnecting` too (`markReconnecting`) and `markRecovered` when
 * it is back. The coordinator client, the signaling socket and the broker client reuse this.
 */
import { backoffDelay, type BackoffOptions } from '../shared/backoff'
import type { ServiceState, ServiceStatus } from '../shared/contract'

export interface Service {
  readonly name: string
  readonly label: string
  start(): Promise<void>
  stop(): Promise<void>
  status(): ServiceStatus
  onStatusChange(listener: (status: ServiceStatus) => void): () => void
  /** Lines for the final statistics block printed on shutdown (optional). */
  finalStats?(): string[]
  /**
   * Exit at once (a second signal): hand back what can be handed back within `withinMs` — e.g.
   * release claimed rows for another poller — without waiting for work to finish (optional).
   */
  abandon?(withinMs: number): Promise<void>
}

/** Start retries: 1 s, doubling, at most 30 s, ±10 %. */
export const DEFAULT_START_RETRY: BackoffOptions = { baseMs: 1000, maxMs: 30_000, jitter: 0.1 }

export abstract class LifecycleService implements Service {
  private state: ServiceState = 'stopped'
  private since = new Date().toISOString()
  private detail: string | undefined
  private lastError: string | undefined
  private starting: Promise<void> | null = null
  private stopping: Promise<void> | null = null
  private listeners = new Set<(s: ServiceStatus) => void>()
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  /** Failed start attempts in a row (0 once running). */
  private attempt = 0
  /** Epoch ms of the next start attempt while reconnecting. */
  private nextRetryAt: number | null = null

  constructor(
    readonly name: string,
    readonly label: string,
    /** The reconnecting start's backoff (tests pass short delays). */
    private readonly startRetry: BackoffOptions = DEFAULT_START_RETRY
  ) {}

  protected abstract onStart(): Promise<void>
  protected abstract onStop(): Promise<void>

  /** Whether a start failure is worth retrying by itself (default: no — it waits for a config change). */
  protected isTransient(_err: unknown): boolean {
    return false
  }

  get currentState(): ServiceState {
    return this.state
  }

  /** Failed start attempts in a row (0 once running). */
  get startAttempts(): number {
    return this.attempt
  }

  start(): Promise<void> {
    if (this.state === 'running') return Promise.resolve()
    if (this.starting) return this.starting
    this.clearRetry()
    const run = async (): Promise<void> => {
      if (this.stopping) await this.stopping
      this.setState('starting')
      try {
        await this.onStart()
        this.attempt = 0
        this.nextRetryAt = null
        this.setState('running')
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err)
        if (this.isTransient(err)) this.scheduleRetry()
        else this.setState('error')
        throw err
      }
    }
    this.starting = run().finally(() => {
      this.starting = null
    })
    return this.starting
  }

  private scheduleRetry(): void {
    const delay = backoffDelay(this.attempt, this.startRetry)
    this.attempt++
    this.nextRetryAt = Date.now() + delay
    this.setState('reconnecting')
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.start().catch(() => undefined)
    }, delay)
    this.retryTimer.unref?.()
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.nextRetryAt = null
  }

  stop(): Promise<void> {
    this.clearRetry()
    this.attempt = 0
    if (this.state === 'stopped' || this.state === 'disabled') return Promise.resolve()
    if (this.stopping) return this.stopping
    const run = async (): Promise<void> => {
      if (this.starting) await this.starting.catch(() => undefined)
      this.clearRetry()
      if (this.state === 'stopped') return
      this.setState('stopping')
      try {
        await this.onStop()
      } finally {
        this.setState('stopped')
      }
    }
    this.stopping = run().finally(() => {
      this.stopping = null
    })
    return this.stopping
  }

  /** Marks the service as turned off by configuration. */
  protected markDisabled(detail: string): void {
    this.detail = detail
    this.setState('disabled')
  }

  /** Reports a failure that happened while running (the service stays down until a config change). */
  protected markError(message: string): void {
    this.lastError = message
    this.setState('error')
  }

  /** A running service lost its server and is getting it back by itself (no attempt figures). */
  protected markReconnecting(message: string): void {
    this.lastError = message
    this.setState('reconnecting')
  }

  /** Back to running after markError / markReconnecting. */
  protected markRecovered(): void {
    if (this.state === 'error' || (this.state === 'reconnecting' && this.retryTimer === null)) {
      this.lastError = undefined
      this.setState('running')
    }
  }

  protected setDetail(detail: string | undefined): void {
    if (detail === this.detail) return
    this.detail = detail
    this.emit()
  }

  status(): ServiceStatus {
    const failing = this.state === 'error' || this.state === 'reconnecting'
    return {
      name: this.name,
      label: this.label,
      state: this.state,
      since: this.since,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      ...(failing && this.lastError !== undefined ? { error: this.lastError } : {}),
      ...(this.state === 'reconnecting' && this.attempt > 0 ? { attempt: this.attempt } : {}),
      ...(this.state === 'reconnecting' && this.nextRetryAt !== null ? { nextRetryAt: new Date(this.nextRetryAt).toISOString() } : {})
    }
  }

  onStatusChange(listener: (status: ServiceStatus) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private setState(state: ServiceState): void {
    if (state === 'running' || state === 'stopped') this.lastError = undefined
    this.state = state
    this.since = new Date().toISOString()
    this.emit()
  }

  private emit(): void {
    const s = this.status()
    for (const l of this.listeners) {
      try {
        l(s)
      } catch {
        // A listener's failure must not break the service's state machine.
      }
    }
  }
}
