/**
 * The contract dispatcher: the one place a call from any transport (ipcMain registrar, WebSocket
 * bridge) is checked and run. Unknown method, bad input or a thrown error all come back as a
 * typed `CallResult` error and are logged; a handler never sees unparsed input.
 */
import {
  ContractCallError,
  isMethodName,
  methods,
  zodIssues,
  type CallResult,
  type MethodName,
  type MethodParsedInput,
  type MethodResult
} from '../shared/contract'
import type { ZodType } from 'zod'
import type { Logger } from './logging/logger'

/** Who is calling: used in logs and by handlers that care (e.g. rate limits per client). */
export interface CallContext {
  transport: 'ipc' | 'bridge' | 'test' | 'internal'
  /** A window id or a bridge connection id. */
  client: string
}

export type Handlers = {
  [M in MethodName]: (input: MethodParsedInput<M>, ctx: CallContext) => Promise<MethodResult<M>> | MethodResult<M>
}

export type Dispatch = (method: unknown, input: unknown, ctx: CallContext) => Promise<CallResult>

/** A table of contract methods: each with its zod input schema (the dispatcher parses with it). */
export type MethodTable = Readonly<Record<string, { input: ZodType }>>

/**
 * The dispatcher over the contract's methods (plus `extra`, for modules that bring methods of
 * their own, e.g. a test's module). The runtime passes a complete table (services.ts checks that
 * at compile time); a partial one (a test of one domain) answers `unavailable` for the rest.
 */
export function createDispatcher(handlers: Partial<Handlers>, log: Logger, extra: MethodTable = {}): Dispatch {
  const table: MethodTable = { ...extra, ...methods }
  const known = (m: unknown): m is MethodName => isMethodName(m) || (typeof m === 'string' && Object.hasOwn(extra, m))
  return async (method, input, ctx) => {
    if (!known(method)) {
      log.warn('rejected call to unknown method', { method: String(method).slice(0, 100), ...ctx })
      return { ok: false, error: { code: 'unknown_method', message: `Unknown method: ${String(method).slice(0, 100)}` } }
    }
    const def = table[method]!
    const parsed = def.input.safeParse(input)
    if (!parsed.success) {
      const issues = zodIssues(parsed.error)
      log.warn('rejected call with invalid input', { method, issues, ...ctx })
      return {
        ok: false,
        error: {
          code: 'bad_input',
          message: `Invalid input for ${method}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          issues
        }
      }
    }
    try {
      const handler = handlers[method] as ((input: unknown, ctx: CallContext) => unknown) | undefined
      if (!handler) return { ok: false, error: { code: 'unavailable', message: `${method} is not served by this runtime` } }
      const value = await handler(parsed.data, ctx)
      return { ok: true, value }
    } catch (err) {
      if (err instanceof ContractCallError) {
        log.warn('call failed', { method, code: err.code, error: err.message, ...ctx })
        return { ok: false, error: err.toData() }
      }
      const message = err instanceof Error ? err.message : String(err)
      log.error('call threw', { method, error: message, ...ctx })
      return { ok: false, error: { code: 'internal', message } }
    }
  }
}
