/**
 * The Settings form, described as data: every editable config field with its section, label,
 * input kind and the shared zod schema that validates it (the very rules main enforces), plus how
 * a typed value becomes a config value and how a zod issue reads in the form.
 */
import type { z } from 'zod'
import {
  AdminConfigSchema,
  AiServiceConfigSchema,
  CoordinatorConfigSchema,
  DatabaseConfigSchema,
  DesktopConfigSchema,
  HostingConfigSchema,
  InboxConfigSchema,
  LoggingConfigSchema,
  PollingConfigSchema,
  SECRET_KEYS,
  TrainingConfigSchema,
  type ConfigSection
} from '../../../../shared/config-schema'
import { NOTIFICATION_KINDS } from '../../../../shared/contract/app'

export type FieldKind = 'text' | 'number' | 'boolean' | 'select' | 'list' | 'secret'

export interface FieldDef {
  /** Dotted config key, e.g. "polling.interval_ms". */
  key: string
  label: string
  kind: FieldKind
  schema: z.ZodType
  help?: string
  /** Choices of a select. */
  options?: readonly string[]
  placeholder?: string
}

export interface SectionDef {
  id: ConfigSection
  title: string
  description: string
  fields: FieldDef[]
}

type Shape<S> = S extends z.ZodObject<infer T> ? T : never

function fieldsOf<S extends z.ZodObject>(
  section: ConfigSection,
  schema: S,
  defs: { [K in keyof Shape<S> & string]?: Omit<FieldDef, 'key' | 'schema'> }
): FieldDef[] {
  return Object.entries(defs).map(([name, def]) => ({
    ...(def as Omit<FieldDef, 'key' | 'schema'>),
    key: `${section}.${name}`,
    schema: schema.shape[name] as z.ZodType
  }))
}

