/**
 * The contract client in a browser: one WebSocket to the headless host's bridge (BRIDGE_PATH,
 * `?token=`). Owns the connection state (connecting → open on the server's hello; unauthorized on
 * close code 4401; disconnected otherwise), automatic reconnects with the shared capped exponential
 * backoff (never after a refused token; after close 4429 — too many failed sign-ins from this
 * address — it waits the delay the server names), a timeout per call, and rejecting every waiting
 * call with a clear error when the socket drops. Events are checked against the contract before
 * listeners see them.
 *
 * Subscriptions: the events that have live `on()` listeners are the client's subscription; it is
 * sent to the server (`{t:"subscribe"}`) when it changes — coalesced to one frame per tick, and
 * always before a call frame so a snapshot never races its change hints — and again after every
 * reconnect, so the server forwards only what the open page listens to.
 */
import { backoffDelay } from '../../../shared/backoff'
import {
  BRIDGE_THROTTLED_CLOSE,
  BRIDGE_UNAUTHORIZED_CLOSE,
  ContractCallError,
  isEventName,
  type CallArgs,
  type EventName,
  type EventPayload,
  type MethodName,
  type MethodResult
} from '../../../shared/contract'
import { parseEventPayload, unwrapCallResult } from './call-result'
import type { ConnectionInfo, LiveClient } from './live-client'

/** The parts of the WebSocket API the client uses: the browser's WebSocket, or `ws` in Node. */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export interface SocketConstructor {
  new (url: string): SocketLike
  readonly OPEN: number
  readonly CONNECTING: number
}

export interface BridgeClientOptions {
  /** ws:// or wss:// URL of the bridge endpoint; the token is added as `?token=`. */
  url: string
  /** The admin token; null or empty = not signed in (no connection is attempted). */
  token: string | null
  /** A call without an answer after this long fails (default 15 s). */
  callTimeoutMs?: number
  /** A socket that has not said hello after this long is dropped and retried (default 10 s). */
  helloTimeoutMs?: number
  /** Reconnect delays (shared backoffDelay): initialMs, doubling up to maxMs, ±20 % jitter (default 500 ms … 15 s). */
  backoff?: { initialMs: number; maxMs: number }
  /** The host accepted this token (its hello arrived). */
  onTokenAccepted?: (token: string) => void
  /** The host refused this token (close 4401). */
  onTokenRejected?: (token: string) => void
  /** The user signed out. */
  onSignedOut?: () => void
  /** WebSocket constructor (default: the global WebSocket; Node tests pass `ws`). */
  WebSocketImpl?: SocketConstructor
}

interface PendingCall {
  method: MethodName
  frame: string
  sent: boolean
  timer: ReturnType<typeof setTimeout>
  resolve: (raw: unknown) => void
  reject: (err: Error) => void
}

type AnyListener = (payload: unknown) => void

const INITIAL: ConnectionInfo = {
  transport: 'bridge',
  state: 'connecting',
  attempt: 0,
  retryAt: null,
  reason: null,
  auth: null,
  serverVersion: null,
  throttled: false
}

class BridgeClient implements LiveClient {
  readonly transport = 'bridge' as const
  private info: ConnectionInfo = INITIAL
  private ws: SocketLike | null = null
  private token: string | null
  private nextId = 0
  private pending = new Map<number, PendingCall>()
  private listeners = new Map<EventName, Set<AnyListener>>()
  private connectionListeners = new Set<(info: ConnectionInfo) => void>()
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private helloTimer: ReturnType<typeof setTimeout> | null = null
  private closed = false
  /** The subscription the server has (sorted, joined), null = none sent on this socket yet. */
  private sentSubscription: string | null = null
  private subscriptionQueued = false
  private readonly callTimeoutMs: number
  private readonly helloTimeoutMs: number
  private readonly backoff: { initialMs: number; maxMs: number }
  private readonly WS: SocketConstructor

  constructor(private readonly opts: BridgeClientOptions) {
    this.token = opts.token?.trim() || null
    this.callTimeoutMs = opts.callTimeoutMs ?? 15_000
    this.helloTimeoutMs = opts.helloTimeoutMs ?? 10_000
    this.backoff = opts.backoff ?? { initialMs: 500, maxMs: 15_000 }
    this.WS = opts.WebSocketImpl ?? (globalThis.WebSocket as unknown as SocketConstructor)
    if (this.token) this.connect()
    else this.setInfo({ state: 'unauthorized', auth: 'missing', reason: 'No admin token yet' })
  }

