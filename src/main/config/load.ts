/**
 * Configuration loading: defaults ← YAML file ← secret store ← environment, validated by the
 * shared zod schema. A bad file or value throws a ConfigError naming the key, the value, where it
 * came from and what is allowed — start-up stops with that message.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import type { z } from 'zod'
import {
  ConfigSchema,
  ENV_OVERRIDES,
  SECRET_KEYS,
  getKey,
  setKey,
  type Config,
  type EnvName
} from '../../shared/config-schema'

export type ConfigSource = 'default' | 'file' | 'secret' | 'env'

export interface ConfigProblem {
  key: string
  value: unknown
  source: ConfigSource
  message: string
}

export class ConfigError extends Error {
  constructor(
    readonly problems: ConfigProblem[],
    readonly filePath: string | null
  ) {
    super(formatProblems(problems, filePath))
    this.name = 'ConfigError'
  }
}

function describeSource(p: ConfigProblem, filePath: string | null): string {
  if (p.source === 'env') {
    const env = Object.entries(ENV_OVERRIDES).find(([, key]) => key === p.key)?.[0]
    return env ? `environment variable ${env}` : 'environment'
  }
  if (p.source === 'file') return filePath ? `config file ${filePath}` : 'config file'
  if (p.source === 'secret') return 'secret store'
  return 'defaults'
}

/** A secret's value never reaches a message: only its length is shown. */
function describeValue(p: ConfigProblem): string {
  if ((SECRET_KEYS as readonly string[]).includes(p.key)) {
    return typeof p.value === 'string' ? `(hidden, ${p.value.length} characters)` : '(hidden)'
  }
  return JSON.stringify(p.value)
}

function formatProblems(problems: ConfigProblem[], filePath: string | null): string {
  const lines = problems.map((p) => `  - ${p.key} = ${describeValue(p)} (from ${describeSource(p, filePath)}): ${p.message}`)
  return `Invalid configuration:\n${lines.join('\n')}`
}

export interface LoadedConfig {
  config: Config
  /** The YAML file read (and written by config.update), or null when none exists yet. */
  filePath: string | null
  /** The raw object of the file, as written there (secrets included if an admin put them there). */
  fileData: Record<string, unknown>
  /** Dotted keys set by environment variables → the variable's name. Settings shows them locked. */
  envLocked: Record<string, EnvName>
  /** Top-level or section keys in the file that the schema does not know (logged as warnings). */
  unknownKeys: string[]
  /** Which queue backend `database.driver` resolved to, and why (logged once at start). */
  backend: BackendChoice
}

export interface BackendChoice {
  driver: string
  /** One human sentence: what decided it. */
  reason: string
  /** True when no driver was given and it was inferred from the other database settings. */
  inferred: boolean
}

/** The Python service's database settings: any of them means "the rAthena MySQL/MariaDB". */
const MYSQL_FILE_KEYS = ['host', 'port', 'user', 'password', 'database', 'pool_size'] as const
const MYSQL_ENV_NAMES = ['DB_HOST', 'DB_PORT', 'DB_USER', 'DB_PASSWORD', 'DB_NAME', 'DB_POOL_SIZE'] as const

/**
 * `database.driver` when nobody set it: the Python service had no driver key (it only spoke
 * MySQL), so a file or environment that names a MySQL host/user/database means MySQL. An explicit
 * DB_DRIVER or `database.driver` always wins; with no database settings at all it is the embedded
 * SQLite queue.
 */
