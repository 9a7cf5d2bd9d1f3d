/**
 * Bridge connects and disconnects are routine (every browser tab, every reconnect): they are
 * logged at debug, so the info log stays about the host's work (issue 10, item 14).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AdminServer } from '../../../src/main/bridge/admin-server'
import { boot, type Booted } from '../../../src/main/bootstrap'
import type { Logger } from '../../../src/main/logging/logger'

const TOKEN = 'test-token-0123456789abcdef'
const lines: { level: string; msg: string }[] = []
const log: Logger = {
  debug: (msg) => void lines.push({ level: 'debug', msg }),
  info: (msg) => void lines.push({ level: 'info', msg }),
  warn: (msg) => void lines.push({ level: 'warn', msg }),
  error: (msg) => void lines.push({ level: 'error', msg }),
  scope: () => log
}
let dir: string
let booted: Booted
let server: AdminServer

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-admin-levels-'))
  fs.mkdirSync(path.join(dir, 'renderer'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>WARP Host</title>')
  booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: path.join(dir, 'data') }, write: () => {}, modules: [] })
  await booted.runtime.start()
  server = new AdminServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    rendererDir: path.join(dir, 'renderer'),
    dispatch: booted.runtime.dispatch,
    events: booted.runtime.events,
    log,
    version: booted.runtime.version
  })
  await server.start()
})
afterAll(async () => {
  await server.stop()
  await booted.runtime.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

it('logs bridge client connect and disconnect at debug level', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.address.port}/bridge?token=${TOKEN}`)
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve())
    ws.once('error', reject)
  })
  ws.close()
  await expect.poll(() => lines.some((l) => /disconnected/.test(l.msg)), { timeout: 10_000 }).toBe(true)
  const bridge = lines.filter((l) => /bridge client (connected|disconnected)/.test(l.msg))
  expect(bridge.map((l) => l.msg)).toEqual(['bridge client connected', 'bridge client disconnected'])
  expect(bridge.every((l) => l.level === 'debug')).toBe(true)
})
