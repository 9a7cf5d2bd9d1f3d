/**
 * The handler registry: request_type (lower-cased) → handler, the default set with every type and
 * alias of the old service (plus decision, emotion and async), and the extension point for custom
 * handlers.
 *
 * Adding a custom handler (the extension point):
 *
 * ```ts
 * import { createDefaultRegistry, parseRequestData, ok, type AiHandler } from './handlers'
 *
 * const echo: AiHandler = {
 *   name: 'echo',
 *   types: ['echo', 'ai_echo'],            // request types and aliases, matched case-insensitively
 *   handle(req, ctx) {
 *     const parsed = parseRequestData(req.request_data)   // size cap + JSON object, else a 400 outcome
 *     if (!parsed.ok) return parsed.outcome
 *     return ok({ status: 'ok', echo: parsed.data, timestamp: new Date(ctx.now()).toISOString() })
 *   }
 * }
 * const registry = createDefaultRegistry().register(echo)
 * ```
 *
 * A handler returns an outcome (see types.ts): `ok` (completed, 200 or its httpStatus),
 * `validation` (completed, 400), `retryable` (the poller retries with backoff) or `failed`; it
 * should not throw. To replace a built-in type, `register(handler, { replace: true })`.
 */
import { AsyncJobHandler, type AsyncJobOptions } from './async'
import { DecisionHandler } from './decision'
import { DialogueHandler } from './dialogue'
import { EmotionHandler } from './emotion'
import { HealthHandler } from './health'
import { HttpProxyHandler } from './http-proxy'
import type { AiHandler } from './types'

export { parseRequestData, checkPayloadSize, MAX_REQUEST_DATA_BYTES, type ParsedRequestData } from './request-data'

export interface HandlerListing {
  name: string
  types: string[]
}

export class HandlerRegistry {
  private readonly byType = new Map<string, AiHandler>()
  private readonly handlers: AiHandler[] = []

  /**
   * Adds `handler` under each of its types (lower-cased). Throws when a type is already taken,
   * unless `replace` is set (the previous handler then loses that type).
   */
  register(handler: AiHandler, opts: { replace?: boolean } = {}): this {
    if (handler.types.length === 0) throw new Error(`handler ${handler.name} declares no request types`)
    const types = handler.types.map((t) => t.trim().toLowerCase())
    for (const t of types) {
      if (t === '') throw new Error(`handler ${handler.name} declares an empty request type`)
      const existing = this.byType.get(t)
      if (existing !== undefined && existing !== handler && opts.replace !== true) {
        throw new Error(`request type "${t}" is already handled by ${existing.name}`)
      }
    }
    for (const t of types) this.byType.set(t, handler)
    if (!this.handlers.includes(handler)) this.handlers.push(handler)
    return this
  }

  /** The handler for `requestType` (case-insensitive, surrounding spaces ignored), or undefined. */
  lookup(requestType: string): AiHandler | undefined {
    const direct = this.byType.get(requestType)
    if (direct !== undefined) return direct
    return this.byType.get(requestType.trim().toLowerCase())
  }

  has(requestType: string): boolean {
    return this.lookup(requestType) !== undefined
  }

  /** Every handler with the types it currently owns, in registration order. */
  list(): HandlerListing[] {
    const out: HandlerListing[] = []
    for (const h of this.handlers) {
      const types = [...this.byType].filter(([, owner]) => owner === h).map(([t]) => t)
      if (types.length > 0) out.push({ name: h.name, types })
    }
    return out
  }

  /** Every registered request type (lower-case). */
  types(): string[] {
    return [...this.byType.keys()]
  }

  /** Calls each handler's close() (async jobs abort their in-flight calls). */
  async close(): Promise<void> {
    await Promise.allSettled(this.handlers.map((h) => h.close?.()))
  }
}

export interface DefaultRegistryOptions {
  async?: AsyncJobOptions
}

/**
 * health (health_check, health), http_proxy (http_get, http_post, httpget, httppost, get, post),
 * dialogue (dialogue, ai_dialogue, npc_dialogue, ai_npc_dialogue), decision (decision,
 * ai_decision, npc_decision, ai_npc_decide_action), emotion (emotion, ai_emotion, npc_emotion,
 * ai_npc_get_emotion), async (ai_request_async, async_request, ai_check_result, check_result).
 */
export function createDefaultRegistry(opts: DefaultRegistryOptions = {}): HandlerRegistry {
  return new HandlerRegistry()
    .register(new HealthHandler())
    .register(new HttpProxyHandler())
    .register(new DialogueHandler())
    .register(new DecisionHandler())
    .register(new EmotionHandler())
    .register(new AsyncJobHandler(opts.async))
}
