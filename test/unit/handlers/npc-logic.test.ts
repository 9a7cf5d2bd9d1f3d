// Fallback logic of the NPC handlers: emotion keywords, NPC type keywords, default decisions,
// template replies.
import { describe, expect, it } from 'vitest'
import { DIALOGUE_TEMPLATES, detectEmotion, fallbackAction, fallbackDialogue, npcTypeOf } from '../../../src/main/ai-ipc/handlers'
import { makeContext, makeRequest } from './fixtures'

describe('detectEmotion', () => {
  it.each([
    ['I hate you, you idiot!', 'angry'],
    ['I am so sad, my dog died', 'sad'],
    ['There are monsters outside, I am scared', 'fearful'],
    ['Thanks, that was great', 'happy'],
    ['Where is the castle?', 'curious'],
    ['Is it far?', 'curious'],
    ['Hello there', 'friendly'],
    ['Buy 3 potions', 'neutral'],
    ['', 'neutral'],
    ['Thanks, but I hate this', 'angry']
  ])('%j → %s', (text, emotion) => {
    expect(detectEmotion(text).emotion).toBe(emotion)
  })

  it('scales intensity with keyword count and exclamation', () => {
    expect(detectEmotion('ok').intensity).toBe(0.3)
    expect(detectEmotion('thanks').intensity).toBe(0.6)
    expect(detectEmotion('thanks, great, awesome!').intensity).toBe(0.9)
    expect(detectEmotion('thanks, great, awesome!').keywords).toEqual(['thanks', 'great', 'awesome'])
  })
})

describe('npcTypeOf', () => {
  it.each([
    [['merchant'], 'merchant'],
    [[undefined, 'Alice the Merchant'], 'merchant'],
    [[null, null, 'prontera_guard_01'], 'guard'],
    [['quest_giver'], 'quest_giver'],
    [[undefined, 'Old Quest Master'], 'quest_giver'],
    [[undefined, 'Healer Maria'], 'healer'],
    [[undefined, 'Blacksmith Hollgrehenn'], 'blacksmith'],
    [[undefined, 'Bob'], 'default'],
    [[], 'default']
  ] as const)('%j → %s', (hints, type) => {
    expect(npcTypeOf(...hints)).toBe(type)
  })
})

describe('fallbackAction', () => {
  it('idles unless choices without idle are offered', () => {
    expect(fallbackAction({})).toBe('idle')
    expect(fallbackAction({ available_actions: ['attack', 'idle'] })).toBe('idle')
    expect(fallbackAction({ available_actions: ['patrol', 'attack'] })).toBe('patrol')
    expect(fallbackAction({ options: [1, 'trade'] })).toBe('trade')
    expect(fallbackAction({ options: 'x' })).toBe('idle')
  })
})

describe('fallbackDialogue', () => {
  it('is deterministic, typed by keyword and fills in the player name', () => {
    const ctx = makeContext()
    const who = { npcId: 'merchant_001', npcName: 'Alice the Merchant', key: 'merchant_001', responseId: 'merchant_001' }
    const data = { player_name: 'Knightly' }
    const a = fallbackDialogue(who, data, 'Hello!', makeRequest('dialogue'), ctx, 'down')
    const b = fallbackDialogue(who, data, 'Hello!', makeRequest('dialogue'), ctx, 'down')
    expect(a).toEqual(b)
    expect(a).toMatchObject({
      status: 'ok',
      npc_id: 'merchant_001',
      emotion: 'friendly',
      actions: [],
      menu_options: ['Buy Items', 'Sell Items', 'Leave'],
      metadata: { source: 'fallback', npc_type: 'merchant', reason: 'down' },
      timestamp: '2025-01-01T01:00:00.250Z'
    })
    const lines = DIALOGUE_TEMPLATES.merchant.lines.map((l) => l.replaceAll('{player}', 'Knightly'))
    expect(lines).toContain(a.response)
  })
})
