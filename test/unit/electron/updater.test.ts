/**
 * The updater's flow with a fake electron-updater: the first check 10 s after start (not before),
 * then every 4 hours; none at all in an unpackaged app or with desktop.auto_update off (and back on
 * when the setting is turned on); checking → downloading (progress) → ready, `update.ready`
 * notified once per version; install() only when ready, through the drain-first restart, which
 * then calls quitAndInstall; a failed check is an error state, a ready update survives it.
 */
import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import { CHECK_INTERVAL_MS, FIRST_CHECK_DELAY_MS, UpdateController, type UpdaterBackend, type UpdaterOptions } from '../../../src/main/electron/updater'
import { LogSink } from '../../../src/main/logging/logger'
import { ContractCallError, UpdateStateSchema, type UpdateState } from '../../../src/shared/contract'

class FakeUpdater extends EventEmitter {
  autoDownload = false
  autoInstallOnAppQuit = false
  logger: unknown = null
  checkForUpdates: Mock<() => Promise<null>> = vi.fn(async () => null)
  quitAndInstall: Mock<(silent?: boolean, forceRunAfter?: boolean) => void> = vi.fn()
}

let fakeUpdater: FakeUpdater
let enabled: boolean
let states: UpdateState[]
let ready: string[]
let restart: Mock<(install: () => void) => void>
let loads: number
let sink: LogSink

function controller(extra: Partial<UpdaterOptions> = {}): UpdateController {
  return new UpdateController({
    backend: async () => {
      loads++
      return fakeUpdater as unknown as UpdaterBackend
    },
    support: { ok: true },
    enabled: () => enabled,
    log: sink.logger('updater'),
    onChange: (s) => states.push(UpdateStateSchema.parse(s)),
    onReady: (v) => ready.push(v),
    restart,
    ...extra
  })
}

