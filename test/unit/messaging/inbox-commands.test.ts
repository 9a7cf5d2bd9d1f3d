/**
 * The inbox's operator commands without files: each command calls the contract method it should
 * with the input it should (a recording `call`), args in every accepted shape, bad args and
 * unknown commands answered with an error (never a throw), enqueue-ai-request answered once the
 * request is processed (fake timers), reload-config through config.reload; and the
 * `warp-host send` command line.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ConfigSchema } from '../../../src/shared/config-schema'
import type { CallResult } from '../../../src/shared/contract'
import { InboxCommandPayloadSchema, runCommand, type CommandAnswer, type CommandRun } from '../../../src/main/inbox/commands'
import { describeResult, parseSendArgs } from '../../../src/main/inbox/send-client'

type Calls = { method: string; input: unknown }[]

function recorder(answer: (method: string, input: unknown) => CallResult = () => ({ ok: true, value: { fine: true } })): { calls: Calls; call: (m: string, i: unknown) => Promise<CallResult> } {
  const calls: Calls = []
  return {
    calls,
    call: async (method, input) => {
      calls.push({ method, input })
      return answer(method, input)
    }
  }
}

const run = (cmd: string, args: unknown, call: (m: string, i: unknown) => Promise<CallResult>): Promise<CommandRun> =>
  runCommand(InboxCommandPayloadSchema.parse({ command: cmd, args }), { call: (m, i) => call(m, i), client: 'inbox:test' })

const answerOf = (r: CommandRun): CommandAnswer => {
  if (!('answer' in r)) throw new Error('expected an answer now')
  return r.answer
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('operator commands', () => {
  it('go through the contract methods with their inputs, args in every accepted shape', async () => {
    const r = recorder()
    expect(answerOf(await run('status', [], r.call))).toEqual({ success: true, result: { fine: true } })
    await run('pause-hosting', ['maintenance'], r.call)
    await run('pause-hosting', { reason: 'upgrade' }, r.call)
    await run('pause-hosting', undefined, r.call)
    await run('resume-hosting', [], r.call)
    await run('list-sessions', [{}], r.call)
    await run('kick', ['s1', 'p1'], r.call)
    await run('kick', [{ sessionId: 's1', peerId: 'p2', reason: 'bye' }], r.call)
    expect(r.calls).toEqual([
      { method: 'app.status', input: undefined },
      { method: 'hosting.pause', input: { reason: 'maintenance' } },
      { method: 'hosting.pause', input: { reason: 'upgrade' } },
      { method: 'hosting.pause', input: {} },
      { method: 'hosting.resume', input: undefined },
      { method: 'hosting.sessions', input: undefined },
      { method: 'hosting.kick', input: { sessionId: 's1', peerId: 'p1' } },
      { method: 'hosting.kick', input: { sessionId: 's1', peerId: 'p2', reason: 'bye' } }
    ])
  })

  it('answers bad args, unknown commands and failed calls with an error, never a throw', async () => {
    const r = recorder(() => ({ ok: false, error: { code: 'not_found', message: 'No peer p1 in session s1.' } }))
    expect(answerOf(await run('kick', ['s1'], r.call))).toMatchObject({ success: false, result: { code: 'bad_input', error: expect.stringMatching(/^kick: invalid args/) } })
    expect(answerOf(await run('status', [1], r.call))).toMatchObject({ success: false, result: { code: 'bad_input' } })
    expect(answerOf(await run('launch-missiles', [], r.call))).toMatchObject({ success: false, result: { code: 'unknown_command', error: expect.stringMatching(/known: status/) } })
    expect(answerOf(await run('kick', ['s1', 'p1'], r.call))).toEqual({ success: false, result: { code: 'not_found', error: 'No peer p1 in session s1.' } })
    expect(r.calls.map((c) => c.method)).toEqual(['hosting.kick'])
  })

  it('enqueue-ai-request inserts through requests.submitTest and answers once requests.get says processed', async () => {
    let polls = 0
    const r = recorder((m) => {
      if (m === 'requests.submitTest') return { ok: true, value: { id: 42, status: 'pending' } }
      polls++
      return { ok: true, value: { request: { status: polls < 3 ? 'processing' : 'completed' }, response: { status: 200 } } }
    })
    const started = await run('enqueue-ai-request', { request_type: 'dialogue', request_data: { npc: 1 }, priority: 3, source_npc: 'Kafra' }, r.call)
    expect(r.calls[0]).toEqual({
      method: 'requests.submitTest',
      input: { type: 'dialogue', data: '{"npc":1}', priority: 3, sourceNpc: 'Kafra', sourceMap: 'inbox', waitMs: 0 }
    })
    if (!('later' in started)) throw new Error('expected a later answer')
    const answer = started.later(new AbortController().signal)
    await vi.advanceTimersByTimeAsync(1000)
    expect(await answer).toEqual({ success: true, result: { id: 42, status: 'completed', response: { status: 200 } } })
    expect(polls).toBe(3)

    const stop = new AbortController()
    const pending = (await run('enqueue-ai-request', [{ request_type: 'x' }], recorder((m) => (m === 'requests.submitTest' ? { ok: true, value: { id: 7 } } : { ok: true, value: { request: { status: 'pending' }, response: null } })).call)) as Extract<CommandRun, { later: unknown }>
    const stopped = pending.later(stop.signal)
    await vi.advanceTimersByTimeAsync(100)
    stop.abort()
    expect(await stopped).toMatchObject({ success: false, result: { code: 'unavailable', error: expect.stringMatching(/stopped before AI request 7/) } })
    expect(answerOf(await run('enqueue-ai-request', [{ priority: 3 }], r.call))).toMatchObject({ success: false, result: { code: 'bad_input' } })
  })

  it('reload-config is config.reload (nothing written by the inbox), answered with what changed and the unknown keys; a bad file is a bad_input answer', async () => {
    vi.useRealTimers()
    const view = { config: ConfigSchema.parse({ data_dir: '/d' }), filePath: '/d/config.yaml', envLocked: {}, secretsSet: {}, secretStorage: 'file', unknownKeys: [{ key: 'poling', suggestion: 'polling' }] }
    const r = recorder(() => ({ ok: true, value: { view, changed: ['polling.batch_size'], restarted: ['ai-ipc'], restartRequired: [] } }))
    const started = await run('reload-config', [], r.call)
    if (!('later' in started)) throw new Error('expected a later answer')
    expect(await started.later(new AbortController().signal)).toEqual({
      success: true,
      result: { file: '/d/config.yaml', changed: ['polling.batch_size'], restarted: ['ai-ipc'], restartRequired: [], unknownKeys: ['poling (did you mean polling?)'] }
    })
    expect(r.calls).toEqual([{ method: 'config.reload', input: undefined }])
    const bad = recorder(() => ({ ok: false, error: { code: 'bad_input', message: 'polling: expected an object', issues: [{ path: 'polling', message: 'expected an object' }] } }))
    const refused = await run('reload-config', [], bad.call)
    if (!('later' in refused)) throw new Error('expected a later answer')
    expect(await refused.later(new AbortController().signal)).toEqual({ success: false, result: { code: 'bad_input', error: 'polling: expected an object', issues: [{ path: 'polling', message: 'expected an object' }] } })
    expect(answerOf(await run('reload-config', ['now'], r.call))).toMatchObject({ success: false, result: { code: 'bad_input' } })
  })
})

describe('warp-host send command line', () => {
  it('parses the command, args as JSON or words, and the options', () => {
    expect(parseSendArgs(['status'])).toEqual({ kind: 'send', send: { command: 'status', args: [], group: 'main', json: false, timeoutMs: null, configArgv: [] } })
    expect(parseSendArgs(['kick', 's1', 'p1', '--json', '--group=cron', '--timeout', '2.5'])).toMatchObject({ send: { command: 'kick', args: ['s1', 'p1'], group: 'cron', json: true, timeoutMs: 2500 } })
    expect(parseSendArgs(['enqueue-ai-request', '{"request_type":"x"}'])).toMatchObject({ send: { args: { request_type: 'x' } } })
    expect(parseSendArgs(['pause-hosting', '["a"]', '--config', '/etc/w.yaml'])).toMatchObject({ send: { args: ['a'], configArgv: ['--config', '/etc/w.yaml'] } })
    expect(parseSendArgs(['pause-hosting', 'maintenance'])).toMatchObject({ send: { args: ['maintenance'] } })
    expect(parseSendArgs([])).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/needs a command/) })
    expect(parseSendArgs(['status', '--group', '../etc'])).toMatchObject({ kind: 'usage-error' })
    expect(parseSendArgs(['status', '--timeout', '0'])).toMatchObject({ kind: 'usage-error' })
    expect(parseSendArgs(['status', '--frobnicate'])).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/unknown option/) })
    expect(parseSendArgs(['--help'])).toMatchObject({ kind: 'help' })
  })

  it('prints and exits by the answer: 0 success, 1 failure, 2 timeout', () => {
    const ok = { kind: 'answered' as const, id: 'i', attempts: 1, elapsedMs: 3, response: { requestId: 'i', success: true, result: { a: 1 } } }
    expect(describeResult(ok, { command: 'status', json: false })).toEqual({ stdout: JSON.stringify({ a: 1 }, null, 2), stderr: '', code: 0 })
    const failed = { ...ok, response: { requestId: 'i', success: false, result: { error: 'nope', code: 'not_found' } } }
    expect(describeResult(failed, { command: 'kick', json: false })).toEqual({ stdout: '', stderr: 'warp-host send: kick failed: nope (not_found)', code: 1 })
    expect(describeResult(failed, { command: 'kick', json: true }).code).toBe(1)
    const timeout = { kind: 'timeout' as const, id: 'i', stage: 'ack' as const, attempts: 4, elapsedMs: 1000, message: 'no ACK' }
    expect(describeResult(timeout, { command: 'status', json: false })).toMatchObject({ stderr: 'warp-host send: status: no ACK', code: 2 })
  })
})
