/**
 * Automatic updates with electron-updater, fed by the `publish` feed of electron-builder.yml
 * (app-update.yml in the packaged app). Checks 10 s after the app is ready and every 4 hours
 * after, only in a packaged desktop app (never headless: this module lives in the Electron shell)
 * and only while the `desktop.auto_update` setting is on; downloads in the background; once an
 * update is downloaded the state is `ready` (tray item "Update … ready — restart", the renderer's
 * banner, an `update.ready` notification), and `install()` restarts into it — through the
 * lifecycle, which drains the services before the updater quits and installs.
 */
import type { AppUpdater } from 'electron-updater'
import { z } from 'zod'
import { ContractCallError, type UpdateState } from '../../shared/contract'
import type { Logger } from '../logging/logger'

/** First check after the app is ready (start-up work first). */
export const FIRST_CHECK_DELAY_MS = 10_000
/** Later checks, while the app keeps running in the tray. */
export const CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000

/** The part of electron-updater's AppUpdater this module drives (tests pass a fake). */
export type UpdaterBackend = Pick<AppUpdater, 'autoDownload' | 'autoInstallOnAppQuit' | 'logger' | 'checkForUpdates' | 'quitAndInstall' | 'on' | 'removeListener'>

/** What electron-updater's events carry, checked at this boundary (they are typed `any`). */
const UpdateInfoSchema = z.object({ version: z.string().max(100) })
const ProgressSchema = z.object({ percent: z.number() })

export interface UpdaterOptions {
  /** electron-updater's autoUpdater, loaded when first needed. */
  backend: () => Promise<UpdaterBackend>
  /** Updates are possible here (a packaged app); otherwise why not. */
  support: { ok: true } | { ok: false; reason: string }
  /** desktop.auto_update of the moment. */
  enabled: () => boolean
  log: Logger
  /** The state changed (shell.changed, the tray). */
  onChange: (state: UpdateState) => void
  /** An update finished downloading (once per version): notify. */
  onReady: (version: string) => void
  /** Drains the services, then calls `install` (lifecycle.quitForUpdate). */
  restart: (install: () => void) => void
  firstCheckDelayMs?: number
  checkIntervalMs?: number
}

export class UpdateController {
  private current: UpdateState
  private backendPromise: Promise<UpdaterBackend> | null = null
  private backend: UpdaterBackend | null = null
  private timer: NodeJS.Timeout | null = null
  private started = false
  private checking: Promise<void> | null = null
  private notifiedVersion: string | null = null
  private readonly unlisten: (() => void)[] = []

  constructor(private readonly opts: UpdaterOptions) {
    this.current = this.restingState()
  }

  get state(): UpdateState {
    return { ...this.current }
  }

  /** Schedules the first check (10 s) and the periodic ones, if updates are on. */
  start(): void {
    this.started = true
    this.schedule(this.opts.firstCheckDelayMs ?? FIRST_CHECK_DELAY_MS)
  }

  /** The desktop.auto_update setting may have changed: stop or resume the checks. */
  settingsChanged(): void {
    if (!this.opts.support.ok) return
    const on = this.opts.enabled()
    if (!on) {
      this.clearTimer()
      if (this.current.phase !== 'ready') this.set({ ...this.current, phase: 'disabled', percent: null, message: null })
      return
    }
    if (this.current.phase === 'disabled') {
      this.set({ ...this.current, phase: 'idle' })
      if (this.started) this.schedule(this.opts.firstCheckDelayMs ?? FIRST_CHECK_DELAY_MS)
    }
  }

  /** Checks now (the Settings button). Resolves with the state after the check. */
  async checkNow(): Promise<UpdateState> {
    this.assertUsable()
    await this.check()
    return this.state
  }

  /** Restarts into the downloaded update (drain first); conflict when none is ready. */
  install(): { restarting: boolean } {
    const backend = this.backend
    if (this.current.phase !== 'ready' || !backend) throw new ContractCallError('conflict', 'No update has been downloaded yet: there is nothing to install')
    this.opts.log.info('restarting into the update', { version: this.current.version })
    this.opts.restart(() => backend.quitAndInstall(false, true))
    return { restarting: true }
  }

  stop(): void {
    this.started = false
    this.clearTimer()
    for (const u of this.unlisten.splice(0)) u()
  }

  // ---- internals -------------------------------------------------------------------------------

