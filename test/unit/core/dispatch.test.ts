import { describe, expect, it } from 'vitest'
import { ContractCallError } from '../../../src/shared/contract'
import { createDispatcher, type Handlers } from '../../../src/main/dispatch'
import { LogSink } from '../../../src/main/logging/logger'

function setup(overrides: Partial<Handlers> = {}) {
  const lines: string[] = []
  const sink = new LogSink({ level: 'debug', format: 'json', dir: null, write: (l) => lines.push(l) })
  const handlers = {
    'app.status': () => {
      throw new Error('kaput')
    },
    'logs.tail': (input) => [{ seq: input.limit, time: 't', level: 'info', scope: 's', msg: 'm' }],
    'config.get': () => {
      throw new ContractCallError('unavailable', 'not now')
    },
    'config.update': () => {
      throw new Error('unreachable')
    },
    ...overrides
  } as Handlers
  return { dispatch: createDispatcher(handlers, sink.logger('contract')), lines }
}
const ctx = { transport: 'test' as const, client: 't' }

describe('createDispatcher', () => {
  it('rejects unknown methods and logs them', async () => {
    const { dispatch, lines } = setup()
    expect(await dispatch('nope.nothing', {}, ctx)).toMatchObject({ ok: false, error: { code: 'unknown_method' } })
    expect(await dispatch({ evil: true }, {}, ctx)).toMatchObject({ ok: false, error: { code: 'unknown_method' } })
    expect(lines.some((l) => l.includes('unknown method'))).toBe(true)
  })

  it('validates input with the contract schema before the handler runs', async () => {
    const { dispatch, lines } = setup()
    const r = await dispatch('logs.tail', { limit: -1, bogus: 1 }, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.code).toBe('bad_input')
      expect(r.error.issues?.map((i) => i.path)).toContain('limit')
    }
    expect(lines.some((l) => l.includes('invalid input'))).toBe(true)
    expect(await dispatch('logs.tail', undefined, ctx)).toMatchObject({ ok: true, value: [{ seq: 500 }] })
  })

  it('maps handler errors to typed errors', async () => {
    const { dispatch } = setup()
    expect(await dispatch('config.get', undefined, ctx)).toEqual({ ok: false, error: { code: 'unavailable', message: 'not now' } })
    expect(await dispatch('app.status', undefined, ctx)).toEqual({ ok: false, error: { code: 'internal', message: 'kaput' } })
  })
})
