/**
 * The embedded registry's signaling server: the spec's WebSocket protocol at
 * `/api/v1/signaling/ws` (ws, noServer mode) and its socket.io dialect (socket.io on the default
 * `/socket.io/` path), both attached to one http.Server that someone else owns and listens with
 * (the registry's REST server; a plain http.Server in tests). Peers of both dialects share rooms:
 * a socket.io peer and a WebSocket peer in the same session signal each other.
 *
 * Rooms: a room exists while a peer is in it (any session_id, REST session or not). A connection
 * is in at most one room; joining another leaves the first (the real service's defect not
 * copied). Within a room a peer_id is unique: the same peer_id joining the same session from a
 * second connection replaces the first (closed with 4001) — a host in several sessions holds one
 * connection per session, all with its host_id.
 *
 * Relay: `to` / `target_peer_id` is looked up in the sender's room first, then among all
 * connected peers (the real service delivers to any connected peer id; the most recent connection
 * of that id wins). A receiver whose send buffer is over `maxBufferedBytes` is not written to:
 * the sender gets "Failed to deliver …".
 *
 * Protection: every frame is validated with zod; frames over `maxPayloadBytes` close their sender
 * only (ws maxPayload → 1009; socket.io maxHttpBufferSize); each connection has a token bucket
 * (`ratePerSecond`, burst the same) and a connection that empties it gets an error and is closed
 * (1008 / socket.io disconnect) — a flood never costs the others more than one burst.
 */
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import { Counter, Gauge, type Registry } from 'prom-client'
import { Server as IoServer, type Socket as IoSocket } from 'socket.io'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { TokenBucketLimiter } from '../../http/rate-limiter'
import type { Logger } from '../../logging/logger'
import { ThrottledLog } from '../../logging/throttled-log'
import {
  candidateRelaySchema,
  CLOSE_GOING_AWAY,
  CLOSE_POLICY,
  CLOSE_REPLACED,
  connectQuerySchema,
  ERR,
  idSchema,
  joinSchema,
  negotiateSchema,
  sdpRelaySchema,
  SIGNALING_WS_PATH,
  SOCKET_IO_PATH,
  SUPPORTED_PROTOCOLS,
  type ServerFrame
} from './protocol'

export type Dialect = 'ws' | 'socket.io'

export interface SignalingServerOptions {
  /** WebSocket path (default /api/v1/signaling/ws). */
  path?: string
  /** socket.io dialect on the same http.Server (default on, path /socket.io/). */
  socketIo?: boolean | { path?: string }
  /**
   * Checks a `token` a peer presents (the registry passes its JWT check). A token that fails is
   * answered with an error and close 1008 (socket.io: connect_error). Without a hook, tokens are
   * not checked; a peer without a token is always admitted (the real service's behaviour).
   */
  verifyToken?: (token: string) => Promise<boolean>
  /** Largest frame accepted (default 64 KiB); a bigger one closes its sender. */
  maxPayloadBytes?: number
  /** Messages per second per connection, also the burst (default 1,000). */
  ratePerSecond?: number
  /** A receiver with more than this many bytes unsent is skipped (default 1 MiB). */
  maxBufferedBytes?: number
  /** Ping interval for WebSocket peers; a peer that missed the last pong is dropped (default 30 s, 0 = off). */
  pingIntervalMs?: number
  /** prom-client registry for the signaling counters (optional). */
  metrics?: Registry
  log?: Logger
}

export interface SignalingStats {
  peers: number
  peersByDialect: Record<Dialect, number>
  rooms: number
  relayed: number
}

interface Conn {
  readonly id: number
  readonly dialect: Dialect
  peerId: string | null
  sessionId: string | null
  /** Admitted (token checked); relays only reach admitted connections. */
  ready: boolean
  closed: boolean
  readonly limiter: TokenBucketLimiter
  /** Writes a frame; false when the receiver is too far behind (nothing written). */
  send(frame: ServerFrame): boolean
  /** Tells the peer why and closes its connection. */
  kick(code: number, message: string): void
}

/** A WebSocket connection also answers pings; one that missed the last pong is terminated. */
interface WsConn extends Conn {
  pong(): boolean
  ping(): void
  terminate(): void
}

