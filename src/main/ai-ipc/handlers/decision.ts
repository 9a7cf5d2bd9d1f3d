/**
 * decision / ai_decision / npc_decision / ai_npc_decide_action: asks the AI service what an NPC
 * does next (POST `<base_url>/api/v1/npc/{id}/decision` with the request data). Answer:
 * `{"status":"ok","npc_id","action","parameters":{},"confidence","reasoning","metadata","timestamp"}`.
 * When the service is down or answers non-2xx: a rule-based default — "idle" if offered (or no
 * choices are given), else the first of `available_actions` / `options` — with
 * `metadata.source = "fallback"` and confidence 0.
 */
import { callNpcService, fallbackMetadata, npcPrecheck, parseNpcRequest, serviceMetadata } from './npc-service'
import { firstStringField, isPlainObject } from './request-data'
import { isoNow, ok, type AiHandler, type AiRequest, type HandlerContext, type HandlerOutcome, asFallback } from './types'

export const DEFAULT_ACTION = 'idle'

export class DecisionHandler implements AiHandler {
  readonly name = 'decision'
  readonly types = ['decision', 'ai_decision', 'npc_decision', 'ai_npc_decide_action'] as const

  readonly precheck = npcPrecheck

  async handle(req: AiRequest, ctx: HandlerContext): Promise<HandlerOutcome> {
    const npc = parseNpcRequest(req)
    if ('kind' in npc) return npc
    const { data, who } = npc
    const res = await callNpcService(ctx, who.key, 'decision', {
      ...data,
      npc_id: who.responseId,
      npc_name: who.npcName ?? null,
      timestamp: isoNow(ctx)
    })
    if (res.ok) {
      const action = firstStringField(res.reply, 'action', 'decision')
      if (action !== undefined) {
        const confidence = res.reply.confidence
        return ok({
          status: 'ok',
          npc_id: who.responseId,
          action,
          parameters: isPlainObject(res.reply.parameters) ? res.reply.parameters : {},
          confidence: typeof confidence === 'number' && Number.isFinite(confidence) ? confidence : null,
          reasoning: typeof res.reply.reasoning === 'string' ? res.reply.reasoning : '',
          metadata: serviceMetadata(res.reply, res.responseTimeMs),
          timestamp: isoNow(ctx)
        })
      }
    }
    const reason = res.ok ? 'AI service reply has no action' : res.reason
    ctx.log.debug('decision fallback', { npc: who.key, reason })
    return asFallback(ok({
      status: 'ok',
      npc_id: who.responseId,
      action: fallbackAction(data),
      parameters: {},
      confidence: 0,
      reasoning: 'AI service unavailable: rule-based default action',
      metadata: fallbackMetadata(reason),
      timestamp: isoNow(ctx)
    }))
  }
}

/** "idle" when offered or when no choices are given, else the first offered action. */
export function fallbackAction(data: Record<string, unknown>): string {
  const offered = data.available_actions ?? data.options ?? data.actions
  if (!Array.isArray(offered)) return DEFAULT_ACTION
  const names = offered.filter((a): a is string => typeof a === 'string' && a !== '')
  if (names.length === 0 || names.includes(DEFAULT_ACTION)) return DEFAULT_ACTION
  return names[0] ?? DEFAULT_ACTION
}
