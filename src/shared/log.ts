/**
 * Log entry shape shared by the main-side logger, the contract and the Logs page.
 * No Node, Electron or DOM APIs here.
 */
import { z } from 'zod'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export const LogLevelSchema = z.enum(LOG_LEVELS)

export const LogEntrySchema = z.object({
  /** Monotonic sequence number within this process; lets clients de-duplicate tail + live events. */
  seq: z.number().int().nonnegative(),
  /** ISO 8601 time. */
  time: z.string(),
  level: LogLevelSchema,
  /** The service or module that wrote the line, e.g. "ai-ipc" or "admin". */
  scope: z.string(),
  msg: z.string(),
  fields: z.record(z.string(), z.unknown()).optional()
})
export type LogEntry = z.infer<typeof LogEntrySchema>

export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level)
}
