/**
 * Building a HandlerContext from the app's config: the handler view of the `ai_service` section
 * and the recommended HTTP client settings for the AI service upstream.
 */
import type { HttpClient } from '../../http/http-client'
import type { HttpClientOptions } from '../../http/types'
import type { Logger } from '../../logging/logger'
import type { HandlerConfig, HandlerContext } from './types'

/** The `ai_service` config section as the schema outputs it. */
export interface AiServiceSettings {
  base_url: string
  timeout_seconds: number
  allowed_origins: readonly string[]
}

export function handlerConfigFrom(ai: AiServiceSettings, version: string): HandlerConfig {
  return Object.freeze({
    baseUrl: ai.base_url,
    timeoutMs: Math.round(ai.timeout_seconds * 1000),
    allowedOrigins: Object.freeze([...ai.allowed_origins]),
    version
  })
}

/**
 * HTTP client settings for the AI service as the poller uses it: no client-side rate limit (the
 * poller's worker_count bounds concurrency, and a 100/s default would cap proxied GETs), one quick
 * client retry for idempotent calls (the poller's own retry with backoff covers longer outages),
 * enough sockets for every worker.
 */
export function aiServiceClientOptions(ai: AiServiceSettings, workerCount: number, log?: Logger): HttpClientOptions {
  return {
    timeoutMs: Math.round(ai.timeout_seconds * 1000),
    // ai_service.timeout_seconds bounds the whole call, retries included.
    totalTimeoutMs: Math.round(ai.timeout_seconds * 1000),
    maxRetries: 1,
    backoffBaseMs: 200,
    backoffMaxMs: 2000,
    rateLimit: false,
    pool: { connections: Math.max(16, workerCount) },
    ...(log ? { log } : {})
  }
}

export interface HandlerContextOptions {
  http: HttpClient
  config: HandlerConfig
  log: Logger
  /** Epoch ms; default now. */
  startedAt?: number
  /** Epoch ms clock; default Date.now. */
  now?: () => number
}

/** One context for the poller's lifetime (reuse it: the health handler caches per config object). */
export function createHandlerContext(opts: HandlerContextOptions): HandlerContext {
  const now = opts.now ?? Date.now
  return { http: opts.http, config: opts.config, log: opts.log, startedAt: opts.startedAt ?? now(), now }
}
