/**
 * The resilient HTTP client every outbound call of WARP Host goes through (AI service handlers,
 * coordinator REST client).
 *
 * Owns: one undici keep-alive Pool per upstream origin; per-attempt timeouts; JSON in and out;
 * retries with capped, jittered exponential backoff (timeouts, connection errors, 5xx; never
 * 4xx; non-idempotent methods only when the call says `retry: true`) honouring Retry-After;
 * per-upstream token buckets (callers wait, never rejected); an LRU + TTL cache for GETs;
 * per-upstream metrics. Expected failures come back as `{ok: false, error: {kind, message}}`;
 * the returned promise rejects only for programmer errors (a URL that is not absolute http(s),
 * or one with credentials).
 *
 * Hot path (the IPC poller pushes thousands of proxied GETs per second through it): no URL
 * objects per call (origin/path split by index), shared default header objects, a synchronous
 * token fast path, undici `Pool.request` (no fetch/WHATWG stream overhead).
 */
import { EventEmitter, setMaxListeners } from 'node:events'
import { STATUS_CODES } from 'node:http'
import { setTimeout as sleepFor } from 'node:timers/promises'
import { Pool } from 'undici'
import type { Logger } from '../logging/logger'
import { backoffDelay, parseRetryAfter, type BackoffOptions } from './backoff'
import { UpstreamStats } from './metrics'
import { TokenBucketLimiter } from './rate-limiter'
import { ResponseCache } from './response-cache'
import type {
  CallObserver,
  HttpClientMetrics,
  HttpClientOptions,
  HttpErrorKind,
  HttpFailure,
  HttpMethod,
  HttpRequestOptions,
  HttpResponseHeaders,
  HttpResult,
  QueryValue,
  RateLimitOptions,
  UpstreamMetrics
} from './types'

const DEFAULTS = {
  timeoutMs: 10_000,
  maxRetries: 3,
  backoffBaseMs: 1000,
  backoffMaxMs: 30_000,
  jitter: 0.2,
  maxRetryAfterMs: 30_000,
  perSecond: 100,
  perMinute: 5000,
  cacheEntries: 1000,
  cacheTtlMs: 60_000,
  connections: 64,
  keepAliveTimeoutMs: 10_000,
  pipelining: 1,
  maxResponseBytes: 8 * 1024 * 1024
} as const

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'])

const DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json, */*;q=0.5',
  'user-agent': 'warp-host'
}

interface Upstream {
  origin: string
  pool: Pool
  limiter: TokenBucketLimiter | null
  stats: UpstreamStats
}

/** Failures that must not be retried even though their kind usually is (bad request args, oversized body). */
const FINAL_FAILURES = new WeakSet<HttpFailure>()

class ResponseTooLargeError extends Error {}

/**
 * The per-attempt abort signal handed to undici: an EventEmitter with `aborted`, which undici
 * accepts and which costs far less to create than an AbortController + AbortSignal.
 */
class AttemptSignal extends EventEmitter {
  aborted = false
  reason: unknown = undefined

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.emit('abort')
  }
}

const TIMEOUT_REASON = new Error('timeout')
const CALLER_ABORT_REASON = new Error('aborted by caller')

/** A retry is only made when at least this much of the call's budget is left after its backoff. */
const MIN_ATTEMPT_MS = 100

export class HttpClient {
  private readonly timeoutMs: number
  private readonly totalTimeoutMs: number | undefined
  private readonly maxRetries: number
  private readonly backoff: BackoffOptions
  private readonly maxRetryAfterMs: number
  private readonly rateLimit: RateLimitOptions | false
  private readonly upstreamRateLimits: Record<string, RateLimitOptions | false>
  private readonly cache: ResponseCache | null
  private readonly defaultTtlMs: number
  private readonly poolOptions: Pool.Options
  private readonly maxResponseBytes: number
  private observers: readonly CallObserver[]
  private readonly clock: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  private readonly random: () => number
  private readonly log: Logger | undefined
  private readonly baseHeaders: Record<string, string>
  private readonly jsonHeaders: Record<string, string>
  /** Raw origin spelling → upstream; several spellings may share one canonical upstream. */
  private readonly byRawOrigin = new Map<string, Upstream>()
  private readonly byOrigin = new Map<string, Upstream>()
  private readonly closeController = new AbortController()
  private isClosed = false

