// The proxy's anti-open-relay rules: every accepted and refused endpoint form.
import { describe, expect, it } from 'vitest'
import { resolveProxyUrl } from '../../../src/main/ai-ipc/handlers'
import { makeConfig } from './fixtures'

const config = makeConfig({ baseUrl: 'http://ai.local:8000', allowedOrigins: ['https://extra.example'] })

function url(endpoint: string | null): string {
  const r = resolveProxyUrl(endpoint, config)
  if (!r.ok) throw new Error(`refused: ${r.message}`)
  return r.url
}

function refusal(endpoint: string | null): string {
  const r = resolveProxyUrl(endpoint, config)
  if (r.ok) throw new Error(`accepted: ${r.url}`)
  return r.message
}

describe('resolveProxyUrl: accepted', () => {
  it.each([
    ['/api/x', 'http://ai.local:8000/api/x'],
    ['api/x', 'http://ai.local:8000/api/x'],
    ['  /api/x  ', 'http://ai.local:8000/api/x'],
    ['/api/x?a=1&b=2', 'http://ai.local:8000/api/x?a=1&b=2'],
    ['/api/x#frag', 'http://ai.local:8000/api/x'],
    ['?q=1', 'http://ai.local:8000/?q=1'],
    ['/npc/Bob Smith/dialogue', 'http://ai.local:8000/npc/Bob%20Smith/dialogue'],
    ['/npc/Café', 'http://ai.local:8000/npc/Caf%C3%A9'],
    ['/npc/Bob%20Smith', 'http://ai.local:8000/npc/Bob%20Smith'],
    ['/files/a..b/c...d', 'http://ai.local:8000/files/a..b/c...d'],
    ['/range?x=1..5', 'http://ai.local:8000/range?x=1..5'],
    ['/items/100%25?discount=50%25', 'http://ai.local:8000/items/100%25?discount=50%25'],
    ['/a/./b', 'http://ai.local:8000/a/./b'],
    ['http://ai.local:8000/abs?x=1', 'http://ai.local:8000/abs?x=1'],
    ['HTTP://AI.LOCAL:8000/abs', 'http://ai.local:8000/abs'],
    ['https://extra.example/z?q=1', 'https://extra.example/z?q=1'],
    ['https://extra.example:443/z', 'https://extra.example/z']
  ])('%s → %s', (endpoint, expected) => {
    expect(url(endpoint)).toBe(expected)
  })

  it('joins onto a base URL with a path prefix', () => {
    const r = resolveProxyUrl('/npc/1', makeConfig({ baseUrl: 'http://ai.local:8000/v1/' }))
    expect(r).toEqual({ ok: true, url: 'http://ai.local:8000/v1/npc/1' })
  })
})

describe('resolveProxyUrl: refused', () => {
  it.each([
    [null, /endpoint is required/],
    ['', /endpoint is required/],
    ['   ', /endpoint is required/],
    // other origins
    ['http://evil.com/x', /origin http:\/\/evil\.com is not allowed/],
    ['https://ai.local:8000/x', /origin .* not allowed/],
    ['http://ai.local:8001/x', /origin .* not allowed/],
    ['http://evil.com#@ai.local:8000', /origin .* not allowed/],
    ['http://ai.local.evil.com/', /origin .* not allowed/],
    ['http://ai.local:8000.evil.com/', /not a valid URL/],
    // protocol-relative
    ['//evil.com/x', /protocol-relative/],
    ['///evil.com', /protocol-relative/],
    // path traversal, plain and encoded
    ['..', /traversal/],
    ['/../etc/passwd', /traversal/],
    ['/api/../../admin', /traversal/],
    ['/a/..', /traversal/],
    ['/a/..;/b', /traversal/],
    ['/%2e%2e/x', /traversal/],
    ['/%2E%2E%2Fadmin', /traversal/],
    ['/..%2fadmin', /traversal/],
    ['/.%2e/admin', /traversal/],
    ['/%252e%252e/admin', /traversal/],
    ['http://ai.local:8000/a/../../b', /traversal/],
    // backslashes, plain and encoded
    ['/a\\b', /backslash/],
    ['\\\\evil.com\\x', /backslash/],
    ['/%5c..%5cadmin', /traversal|backslash/],
    ['/a%5Cb', /backslash/],
    // other schemes
    ['file:///etc/passwd', /scheme 'file:'/],
    ['javascript:alert(1)', /scheme 'javascript:'/],
    ['data:text/html,<b>x</b>', /scheme 'data:'/],
    ['gopher://evil.com:70/_x', /scheme 'gopher:'/],
    ['ftp://evil.com/x', /scheme 'ftp:'/],
    ['mailto:a@b.c', /scheme 'mailto:'/],
    // credentials
    ['http://user:pw@ai.local:8000/x', /credentials/],
    ['http://user@ai.local:8000/x', /credentials/],
    ['http://ai.local:8000@evil.com/', /credentials/],
    // CR/LF and control characters
    ['/x\r\nHost: evil.com', /CR\/LF/],
    ['/x\nfoo', /CR\/LF/],
    ['/x%0d%0aSet-Cookie:%20a=b', /CR\/LF/],
    ['/x?y=%0D%0AInjected:1', /control characters/],
    ['/x\ty', /control characters/],
    ['/x\u0000', /control characters/],
    // malformed
    ['/%zz', /percent-encoding/],
    ['/%c0%ae%c0%ae/x', /percent-encoding/],
    ['/%2525252525252e', /percent-encoding/],
    ['/' + 'a'.repeat(3000), /too long/]
  ])('%j', (endpoint, message) => {
    expect(refusal(endpoint)).toMatch(message)
  })
})
