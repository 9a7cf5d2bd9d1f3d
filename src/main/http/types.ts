/**
 * Public types of the resilient HTTP client: request options, the result union every call
 * returns (a failure is a value, never a thrown exception), client options and metrics shapes.
 */
import type { Logger } from '../logging/logger'

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'

/**
 * Why a call failed.
 * - `timeout`: no complete response within the per-call timeout (or the connect timed out).
 * - `connection`: refused, reset, DNS failure, socket closed mid-body, response too large.
 * - `http`: the upstream answered with a status outside 2xx (3xx are not followed).
 * - `invalid_json`: a JSON body was expected (content-type or `responseType: 'json'`) but did not parse.
 * - `aborted`: the caller's signal fired or the client was closed.
 */
export type HttpErrorKind = 'timeout' | 'connection' | 'http' | 'invalid_json' | 'aborted'

export interface HttpError {
  kind: HttpErrorKind
  message: string
}

/** Response headers as undici gives them (lower-case names). */
export type HttpResponseHeaders = Record<string, string | string[] | undefined>

interface HttpResultBase {
  /** HTTP status of the last attempt; 0 when no response was received. */
  status: number
  /** Wall time of the whole call including retries and backoff; 0 for cache hits. */
  latencyMs: number
  /** True when served from the GET response cache. */
  cached: boolean
  headers?: HttpResponseHeaders
  /** The raw `content-type` header value, when present. */
  contentType?: string
  /** The body as text (always set when a body was read; '' for an empty body). */
  text?: string
}

export interface HttpSuccess extends HttpResultBase {
  ok: true
  /**
   * Parsed JSON when the body was JSON (`responseType` 'auto' + JSON content-type, or 'json').
   * Undefined for non-JSON bodies (see `text`) and empty bodies. Cached data is deep-frozen:
   * treat it as read-only.
   */
  data?: unknown
  error?: undefined
}

export interface HttpFailure extends HttpResultBase {
  ok: false
  error: HttpError
  /** For `http` failures with a JSON body: the parsed body (e.g. an API's error object). */
  data?: unknown
}

/** `{ok, data?, error?, status, latencyMs, cached, headers?, contentType?, text?}` */
export type HttpResult = HttpSuccess | HttpFailure

export type QueryValue = string | number | boolean | null | undefined

export interface HttpRequestOptions {
  /** Absolute http(s) URL. Origin + path are split cheaply (no URL object per call). */
  url: string
  /** Default 'GET'. */
  method?: HttpMethod
  /** Query parameters appended to the URL (sorted, so they also key the cache stably). */
  query?: Record<string, QueryValue>
  /** Extra request headers (merged over the client's defaults; names are case-insensitive). */
  headers?: Record<string, string>
  /** JSON body (serialized; sets content-type: application/json unless a header says otherwise). */
  json?: unknown
  /** Raw body (string or bytes). Ignored when `json` is given. Set content-type via `headers`. */
  body?: string | Uint8Array
  /** Per-attempt timeout in ms (headers + body). Default: the client's `timeoutMs`. */
  timeoutMs?: number
  /**
   * Budget for the whole call — every attempt, backoff and rate-limit wait — in ms. An attempt
   * gets at most what is left; a retry that cannot start with ≥ 100 ms left is not made (the last
   * failure is returned). Default: the client's `totalTimeoutMs` (none unless set).
   */
  totalTimeoutMs?: number
  /**
   * `true`: retry even a non-idempotent method (POST, PATCH). `false`: never retry this call.
   * Undefined: retry idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) only.
   */
  retry?: boolean
  /** Retries after the first attempt. Default: the client's `maxRetries`. */
  maxRetries?: number
  /** GET only: cache a 2xx response this long. 0 = neither read nor write the cache. Default: client's `cache.defaultTtlMs`. */
  cacheTtlMs?: number
  /** 'auto' (default): parse JSON when the content-type says JSON. 'json': always parse. 'text': never parse. */
  responseType?: 'auto' | 'json' | 'text'
  /** Aborts the call (waiting for a token, in flight, or in backoff) → error kind 'aborted'. */
  signal?: AbortSignal
}

