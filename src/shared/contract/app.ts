/**
 * The app domain: the runtime's own status (version, uptime, memory, every service's state).
 */
import { z } from 'zod'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { APP_EVENTS, APP_METHODS } from './names'

/** `reconnecting`: a transient failure (server not answering yet); the service retries by itself. */
export const SERVICE_STATES = ['stopped', 'starting', 'running', 'reconnecting', 'stopping', 'error', 'disabled'] as const
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
  /** Last error message when state is "error" or "reconnecting". */
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

/**
 * What a desktop notification is about. The services emit `app.notification`; the Electron shell
 * shows it (unless muted), the headless dashboard may toast it. Kinds are stable ids a setting
 * can mute one by one.
 */
export const NOTIFICATION_KINDS = [
  'training.completed',
  'training.failed',
  'service.failed',
  'service.recovered',
  'hosting.session-full',
  'hosting.backlog',
  'update.ready'
] as const
export const NotificationKindSchema = z.enum(NOTIFICATION_KINDS)
export type NotificationKind = z.infer<typeof NotificationKindSchema>

export const AppNotificationSchema = z.object({
  /** Unique per notification (a UUID); the shell uses it as the notification's tag. */
  id: z.string().min(1).max(128),
  kind: NotificationKindSchema,
  level: z.enum(['info', 'warning', 'error']),
  title: z.string().min(1).max(200),
  body: z.string().max(1000),
  /** ISO time it happened. */
  at: z.string(),
  /** Where a click leads in the dashboard, e.g. {page: 'training', id: jobId}. */
  target: z.object({ page: z.string().max(64), id: z.string().max(256).optional() }).optional()
})
export type AppNotification = z.infer<typeof AppNotificationSchema>

export const appMethods = {
  'app.status': method(NoInput, AppStatusSchema, 'Version, uptime, memory and the state of every service')
} as const satisfies MethodTableOf<typeof APP_METHODS>

export const appEvents = {
  /** Sent when a service changes state, and every few seconds while anyone listens. */
  'app.status': AppStatusSchema,
  /** Something a user should hear about even with the window closed (see NOTIFICATION_KINDS). */
  'app.notification': AppNotificationSchema
} as const satisfies EventTableOf<typeof APP_EVENTS>
