// ai_request_async / async_request / ai_check_result / check_result: submit, deferred work through
// the HTTP client to a real stub, checks while pending and after completion or failure, expiry,
// bounds and shutdown.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AsyncJobHandler, type HandlerContext, type HandlerOutcome } from '../../../src/main/ai-ipc/handlers'
import type http from 'node:http'
import { json, text } from '../http/stub-server'
import { request, startAiStub, type AiStub } from './ai-stub'

let ai: AiStub
let handler: AsyncJobHandler

beforeEach(async () => {
  ai = await startAiStub()
  handler = new AsyncJobHandler({ maxJobs: 3, ttlMs: 60_000, maxConcurrent: 2 })
})
afterEach(async () => {
  await handler.close()
  await ai.close()
})

function body(out: HandlerOutcome): Record<string, unknown> {
  if (out.kind !== 'ok') throw new Error(`not ok: ${JSON.stringify(out)}`)
  return out.response as Record<string, unknown>
}

function submit(type: string, endpoint: string | null, data: unknown, ctx: HandlerContext = ai.ctx): Record<string, unknown> {
  return body(handler.handle(request(type, endpoint, data), ctx) as HandlerOutcome)
}

function check(id: string, type = 'ai_check_result', ctx: HandlerContext = ai.ctx): HandlerOutcome {
  return handler.handle(request(type, null, { async_request_id: id }), ctx) as HandlerOutcome
}

/** Polls (no timing assertion) until the job leaves pending/processing. */
function settled(id: string, ctx: HandlerContext = ai.ctx): Promise<HandlerOutcome> {
  return vi.waitUntil(
    () => {
      const out = check(id, 'ai_check_result', ctx)
      const s = out.kind === 'ok' ? (out.response as { status?: unknown }).status : undefined
      return s !== 'pending' && s !== 'processing' ? out : false
    },
    { timeout: 10_000, interval: 2 }
  )
}

