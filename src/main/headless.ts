/**
 * Node entry (`npm run headless`, `warp-host`): the same runtime as the desktop app without
 * Electron, plus the admin server that serves the dashboard to a browser over a token-protected
 * bridge.
 * Logs a line containing "ready" once everything started, naming each service's state; on
 * SIGTERM/SIGINT drains, prints the final statistics once and exits 0. A bad command line exits
 * 64 (EX_USAGE), a bad config prints what is wrong and exits 78 (EX_CONFIG).
 *
 * The admin token never reaches the log file or the Logs page: the ready-to-open URL with the
 * token is printed to the terminal only; the log names the token's file instead.
 */
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { version as packageVersion } from '../../package.json'
import type { ServiceStatus } from '../shared/contract'
import { AdminServer } from './bridge/admin-server'
import { boot, type Booted } from './bootstrap'
import { EX_USAGE, parseCommandLine } from './cli'
import { runSendCli } from './inbox/send-client'
import { ConfigError } from './config/load'
import { keptToken } from './config/secrets'
import { guardStdio, type Logger } from './logging/logger'
import { installProcessGuards } from './process-guards'

const EX_CONFIG = 78
/** A drain that takes longer than this is cut short (exit 1). */
const DRAIN_TIMEOUT_MS = 30_000

export interface HeadlessHandle {
  booted: Booted
  admin: AdminServer
  token: string
  /** The dashboard URL, with `?token=` when the token was generated (printed to the terminal only). */
  url: string
  shutdown(reason: string): Promise<number>
}

/**
 * One service's state for the ready line, e.g.
 * `ai-ipc: reconnecting — Unknown database 'x'; retrying in 1 s (attempt 1)` or
 * `ai-ipc: error — Access denied for user 'x'`.
 */
export function describeService(s: ServiceStatus, now = Date.now()): string {
  if (s.state === 'reconnecting') {
    const next = s.nextRetryAt ? Date.parse(s.nextRetryAt) : NaN
    const retry = Number.isFinite(next) ? `retrying in ${Math.max(0, Math.round((next - now) / 1000))} s` : 'retrying'
    return `${s.name}: reconnecting — ${s.error ?? 'unreachable'}; ${retry}${s.attempt ? ` (attempt ${s.attempt})` : ''}`
  }
  if (s.state === 'error') return `${s.name}: error — ${s.error ?? 'failed'}${s.detail ? `; ${s.detail}` : ''}`
  return `${s.name}: ${s.state}${s.detail ? ` (${s.detail})` : ''}`
}

export async function startHeadless(opts: { argv?: string[]; env?: NodeJS.ProcessEnv; rendererDir?: string | null } = {}): Promise<HeadlessHandle> {
  const t0 = performance.now()
  const booted = boot({ mode: 'headless', ...(opts.argv ? { argv: opts.argv } : {}), ...(opts.env ? { env: opts.env } : {}) })
  const { runtime, sink } = booted
  const log = sink.logger('headless')
  const config = runtime.config
  const generated = config.admin.token === ''
  const tokenFile = path.join(config.data_dir, 'admin-token')
  const token = generated ? keptToken(config.data_dir, 'admin-token') : config.admin.token

  await runtime.start()
  const admin = new AdminServer({
    host: config.admin.host,
    port: config.admin.port,
    token,
    rendererDir: opts.rendererDir === undefined ? path.join(__dirname, '../renderer') : opts.rendererDir,
    dispatch: runtime.dispatch,
    events: runtime.events,
    log: sink.logger('admin'),
    version: runtime.version,
    metrics: () => runtime.metricsRegistry()
  })
  try {
    await admin.start()
  } catch (err) {
    await runtime.stop()
    throw err
  }
  if (config.admin.host !== '127.0.0.1' && config.admin.host !== 'localhost' && config.admin.host !== '::1') {
    log.warn('the dashboard listens beyond this machine; anyone with the token can steer this host', { host: config.admin.host })
  }
  const url = generated ? `${admin.url}?token=${encodeURIComponent(token)}` : admin.url
  const ms = Math.round(performance.now() - t0)
  const services = runtime.status().services
  const failing = services.filter((s) => s.state === 'error' || s.state === 'reconnecting')
  const states = services.map((s) => describeService(s)).join(', ')
  const level = failing.length > 0 ? 'warn' : 'info'
  const tokenNote = generated ? `token in ${tokenFile}` : 'token from ADMIN_TOKEN'
  // The file and the Logs page get the URL without the token …
  sink.log(level, 'headless', `WARP Host ready in ${ms} ms: dashboard ${admin.url} (${tokenNote}) — ${states}`, { ms, url: admin.url, tokenFile: generated ? tokenFile : null }, { console: false })
  // … the terminal gets the ready-to-open one, and only the terminal.
  sink.print(level, 'headless', `WARP Host ready in ${ms} ms: dashboard ${url} — ${states}`, { ms, url })

  let shuttingDown: Promise<number> | null = null
  const shutdown = (reason: string): Promise<number> => {
    if (shuttingDown) return shuttingDown
    shuttingDown = (async () => {
      log.info('shutting down', { reason })
      await admin.stop()
      const lines = await runtime.stop()
      for (const line of ['=== WARP Host final statistics ===', ...lines]) sink.log('info', 'headless', line)
      log.info('stopped cleanly')
      sink.closeFile()
      return 0
    })()
    return shuttingDown
  }
  return { booted, admin, token, url, shutdown }
}

