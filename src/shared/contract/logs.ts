/**
 * The logs domain: the newest entries of the structured log, and new entries as they come.
 */
import { z } from 'zod'
import { LogEntrySchema, LogLevelSchema } from '../log'
import { method, type EventTableOf, type MethodTableOf } from './define'
import type { LOGS_EVENTS, LOGS_METHODS } from './names'

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

export const logsMethods = {
  'logs.tail': method(LogsTailInputSchema, z.array(LogEntrySchema), 'The newest log entries, filtered by level and text')
} as const satisfies MethodTableOf<typeof LOGS_METHODS>

export const logsEvents = {
  /** New log entries, batched (at most every 100 ms). */
  'logs.entries': z.array(LogEntrySchema)
} as const satisfies EventTableOf<typeof LOGS_EVENTS>
