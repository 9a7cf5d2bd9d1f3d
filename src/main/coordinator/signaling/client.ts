/**
 * Signaling client: one interface, two dialects — the spec's WebSocket protocol (`ws`) and the
 * socket.io dialect (socket.io-client). Against the embedded registry, the real coordinator, or
 * any socket.io server with `join`, `offer`, `answer`, `ice-candidate` and
 * `target_peer_id` / `from_peer_id`.
 *
 * One client is one connection, in at most one session room at a time (the server's rule: joining
 * a second session leaves the first). A host in several sessions uses one client per session,
 * all with its host_id as peer id.
 *
 * Reconnects by itself with the shared backoff (src/shared/backoff.ts; 1 s doubling to 30 s by
 * default) whenever the connection drops, and joins its room again once back. It stops for good
 * (state `closed` with the reason) only when closed, or when the server refuses it on purpose:
 * a bad token or a flood (close 1008 / socket.io server disconnect), or another connection taking
 * its place in the room (4001). socket.io-client's own reconnection is off: both dialects
 * share this one.
 */
import { io as ioConnect, type Socket as IoClientSocket } from 'socket.io-client'
import WebSocket from 'ws'
import { backoffDelay, type BackoffOptions } from '../../../shared/backoff'
import type { Logger } from '../../logging/logger'
import { DEFAULT_START_RETRY } from '../../service'
import {
  CLOSE_POLICY,
  CLOSE_REPLACED,
  parseServerFrame,
  SERVER_TYPES,
  SIGNALING_WS_PATH,
  SOCKET_IO_PATH,
  SUPPORTED_PROTOCOLS,
  type CandidatePayload,
  type SdpPayload,
  type ServerFrame
} from './protocol'

export type SignalingDialect = 'ws' | 'socket.io'
export type SignalingStateName = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed'

export interface SignalingClientState {
  state: SignalingStateName
  /** Reconnect attempt in progress or next (1 = the first after a drop); 0 when connected. */
  attempt: number
  /** Epoch ms of the next attempt while waiting to reconnect. */
  nextRetryAt?: number
  /** Why the last attempt failed or the connection dropped. */
  lastError?: string
  /** The room this client is in, or wants to be in once connected. */
  sessionId: string | null
}

export type SignalingMessage = ServerFrame

export interface SignalingClient {
  readonly dialect: SignalingDialect
  readonly peerId: string
  state(): SignalingClientState
  /** Peers in the current room besides this one (from session-joined, peer-joined, peer-left). */
  peers(): string[]
  /** Connects; resolves once connected (retrying with backoff meanwhile), rejects if closed first. */
  connect(): Promise<void>
  /** Joins `sessionId` (leaving any other room); resolves with the peers already there. Rejoined after every reconnect. */
  join(sessionId: string): Promise<string[]>
  /** Leaves the room (no rejoin after a reconnect). */
  leave(): Promise<void>
  /** Each returns false when not connected (nothing sent). */
  sendOffer(to: string, sdp: SdpPayload): boolean
  sendAnswer(to: string, sdp: SdpPayload): boolean
  sendCandidate(to: string, candidate: CandidatePayload): boolean
  /** `protocol-negotiate`; resolves with the protocol the server selected, or rejects with its protocol-error. */
  negotiate(supported?: readonly string[]): Promise<string>
  on(listener: (msg: SignalingMessage) => void): () => void
  onState(listener: (state: SignalingClientState) => void): () => void
  close(): Promise<void>
}

export interface SignalingClientOptions {
  /** Coordinator base URL (http(s)://host:port), or for `ws` the full ws(s)://…/api/v1/signaling/ws URL. */
  url: string
  peerId: string
  /** JWT sent as `?token=` (ws) or in the handshake's auth (socket.io); a function is asked on every (re)connect. */
  token?: string | (() => string | Promise<string>)
  /** Reconnect backoff (default: the services' 1 s doubling to 30 s, ±10 %). */
  backoff?: BackoffOptions
  /** Per attempt (default 10 s). */
  connectTimeoutMs?: number
  /** How long join waits for session-joined (default 10 s). */
  joinTimeoutMs?: number
  /** socket.io path (default /socket.io/). */
  socketIoPath?: string
  log?: Logger
}

