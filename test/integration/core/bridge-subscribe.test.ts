/**
 * Bridge subscriptions against a real AdminServer on port 0: a client that subscribes gets only
 * its events; an unknown event name is refused with an error frame naming it (the subscription
 * unchanged); a client that never subscribes keeps getting everything. Then the dashboard's own
 * bridge client (loaded at run time, `ws` as its WebSocket): its subscription follows its live
 * `on()` listeners and is sent again after a reconnect; close 4429 waits the server's delay.
 */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { AdminServer } from '../../../src/main/bridge/admin-server'
import { boot, type Booted } from '../../../src/main/bootstrap'
import { BRIDGE_PATH, BRIDGE_THROTTLED_CLOSE, type BridgeServerMessage, type ContractClient, type EventName } from '../../../src/shared/contract'

const TOKEN = 'subscribe-test-token-0123456789'

let dir: string
let booted: Booted
let server: AdminServer
let port: number

function makeServer(p: number): AdminServer {
  return new AdminServer({
    host: '127.0.0.1',
    port: p,
    token: TOKEN,
    rendererDir: null,
    dispatch: booted.runtime.dispatch,
    events: booted.runtime.events,
    log: booted.sink.logger('admin'),
    version: booted.runtime.version
  })
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-subscribe-'))
  booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: path.join(dir, 'data') }, write: () => {}, modules: [] })
  await booted.runtime.start()
  server = makeServer(0)
  await server.start()
  port = server.address.port
})

