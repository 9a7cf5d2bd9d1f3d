/**
 * The resilient HTTP client's public surface (see http-client.ts for what it owns).
 */
export { HttpClient, isJsonContentType, appendQuery } from './http-client'
export { TokenBucketLimiter, type TokenBucketOptions } from './rate-limiter'
export { ResponseCache, type CachedResponse } from './response-cache'
export { backoffDelay, parseRetryAfter, type BackoffOptions } from './backoff'
export type * from './types'
