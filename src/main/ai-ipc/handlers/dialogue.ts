/**
 * dialogue / ai_dialogue / npc_dialogue / ai_npc_dialogue: NPC dialogue from the AI service
 * (POST `<base_url>/api/v1/npc/{npc_id}/dialogue`), or a template reply when the service is down,
 * times out or answers non-2xx — the NPC always says something.
 *
 * request_data: npc_id and/or npc_name (one is required), `player_message` or `message` (the C++
 * ai_npc_dialogue sends `message`), optional `context`, `npc_type`, `options`, and `player_*`
 * fields (forwarded when present).
 *
 * Answer: `{"status":"ok","npc_id","response","emotion","actions":[],"menu_options":[],
 * "metadata":{"source":"ai_service"|"fallback",…},"timestamp"}`.
 */
import { detectEmotion } from './emotion'
import { callNpcService, fallbackMetadata, npcPrecheck, parseNpcRequest, serviceMetadata, stableHash, type NpcIdentity } from './npc-service'
import { firstStringField, isPlainObject, stringField } from './request-data'
import { isoNow, ok, type AiHandler, type AiRequest, type HandlerContext, type HandlerOutcome, asFallback } from './types'

export type NpcType = 'merchant' | 'guard' | 'quest_giver' | 'healer' | 'blacksmith' | 'default'

interface Template {
  lines: readonly string[]
  menu: readonly string[]
}

/** Fallback lines per NPC type; `{player}` is the player's name (or "adventurer"), `{npc}` the NPC's. */
export const DIALOGUE_TEMPLATES: Readonly<Record<NpcType, Template>> = {
  merchant: {
    lines: [
      'Welcome, {player}! Take a look at my wares, the finest goods in all of Midgard.',
      "Looking to buy or sell? I've got just what an adventurer like you needs.",
      'Ah, a customer! Everything you see is for sale, and my prices are fair.'
    ],
    menu: ['Buy Items', 'Sell Items', 'Leave']
  },
  guard: {
    lines: [
      'Halt! State your business, {player}.',
      "Keep out of trouble while you're in town, {player}.",
      'The roads are dangerous lately. Stay alert out there.'
    ],
    menu: ['Ask about the area', 'Report trouble', 'Leave']
  },
  quest_giver: {
    lines: [
      'Adventurer! I have a task that needs someone of your skill.',
      'You look capable, {player}. Would you help me with a problem?',
      'There is work to be done, and the reward is generous. Interested?'
    ],
    menu: ['Accept Quest', 'Ask for details', 'Decline']
  },
  healer: {
    lines: [
      'You look weary, {player}. Let me tend to your wounds.',
      'May the goddess bless you. Do you need healing?',
      'Rest a moment. No one should walk into battle hurt.'
    ],
    menu: ['Heal', 'Buy Potions', 'Leave']
  },
  blacksmith: {
    lines: [
      'Need something forged or repaired? My anvil is ready.',
      "A fine weapon is an adventurer's best friend. What can I make for you?",
      "Bring me ore and I'll bring you steel, {player}."
    ],
    menu: ['Refine Equipment', 'Repair Equipment', 'Leave']
  },
  default: {
    lines: [
      "Hello there, {player}. Fine day, isn't it?",
      'Greetings, traveller. What brings you here?',
      'Ah, {player}. Is there something I can help you with?'
    ],
    menu: ['Talk', 'Leave']
  }
}

/** Keywords looked for (in order) in npc_type, npc_name, npc_id and the source NPC. */
export const NPC_TYPE_KEYWORDS: ReadonlyArray<readonly [NpcType, readonly string[]]> = [
  ['merchant', ['merchant', 'shop', 'vendor', 'trader']],
  ['guard', ['guard', 'soldier', 'sentry']],
  ['quest_giver', ['quest_giver', 'quest']],
  ['healer', ['healer', 'priest', 'nurse', 'cleric']],
  ['blacksmith', ['blacksmith', 'smith', 'forge']]
]

export function npcTypeOf(...hints: (string | null | undefined)[]): NpcType {
  const hay = hints
    .filter((h): h is string => typeof h === 'string')
    .join(' ')
    .toLowerCase()
  for (const [type, words] of NPC_TYPE_KEYWORDS) if (words.some((w) => hay.includes(w))) return type
  return 'default'
}

export class DialogueHandler implements AiHandler {
  readonly name = 'dialogue'
  readonly types = ['dialogue', 'ai_dialogue', 'npc_dialogue', 'ai_npc_dialogue'] as const

  readonly precheck = npcPrecheck

  async handle(req: AiRequest, ctx: HandlerContext): Promise<HandlerOutcome> {
    const npc = parseNpcRequest(req)
    if ('kind' in npc) return npc
    const { data, who } = npc
    const message = firstStringField(data, 'player_message', 'message') ?? ''

    const payload: Record<string, unknown> = {
      npc_id: who.responseId,
      npc_name: who.npcName ?? null,
      player_message: message,
      context: isPlainObject(data.context) ? data.context : {},
      timestamp: isoNow(ctx)
    }
    for (const [k, v] of Object.entries(data)) {
      if ((k.startsWith('player_') && k !== 'player_message') || k === 'npc_type' || k === 'options') payload[k] = v
    }

    const res = await callNpcService(ctx, who.key, 'dialogue', payload)
    if (res.ok) {
      const text = firstStringField(res.reply, 'response', 'dialogue', 'text', 'message')
      if (text !== undefined) {
        return ok({
          status: 'ok',
          npc_id: who.responseId,
          response: text,
          emotion: stringField(res.reply, 'emotion') ?? detectEmotion(message).emotion,
          actions: Array.isArray(res.reply.actions) ? res.reply.actions : [],
          menu_options: Array.isArray(res.reply.menu_options) ? res.reply.menu_options : [],
          metadata: serviceMetadata(res.reply, res.responseTimeMs),
          timestamp: isoNow(ctx)
        })
      }
    }
    const reason = res.ok ? 'AI service reply has no response text' : res.reason
    ctx.log.debug('dialogue fallback', { npc: who.key, reason })
    return asFallback(ok(fallbackDialogue(who, data, message, req, ctx, reason)))
  }
}

/** The template reply (deterministic for the same NPC and message). */
export function fallbackDialogue(
  who: NpcIdentity,
  data: Record<string, unknown>,
  message: string,
  req: AiRequest,
  ctx: HandlerContext,
  reason: string
): Record<string, unknown> {
  const type = npcTypeOf(stringField(data, 'npc_type'), who.npcName, who.npcId, req.source_npc)
  const template = DIALOGUE_TEMPLATES[type]
  const line = template.lines[stableHash(who.key + '\u0000' + message) % template.lines.length] ?? template.lines[0] ?? ''
  const player = stringField(data, 'player_name') ?? 'adventurer'
  return {
    status: 'ok',
    npc_id: who.responseId,
    response: line.replaceAll('{player}', player).replaceAll('{npc}', who.npcName ?? who.key),
    emotion: detectEmotion(message).emotion,
    actions: [],
    menu_options: [...template.menu],
    metadata: fallbackMetadata(reason, { npc_type: type }),
    timestamp: isoNow(ctx)
  }
}
