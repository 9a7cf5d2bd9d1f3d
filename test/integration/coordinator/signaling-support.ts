/**
 * Helpers for the signaling tests: a SignalingServer attached to a plain http.Server on
 * 127.0.0.1 (port 0 or a given one), and raw peers (a `ws` WebSocket, a socket.io-client socket)
 * that queue what they receive so a test waits for the frame it expects — never a fixed sleep.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { io as ioConnect, type Socket as IoClientSocket } from 'socket.io-client'
import WebSocket from 'ws'
import { SignalingServer, type SignalingServerOptions } from '../../../src/main/coordinator/signaling/server'
import { SIGNALING_WS_PATH } from '../../../src/main/coordinator/signaling/protocol'

export type Frame = Record<string, unknown> & { type?: string }

export interface Running {
  http: http.Server
  signaling: SignalingServer
  port: number
  base: string
  stop(): Promise<void>
}

export async function startSignaling(opts: SignalingServerOptions = {}, port = 0): Promise<Running> {
  const server = http.createServer((_req, res) => {
    res.statusCode = 404
    res.end()
  })
  const signaling = new SignalingServer(opts)
  signaling.attach(server)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const p = (server.address() as AddressInfo).port
  return {
    http: server,
    signaling,
    port: p,
    base: `http://127.0.0.1:${p}`,
    async stop() {
      await signaling.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
  }
}

/** Queue of received items; `next` takes the first that matches, waiting for it if needed. */
export class Inbox<T> {
  private readonly items: T[] = []
  private waiters: { pred: (t: T) => boolean; resolve: (t: T) => void }[] = []

  push(item: T): void {
    const i = this.waiters.findIndex((w) => w.pred(item))
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1)
      w!.resolve(item)
    } else this.items.push(item)
  }

  next(pred: (t: T) => boolean = () => true, what = 'a message', timeoutMs = 5000): Promise<T> {
    const i = this.items.findIndex(pred)
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]!)
    return new Promise<T>((resolve, reject) => {
      const w = {
        pred,
        resolve: (t: T) => {
          clearTimeout(timer)
          resolve(t)
        }
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w)
        reject(new Error(`timed out waiting for ${what}; have ${JSON.stringify(this.items).slice(0, 500)}`))
      }, timeoutMs)
      this.waiters.push(w)
    })
  }

  all(): T[] {
    return [...this.items]
  }

  count(pred: (t: T) => boolean): number {
    return this.items.filter(pred).length
  }
}

export const ofType =
  (type: string, extra: (f: Frame) => boolean = () => true) =>
  (f: Frame): boolean =>
    f.type === type && extra(f)

/** A raw WebSocket peer speaking the spec's protocol. */
export class WsPeer {
  readonly inbox = new Inbox<Frame>()
  readonly closed: Promise<{ code: number; reason: string }>

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.inbox.push(JSON.parse(String(data)) as Frame)
      } catch {
        this.inbox.push({ type: '__unparsable__', raw: String(data) })
      }
    })
    ws.on('error', () => undefined)
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  }

  static async open(base: string, query: Record<string, string>): Promise<WsPeer> {
    const qs = new URLSearchParams(query).toString()
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${SIGNALING_WS_PATH}?${qs}`)
    const peer = new WsPeer(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return peer
  }

  send(msg: Frame | string): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg))
  }

  next(type: string, extra?: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame> {
    return this.inbox.next(ofType(type, extra), `"${type}"`, timeoutMs)
  }

  close(): void {
    this.ws.close()
  }
}

/** A raw socket.io-client peer of the socket.io dialect. */
export class IoPeer {
  readonly inbox = new Inbox<Frame>()

  private constructor(readonly socket: IoClientSocket) {
    socket.onAny((event: string, payload: unknown) => {
      this.inbox.push({ ...(typeof payload === 'object' && payload !== null ? (payload as Frame) : { payload }), type: event })
    })
  }

  static async open(base: string, auth: Record<string, string> = {}): Promise<IoPeer> {
    const socket = ioConnect(base, { transports: ['websocket'], reconnection: false, forceNew: true, auth })
    const peer = new IoPeer(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', reject)
    })
    return peer
  }

  emit(event: string, payload: unknown): void {
    this.socket.emit(event, payload)
  }

  emitWithAck(event: string, payload: unknown): Promise<unknown> {
    return this.socket.timeout(5000).emitWithAck(event, payload)
  }

  next(type: string, extra?: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame> {
    return this.inbox.next(ofType(type, extra), `"${type}"`, timeoutMs)
  }

  close(): void {
    this.socket.disconnect()
  }
}

/** Resolves when `check` holds, re-checked on every `subscribe` notification (no polling sleeps). */
export function when<S>(subscribe: (l: (s: S) => void) => () => void, current: () => S, check: (s: S) => boolean, what: string, timeoutMs = 10_000): Promise<S> {
  const now = current()
  if (check(now)) return Promise.resolve(now)
  return new Promise<S>((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${what}; last ${JSON.stringify(current())}`))
    }, timeoutMs)
    const off = subscribe((s) => {
      if (check(s)) {
        clearTimeout(timer)
        off()
        resolve(s)
      }
    })
  })
}
