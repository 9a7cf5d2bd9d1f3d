/**
 * The configuration schema: one zod object with every setting, its default and its limits.
 * Shared so the Settings page validates inline with exactly the rules main enforces.
 * Keys keep the Python AI IPC service's YAML names (database, polling, ai_service, logging) so
 * admins can point WARP Host at their existing file.
 */
import { z } from 'zod'
import { LogLevelSchema } from './log'
import { NOTIFICATION_KINDS } from './contract/app'

const port = z.number().int().min(1).max(65535)
const host = z.string().trim().min(1, 'must not be empty').max(255)

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v)
      return u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      return false
    }
  }, 'must be an http:// or https:// URL')

export const DatabaseConfigSchema = z.object({
  /** `sqlite` = embedded queue in the data folder (default); `mysql` = the rAthena MariaDB/MySQL. */
  driver: z.enum(['sqlite', 'mysql']).default('sqlite'),
  host: host.default('localhost'),
  port: port.default(3306),
  user: z.string().max(80).default('ragnarok'),
  password: z.string().max(256).default(''),
  database: z.string().trim().min(1).max(64).default('ragnarok'),
  pool_size: z.number().int().min(1).max(100).default(5),
  /** SQLite queue file; empty = `<data folder>/ai-ipc.db`. */
  sqlite_path: z.string().default('')
})

export const PollingConfigSchema = z.object({
  enabled: z.boolean().default(true),
  interval_ms: z.number().int().min(10).max(60_000).default(100),
  batch_size: z.number().int().min(1).max(5000).default(100),
  /** Requests handled at once; AI calls are I/O-bound, so this is well above the core count. */
  worker_count: z.number().int().min(1).max(1024).default(32),
  max_retries: z.number().int().min(0).max(100).default(3),
  /**
   * The lease on claimed rows: a live poller renews its rows every third of this; `processing`
   * rows not renewed for this long (their poller crashed or was killed) go back to pending, so
   * they are answered before the game's 30 s expiry (old service: fixed 300 s, never in time).
   */
  stuck_after_seconds: z.number().int().min(5).max(86_400).default(15),
  /** Print the `Status: …` line every N polls (old service: 100). */
  status_every_polls: z.number().int().min(1).max(1_000_000).default(100)
})

export const AiServiceConfigSchema = z.object({
  base_url: httpUrl.default('http://localhost:8000'),
  timeout_seconds: z.number().min(0.1).max(600).default(10),
  /** Extra origins the HTTP proxy handler may reach besides base_url's own. */
  allowed_origins: z.array(httpUrl).default([])
})

/** Python logging's names (INFO, WARNING, CRITICAL …) as the old service's files spell them. */
const PYTHON_LEVELS: Record<string, string> = { warning: 'warn', critical: 'error', fatal: 'error' }
const caseless = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v)

export const LoggingConfigSchema = z.object({
  level: z
    .preprocess((v) => {
      const lower = caseless(v)
      return typeof lower === 'string' ? (PYTHON_LEVELS[lower] ?? lower) : lower
    }, LogLevelSchema)
    .default('info'),
  format: z.preprocess(caseless, z.enum(['json', 'text'])).default('text')
})

/** Shortest admin token accepted (the generated ones are 32 characters). */
export const ADMIN_TOKEN_MIN_LENGTH = 16

export const AdminConfigSchema = z.object({
  /** Bind address of the headless dashboard + bridge. */
  host: host.default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  /** Empty = generate one, keep it in the data folder and print it as a URL. Else ≥ 16 characters. */
  token: z
    .string()
    .trim()
    .max(256)
    .refine((v) => v === '' || v.length >= ADMIN_TOKEN_MIN_LENGTH, {
      message: `must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters (a short token is guessable); leave it empty to generate a long one`
    })
    .default('')
})

export const CoordinatorConfigSchema = z.object({
  /** Remote coordinator base URL; empty = run the embedded local registry. */
  url: z.union([z.literal(''), httpUrl]).default(''),
  api_key: z.string().max(256).default(''),
  host: host.default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8001)
})

