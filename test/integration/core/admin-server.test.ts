import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AdminServer } from '../../../src/main/bridge/admin-server'
import { boot, type Booted } from '../../../src/main/bootstrap'
import { BRIDGE_UNAUTHORIZED_CLOSE, type BridgeServerMessage } from '../../../src/shared/contract'

let dir: string
let booted: Booted
let server: AdminServer
let base: string
const TOKEN = 'test-token-0123456789abcdef'

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-admin-'))
  const renderer = path.join(dir, 'renderer')
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true })
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>WARP Host</title>')
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)')
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'do not serve')
  booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: path.join(dir, 'data') }, write: () => {}, modules: [] })
  await booted.runtime.start()
  server = new AdminServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    rendererDir: renderer,
    dispatch: booted.runtime.dispatch,
    events: booted.runtime.events,
    log: booted.sink.logger('admin'),
    version: booted.runtime.version
  })
  await server.start()
  base = `http://127.0.0.1:${server.address.port}`
})
afterAll(async () => {
  await server.stop()
  await booted.runtime.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

function connect(query: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; first: Promise<BridgeServerMessage | { closed: number }> }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/bridge${query}`, { headers })
  const first = new Promise<BridgeServerMessage | { closed: number }>((resolve, reject) => {
    ws.once('message', (d) => resolve(JSON.parse(String(d)) as BridgeServerMessage))
    ws.once('close', (code) => resolve({ closed: code }))
    ws.once('error', reject)
  })
  return Promise.resolve({ ws, first })
}

function nextMessage(ws: WebSocket, pred: (m: BridgeServerMessage) => boolean): Promise<BridgeServerMessage> {
  return new Promise((resolve) => {
    const on = (d: WebSocket.RawData): void => {
      const m = JSON.parse(String(d)) as BridgeServerMessage
      if (pred(m)) {
        ws.off('message', on)
        resolve(m)
      }
    }
    ws.on('message', on)
  })
}

describe('AdminServer HTTP', () => {
  it('answers 401 without a valid token and 200 with one', async () => {
    expect((await fetch(`${base}/api/status`)).status).toBe(401)
    expect((await fetch(`${base}/api/status?token=wrong`)).status).toBe(401)
    const ok = await fetch(`${base}/api/status`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { mode: string; services: { name: string; state: string }[] }
    expect(body.mode).toBe('headless')
    expect(body.services.find((s) => s.name === 'store')?.state).toBe('running')
  })

  it('serves the dashboard publicly, with a CSP, and SPA routes fall back to it', async () => {
    const r = await fetch(`${base}/`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await (await fetch(`${base}/settings`)).text()).toContain('WARP Host')
    expect((await fetch(`${base}/assets/app.js`)).headers.get('content-type')).toContain('javascript')
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404)
  })

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/%E0%A4%A']) {
      const r = await fetch(`${base}${p}`)
      expect(await r.text(), p).not.toContain('do not serve')
    }
  })
})

describe('AdminServer WebSocket bridge', () => {
  it('closes with 4401 for a missing or wrong token', async () => {
    expect(await (await connect('')).first).toEqual({ closed: BRIDGE_UNAUTHORIZED_CLOSE })
    expect(await (await connect('?token=nope')).first).toEqual({ closed: BRIDGE_UNAUTHORIZED_CLOSE })
  })

  it('refuses a cross-site origin', async () => {
    const { first } = await connect(`?token=${TOKEN}`, { Origin: 'http://evil.example' })
    await expect(first).rejects.toThrow(/403/)
  })

  it('says hello, answers calls and pushes events', async () => {
    const { ws, first } = await connect(`?token=${TOKEN}`, { Origin: base })
    const hello = await first
    expect(hello).toMatchObject({ t: 'hello', methods: expect.arrayContaining(['app.status']) as unknown })
    const result = nextMessage(ws, (m) => m.t === 'result' && m.id === 7)
    ws.send(JSON.stringify({ t: 'call', id: 7, method: 'app.status' }))
    expect(await result).toMatchObject({ t: 'result', id: 7, result: { ok: true, value: { mode: 'headless' } } })

    const event = nextMessage(ws, (m) => m.t === 'event' && m.event === 'logs.entries')
    booted.sink.logger('test').info('hello from the test')
    const ev = await event
    expect(JSON.stringify(ev)).toContain('hello from the test')
    ws.close()
  })

  it('answers bad frames with a clear error and stays open', async () => {
    const { ws, first } = await connect(`?token=${TOKEN}`)
    await first
    const errs: string[] = []
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as BridgeServerMessage
      if (m.t === 'error') errs.push(m.message)
    })
    const bad = nextMessage(ws, (m) => m.t === 'result' && m.id === 2)
    ws.send('not json')
    ws.send(JSON.stringify({ t: 'call', id: -1, method: 'app.status' }))
    ws.send(Buffer.from([1, 2, 3]), { binary: true })
    ws.send(JSON.stringify({ t: 'call', id: 2, method: 'logs.tail', input: { limit: 'lots' } }))
    const r = await bad
    expect(r).toMatchObject({ result: { ok: false, error: { code: 'bad_input' } } })
    expect(errs).toHaveLength(3)
    expect(errs[0]).toMatch(/not valid JSON/)
    const ok = nextMessage(ws, (m) => m.t === 'result' && m.id === 3)
    ws.send(JSON.stringify({ t: 'call', id: 3, method: 'config.get' }))
    expect(await ok).toMatchObject({ result: { ok: true } })
    ws.close()
  })

  it('refuses to listen on a port in use with a clear message', async () => {
    const clash = new AdminServer({
      host: '127.0.0.1',
      port: server.address.port,
      token: TOKEN,
      rendererDir: null,
      dispatch: booted.runtime.dispatch,
      events: booted.runtime.events,
      log: booted.sink.logger('admin'),
      version: '0'
    })
    await expect(clash.start()).rejects.toThrow(/already in use.*ADMIN_PORT/)
  })
})