  constructor(options: HttpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs
    this.totalTimeoutMs = options.totalTimeoutMs
    this.maxRetries = options.maxRetries ?? DEFAULTS.maxRetries
    this.backoff = {
      baseMs: options.backoffBaseMs ?? DEFAULTS.backoffBaseMs,
      maxMs: options.backoffMaxMs ?? DEFAULTS.backoffMaxMs,
      jitter: options.jitter ?? DEFAULTS.jitter
    }
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs
    this.rateLimit = options.rateLimit === false ? false : { perSecond: DEFAULTS.perSecond, perMinute: DEFAULTS.perMinute, ...options.rateLimit }
    this.upstreamRateLimits = {}
    for (const [origin, limit] of Object.entries(options.upstreamRateLimits ?? {})) {
      this.upstreamRateLimits[canonicalOrigin(origin)] = limit
    }
    this.clock = options.clock ?? (() => performance.now())
    this.sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, signal ? { signal } : undefined))
    this.random = options.random ?? Math.random
    this.cache =
      options.cache === false ? null : new ResponseCache(options.cache?.maxEntries ?? DEFAULTS.cacheEntries, this.clock)
    this.defaultTtlMs = options.cache === false ? 0 : (options.cache?.defaultTtlMs ?? DEFAULTS.cacheTtlMs)
    this.poolOptions = {
      connections: options.pool?.connections ?? DEFAULTS.connections,
      keepAliveTimeout: options.pool?.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs,
      pipelining: options.pool?.pipelining ?? DEFAULTS.pipelining
    }
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes
    this.observers = options.onCallDone ? [options.onCallDone] : []
    this.log = options.log
    this.baseHeaders = { ...DEFAULT_HEADERS, ...lowerKeys(options.headers ?? {}) }
    this.jsonHeaders = { ...this.baseHeaders, 'content-type': 'application/json' }
    // Every call waiting in backoff or for a token listens on it.
    setMaxListeners(0, this.closeController.signal)
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** GET `url`. */
  get(url: string, opts: Omit<HttpRequestOptions, 'url' | 'method'> = {}): Promise<HttpResult> {
    return this.request({ ...opts, url, method: 'GET' })
  }

  /** POST `json` to `url` (not retried unless `opts.retry === true`). */
  post(url: string, json?: unknown, opts: Omit<HttpRequestOptions, 'url' | 'method' | 'json'> = {}): Promise<HttpResult> {
    return this.request({ ...opts, url, method: 'POST', json })
  }

  /** PUT `json` to `url`. */
  put(url: string, json?: unknown, opts: Omit<HttpRequestOptions, 'url' | 'method' | 'json'> = {}): Promise<HttpResult> {
    return this.request({ ...opts, url, method: 'PUT', json })
  }

  /** DELETE `url`. */
  delete(url: string, opts: Omit<HttpRequestOptions, 'url' | 'method'> = {}): Promise<HttpResult> {
    return this.request({ ...opts, url, method: 'DELETE' })
  }

  /**
   * Performs one logical call (with retries). Resolves with a result for every expected failure;
   * rejects (TypeError) only when `url` is not an absolute http(s) URL without credentials.
   */
  async request(opts: HttpRequestOptions): Promise<HttpResult> {
    const started = performance.now()
    const method: HttpMethod = opts.method ?? 'GET'
    const url = opts.query === undefined ? opts.url : appendQuery(opts.url, opts.query)
    const originEnd = originLength(url)
    if (originEnd < 0) throw new TypeError(`not an absolute http(s) URL: ${truncate(url)}`)
    if (this.isClosed) return failure('aborted', 'HTTP client is closed', 0)
    const up = this.upstreamFor(url.slice(0, originEnd))
    const path = pathOf(url, originEnd)
    const stats = up.stats
    stats.requests++

    const ttl = method === 'GET' && this.cache !== null ? (opts.cacheTtlMs ?? this.defaultTtlMs) : 0
    let cacheKey: string | undefined
    if (ttl > 0 && this.cache !== null) {
      cacheKey = 'GET ' + url
      const hit = this.cache.get(cacheKey)
      if (hit !== undefined) {
        stats.cacheHits++
        return {
          ok: true,
          data: hit.data,
          status: hit.status,
          latencyMs: 0,
          cached: true,
          headers: hit.headers,
          contentType: hit.contentType,
          text: hit.text
        }
      }
      stats.cacheMisses++
    }

    stats.inFlight++
    let result: HttpResult
    try {
      result = await this.execute(up, method, path, opts)
    } finally {
      stats.inFlight--
    }
    result.latencyMs = Math.round((performance.now() - started) * 100) / 100
    stats.recordLatency(result.latencyMs)
    if (this.observers.length > 0) this.notify(up.origin, result)
    if (!result.ok) {
      stats.recordError(result.error.kind)
    } else if (cacheKey !== undefined && this.cache !== null) {
      this.cache.set(
        cacheKey,
        { status: result.status, data: result.data, text: result.text, contentType: result.contentType, headers: result.headers },
        ttl
      )
    }
    return result
  }

  /**
   * Adds an observer of finished network calls (like HttpClientOptions.onCallDone); returns the
   * function that removes it. The HTTP client registry attaches its histogram this way.
   */
  observe(observer: CallObserver): () => void {
    this.observers = [...this.observers, observer]
    return () => {
      this.observers = this.observers.filter((o) => o !== observer)
    }
  }

  private notify(origin: string, result: HttpResult): void {
    for (const o of this.observers) {
      try {
        o(origin, result.latencyMs, result)
      } catch {
        // metrics must not break a call
      }
    }
  }

  /** Metrics per upstream origin plus the cache's totals. */
  metrics(): HttpClientMetrics {
    const upstreams: Record<string, UpstreamMetrics> = {}
    for (const up of this.byOrigin.values()) upstreams[up.origin] = up.stats.snapshot()
    const c = this.cache
    return {
      upstreams,
      cache: {
        entries: c?.size ?? 0,
        maxEntries: c?.maxEntries ?? 0,
        hits: c?.hits ?? 0,
        misses: c?.misses ?? 0,
        evictions: c?.evictions ?? 0
      }
    }
  }

  /** Drops every cached response. */
  clearCache(): void {
    this.cache?.clear()
  }

  /**
   * Stops accepting calls, aborts backoff and token waits (those calls resolve 'aborted'), lets
   * in-flight requests finish and closes every socket. Idempotent.
   */
  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    this.closeController.abort()
    const pools = [...this.byOrigin.values()].map((u) => u.pool)
    await Promise.allSettled(pools.map((p) => p.close()))
  }

  /** Like close(), but also aborts in-flight requests at once (they resolve kind 'aborted'). */
  async destroy(): Promise<void> {
    this.isClosed = true
    this.closeController.abort()
    const pools = [...this.byOrigin.values()].map((u) => u.pool)
    await Promise.allSettled(pools.map((p) => p.destroy()))
  }

  private upstreamFor(rawOrigin: string): Upstream {
    const known = this.byRawOrigin.get(rawOrigin)
    if (known !== undefined) return known
    const origin = canonicalOrigin(rawOrigin)
    let up = this.byOrigin.get(origin)
    if (up === undefined) {
      const limit = origin in this.upstreamRateLimits ? this.upstreamRateLimits[origin] : this.rateLimit
      up = {
        origin,
        pool: new Pool(origin, this.poolOptions),
        limiter:
          limit === false || limit === undefined
            ? null
            : new TokenBucketLimiter({
                perSecond: limit.perSecond ?? DEFAULTS.perSecond,
                perMinute: limit.perMinute ?? DEFAULTS.perMinute,
                clock: this.clock,
                sleep: this.sleep
              }),
        stats: new UpstreamStats(origin, this.clock)
      }
      this.byOrigin.set(origin, up)
    }
    this.byRawOrigin.set(rawOrigin, up)
    return up
  }

  private async execute(up: Upstream, method: HttpMethod, path: string, opts: HttpRequestOptions): Promise<HttpResult> {
    const headers = this.headersFor(opts)
    const body = opts.json !== undefined ? JSON.stringify(opts.json) : (opts.body ?? null)
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    const budget = opts.totalTimeoutMs ?? this.totalTimeoutMs
    const deadline = budget === undefined ? Infinity : this.clock() + budget
    const canRetry = opts.retry === true || (opts.retry !== false && IDEMPOTENT.has(method))
    const maxRetries = canRetry ? (opts.maxRetries ?? this.maxRetries) : 0
    const responseType = opts.responseType ?? 'auto'
    for (let retry = 0; ; retry++) {
      const limiter = up.limiter
      if (limiter !== null && !limiter.tryAcquire()) {
        up.stats.rateLimitWaits++
        if (!(await this.abortable((signal) => limiter.acquire(signal) ?? Promise.resolve(), opts.signal))) {
          return this.abortedResult(opts.signal)
        }
      }
      const left = deadline - this.clock()
      if (left < 1) return failure('timeout', `timed out: the call's ${budget} ms budget was used up`, 0)
      const res = await this.attempt(up.pool, method, path, headers, body, Math.min(timeoutMs, Math.ceil(left)), responseType, opts.signal)
      if (res.ok || retry >= maxRetries || !isRetryable(res)) return res
      let delay = backoffDelay(retry, this.backoff, this.random)
      if (res.status > 0) {
        const retryAfter = parseRetryAfter(res.headers?.['retry-after'], Date.now())
        if (retryAfter !== undefined) {
          if (retryAfter > this.maxRetryAfterMs) return res
          delay = retryAfter
        }
      }
      // No retry that could not even start with a useful slice of the budget.
      if (this.clock() + delay + MIN_ATTEMPT_MS > deadline) return res
      up.stats.retries++
      this.log?.debug('retrying HTTP call', { upstream: up.origin, path, retry: retry + 1, delayMs: delay, error: res.error.message })
      if (!(await this.abortable((signal) => this.sleep(delay, signal), opts.signal))) {
        return this.abortedResult(opts.signal)
      }
      if (this.isClosed) return failure('aborted', 'HTTP client is closed', 0)
    }
  }

  private async attempt(
    pool: Pool,
    method: HttpMethod,
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array | null,
    timeoutMs: number,
    responseType: 'auto' | 'json' | 'text',
    signal: AbortSignal | undefined
  ): Promise<HttpResult> {
    if (signal?.aborted) return failure('aborted', 'request aborted', 0)
    const attemptSignal = new AttemptSignal()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      attemptSignal.abort(TIMEOUT_REASON)
    }, timeoutMs)
    const onAbort = signal === undefined ? undefined : (): void => attemptSignal.abort(CALLER_ABORT_REASON)
    if (signal !== undefined && onAbort !== undefined) signal.addEventListener('abort', onAbort, { once: true })
    let status = 0
    let resHeaders: HttpResponseHeaders | undefined
    try {
      const res = await pool.request({ path, method, headers, body, signal: attemptSignal })
      status = res.statusCode
      resHeaders = res.headers
      const ct = res.headers['content-type']
      const contentType = typeof ct === 'string' ? ct : Array.isArray(ct) ? ct[0] : undefined
      const text = await readBody(res.body, this.maxResponseBytes, res.headers['content-length'])
      let data: unknown
      if (text !== '' && (responseType === 'json' || (responseType === 'auto' && isJsonContentType(contentType)))) {
        try {
          data = JSON.parse(text)
        } catch (err) {
          if (status >= 200 && status < 300) {
            const f = failure('invalid_json', `invalid JSON in response: ${(err as Error).message}`, status)
            f.headers = resHeaders
            f.contentType = contentType
            f.text = text
            return f
          }
        }
      }
      if (status >= 200 && status < 300) {
        return { ok: true, data, status, latencyMs: 0, cached: false, headers: resHeaders, contentType, text }
      }
      const reason = res.statusText || STATUS_CODES[status] || ''
      return {
        ok: false,
        error: { kind: 'http', message: `HTTP ${status}: ${reason}` },
        data,
        status,
        latencyMs: 0,
        cached: false,
        headers: resHeaders,
        contentType,
        text
      }
    } catch (err) {
      let f: HttpFailure
      if (timedOut) f = failure('timeout', `timed out after ${timeoutMs} ms`, status)
      else if (signal?.aborted) f = failure('aborted', 'request aborted', status)
      else if (err instanceof ResponseTooLargeError) {
        f = failure('connection', err.message, status)
        FINAL_FAILURES.add(f)
      } else f = classifyError(err, status)
      f.headers = resHeaders
      return f
    } finally {
      clearTimeout(timer)
      if (signal !== undefined && onAbort !== undefined) signal.removeEventListener('abort', onAbort)
    }
  }

  private headersFor(opts: HttpRequestOptions): Record<string, string> {
    const base = opts.json !== undefined ? this.jsonHeaders : this.baseHeaders
    if (opts.headers === undefined) return base
    const merged = { ...base }
    for (const [k, v] of Object.entries(opts.headers)) merged[k.toLowerCase()] = v
    return merged
  }

  /**
   * Runs a wait (backoff sleep, token wait) that the caller's signal or close() interrupts.
   * Resolves false when interrupted. Only used on slow paths.
   */
  private async abortable(wait: (signal: AbortSignal) => Promise<void>, caller: AbortSignal | undefined): Promise<boolean> {
    const closeSignal = this.closeController.signal
    if (caller === undefined) {
      try {
        await wait(closeSignal)
        return true
      } catch {
        return false
      }
    }
    const ac = new AbortController()
    const onAbort = (): void => ac.abort()
    caller.addEventListener('abort', onAbort, { once: true })
    closeSignal.addEventListener('abort', onAbort, { once: true })
    if (caller.aborted || closeSignal.aborted) ac.abort()
    try {
      await wait(ac.signal)
      return true
    } catch {
      return false
    } finally {
      caller.removeEventListener('abort', onAbort)
      closeSignal.removeEventListener('abort', onAbort)
    }
  }

  private abortedResult(signal: AbortSignal | undefined): HttpFailure {
    return failure('aborted', signal?.aborted ? 'request aborted' : 'HTTP client is closed', 0)
  }
}

