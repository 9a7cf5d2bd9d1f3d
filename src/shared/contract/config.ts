/**
 * The config domain: the effective configuration (secrets blanked) and validated partial updates.
 */
import { z } from 'zod'
import { ConfigPatchSchema, ConfigSchema, ENV_OVERRIDES } from '../config-schema'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { CONFIG_EVENTS, CONFIG_METHODS } from './names'

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

export const configMethods = {
  'config.get': method(NoInput, ConfigViewSchema, 'The effective configuration (secrets blanked) and where each value is locked'),
  'config.update': method(
    ConfigPatchSchema,
    ConfigUpdateResultSchema,
    'Validates a partial config, writes it to the YAML file and restarts the services it affects'
  ),
  'config.reload': method(
    NoInput,
    ConfigUpdateResultSchema,
    'Reads the YAML file again and applies what it now says (a key taken out goes back to its default), restarting the services it affects; writes nothing'
  )
} as const satisfies MethodTableOf<typeof CONFIG_METHODS>

export const configEvents = {
  /** The configuration changed (through config.update, config.reload or another window). */
  'config.changed': ConfigViewSchema
} as const satisfies EventTableOf<typeof CONFIG_EVENTS>