/** A STUN/TURN server URL as RTCPeerConnection takes it (stun:, stuns:, turn:, turns:). */
const iceUrl = z
  .string()
  .trim()
  .regex(/^(stuns?|turns?):[^\s]+$/, 'must be a stun:, stuns:, turn: or turns: URL, e.g. turn:turn.example.com:3478')
  .max(512)

export const HostingConfigSchema = z.object({
  /** Zone ids this host serves; empty = not hosting. */
  zones: z.array(z.string().trim().min(1).max(64)).default([]),
  /** Players a session of this host accepts (the zone's own max applies too, the smaller wins). */
  max_players: z.number().int().min(1).max(500).default(50),
  /** Game packets for one peer are coalesced over this tick into one data-channel message (ms). */
  tick_ms: z.number().int().min(1).max(200).default(20),
  /** Control-channel heartbeat period (ms); a peer silent for 3 periods is removed. */
  heartbeat_ms: z.number().int().min(250).max(60_000).default(2000),
  /** A peer whose channel buffers more than this (bytes) cannot keep up and is dropped. */
  max_buffered_bytes: z.number().int().min(16_384).max(64 * 1024 * 1024).default(1024 * 1024),
  /** STUN/TURN servers for ICE; none by default (LAN, loopback). No public fallback is ever added. */
  ice_servers: z.array(iceUrl).max(16).default([]),
  /** TURN username and credential (for the turn: URLs above). */
  turn_username: z.string().max(256).default(''),
  turn_credential: z.string().max(256).default('')
})