function failure(kind: HttpErrorKind, message: string, status: number): HttpFailure {
  return { ok: false, error: { kind, message }, status, latencyMs: 0, cached: false }
}

function isRetryable(res: HttpFailure): boolean {
  if (FINAL_FAILURES.has(res)) return false
  const kind = res.error.kind
  return kind === 'timeout' || kind === 'connection' || (kind === 'http' && res.status >= 500)
}

function classifyError(err: unknown, status: number): HttpFailure {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  const message = err instanceof Error ? err.message : String(err)
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return failure('timeout', message, status)
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_ABORTED':
      return failure('aborted', message, status)
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
    case 'ERR_INVALID_ARG_TYPE':
    case 'ERR_INVALID_ARG_VALUE':
    case 'ERR_INVALID_CHAR': {
      const f = failure('connection', `invalid request: ${message}`, status)
      FINAL_FAILURES.add(f)
      return f
    }
    default:
      return failure('connection', typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message, status)
  }
}

interface BodyStream extends AsyncIterable<unknown> {
  destroy(err?: Error): unknown
  text(): Promise<string>
}

async function readBody(body: BodyStream, max: number, contentLength: string | string[] | undefined): Promise<string> {
  if (typeof contentLength === 'string') {
    const declared = Number(contentLength)
    if (declared > max) {
      body.destroy()
      throw new ResponseTooLargeError(`response body of ${contentLength} bytes exceeds ${max} bytes`)
    }
    // undici enforces the declared length, so the fast consumer is safe here.
    if (declared >= 0) return body.text()
  }
  let first: Buffer | undefined
  let rest: Buffer[] | undefined
  let size = 0
  for await (const chunk of body) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > max) {
      body.destroy()
      throw new ResponseTooLargeError(`response body exceeds ${max} bytes`)
    }
    if (first === undefined) first = buf
    else (rest ??= [first]).push(buf)
  }
  if (first === undefined) return ''
  return rest === undefined ? first.toString('utf8') : Buffer.concat(rest, size).toString('utf8')
}

