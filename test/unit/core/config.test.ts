import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../src/main/config/load'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-cfg-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function write(name: string, text: string): string {
  const p = path.join(dir, name)
  fs.writeFileSync(p, text)
  return p
}

describe('loadConfig', () => {
  it('uses the spec defaults when nothing is set', () => {
    const { config, filePath } = loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir } })
    expect(config.database).toMatchObject({ driver: 'sqlite', host: 'localhost', port: 3306, user: 'ragnarok', database: 'ragnarok', pool_size: 5 })
    expect(config.polling).toMatchObject({ interval_ms: 100, batch_size: 100, worker_count: 32, max_retries: 3 })
    expect(config.ai_service).toMatchObject({ base_url: 'http://localhost:8000', timeout_seconds: 10 })
    expect(config.admin.port).toBe(8787)
    expect(config.coordinator.port).toBe(8001)
    expect(config.data_dir).toBe(dir)
    expect(filePath).toBe(path.join(dir, 'config.yaml'))
  })

  it("reads the old Python service's YAML file as-is (--config)", () => {
    const file = write(
      'ai_ipc.yaml',
      `database:\n  host: db.local\n  port: 3307\n  user: rathena\n  password: s3cret\n  database: ragnarok\n  pool_size: 10\npolling:\n  interval_ms: 50\n  batch_size: 200\n  worker_count: 8\n  max_retries: 5\nai_service:\n  base_url: http://ai:8000\n  timeout_seconds: 5\nlogging:\n  level: debug\n  format: json\n`
    )
    const { config, filePath } = loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir } })
    expect(filePath).toBe(file)
    expect(config.database).toMatchObject({ host: 'db.local', port: 3307, user: 'rathena', password: 's3cret', pool_size: 10 })
    expect(config.polling).toMatchObject({ interval_ms: 50, batch_size: 200, worker_count: 8, max_retries: 5 })
    expect(config.logging).toEqual({ level: 'debug', format: 'json' })
  })

  it("accepts the old service's logging spellings (INFO, WARNING, CRITICAL, JSON)", () => {
    const file = write('old.yaml', 'logging:\n  level: WARNING\n  format: JSON\n')
    expect(loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir } }).config.logging).toEqual({ level: 'warn', format: 'json' })
    for (const [given, want] of [['INFO', 'info'], ['DEBUG', 'debug'], ['CRITICAL', 'error'], ['Error', 'error']] as const) {
      expect(loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, LOG_LEVEL: given } }).config.logging.level).toBe(want)
    }
    expect(() => loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, LOG_LEVEL: 'LOUD' } })).toThrowError(/logging.level = "LOUD" \(from environment variable LOG_LEVEL\)/)
  })

  it('finds the file through WARP_HOST_CONFIG and AI_IPC_CONFIG', () => {
    const a = write('a.yaml', 'polling:\n  batch_size: 7\n')
    expect(loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, WARP_HOST_CONFIG: a } }).config.polling.batch_size).toBe(7)
    expect(loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, AI_IPC_CONFIG: a } }).config.polling.batch_size).toBe(7)
    expect(loadConfig({ argv: [`--config=${a}`], env: { WARP_HOST_DATA_DIR: dir } }).config.polling.batch_size).toBe(7)
  })

  it('lets environment variables override the file, with the old names', () => {
    const file = write('c.yaml', 'database:\n  host: fromfile\npolling:\n  interval_ms: 500\n')
    const { config, envLocked } = loadConfig({
      argv: ['--config', file],
      env: {
        WARP_HOST_DATA_DIR: dir,
        DB_HOST: 'fromenv',
        DB_PORT: '3310',
        DB_DRIVER: 'mysql',
        DB_PASSWORD: '',
        POLL_INTERVAL_MS: '10',
        BATCH_SIZE: '100',
        WORKER_COUNT: '16',
        AI_SERVICE_BASE_URL: 'https://ai.example:9000',
        AI_SERVICE_TIMEOUT: '2.5',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        HOST_ZONES: 'prontera, geffen,,izlude',
        COORDINATOR_PORT: '9001',
        ADMIN_PORT: '0'
      }
    })
    expect(config.database).toMatchObject({ host: 'fromenv', port: 3310, driver: 'mysql', password: '' })
    expect(config.polling).toMatchObject({ interval_ms: 10, batch_size: 100, worker_count: 16 })
    expect(config.ai_service).toMatchObject({ base_url: 'https://ai.example:9000', timeout_seconds: 2.5 })
    expect(config.logging).toEqual({ level: 'warn', format: 'json' })
    expect(config.hosting.zones).toEqual(['prontera', 'geffen', 'izlude'])
    expect(config.coordinator.port).toBe(9001)
    expect(config.admin.port).toBe(0)
    expect(envLocked['database.host']).toBe('DB_HOST')
    expect(envLocked['polling.interval_ms']).toBe('POLL_INTERVAL_MS')
  })

  it('names the key, the value, the source and what is allowed for a bad env value', () => {
    let err: unknown
    try {
      loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, POLL_INTERVAL_MS: '5', DB_DRIVER: 'oracle', DB_PORT: 'abc' } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const msg = (err as ConfigError).message
    expect(msg).toContain('polling.interval_ms = 5 (from environment variable POLL_INTERVAL_MS)')
    expect(msg).toMatch(/>=\s*10/)
    expect(msg).toContain('database.driver = "oracle" (from environment variable DB_DRIVER)')
    expect(msg).toMatch(/sqlite.*mysql/)
    expect(msg).toContain('database.port = "abc"')
    expect((err as ConfigError).problems).toHaveLength(3)
  })

  it('names the file for a bad value in it', () => {
    const file = write('bad.yaml', 'ai_service:\n  base_url: ftp://nope\nlogging:\n  level: loud\n')
    expect(() => loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir } })).toThrowError(
      new RegExp(`ai_service.base_url = "ftp://nope" \\(from config file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): must be an http`)
    )
  })

  it('rejects a file that is not YAML, not a mapping, or missing', () => {
    const broken = write('broken.yaml', 'database:\n  host: [unclosed\n')
    expect(() => loadConfig({ argv: ['--config', broken], env: { WARP_HOST_DATA_DIR: dir } })).toThrowError(/not valid YAML/)
    const list = write('list.yaml', '- a\n- b\n')
    expect(() => loadConfig({ argv: ['--config', list], env: { WARP_HOST_DATA_DIR: dir } })).toThrowError(/must be a YAML mapping/)
    expect(() => loadConfig({ argv: ['--config', path.join(dir, 'nope.yaml')], env: {} })).toThrowError(/does not exist/)
  })

  it('reports unknown keys without failing', () => {
    const file = write('u.yaml', 'polling:\n  intervl_ms: 10\nmystery: 1\n')
    const { unknownKeys } = loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir } })
    expect(unknownKeys.sort()).toEqual(['mystery', 'polling.intervl_ms'])
  })

  it('takes secrets from the secret store, below the environment', () => {
    const { config } = loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir }, secrets: { 'database.password': 'kept' } })
    expect(config.database.password).toBe('kept')
    const withEnv = loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, DB_PASSWORD: 'env' }, secrets: { 'database.password': 'kept' } })
    expect(withEnv.config.database.password).toBe('env')
  })
})
