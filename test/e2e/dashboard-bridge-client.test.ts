/**
 * The dashboard's bridge client (src/renderer/src/api/bridge-client.ts) in Node, with `ws` as its
 * WebSocket: against the BUILT headless host (hello → open, typed results, ContractCallError with
 * issues, close 4401 → unauthorized with no reconnect, sign-in with the right token, reconnect with
 * backoff after the host goes away) and against a silent stub server on an ephemeral port (a call
 * times out; calls waiting when the socket drops are rejected with a clear error).
 */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { BRIDGE_PATH, ContractCallError, type ContractClient } from '../../src/shared/contract'
import { REPO_ROOT, startHeadlessHost, type HeadlessHost } from './helpers/headless-host'

// The client is loaded at run time: tsconfig.node.json (which type-checks tests) does not list the
// renderer's files, so a static import would not type-check there. These local types mirror the
// parts of LiveClient / ConnectionInfo (src/renderer/src/api/live-client.ts) the tests use.
interface ConnectionInfo {
  state: 'connecting' | 'open' | 'unauthorized' | 'disconnected'
  attempt: number
  retryAt: number | null
  reason: string | null
  auth: 'missing' | 'rejected' | null
  serverVersion: string | null
}
interface LiveClient extends ContractClient {
  getConnection(): ConnectionInfo
  onConnection(listener: (info: ConnectionInfo) => void): () => void
  signIn(token: string): void
  close(): void
}
type CreateBridgeClient = (opts: {
  url: string
  token: string | null
  WebSocketImpl: unknown
  callTimeoutMs?: number
  backoff?: { initialMs: number; maxMs: number }
}) => LiveClient

const BRIDGE_CLIENT_MODULE = path.join(REPO_ROOT, 'src/renderer/src/api/bridge-client.ts')
let createBridgeClient: CreateBridgeClient
const WS = WebSocket

beforeAll(async () => {
  createBridgeClient = ((await import(BRIDGE_CLIENT_MODULE)) as { createBridgeClient: CreateBridgeClient }).createBridgeClient
})

/** Resolves with the first connection snapshot that satisfies `test`. */
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

async function rejection(p: Promise<unknown>): Promise<ContractCallError> {
  try {
    await p
  } catch (err) {
    if (err instanceof ContractCallError) return err
    throw err
  }
  throw new Error('expected the call to fail')
}

describe('bridge client against the built headless host', () => {
  let host: HeadlessHost
  const clients: LiveClient[] = []
  const make = (token: string | null): LiveClient => {
    const c = createBridgeClient({
      url: `ws://127.0.0.1:${host.port}${BRIDGE_PATH}`,
      token,
      WebSocketImpl: WS,
      backoff: { initialMs: 50, maxMs: 200 }
    })
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    host = await startHeadlessHost()
  })

  afterAll(async () => {
    clients.forEach((c) => c.close())
    await host?.stop()
    if (host) fs.rmSync(host.dataDir, { recursive: true, force: true })
  })

  it('opens on hello and returns typed, checked results', async () => {
    const client = make(host.token)
    const info = await until(client, (i) => i.state === 'open')
    expect(info.serverVersion).toMatch(/^\d+\.\d+\.\d+/)
    const status = await client.call('app.status')
    expect(status.mode).toBe('headless')
    expect(status.services.find((s) => s.name === 'store')?.state).toBe('running')
  })

  it('throws ContractCallError with the server issues for bad input', async () => {
    const client = make(host.token)
    await until(client, (i) => i.state === 'open')
    const err = await rejection(client.call('config.update', { polling: { interval_ms: 5 } }))
    expect(err.code).toBe('bad_input')
    expect(err.issues?.[0]?.path).toBe('polling.interval_ms')
  })

  it('a refused token makes it unauthorized, without reconnecting; signIn with the right one opens', async () => {
    const client = make('wrong-token')
    const refused = await until(client, (i) => i.state === 'unauthorized')
    expect(refused.auth).toBe('rejected')
    expect(refused.retryAt).toBeNull()
    const err = await rejection(client.call('app.status'))
    expect(err.code).toBe('forbidden')
    client.signIn(host.token)
    await until(client, (i) => i.state === 'open')
    expect((await client.call('config.get')).secretStorage).toBe('file')
  })

  it('with no token it does not connect at all', () => {
    const client = make(null)
    expect(client.getConnection()).toMatchObject({ state: 'unauthorized', auth: 'missing' })
  })

  it('schedules reconnects with backoff when the host goes away', async () => {
    const client = make(host.token)
    await until(client, (i) => i.state === 'open')
    expect(await host.stop()).toEqual({ code: 0, signal: null })
    const down = await until(client, (i) => i.state === 'disconnected' && i.attempt >= 2)
    expect(down.retryAt).not.toBeNull()
    expect(down.reason).toBeTruthy()
    const err = await rejection(client.call('app.status'))
    expect(err.code).toBe('unavailable')
  })
})

describe('bridge client against a silent stub', () => {
  let server: WebSocketServer
  let url: string
  const sockets: WebSocket[] = []

  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}${BRIDGE_PATH}`
    // Says hello, then never answers a call.
    server.on('connection', (ws) => {
      sockets.push(ws)
      ws.send(JSON.stringify({ t: 'hello', version: '9.9.9', methods: [], events: [] }))
    })
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('fails a call that gets no answer within the timeout', async () => {
    const client = createBridgeClient({ url, token: 't', WebSocketImpl: WS, callTimeoutMs: 200 })
    await until(client, (i) => i.state === 'open')
    const err = await rejection(client.call('app.status'))
    expect(err.code).toBe('unavailable')
    expect(err.message).toMatch(/did not answer app\.status/)
    client.close()
  })

  it('rejects the calls in flight with a clear error when the socket drops', async () => {
    const client = createBridgeClient({ url, token: 't', WebSocketImpl: WS, backoff: { initialMs: 10_000, maxMs: 10_000 } })
    await until(client, (i) => i.state === 'open')
    const pending = [rejection(client.call('app.status')), rejection(client.call('config.get'))]
    for (const s of sockets) s.terminate()
    const errors = await Promise.all(pending)
    expect(errors.map((e) => e.message)).toEqual([
      'The connection to WARP Host was lost before it answered app.status',
      'The connection to WARP Host was lost before it answered config.get'
    ])
    expect(client.getConnection().state).toBe('disconnected')
    client.close()
  })
})
