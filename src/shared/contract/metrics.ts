/**
 * The metrics domain: figures of the HTTP clients each service owns (the Requests page's AI
 * service panel; the Prometheus export reads the same figures).
 */
import { z } from 'zod'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { METRICS_EVENTS, METRICS_METHODS } from './names'

/** Why an outbound HTTP call failed (mirrors the HTTP client's error kinds). */
export const HTTP_ERROR_KINDS = ['timeout', 'connection', 'http', 'invalid_json', 'aborted'] as const
export const HttpErrorKindSchema = z.enum(HTTP_ERROR_KINDS)
export type HttpErrorKind = z.infer<typeof HttpErrorKindSchema>

const HttpCountSchema = z.number().int().nonnegative()

/** Milliseconds: the average over every network call, percentiles over the recent window. */
export const HttpLatencySchema = z.object({
  avgMs: z.number().nonnegative(),
  p50Ms: z.number().nonnegative(),
  p95Ms: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
  /** Calls in the percentile window (0 = no percentiles yet). */
  samples: HttpCountSchema
})
export type HttpLatency = z.infer<typeof HttpLatencySchema>

export const HttpUpstreamMetricsSchema = z.object({
  /** The upstream's origin, e.g. "http://127.0.0.1:8000". */
  origin: z.string(),
  /** Calls made (cache hits included). */
  requests: HttpCountSchema,
  /** Calls whose final result was a failure. */
  errors: HttpCountSchema,
  errorsByKind: z.object({
    timeout: HttpCountSchema,
    connection: HttpCountSchema,
    http: HttpCountSchema,
    invalid_json: HttpCountSchema,
    aborted: HttpCountSchema
  }) satisfies z.ZodType<Record<HttpErrorKind, number>>,
  cacheHits: HttpCountSchema,
  /** GETs that looked in the cache and missed. */
  cacheMisses: HttpCountSchema,
  /** Extra attempts after the first. */
  retries: HttpCountSchema,
  /** Attempts that had to wait for a rate-limit token. */
  rateLimitWaits: HttpCountSchema,
  /** Calls in flight right now (including backoff and token waits). */
  inFlight: HttpCountSchema,
  latency: HttpLatencySchema
})
export type HttpUpstreamMetrics = z.infer<typeof HttpUpstreamMetricsSchema>

export const HttpCacheStatsSchema = z.object({
  entries: HttpCountSchema,
  maxEntries: HttpCountSchema,
  hits: HttpCountSchema,
  misses: HttpCountSchema,
  evictions: HttpCountSchema
})
export type HttpCacheStats = z.infer<typeof HttpCacheStatsSchema>

export const HttpClientMetricsSchema = z.object({
  /** Which client: "ai-service" (the ai-ipc poller's client for the AI service). */
  name: z.string(),
  /** One entry per upstream origin called since the client was created, by origin. */
  upstreams: z.array(HttpUpstreamMetricsSchema),
  cache: HttpCacheStatsSchema
})
export type HttpClientMetrics = z.infer<typeof HttpClientMetricsSchema>

export const MetricsHttpSchema = z.object({
  /** Every HTTP client the runtime owns right now (none while their services are not running). */
  clients: z.array(HttpClientMetricsSchema)
})
export type MetricsHttp = z.infer<typeof MetricsHttpSchema>

export const metricsMethods = {
  'metrics.http': method(
    NoInput,
    MetricsHttpSchema,
    'Per-upstream figures of every HTTP client the runtime owns: requests, errors by kind, retries, cache, in flight, latency'
  )
} as const satisfies MethodTableOf<typeof METRICS_METHODS>

export const metricsEvents = {} as const satisfies EventTableOf<typeof METRICS_EVENTS>