export function chooseBackend(fileData: Record<string, unknown>, env: NodeJS.ProcessEnv, filePath: string | null): BackendChoice {
  const fromEnv = env.DB_DRIVER
  if (fromEnv !== undefined && fromEnv !== '') return { driver: fromEnv, reason: `DB_DRIVER=${fromEnv} (explicit)`, inferred: false }
  const section = fileData.database
  const db = section && typeof section === 'object' && !Array.isArray(section) ? (section as Record<string, unknown>) : {}
  const fileName = filePath ?? 'the config file'
  if (db.driver !== undefined && db.driver !== null && db.driver !== '') {
    return { driver: String(db.driver), reason: `database.driver: ${String(db.driver)} in ${fileName} (explicit)`, inferred: false }
  }
  const envNames = MYSQL_ENV_NAMES.filter((n) => env[n] !== undefined && env[n] !== '')
  if (envNames.length > 0) {
    return {
      driver: 'mysql',
      reason: `${envNames.join(', ')} set in the environment (the Python service's names) and no DB_DRIVER or database.driver`,
      inferred: true
    }
  }
  const fileKeys = MYSQL_FILE_KEYS.filter((k) => db[k] !== undefined && db[k] !== null)
  if (fileKeys.length > 0) {
    return {
      driver: 'mysql',
      reason: `${fileName} sets ${fileKeys.map((k) => `database.${k}`).join(', ')} (a Python service config) and no database.driver`,
      inferred: true
    }
  }
  return {
    driver: 'sqlite',
    reason: 'no database.driver and no MySQL settings (database.host/user/database or DB_HOST/DB_NAME/DB_USER) given: the embedded queue',
    inferred: true
  }
}

export interface LoadOptions {
  argv?: string[]
  env?: NodeJS.ProcessEnv
  /** Data folder when neither WARP_HOST_DATA_DIR nor data_dir say (Electron passes userData). */
  defaultDataDir?: string
  /** Secrets kept by the secret store, by dotted key. */
  secrets?: Partial<Record<string, string>>
}

/** The platform's data folder for headless mode. */
export function platformDataDir(appName = 'warp-host'): string {
  const home = os.homedir()
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'WARP Host')
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'WARP Host')
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), appName)
}

/** `--config PATH` / `--config=PATH`, else WARP_HOST_CONFIG, else AI_IPC_CONFIG (the old service's name). */
export function explicitConfigPath(argv: string[], env: NodeJS.ProcessEnv): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--config' && argv[i + 1]) return path.resolve(argv[i + 1]!)
    if (a.startsWith('--config=')) return path.resolve(a.slice('--config='.length))
  }
  const fromEnv = env.WARP_HOST_CONFIG || env.AI_IPC_CONFIG
  return fromEnv ? path.resolve(fromEnv) : null
}

const DEFAULTS: Config = ConfigSchema.parse({})

function parseEnvValue(key: string, raw: string): unknown {
  const def = getKey(DEFAULTS, key)
  if (Array.isArray(def)) {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
  }
  if (typeof def === 'number') {
    const n = Number(raw)
    return raw.trim() === '' || Number.isNaN(n) ? raw : n
  }
  if (typeof def === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true
    if (/^(0|false|no|off)$/i.test(raw)) return false
    return raw
  }
  return raw
}

export function readYaml(filePath: string): Record<string, unknown> {
  let text: string
  try {
    text = fs.readFileSync(filePath, 'utf8')
  } catch (err) {
    throw new ConfigError(
      [{ key: '(file)', value: filePath, source: 'file', message: `cannot read: ${(err as Error).message}` }],
      filePath
    )
  }
  let data: unknown
  try {
    data = YAML.parse(text, { prettyErrors: true }) ?? {}
  } catch (err) {
    throw new ConfigError(
      [{ key: '(file)', value: filePath, source: 'file', message: `not valid YAML: ${(err as Error).message}` }],
      filePath
    )
  }
  if (typeof data !== 'object' || Array.isArray(data) || data === null) {
    throw new ConfigError(
      [{ key: '(file)', value: filePath, source: 'file', message: 'must be a YAML mapping (key: value) at the top level' }],
      filePath
    )
  }
  return data as Record<string, unknown>
}

export function unknownKeysOf(data: Record<string, unknown>): string[] {
  const out: string[] = []
  const shape = ConfigSchema.shape as Record<string, unknown>
  for (const [k, v] of Object.entries(data)) {
    if (!(k in shape)) {
      out.push(k)
      continue
    }
    const section = getKey(DEFAULTS, k)
    if (section && typeof section === 'object' && !Array.isArray(section) && v && typeof v === 'object') {
      for (const sub of Object.keys(v)) if (!(sub in section)) out.push(`${k}.${sub}`)
    }
  }
  return out
}

