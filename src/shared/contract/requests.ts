/**
 * The requests domain: the AI request queue (the ai-ipc poller and the Requests page) — live
 * figures, the list with filters, one request's detail, the operator's actions, and the tests of
 * the queue database and the AI service.
 */
import { z } from 'zod'
import { DatabaseConfigSchema } from '../config-schema'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { REQUESTS_EVENTS, REQUESTS_METHODS } from './names'

/** `ai_requests.status`, in the order of rAthena's ai_db_status() numbers (1 = pending … 6 = cancelled). */
export const AI_REQUEST_STATUSES = ['pending', 'processing', 'completed', 'failed', 'timeout', 'cancelled'] as const
export const AiRequestStatusSchema = z.enum(AI_REQUEST_STATUSES)
export type AiRequestStatus = z.infer<typeof AiRequestStatusSchema>

/** Request ids stay within 32 bits: the C++ side truncates LAST_INSERT_ID() to an int. */
export const AiRequestIdSchema = z.number().int().min(1).max(4_294_967_295)

/** Milliseconds; null when there were no samples in the window. */
export const LatencySummarySchema = z.object({
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  /** Samples in the window. */
  samples: z.number().int().nonnegative()
})
export type LatencySummary = z.infer<typeof LatencySummarySchema>

export const RequestCountsSchema = z.object({
  pending: z.number().int().nonnegative(),
  processing: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  timeout: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative()
})
export type RequestCounts = z.infer<typeof RequestCountsSchema>

export const RequestHandlerStatsSchema = z.object({
  /** Handler name (request types without a handler are grouped under "(no handler)"). */
  handler: z.string(),
  /** Answered by this poller since it started (completed, incl. validation and exhausted errors). */
  processed: z.number().int().nonnegative(),
  /** Set to 'failed' (no handler, unexpected exception). */
  failed: z.number().int().nonnegative(),
  /** Sent back to pending for another attempt. */
  retried: z.number().int().nonnegative(),
  /** Answers per second over the last 10 s. */
  ratePerSecond: z.number(),
  /** Handler time over the last 60 s. */
  latencyMs: LatencySummarySchema.nullable(),
  /** Answers (completed or failed) whose HTTP status is 400 or more, since the poller started. */
  errored: z.number().int().nonnegative(),
  /** Answers built from a template because the AI service was down or refused (metadata.source = "fallback"). */
  fallbacks: z.number().int().nonnegative()
})
export type RequestHandlerStats = z.infer<typeof RequestHandlerStatsSchema>

export const RequestsStatsSchema = z.object({
  /** ISO time these figures were taken. */
  at: z.string(),
  backend: z.enum(['sqlite', 'mysql']),
  /** Where the queue lives: "mysql://user@host:3306/db" or the SQLite file path. */
  target: z.string(),
  /** The poller is claiming (false while the database is unreachable or stopping). */
  polling: z.boolean(),
  /** Rows per status in the whole table (refreshed at most about once a second). */
  counts: RequestCountsSchema,
  /** Answers per second over the last 10 s (this poller). */
  ratePerSecond: z.number(),
  /** Claim → response committed, over the last 60 s (this poller). */
  latencyMs: LatencySummarySchema.nullable(),
  /**
   * Insert → answer (what the NPC waits: response created_at − request created_at) over the
   * newest answers of the last 60 s (any poller), from the database.
   */
  waitMs: LatencySummarySchema.nullable(),
  /** Resolution of the database timestamps behind waitMs (MySQL TIMESTAMP: 1000 ms; SQLite: 1 ms). */
  waitResolutionMs: z.number().int().positive(),
  /** Completed rows whose answer carries HTTP 400 or more (a part of counts.completed; whole table). */
  errored: z.number().int().nonnegative(),
  /** created_at of the oldest pending row (ISO), null when nothing is pending. */
  oldestPendingAt: z.string().nullable(),
  /** Share (0…1) of this poller's answers over the last 60 s with HTTP 400 or more; null without answers. */
  errorRate: z.number().min(0).max(1).nullable(),
  /** This poller's most recent answer with HTTP 400 or more. */
  lastError: z
    .object({
      at: z.string(),
      id: z.number().int(),
      handler: z.string(),
      httpStatus: z.number().int(),
      message: z.string()
    })
    .nullable(),
  handlers: z.array(RequestHandlerStatsSchema),
  /** Since this poller started. */
  totals: z.object({
    processed: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    expired: z.number().int().nonnegative(),
    retried: z.number().int().nonnegative(),
    recovered: z.number().int().nonnegative(),
    /** Rows cancelled while this poller was processing them (the cancel won). */
    cancelledInFlight: z.number().int().nonnegative(),
    /** Claims that returned at least one row. */
    batches: z.number().int().nonnegative()
  }),
  /** Rows this poller holds right now (claimed, processing, waiting for retry backoff or completion). */
  inFlight: z.number().int().nonnegative(),
  uptimeSeconds: z.number(),
  settings: z.object({
    intervalMs: z.number().int(),
    batchSize: z.number().int(),
    workerCount: z.number().int(),
    maxRetries: z.number().int(),
    stuckAfterSeconds: z.number().int()
  })
})
export type RequestsStats = z.infer<typeof RequestsStatsSchema>

