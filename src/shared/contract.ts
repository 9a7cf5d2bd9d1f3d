/**
 * The one contract between main (or the headless runtime) and the renderer.
 *
 * `methods` names every invoke method with its zod input schema and its result schema;
 * `events` names every pushed event with its payload schema. Everything else is derived from
 * these two tables: the ipcMain registrar, the preload `api`, the WebSocket bridge and the
 * renderer's client. Adding a method = one entry here + its implementation in runtime.ts.
 *
 * No Node, Electron or DOM APIs here.
 */
import { z } from 'zod'
import { LogEntrySchema, LogLevelSchema } from './log'
import { ConfigPatchSchema, ConfigSchema, DatabaseConfigSchema, ENV_OVERRIDES } from './config-schema'

// ---------------------------------------------------------------------------------------------
// Shared payload schemas

export const SERVICE_STATES = ['stopped', 'starting', 'running', 'stopping', 'error', 'disabled'] as const
export const ServiceStateSchema = z.enum(SERVICE_STATES)
export type ServiceState = z.infer<typeof ServiceStateSchema>

export const ServiceStatusSchema = z.object({
  /** Stable id, e.g. "store", "ai-ipc". */
  name: z.string(),
  /** Human label for the dashboard, e.g. "AI request poller". */
  label: z.string(),
  state: ServiceStateSchema,
  /** One line about what it is doing ("polling sqlite ai-ipc.db", "listening on :8001"). */
  detail: z.string().optional(),
  /** Last error message when state is "error". */
  error: z.string().optional(),
  /** ISO time of the last state change. */
  since: z.string(),
  /** While a failed service retries on its own: the attempt under way or next (1 = first retry). */
  attempt: z.number().int().nonnegative().optional(),
  /** While a failed service retries on its own: ISO time of its next attempt. */
  nextRetryAt: z.string().optional()
})
export type ServiceStatus = z.infer<typeof ServiceStatusSchema>

export const AppStatusSchema = z.object({
  version: z.string(),
  mode: z.enum(['desktop', 'headless']),
  startedAt: z.string(),
  uptimeSeconds: z.number(),
  pid: z.number().int(),
  platform: z.string(),
  nodeVersion: z.string(),
  dataDir: z.string(),
  memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number() }),
  services: z.array(ServiceStatusSchema)
})
export type AppStatus = z.infer<typeof AppStatusSchema>

const EnvNameSchema = z.enum(Object.keys(ENV_OVERRIDES) as [keyof typeof ENV_OVERRIDES, ...(keyof typeof ENV_OVERRIDES)[]])

export const ConfigViewSchema = z.object({
  /** The effective config with every secret blanked to "". */
  config: ConfigSchema,
  /** Which secrets have a value (so Settings can show "set" without ever seeing it). */
  secretsSet: z.record(z.string(), z.boolean()),
  /** The YAML file config.update writes. */
  filePath: z.string().nullable(),
  /** Dotted keys fixed by an environment variable → its name; edits to them cannot take effect. */
  envLocked: z.record(z.string(), EnvNameSchema),
  /** Where secrets are kept: "safeStorage" (OS keychain) or "file" (0600 file, not encrypted). */
  secretStorage: z.enum(['safeStorage', 'file']),
  /** Keys in the YAML file that the schema does not know (ignored), with the likely intended key. */
  unknownKeys: z.array(z.object({ key: z.string(), suggestion: z.string().optional() })).optional()
})
export type ConfigView = z.infer<typeof ConfigViewSchema>

export const ConfigUpdateResultSchema = z.object({
  view: ConfigViewSchema,
  /** Dotted keys whose value changed. */
  changed: z.array(z.string()),
  /** Services restarted to apply the change. */
  restarted: z.array(z.string()),
  /** Changed keys that only take effect after the app restarts (e.g. admin.port). */
  restartRequired: z.array(z.string())
})
export type ConfigUpdateResult = z.infer<typeof ConfigUpdateResultSchema>

export const LogsTailInputSchema = z
  .object({
    limit: z.number().int().min(1).max(5000).default(500),
    level: LogLevelSchema.optional(),
    search: z.string().max(200).optional(),
    /** Only entries newer than this sequence number. */
    afterSeq: z.number().int().nonnegative().optional()
  })
  .strict()
  .prefault({})

// ---------------------------------------------------------------------------------------------
// AI request queue (the ai-ipc poller and the Requests page)

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
    waitMs: z.number().int().min(0).max(30_000).default(5000)
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

// ---------------------------------------------------------------------------------------------
// HTTP client metrics (the resilient HTTP client of each service: the Requests page, /api/metrics)

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

// ---------------------------------------------------------------------------------------------
// The tables

interface MethodDef<I extends z.ZodType, O extends z.ZodType> {
  input: I
  output: O
  /** One line: what the method does. */
  summary: string
}

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): MethodDef<I, O> {
  return { input, output, summary }
}

/** Input schema for methods that take nothing. */
const NoInput = z.undefined().or(z.null()).or(z.object({}).strict()).optional()