/** application/json, text/json and any +json type (parameters ignored). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const semi = contentType.indexOf(';')
  const mime = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  return mime === 'application/json' || mime === 'text/json' || mime.endsWith('+json')
}

/** Length of the "scheme://authority" prefix, or -1 when `url` is not absolute http(s) with a host. */
function originLength(url: string): number {
  let start: number
  if (url.startsWith('http://')) start = 7
  else if (url.startsWith('https://')) start = 8
  else {
    const lower = url.slice(0, 8).toLowerCase()
    if (lower.startsWith('http://')) start = 7
    else if (lower === 'https://') start = 8
    else return -1
  }
  let i = start
  const n = url.length
  while (i < n) {
    const c = url.charCodeAt(i)
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break
    i++
  }
  return i === start ? -1 : i
}

function pathOf(url: string, originEnd: number): string {
  if (originEnd === url.length) return '/'
  let path = url.charCodeAt(originEnd) === 47 ? url.slice(originEnd) : '/' + url.slice(originEnd)
  const hash = path.indexOf('#')
  if (hash >= 0) path = path.slice(0, hash)
  return path
}

/** Normalized origin ("http://host:port", default ports dropped); rejects credentials and non-http(s). */
function canonicalOrigin(raw: string): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new TypeError(`not an absolute http(s) URL: ${truncate(raw)}`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`unsupported scheme ${u.protocol}`)
  if (u.username !== '' || u.password !== '') throw new TypeError('URLs with embedded credentials are not allowed')
  return u.origin
}

/** Appends sorted, encoded query parameters (null/undefined values skipped). */
export function appendQuery(url: string, query: Record<string, QueryValue>): string {
  let qs = ''
  for (const key of Object.keys(query).sort()) {
    const v = query[key]
    if (v === undefined || v === null) continue
    qs += (qs === '' ? '' : '&') + encodeURIComponent(key) + '=' + encodeURIComponent(String(v))
  }
  if (qs === '') return url
  const hash = url.indexOf('#')
  const base = hash >= 0 ? url.slice(0, hash) : url
  const q = base.indexOf('?')
  if (q < 0) return base + '?' + qs
  return base + (q === base.length - 1 || base.endsWith('&') ? '' : '&') + qs
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v
  return out
}

function truncate(s: string): string {
  return s.length > 200 ? s.slice(0, 200) + '…' : s
}