describe('async jobs', () => {
  it.each([
    ['ai_request_async', 'ai_check_result'],
    ['async_request', 'check_result']
  ])('%s + %s: accepted, then the upstream JSON as-is', async (submitType, checkType) => {
    ai.stub.reply((req, res) => json(res, 200, { result: 'done', got: JSON.parse(req.body) as unknown }))
    const accepted = submit(submitType, '/api/v1/async/generate_quest', { npc_id: 'q1', callback: 'OnDone', timeout: 30 })
    expect(accepted).toMatchObject({ status: 'accepted', request_id: expect.any(Number) as unknown, expires_in_seconds: 60 })
    const id = accepted.async_request_id as string
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const out = await settled(id)
    expect(out).toMatchObject({ kind: 'ok', response: { result: 'done', got: { npc_id: 'q1' } } })
    expect(handler.handle(request(checkType, null, { async_request_id: id }), ai.ctx)).toEqual(out) // checks do not consume
    expect(ai.stub.requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/async/generate_quest' })
  })

  it('reports processing while the upstream works, and takes the id from the endpoint too', async () => {
    let release: (() => void) | undefined
    ai.stub.reply((_r, res: http.ServerResponse) => {
      release = () => json(res, 200, { late: true })
    })
    const id = submit('ai_request_async', '/api/v1/async/slow', {}).async_request_id as string
    const respond = await vi.waitUntil(() => release, { timeout: 10_000, interval: 2 })
    expect(body(check(id))).toMatchObject({ status: 'processing', async_request_id: id, elapsed_ms: 0 })
    respond()
    await settled(id)
    const viaEndpoint = handler.handle(request('check_result', `/api/v1/async/result/${id}`, null), ai.ctx) as HandlerOutcome
    expect(body(viaEndpoint)).toEqual({ late: true })
  })

  it('wraps non-JSON results and reports upstream failures', async () => {
    ai.stub.reply((req, res) => (req.url.endsWith('/text') ? text(res, 200, 'plain') : json(res, 500, {})))
    const t = submit('async_request', '/api/v1/async/text', {}).async_request_id as string
    const f = submit('async_request', '/api/v1/async/fail', {}).async_request_id as string
    expect(body(await settled(t))).toEqual({ status: 'ok', data: 'plain', content_type: 'text/plain' })
    expect(body(await settled(f))).toEqual({ status: 'error', async_request_id: f, error: 'HTTP 500: Internal Server Error', code: 500 })
  })

  it('builds the endpoint from data.type when the endpoint is empty', async () => {
    const id = submit('ai_request_async', '', { type: 'npc_plan' }).async_request_id as string
    await settled(id)
    expect(ai.stub.requests[0]!.url).toBe('/api/v1/async/npc_plan')
  })

  it('unknown id → not_found (404); missing id, bad endpoint, invalid JSON → validation', async () => {
    expect(check('nope')).toEqual({
      kind: 'ok',
      httpStatus: 404,
      response: { status: 'not_found', async_request_id: 'nope', error: 'unknown or expired async_request_id' }
    })
    expect(handler.handle(request('ai_check_result', null, {}), ai.ctx)).toEqual({ kind: 'validation', message: 'async_request_id is required' })
    expect(handler.handle(request('ai_request_async', null, {}), ai.ctx)).toEqual({ kind: 'validation', message: 'endpoint is required' })
    expect(handler.handle(request('ai_request_async', 'http://evil.example/x', {}), ai.ctx)).toMatchObject({ kind: 'validation' })
    expect(handler.handle(request('ai_request_async', '/api/v1/async/x', '{bad'), ai.ctx)).toMatchObject({ kind: 'validation' })
    expect(ai.stub.requests).toHaveLength(0)
  })

  it('expires jobs after the TTL (injected clock)', async () => {
    let now = 1_000_000
    const ctx = { ...ai.ctx, now: () => now }
    const id = submit('ai_request_async', '/api/v1/async/x', {}, ctx).async_request_id as string
    await settled(id, ctx)
    now += 59_999
    expect(body(check(id, 'ai_check_result', ctx)).status).not.toBe('not_found')
    now += 1
    expect(body(check(id, 'ai_check_result', ctx)).status).toBe('not_found')
    expect(handler.size).toBe(0)
  })

  it('is bounded: evicts finished jobs first, refuses when all are running', async () => {
    const held: (() => void)[] = []
    ai.stub.reply((_r, res) => {
      held.push(() => json(res, 200, {}))
    })
    const ids = [1, 2, 3].map(() => submit('async_request', '/api/v1/async/x', {}).async_request_id as string)
    expect(body(check(ids[2]!)).status).toBe('pending') // maxConcurrent 2: the third waits
    expect(submit('async_request', '/api/v1/async/x', {})).toEqual({ status: 'error', error: 'too many async jobs in flight (max 3)', code: 503 })
    await vi.waitUntil(() => held.length >= 2, { timeout: 10_000, interval: 2 })
    held.shift()!()
    await settled(ids[0]!)
    const fourth = submit('async_request', '/api/v1/async/x', {})
    expect(fourth.status).toBe('accepted')
    expect(body(check(ids[0]!)).status).toBe('not_found') // the finished one was evicted
    await vi.waitUntil(() => held.length >= 2, { timeout: 10_000, interval: 2 })
    for (const r of held.splice(0)) r()
  })

  it('close() aborts running jobs and refuses new ones', async () => {
    ai.stub.reply(() => {})
    const id = submit('ai_request_async', '/api/v1/async/x', {}).async_request_id as string
    await vi.waitUntil(() => ai.stub.requests.length > 0, { timeout: 10_000, interval: 2 })
    await handler.close()
    expect(body(check(id))).toMatchObject({ status: 'error', code: 503 })
    expect(submit('ai_request_async', '/api/v1/async/x', {})).toMatchObject({ status: 'error', code: 503 })
  })
})