afterAll(async () => {
  await server?.stop()
  await booted?.runtime.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A raw bridge socket that records every frame after the hello. */
async function rawClient(): Promise<{ ws: WebSocket; frames: BridgeServerMessage[]; next(pred: (m: BridgeServerMessage) => boolean): Promise<BridgeServerMessage> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${BRIDGE_PATH}?token=${TOKEN}`)
  const frames: BridgeServerMessage[] = []
  const waiters: { pred: (m: BridgeServerMessage) => boolean; resolve: (m: BridgeServerMessage) => void }[] = []
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as BridgeServerMessage
    frames.push(m)
    for (const w of waiters.splice(0)) {
      if (w.pred(m)) w.resolve(m)
      else waiters.push(w)
    }
  })
  const next = (pred: (m: BridgeServerMessage) => boolean): Promise<BridgeServerMessage> =>
    new Promise((resolve) => waiters.push({ pred, resolve }))
  await next((m) => m.t === 'hello')
  return { ws, frames, next }
}

const eventsOf = (frames: BridgeServerMessage[]): string[] => frames.flatMap((f) => (f.t === 'event' ? [f.event] : []))

/** A valid logs.entries item (the one event every test client subscribes to). */
const LOG_ENTRY = { seq: 1, time: new Date().toISOString(), level: 'info' as const, scope: 'test', msg: 'marker' }

describe('bridge subscribe protocol', () => {
  it('forwards only subscribed events; a client that never subscribes gets all; an unknown name is refused', async () => {
    const subscribed = await rawClient()
    const everything = await rawClient()
    try {
      subscribed.ws.send(JSON.stringify({ t: 'subscribe', events: ['logs.entries'] }))
      const ack = await subscribed.next((m) => m.t === 'subscribed')
      expect(ack).toEqual({ t: 'subscribed', events: ['logs.entries'] })
      // Events the runtime pushed on its own before the subscription took effect do not count.
      const since = subscribed.frames.length

      const status = await booted.runtime.dispatch('app.status', undefined, { transport: 'bridge', client: 'test' })
      if (!status.ok) throw new Error(status.error.message)
      booted.runtime.events.emit('app.status', status.value as never)
      booted.runtime.events.emit('logs.entries', [LOG_ENTRY])
      // Frames arrive in order: once each client has its logs.entries, it has everything before it.
      // Both waits start now: one begun after the other resolved could miss a frame already in.
      await Promise.all([
        subscribed.next((m) => m.t === 'event' && m.event === 'logs.entries'),
        everything.next((m) => m.t === 'event' && m.event === 'logs.entries')
      ])
      expect(eventsOf(subscribed.frames.slice(since))).not.toContain('app.status')
      expect(eventsOf(subscribed.frames.slice(since))).toContain('logs.entries')
      expect(eventsOf(everything.frames)).toEqual(expect.arrayContaining(['app.status', 'logs.entries']))

      // Unknown names: a clear error naming them, the subscription stays what it was.
      subscribed.ws.send(JSON.stringify({ t: 'subscribe', events: ['logs.entries', 'no.such.event'] }))
      const err = await subscribed.next((m) => m.t === 'error')
      expect(err.t === 'error' && err.message).toContain('"no.such.event"')
      expect(err.t === 'error' && err.message).toContain('known events:')
      expect(err.t === 'error' && err.unknownEvents).toEqual(['no.such.event'])
      // A malformed subscribe frame is refused too.
      subscribed.ws.send(JSON.stringify({ t: 'subscribe', events: 'logs.entries' }))
      const bad = await subscribed.next((m) => m.t === 'error')
      expect(bad.t === 'error' && bad.message).toContain('subscribe frame must be')

      const before = subscribed.frames.length
      booted.runtime.events.emit('app.status', status.value as never)
      booted.runtime.events.emit('logs.entries', [{ ...LOG_ENTRY, seq: 2 }])
      await subscribed.next((m) => m.t === 'event' && m.event === 'logs.entries')
      expect(eventsOf(subscribed.frames.slice(before))).toEqual(['logs.entries'])

      // Subscribing to nothing stops every event; calls still work.
      subscribed.ws.send(JSON.stringify({ t: 'subscribe', events: [] }))
      await subscribed.next((m) => m.t === 'subscribed')
      const mark = subscribed.frames.length
      booted.runtime.events.emit('logs.entries', [{ ...LOG_ENTRY, seq: 3 }])
      subscribed.ws.send(JSON.stringify({ t: 'call', id: 7, method: 'app.status' }))
      await Promise.all([subscribed.next((m) => m.t === 'result' && m.id === 7), everything.next((m) => m.t === 'event' && m.event === 'logs.entries')])
      expect(eventsOf(subscribed.frames.slice(mark))).toEqual([])
    } finally {
      subscribed.ws.close()
      everything.ws.close()
    }
  })
})

// The renderer's bridge client, loaded at run time (tsconfig.node.json does not list renderer files).
interface ConnectionInfo {
  state: 'connecting' | 'open' | 'unauthorized' | 'disconnected'
  attempt: number
  retryAt: number | null
  reason: string | null
  throttled: boolean
}
interface LiveClient extends ContractClient {
  getConnection(): ConnectionInfo
  onConnection(listener: (info: ConnectionInfo) => void): () => void
  close(): void
}
type CreateBridgeClient = (opts: { url: string; token: string | null; WebSocketImpl: unknown; backoff?: { initialMs: number; maxMs: number } }) => LiveClient

async function loadClient(): Promise<CreateBridgeClient> {
  const mod = path.resolve(__dirname, '../../../src/renderer/src/api/bridge-client.ts')
  return ((await import(mod)) as { createBridgeClient: CreateBridgeClient }).createBridgeClient
}

function until(client: LiveClient, test: (info: ConnectionInfo) => boolean): Promise<ConnectionInfo> {
  return new Promise((resolve) => {
    if (test(client.getConnection())) return resolve(client.getConnection())
    const off = client.onConnection((info) => {
      if (test(info)) {
        off()
        resolve(info)
      }
    })
  })
}

/** A bridge stub that says hello and records every subscribe frame per connection. */
async function stubBridge(onConnection?: (ws: WebSocket, n: number) => void): Promise<{ url: string; subscriptions: string[][][]; sockets: WebSocket[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((r) => wss.once('listening', () => r()))
  const subscriptions: string[][][] = []
  const sockets: WebSocket[] = []
  wss.on('connection', (ws) => {
    const n = sockets.push(ws) - 1
    subscriptions.push([])
    if (onConnection) {
      onConnection(ws, n)
      return
    }
    ws.send(JSON.stringify({ t: 'hello', version: 'stub', methods: [], events: [] }))
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { t: string; events?: string[] }
      if (m.t === 'subscribe') subscriptions[n]!.push(m.events ?? [])
    })
  })
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}${BRIDGE_PATH}`,
    subscriptions,
    sockets,
    close: () => new Promise((r) => wss.close(() => r()))
  }
}

describe('the dashboard bridge client subscribes to what it listens to', () => {
  it('derives the subscription from live on() listeners, coalesced, and sends it again after a reconnect', async () => {
    const createBridgeClient = await loadClient()
    const stub = await stubBridge()
    const client = createBridgeClient({ url: stub.url, token: 't', WebSocketImpl: WebSocket, backoff: { initialMs: 20, maxMs: 50 } })
    try {
      await until(client, (i) => i.state === 'open')
      const offStatus = client.on('app.status', () => undefined)
      const offStats = client.on('requests.stats', () => undefined)
      const offStats2 = client.on('requests.stats', () => undefined)
      await expect.poll(() => stub.subscriptions[0]!.at(-1)).toEqual(['app.status', 'requests.stats'])
      const sent = stub.subscriptions[0]!.length
      // One of two listeners leaving changes nothing; the last one leaving does.
      offStats()
      await Promise.resolve()
      offStats2()
      await expect.poll(() => stub.subscriptions[0]!.at(-1)).toEqual(['app.status'])
      expect(stub.subscriptions[0]!.length).toBe(sent + 1)

      // The server goes away: the client reconnects and sends its subscription again.
      stub.sockets[0]!.terminate()
      await expect.poll(() => stub.subscriptions[1]?.at(-1)).toEqual(['app.status'])
      offStatus()
      await expect.poll(() => stub.subscriptions[1]!.at(-1)).toEqual([])
    } finally {
      client.close()
      await stub.close()
    }
  })

  it('against the real server: receives only what it listens to', async () => {
    const createBridgeClient = await loadClient()
    const client = createBridgeClient({ url: `ws://127.0.0.1:${port}${BRIDGE_PATH}`, token: TOKEN, WebSocketImpl: WebSocket })
    const seen: EventName[] = []
    const raw = await rawClient()
    try {
      await until(client, (i) => i.state === 'open')
      client.on('logs.entries', () => seen.push('logs.entries'))
      // A call flushes the subscription before its own frame, so after its answer the server has it.
      await client.call('app.status')
      const status = await client.call('app.status')
      booted.runtime.events.emit('app.status', status)
      booted.runtime.events.emit('logs.entries', [{ ...LOG_ENTRY, seq: 10 }])
      await raw.next((m) => m.t === 'event' && m.event === 'logs.entries')
      await expect.poll(() => seen).toEqual(['logs.entries'])
    } finally {
      client.close()
      raw.ws.close()
    }
  })

  it('close 4429: says it is throttled and waits the delay the server names instead of reconnecting at once', async () => {
    const createBridgeClient = await loadClient()
    const stub = await stubBridge((ws) => ws.close(BRIDGE_THROTTLED_CLOSE, 'too many failed attempts; retry in 42 s'))
    const client = createBridgeClient({ url: stub.url, token: 't', WebSocketImpl: WebSocket, backoff: { initialMs: 10, maxMs: 20 } })
    try {
      const info = await until(client, (i) => i.state === 'disconnected')
      expect(info.throttled).toBe(true)
      expect(info.reason).toContain('Too many failed sign-ins')
      expect(info.retryAt! - Date.now()).toBeGreaterThan(40_000)
      expect(info.retryAt! - Date.now()).toBeLessThanOrEqual(42_000)
      expect(stub.sockets.length).toBe(1)
    } finally {
      client.close()
      await stub.close()
    }
  })
})