export function createSignalingClient(dialect: SignalingDialect, opts: SignalingClientOptions): SignalingClient {
  return dialect === 'ws' ? new WsSignalingClient(opts) : new SocketIoSignalingClient(opts)
}

/** A drop the server meant: do not reconnect. */
class FatalClose extends Error {}

interface Waiter<T> {
  resolve: (v: T) => void
  reject: (e: Error) => void
}

abstract class BaseSignalingClient implements SignalingClient {
  abstract readonly dialect: SignalingDialect
  readonly peerId: string
  protected readonly opts: SignalingClientOptions
  private st: SignalingClientState = { state: 'idle', attempt: 0, sessionId: null }
  private readonly listeners = new Set<(m: SignalingMessage) => void>()
  private readonly stateListeners = new Set<(s: SignalingClientState) => void>()
  private readonly roomPeers = new Set<string>()
  private connectWaiters: Waiter<void>[] = []
  private joinWaiter: (Waiter<string[]> & { sessionId: string; timer: ReturnType<typeof setTimeout> }) | null = null
  /** The join in flight (or last completed) and its session, so concurrent join() calls share it. */
  private joinPromise: { sessionId: string; promise: Promise<string[]> } | null = null
  private negotiateWaiters: Waiter<string>[] = []
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private running = false
  private closed = false
  /** Bumped on every transport open, so a stale transport's events are ignored. */
  protected generation = 0

  constructor(opts: SignalingClientOptions) {
    this.opts = opts
    this.peerId = opts.peerId
  }

  protected abstract open(token: string | undefined, generation: number): Promise<void>
  protected abstract shut(): void
  protected abstract sendFrame(type: string, body: Record<string, unknown>): boolean
  protected abstract isOpen(): boolean

  state(): SignalingClientState {
    return { ...this.st }
  }

  peers(): string[] {
    return [...this.roomPeers]
  }