export const RequestSummarySchema = z.object({
  id: z.number().int(),
  type: z.string(),
  endpoint: z.string().nullable(),
  status: AiRequestStatusSchema,
  priority: z.number().int(),
  retryCount: z.number().int(),
  sourceNpc: z.string().nullable(),
  sourceMap: z.string().nullable(),
  correlationId: z.string().nullable(),
  /** ISO times (UTC). */
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string().nullable(),
  /** The first 160 characters of request_data. */
  dataPreview: z.string().nullable(),
  /** From the response row, when there is one. */
  httpStatus: z.number().int().nullable(),
  processingTimeMs: z.number().int().nullable(),
  /** ISO time the response row was written (insert → answer = answeredAt − createdAt); null without one. */
  answeredAt: z.string().nullable()
})
export type RequestSummary = z.infer<typeof RequestSummarySchema>

export const RequestResponseSchema = z.object({
  id: z.number().int(),
  /** The JSON string the NPC script receives, verbatim. */
  responseData: z.string().nullable(),
  httpStatus: z.number().int().nullable(),
  errorMessage: z.string().nullable(),
  processingTimeMs: z.number().int().nullable(),
  createdAt: z.string()
})
export type RequestResponse = z.infer<typeof RequestResponseSchema>

export const RequestDetailSchema = z.object({
  request: RequestSummarySchema.extend({ requestData: z.string().nullable() }),
  response: RequestResponseSchema.nullable()
})
export type RequestDetail = z.infer<typeof RequestDetailSchema>

/** HTTP status classes of the answer: 2xx, 4xx, 5xx, any error (≥ 400), or no answer yet. */
export const HTTP_STATUS_FILTERS = ['2xx', '4xx', '5xx', 'error', 'none'] as const
export const HttpStatusFilterSchema = z.enum(HTTP_STATUS_FILTERS)
export type HttpStatusFilter = z.infer<typeof HttpStatusFilterSchema>

export const RequestsListInputSchema = z
  .object({
    /** Any of these statuses (none = all). */
    status: z.array(AiRequestStatusSchema).max(6).optional(),
    /** request_type, exact, case-insensitive. */
    type: z.string().trim().min(1).max(50).optional(),
    /** source_npc contains this text. */
    npc: z.string().trim().min(1).max(100).optional(),
    /** source_map contains this text. */
    map: z.string().trim().min(1).max(50).optional(),
    /** Exactly this request. */
    id: AiRequestIdSchema.optional(),
    /** The answer's HTTP status class. */
    http: HttpStatusFilterSchema.optional(),
    /** Paging (newest first): only rows with a smaller id — pass the previous page's nextBeforeId. */
    beforeId: AiRequestIdSchema.optional(),
    limit: z.number().int().min(1).max(500).default(50)
  })
  .strict()
  .prefault({})

export const RequestsListResultSchema = z.object({
  rows: z.array(RequestSummarySchema),
  /** beforeId for the next (older) page; null when this was the last page. */
  nextBeforeId: z.number().int().nullable(),
  /** Rows matching the filters (ignoring beforeId), counted up to 10,000. */
  total: z.number().int().nonnegative(),
  /** True when there are more than `total` matching rows. */
  totalCapped: z.boolean()
})
export type RequestsListResult = z.infer<typeof RequestsListResultSchema>