export interface RateLimitOptions {
  /** Tokens per second (also the burst size). Infinity = no per-second bucket. Default 100. */
  perSecond?: number
  /** Tokens per minute. Infinity = no per-minute bucket. Default 5000. */
  perMinute?: number
}

export interface CacheOptions {
  /** LRU bound. Default 1000 entries. */
  maxEntries?: number
  /** TTL for GETs that do not pass `cacheTtlMs`. Default 60,000 ms. */
  defaultTtlMs?: number
}

export interface PoolOptions {
  /** Max sockets per origin. Default 64. */
  connections?: number
  /** Idle keep-alive sockets are closed after this long. Default 10,000 ms. */
  keepAliveTimeoutMs?: number
  /** HTTP/1.1 pipelining depth per socket. Default 1 (no pipelining). */
  pipelining?: number
}

export interface HttpClientOptions {
  /** Default per-attempt timeout. Default 10,000 ms. */
  timeoutMs?: number
  /** Default budget of a whole call including its retries (see HttpRequestOptions). Default: none. */
  totalTimeoutMs?: number
  /** Default retries after the first attempt. Default 3. */
  maxRetries?: number
  /** First backoff delay; doubles per retry (1 s, 2 s, 4 s …). Default 1000 ms. */
  backoffBaseMs?: number
  /** Backoff cap. Default 30,000 ms. */
  backoffMaxMs?: number
  /** Jitter ratio: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  jitter?: number
  /** A Retry-After longer than this is not waited for: the failure is returned. Default 30,000 ms. */
  maxRetryAfterMs?: number
  /** Limits for every upstream (origin). `false` = unlimited. Default {perSecond: 100, perMinute: 5000}. */
  rateLimit?: RateLimitOptions | false
  /** Per-origin overrides of `rateLimit`, keyed by origin ("http://host:port"). */
  upstreamRateLimits?: Record<string, RateLimitOptions | false>
  /** GET response cache; `false` disables it. */
  cache?: CacheOptions | false
  pool?: PoolOptions
  /** Bodies larger than this are refused (error kind 'connection'). Default 8 MiB. */
  maxResponseBytes?: number
  /** Headers sent with every call (e.g. user-agent, authorization). */
  headers?: Record<string, string>
  /**
   * Told about every network call when its result is final (cache hits are not network calls):
   * the origin, the call's wall time in ms (retries and waits included) and the result. The
   * HTTP client registry observes its latency histogram this way; a throwing observer is ignored.
   */
  onCallDone?: CallObserver
  /** Monotonic ms clock for cache TTLs, token buckets and the latency window. Default performance.now. */
  clock?: () => number
  /** Sleep used for backoff and token waits. Default timers/promises setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Random source in [0, 1) for jitter. Default Math.random. */
  random?: () => number
  log?: Logger
}

/** See HttpClientOptions.onCallDone. */
export type CallObserver = (upstream: string, ms: number, result: HttpResult) => void

export interface LatencySummary {
  /** Average over every network call since start (ms). */
  avgMs: number
  /** Percentiles over the network calls of the last 60 s (ms, within 5 %: the shared LatencyWindow). */
  p50Ms: number
  p95Ms: number
  p99Ms: number
  /** Samples in the percentile window. */
  samples: number
}

export interface UpstreamMetrics {
  /** Origin, e.g. "http://127.0.0.1:8000". */
  upstream: string
  /** Calls made (cache hits included). */
  requests: number
  /** Calls whose final result was a failure. */
  errors: number
  errorsByKind: Record<HttpErrorKind, number>
  cacheHits: number
  /** GETs that looked in the cache and missed. */
  cacheMisses: number
  /** Extra attempts after the first. */
  retries: number
  /** Attempts that had to wait for a rate-limit token. */
  rateLimitWaits: number
  /** Calls currently in flight (including backoff and token waits). */
  inFlight: number
  latency: LatencySummary
}

export interface HttpClientMetrics {
  upstreams: Record<string, UpstreamMetrics>
  cache: { entries: number; maxEntries: number; hits: number; misses: number; evictions: number }
}
