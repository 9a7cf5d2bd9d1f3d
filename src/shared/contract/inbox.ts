/**
 * The inbox domain: the local file channel's figures (<data dir>/ipc/<group>/, spec-messaging.md) —
 * what was handled, what failed (the error store, newest first) and the answers still waiting for
 * the sender's ACK. `inbox.changed` pushes the same snapshot `inbox.status` answers (throttled).
 */
import { z } from 'zod'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { INBOX_EVENTS, INBOX_METHODS } from './names'

export const INBOX_ERROR_STAGES = ['invalid', 'handler', 'ack-timeout', 'send', 'refused'] as const

export const InboxErrorSchema = z.object({
  /** Row id in the error store. */
  id: z.number().int(),
  at: z.string(),
  group: z.string(),
  stage: z.enum(INBOX_ERROR_STAGES),
  error: z.string(),
  messageId: z.string().nullable(),
  type: z.string().nullable(),
  /** The file kept in errors/ (relative to the group folder), when there is one. */
  file: z.string().nullable()
})
export type InboxError = z.infer<typeof InboxErrorSchema>

export const InboxPendingAckSchema = z.object({
  id: z.string(),
  group: z.string(),
  type: z.string(),
  attempts: z.number().int().nonnegative(),
  firstSentAt: z.string()
})
export type InboxPendingAck = z.infer<typeof InboxPendingAckSchema>

export const InboxGroupSchema = z.object({
  group: z.string(),
  handled: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** ISO time of the last message handled in this group (null: none since start). */
  lastMessageAt: z.string().nullable()
})

export const InboxStatusSchema = z.object({
  enabled: z.boolean(),
  /** Whether the file channel is watching right now. */
  running: z.boolean(),
  /** <data dir>/ipc */
  root: z.string(),
  groups: z.array(InboxGroupSchema),
  /** Messages handled since start (every group). */
  handled: z.number().int().nonnegative(),
  /** Re-delivered ids not handled again since start. */
  duplicates: z.number().int().nonnegative(),
  /** Errors in the error store (all time). */
  errorCount: z.number().int().nonnegative(),
  /** The newest errors (at most 20). */
  errors: z.array(InboxErrorSchema),
  /** Answers waiting for the sender's ACK (every group), however many the list shows. */
  pendingAckCount: z.number().int().nonnegative(),
  /** The oldest of them (at most 100): the next to be resent or given up to the error store. */
  pendingAcks: z.array(InboxPendingAckSchema),
  ackTimeoutMs: z.number().int(),
  maxRetries: z.number().int(),
  retryDelayMs: z.number().int(),
  at: z.string()
})
export type InboxStatus = z.infer<typeof InboxStatusSchema>

export const InboxErrorsInputSchema = z
  .object({
    limit: z.number().int().min(1).max(1000).default(100),
    group: z.string().min(1).max(128).optional()
  })
  .strict()
  .prefault({})

export const inboxMethods = {
  'inbox.status': method(NoInput, InboxStatusSchema, 'The inbox: groups, handled and failed counts, the newest errors and the answers waiting for an ACK'),
  'inbox.errors': method(
    InboxErrorsInputSchema,
    z.object({ total: z.number().int().nonnegative(), errors: z.array(InboxErrorSchema) }),
    'The error store, newest first (optionally one group)'
  )
} as const satisfies MethodTableOf<typeof INBOX_METHODS>

export const inboxEvents = {
  /** The inbox snapshot, pushed at most every 500 ms while something changes. */
  'inbox.changed': InboxStatusSchema
} as const satisfies EventTableOf<typeof INBOX_EVENTS>