const RequestIdListSchema = z.array(AiRequestIdSchema).min(1).max(1000)

export const RequestsRetryInputSchema = z
  .object({
    /** These failed/timeout rows (others are left alone). */
    ids: RequestIdListSchema.optional(),
    /** Or every row with one of these statuses. */
    allWithStatus: z.array(z.enum(['failed', 'timeout'])).min(1).max(2).optional()
  })
  .strict()
  .refine((v) => (v.ids === undefined) !== (v.allWithStatus === undefined), 'give exactly one of ids or allWithStatus')

export const RequestsPurgeInputSchema = z
  .object({
    /** Delete finished rows (and their responses) created more than this many days ago. */
    olderThanDays: z.number().int().min(1).max(3650),
    /** Only these statuses (default: every finished status). pending/processing are never purged. */
    statuses: z.array(z.enum(['completed', 'failed', 'timeout', 'cancelled'])).min(1).max(4).optional(),
    /** Must be true: purging deletes rows for good. */
    confirm: z.literal(true, 'purge deletes rows for good: pass confirm: true')
  })
  .strict()

export const RequestsSubmitTestInputSchema = z
  .object({
    type: z.string().trim().min(1).max(50).default('health_check'),
    endpoint: z.string().max(255).optional(),
    /** request_data as the NPC script would send it (any string, JSON or not). */
    data: z.string().max(65_535).optional(),
    priority: z.number().int().min(1).max(10).default(5),
    expiresInSeconds: z.number().int().min(1).max(300).default(30),
    /** Wait this long for the answer (0 = return at once). */
    waitMs: z.number().int().min(0).max(30_000).default(5000),
    /** source_npc / source_map of the row (default "WARP Host test" / "dashboard"; the inbox passes the sender's). */
    sourceNpc: z.string().trim().min(1).max(100).optional(),
    sourceMap: z.string().trim().min(1).max(50).optional()
  })
  .strict()
  .prefault({})

export const RequestsSubmitTestResultSchema = z.object({
  id: z.number().int(),
  /** Status when the call returned. */
  status: AiRequestStatusSchema,
  /** ai_db_status() number: 1 pending … 6 cancelled. */
  statusCode: z.number().int(),
  response: RequestResponseSchema.nullable(),
  elapsedMs: z.number()
})
export type RequestsSubmitTestResult = z.infer<typeof RequestsSubmitTestResultSchema>

export const DB_CONNECTION_PROBLEMS = [
  'host_unreachable',
  'timeout',
  'bad_credentials',
  'unknown_database',
  'missing_privilege',
  'no_skip_locked',
  'sqlite_file',
  'other'
] as const

export const DbConnectionCheckSchema = z.object({
  /** connect, authenticate, database, skip_locked, privileges, tables (mysql); open, write, tables (sqlite). */
  name: z.string(),
  ok: z.boolean(),
  detail: z.string()
})

/**
 * Unsaved database settings. Not `DatabaseConfigSchema.partial()`: zod 4 keeps the defaults of
 * partial fields, which would silently replace every key the user did not send.
 */
const dbField = DatabaseConfigSchema.shape
export const DatabaseOverrideSchema = z
  .object({
    driver: dbField.driver.unwrap().optional(),
    host: dbField.host.unwrap().optional(),
    port: dbField.port.unwrap().optional(),
    user: dbField.user.unwrap().optional(),
    password: dbField.password.unwrap().optional(),
    database: dbField.database.unwrap().optional(),
    pool_size: dbField.pool_size.unwrap().optional(),
    sqlite_path: dbField.sqlite_path.unwrap().optional()
  })
  .strict()

export const AiTestConnectionInputSchema = z
  .object({
    /** Settings not saved yet; missing keys (and an empty password) fall back to the current config. */
    database: DatabaseOverrideSchema.optional()
  })
  .strict()
  .prefault({})

export const AiTestConnectionResultSchema = z.object({
  ok: z.boolean(),
  driver: z.enum(['sqlite', 'mysql']),
  target: z.string(),
  /** What failed (null when ok). */
  problem: z.enum(DB_CONNECTION_PROBLEMS).nullable(),
  /** One human sentence: what works, or exactly what failed and what to do. */
  message: z.string(),
  serverVersion: z.string().nullable(),
  /** Round trip of a trivial query, when connected. */
  latencyMs: z.number().nullable(),
  /** Each step in order; stops at the first failure. */
  checks: z.array(DbConnectionCheckSchema)
})
export type AiTestConnectionResult = z.infer<typeof AiTestConnectionResultSchema>