  // --- ContractClient -------------------------------------------------------------------------

  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodResult<M>> {
    const { state } = this.info
    if (state === 'unauthorized') {
      return Promise.reject(new ContractCallError('forbidden', `Sign in with the admin token to use ${method}`))
    }
    if (state === 'disconnected') {
      return Promise.reject(
        new ContractCallError('unavailable', `Not connected to WARP Host, so ${method} was not sent; reconnecting…`)
      )
    }
    const id = ++this.nextId
    const frame = JSON.stringify({ t: 'call', id, method, input: args[0] })
    const raw = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(
          new ContractCallError('unavailable', `WARP Host did not answer ${method} within ${Math.round(this.callTimeoutMs / 1000)} s`)
        )
      }, this.callTimeoutMs)
      this.pending.set(id, { method, frame, sent: false, timer, resolve, reject })
      if (state === 'open') {
        this.flushSubscription()
        this.send(id)
      }
    })
    return raw.then((value) => unwrapCallResult(method, value))
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    const l = listener as AnyListener
    const had = set.size > 0
    set.add(l)
    if (!had) this.queueSubscription()
    return () => {
      if (set.delete(l) && set.size === 0) this.queueSubscription()
    }
  }

  /** The events that have listeners now (what the open page needs). */
  subscribedEvents(): EventName[] {
    return [...this.listeners].filter(([, set]) => set.size > 0).map(([event]) => event).sort()
  }

  // --- connection -----------------------------------------------------------------------------

  getConnection(): ConnectionInfo {
    return this.info
  }

  onConnection(listener: (info: ConnectionInfo) => void): () => void {
    this.connectionListeners.add(listener)
    return () => this.connectionListeners.delete(listener)
  }

  signIn(token: string): void {
    this.closed = false
    this.token = token.trim() || null
    this.dropSocket('Signing in again')
    this.clearRetry()
    this.setInfo({ attempt: 0 })
    if (this.token) this.connect()
    else this.setInfo({ state: 'unauthorized', auth: 'missing', reason: 'No admin token entered' })
  }

  signOut(): void {
    this.token = null
    this.clearRetry()
    this.dropSocket('Signed out')
    this.setInfo({ state: 'unauthorized', auth: 'missing', reason: 'Signed out', retryAt: null, serverVersion: null })
    this.opts.onSignedOut?.()
  }

  reconnectNow(): void {
    // A throttled address stays refused until the wait is over: trying sooner only extends it.
    if (this.closed || !this.token || this.info.state !== 'disconnected' || this.info.throttled) return
    this.clearRetry()
    this.connect()
  }

  close(): void {
    this.closed = true
    this.clearRetry()
    this.dropSocket('The dashboard closed the connection')
    this.setInfo({ state: 'disconnected', retryAt: null, reason: 'Closed' })
  }

  // --- internals ------------------------------------------------------------------------------

  private connect(): void {
    const token = this.token
    if (!token) return
    const url = new URL(this.opts.url)
    url.searchParams.set('token', token)
    this.setInfo({ state: 'connecting', retryAt: null, auth: null, throttled: false })
    let ws: SocketLike
    try {
      ws = new this.WS(url.toString())
    } catch (err) {
      this.scheduleRetry(`Cannot open a WebSocket to ${this.opts.url}: ${err instanceof Error ? err.message : String(err)}`)
      return
    }
    this.ws = ws
    this.helloTimer = setTimeout(() => {
      if (this.ws === ws && this.info.state === 'connecting') ws.close(4000, 'no hello from the host')
    }, this.helloTimeoutMs)
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.handleFrame(ev.data, token)
    }
    ws.onclose = (ev) => {
      if (this.ws === ws) this.handleClose(ev)
    }
    // An error is always followed by close, which does the work.
    ws.onerror = () => undefined
  }

  private handleFrame(data: unknown, token: string): void {
    if (typeof data !== 'string') return
    let msg: unknown
    try {
      msg = JSON.parse(data)
    } catch {
      console.warn('WARP Host bridge sent a frame that is not JSON')
      return
    }
    if (msg === null || typeof msg !== 'object') return
    const frame = msg as Record<string, unknown>
    switch (frame.t) {
      case 'hello': {
        this.clearHelloTimer()
        this.setInfo({
          state: 'open',
          attempt: 0,
          retryAt: null,
          reason: null,
          auth: null,
          serverVersion: typeof frame.version === 'string' ? frame.version : null
        })
        this.opts.onTokenAccepted?.(token)
        this.flushSubscription()
        for (const id of this.pending.keys()) this.send(id)
        return
      }
      case 'result': {
        const id = frame.id
        if (typeof id !== 'number') return
        const call = this.pending.get(id)
        if (!call) return // timed out already
        this.pending.delete(id)
        clearTimeout(call.timer)
        call.resolve(frame.result)
        return
      }
      case 'event': {
        const event = frame.event
        if (!isEventName(event)) return
        const set = this.listeners.get(event)
        if (!set || set.size === 0) return
        const payload = parseEventPayload(event, frame.payload)
        if (payload === null) return
        for (const l of set) {
          try {
            l(payload)
          } catch (err) {
            console.error(`A "${event}" listener failed`, err)
          }
        }
        return
      }
      case 'error':
        console.warn('WARP Host bridge reported an error:', frame.message)
        return
      case 'subscribed':
        return
      default:
        return
    }
  }

  private handleClose(ev: { code: number; reason: string }): void {
    const wasOpen = this.info.state === 'open'
    this.ws = null
    this.sentSubscription = null
    this.clearHelloTimer()
    this.rejectAll((method) =>
      wasOpen
        ? `The connection to WARP Host was lost before it answered ${method}`
        : `Could not reach WARP Host to send ${method}`
    )
    if (ev.code === BRIDGE_UNAUTHORIZED_CLOSE) {
      const token = this.token
      this.setInfo({ state: 'unauthorized', auth: 'rejected', retryAt: null, reason: 'The host did not accept the admin token' })
      if (token) this.opts.onTokenRejected?.(token)
      return
    }
    if (this.closed) {
      this.setInfo({ state: 'disconnected', retryAt: null, reason: 'Closed' })
      return
    }
    if (ev.code === BRIDGE_THROTTLED_CLOSE) {
      // Hammering would only extend the refusal: wait what the server says, then try once.
      const seconds = throttledSeconds(ev.reason)
      this.scheduleRetry(`Too many failed sign-ins from this address; the host refuses it for ${seconds} s`, seconds * 1000, true)
      return
    }
    this.scheduleRetry(describeClose(ev, wasOpen))
  }

  private scheduleRetry(reason: string, delayMs?: number, throttled = false): void {
    const attempt = this.info.attempt
    const delay = delayMs ?? backoffDelay(attempt, { baseMs: this.backoff.initialMs, maxMs: this.backoff.maxMs, jitter: 0.2 })
    this.clearRetry()
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, delay)
    this.setInfo({ state: 'disconnected', attempt: attempt + 1, retryAt: Date.now() + delay, reason, throttled })
  }

  private queueSubscription(): void {
    if (this.subscriptionQueued) return
    this.subscriptionQueued = true
    queueMicrotask(() => this.flushSubscription())
  }

  /** Sends the current subscription when the open socket does not have it yet. */
  private flushSubscription(): void {
    this.subscriptionQueued = false
    if (this.info.state !== 'open' || !this.ws || this.ws.readyState !== this.WS.OPEN) return
    const events = this.subscribedEvents()
    const key = events.join(',')
    if (key === this.sentSubscription) return
    this.sentSubscription = key
    this.ws.send(JSON.stringify({ t: 'subscribe', events }))
  }

  private send(id: number): void {
    const call = this.pending.get(id)
    if (!call || call.sent || !this.ws || this.ws.readyState !== this.WS.OPEN) return
    call.sent = true
    this.ws.send(call.frame)
  }

  private rejectAll(message: (method: MethodName) => string): void {
    const calls = [...this.pending.values()]
    this.pending.clear()
    for (const call of calls) {
      clearTimeout(call.timer)
      call.reject(new ContractCallError('unavailable', message(call.method)))
    }
  }

  private dropSocket(why: string): void {
    const ws = this.ws
    this.ws = null
    this.sentSubscription = null
    this.clearHelloTimer()
    this.rejectAll((method) => `${why}: ${method} was cancelled`)
    if (ws && (ws.readyState === this.WS.OPEN || ws.readyState === this.WS.CONNECTING)) ws.close(1000, why)
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  private clearHelloTimer(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer)
    this.helloTimer = null
  }

  private setInfo(patch: Partial<ConnectionInfo>): void {
    this.info = Object.freeze({ ...this.info, ...patch })
    for (const l of this.connectionListeners) l(this.info)
  }
}

/** The wait a 4429 close names ("… retry in 42 s"), in whole seconds; 60 when it names none. */
export function throttledSeconds(reason: string): number {
  const m = /retry in (\d+) ?s/i.exec(reason)
  const n = m ? Number(m[1]) : NaN
  return Number.isFinite(n) && n > 0 ? Math.min(n, 3600) : 60
}

function describeClose(ev: { code: number; reason: string }, wasOpen: boolean): string {
  if (ev.code === 1001) return 'WARP Host is shutting down or restarting'
  if (ev.code === 4000) return 'WARP Host did not answer the connection'
  if (ev.reason) return ev.reason
  return wasOpen ? 'The connection to WARP Host dropped' : 'WARP Host is not reachable'
}

export function createBridgeClient(opts: BridgeClientOptions): LiveClient {
  return new BridgeClient(opts)
}
