/**
 * Smoke test of the PACKAGED desktop app (what electron-builder produced on this OS's runner),
 * through Playwright's `_electron`: started with `--hidden` (as launch at login does) the window
 * stays hidden and the tray exists (shell.info reports its state); the dashboard is served from
 * app://warp-host with window.api from the sandboxed preload; a contract call is answered over IPC;
 * the app is packaged (asar); and a quit drains the services (final statistics, "stopped
 * cleanly") and exits 0.
 *
 * Runs where WARP_PACKAGED_EXE names the packaged executable — the CI sets it with
 * scripts/prepare-packaged-smoke.mjs after packaging (a copy with only the Node-inspector fuse back
 * on, which Playwright needs). Elsewhere it is skipped with the reason printed; with
 * WARP_REQUIRE_ELECTRON=1 (CI) a missing app fails instead.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core'

const exe = process.env.WARP_PACKAGED_EXE
const skipReason = !exe
  ? 'WARP_PACKAGED_EXE is not set (the CI sets it after electron-builder with scripts/prepare-packaged-smoke.mjs)'
  : !fs.existsSync(exe)
    ? `no packaged app at ${exe}`
    : null
if (skipReason) {
  if (process.env.WARP_REQUIRE_ELECTRON === '1') throw new Error(`Packaged smoke test required but: ${skipReason}`)
  console.log(`[packaged-smoke] skipped: ${skipReason}`)
}

interface Probe {
  url: string
  transport: string | null
  status: { ok: boolean; mode?: string }
  shell: { ok: boolean; available?: boolean; tray?: string | null; phase?: string }
}

describe.skipIf(skipReason !== null)('packaged desktop app', () => {
  let app: ElectronApplication
  let page: Page
  let dataDir: string
  const logFile = (): string => path.join(dataDir, 'logs', 'warp-host.log')

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-packaged-smoke-'))
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v
    app = await electron.launch({
      executablePath: exe,
      args: ['--hidden'],
      env: { ...env, WARP_HOST_DATA_DIR: dataDir, ADMIN_PORT: '0', COORDINATOR_PORT: '0', LOG_LEVEL: 'info' },
      timeout: 90_000
    })
    page = await app.firstWindow()
    await page.waitForLoadState('domcontentloaded')
  })

  afterAll(async () => {
    if (app && app.process().exitCode === null) await app.close().catch(() => undefined)
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('is the packaged app: loaded from app.asar', async () => {
    const info = await app.evaluate(({ app: a }) => ({ packaged: a.isPackaged, appPath: a.getAppPath() }))
    expect(info.packaged).toBe(true)
    expect(info.appPath).toMatch(/app\.asar$/)
  })

  it('started with --hidden: the window stays hidden and the tray exists', async () => {
    await vi.waitFor(() => expect(fs.readFileSync(logFile(), 'utf8')).toContain('WARP Host desktop ready'), { timeout: 60_000 })
    const visible = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible()))
    expect(visible).toEqual([false])
    expect(fs.readFileSync(logFile(), 'utf8')).toMatch(/desktop ready.*"hidden":true/)
  })

  it('serves the dashboard from app://warp-host and answers contract calls over IPC (tray state included)', async () => {
    const probe = await page.evaluate(async (): Promise<Probe> => {
      type R = { ok: boolean; value?: Record<string, unknown> & { update?: { phase?: string } } }
      const g = globalThis as unknown as { api?: { transport: string; methods: Record<string, () => Promise<R>> }; location: { href: string } }
      const status = await g.api?.methods['app.status']?.()
      const shell = await g.api?.methods['shell.info']?.()
      return {
        url: g.location.href,
        transport: g.api?.transport ?? null,
        status: { ok: Boolean(status?.ok), ...(typeof status?.value?.mode === 'string' ? { mode: status.value.mode } : {}) },
        shell: {
          ok: Boolean(shell?.ok),
          ...(typeof shell?.value?.available === 'boolean' ? { available: shell.value.available } : {}),
          tray: (shell?.value?.tray as string | null | undefined) ?? null,
          ...(shell?.value?.update?.phase ? { phase: shell.value.update.phase } : {})
        }
      }
    })
    expect(probe.url).toMatch(/^app:\/\/warp-host\//)
    expect(probe.transport).toBe('ipc')
    expect(probe.status).toEqual({ ok: true, mode: 'desktop' })
    expect(probe.shell.ok).toBe(true)
    expect(probe.shell.available).toBe(true)
    expect(['idle', 'hosting', 'error']).toContain(probe.shell.tray)
    expect(probe.shell.phase).toBeDefined()
  })

  it('quit drains the services and exits 0', async () => {
    const proc = app.process()
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
    await app.evaluate(({ app: a }) => a.quit()).catch(() => undefined)
    expect(await exited).toBe(0)
    const log = fs.readFileSync(logFile(), 'utf8')
    expect(log).toContain('quitting: stopping services')
    expect(log).toContain('final statistics')
    expect(log).toContain('stopped cleanly')
  })
})
