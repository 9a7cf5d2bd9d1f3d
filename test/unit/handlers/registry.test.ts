// The registry: every built-in type and alias, case-insensitive lookup, unknown types, the
// extension point, duplicates and replacement.
import { describe, expect, it, vi } from 'vitest'
import { HandlerRegistry, createDefaultRegistry, ok, parseRequestData, type AiHandler } from '../../../src/main/ai-ipc/handlers'
import { makeContext, makeRequest } from './fixtures'

const EXPECTED: Record<string, string[]> = {
  health: ['health_check', 'health'],
  http_proxy: ['http_get', 'http_post', 'httpget', 'httppost', 'get', 'post'],
  dialogue: ['dialogue', 'ai_dialogue', 'npc_dialogue', 'ai_npc_dialogue'],
  decision: ['decision', 'ai_decision', 'npc_decision', 'ai_npc_decide_action'],
  emotion: ['emotion', 'ai_emotion', 'npc_emotion', 'ai_npc_get_emotion'],
  async: ['ai_request_async', 'async_request', 'ai_check_result', 'check_result']
}

describe('createDefaultRegistry', () => {
  const registry = createDefaultRegistry()

  it('lists every handler with its types and aliases', () => {
    expect(Object.fromEntries(registry.list().map((l) => [l.name, l.types]))).toEqual(EXPECTED)
  })

  it.each(Object.entries(EXPECTED).flatMap(([name, types]) => types.map((t) => [t, name])))('%s → %s (any case)', (type, name) => {
    expect(registry.lookup(type)?.name).toBe(name)
    expect(registry.lookup(type.toUpperCase())?.name).toBe(name)
    expect(registry.lookup(` ${type} `)?.name).toBe(name)
  })

  it('returns undefined for unknown types', () => {
    expect(registry.lookup('definitely_not_a_type')).toBeUndefined()
    expect(registry.lookup('')).toBeUndefined()
    expect(registry.has('nope')).toBe(false)
  })
})

describe('HandlerRegistry extension point', () => {
  const echo: AiHandler = {
    name: 'echo',
    types: ['Echo', 'ai_echo'],
    handle(req, ctx) {
      const parsed = parseRequestData(req.request_data)
      if (!parsed.ok) return parsed.outcome
      return ok({ status: 'ok', echo: parsed.data, timestamp: new Date(ctx.now()).toISOString() })
    }
  }

  it('registers a custom handler next to the defaults (doc example)', async () => {
    const registry = createDefaultRegistry().register(echo)
    const h = registry.lookup('ECHO')
    expect(h).toBe(echo)
    const out = await h!.handle(makeRequest('echo', null, { hi: 1 }), makeContext())
    expect(out).toEqual({ kind: 'ok', response: { status: 'ok', echo: { hi: 1 }, timestamp: '2025-01-01T01:00:00.250Z' } })
    expect(registry.types()).toContain('ai_echo')
  })

  it('refuses a duplicate type unless replace is set', () => {
    const registry = createDefaultRegistry()
    const rival: AiHandler = { name: 'rival', types: ['health'], handle: () => ok({}) }
    expect(() => registry.register(rival)).toThrow(/already handled by health/)
    registry.register(rival, { replace: true })
    expect(registry.lookup('health')?.name).toBe('rival')
    expect(registry.lookup('health_check')?.name).toBe('health')
    expect(registry.list().find((l) => l.name === 'health')?.types).toEqual(['health_check'])
  })

  it('refuses handlers without types', () => {
    expect(() => new HandlerRegistry().register({ name: 'x', types: [], handle: () => ok({}) })).toThrow(/no request types/)
  })

  it('close() calls each handler close()', async () => {
    const close = vi.fn()
    const registry = new HandlerRegistry().register({ name: 'c', types: ['c'], handle: () => ok({}), close })
    await registry.close()
    expect(close).toHaveBeenCalledOnce()
  })
})