export const SECTIONS: SectionDef[] = [
  {
    id: 'database',
    title: 'Database',
    description: 'Where the AI request queue lives: the embedded SQLite file or the rAthena MariaDB/MySQL.',
    fields: fieldsOf('database', DatabaseConfigSchema, {
      driver: { label: 'Driver', kind: 'select', options: ['sqlite', 'mysql'], help: 'sqlite = embedded queue in the data folder; mysql = the game database.' },
      sqlite_path: { label: 'SQLite file', kind: 'text', help: 'Empty = ai-ipc.db in the data folder.', placeholder: '<data folder>/ai-ipc.db' },
      host: { label: 'Host', kind: 'text' },
      port: { label: 'Port', kind: 'number' },
      database: { label: 'Database name', kind: 'text' },
      user: { label: 'User', kind: 'text' },
      password: { label: 'Password', kind: 'secret' },
      pool_size: { label: 'Connection pool size', kind: 'number' }
    })
  },
  {
    id: 'polling',
    title: 'Polling',
    description: 'How often the AI request poller looks for new rows and how many it works on at once.',
    fields: fieldsOf('polling', PollingConfigSchema, {
      enabled: { label: 'Poll for AI requests', kind: 'boolean' },
      interval_ms: { label: 'Interval (ms)', kind: 'number', help: 'Between polls, 10 – 60,000.' },
      batch_size: { label: 'Batch size', kind: 'number', help: 'Rows claimed per poll.' },
      worker_count: { label: 'Workers', kind: 'number', help: 'Requests handled in parallel.' },
      max_retries: { label: 'Max retries', kind: 'number' },
      stuck_after_seconds: {
        label: 'Lease (s)',
        kind: 'number',
        help: 'A live poller renews its rows every third of this; rows a crashed poller stops renewing go back to pending after it.'
      },
      status_every_polls: { label: 'Status line every N polls', kind: 'number' }
    })
  },
  {
    id: 'ai_service',
    title: 'AI service',
    description: 'The HTTP service that answers NPC AI requests.',
    fields: fieldsOf('ai_service', AiServiceConfigSchema, {
      base_url: { label: 'Base URL', kind: 'text', placeholder: 'http://localhost:8000' },
      timeout_seconds: { label: 'Timeout (s)', kind: 'number' },
      allowed_origins: { label: 'Extra allowed origins', kind: 'list', help: 'Comma-separated http(s) URLs the proxy handler may reach.' }
    })
  },
  {
    id: 'logging',
    title: 'Logging',
    description: 'What the app writes to its log (this page’s Logs view shows the same stream).',
    fields: fieldsOf('logging', LoggingConfigSchema, {
      level: { label: 'Level', kind: 'select', options: ['debug', 'info', 'warn', 'error'] },
      format: { label: 'Console format', kind: 'select', options: ['text', 'json'] }
    })
  },
  {
    id: 'admin',
    title: 'Admin dashboard',
    description: 'The headless dashboard and its bridge. Changes take effect after the app restarts.',
    fields: fieldsOf('admin', AdminConfigSchema, {
      host: { label: 'Bind address', kind: 'text', help: '127.0.0.1 keeps the dashboard on this machine.' },
      port: { label: 'Port', kind: 'number', help: '0 = any free port.' },
      token: { label: 'Admin token', kind: 'secret', help: 'Not set = a generated token kept in <data folder>/admin-token.' }
    })
  },
  {
    id: 'coordinator',
    title: 'Coordinator',
    description: 'The host registry players use to find sessions: a remote coordinator, or the embedded one.',
    fields: fieldsOf('coordinator', CoordinatorConfigSchema, {
      url: { label: 'Remote URL', kind: 'text', help: 'Empty = run the embedded local registry.', placeholder: 'https://coordinator.example.com' },
      api_key: {
        label: 'API key',
        kind: 'secret',
        help: 'The X-API-Key of the remote coordinator, or of the embedded one (empty = a generated key, shown with a copy button on the Hosts & Zones page).'
      },
      host: { label: 'Embedded bind address', kind: 'text', help: '127.0.0.1 = this machine only; a LAN address lets other players reach the registry.' },
      port: { label: 'Embedded port', kind: 'number' }
    })
  },
  {
    id: 'hosting',
    title: 'Hosting',
    description: 'The zones this host serves to other players.',
    fields: fieldsOf('hosting', HostingConfigSchema, {
      zones: { label: 'Zones', kind: 'list', help: 'Comma-separated zone ids; empty = not hosting.', placeholder: 'prontera, geffen' },
      max_players: { label: 'Max players per session', kind: 'number', help: 'The zone’s own maximum applies too; the smaller wins.' },
      tick_ms: { label: 'Relay tick (ms)', kind: 'number', help: 'Game packets for a player are batched over this tick (20 ms fits 50 players).' },
      heartbeat_ms: { label: 'Heartbeat (ms)', kind: 'number', help: 'A player silent for 3 heartbeats is removed.' },
      max_buffered_bytes: { label: 'Max buffered bytes per player', kind: 'number', help: 'A player whose connection backs up beyond this is dropped.' },
      ice_servers: { label: 'ICE servers', kind: 'list', help: 'STUN/TURN URLs, comma-separated; empty = none (LAN). No public server is added.', placeholder: 'stun:stun.example.com:3478, turn:turn.example.com:3478' },
      turn_username: { label: 'TURN username', kind: 'text' },
      turn_credential: { label: 'TURN credential', kind: 'secret' }
    })
  },
  {
    id: 'desktop',
    title: 'Desktop app',
    description: 'Notifications and updates of the desktop app (the headless server ignores these). Start at login is just below.',
    fields: fieldsOf('desktop', DesktopConfigSchema, {
      notifications: { label: 'Desktop notifications', kind: 'boolean', help: 'Off = no notification of any kind.' },
      muted_notifications: {
        label: 'Muted kinds',
        kind: 'list',
        help: `Comma-separated kinds not to notify: ${NOTIFICATION_KINDS.join(', ')}.`,
        placeholder: 'training.completed, service.recovered'
      },
      auto_update: { label: 'Automatic updates', kind: 'boolean', help: 'Checks 10 s after start and every 4 hours; a downloaded update installs on restart.' }
    })
  },
  {
    id: 'inbox',
    title: 'Inbox',
    description: 'Messages and operator commands from local programs, dropped as files into <data folder>/ipc/<group>/messages/ (or sent with `warp-host send`).',
    fields: fieldsOf('inbox', InboxConfigSchema, {
      enabled: { label: 'Enabled', kind: 'boolean', help: 'Watch the ipc folder and answer operator commands.' },
      ack_timeout_ms: { label: 'ACK timeout (ms)', kind: 'number', help: 'A message sent with requiresAck is resent when no ACK came within this time.' },
      max_retries: { label: 'Resends', kind: 'number', help: 'Resends after the first try; then the message goes to the error store.' },
      retry_delay_ms: { label: 'Retry delay (ms)', kind: 'number', help: 'Wait between an ACK timeout and the resend.' },
      rescan_ms: { label: 'Rescan (ms)', kind: 'number', help: 'Safety-net rescan of every group folder (file watching can miss events); new group folders appear within it.' },
      settle_ms: { label: 'Settle time (ms)', kind: 'number', help: 'A file that is not valid JSON yet gets this long before it goes to errors/.' },
      max_message_bytes: { label: 'Max message size (bytes)', kind: 'number' },
      concurrency: { label: 'Files at once', kind: 'number', help: 'Message files handled in parallel.' },
      ack_responses: { label: 'Answers need an ACK', kind: 'boolean', help: 'Answers ask the sender to ACK them ({"ack": id} in messages/) and are resent until it does.' },
      retention_hours: { label: 'Retention (hours)', kind: 'number', help: 'Uncollected ACK and response files are removed after this; handled ids are remembered as long (de-duplication).' }
    })
  },
  {
    id: 'training',
    title: 'Training (RabbitMQ)',
    description: 'The broker the AI service trains through: jobs are submitted to its request queue, progress and results come back on the update and result queues.',
    fields: fieldsOf('training', TrainingConfigSchema, {
      enabled: { label: 'Use RabbitMQ', kind: 'boolean', help: 'Off = the Training page shows the stored history only (ENABLE_RABBITMQ).' },
      host: { label: 'Host', kind: 'text', placeholder: 'localhost' },
      port: { label: 'Port', kind: 'number' },
      user: { label: 'User', kind: 'text', help: 'guest/guest only works from the broker’s own machine.' },
      password: { label: 'Password', kind: 'secret' },
      vhost: { label: 'Virtual host', kind: 'text', placeholder: '/' },
      ssl: { label: 'TLS (amqps)', kind: 'boolean' },
      request_queue: { label: 'Request queue', kind: 'text', placeholder: 'train_request_q' },
      update_queue: { label: 'Update queue', kind: 'text', placeholder: 'train_update_q' },
      result_queue: { label: 'Result queue', kind: 'text', placeholder: 'train_result_q' },
      dead_letter_exchange: { label: 'Dead-letter exchange', kind: 'text', help: 'Malformed messages are rejected to it; empty = they are dropped.' },
      dead_letter_queue: { label: 'Dead-letter queue', kind: 'text', help: 'Bound to the dead-letter exchange; rejected messages wait there for inspection.' },
      prefetch: { label: 'Prefetch', kind: 'number', help: 'Messages the broker sends ahead; stored in batches up to this.' }
    })
  }
]