/** Validates a merged raw object, mapping zod issues to problems with their sources. */
export function validateConfig(
  raw: Record<string, unknown>,
  sourceOf: (key: string) => ConfigSource,
  filePath: string | null
): Config {
  const result = ConfigSchema.safeParse(raw)
  if (result.success) return result.data
  throw new ConfigError(issuesToProblems(result.error.issues, raw, sourceOf), filePath)
}

function issuesToProblems(
  issues: z.core.$ZodIssue[],
  raw: Record<string, unknown>,
  sourceOf: (key: string) => ConfigSource
): ConfigProblem[] {
  return issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)'
    const topKey = issue.path.length > 2 ? issue.path.slice(0, 2).map(String).join('.') : key
    return { key, value: getKey(raw, key), source: sourceOf(topKey), message: issue.message }
  })
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const argv = opts.argv ?? process.argv.slice(2)
  const env = opts.env ?? process.env
  const explicit = explicitConfigPath(argv, env)

  let filePath: string | null = explicit
  let fileData: Record<string, unknown> = {}
  if (explicit) {
    if (!fs.existsSync(explicit)) {
      throw new ConfigError(
        [{ key: '(file)', value: explicit, source: 'file', message: 'config file does not exist' }],
        explicit
      )
    }
    fileData = readYaml(explicit)
  }

  // The data folder decides where the default config file lives.
  const dataDirFromFile = typeof fileData.data_dir === 'string' && fileData.data_dir ? fileData.data_dir : ''
  const dataDir = env.WARP_HOST_DATA_DIR || dataDirFromFile || opts.defaultDataDir || platformDataDir()
  if (!explicit) {
    const candidate = path.join(dataDir, 'config.yaml')
    filePath = candidate
    if (fs.existsSync(candidate)) fileData = readYaml(candidate)
  }

  const { config, envLocked, backend } = buildConfig({ fileData, filePath, env, secrets: opts.secrets ?? {}, dataDir })
  return { config, filePath, fileData, envLocked, unknownKeys: unknownKeysOf(fileData), backend }
}

export interface BuildInput {
  fileData: Record<string, unknown>
  filePath: string | null
  env: NodeJS.ProcessEnv
  secrets: Partial<Record<string, string>>
  dataDir: string
}

/** Merges defaults ← file ← secrets ← environment and validates the result. */
export function buildConfig(input: BuildInput): { config: Config; envLocked: Record<string, EnvName>; backend: BackendChoice } {
  const { fileData, filePath, env, dataDir } = input
  const sources = new Map<string, ConfigSource>()
  const raw: Record<string, unknown> = structuredClone(fileData)
  const markFile = (obj: unknown, prefix: string): void => {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k
      sources.set(key, 'file')
      if (!prefix) markFile(v, key)
    }
  }
  markFile(fileData, '')

  for (const key of SECRET_KEYS) {
    const v = input.secrets[key]
    if (v !== undefined && v !== '') {
      setKey(raw, key, v)
      sources.set(key, 'secret')
    }
  }

  const envLocked: Record<string, EnvName> = {}
  for (const [name, key] of Object.entries(ENV_OVERRIDES) as [EnvName, string][]) {
    const v = env[name]
    if (v === undefined) continue
    // An empty DB_PASSWORD is a real value; an empty anything-else means "not set".
    if (v === '' && key !== 'database.password' && key !== 'coordinator.url' && key !== 'hosting.zones' && key !== 'hosting.ice_servers') continue
    setKey(raw, key, parseEnvValue(key, v))
    sources.set(key, 'env')
    envLocked[key] = name
  }
  raw.data_dir = dataDir
  const backend = chooseBackend(fileData, env, filePath)
  if (backend.inferred) setKey(raw, 'database.driver', backend.driver)

  const config = validateConfig(raw, (key) => sources.get(key) ?? 'default', filePath)
  return { config, envLocked, backend }
}

/** Flattens a config-like object to dotted keys (two levels: section.key). */
export function flattenConfig(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [sk, sv] of Object.entries(v)) out[`${k}.${sk}`] = sv
    } else out[k] = v
  }
  return out
}