  on(listener: (msg: SignalingMessage) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  onState(listener: (state: SignalingClientState) => void): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('signaling client is closed'))
    if (this.st.state === 'connected') return Promise.resolve()
    const p = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }))
    if (!this.running) void this.run(0)
    return p
  }

  async join(sessionId: string): Promise<string[]> {
    if (this.closed) throw new Error('signaling client is closed')
    this.set({ sessionId })
    if (this.st.state !== 'connected') {
      await this.connect() // run() sends the join once connected
      const j = this.joinPromise
      if (j !== null && j.sessionId === sessionId && this.st.sessionId === sessionId) return j.promise
    }
    return this.sendJoin(sessionId)
  }

  async leave(): Promise<void> {
    const sid = this.st.sessionId
    this.set({ sessionId: null })
    this.roomPeers.clear()
    this.joinPromise = null
    if (sid !== null && this.isOpen()) this.sendFrame('leave', { session_id: sid })
  }

  sendOffer(to: string, sdp: SdpPayload): boolean {
    return this.relay('offer', to, { sdp })
  }

  sendAnswer(to: string, sdp: SdpPayload): boolean {
    return this.relay('answer', to, { sdp })
  }

  sendCandidate(to: string, candidate: CandidatePayload): boolean {
    return this.relay('ice-candidate', to, { candidate })
  }

  negotiate(supported: readonly string[] = SUPPORTED_PROTOCOLS): Promise<string> {
    if (!this.isOpen()) return Promise.reject(new Error('signaling not connected'))
    const p = new Promise<string>((resolve, reject) => this.negotiateWaiters.push({ resolve, reject }))
    this.sendFrame('protocol-negotiate', { supported: [...supported] })
    return p
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.generation++
    this.shut()
    this.failWaiters(new Error('signaling client closed'))
    this.set({ state: 'closed', attempt: 0, nextRetryAt: undefined })
  }

  protected abstract relayBody(to: string): Record<string, unknown>
  protected abstract joinBody(sessionId: string): Record<string, unknown>

  private relay(type: 'offer' | 'answer' | 'ice-candidate', to: string, body: Record<string, unknown>): boolean {
    if (!this.isOpen()) return false
    return this.sendFrame(type, { ...this.relayBody(to), ...body })
  }

  private sendJoin(sessionId: string): Promise<string[]> {
    const same = this.joinWaiter
    if (same && same.sessionId === sessionId && this.joinPromise?.sessionId === sessionId) {
      // The same join again (a reconnect while it was pending): send it once more, keep the waiter.
      if (!this.sendFrame('join', this.joinBody(sessionId))) {
        clearTimeout(same.timer)
        this.joinWaiter = null
        same.reject(new Error('signaling not connected'))
      }
      return this.joinPromise.promise
    }
    if (this.joinWaiter) {
      clearTimeout(this.joinWaiter.timer)
      this.joinWaiter.reject(new Error(`join of ${this.joinWaiter.sessionId} superseded by ${sessionId}`))
    }
    this.roomPeers.clear()
    const promise = new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.joinWaiter?.timer !== timer) return
        this.joinWaiter = null
        this.onJoinTimeout(sessionId, resolve, reject)
      }, this.opts.joinTimeoutMs ?? 10_000)
      this.joinWaiter = { sessionId, resolve, reject, timer }
      if (!this.sendFrame('join', this.joinBody(sessionId))) {
        clearTimeout(timer)
        this.joinWaiter = null
        reject(new Error('signaling not connected'))
      }
    })
    this.joinPromise = { sessionId, promise }
    return promise
  }

  /** No session-joined in time (the default: reject; socket.io servers that never answer joins resolve). */
  protected onJoinTimeout(sessionId: string, _resolve: (p: string[]) => void, reject: (e: Error) => void): void {
    reject(new Error(`no session-joined for ${sessionId}`))
  }

  /** A join the server acknowledged without a session-joined frame (socket.io ack). */
  protected joinAcked(sessionId: string, peers: string[] | undefined, error: string | undefined): void {
    const w = this.joinWaiter
    if (!w || w.sessionId !== sessionId) return
    if (error !== undefined) {
      clearTimeout(w.timer)
      this.joinWaiter = null
      w.reject(new Error(error))
    } else {
      // Our server sent session-joined before the ack (completing the join already); a plain
      // socket.io server's ack may carry no peer list: the peers are then the ones seen so far.
      this.completeJoin(sessionId, peers ?? this.peers())
    }
  }

  private completeJoin(sessionId: string, peers: string[]): void {
    this.roomPeers.clear()
    for (const p of peers) if (p !== this.peerId) this.roomPeers.add(p)
    const w = this.joinWaiter
    if (w && w.sessionId === sessionId) {
      clearTimeout(w.timer)
      this.joinWaiter = null
      w.resolve(this.peers())
    }
  }

  /** Subclasses hand every frame from the server here (raw object; socket.io passes the event name). */
  protected incoming(raw: unknown, eventType?: string): void {
    const msg = parseServerFrame(raw, eventType)
    if (!msg) {
      this.opts.log?.debug('signaling: unrecognised frame ignored', { dialect: this.dialect })
      return
    }
    switch (msg.type) {
      case 'session-joined':
        if (msg.session_id === this.st.sessionId) this.completeJoin(msg.session_id, msg.peers)
        break
      case 'peer-joined':
        if (msg.peer_id !== this.peerId) this.roomPeers.add(msg.peer_id)
        break
      case 'peer-left':
        this.roomPeers.delete(msg.peer_id)
        break
      case 'protocol-selected':
        this.negotiateWaiters.shift()?.resolve(msg.protocol)
        break
      case 'protocol-error':
        this.negotiateWaiters.shift()?.reject(new Error(msg.message))
        break
      default:
        break
    }
    for (const l of this.listeners) {
      try {
        l(msg)
      } catch (err) {
        this.opts.log?.warn('signaling listener failed', { error: err instanceof Error ? err.message : String(err) })
      }
    }
  }

  /** The open transport dropped (generation-checked by the caller). */
  protected lost(reason: string, fatal: boolean): void {
    if (this.closed) return
    this.generation++
    this.roomPeers.clear()
    if (fatal) {
      this.closed = true
      this.failWaiters(new Error(reason))
      this.set({ state: 'closed', attempt: 0, lastError: reason, nextRetryAt: undefined })
      this.shut()
      return
    }
    // A negotiation's answer will not come on a new connection; a pending join is sent again.
    for (const w of this.negotiateWaiters.splice(0)) w.reject(new Error(`connection lost: ${reason}`))
    this.opts.log?.info('signaling connection lost; reconnecting', { dialect: this.dialect, reason })
    this.set({ lastError: reason })
    this.scheduleRetry(0)
  }

  private failWaiters(err: Error): void {
    for (const w of this.connectWaiters.splice(0)) w.reject(err)
    for (const w of this.negotiateWaiters.splice(0)) w.reject(err)
    if (this.joinWaiter) {
      clearTimeout(this.joinWaiter.timer)
      this.joinWaiter.reject(err)
      this.joinWaiter = null
    }
  }

  private scheduleRetry(retry: number): void {
    const delay = backoffDelay(retry, this.opts.backoff ?? DEFAULT_START_RETRY)
    this.running = true
    this.set({ state: 'reconnecting', attempt: retry + 1, nextRetryAt: Date.now() + delay })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.run(retry + 1)
    }, delay)
  }

  /** One connection attempt; on failure schedules the next with backoff. */
  private async run(retry: number): Promise<void> {
    if (this.closed) return
    this.running = true
    this.set({ state: retry === 0 ? 'connecting' : 'reconnecting', attempt: retry, nextRetryAt: undefined })
    const gen = ++this.generation
    try {
      const t = this.opts.token
      const token = typeof t === 'function' ? await t() : t
      await this.open(token, gen)
      if (gen !== this.generation || this.closed) return
    } catch (err) {
      if (gen !== this.generation || this.closed) return
      this.shut()
      const message = err instanceof Error ? err.message : String(err)
      if (err instanceof FatalClose) {
        this.lost(message, true)
        return
      }
      this.set({ lastError: message })
      this.scheduleRetry(retry)
      return
    }
    this.running = false
    this.set({ state: 'connected', attempt: 0, nextRetryAt: undefined, lastError: undefined })
    for (const w of this.connectWaiters.splice(0)) w.resolve()
    const sid = this.st.sessionId
    if (sid !== null) {
      this.sendJoin(sid).catch((err: unknown) => {
        this.opts.log?.warn('signaling rejoin failed', { session: sid, error: err instanceof Error ? err.message : String(err) })
      })
    }
  }

  private set(patch: Partial<SignalingClientState>): void {
    const next = { ...this.st, ...patch }
    for (const k of Object.keys(next) as (keyof SignalingClientState)[]) if (next[k] === undefined) delete next[k]
    this.st = next
    const snap = this.state()
    for (const l of this.stateListeners) {
      try {
        l(snap)
      } catch {
        // a listener's failure must not break the client
      }
    }
  }

  protected fatal(message: string): FatalClose {
    return new FatalClose(message)
  }
}

