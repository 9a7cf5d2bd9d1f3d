// The HTTP proxy handler (every alias) against a real stub AI service: JSON as-is, non-JSON,
// upstream 4xx/5xx, timeout, refused connection, body/header handling, and every refused URL form.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDefaultRegistry, successResponse, type HandlerOutcome } from '../../../src/main/ai-ipc/handlers'
import { hang, json, refusedUrl, startStub, text } from '../http/stub-server'
import { NOW, request, startAiStub, type AiStub } from './ai-stub'

const registry = createDefaultRegistry()
let ai: AiStub

beforeEach(async () => {
  ai = await startAiStub()
})
afterEach(async () => {
  await ai.close()
})

async function run(type: string, endpoint: string | null, data: unknown = null, ctx = ai.ctx): Promise<HandlerOutcome> {
  const h = registry.lookup(type)
  if (!h) throw new Error(`no handler for ${type}`)
  return h.handle(request(type, endpoint, data), ctx)
}

describe('GET aliases', () => {
  it.each(['http_get', 'httpget', 'get', 'HTTP_GET'])('%s returns upstream JSON as-is (verbatim)', async (type) => {
    ai.stub.reply((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"b": 2, "a": [1, 2]}')
    })
    const out = await run(type, '/api/data', { url: 'http://game/api/data', method: 'GET' })
    expect(out).toEqual({ kind: 'ok', response: { b: 2, a: [1, 2] }, json: '{"b": 2, "a": [1, 2]}' })
    expect(successResponse(out as Extract<HandlerOutcome, { kind: 'ok' }>)).toBe('{"b": 2, "a": [1, 2]}')
    expect(ai.stub.requests[0]).toMatchObject({ method: 'GET', url: '/api/data' })
  })

  it('keeps the query string of data.url when the endpoint has none', async () => {
    await run('http_get', '/api/search', { url: 'http://game.example/api/search?q=poring&page=2#x', method: 'GET' })
    expect(ai.stub.requests[0]!.url).toBe('/api/search?q=poring&page=2')
  })

  it('wraps non-JSON content', async () => {
    ai.stub.reply((_r, res) => text(res, 200, 'plain words', 'text/plain; charset=utf-8'))
    expect(await run('get', '/txt')).toEqual({
      kind: 'ok',
      response: { status: 'ok', data: 'plain words', content_type: 'text/plain' }
    })
  })

  it('wraps a JSON content-type with a body that does not parse as text', async () => {
    ai.stub.reply((_r, res) => text(res, 200, '{broken', 'application/json'))
    expect(await run('get', '/broken')).toEqual({
      kind: 'ok',
      response: { status: 'ok', data: '{broken', content_type: 'application/json' }
    })
  })

  it('upstream 404 → completed error JSON with code, timestamp and url (http_status 404)', async () => {
    const out = await run('http_get', '/missing')
    expect(out).toEqual({
      kind: 'ok',
      httpStatus: 404,
      response: {
        status: 'error',
        error: 'HTTP 404: Not Found',
        code: 404,
        timestamp: new Date(NOW).toISOString(),
        url: `${ai.stub.url}/missing`
      }
    })
    expect(ai.stub.requests).toHaveLength(1) // 4xx is never retried
  })

  it('upstream 5xx → retryable 500 (after the client retried the GET)', async () => {
    ai.stub.reply((_r, res) => json(res, 503, { busy: true }))
    expect(await run('http_get', '/busy')).toEqual({ kind: 'retryable', message: 'HTTP 503: Service Unavailable', httpStatus: 500 })
    expect(ai.stub.requests).toHaveLength(2)
  })

  it('timeout → retryable 504', async () => {
    ai.stub.reply(hang(ai.stub))
    const out = await run('http_get', '/slow', null, ai.ctxWith({ timeoutMs: 100 }))
    expect(out).toMatchObject({ kind: 'retryable', httpStatus: 504 })
    expect(out.kind === 'retryable' && out.message).toMatch(/^Timeout calling http:\/\/127\.0\.0\.1:\d+\/slow/)
  })

  it('a script timeout is capped at the configured timeout', async () => {
    ai.stub.reply(hang(ai.stub))
    const out = await run('http_get', '/slow', { timeout: 3600 }, ai.ctxWith({ timeoutMs: 100 }))
    expect(out).toMatchObject({ kind: 'retryable', httpStatus: 504 })
    expect(out.kind === 'retryable' && out.message).toMatch(/100 ms/)
  })

  it('connection refused → retryable 500', async () => {
    const dead = await refusedUrl()
    const out = await run('http_get', '/x', null, ai.ctxWith({ baseUrl: dead }))
    expect(out).toMatchObject({ kind: 'retryable', httpStatus: 500 })
    expect(out.kind === 'retryable' && out.message).toMatch(/^Connection error calling .*ECONNREFUSED/)
  })

  it('is never cached', async () => {
    await run('http_get', '/same')
    await run('http_get', '/same')
    expect(ai.stub.requests).toHaveLength(2)
  })

  it('invalid JSON request_data → validation', async () => {
    expect(await run('http_get', '/x', '{"url":')).toMatchObject({ kind: 'validation', message: expect.stringMatching(/^Invalid JSON in request_data/) as unknown })
  })

  it('empty endpoint → validation', async () => {
    expect(await run('http_get', '')).toEqual({ kind: 'validation', message: 'endpoint is required' })
    expect(await run('http_post', null, 'x=1')).toEqual({ kind: 'validation', message: 'endpoint is required' })
  })

  it('oversized request_data → validation', async () => {
    const out = await run('http_post', '/p', 'x'.repeat(70_000))
    expect(out).toMatchObject({ kind: 'validation', message: expect.stringMatching(/^payload too large/) as unknown })
    expect(ai.stub.requests).toHaveLength(0)
  })
})

