/**
 * Chromium players: the system Chromium (/usr/bin/chromium) through playwright-core, loading a
 * static page from a tiny http server on 127.0.0.1 (port 0) whose script (browser-entry.ts,
 * bundled with esbuild on start) is the players' core over the browser's RTCPeerConnection and
 * WebSocket. One page per player. `stop()` closes the browser, the server and the profile folder.
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { PlayerStats, SendOptions } from './player-core'
import type { BrowserPlayersApi } from './browser-entry'
import type { JoinExtras, SessionTarget, TestPlayer } from './players'
import { CHROMIUM, CHROMIUM_ARGS } from '../../e2e/helpers/browser'


export function chromiumMissing(): string | false {
  return fs.existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>WARP test player</title><script src="/player.js"></script>'

export interface ChromiumPlayers {
  /** A new page with one player in it. */
  player(peerId: string): Promise<BrowserPlayer>
  stop(): Promise<void>
}

export async function startChromiumPlayers(): Promise<ChromiumPlayers> {
  const missing = chromiumMissing()
  if (missing) throw new Error(missing)
  const bundle = await build({
    entryPoints: [path.join(__dirname, 'browser-entry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent'
  })
  const script = bundle.outputFiles[0]!.text
  const server = http.createServer((req, res) => {
    if (req.url === '/player.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(script)
    } else if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(PAGE)
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-peers-chromium-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: false,
      args: [...CHROMIUM_ARGS]
    })
  } catch (err) {
    server.close()
    fs.rmSync(profile, { recursive: true, force: true })
    throw err
  }
  return {
    async player(peerId) {
      const page = await context.newPage()
      await page.goto(`${origin}/`)
      await page.waitForFunction(() => 'warpPlayers' in globalThis)
      return new BrowserPlayer(page, peerId)
    },
    async stop() {
      await context.close().catch(() => undefined)
      await new Promise<void>((r) => server.close(() => r()))
      server.closeAllConnections()
      fs.rmSync(profile, { recursive: true, force: true })
    }
  }
}

/** The page's global (page.evaluate serialises each function: it may reference nothing of this module). */
type Win = { warpPlayers: BrowserPlayersApi }

export class BrowserPlayer implements TestPlayer {
  readonly kind = 'chromium' as const
  constructor(
    readonly page: Page,
    readonly peerId: string
  ) {}
  join(target: SessionTarget, o: JoinExtras): Promise<string[]> {
    return this.page.evaluate(([id, opts]) => (globalThis as unknown as Win).warpPlayers.join(id, opts), [this.peerId, { signalingUrl: target.signalingUrl, sessionId: target.sessionId, hostId: target.hostId, ...o }] as const)
  }
  send(o: SendOptions): Promise<number> {
    return this.page.evaluate(([id, opts]) => (globalThis as unknown as Win).warpPlayers.send(id, opts), [this.peerId, o] as const)
  }
  stats(): Promise<PlayerStats> {
    return this.page.evaluate((id) => (globalThis as unknown as Win).warpPlayers.stats(id), this.peerId)
  }
  async set(o: { answerPongs?: boolean; ackCommands?: boolean }): Promise<void> {
    await this.page.evaluate(([id, opts]) => (globalThis as unknown as Win).warpPlayers.set(id, opts), [this.peerId, o] as const)
  }
  rawSignaling(text: string): Promise<boolean> {
    return this.page.evaluate(([id, t]) => (globalThis as unknown as Win).warpPlayers.rawSignaling(id, t), [this.peerId, text] as const)
  }
  rawControl(text: string): Promise<boolean> {
    return this.page.evaluate(([id, t]) => (globalThis as unknown as Win).warpPlayers.rawControl(id, t), [this.peerId, text] as const)
  }
  rawData(bytes: Uint8Array): Promise<boolean> {
    return this.page.evaluate(([id, b]) => (globalThis as unknown as Win).warpPlayers.rawData(id, b), [this.peerId, [...bytes]] as const)
  }
  async close(): Promise<void> {
    await this.page.evaluate((id) => (globalThis as unknown as Win).warpPlayers.close(id), this.peerId)
  }
}