export interface MainOptions {
  /**
   * Drain and exit when the parent process goes away (checked every 200 ms). `npm run headless`
   * sets it: npm forwards SIGTERM only to the `sh -c` between it and us, the shell dies, and we
   * would be left running as an orphan.
   */
  drainWhenParentExits?: boolean
}

/** Runs headless mode as a process: start, log ready, drain on SIGTERM/SIGINT, exit. */
export async function main(argv: string[] = process.argv.slice(2), opts: MainOptions = {}): Promise<void> {
  guardStdio()
  const cli = parseCommandLine(argv, packageVersion)
  if (cli.kind === 'help' || cli.kind === 'version') {
    process.stdout.write(`${cli.text}\n`)
    process.exit(0)
  }
  if (cli.kind === 'usage-error') {
    process.stderr.write(`warp-host: ${cli.message}\nRun with --help for the options.\n`)
    process.exit(EX_USAGE)
  }
  if (cli.kind === 'send') {
    process.exit(await runSendCli(cli.send))
  }
  let handle: HeadlessHandle | null = null
  let log: Logger | null = null
  installProcessGuards({
    log: () => log,
    shutdown: (reason) => handle?.shutdown(reason) ?? Promise.resolve(1),
    exit: (code) => process.exit(code)
  })
  // Signal handlers go in before start-up: a SIGTERM that arrives while the services start (or
  // right at "ready") is held and drains once they run, instead of killing the process undrained.
  let signals = 0
  let pending: string | null = null
  let draining = false
  const drain = (reason: string): void => {
    const h = handle
    if (!h) {
      pending ??= reason
      return
    }
    if (draining) return
    draining = true
    const timer = setTimeout(() => {
      log?.error('drain took too long; exiting', { timeoutMs: DRAIN_TIMEOUT_MS })
      process.exit(1)
    }, DRAIN_TIMEOUT_MS)
    timer.unref()
    void h.shutdown(reason).then((code) => process.exit(code))
  }
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++
    if (signals > 2 || (signals > 1 && !handle)) process.exit(1)
    if (signals > 1 && handle) {
      // Exit at once, but hand back what can be handed back within a second: rows this host
      // claimed go back to pending for another poller instead of waiting for their lease to lapse.
      log?.warn('second signal: releasing what can be released, then exiting without finishing the drain', { signal: sig })
      void handle.booted.runtime.abandon(1000).finally(() => process.exit(1))
      return
    }
    drain(sig)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  try {
    handle = await startHeadless({ argv: cli.argv })
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(EX_CONFIG)
    }
    process.stderr.write(`WARP Host could not start: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
  const l = handle.booted.sink.logger('headless')
  log = l
  if (pending !== null) drain(pending)
  if (opts.drainWhenParentExits) {
    const parent = process.ppid
    const watch = setInterval(() => {
      if (process.ppid === parent) return
      clearInterval(watch)
      // Not a second signal: after Ctrl-C the shell dies too, and the drain must go on.
      if (!draining) l.warn(`the process that started WARP Host (pid ${parent}) is gone; draining as on SIGTERM`)
      drain('parent exited')
    }, 200)
    watch.unref()
  }
}

if (require.main === module) void main()
