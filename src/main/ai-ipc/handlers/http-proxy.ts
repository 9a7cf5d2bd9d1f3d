/**
 * The HTTP proxy behind the NPC script commands httpget / httppost (types http_get, http_post,
 * httpget, httppost, get, post): URL = ai_service.base_url + endpoint, restricted to allowed
 * origins (proxy-url.ts), body and headers taken from request_data the way the old service did.
 *
 * request_data:
 * - GET: `{"url": …, "method": "GET"}` as the C++ side writes it (its `url` only lends its query
 *   string when the endpoint has none), or `{"headers": {…}, "timeout": s}`; invalid JSON → 400.
 * - POST: a raw body (sent as-is) or a JSON object: body = `data.body` if present, else the object
 *   minus `headers`/`timeout`; `headers` and `timeout` (seconds, capped at ai_service.timeout) apply.
 *
 * Results: JSON reply → returned as-is (verbatim text); other content →
 * `{"status":"ok","data":text,"content_type":mime}`; upstream 3xx/4xx → completed
 * `{"status":"error","error":"HTTP 404: Not Found","code":404,"timestamp":…,"url":…}` with that
 * http_status; upstream 5xx, timeout, connection error → retryable (the client already retried
 * idempotent GETs). Proxied responses are never cached (scripts expect fresh answers).
 */
import type { HttpResult } from '../../http/types'
import { resolveProxyUrl } from './proxy-url'
import { checkPayloadSize, isPlainObject, omitKeys, parseRequestData, positiveNumberField } from './request-data'
import { isoNow, ok, retryable, validation, type AiHandler, type AiRequest, type HandlerContext, type HandlerOutcome, type OkOutcome } from './types'

const POST_TYPES: ReadonlySet<string> = new Set(['http_post', 'httppost', 'post'])

/** Hop-by-hop and framing headers a script may not set. */
const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection'
])
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// eslint-disable-next-line no-control-regex
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/
const FORM_BODY = /^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$/

interface ProxyCall {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string> | undefined
  body: string | undefined
  timeoutMs: number
}

export class HttpProxyHandler implements AiHandler {
  readonly name = 'http_proxy'
  readonly types = ['http_get', 'http_post', 'httpget', 'httppost', 'get', 'post'] as const

  async handle(req: AiRequest, ctx: HandlerContext): Promise<HandlerOutcome> {
    const call = buildProxyCall(req, ctx)
    if ('kind' in call) return call
    const r = await ctx.http.request({
      url: call.url,
      method: call.method,
      headers: call.headers,
      body: call.body,
      timeoutMs: call.timeoutMs,
      totalTimeoutMs: call.timeoutMs,
      cacheTtlMs: 0
    })
    return proxyOutcome(r, call, ctx)
  }

  /** Refusals (bad data, URLs outside the allowed origins, bad headers) need no upstream. */
  precheck(req: AiRequest, ctx: HandlerContext): HandlerOutcome | undefined {
    const call = buildProxyCall(req, ctx)
    return 'kind' in call ? call : undefined
  }
}

