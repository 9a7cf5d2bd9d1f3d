/**
 * What the dialogue, decision and emotion handlers share: who the NPC is (npc_id or npc_name,
 * required), the POST to `<base_url>/api/v1/npc/{id}/{action}`, and the deterministic choice
 * helpers their template fallbacks use when the AI service is down or answers non-2xx.
 *
 * NPC calls are POSTs and are not retried by the HTTP client: a fallback answer now is worth
 * more to a waiting script than a late AI answer.
 */
import { serviceTargets } from './proxy-url'
import { isPlainObject, parseRequestData, stringField } from './request-data'
import { validation, type AiRequest, type HandlerContext, type HandlerOutcome } from './types'

export type NpcAction = 'dialogue' | 'decision' | 'emotion'

export interface NpcIdentity {
  npcId: string | undefined
  npcName: string | undefined
  /** npc_id, else npc_name, as a string: used in the URL. */
  key: string
  /** npc_id, else npc_name, as the script sent it (a number stays a number): `npc_id` in responses. */
  responseId: string | number
}

/** The NPC's identity, or a validation outcome when neither npc_id nor npc_name is given. */
export function npcIdentity(data: Record<string, unknown>): NpcIdentity | HandlerOutcome {
  const npcId = stringField(data, 'npc_id')
  const npcName = stringField(data, 'npc_name')
  const key = npcId ?? npcName
  if (key === undefined) return validation('npc_id or npc_name is required')
  const raw = npcId !== undefined ? data.npc_id : data.npc_name
  return { npcId, npcName, key, responseId: typeof raw === 'number' ? raw : key }
}

/** The parsed request_data and the NPC it is about, or the validation outcome to answer with. */
export function parseNpcRequest(req: AiRequest): { data: Record<string, unknown>; who: NpcIdentity } | HandlerOutcome {
  const parsed = parseRequestData(req.request_data)
  if (!parsed.ok) return parsed.outcome
  const who = npcIdentity(parsed.data)
  if ('kind' in who) return who
  return { data: parsed.data, who }
}

/** The NPC handlers' precheck: a request without data or NPC identity is refused without a call. */
export function npcPrecheck(req: AiRequest): HandlerOutcome | undefined {
  const npc = parseNpcRequest(req)
  return 'kind' in npc ? npc : undefined
}

export function npcUrl(ctx: HandlerContext, key: string, action: NpcAction): string {
  return `${serviceTargets(ctx.config).baseJoin}/api/v1/npc/${encodeURIComponent(key)}/${action}`
}

export type NpcServiceReply =
  | { ok: true; reply: Record<string, unknown>; status: number; responseTimeMs: number }
  | { ok: false; reason: string; status: number; responseTimeMs: number }

/** POSTs `payload` to the NPC endpoint; any failure (down, timeout, non-2xx, not a JSON object) → ok: false. */
export async function callNpcService(
  ctx: HandlerContext,
  key: string,
  action: NpcAction,
  payload: Record<string, unknown>
): Promise<NpcServiceReply> {
  const started = performance.now()
  const r = await ctx.http.request({
    url: npcUrl(ctx, key, action),
    method: 'POST',
    json: payload,
    timeoutMs: ctx.config.timeoutMs,
    retry: false,
    responseType: 'json'
  })
  const responseTimeMs = Math.round(performance.now() - started)
  if (!r.ok) return { ok: false, reason: r.error.message, status: r.status, responseTimeMs }
  if (!isPlainObject(r.data)) return { ok: false, reason: 'AI service reply is not a JSON object', status: r.status, responseTimeMs }
  return { ok: true, reply: r.data, status: r.status, responseTimeMs }
}

/** The reply's own metadata (if an object) with `source` and timing set by us. */
export function serviceMetadata(reply: Record<string, unknown>, responseTimeMs: number): Record<string, unknown> {
  const own = isPlainObject(reply.metadata) ? reply.metadata : {}
  return { ...own, source: 'ai_service', response_time_ms: responseTimeMs }
}

export function fallbackMetadata(reason: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { source: 'fallback', ...extra, reason }
}

/** FNV-1a 32-bit: a stable pick among templates for the same NPC and message. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
