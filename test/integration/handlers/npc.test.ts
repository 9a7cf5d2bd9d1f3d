// Dialogue, decision and emotion handlers (every alias) against a real stub AI service: success
// shapes and payloads, template fallbacks when the service is down or answers non-200, validation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDefaultRegistry, DIALOGUE_TEMPLATES, type HandlerOutcome } from '../../../src/main/ai-ipc/handlers'
import { json, refusedUrl, text } from '../http/stub-server'
import { NOW, request, startAiStub, type AiStub } from './ai-stub'

const registry = createDefaultRegistry()
let ai: AiStub
const ISO = new Date(NOW).toISOString()

beforeEach(async () => {
  ai = await startAiStub()
})
afterEach(async () => {
  await ai.close()
})

async function run(type: string, data: unknown, ctx = ai.ctx, endpoint: string | null = null): Promise<HandlerOutcome> {
  const h = registry.lookup(type)
  if (!h) throw new Error(`no handler for ${type}`)
  return h.handle(request(type, endpoint, data), ctx)
}

function response(out: HandlerOutcome): Record<string, unknown> {
  if (out.kind !== 'ok') throw new Error(`not ok: ${JSON.stringify(out)}`)
  return out.response as Record<string, unknown>
}

describe('dialogue', () => {
  it.each(['dialogue', 'ai_dialogue', 'npc_dialogue', 'ai_npc_dialogue'])('%s: AI reply in the standard shape', async (type) => {
    const out = await run(
      type,
      { npc_id: 'merchant_001', npc_name: 'Alice', player_message: 'Hello!', player_name: 'Knightly', player_level: 50, context: { map: 'prontera' } },
      ai.ctx,
      '/api/v1/npc/dialogue'
    )
    const r = response(out)
    expect(Object.keys(r)).toEqual(['status', 'npc_id', 'response', 'emotion', 'actions', 'menu_options', 'metadata', 'timestamp'])
    expect(r).toMatchObject({
      status: 'ok',
      npc_id: 'merchant_001',
      response: 'AI says hi to Knightly from merchant_001',
      emotion: 'friendly',
      actions: [{ type: 'emote', value: 'wave' }],
      menu_options: ['Buy Items', 'Leave'],
      metadata: { source: 'ai_service', model: 'stub-1' },
      timestamp: ISO
    })
    const sent = ai.stub.requests[0]!
    expect(sent).toMatchObject({ method: 'POST', url: '/api/v1/npc/merchant_001/dialogue' })
    expect(JSON.parse(sent.body)).toEqual({
      npc_id: 'merchant_001',
      npc_name: 'Alice',
      player_message: 'Hello!',
      context: { map: 'prontera' },
      timestamp: ISO,
      player_name: 'Knightly',
      player_level: 50
    })
  })

  it('accepts `message` (what the C++ ai_npc_dialogue sends) and npc_name alone', async () => {
    await run('ai_npc_dialogue', { npc_name: 'Old Man Jenkins', message: 'Any news?' })
    const sent = ai.stub.requests[0]!
    expect(sent.url).toBe('/api/v1/npc/Old%20Man%20Jenkins/dialogue')
    expect(JSON.parse(sent.body)).toMatchObject({ npc_id: 'Old Man Jenkins', npc_name: 'Old Man Jenkins', player_message: 'Any news?' })
  })

  it('falls back to a template when the service is down', async () => {
    const dead = await refusedUrl()
    const out = await run('dialogue', { npc_id: 'guard_7', npc_name: 'Prontera Guard', message: 'I hate monsters!' }, ai.ctxWith({ baseUrl: dead }))
    const r = response(out)
    expect(r).toMatchObject({
      status: 'ok',
      npc_id: 'guard_7',
      emotion: 'angry',
      actions: [],
      menu_options: DIALOGUE_TEMPLATES.guard.menu,
      metadata: { source: 'fallback', npc_type: 'guard' },
      timestamp: ISO
    })
    expect(DIALOGUE_TEMPLATES.guard.lines.map((l) => l.replaceAll('{player}', 'adventurer'))).toContain(r.response)
    expect(String((r.metadata as Record<string, unknown>).reason)).toMatch(/ECONNREFUSED/)
  })

  it.each([
    [500, 'merchant', { npc_id: 'm1', npc_name: 'Merchant Bo', message: 'thanks!' }, 'happy'],
    [404, 'healer', { npc_id: 'h1', npc_type: 'healer', message: 'where am I?' }, 'curious'],
    [503, 'quest_giver', { npc_id: 'quest_giver_2', message: 'hello' }, 'friendly'],
    [400, 'blacksmith', { npc_name: 'Blacksmith Ann', message: 'ok' }, 'neutral'],
    [502, 'default', { npc_id: 'bob', message: 'my cat died' }, 'sad']
  ] as const)('falls back when the service answers %i (%s)', async (status, type, data, emotion) => {
    ai.stub.reply((_r, res) => json(res, status, { error: 'nope' }))
    const r = response(await run('npc_dialogue', data))
    expect(r.metadata).toMatchObject({ source: 'fallback', npc_type: type, reason: expect.stringMatching(new RegExp(`^HTTP ${status}`)) as unknown })
    expect(r.menu_options).toEqual(DIALOGUE_TEMPLATES[type].menu)
    expect(r.emotion).toBe(emotion)
    expect(ai.stub.requests).toHaveLength(1) // POST: not retried
  })

  it('falls back when the reply is not usable (non-JSON, no text)', async () => {
    ai.stub.reply((_r, res) => text(res, 200, 'hello'))
    expect(response(await run('dialogue', { npc_id: 'x' })).metadata).toMatchObject({ source: 'fallback' })
    ai.stub.reply((_r, res) => json(res, 200, { emotion: 'happy' }))
    expect(response(await run('dialogue', { npc_id: 'x' })).metadata).toMatchObject({
      source: 'fallback',
      reason: 'AI service reply has no response text'
    })
  })

  it('validation: missing npc_id/npc_name, invalid JSON, not an object, oversized', async () => {
    expect(await run('dialogue', { message: 'hi' })).toEqual({ kind: 'validation', message: 'npc_id or npc_name is required' })
    expect(await run('dialogue', null)).toEqual({ kind: 'validation', message: 'npc_id or npc_name is required' })
    expect(await run('dialogue', '{"npc_id": 1,')).toMatchObject({ kind: 'validation', message: expect.stringMatching(/^Invalid JSON/) as unknown })
    expect(await run('dialogue', '[1]')).toMatchObject({ kind: 'validation', message: 'request_data must be a JSON object, got an array' })
    expect(await run('dialogue', { npc_id: 'x', message: 'y'.repeat(70_000) })).toMatchObject({
      kind: 'validation',
      message: expect.stringMatching(/^payload too large/) as unknown
    })
    expect(ai.stub.requests).toHaveLength(0)
  })
})