export const ALL_FIELDS: FieldDef[] = SECTIONS.flatMap((s) => s.fields)

const SECRET_SET = new Set<string>(SECRET_KEYS)
export function isSecretKey(key: string): boolean {
  return SECRET_SET.has(key)
}

/** A config value as it appears in its input. */
export function toInputValue(def: FieldDef, value: unknown): string | boolean {
  if (def.kind === 'boolean') return value === true
  if (def.kind === 'list') return Array.isArray(value) ? value.join(', ') : ''
  if (value === undefined || value === null) return ''
  return String(value)
}

export type ParsedField = { ok: true; value: unknown } | { ok: false; message: string }

/** What was typed → the config value, validated by the field's shared schema. */
export function parseInput(def: FieldDef, input: string | boolean): ParsedField {
  let candidate: unknown = input
  if (def.kind === 'number') {
    const text = String(input).trim()
    if (text === '') return { ok: false, message: 'required' }
    const n = Number(text)
    if (!Number.isFinite(n)) return { ok: false, message: 'must be a number' }
    candidate = n
  } else if (def.kind === 'list') {
    candidate = String(input)
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
  }
  const parsed = def.schema.safeParse(candidate)
  if (parsed.success) return { ok: true, value: parsed.data }
  const issue = parsed.error.issues[0]
  return { ok: false, message: issue ? describeIssue(issue, def.kind === 'list') : 'is not valid' }
}

/** A zod issue in the words a form uses ("must be at least 10"). */
export function describeIssue(issue: z.core.$ZodIssue, inList = false): string {
  const prefix = inList && typeof issue.path[0] === 'number' ? `item ${issue.path[0] + 1}: ` : ''
  return prefix + issueText(issue)
}

function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      if (!issue.message.startsWith('Too small')) return issue.message
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`
      return issue.inclusive === false ? `must be more than ${issue.minimum}` : `must be at least ${issue.minimum}`
    case 'too_big':
      if (!issue.message.startsWith('Too big')) return issue.message
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`
      return issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be at most ${issue.maximum}`
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number'
      if (issue.expected === 'number') return 'must be a number'
      return issue.message
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`
    default:
      return issue.message
  }
}

/** The form field a server issue path ("polling.interval_ms", "hosting.zones.2") belongs to. */
export function fieldForIssuePath(path: string): FieldDef | undefined {
  let best: FieldDef | undefined
  for (const def of ALL_FIELDS) {
    if ((path === def.key || path.startsWith(`${def.key}.`)) && (!best || def.key.length > best.key.length)) best = def
  }
  return best
}