describe('POST aliases', () => {
  it.each(['http_post', 'httppost', 'post'])('%s sends a raw (non-JSON) body as-is', async (type) => {
    ai.stub.reply((req, res) => json(res, 200, { echoed: req.body, ct: req.headers['content-type'] }))
    const out = await run(type, '/api/form', 'name=poring&level=3')
    expect(out).toMatchObject({ kind: 'ok', response: { echoed: 'name=poring&level=3', ct: 'application/x-www-form-urlencoded' } })
    expect(ai.stub.requests[0]!.method).toBe('POST')
  })

  it('sends data.body and applies script headers (forbidden ones dropped)', async () => {
    ai.stub.reply((req, res) => json(res, 200, { ok: true, body: req.body }))
    const out = await run('http_post', '/api/x', {
      body: { item: 501, qty: 2 },
      headers: { 'X-Api-Key': 'k1', Host: 'evil.com', 'Content-Length': '1' },
      timeout: 1
    })
    expect(out).toMatchObject({ kind: 'ok', response: { ok: true, body: '{"item":501,"qty":2}' } })
    const h = ai.stub.requests[0]!.headers
    expect(h['x-api-key']).toBe('k1')
    expect(h.host).toBe(`127.0.0.1:${ai.stub.port}`)
    expect(h['content-type']).toBe('application/json')
  })

  it('without data.body sends the data minus headers/timeout', async () => {
    ai.stub.reply((req, res) => json(res, 200, { body: JSON.parse(req.body) as unknown }))
    const out = await run('post', '/api/x', { a: 1, headers: { 'x-k': 'v' }, timeout: 2 })
    expect(out).toMatchObject({ kind: 'ok', response: { body: { a: 1 } } })
  })

  it('header values with CR/LF → validation', async () => {
    expect(await run('http_post', '/x', { a: 1, headers: { 'X-A': 'v\r\nInjected: 1' } })).toEqual({
      kind: 'validation',
      message: 'header X-A contains CR/LF or control characters'
    })
    expect(await run('http_get', '/x', { headers: { 'Bad Name': 'v' } })).toMatchObject({ kind: 'validation' })
  })

  it('upstream 5xx on POST → retryable, not retried by the client', async () => {
    ai.stub.reply((_r, res) => json(res, 500, {}))
    expect(await run('http_post', '/x', '{"a":1}')).toMatchObject({ kind: 'retryable', httpStatus: 500 })
    expect(ai.stub.requests).toHaveLength(1)
  })
})

describe('open-relay protection', () => {
  const refused: [string, RegExp][] = [
    ['http://evil.example/steal', /origin .* not allowed/],
    ['https://127.0.0.1/x', /origin .* not allowed/],
    ['//evil.example/x', /protocol-relative/],
    ['../admin', /traversal/],
    ['/api/../../admin', /traversal/],
    ['/%2e%2e/admin', /traversal/],
    ['/%2E%2E%2Fadmin', /traversal/],
    ['/..%2Fadmin', /traversal/],
    ['/%252e%252e/admin', /traversal/],
    ['/a\\..\\admin', /backslash/],
    ['\\\\evil.example\\x', /backslash/],
    ['file:///etc/passwd', /scheme 'file:'/],
    ['javascript:alert(1)', /scheme 'javascript:'/],
    ['data:text/plain,hi', /scheme 'data:'/],
    ['gopher://evil.example:70/_', /scheme 'gopher:'/],
    ['/x\r\nX-Injected: 1', /CR\/LF/],
    ['/x%0D%0AX-Injected:%201', /CR\/LF/]
  ]

  it.each(refused)('refuses %j with a validation error and sends nothing', async (endpoint, message) => {
    for (const type of ['http_get', 'http_post']) {
      const out = await run(type, endpoint, type === 'http_get' ? null : 'a=1')
      expect(out.kind).toBe('validation')
      expect(out.kind === 'validation' && out.message).toMatch(message)
    }
    expect(ai.stub.requests).toHaveLength(0)
  })

  it('refuses embedded credentials even for the AI service origin', async () => {
    const out = await run('http_get', `http://user:pw@127.0.0.1:${ai.stub.port}/x`)
    expect(out).toMatchObject({ kind: 'validation', message: expect.stringMatching(/credentials/) as unknown })
  })

  it('accepts absolute URLs on the AI service origin and on allowed_origins only', async () => {
    const other = await startStub((_r, res) => json(res, 200, { from: 'other' }))
    try {
      expect(await run('http_get', `${ai.stub.url}/health`)).toMatchObject({ kind: 'ok', response: { status: 'ok' } })
      expect(await run('http_get', `${other.url}/x`)).toMatchObject({ kind: 'validation' })
      const allowed = ai.ctxWith({ allowedOrigins: [other.url] })
      expect(await run('http_get', `${other.url}/x`, null, allowed)).toMatchObject({ kind: 'ok', response: { from: 'other' } })
      expect(other.requests).toHaveLength(1)
    } finally {
      await other.close()
    }
  })
})
