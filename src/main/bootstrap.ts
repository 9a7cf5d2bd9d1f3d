/**
 * Start-up shared by both entries: load and validate the config, open the logger in the data
 * folder, pick the secret store, and build the runtime. A ConfigError escapes to the entry,
 * which prints it and exits.
 */
import path from 'node:path'
import { ConfigStore } from './config/config-store'
import { loadConfig } from './config/load'
import { FileSecretStore, type SecretStore } from './config/secrets'
import { suggestConfigKey } from './config/suggest'
import { LogSink } from './logging/logger'
import { Runtime, type RuntimeMode } from './runtime'
import type { MethodTable } from './dispatch'
import type { AnyServiceModule } from './service-module'

export interface BootOptions {
  mode: RuntimeMode
  argv?: string[]
  env?: NodeJS.ProcessEnv
  /** Data folder when neither WARP_HOST_DATA_DIR nor the file say (Electron: userData). */
  defaultDataDir?: string
  /** The Electron shell passes a safeStorage store; headless uses a 0600 file. */
  secretStore?: (dataDir: string) => SecretStore
  /** Console writer (tests collect lines). */
  write?: (line: string) => void
  /** The modules to run (default: every module of services.ts). */
  modules?: readonly AnyServiceModule[]
  /** Contract methods of modules beyond services.ts (a test's own module). */
  extraMethods?: MethodTable
}

export interface Booted {
  runtime: Runtime
  sink: LogSink
  configStore: ConfigStore
}

export function boot(opts: BootOptions): Booted {
  const env = opts.env ?? process.env
  const argv = opts.argv ?? process.argv.slice(2)
  const first = loadConfig({ argv, env, ...(opts.defaultDataDir ? { defaultDataDir: opts.defaultDataDir } : {}) })
  const dataDir = first.config.data_dir
  const secretStore = (opts.secretStore ?? ((dir: string) => new FileSecretStore(dir)))(dataDir)
  const loaded = loadConfig({
    argv,
    env,
    defaultDataDir: dataDir,
    secrets: secretStore.getAll()
  })
  const sink = new LogSink({
    level: loaded.config.logging.level,
    format: loaded.config.logging.format,
    dir: path.join(dataDir, 'logs'),
    ...(opts.write ? { write: opts.write } : {})
  })
  const log = sink.logger('config')
  log.info('configuration loaded', { file: loaded.filePath, dataDir, envOverrides: Object.values(loaded.envLocked) })
  for (const k of loaded.unknownKeys) {
    const suggestion = suggestConfigKey(k)
    log.warn(
      `unknown configuration key "${k}" in ${loaded.filePath ?? 'the config file'} ignored${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
      { key: k, file: loaded.filePath, ...(suggestion ? { suggestion } : {}) }
    )
  }
  if (loaded.config.polling.enabled) {
    log.info(`AI request queue: ${loaded.config.database.driver} — ${loaded.backend.reason}`, { driver: loaded.config.database.driver })
  }
  if (secretStore.kind === 'file') {
    log.debug('secrets are kept in a 0600 file in the data folder (no OS keychain in this mode)')
  }
  const configStore = new ConfigStore(loaded, secretStore, env)
  const runtime = new Runtime({
    configStore,
    sink,
    mode: opts.mode,
    ...(opts.modules ? { modules: opts.modules } : {}),
    ...(opts.extraMethods ? { extraMethods: opts.extraMethods } : {})
  })
  return { runtime, sink, configStore }
}
