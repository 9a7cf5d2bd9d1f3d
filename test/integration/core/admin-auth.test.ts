// Item 10 on a real AdminServer (127.0.0.1, port 0): Bearer and ?token= accept the same tokens,
// failed attempts are logged rate-limited with a count, and a client that keeps failing gets
// HTTP 429 + Retry-After and a WebSocket close 4429 — even with the right token, until the block ends.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AdminServer, BRIDGE_THROTTLED_CLOSE } from '../../../src/main/bridge/admin-server'
import { boot, type Booted } from '../../../src/main/bootstrap'
import { BRIDGE_UNAUTHORIZED_CLOSE } from '../../../src/shared/contract'

// A token with characters that URLs treat specially: '+' (a space in a query) and '/'.
const TOKEN = 'ops+test/token-0123456789'
let dir: string
let booted: Booted
const lines: string[] = []

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-admin-auth-'))
  booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: path.join(dir, 'data') }, write: (l) => lines.push(l), modules: [] })
  await booted.runtime.start()
})
afterAll(async () => {
  await booted.runtime.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function serve(authThrottle: ConstructorParameters<typeof AdminServer>[0]['authThrottle']): Promise<{ server: AdminServer; base: string }> {
  const server = new AdminServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    rendererDir: null,
    dispatch: booted.runtime.dispatch,
    events: booted.runtime.events,
    log: booted.sink.logger('admin'),
    version: booted.runtime.version,
    ...(authThrottle ? { authThrottle } : {})
  })
  await server.start()
  return { server, base: `http://127.0.0.1:${server.address.port}` }
}

function wsClose(base: string, query: string): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/bridge${query}`)
    ws.once('message', () => {
      ws.close()
      resolve('open')
    })
    ws.once('close', (code) => resolve(code))
    ws.once('error', reject)
  })
}

describe('admin authentication', () => {
  it('Bearer and ?token= accept the same tokens (scheme in any case, spaces, + and / unencoded)', async () => {
    const { server, base } = await serve(undefined)
    try {
      const get = (q: string, h: Record<string, string> = {}): Promise<number> => fetch(`${base}/api/status${q}`, { headers: h }).then((r) => r.status)
      expect(await get('', { Authorization: `Bearer ${TOKEN}` })).toBe(200)
      expect(await get('', { Authorization: `bearer   ${TOKEN}  ` })).toBe(200)
      expect(await get(`?token=${encodeURIComponent(TOKEN)}`)).toBe(200)
      expect(await get(`?token=${TOKEN}`)).toBe(200) // '+' left unencoded, as people paste it
      expect(await get(`?token=%20${encodeURIComponent(TOKEN)}%20`)).toBe(200)
      expect(await wsClose(base, `?token=${TOKEN}`)).toBe('open')
      expect(await get('?token=ops test/token-0123456789x')).toBe(401)
      expect(await get('', { Authorization: `Basic ${TOKEN}` })).toBe(401)
    } finally {
      await server.stop()
    }
  })

  it('logs failures at most once per interval per client, with a count', async () => {
    const { server, base } = await serve({ maxFailures: 1000, logEveryMs: 60_000 })
    try {
      const before = lines.length
      for (let i = 0; i < 7; i++) expect((await fetch(`${base}/api/status?token=wrong-${i}`)).status).toBe(401)
      const failed = lines.slice(before).filter((l) => l.includes('admin authentication failed'))
      expect(failed).toHaveLength(1)
      expect(failed[0]).toContain('failures=1')
      expect(failed[0]).toContain('remote=127.0.0.1')
      expect(lines.join('\n')).not.toContain(TOKEN)
    } finally {
      await server.stop()
    }
  })

  it('throttles a client that keeps failing: 429 with Retry-After, WebSocket 4429, then lets it back', async () => {
    const { server, base } = await serve({ maxFailures: 3, windowMs: 60_000, blockMs: 1500, logEveryMs: 10_000 })
    try {
      expect((await fetch(`${base}/api/status?token=nope-1`)).status).toBe(401)
      expect(await wsClose(base, '?token=nope-2')).toBe(BRIDGE_UNAUTHORIZED_CLOSE)
      const third = await fetch(`${base}/api/metrics?token=nope-3`)
      expect(third.status).toBe(429)
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      // While blocked even the right token is refused (guessing gets nowhere).
      expect((await fetch(`${base}/api/status`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(429)
      expect(await wsClose(base, `?token=${encodeURIComponent(TOKEN)}`)).toBe(BRIDGE_THROTTLED_CLOSE)
      expect(lines.some((l) => l.includes('too many failed admin authentications from 127.0.0.1'))).toBe(true)
      // The block ends on its own.
      const deadline = Date.now() + 10_000
      let s = 429
      while (s === 429 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
        s = (await fetch(`${base}/api/status?token=${encodeURIComponent(TOKEN)}`)).status
      }
      expect(s).toBe(200)
      // Public pages are never throttled.
      expect((await fetch(`${base}/healthz`)).status).toBe(200)
    } finally {
      await server.stop()
    }
  })
})