/** Lets the check's promise chain run under fake timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

beforeEach(() => {
  vi.useFakeTimers()
  fakeUpdater = new FakeUpdater()
  enabled = true
  states = []
  ready = []
  loads = 0
  restart = vi.fn((install: () => void) => install())
  sink = new LogSink({ level: 'debug', format: 'json', dir: null, write: () => undefined })
})

afterEach(() => vi.useRealTimers())

describe('update checks', () => {
  it('checks 10 s after start, not before, then every 4 hours', async () => {
    const c = controller()
    c.start()
    await vi.advanceTimersByTimeAsync(FIRST_CHECK_DELAY_MS - 100)
    expect(fakeUpdater.checkForUpdates).not.toHaveBeenCalled()
    expect(loads).toBe(0) // electron-updater is not even loaded before the first check
    await vi.advanceTimersByTimeAsync(100)
    expect(fakeUpdater.checkForUpdates).toHaveBeenCalledTimes(1)
    expect(fakeUpdater.autoDownload).toBe(true)
    expect(fakeUpdater.autoInstallOnAppQuit).toBe(true)
    expect(FIRST_CHECK_DELAY_MS).toBe(10_000)
    await vi.advanceTimersByTimeAsync(CHECK_INTERVAL_MS)
    expect(fakeUpdater.checkForUpdates).toHaveBeenCalledTimes(2)
    c.stop()
    await vi.advanceTimersByTimeAsync(CHECK_INTERVAL_MS * 2)
    expect(fakeUpdater.checkForUpdates).toHaveBeenCalledTimes(2)
  })

  it('never checks in an unpackaged app: unsupported, and a manual check is unavailable', async () => {
    const c = controller({ support: { ok: false, reason: 'Updates are checked only in the installed app' } })
    expect(c.state).toMatchObject({ phase: 'unsupported', message: 'Updates are checked only in the installed app' })
    c.start()
    await vi.advanceTimersByTimeAsync(CHECK_INTERVAL_MS)
    expect(loads).toBe(0)
    await expect(c.checkNow()).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('with automatic updates off: no check, a manual check is unavailable; turning it on schedules the first check', async () => {
    enabled = false
    const c = controller()
    expect(c.state.phase).toBe('disabled')
    c.start()
    await vi.advanceTimersByTimeAsync(CHECK_INTERVAL_MS)
    expect(fakeUpdater.checkForUpdates).not.toHaveBeenCalled()
    await expect(c.checkNow()).rejects.toBeInstanceOf(ContractCallError)

    enabled = true
    c.settingsChanged()
    expect(c.state.phase).toBe('idle')
    await vi.advanceTimersByTimeAsync(FIRST_CHECK_DELAY_MS)
    expect(fakeUpdater.checkForUpdates).toHaveBeenCalledTimes(1)

    enabled = false
    c.settingsChanged()
    expect(c.state.phase).toBe('disabled')
    await vi.advanceTimersByTimeAsync(CHECK_INTERVAL_MS)
    expect(fakeUpdater.checkForUpdates).toHaveBeenCalledTimes(1)
  })

  it('a manual check while one runs does not start a second', async () => {
    let release: () => void = () => undefined
    fakeUpdater.checkForUpdates.mockImplementation(() => new Promise((r) => (release = () => r(null))))
    const c = controller()
    const a = c.checkNow()
    const b = c.checkNow()
    await settle()
    expect(fakeUpdater.checkForUpdates).toHaveBeenCalledTimes(1)
    release()
    await Promise.all([a, b])
  })
})

describe('update flow', () => {
  it('checking → downloading with progress → ready; notified once; install drains first, then quitAndInstall', async () => {
    const c = controller()
    await c.checkNow()
    fakeUpdater.emit('checking-for-update')
    fakeUpdater.emit('update-available', { version: '0.2.0' })
    fakeUpdater.emit('download-progress', { percent: 41.6 })
    fakeUpdater.emit('download-progress', { percent: 41.7 }) // same rounded figure: no new state
    fakeUpdater.emit('update-downloaded', { version: '0.2.0', downloadedFile: '/tmp/x' })
    fakeUpdater.emit('update-downloaded', { version: '0.2.0', downloadedFile: '/tmp/x' })
    expect(states.map((s) => [s.phase, s.version, s.percent])).toEqual([
      ['checking', null, null],
      ['downloading', '0.2.0', 0],
      ['downloading', '0.2.0', 42],
      ['ready', '0.2.0', 100],
      ['ready', '0.2.0', 100]
    ])
    expect(ready).toEqual(['0.2.0'])

    // install: the lifecycle's restart gets a function; only that function calls quitAndInstall.
    let installLater: () => void = () => undefined
    restart.mockImplementation((install) => {
      expect(fakeUpdater.quitAndInstall).not.toHaveBeenCalled() // the drain comes first
      installLater = install
    })
    expect(c.install()).toEqual({ restarting: true })
    expect(restart).toHaveBeenCalledTimes(1)
    expect(fakeUpdater.quitAndInstall).not.toHaveBeenCalled()
    installLater()
    expect(fakeUpdater.quitAndInstall).toHaveBeenCalledWith(false, true)
  })

  it('install before an update is downloaded is a conflict and restarts nothing', async () => {
    const c = controller()
    expect(() => c.install()).toThrow(expect.objectContaining({ code: 'conflict' }))
    await c.checkNow()
    fakeUpdater.emit('update-available', { version: '0.2.0' })
    expect(() => c.install()).toThrow(expect.objectContaining({ code: 'conflict' }))
    expect(restart).not.toHaveBeenCalled()
  })

  it('no update: idle with the time of the check', async () => {
    const c = controller()
    await c.checkNow()
    fakeUpdater.emit('update-not-available', { version: '0.1.0' })
    expect(c.state).toMatchObject({ phase: 'idle', version: null })
    expect(c.state.checkedAt).not.toBeNull()
  })

  it('a failed check is an error state with its first line; a downloaded update survives later errors', async () => {
    fakeUpdater.checkForUpdates.mockRejectedValueOnce(new Error('net::ERR_NAME_NOT_RESOLVED\n    at stack'))
    const c = controller()
    await c.checkNow()
    expect(c.state).toMatchObject({ phase: 'error', message: 'net::ERR_NAME_NOT_RESOLVED' })
    expect(sink.tail({ level: 'warn' }).some((e) => e.msg.includes('update check failed'))).toBe(true)

    fakeUpdater.emit('update-downloaded', { version: '0.3.0' })
    fakeUpdater.emit('error', new Error('feed gone'))
    expect(c.state).toMatchObject({ phase: 'ready', version: '0.3.0' })
    // Turning updates off keeps the downloaded one installable.
    enabled = false
    c.settingsChanged()
    expect(c.state.phase).toBe('ready')
  })

  it('stop removes its listeners from electron-updater', async () => {
    const c = controller()
    await c.checkNow()
    expect(fakeUpdater.listenerCount('update-downloaded')).toBe(1)
    c.stop()
    expect(fakeUpdater.eventNames()).toEqual([])
  })
})