/** Validates the request and prepares the upstream call, or returns a validation outcome. */
export function buildProxyCall(req: AiRequest, ctx: HandlerContext): ProxyCall | HandlerOutcome {
  const isPost = POST_TYPES.has(req.request_type.toLowerCase())
  const tooLarge = checkPayloadSize(req.request_data)
  if (tooLarge !== null) return tooLarge

  let data: Record<string, unknown> = {}
  let body: string | undefined
  let contentType: string | undefined
  if (isPost) {
    const raw = req.request_data ?? ''
    const parsed = tryParse(raw)
    if (parsed.ok && isPlainObject(parsed.value)) {
      data = parsed.value
      const payload = 'body' in data ? data.body : omitKeys(data, 'headers', 'timeout')
      if (typeof payload === 'string') {
        body = payload
        contentType = guessTextType(payload)
      } else if (payload !== undefined) {
        body = JSON.stringify(payload)
        contentType = 'application/json'
      }
    } else if (raw !== '') {
      body = raw
      contentType = parsed.ok ? 'application/json' : guessTextType(raw)
    }
  } else {
    const parsed = parseRequestData(req.request_data)
    if (!parsed.ok) return parsed.outcome
    data = parsed.data
  }

  let endpoint = req.endpoint
  if (!isPost && endpoint !== null && !endpoint.includes('?') && typeof data.url === 'string') {
    const q = data.url.indexOf('?')
    if (q >= 0) {
      const hash = data.url.indexOf('#', q)
      endpoint += hash < 0 ? data.url.slice(q) : data.url.slice(q, hash)
    }
  }
  const resolved = resolveProxyUrl(endpoint, ctx.config)
  if (!resolved.ok) return validation(resolved.message)

  const headers = scriptHeaders(data.headers)
  if (typeof headers === 'string') return validation(headers)
  let finalHeaders = headers
  if (contentType !== undefined && (headers === undefined || !('content-type' in headers))) {
    finalHeaders = { ...headers, 'content-type': contentType }
  }
  const seconds = positiveNumberField(data, 'timeout')
  const timeoutMs = seconds === undefined ? ctx.config.timeoutMs : Math.max(100, Math.min(ctx.config.timeoutMs, seconds * 1000))
  return { method: isPost ? 'POST' : 'GET', url: resolved.url, headers: finalHeaders, body, timeoutMs }
}

/** Maps the upstream result to the handler outcome (see the module header). */
export function proxyOutcome(r: HttpResult, call: ProxyCall, ctx: HandlerContext): HandlerOutcome {
  if (r.ok || r.error.kind === 'invalid_json') {
    return upstreamBodyOutcome(r)
  }
  const err = r.error
  switch (err.kind) {
    case 'http':
      if (r.status >= 500) return retryable(err.message, 500)
      return ok({ status: 'error', error: err.message, code: r.status, timestamp: isoNow(ctx), url: call.url }, r.status)
    case 'timeout':
      return retryable(`Timeout calling ${call.url}: ${err.message}`, 504)
    default:
      return retryable(`Connection error calling ${call.url}: ${err.message}`, 500)
  }
}

/**
 * A 2xx upstream body as response_data: JSON → as-is (its verbatim text is kept as `json`), anything
 * else (or JSON that does not parse) → `{"status":"ok","data":text,"content_type":mime}`.
 */
export function upstreamBodyOutcome(r: HttpResult): OkOutcome {
  if (r.ok && r.data !== undefined && r.text !== undefined) return { kind: 'ok', response: r.data, json: r.text }
  return ok({ status: 'ok', data: r.text ?? '', content_type: mimeType(r.contentType) })
}

/** Script-supplied headers: forbidden ones dropped; a malformed name/value → a validation message. */
function scriptHeaders(raw: unknown): Record<string, string> | undefined | string {
  if (raw === undefined || raw === null) return undefined
  if (!isPlainObject(raw)) return 'headers must be a JSON object of strings'
  let out: Record<string, string> | undefined
  for (const [name, value] of Object.entries(raw)) {
    if (!HEADER_NAME.test(name)) return `invalid header name: ${JSON.stringify(name).slice(0, 80)}`
    if (typeof value !== 'string' && typeof value !== 'number') return `header ${name} must be a string`
    const v = String(value)
    if (BAD_HEADER_VALUE.test(v)) return `header ${name} contains CR/LF or control characters`
    const lower = name.toLowerCase()
    if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-')) continue
    ;(out ??= {})[lower] = v
  }
  return out
}

function tryParse(raw: string): { ok: true; value: unknown } | { ok: false } {
  const t = raw.trimStart()
  if (t === '' || (t[0] !== '{' && t[0] !== '[' && t[0] !== '"')) return { ok: false }
  try {
    return { ok: true, value: JSON.parse(raw) }
  } catch {
    return { ok: false }
  }
}

function guessTextType(body: string): string {
  return FORM_BODY.test(body) ? 'application/x-www-form-urlencoded' : 'text/plain; charset=utf-8'
}

/** The media type without parameters, as aiohttp's `content_type` reported it. */
export function mimeType(contentType: string | undefined): string {
  if (contentType === undefined || contentType.trim() === '') return 'application/octet-stream'
  const semi = contentType.indexOf(';')
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}