/** Frames held per connection while its token is being checked. */
const MAX_PENDING = 32

const noopSleep = (): Promise<void> => Promise.resolve()

/** A close reason fits in 123 bytes of UTF-8. */
function closeReason(message: string): string {
  let r = message
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1)
  return r
}

export class SignalingServer {
  private readonly path: string
  private readonly ioPath: string | null
  private readonly maxPayload: number
  private readonly ratePerSecond: number
  private readonly maxBuffered: number
  private readonly log: Logger | null
  private readonly throttled: ThrottledLog | null
  private readonly rooms = new Map<string, Map<string, Conn>>()
  /** Admitted connections by peer id (insertion order: the last is the newest). */
  private readonly byPeer = new Map<string, Set<Conn>>()
  private readonly conns = new Set<Conn>()
  private nextId = 1
  private relayedTotal = 0
  private wss: WebSocketServer | null = null
  private io: IoServer | null = null
  private httpServer: http.Server | null = null
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private readonly relayedCounter: Counter<'type' | 'dialect'> | null = null
  private readonly rejectedCounter: Counter<'reason'> | null = null

  constructor(private readonly opts: SignalingServerOptions = {}) {
    this.path = opts.path ?? SIGNALING_WS_PATH
    const sio = opts.socketIo ?? true
    this.ioPath = sio === false ? null : sio === true ? SOCKET_IO_PATH : (sio.path ?? SOCKET_IO_PATH)
    this.maxPayload = opts.maxPayloadBytes ?? 64 * 1024
    this.ratePerSecond = opts.ratePerSecond ?? 1000
    this.maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024
    this.log = opts.log ?? null
    this.throttled = this.log ? new ThrottledLog(this.log) : null
    const reg = opts.metrics
    if (reg) {
      // A new server on the same registry (a restart) takes the names over.
      for (const n of ['warp_signaling_relayed_messages_total', 'warp_signaling_rejected_messages_total', 'warp_signaling_peers_connected', 'warp_signaling_rooms']) {
        if (reg.getSingleMetric(n)) reg.removeSingleMetric(n)
      }
      this.relayedCounter = new Counter({
        name: 'warp_signaling_relayed_messages_total',
        help: 'Signaling messages (offer, answer, ice-candidate) relayed to their receiver.',
        labelNames: ['type', 'dialect'],
        registers: [reg]
      })
      this.rejectedCounter = new Counter({
        name: 'warp_signaling_rejected_messages_total',
        help: 'Signaling frames answered with an error or that closed their sender, by reason.',
        labelNames: ['reason'],
        registers: [reg]
      })
      // Read at scrape time: no bookkeeping on the hot path.
      const stats = (): SignalingStats => this.stats()
      new Gauge({
        name: 'warp_signaling_peers_connected',
        help: 'Signaling connections admitted, by dialect.',
        labelNames: ['dialect'],
        registers: [reg],
        collect() {
          const s = stats()
          this.set({ dialect: 'ws' }, s.peersByDialect.ws)
          this.set({ dialect: 'socket.io' }, s.peersByDialect['socket.io'])
        }
      })
      new Gauge({
        name: 'warp_signaling_rooms',
        help: 'Signaling rooms with at least one peer.',
        registers: [reg],
        collect() {
          this.set(stats().rooms)
        }
      })
    }
  }