export const methods = {
  'app.status': method(NoInput, AppStatusSchema, 'Version, uptime, memory and the state of every service'),
  'logs.tail': method(LogsTailInputSchema, z.array(LogEntrySchema), 'The newest log entries, filtered by level and text'),
  'config.get': method(NoInput, ConfigViewSchema, 'The effective configuration (secrets blanked) and where each value is locked'),
  'config.update': method(
    ConfigPatchSchema,
    ConfigUpdateResultSchema,
    'Validates a partial config, writes it to the YAML file and restarts the services it affects'
  ),
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
  ),
  'metrics.http': method(
    NoInput,
    MetricsHttpSchema,
    'Per-upstream figures of every HTTP client the runtime owns: requests, errors by kind, retries, cache, in flight, latency'
  )
} as const

export const events = {
  /** Sent when a service changes state, and every few seconds while anyone listens. */
  'app.status': AppStatusSchema,
  /** New log entries, batched (at most every 100 ms). */
  'logs.entries': z.array(LogEntrySchema),
  /** The configuration changed (through config.update or another window). */
  'config.changed': ConfigViewSchema,
  /** AI request figures, at most once a second while the poller runs (every 5 s when idle). */
  'requests.stats': RequestsStatsSchema,
  /** Rows changed: a hint for list views to refetch, at most once a second. */
  'requests.changed': RequestsChangedSchema
} as const

// ---------------------------------------------------------------------------------------------
// Derived types

export type Methods = typeof methods
export type MethodName = keyof Methods
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>
/** The input after parsing (defaults filled) — what a handler receives. */
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>
export type MethodResult<M extends MethodName> = z.output<Methods[M]['output']>

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>

export const METHOD_NAMES = Object.keys(methods) as MethodName[]
export const EVENT_NAMES = Object.keys(events) as EventName[]

export function isMethodName(v: unknown): v is MethodName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(methods, v)
}
export function isEventName(v: unknown): v is EventName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(events, v)
}

/** Arguments of a call: methods whose input is optional may be called with none. */
export type CallArgs<M extends MethodName> = undefined extends MethodInput<M>
  ? [input?: MethodInput<M>]
  : [input: MethodInput<M>]

// ---------------------------------------------------------------------------------------------
// Errors and the wire envelope (the same over ipcMain and the WebSocket bridge)

export const CONTRACT_ERROR_CODES = [
  'bad_input',
  'unknown_method',
  'forbidden',
  'not_found',
  'conflict',
  'unavailable',
  'internal'
] as const
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number]

export const ContractErrorSchema = z.object({
  code: z.enum(CONTRACT_ERROR_CODES),
  message: z.string(),
  /** For bad_input: each failed field with its message. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional()
})
export type ContractErrorData = z.infer<typeof ContractErrorSchema>

export const CallResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ContractErrorSchema })
])
export type CallResult = z.infer<typeof CallResultSchema>

/** Thrown by handlers for expected failures, and by clients when a call comes back with an error. */
export class ContractCallError extends Error {
  readonly code: ContractErrorCode
  readonly issues: { path: string; message: string }[] | undefined
  constructor(code: ContractErrorCode, message: string, issues?: { path: string; message: string }[]) {
    super(message)
    this.name = 'ContractCallError'
    this.code = code
    this.issues = issues
  }
  toData(): ContractErrorData {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) }
  }
}

/** zod issues → the contract's field list. */
export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }))
}

/** What the renderer (and tests) program against, whichever transport carries it. */
export interface ContractClient {
  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodResult<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

// ---------------------------------------------------------------------------------------------
// Transport names

/** ipcMain/ipcRenderer channel for a method; the preload only ever builds channels from the tables. */
export const invokeChannel = (m: MethodName): string => `contract:call:${m}`
/** ipc channel for a pushed event. */
export const eventChannel = (e: EventName): string => `contract:event:${e}`

/** Messages on the headless WebSocket bridge. */
export const BridgeClientMessageSchema = z.object({
  t: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  input: z.unknown().optional()
})
export type BridgeClientMessage = z.infer<typeof BridgeClientMessageSchema>

/**
 * The events this bridge client wants (replaces its previous subscription; [] = none). A client
 * that never subscribes receives every event. Unknown names refuse the whole message.
 */
export const BridgeSubscribeMessageSchema = z.object({
  t: z.literal('subscribe'),
  events: z.array(z.string().max(100)).max(200)
})
export type BridgeSubscribeMessage = z.infer<typeof BridgeSubscribeMessageSchema>

export type BridgeServerMessage =
  | { t: 'hello'; version: string; methods: string[]; events: string[] }
  | { t: 'result'; id: number; result: CallResult }
  | { t: 'event'; event: EventName; payload: unknown }
  /** The subscription now in force (answer to a subscribe message). */
  | { t: 'subscribed'; events: EventName[] }
  /** A frame the server refused; `unknownEvents` lists the names a subscribe message got wrong. */
  | { t: 'error'; message: string; unknownEvents?: string[] }

/** WebSocket close code the bridge uses for a missing or wrong token. */
export const BRIDGE_UNAUTHORIZED_CLOSE = 4401
/** WebSocket close code for a client refused after too many failed token attempts; the reason says "retry in N s". */
export const BRIDGE_THROTTLED_CLOSE = 4429
/** Path of the bridge's WebSocket endpoint. */
export const BRIDGE_PATH = '/bridge'