describe('decision', () => {
  it.each(['decision', 'ai_decision', 'npc_decision', 'ai_npc_decide_action'])('%s: AI decision shape', async (type) => {
    const r = response(await run(type, { npc_id: 42, available_actions: ['patrol', 'idle'], state: { hp: 10 } }))
    expect(r).toEqual({
      status: 'ok',
      npc_id: 42,
      action: 'patrol',
      parameters: { route: 'north' },
      confidence: 0.8,
      reasoning: 'quiet day',
      metadata: { source: 'ai_service', response_time_ms: expect.any(Number) as unknown },
      timestamp: ISO
    })
    const sent = ai.stub.requests[0]!
    expect(sent.url).toBe('/api/v1/npc/42/decision')
    expect(JSON.parse(sent.body)).toEqual({ npc_id: 42, npc_name: null, available_actions: ['patrol', 'idle'], state: { hp: 10 }, timestamp: ISO })
  })

  it('falls back to a rule-based default when the service is down or errs', async () => {
    ai.stub.reply((_r, res) => json(res, 500, {}))
    expect(response(await run('decision', { npc_id: 'g', available_actions: ['attack', 'flee'] }))).toMatchObject({
      action: 'attack',
      confidence: 0,
      metadata: { source: 'fallback', reason: 'HTTP 500: Internal Server Error' }
    })
    const dead = await refusedUrl()
    expect(response(await run('decision', { npc_id: 'g' }, ai.ctxWith({ baseUrl: dead })))).toMatchObject({
      action: 'idle',
      metadata: { source: 'fallback' }
    })
  })

  it('validation without an NPC', async () => {
    expect(await run('decision', { available_actions: ['x'] })).toEqual({ kind: 'validation', message: 'npc_id or npc_name is required' })
  })
})

describe('emotion', () => {
  it.each(['emotion', 'ai_emotion', 'npc_emotion', 'ai_npc_get_emotion'])('%s: AI emotion shape', async (type) => {
    const r = response(await run(type, { npc_id: 'n1', message: 'whatever' }))
    expect(r).toEqual({
      status: 'ok',
      npc_id: 'n1',
      emotion: 'happy',
      intensity: 0.7,
      metadata: { source: 'ai_service', response_time_ms: expect.any(Number) as unknown },
      timestamp: ISO
    })
    expect(ai.stub.requests[0]!.url).toBe('/api/v1/npc/n1/emotion')
  })

  it('falls back to keyword emotion when the service is down or answers non-200', async () => {
    ai.stub.reply((_r, res) => json(res, 404, {}))
    expect(response(await run('emotion', { npc_id: 'n1', message: 'I am scared of the monster!' }))).toMatchObject({
      emotion: 'fearful',
      intensity: 0.8,
      metadata: { source: 'fallback', keywords: ['scared', 'monster'] }
    })
    const dead = await refusedUrl()
    expect(response(await run('emotion', { npc_name: 'Bob', event: 'nothing much' }, ai.ctxWith({ baseUrl: dead })))).toMatchObject({
      npc_id: 'Bob',
      emotion: 'neutral',
      metadata: { source: 'fallback' }
    })
  })

  it('validation without an NPC', async () => {
    expect(await run('emotion', {})).toEqual({ kind: 'validation', message: 'npc_id or npc_name is required' })
  })
})
