/**
 * The lifecycle every service follows: constructed with its dependencies, then `start()` and
 * `stop()`, both idempotent and awaitable. The base class tracks state for `app.status` and tells
 * listeners when it changes; subclasses implement `onStart` / `onStop`.
 */
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

export abstract class LifecycleService implements Service {
  private state: ServiceState = 'stopped'
  private since = new Date().toISOString()
  private detail: string | undefined
  private lastError: string | undefined
  private starting: Promise<void> | null = null
  private stopping: Promise<void> | null = null
  private listeners = new Set<(s: ServiceStatus) => void>()

  constructor(
    readonly name: string,
    readonly label: string
  ) {}

  protected abstract onStart(): Promise<void>
  protected abstract onStop(): Promise<void>

  get currentState(): ServiceState {
    return this.state
  }

  start(): Promise<void> {
    if (this.state === 'running') return Promise.resolve()
    if (this.starting) return this.starting
    const run = async (): Promise<void> => {
      if (this.stopping) await this.stopping
      this.setState('starting')
      try {
        await this.onStart()
        this.setState('running')
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err)
        this.setState('error')
        throw err
      }
    }
    this.starting = run().finally(() => {
      this.starting = null
    })
    return this.starting
  }

  stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'disabled') return Promise.resolve()
    if (this.stopping) return this.stopping
    const run = async (): Promise<void> => {
      if (this.starting) await this.starting.catch(() => undefined)
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

  /** Reports a failure that happened while running (the service keeps trying or stays down). */
  protected markError(message: string): void {
    this.lastError = message
    this.setState('error')
  }

  /** Back to running after markError. */
  protected markRecovered(): void {
    if (this.state === 'error') {
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
    return {
      name: this.name,
      label: this.label,
      state: this.state,
      since: this.since,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      ...(this.state === 'error' && this.lastError !== undefined ? { error: this.lastError } : {})
    }
  }

  onStatusChange(listener: (status: ServiceStatus) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private setState(state: ServiceState): void {
    if (state !== 'error') this.lastError = state === 'running' ? undefined : this.lastError
    this.state = state
    this.since = new Date().toISOString()
    this.emit()
  }

  private emit(): void {
    const s = this.status()
    for (const l of this.listeners) l(s)
  }
}