/** The desktop app's own behaviour (the Electron shell reads it; headless ignores it). */
export const DesktopConfigSchema = z.object({
  /** Desktop notifications (training finished, a service failed or recovered, a full session …). */
  notifications: z.boolean().default(true),
  /** Notification kinds not shown even with notifications on. */
  muted_notifications: z.array(z.enum(NOTIFICATION_KINDS)).max(NOTIFICATION_KINDS.length).default([]),
  /** Check the update feed 10 s after start and every few hours; download and offer the update. */
  auto_update: z.boolean().default(true)
})
/** The local inbox: typed messages from local programs in <data dir>/ipc/<group>/ (spec-messaging.md). */
export const InboxConfigSchema = z.object({
  /** Watch <data dir>/ipc/ for messages and answer operator commands. */
  enabled: z.boolean().default(true),
  /** How long a message WARP Host sends that asks for an ACK waits for it before it is resent (ms). */
  ack_timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
  /** Resends after the first try when no ACK comes (then the message goes to the error store). */
  max_retries: z.number().int().min(0).max(100).default(3),
  /** Wait between an ACK timeout and the resend (ms). */
  retry_delay_ms: z.number().int().min(0).max(600_000).default(5000),
  /** The safety-net rescan of every group folder (ms): dropped watch events, new group folders. */
  rescan_ms: z.number().int().min(200).max(30_000).default(10_000),
  /** A file that is not (yet) valid JSON is retried until it is this old, then moved to errors/ (ms). */
  settle_ms: z.number().int().min(0).max(60_000).default(2000),
  /** A larger message file goes to errors/ unread. */
  max_message_bytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** Files handled at the same time (their ACK writes and removals run on the inbox's worker thread, in batches). */
  concurrency: z.number().int().min(1).max(64).default(16),
  /** Answers (responses/) ask the sender for an ACK (written into messages/ as {"ack": id}), resent until it comes. */
  ack_responses: z.boolean().default(false),
  /** ACK and response files nobody collected are removed after this many hours; handled ids are remembered as long. */
  retention_hours: z.number().int().min(1).max(24 * 90).default(168)
})
export type InboxConfig = z.output<typeof InboxConfigSchema>
/** A RabbitMQ queue or exchange name (AMQP: at most 255 bytes, no spaces here). */
const amqpName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(255)
  .regex(/^[\w.:-]+$/, 'letters, digits, dot, colon, dash and underscore only')

/** Training jobs over RabbitMQ (spec-training.md); env names from the AI service's seed. */
export const TrainingConfigSchema = z.object({
  /** ENABLE_RABBITMQ: without it the Training page shows the stored history only. */
  enabled: z.boolean().default(false),
  host: host.default('localhost'),
  port: port.default(5672),
  user: z.string().max(256).default('guest'),
  password: z.string().max(256).default('guest'),
  vhost: z.string().max(255).default('/'),
  /** amqps:// (TLS) instead of amqp://. */
  ssl: z.boolean().default(false),
  request_queue: amqpName.default('train_request_q'),
  result_queue: amqpName.default('train_result_q'),
  update_queue: amqpName.default('train_update_q'),
  /** Where rejected (malformed) messages go: this exchange and a queue bound to it; empty = no DLX. */
  dead_letter_exchange: z.union([z.literal(''), amqpName]).default('train_dlx'),
  dead_letter_queue: amqpName.default('train_dead_q'),
  /** Unacknowledged messages the broker sends ahead (the ingest batches up to this). */
  prefetch: z.number().int().min(1).max(10_000).default(500)
})

export const ConfigSchema = z.object({
  /** Where the app keeps its database, logs, tokens (WARP_HOST_DATA_DIR). Empty = platform default. */
  data_dir: z.string().default(''),
  database: DatabaseConfigSchema.prefault({}),
  polling: PollingConfigSchema.prefault({}),
  ai_service: AiServiceConfigSchema.prefault({}),
  logging: LoggingConfigSchema.prefault({}),
  admin: AdminConfigSchema.prefault({}),
  coordinator: CoordinatorConfigSchema.prefault({}),
  hosting: HostingConfigSchema.prefault({}),
  desktop: DesktopConfigSchema.prefault({}),
  inbox: InboxConfigSchema.prefault({}),
  training: TrainingConfigSchema.prefault({})
})

export type Config = z.output<typeof ConfigSchema>
export type ConfigSection = Exclude<keyof Config, 'data_dir'>

/** Dotted keys whose values are secrets: never sent to the renderer, stored through the secret store. */
export const SECRET_KEYS = ['database.password', 'coordinator.api_key', 'admin.token', 'hosting.turn_credential', 'training.password'] as const
export type SecretKey = (typeof SECRET_KEYS)[number]

/** Environment variables that override the file, with the dotted key each sets. */
export const ENV_OVERRIDES = {
  WARP_HOST_DATA_DIR: 'data_dir',
  DB_DRIVER: 'database.driver',
  DB_HOST: 'database.host',
  DB_PORT: 'database.port',
  DB_USER: 'database.user',
  DB_PASSWORD: 'database.password',
  DB_NAME: 'database.database',
  DB_POOL_SIZE: 'database.pool_size',
  DB_SQLITE_PATH: 'database.sqlite_path',
  POLL_INTERVAL_MS: 'polling.interval_ms',
  BATCH_SIZE: 'polling.batch_size',
  WORKER_COUNT: 'polling.worker_count',
  MAX_RETRIES: 'polling.max_retries',
  AI_SERVICE_BASE_URL: 'ai_service.base_url',
  AI_SERVICE_TIMEOUT: 'ai_service.timeout_seconds',
  LOG_LEVEL: 'logging.level',
  LOG_FORMAT: 'logging.format',
  ADMIN_HOST: 'admin.host',
  ADMIN_PORT: 'admin.port',
  ADMIN_TOKEN: 'admin.token',
  COORDINATOR_URL: 'coordinator.url',
  COORDINATOR_API_KEY: 'coordinator.api_key',
  COORDINATOR_HOST: 'coordinator.host',
  COORDINATOR_PORT: 'coordinator.port',
  HOST_ZONES: 'hosting.zones',
  HOST_MAX_PLAYERS: 'hosting.max_players',
  HOST_TICK_MS: 'hosting.tick_ms',
  HOST_HEARTBEAT_MS: 'hosting.heartbeat_ms',
  HOST_MAX_BUFFERED_BYTES: 'hosting.max_buffered_bytes',
  ICE_SERVERS: 'hosting.ice_servers',
  TURN_USERNAME: 'hosting.turn_username',
  TURN_CREDENTIAL: 'hosting.turn_credential',
  INBOX_ENABLED: 'inbox.enabled',
  INBOX_ACK_TIMEOUT_MS: 'inbox.ack_timeout_ms',
  INBOX_MAX_RETRIES: 'inbox.max_retries',
  INBOX_RETRY_DELAY_MS: 'inbox.retry_delay_ms',
  INBOX_RESCAN_MS: 'inbox.rescan_ms',
  INBOX_SETTLE_MS: 'inbox.settle_ms',
  INBOX_MAX_MESSAGE_BYTES: 'inbox.max_message_bytes',
  INBOX_CONCURRENCY: 'inbox.concurrency',
  INBOX_ACK_RESPONSES: 'inbox.ack_responses',
  INBOX_RETENTION_HOURS: 'inbox.retention_hours',
  ENABLE_RABBITMQ: 'training.enabled',
  RABBITMQ_HOST: 'training.host',
  RABBITMQ_PORT: 'training.port',
  RABBITMQ_USER: 'training.user',
  RABBITMQ_PASSWORD: 'training.password',
  RABBITMQ_VHOST: 'training.vhost',
  RABBITMQ_SSL: 'training.ssl',
  TRAIN_REQUEST_QUEUE: 'training.request_queue',
  TRAIN_RESULT_QUEUE: 'training.result_queue',
  TRAIN_UPDATE_QUEUE: 'training.update_queue'
} as const satisfies Record<string, string>
export type EnvName = keyof typeof ENV_OVERRIDES

/**
 * A section's patch: every field optional and WITHOUT its default (zod's `.partial()` keeps
 * defaults, which would silently reset every field the patch does not name), unknown keys refused.
 */
function patchOf<T extends z.ZodRawShape>(section: z.ZodObject<T>) {
  const shape: Record<string, z.ZodType> = {}
  for (const [key, field] of Object.entries(section.shape)) {
    const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType)
    shape[key] = inner.optional()
  }
  return z.object(shape).strict() as unknown as z.ZodObject<{ [K in keyof T]: z.ZodOptional<T[K]> }>
}