/** The spec's WebSocket protocol. */
class WsSignalingClient extends BaseSignalingClient {
  readonly dialect = 'ws' as const
  private ws: WebSocket | null = null
  /** The last error frame before a close: the reason a 1008 close gives. */
  private lastErrorFrame: string | null = null

  private endpoint(token: string | undefined): string {
    const u = new URL(this.opts.url.replace(/^http/, 'ws'))
    if (!u.pathname.endsWith(SIGNALING_WS_PATH)) u.pathname = u.pathname.replace(/\/$/, '') + SIGNALING_WS_PATH
    u.searchParams.set('peer_id', this.peerId)
    if (token !== undefined) u.searchParams.set('token', token)
    return u.toString()
  }

  protected open(token: string | undefined, gen: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.endpoint(token), { handshakeTimeout: this.opts.connectTimeoutMs ?? 10_000, perMessageDeflate: false })
      this.ws = ws
      let opened = false
      ws.on('open', () => {
        opened = true
        this.lastErrorFrame = null
        resolve()
      })
      ws.on('message', (data) => {
        if (gen !== this.generation) return
        let raw: unknown
        try {
          raw = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'))
        } catch {
          return
        }
        const frame = raw as { type?: unknown; message?: unknown }
        if (frame?.type === 'error' && typeof frame.message === 'string') this.lastErrorFrame = frame.message
        this.incoming(raw)
      })
      ws.on('error', (err) => {
        if (!opened) reject(err)
      })
      ws.on('close', (code, reasonBuf) => {
        const reason = reasonBuf.toString('utf8') || this.lastErrorFrame || `closed (${code})`
        if (!opened) {
          reject(code === CLOSE_POLICY || code === CLOSE_REPLACED ? this.fatal(reason) : new Error(reason))
          return
        }
        if (gen !== this.generation) return
        this.ws = null
        this.lost(`${reason} (${code})`, code === CLOSE_POLICY || code === CLOSE_REPLACED)
      })
    })
  }

  protected shut(): void {
    const ws = this.ws
    this.ws = null
    if (!ws) return
    ws.removeAllListeners('message')
    ws.on('error', () => undefined)
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
    else ws.close(1000)
  }

  protected isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN
  }

  protected sendFrame(type: string, body: Record<string, unknown>): boolean {
    const ws = this.ws
    if (!ws || ws.readyState !== WebSocket.OPEN) return false
    ws.send(JSON.stringify({ type, ...body }))
    return true
  }

  protected relayBody(to: string): Record<string, unknown> {
    return { to }
  }

  protected joinBody(sessionId: string): Record<string, unknown> {
    return { session_id: sessionId }
  }
}

