/**
 * The live configuration: what was loaded, the redacted view the renderer sees, and validated
 * updates. An update is checked against the whole schema (with env overrides applied) before
 * anything is written; the YAML file is edited in place so an admin's comments survive; secrets
 * go to the secret store, never into the YAML file. A reload applies what the file now says and
 * writes nothing.
 */
import fs from 'node:fs'
import YAML from 'yaml'
import { ContractCallError, type ConfigView } from '../../shared/contract'
import { SECRET_KEYS, getKey, setKey, type Config, type ConfigPatch, type EnvName } from '../../shared/config-schema'
import { ConfigError, buildConfig, flattenConfig, readYaml, unknownKeysOf, type LoadedConfig } from './load'
import { writePrivateFile, type SecretStore } from './secrets'
import { suggestConfigKey } from './suggest'

export interface ConfigChange {
  previous: Config
  config: Config
  changed: string[]
}

export class ConfigStore {
  private loaded: LoadedConfig
  private listeners = new Set<(change: ConfigChange) => void>()

  constructor(
    loaded: LoadedConfig,
    private readonly secrets: SecretStore,
    private readonly env: NodeJS.ProcessEnv = process.env
  ) {
    this.loaded = loaded
  }

  get config(): Config {
    return this.loaded.config
  }

  get filePath(): string | null {
    return this.loaded.filePath
  }

  get envLocked(): Record<string, EnvName> {
    return this.loaded.envLocked
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  view(): ConfigView {
    const config = structuredClone(this.loaded.config)
    const secretsSet: Record<string, boolean> = {}
    for (const key of SECRET_KEYS) {
      const v = getKey(config, key)
      secretsSet[key] = typeof v === 'string' && v.length > 0
      setKey(config as unknown as Record<string, unknown>, key, '')
    }
    return {
      config,
      secretsSet,
      filePath: this.loaded.filePath,
      envLocked: this.loaded.envLocked,
      secretStorage: this.secrets.kind,
      unknownKeys: this.loaded.unknownKeys.map((key) => {
        const suggestion = suggestConfigKey(key)
        return suggestion ? { key, suggestion } : { key }
      })
    }
  }

  /** Validates and applies a patch. Throws ContractCallError('bad_input') naming each bad key. */
  update(patch: ConfigPatch): ConfigChange {
    const flat = flattenConfig(patch as Record<string, unknown>)
    const locked = Object.keys(flat).filter((k) => this.loaded.envLocked[k] !== undefined)
    if (locked.length > 0) {
      const issues = locked.map((k) => ({
        path: k,
        message: `set by environment variable ${this.loaded.envLocked[k]}; change it there`
      }))
      throw new ContractCallError('bad_input', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues)
    }

    const fileData = structuredClone(this.loaded.fileData)
    // Editing the database settings of a file without `database.driver` would flip the inferred
    // backend (a host means MySQL): keep the backend in use by writing it down explicitly.
    const touchesDatabase = Object.keys(flat).some((k) => k.startsWith('database.'))
    if (touchesDatabase && flat['database.driver'] === undefined && getKey(fileData, 'database.driver') === undefined && !this.loaded.envLocked['database.driver']) {
      flat['database.driver'] = this.loaded.config.database.driver
    }
    const secretUpdates: Record<string, string> = {}
    const secretSet = new Set<string>(SECRET_KEYS)
    for (const [k, v] of Object.entries(flat)) {
      if (secretSet.has(k)) secretUpdates[k] = String(v)
      else setKey(fileData, k, v)
    }
    const secrets = { ...this.secrets.getAll(), ...secretUpdates }
    // A secret saved through the UI replaces one an admin wrote into the YAML file.
    for (const k of Object.keys(secretUpdates)) setKey(fileData, k, undefined)

    let next: Config
    try {
      next = buildConfig({
        fileData: stripUndefined(fileData),
        filePath: this.loaded.filePath,
        env: this.env,
        secrets,
        dataDir: this.loaded.config.data_dir
      }).config
    } catch (err) {
      throw asBadInput(err)
    }

    const changed = changedKeys(this.loaded.config, next)
    if (changed.length === 0) return { previous: this.loaded.config, config: next, changed }

    this.writeFile(flat, Object.keys(secretUpdates))
    for (const [k, v] of Object.entries(secretUpdates)) this.secrets.set(k, v)

    const previous = this.loaded.config
    this.loaded = { ...this.loaded, config: next, fileData: stripUndefined(fileData) }
    const change = { previous, config: next, changed }
    for (const l of this.listeners) l(change)
    return change
  }

  /**
   * Reads the YAML file again and applies what it says now, as a start would (defaults ← file ←
   * secrets ← environment): a key taken out of the file goes back to its default. Writes nothing.
   * Throws ContractCallError('bad_input') naming each bad key (nothing applied), 'unavailable'
   * without a file path.
   */
  reload(): ConfigChange {
    const file = this.loaded.filePath
    if (!file) throw new ContractCallError('unavailable', 'No configuration file path is known; start with --config PATH')
    let fileData: Record<string, unknown>
    let built: ReturnType<typeof buildConfig>
    try {
      fileData = fs.existsSync(file) ? readYaml(file) : {}
      built = buildConfig({ fileData, filePath: file, env: this.env, secrets: this.secrets.getAll(), dataDir: this.loaded.config.data_dir })
    } catch (err) {
      throw asBadInput(err)
    }
    const changed = changedKeys(this.loaded.config, built.config)
    const previous = this.loaded.config
    this.loaded = { ...this.loaded, config: built.config, fileData, envLocked: built.envLocked, unknownKeys: unknownKeysOf(fileData), backend: built.backend }
    const change = { previous, config: built.config, changed }
    if (changed.length > 0) for (const l of this.listeners) l(change)
    return change
  }

  private writeFile(flat: Record<string, unknown>, removedSecrets: string[]): void {
    const file = this.loaded.filePath
    if (!file) throw new ContractCallError('unavailable', 'No configuration file path is known; start with --config PATH')
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
    const doc = YAML.parseDocument(text)
    if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents
    for (const [k, v] of Object.entries(flat)) {
      if (removedSecrets.includes(k) || SECRET_KEYS.includes(k as (typeof SECRET_KEYS)[number])) continue
      doc.setIn(k.split('.'), v)
    }
    for (const k of removedSecrets) if (doc.hasIn(k.split('.'))) doc.deleteIn(k.split('.'))
    writePrivateFile(file, doc.toString())
  }
}

/** A configuration that does not validate, as the contract's bad_input naming each key; anything else as it is. */
function asBadInput(err: unknown): unknown {
  if (!(err instanceof ConfigError)) return err
  const issues = err.problems.map((p) => ({ path: p.key, message: p.message }))
  return new ContractCallError('bad_input', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues)
}

/** The dotted keys whose value differs between two configurations. */
function changedKeys(before: Config, after: Config): string[] {
  const a = flattenConfig(before as unknown as Record<string, unknown>)
  const b = flattenConfig(after as unknown as Record<string, unknown>)
  return Object.keys(b).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
}

function stripUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(obj)) as Record<string, unknown>
}
