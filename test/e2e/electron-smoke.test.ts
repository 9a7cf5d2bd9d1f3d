/**
 * Smoke test of the real desktop app through Playwright's `_electron` (playwright-core): the
 * built app starts, its window loads the dashboard over app://warp-host with `window.api` from the sandboxed preload
 * and no Node in the page, a contract call goes through IPC, window.open and navigation away are
 * refused, the api is a contextBridge proxy (context isolation), and the app quits cleanly.
 *
 * Runs wherever an Electron binary exists (node_modules/electron/path.txt → dist/…, or
 * ELECTRON_OVERRIDE_DIST_PATH) and better-sqlite3 is built for Electron (npm run rebuild:electron).
 * Otherwise it is skipped with the reason printed — on the offline dev machines there is no
 * binary. CI sets WARP_REQUIRE_ELECTRON=1 so a missing binary fails instead of skipping.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core'

const root = path.resolve(__dirname, '../..')

/** The Electron executable, found without require('electron') (which would try to download it). */
function findElectron(): { exe: string } | { reason: string } {
  const pkgDir = path.join(root, 'node_modules', 'electron')
  const pathFile = path.join(pkgDir, 'path.txt')
  if (!fs.existsSync(pathFile)) {
    return { reason: 'no Electron binary (node_modules/electron/path.txt is missing; run `node node_modules/electron/install.js` where there is internet)' }
  }
  const rel = fs.readFileSync(pathFile, 'utf8').trim()
  const exe = process.env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel) : path.join(pkgDir, 'dist', rel)
  if (!fs.existsSync(exe)) return { reason: `no Electron binary at ${exe}` }
  // A better-sqlite3 that loads in this Node is the Node build: Electron could not load it.
  const nodeBuild = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: root, stdio: 'ignore' })
  if (nodeBuild.status === 0) return { reason: 'better-sqlite3 is built for Node, not Electron (run `npm run rebuild:electron` first)' }
  return { exe }
}

const found = findElectron()
const skipReason = 'reason' in found ? found.reason : null
if (skipReason) {
  if (process.env.WARP_REQUIRE_ELECTRON === '1') throw new Error(`Electron smoke test required but: ${skipReason}`)
  console.log(`[electron-smoke] skipped: ${skipReason}`)
}

interface PageProbe {
  apiKeys: string[]
  transport: string | null
  methodCount: number
  hasRequire: boolean
  hasProcess: boolean
  status: { ok: boolean; mode?: string }
  opened: boolean
}

describe.skipIf(skipReason !== null)('desktop app (Electron)', () => {
  let app: ElectronApplication
  let page: Page
  let dataDir: string

  beforeAll(async () => {
    if (!('exe' in found)) return
    const mainJs = path.join(root, 'out', 'main', 'index.js')
    if (!fs.existsSync(mainJs) || fs.statSync(mainJs).size === 0) throw new Error('the app is not built: run `npm run build` first')
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-electron-smoke-'))
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v
    app = await electron.launch({
      executablePath: found.exe,
      args: [root],
      cwd: root,
      env: { ...env, WARP_HOST_DATA_DIR: dataDir, ADMIN_PORT: '0', COORDINATOR_PORT: '0', LOG_LEVEL: 'info' },
      timeout: 60_000
    })
    page = await app.firstWindow()
    await page.waitForLoadState('domcontentloaded')
  })

  afterAll(async () => {
    if (app) {
      // The tray keeps the app alive when the window closes: quit the way the tray's Quit does.
      const closed = app.waitForEvent('close', { timeout: 30_000 }).catch(() => undefined)
      await app.evaluate(({ app: electronApp }) => electronApp.quit()).catch(() => undefined)
      await closed
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('loads the dashboard with window.api from the preload and no Node in the page', async () => {
    const probe = await page.evaluate(async (): Promise<PageProbe> => {
      const g = globalThis as unknown as {
        api?: { transport: string; methods: Record<string, (i?: unknown) => Promise<{ ok: boolean; value?: { mode?: string } }>> }
        require?: unknown
        process?: unknown
        open: (url: string) => unknown
      }
      const api = g.api
      const r = api ? await api.methods['app.status']?.() : undefined
      return {
        apiKeys: api ? Object.keys(api).sort() : [],
        transport: api?.transport ?? null,
        methodCount: api ? Object.keys(api.methods).length : 0,
        hasRequire: typeof g.require !== 'undefined',
        hasProcess: typeof g.process !== 'undefined',
        status: { ok: Boolean(r?.ok), ...(r?.value?.mode ? { mode: r.value.mode } : {}) },
        opened: g.open('file:///etc/passwd') !== null
      }
    })
    expect(page.url()).toMatch(/^app:\/\/warp-host\/index\.html/) // served over app://, never file://
    expect(probe.apiKeys).toEqual(['methods', 'on', 'platform', 'transport'])
    expect(probe.transport).toBe('ipc')
    expect(probe.methodCount).toBeGreaterThan(0)
    expect(probe.hasRequire).toBe(false)
    expect(probe.hasProcess).toBe(false)
    expect(probe.status).toEqual({ ok: true, mode: 'desktop' })
    expect(probe.opened).toBe(false)
  })

  it('the page sees the api only through contextBridge, and cannot navigate away', async () => {
    const before = page.url()
    const bridged = await page.evaluate(() => {
      const g = globalThis as unknown as { api: { on: unknown }; location: { href: string } }
      const native = String(g.api.on).includes('[native code]') // a contextBridge proxy, not the preload's function
      g.location.href = 'file:///etc/hosts'
      return native
    })
    expect(bridged).toBe(true)
    const logFile = path.join(dataDir, 'logs', 'warp-host.log')
    await vi.waitFor(() => expect(fs.readFileSync(logFile, 'utf8')).toContain('blocked navigation away from the app'), { timeout: 10_000 })
    expect(page.url()).toBe(before)
  })
})