/** The socket.io dialect (events named like the frames' types; `target_peer_id` / `from_peer_id`). */
class SocketIoSignalingClient extends BaseSignalingClient {
  readonly dialect = 'socket.io' as const
  private socket: IoClientSocket | null = null

  protected open(token: string | undefined, gen: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = ioConnect(this.opts.url, {
        path: this.opts.socketIoPath ?? SOCKET_IO_PATH,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: this.opts.connectTimeoutMs ?? 10_000,
        auth: { peer_id: this.peerId, ...(token !== undefined ? { token } : {}) }
      })
      this.socket = socket
      let opened = false
      let lastError: string | null = null
      socket.on('connect', () => {
        opened = true
        resolve()
      })
      socket.on('connect_error', (err) => {
        if (opened) return
        // The server's middleware refused us (bad token): retrying will not help.
        const refused = (err as Error & { type?: string }).type === undefined && err.message !== 'timeout' && !/xhr|websocket/i.test(err.message)
        reject(refused ? this.fatal(err.message) : err)
      })
      for (const type of SERVER_TYPES) {
        socket.on(type, (payload: unknown) => {
          if (gen !== this.generation) return
          if (type === 'error') {
            const m = (payload as { message?: unknown } | null)?.message
            if (typeof m === 'string') lastError = m
          }
          this.incoming(typeof payload === 'string' ? safeJson(payload) : payload, type)
        })
      }
      socket.on('disconnect', (reason) => {
        if (!opened || gen !== this.generation) return
        this.socket = null
        // 'io server disconnect': the server kicked us on purpose (token, flood, replaced).
        this.lost(lastError ?? reason, reason === 'io server disconnect')
      })
    })
  }

  protected shut(): void {
    const s = this.socket
    this.socket = null
    if (!s) return
    s.removeAllListeners()
    s.disconnect()
  }

  protected isOpen(): boolean {
    return this.socket?.connected === true
  }

  protected sendFrame(type: string, body: Record<string, unknown>): boolean {
    const s = this.socket
    if (!s?.connected) return false
    if (type === 'join') {
      const sid = String(body['session_id'])
      s.emit('join', body, (ack: unknown) => {
        const a = ack as { ok?: unknown; message?: unknown; peers?: unknown } | null
        if (!a || typeof a !== 'object') return this.joinAcked(sid, undefined, undefined) // bare ack: joined
        if (a.ok === false) return this.joinAcked(sid, undefined, typeof a.message === 'string' ? a.message : 'join refused')
        this.joinAcked(sid, Array.isArray(a.peers) ? a.peers.map(String) : undefined, undefined)
      })
      return true
    }
    s.emit(type, body)
    return true
  }

  /** A plain socket.io server may never confirm a join: treat silence as joined, peers unknown. */
  protected override onJoinTimeout(_sessionId: string, resolve: (p: string[]) => void): void {
    resolve(this.peers())
  }

  protected relayBody(to: string): Record<string, unknown> {
    return { target_peer_id: to, to }
  }

  protected joinBody(sessionId: string): Record<string, unknown> {
    return { session_id: sessionId, peer_id: this.peerId }
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return null
  }
}