export const AiTestServiceInputSchema = z
  .object({
    /** An unsaved ai_service.base_url to test (default: the current one). */
    baseUrl: z
      .string()
      .trim()
      .max(2000)
      .refine((v) => /^https?:\/\/[^\s/]+/i.test(v), 'must be an http:// or https:// URL')
      .optional()
  })
  .strict()
  .prefault({})

export const AiTestServiceResultSchema = z.object({
  ok: z.boolean(),
  /** The URL probed: <base_url>/health. */
  url: z.string(),
  /** healthy (2xx), degraded (4xx), unhealthy (5xx), timeout, error (unreachable, refused, bad URL). */
  status: z.enum(['healthy', 'degraded', 'unhealthy', 'timeout', 'error']),
  statusCode: z.number().int().nullable(),
  responseTimeMs: z.number().nonnegative(),
  /** One human sentence. */
  message: z.string(),
  /** ISO time of the probe. */
  at: z.string()
})
export type AiTestServiceResult = z.infer<typeof AiTestServiceResultSchema>

/** Pushed at most once a second: which rows changed, so list views refetch (never one event per row). */
export const RequestsChangedSchema = z.object({
  at: z.string(),
  /** Statuses that gained or lost rows since the last hint. */
  statuses: z.array(AiRequestStatusSchema),
  /** Rows changed by this poller since the last hint (claims, answers, expiries, actions). */
  changed: z.number().int().nonnegative(),
  /** Highest request id seen so far (new rows appear above it). */
  maxId: z.number().int().nullable()
})
export type RequestsChanged = z.infer<typeof RequestsChangedSchema>

export const requestsMethods = {
  'requests.stats': method(NoInput, RequestsStatsSchema, 'Live AI request figures: counts by status, rate, latency, per handler'),
  'requests.list': method(RequestsListInputSchema, RequestsListResultSchema, 'AI requests, newest first, filtered by status/type/NPC/map/id, keyset-paged'),
  'requests.get': method(z.object({ id: AiRequestIdSchema }).strict(), RequestDetailSchema, 'One AI request with its response row'),
  'requests.retry': method(RequestsRetryInputSchema, z.object({ updated: z.number().int() }), 'Puts failed/timeout requests back to pending (retry count reset, response removed)'),
  'requests.cancel': method(
    z.object({ ids: RequestIdListSchema }).strict(),
    z.object({ cancelled: z.number().int() }),
    'Cancels pending (or processing) requests, as ai_db_cancel does; a cancel always wins'
  ),
  'requests.resetStuck': method(
    z.object({ olderThanSeconds: z.number().int().min(0).max(86_400).optional() }).strict().prefault({}),
    z.object({ reset: z.number().int(), failed: z.number().int() }),
    'Requests stuck in processing go back to pending (retry_count+1), or to failed when retries are used up'
  ),
  'requests.purge': method(RequestsPurgeInputSchema, z.object({ deleted: z.number().int() }), 'Deletes finished requests older than N days (needs confirm: true)'),
  'requests.submitTest': method(RequestsSubmitTestInputSchema, RequestsSubmitTestResultSchema, 'Inserts a request like the game does and waits for its answer'),
  'ai.testConnection': method(
    AiTestConnectionInputSchema,
    AiTestConnectionResultSchema,
    'Tests the queue database (current or unsaved settings) and says exactly what failed'
  ),
  'ai.testService': method(
    AiTestServiceInputSchema,
    AiTestServiceResultSchema,
    'Probes the AI service (GET <base_url>/health, current or unsaved base URL) and says whether it answers'
  )
} as const satisfies MethodTableOf<typeof REQUESTS_METHODS>

export const requestsEvents = {
  /** AI request figures, at most once a second while the poller runs (every 5 s when idle). */
  'requests.stats': RequestsStatsSchema,
  /** Rows changed: a hint for list views to refetch, at most once a second. */
  'requests.changed': RequestsChangedSchema
} as const satisfies EventTableOf<typeof REQUESTS_EVENTS>