  /** Serves both dialects on `server` (listening already or later). One server at a time. */
  attach(server: http.Server): void {
    if (this.httpServer) throw new Error('SignalingServer is already attached')
    this.httpServer = server
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.maxPayload, perMessageDeflate: false, clientTracking: false })
    server.on('upgrade', this.onUpgrade)
    if (this.ioPath !== null) {
      this.io = new IoServer(server, { path: this.ioPath, serveClient: false, maxHttpBufferSize: this.maxPayload })
      this.io.use((socket, next) => {
        this.admitSocketIo(socket).then(
          () => next(),
          (err: unknown) => next(err instanceof Error ? err : new Error(String(err)))
        )
      })
      this.io.on('connection', (socket) => this.onSocketIo(socket))
    }
    const every = this.opts.pingIntervalMs ?? 30_000
    if (every > 0) {
      this.pingTimer = setInterval(() => this.pingAll(), every)
      this.pingTimer.unref?.()
    }
  }

  /** Closes every signaling connection and detaches (the http.Server itself is left to its owner). */
  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = null
    for (const c of [...this.conns]) c.kick(CLOSE_GOING_AWAY, 'server shutting down')
    for (const c of [...this.conns]) this.drop(c) // rooms empty now, not when each close completes
    this.httpServer?.off('upgrade', this.onUpgrade)
    this.httpServer = null
    const io = this.io
    this.io = null
    if (io) {
      // Not io.close(): that would close the owner's http.Server too. Closing the engine drops
      // every transport ("transport close": clients reconnect).
      io.engine.close()
    }
    const wss = this.wss
    this.wss = null
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()))
  }

  stats(): SignalingStats {
    const peersByDialect: Record<Dialect, number> = { ws: 0, 'socket.io': 0 }
    for (const c of this.conns) if (c.ready) peersByDialect[c.dialect]++
    return { peers: peersByDialect.ws + peersByDialect['socket.io'], peersByDialect, rooms: this.rooms.size, relayed: this.relayedTotal }
  }

  /** Peer ids in a room (empty when the room does not exist). */
  roomPeers(sessionId: string): string[] {
    return [...(this.rooms.get(sessionId)?.keys() ?? [])]
  }

  roomIds(): string[] {
    return [...this.rooms.keys()]
  }

  // ---- WebSocket dialect -------------------------------------------------------------------

  private readonly onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const wss = this.wss
    if (!wss) return
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      return
    }
    if (url.pathname !== this.path && url.pathname !== `${this.path}/`) return // someone else's
    wss.handleUpgrade(req, socket, head, (ws) => this.onWsConnection(ws, url))
  }

  private onWsConnection(ws: WebSocket, url: URL): void {
    const q = connectQuerySchema.safeParse({
      peer_id: url.searchParams.get('peer_id') ?? undefined,
      session_id: url.searchParams.get('session_id') ?? undefined,
      token: url.searchParams.get('token') ?? undefined
    })
    const sendRaw = (frame: ServerFrame): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame))
    }
    if (!q.success || q.data.peer_id === undefined) {
      this.reject('missing_peer_id')
      sendRaw({ type: 'error', message: q.success ? ERR.peerRequired : `Invalid query: ${q.error.issues[0]?.path.join('.') ?? ''}` })
      ws.close(CLOSE_POLICY, ERR.peerRequired)
      return
    }
    const maxBuffered = this.maxBuffered
    let pong = true
    const conn: WsConn = {
      id: this.nextId++,
      dialect: 'ws',
      peerId: q.data.peer_id,
      sessionId: null,
      ready: false,
      closed: false,
      limiter: this.newLimiter(),
      send(frame) {
        if (ws.readyState !== ws.OPEN || ws.bufferedAmount > maxBuffered) return false
        ws.send(JSON.stringify(frame))
        return true
      },
      kick(code, message) {
        if (code !== CLOSE_GOING_AWAY) sendRaw({ type: 'error', message })
        ws.close(code, closeReason(message))
      },
      pong: () => {
        const was = pong
        pong = false
        return was
      },
      ping: () => ws.ping(),
      terminate: () => ws.terminate()
    }
    ws.on('pong', () => {
      pong = true
    })
    this.conns.add(conn)
    const pending: RawData[] = []
    ws.on('message', (data) => {
      if (conn.closed) return
      if (!conn.ready) {
        // Held while the token is checked; a peer that will not wait is a flood.
        if (pending.length >= MAX_PENDING || !conn.limiter.tryAcquire()) this.flood(conn)
        else pending.push(data)
        return
      }
      if (!conn.limiter.tryAcquire()) {
        this.flood(conn)
        return
      }
      this.onWsFrame(conn, data)
    })
    ws.on('close', (code) => {
      if (code === 1009) this.reject('too_big')
      this.drop(conn)
    })
    ws.on('error', (err) => {
      this.throttled?.warn('ws-error', 'signaling socket error', { peer: conn.peerId, error: err.message })
    })
    const admit = (): void => {
      if (conn.closed) return
      this.admit(conn)
      if (q.data.session_id !== undefined) this.join(conn, q.data.session_id)
      for (const data of pending.splice(0)) {
        if (conn.closed) break
        this.onWsFrame(conn, data)
      }
    }
    const token = q.data.token
    if (token !== undefined && this.opts.verifyToken) {
      this.checkToken(token).then((ok) => {
        if (ok) admit()
        else {
          this.reject('invalid_token')
          conn.kick(CLOSE_POLICY, ERR.invalidToken)
        }
      }, () => undefined)
    } else admit()
  }

  private onWsFrame(conn: Conn, data: RawData): void {
    let msg: unknown
    try {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8')
      msg = JSON.parse(text)
    } catch {
      this.error(conn, ERR.invalidJson, 'invalid_json')
      return
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.error(conn, ERR.typeRequired, 'missing_fields')
      return
    }
    const type = (msg as Record<string, unknown>)['type']
    if (type === undefined) {
      this.error(conn, ERR.typeRequired, 'missing_fields')
      return
    }
    this.dispatch(conn, String(type), msg)
  }

  private pingAll(): void {
    for (const c of [...this.conns]) {
      if (c.dialect !== 'ws') continue // socket.io has its own heartbeat
      const w = c as WsConn
      if (!w.pong()) {
        this.drop(w) // peer-left to its room now
        w.terminate()
      } else w.ping()
    }
  }

  // ---- socket.io dialect -------------------------------------------------------------------

  /** Middleware: reads peer_id / session_id / token from the handshake's auth or query, checks the token. */
  private async admitSocketIo(socket: IoSocket): Promise<void> {
    const pick = (k: string): unknown => {
      const a = (socket.handshake.auth as Record<string, unknown> | undefined)?.[k]
      return a ?? socket.handshake.query[k]
    }
    const q = connectQuerySchema.safeParse({ peer_id: pick('peer_id'), session_id: pick('session_id'), token: pick('token') })
    if (!q.success) throw new Error(`Invalid handshake: ${q.error.issues[0]?.path.join('.') ?? ''}`)
    if (q.data.token !== undefined && this.opts.verifyToken && !(await this.checkToken(q.data.token))) {
      this.reject('invalid_token')
      throw new Error(ERR.invalidToken)
    }
    ;(socket.data as Record<string, unknown>)['warp'] = q.data
  }

  private onSocketIo(socket: IoSocket): void {
    const hs = (socket.data as { warp?: { peer_id?: string; session_id?: string } }).warp ?? {}
    const conn: Conn = {
      id: this.nextId++,
      dialect: 'socket.io',
      peerId: hs.peer_id ?? null,
      sessionId: null,
      ready: false,
      closed: false,
      limiter: this.newLimiter(),
      send(frame) {
        if (!socket.connected) return false
        socket.emit(frame.type, frame)
        return true
      },
      kick(code, message) {
        if (code === CLOSE_GOING_AWAY) {
          // Shutting down: drop the transport ("transport close"), which clients reconnect after;
          // a server disconnect ("io server disconnect") tells them not to come back.
          socket.conn.close()
          return
        }
        socket.emit('error', { type: 'error', message })
        socket.disconnect(true)
      }
    }
    this.conns.add(conn)
    this.admit(conn)
    socket.on('disconnect', () => this.drop(conn))
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (conn.closed) return
      if (!conn.limiter.tryAcquire()) {
        this.flood(conn)
        return
      }
      const last = args[args.length - 1]
      const ack = typeof last === 'function' ? (last as (r: unknown) => void) : null
      let payload: unknown = args[0] === last && ack ? undefined : args[0]
      if (typeof payload === 'string') {
        try {
          payload = JSON.parse(payload)
        } catch {
          this.error(conn, ERR.invalidJson, 'invalid_json')
          ack?.({ ok: false, message: ERR.invalidJson })
          return
        }
      }
      const obj = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {}
      const err = this.dispatch(conn, String(event), { ...obj, type: String(event) })
      ack?.(err === null ? { ok: true, ...(event === 'join' ? { session_id: conn.sessionId, peers: this.othersIn(conn) } : {}) } : { ok: false, message: err })
    })
    if (hs.session_id !== undefined) {
      if (conn.peerId !== null) this.join(conn, hs.session_id)
      else this.error(conn, ERR.peerRequired, 'missing_fields')
    }
  }

  // ---- shared core -------------------------------------------------------------------------

  private newLimiter(): TokenBucketLimiter {
    return new TokenBucketLimiter({ perSecond: this.ratePerSecond, perMinute: Infinity, clock: () => performance.now(), sleep: noopSleep })
  }

  private async checkToken(token: string): Promise<boolean> {
    try {
      return (await this.opts.verifyToken?.(token)) ?? true
    } catch (err) {
      this.throttled?.warn('token-check', 'signaling token check failed', { error: err instanceof Error ? err.message : String(err) })
      return false
    }
  }

  private admit(conn: Conn): void {
    conn.ready = true
    if (conn.peerId !== null) this.index(conn, conn.peerId)
  }

  private index(conn: Conn, peerId: string): void {
    let set = this.byPeer.get(peerId)
    if (!set) this.byPeer.set(peerId, (set = new Set()))
    set.add(conn)
  }

  private unindex(conn: Conn): void {
    if (conn.peerId === null) return
    const set = this.byPeer.get(conn.peerId)
    set?.delete(conn)
    if (set?.size === 0) this.byPeer.delete(conn.peerId)
  }

  private reject(reason: string): void {
    this.rejectedCounter?.inc({ reason })
  }

  /** Sends an error frame; returns the message (for socket.io acks). */
  private error(conn: Conn, message: string, reason: string): string {
    this.reject(reason)
    conn.send({ type: 'error', message })
    return message
  }

  private flood(conn: Conn): void {
    if (conn.closed) return
    this.reject('rate_limited')
    this.throttled?.warn('flood', 'signaling peer exceeded its message rate: closed', { peer: conn.peerId, dialect: conn.dialect, perSecond: this.ratePerSecond })
    conn.kick(CLOSE_POLICY, ERR.rateLimited(this.ratePerSecond))
    this.drop(conn)
  }

  /** Handles one validated-as-object frame; returns the error message sent, or null. */
  private dispatch(conn: Conn, type: string, msg: object): string | null {
    switch (type) {
      case 'join': {
        const r = joinSchema.safeParse(msg)
        if (!r.success) {
          const sessionOk = idSchema.safeParse((msg as Record<string, unknown>)['session_id']).success
          return this.error(conn, sessionOk ? ERR.peerRequired : ERR.sessionRequired, 'missing_fields')
        }
        if (r.data.peer_id !== undefined && r.data.peer_id !== conn.peerId) {
          // socket.io peers may name themselves in `join`; a WebSocket peer's id comes from its URL.
          if (conn.dialect === 'ws') return this.error(conn, `peer_id ${r.data.peer_id} does not match the connection's ${conn.peerId}`, 'missing_fields')
          if (conn.sessionId !== null) this.leave(conn, true)
          this.unindex(conn)
          conn.peerId = r.data.peer_id
          this.index(conn, conn.peerId)
        }
        if (conn.peerId === null) return this.error(conn, ERR.peerRequired, 'missing_fields')
        this.join(conn, r.data.session_id)
        return null
      }
      case 'leave':
        if (conn.sessionId === null) return this.error(conn, ERR.notInSession, 'not_in_session')
        this.leave(conn, true)
        return null
      case 'offer':
      case 'answer': {
        const r = sdpRelaySchema.safeParse(msg)
        const to = r.success ? (r.data.to ?? r.data.target_peer_id) : undefined
        if (!r.success || to === undefined) return this.error(conn, ERR.sdpRequired, 'missing_fields')
        return this.relay(conn, type, to, { sdp: r.data.sdp })
      }
      case 'ice-candidate': {
        const r = candidateRelaySchema.safeParse(msg)
        const to = r.success ? (r.data.to ?? r.data.target_peer_id) : undefined
        if (!r.success || to === undefined) return this.error(conn, ERR.candidateRequired, 'missing_fields')
        return this.relay(conn, type, to, { candidate: r.data.candidate })
      }
      case 'protocol-negotiate': {
        const r = negotiateSchema.safeParse(msg)
        if (!r.success) return this.error(conn, ERR.supportedRequired, 'missing_fields')
        const chosen = SUPPORTED_PROTOCOLS.find((p) => r.data.supported.includes(p))
        if (chosen) conn.send({ type: 'protocol-selected', protocol: chosen })
        else conn.send({ type: 'protocol-error', message: `No supported protocol (server supports: ${SUPPORTED_PROTOCOLS.join(', ')})` })
        return null
      }
      default:
        return this.error(conn, ERR.unknownType(type), 'unknown_type')
    }
  }

  private othersIn(conn: Conn): string[] {
    if (conn.sessionId === null) return []
    return [...(this.rooms.get(conn.sessionId)?.keys() ?? [])].filter((p) => p !== conn.peerId)
  }

  private join(conn: Conn, sessionId: string): void {
    const peerId = conn.peerId
    if (peerId === null) return
    if (conn.sessionId === sessionId) {
      conn.send({ type: 'session-joined', session_id: sessionId, peers: this.othersIn(conn) })
      return
    }
    if (conn.sessionId !== null) this.leave(conn, true)
    let room = this.rooms.get(sessionId)
    const existing = room?.get(peerId)
    if (existing && existing !== conn) {
      existing.kick(CLOSE_REPLACED, ERR.replaced(peerId, sessionId))
      this.drop(existing)
      room = this.rooms.get(sessionId)
    }
    if (!room) this.rooms.set(sessionId, (room = new Map()))
    const peers = [...room.keys()]
    room.set(peerId, conn)
    conn.sessionId = sessionId
    conn.send({ type: 'session-joined', session_id: sessionId, peers })
    for (const [p, other] of room) if (p !== peerId) other.send({ type: 'peer-joined', peer_id: peerId, session_id: sessionId })
  }

  private leave(conn: Conn, tellLeaver: boolean): void {
    const sessionId = conn.sessionId
    const peerId = conn.peerId
    if (sessionId === null || peerId === null) return
    conn.sessionId = null
    const room = this.rooms.get(sessionId)
    if (room && room.get(peerId) === conn) {
      room.delete(peerId)
      if (room.size === 0) this.rooms.delete(sessionId)
      for (const other of room.values()) other.send({ type: 'peer-left', peer_id: peerId, session_id: sessionId })
    }
    if (tellLeaver) conn.send({ type: 'session-left', session_id: sessionId })
  }

  /** A connection is gone (closed, kicked, replaced): leaves its room, forgets it. Idempotent. */
  private drop(conn: Conn): void {
    if (conn.closed) return
    conn.closed = true
    this.leave(conn, false)
    this.unindex(conn)
    this.conns.delete(conn)
  }

  private resolve(from: Conn, to: string): Conn | undefined {
    if (from.sessionId !== null) {
      const inRoom = this.rooms.get(from.sessionId)?.get(to)
      if (inRoom) return inRoom
    }
    let last: Conn | undefined
    for (const c of this.byPeer.get(to) ?? []) if (c.ready && !c.closed) last = c
    return last
  }

  private relay(
    conn: Conn,
    type: 'offer' | 'answer' | 'ice-candidate',
    to: string,
    body: { sdp: unknown } | { candidate: unknown }
  ): string | null {
    const from = conn.peerId
    if (from === null) return this.error(conn, ERR.peerRequired, 'missing_fields')
    const target = this.resolve(conn, to)
    const base = { from, from_peer_id: from, timestamp: new Date().toISOString(), ...(conn.sessionId !== null ? { session_id: conn.sessionId } : {}) }
    const frame = { type, ...base, ...body } as ServerFrame
    if (!target || !target.send(frame)) {
      if (target) this.throttled?.warn('backlog', 'signaling receiver too far behind: message not delivered', { to, dialect: target.dialect })
      return this.error(conn, ERR.undeliverable(type, to), 'undeliverable')
    }
    this.relayedTotal++
    this.relayedCounter?.inc({ type, dialect: target.dialect })
    return null
  }
}
