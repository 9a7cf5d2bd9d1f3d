/**
 * emotion / ai_emotion / npc_emotion / ai_npc_get_emotion: POST `<base_url>/api/v1/npc/{id}/emotion`
 * with the request data, answer `{"status":"ok","npc_id","emotion","intensity","metadata","timestamp"}`.
 * When the AI service is down or answers non-2xx, the emotion comes from keywords in the
 * message/event text (`detectEmotion`, also used by the dialogue fallback) with
 * `metadata.source = "fallback"`.
 */
import { callNpcService, fallbackMetadata, npcPrecheck, parseNpcRequest, serviceMetadata } from './npc-service'
import { firstStringField } from './request-data'
import { isoNow, ok, type AiHandler, type AiRequest, type HandlerContext, type HandlerOutcome, asFallback } from './types'

export type Emotion = 'angry' | 'sad' | 'fearful' | 'happy' | 'curious' | 'friendly' | 'neutral'

/** Checked in this order; the first emotion with a matching word wins. */
export const EMOTION_KEYWORDS: ReadonlyArray<readonly [Emotion, readonly string[]]> = [
  ['angry', ['angry', 'hate', 'stupid', 'idiot', 'kill', 'damn', 'useless', 'cheat', 'cheater', 'scam', 'furious', 'shut']],
  ['sad', ['sad', 'sorry', 'lost', 'dead', 'died', 'cry', 'crying', 'alone', 'miss', 'grief', 'unhappy', 'lonely']],
  ['fearful', ['scared', 'afraid', 'fear', 'danger', 'dangerous', 'monster', 'monsters', 'terrified', 'flee']],
  ['happy', ['thanks', 'thank', 'great', 'awesome', 'love', 'happy', 'wonderful', 'excellent', 'amazing', 'glad', 'nice', 'yay']],
  ['curious', ['what', 'why', 'how', 'where', 'who', 'when', 'which', 'tell', 'explain', 'curious', 'wonder']],
  ['friendly', ['hello', 'hi', 'hey', 'greetings', 'welcome', 'howdy', 'morning', 'evening', 'bye', 'farewell']]
]

/** word → [emotion, rank in EMOTION_KEYWORDS] */
const KEYWORD_INDEX: ReadonlyMap<string, readonly [Emotion, number]> = (() => {
  const m = new Map<string, readonly [Emotion, number]>()
  EMOTION_KEYWORDS.forEach(([emotion, words], rank) => {
    for (const w of words) if (!m.has(w)) m.set(w, [emotion, rank])
  })
  return m
})()

export interface DetectedEmotion {
  emotion: Emotion
  /** 0..1: 0.3 for neutral, 0.6 for one keyword, +0.1 per further keyword or '!' (max 1). */
  intensity: number
  /** The keywords that matched the chosen emotion. */
  keywords: string[]
}

/** Emotion of a player's message from keywords (whole words, case-insensitive). A bare '?' → curious. */
export function detectEmotion(text: string): DetectedEmotion {
  const words = text.toLowerCase().split(/[^a-z']+/)
  let best: Emotion | undefined
  let bestRank = Infinity
  let hits: string[] = []
  for (const raw of words) {
    const w = raw.replace(/^'+|'+$/g, '')
    const entry = KEYWORD_INDEX.get(w)
    if (entry === undefined) continue
    const [e, rank] = entry
    if (rank < bestRank) {
      best = e
      bestRank = rank
      hits = [w]
    } else if (e === best) {
      hits.push(w)
    }
  }
  if (best === undefined && text.includes('?')) best = 'curious'
  if (best === undefined) return { emotion: 'neutral', intensity: 0.3, keywords: [] }
  const exclaim = text.includes('!') ? 0.1 : 0
  const intensity = Math.min(1, Math.round((0.6 + 0.1 * Math.max(0, hits.length - 1) + exclaim) * 10) / 10)
  return { emotion: best, intensity, keywords: hits }
}

export class EmotionHandler implements AiHandler {
  readonly name = 'emotion'
  readonly types = ['emotion', 'ai_emotion', 'npc_emotion', 'ai_npc_get_emotion'] as const

  readonly precheck = npcPrecheck

  async handle(req: AiRequest, ctx: HandlerContext): Promise<HandlerOutcome> {
    const npc = parseNpcRequest(req)
    if ('kind' in npc) return npc
    const { data, who } = npc
    const text = firstStringField(data, 'message', 'player_message', 'event', 'trigger') ?? ''
    const res = await callNpcService(ctx, who.key, 'emotion', {
      ...data,
      npc_id: who.responseId,
      npc_name: who.npcName ?? null,
      timestamp: isoNow(ctx)
    })
    if (res.ok) {
      const emotion = typeof res.reply.emotion === 'string' && res.reply.emotion !== '' ? res.reply.emotion : undefined
      if (emotion !== undefined) {
        const intensity = typeof res.reply.intensity === 'number' && Number.isFinite(res.reply.intensity) ? res.reply.intensity : 0.5
        return ok({
          status: 'ok',
          npc_id: who.responseId,
          emotion,
          intensity,
          metadata: serviceMetadata(res.reply, res.responseTimeMs),
          timestamp: isoNow(ctx)
        })
      }
    }
    const reason = res.ok ? 'AI service reply has no emotion' : res.reason
    ctx.log.debug('emotion fallback', { npc: who.key, reason })
    const detected = detectEmotion(text)
    return asFallback(ok({
      status: 'ok',
      npc_id: who.responseId,
      emotion: detected.emotion,
      intensity: detected.intensity,
      metadata: fallbackMetadata(reason, { keywords: detected.keywords }),
      timestamp: isoNow(ctx)
    }))
  }
}
