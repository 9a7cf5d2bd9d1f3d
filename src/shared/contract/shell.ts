/**
 * The shell domain: what only the desktop app's shell can do — launch at login, the tray, the
 * updater — as contract methods, so the Settings page and the update banner use the same typed
 * calls over IPC and over the headless bridge. The runtime serves them; the Electron shell plugs
 * in the real behaviour (src/main/electron/shell-port.ts). Headless, `shell.info` reports
 * `available: false` and the actions answer `unavailable`.
 */
import { z } from 'zod'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { SHELL_EVENTS, SHELL_METHODS } from './names'

export const TRAY_STATES = ['idle', 'hosting', 'error'] as const
export const TrayStateSchema = z.enum(TRAY_STATES)
export type TrayState = z.infer<typeof TrayStateSchema>

/**
 * The updater's phase: `unsupported` (headless, or an unpackaged app), `disabled` (the
 * desktop.auto_update setting is off), `idle` (no update found yet / up to date), `checking`,
 * `downloading`, `ready` (downloaded; restarting installs it), `error` (the last check failed).
 */
export const UPDATE_PHASES = ['unsupported', 'disabled', 'idle', 'checking', 'downloading', 'ready', 'error'] as const
export const UpdatePhaseSchema = z.enum(UPDATE_PHASES)
export type UpdatePhase = z.infer<typeof UpdatePhaseSchema>

export const UpdateStateSchema = z.object({
  phase: UpdatePhaseSchema,
  /** The version found (downloading / ready), else null. */
  version: z.string().max(100).nullable(),
  /** Download progress 0–100 while downloading, else null. */
  percent: z.number().min(0).max(100).nullable(),
  /** Why the last check failed, or why updates are unsupported. */
  message: z.string().max(1000).nullable(),
  /** ISO time of the last finished check. */
  checkedAt: z.string().nullable()
})
export type UpdateState = z.infer<typeof UpdateStateSchema>

export const ShellInfoSchema = z.object({
  /** True in the desktop app; false headless (the fields below then say "not applicable"). */
  available: z.boolean(),
  /** Why the desktop features are not available, when they are not. */
  reason: z.string().nullable(),
  launchAtLogin: z.object({ supported: z.boolean(), enabled: z.boolean() }),
  /** The tray icon's state; null when there is no tray (headless, or a desktop without one). */
  tray: TrayStateSchema.nullable(),
  update: UpdateStateSchema
})
export type ShellInfo = z.infer<typeof ShellInfoSchema>

export const shellMethods = {
  'shell.info': method(NoInput, ShellInfoSchema, 'Launch at login, tray and updater state of the desktop app (available: false headless)'),
  'shell.setLaunchAtLogin': method(
    z.object({ enabled: z.boolean() }).strict(),
    ShellInfoSchema,
    'Starts the desktop app at login (hidden in the tray) or stops doing so; unavailable headless'
  ),
  'shell.checkForUpdates': method(NoInput, ShellInfoSchema, 'Checks the update feed now; unavailable headless or when updates are off'),
  'shell.installUpdate': method(
    NoInput,
    z.object({ restarting: z.boolean() }),
    'Stops the services and restarts into the downloaded update; conflict when none is ready'
  )
} as const satisfies MethodTableOf<typeof SHELL_METHODS>

export const shellEvents = {
  /** The shell's state changed (launch at login, tray state, updater progress). */
  'shell.changed': ShellInfoSchema
} as const satisfies EventTableOf<typeof SHELL_EVENTS>