/** A deep-partial patch of the config, as the Settings page sends it. */
export const ConfigPatchSchema = z
  .object({
    database: patchOf(DatabaseConfigSchema).optional(),
    polling: patchOf(PollingConfigSchema).optional(),
    ai_service: patchOf(AiServiceConfigSchema).optional(),
    logging: patchOf(LoggingConfigSchema).optional(),
    admin: patchOf(AdminConfigSchema).optional(),
    coordinator: patchOf(CoordinatorConfigSchema).optional(),
    hosting: patchOf(HostingConfigSchema).optional(),
    desktop: patchOf(DesktopConfigSchema).optional(),
    inbox: patchOf(InboxConfigSchema).optional(),
    training: patchOf(TrainingConfigSchema).optional()
  })
  .strict()
export type ConfigPatch = z.infer<typeof ConfigPatchSchema>

/** Reads a dotted key from a config-like object. */
export function getKey(obj: unknown, key: string): unknown {
  let cur: unknown = obj
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}

/** Sets a dotted key on a plain object, creating sections as needed. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.')
  let cur = obj
  for (const part of parts.slice(0, -1)) {
    const next = cur[part]
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[part] = {}
    cur = cur[part] as Record<string, unknown>
  }
  cur[parts[parts.length - 1]!] = value
}

/** Removes a dotted key from a plain object (no-op when missing). */
export function deleteKey(obj: Record<string, unknown>, key: string): void {
  const parts = key.split('.')
  let cur: unknown = obj
  for (const part of parts.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return
    cur = (cur as Record<string, unknown>)[part]
  }
  if (cur !== null && typeof cur === 'object') delete (cur as Record<string, unknown>)[parts[parts.length - 1]!]
}