  private restingState(): UpdateState {
    if (!this.opts.support.ok) return { phase: 'unsupported', version: null, percent: null, message: this.opts.support.reason, checkedAt: null }
    return { phase: this.opts.enabled() ? 'idle' : 'disabled', version: null, percent: null, message: null, checkedAt: null }
  }

  private assertUsable(): void {
    if (!this.opts.support.ok) throw new ContractCallError('unavailable', this.opts.support.reason)
    if (!this.opts.enabled()) throw new ContractCallError('unavailable', 'Automatic updates are off (Settings → Desktop app → Automatic updates)')
  }

  private schedule(delayMs: number): void {
    this.clearTimer()
    if (!this.opts.support.ok || !this.opts.enabled() || !this.started) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.check().finally(() => this.schedule(this.opts.checkIntervalMs ?? CHECK_INTERVAL_MS))
    }, delayMs)
    this.timer.unref?.()
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private set(next: UpdateState): void {
    this.current = next
    this.opts.onChange(this.state)
  }

  private async loadBackend(): Promise<UpdaterBackend> {
    if (this.backend) return this.backend
    this.backendPromise ??= this.opts.backend().then((b) => {
      this.wire(b)
      this.backend = b
      return b
    })
    return this.backendPromise
  }

  private wire(b: UpdaterBackend): void {
    const log = this.opts.log
    b.autoDownload = true
    // A downloaded update also installs when the user quits normally (after the drain).
    b.autoInstallOnAppQuit = true
    b.logger = {
      info: (m?: unknown) => log.debug(`updater: ${String(m)}`),
      warn: (m?: unknown) => log.warn(`updater: ${String(m)}`),
      error: (m?: unknown) => log.debug(`updater: ${String(m)}`),
      debug: (m: string) => log.debug(`updater: ${m}`)
    }
    const onChecking = (): void => {
      if (this.current.phase !== 'ready') this.set({ ...this.current, phase: 'checking', message: null })
    }
    const onAvailable = (info: unknown): void => {
      const version = UpdateInfoSchema.safeParse(info).data?.version ?? null
      log.info('an update is available: downloading', { version })
      this.set({ ...this.current, phase: 'downloading', version, percent: 0, message: null })
    }
    const onProgress = (progress: unknown): void => {
      const p = ProgressSchema.safeParse(progress)
      if (!p.success || this.current.phase !== 'downloading') return
      const percent = Math.max(0, Math.min(100, Math.round(p.data.percent)))
      if (percent !== this.current.percent) this.set({ ...this.current, percent })
    }
    const onNotAvailable = (): void => {
      this.set({ ...this.current, phase: 'idle', version: null, percent: null, message: null, checkedAt: new Date().toISOString() })
    }
    const onDownloaded = (info: unknown): void => {
      const version = UpdateInfoSchema.safeParse(info).data?.version ?? this.current.version ?? 'new version'
      log.info('an update is downloaded: it installs on restart', { version })
      this.set({ phase: 'ready', version, percent: 100, message: null, checkedAt: new Date().toISOString() })
      if (this.notifiedVersion !== version) {
        this.notifiedVersion = version
        this.opts.onReady(version)
      }
    }
    const onError = (err: unknown): void => this.failed(err)
    b.on('checking-for-update', onChecking)
    b.on('update-available', onAvailable)
    b.on('download-progress', onProgress)
    b.on('update-not-available', onNotAvailable)
    b.on('update-downloaded', onDownloaded)
    b.on('error', onError)
    this.unlisten.push(() => {
      b.removeListener('checking-for-update', onChecking)
      b.removeListener('update-available', onAvailable)
      b.removeListener('download-progress', onProgress)
      b.removeListener('update-not-available', onNotAvailable)
      b.removeListener('update-downloaded', onDownloaded)
      b.removeListener('error', onError)
    })
  }

  private failed(err: unknown): void {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 500) ?? 'unknown error'
    this.opts.log.warn('update check failed', { error: message })
    // A downloaded update stays installable whatever a later check says.
    if (this.current.phase === 'ready') return
    this.set({ ...this.current, phase: 'error', percent: null, message, checkedAt: new Date().toISOString() })
  }

  private check(): Promise<void> {
    if (this.checking) return this.checking
    this.checking = (async () => {
      try {
        const b = await this.loadBackend()
        await b.checkForUpdates()
      } catch (err) {
        this.failed(err)
      } finally {
        this.checking = null
      }
    })()
    return this.checking
  }
}
