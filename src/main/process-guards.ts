/**
 * Process-level guards of the headless entry: a closed stdout/stderr is ignored (see
 * `consoleWriter`), and an uncaught exception shuts down exactly once. The handler is
 * re-entrancy-safe: a second exception while the first is being handled (for instance one thrown
 * by the logging of the first) is counted, reported at most once, and never starts another
 * shutdown — so it can never loop.
 */
import { errorFields, guardStdio, type Logger } from './logging/logger'

export interface ProcessGuardOptions {
  /** The logger once it exists (null before start-up got that far). */
  log: () => Logger | null
  /** Drains and stops; called at most once. */
  shutdown: (reason: string) => Promise<unknown>
  exit: (code: number) => void
  /** Where the handlers are installed (default: process). */
  target?: Pick<NodeJS.Process, 'on'>
  /** Exit even when the shutdown hangs, after this long (default 10 s). */
  hardExitMs?: number
}

export interface ProcessGuards {
  onUncaughtException(err: unknown): void
  onUnhandledRejection(reason: unknown): void
  /** Exceptions seen after the first (not acted on). */
  readonly repeated: number
}

export function installProcessGuards(opts: ProcessGuardOptions): ProcessGuards {
  guardStdio()
  let handling = false
  let repeated = 0
  const safeLog = (level: 'error' | 'warn', msg: string, fields: Record<string, unknown>): void => {
    try {
      opts.log()?.[level](msg, fields)
    } catch {
      // logging must never throw from here
    }
  }
  const guards: ProcessGuards = {
    onUncaughtException(err) {
      if (handling) {
        repeated++
        if (repeated === 1) safeLog('error', 'another uncaught exception while shutting down (further ones are not logged)', errorFields(err))
        return
      }
      handling = true
      safeLog('error', 'uncaught exception; shutting down', errorFields(err))
      const timer = setTimeout(() => opts.exit(1), opts.hardExitMs ?? 10_000)
      timer.unref()
      let done: Promise<unknown>
      try {
        done = opts.shutdown('uncaughtException')
      } catch (e) {
        done = Promise.reject(e)
      }
      done.then(
        () => opts.exit(1),
        () => opts.exit(1)
      )
    },
    onUnhandledRejection(reason) {
      safeLog('error', 'unhandled promise rejection', errorFields(reason))
    },
    get repeated() {
      return repeated
    }
  }
  const target = opts.target ?? process
  target.on('uncaughtException', (err: Error) => guards.onUncaughtException(err))
  target.on('unhandledRejection', (reason: unknown) => guards.onUnhandledRejection(reason))
  return guards
}
