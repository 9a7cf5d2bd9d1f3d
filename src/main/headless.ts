/**
 * Node entry (`npm run headless`): the same runtime as the desktop app without Electron, plus the
 * admin server that serves the dashboard to a browser over a token-protected bridge.
 * Logs a line containing "ready" once everything runs; on SIGTERM/SIGINT drains, prints the
 * final statistics and exits 0. A bad config prints what is wrong and exits 78 (EX_CONFIG).
 */
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { AdminServer } from './bridge/admin-server'
import { boot, type Booted } from './bootstrap'
import { ConfigError } from './config/load'
import { keptToken } from './config/secrets'
import { errorFields } from './logging/logger'

const EX_CONFIG = 78
/** A drain that takes longer than this is cut short (exit 1). */
const DRAIN_TIMEOUT_MS = 30_000

export interface HeadlessHandle {
  booted: Booted
  admin: AdminServer
  token: string
  url: string
  shutdown(reason: string): Promise<number>
}

export async function startHeadless(opts: { argv?: string[]; env?: NodeJS.ProcessEnv; rendererDir?: string | null } = {}): Promise<HeadlessHandle> {
  const t0 = performance.now()
  const booted = boot({ mode: 'headless', ...(opts.argv ? { argv: opts.argv } : {}), ...(opts.env ? { env: opts.env } : {}) })
  const { runtime, sink } = booted
  const log = sink.logger('headless')
  const config = runtime.config
  const generated = config.admin.token === ''
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
    version: runtime.version
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
  log.info(`WARP Host ready in ${ms} ms: dashboard ${url}`, { ms, url, tokenFrom: generated ? 'data folder' : 'ADMIN_TOKEN' })

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

/** Runs headless mode as a process: start, log ready, drain on SIGTERM/SIGINT, exit. */
export async function main(): Promise<void> {
  let handle: HeadlessHandle
  try {
    handle = await startHeadless()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(EX_CONFIG)
    }
    process.stderr.write(`WARP Host could not start: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
  const log = handle.booted.sink.logger('headless')
  let signals = 0
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      log.warn('second signal: exiting without finishing the drain', { signal: sig })
      process.exit(1)
    }
    const timer = setTimeout(() => {
      log.error('drain took too long; exiting', { timeoutMs: DRAIN_TIMEOUT_MS })
      process.exit(1)
    }, DRAIN_TIMEOUT_MS)
    timer.unref()
    void handle.shutdown(sig).then((code) => process.exit(code))
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', errorFields(reason)))
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception; shutting down', errorFields(err))
    void handle.shutdown('uncaughtException').then(() => process.exit(1))
  })
}

if (require.main === module) void main()
