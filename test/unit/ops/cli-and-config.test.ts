// Items 6, 7, 10 (config side): the strict command line, "did you mean", the MySQL inference for
// the Python service's files and env names, short admin tokens, unknown keys in config.get.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EX_USAGE, parseCommandLine } from '../../../src/main/cli'
import { ConfigStore } from '../../../src/main/config/config-store'
import { ConfigError, loadConfig } from '../../../src/main/config/load'
import { FileSecretStore } from '../../../src/main/config/secrets'
import { editDistance, suggestConfigKey } from '../../../src/main/config/suggest'
import { ConfigViewSchema } from '../../../src/shared/contract'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-ops-cfg-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function write(name: string, text: string): string {
  const p = path.join(dir, name)
  fs.writeFileSync(p, text)
  return p
}

describe('command line', () => {
  it('--help and --version are answered, not run', () => {
    expect(parseCommandLine(['--help'], '1.2.3')).toMatchObject({ kind: 'help', text: expect.stringContaining('--config PATH') as unknown })
    expect(parseCommandLine(['-h'], '1.2.3').kind).toBe('help')
    expect(parseCommandLine(['--version'], '1.2.3')).toEqual({ kind: 'version', text: 'warp-host 1.2.3' })
  })

  it('refuses unknown options (with a suggestion) and --config without a value', () => {
    expect(EX_USAGE).toBe(64)
    expect(parseCommandLine(['--confg', 'x.yaml'], '1')).toEqual({ kind: 'usage-error', message: 'unknown option "--confg" (did you mean --config?)' })
    expect(parseCommandLine(['--config'], '1')).toMatchObject({ kind: 'usage-error', message: expect.stringContaining('--config needs a value') as unknown })
    expect(parseCommandLine(['--config', '--help'], '1').kind).toBe('usage-error')
    expect(parseCommandLine(['--config='], '1').kind).toBe('usage-error')
    expect(parseCommandLine(['stray'], '1')).toMatchObject({ kind: 'usage-error', message: 'unexpected argument "stray"' })
  })

  it('passes --config PATH and --config=PATH through', () => {
    expect(parseCommandLine(['--config', 'a.yaml'], '1')).toEqual({ kind: 'run', argv: ['--config', 'a.yaml'] })
    expect(parseCommandLine(['--config=a.yaml'], '1')).toEqual({ kind: 'run', argv: ['--config=a.yaml'] })
    expect(parseCommandLine([], '1')).toEqual({ kind: 'run', argv: [] })
  })
})

describe('did you mean', () => {
  it('finds the intended key by edit distance', () => {
    expect(editDistance('intervl_ms', 'interval_ms')).toBe(1)
    expect(suggestConfigKey('polling.intervl_ms')).toBe('polling.interval_ms')
    expect(suggestConfigKey('databse')).toBe('database')
    expect(suggestConfigKey('database.interval_ms')).toBe('polling.interval_ms')
    expect(suggestConfigKey('ai_service.base_ulr')).toBe('ai_service.base_url')
    expect(suggestConfigKey('completely_unrelated_thing')).toBeNull()
  })

  it('config.get lists the unknown keys with their suggestion', () => {
    const file = write('u.yaml', 'polling:\n  intervl_ms: 10\nmystery_section_xyz: 1\n')
    const loaded = loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir } })
    const view = new ConfigStore(loaded, new FileSecretStore(dir), {}).view()
    expect(ConfigViewSchema.parse(view).unknownKeys).toEqual([{ key: 'polling.intervl_ms', suggestion: 'polling.interval_ms' }, { key: 'mystery_section_xyz' }])
  })
})

describe('queue backend choice', () => {
  const PYTHON_FILE = 'database:\n  host: 127.0.0.1\n  port: 3306\n  user: ragnarok\n  password: ragnarok\n  database: ragnarok\npolling:\n  interval_ms: 100\n'

  it("a Python service file (host/user/database, no driver) means MySQL, and says why", () => {
    const file = write('ai_ipc.yaml', PYTHON_FILE)
    const { config, backend } = loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir } })
    expect(config.database.driver).toBe('mysql')
    expect(backend).toMatchObject({ driver: 'mysql', inferred: true })
    expect(backend.reason).toContain(file)
    expect(backend.reason).toContain('database.host')
  })

  it("the Python service's env names mean MySQL", () => {
    const { config, backend } = loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, DB_HOST: 'db', DB_NAME: 'ragnarok' } })
    expect(config.database.driver).toBe('mysql')
    expect(backend.reason).toMatch(/DB_HOST, DB_NAME set in the environment/)
  })

  it('an explicit driver always wins (DB_DRIVER over the file, the file over inference)', () => {
    const file = write('c.yaml', PYTHON_FILE)
    const env = loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir, DB_DRIVER: 'sqlite', DB_HOST: 'db' } })
    expect(env.config.database.driver).toBe('sqlite')
    expect(env.backend).toMatchObject({ inferred: false, reason: 'DB_DRIVER=sqlite (explicit)' })
    const pinned = write('p.yaml', `${PYTHON_FILE.replace('database:\n', 'database:\n  driver: sqlite\n')}`)
    const fromFile = loadConfig({ argv: ['--config', pinned], env: { WARP_HOST_DATA_DIR: dir } })
    expect(fromFile.config.database.driver).toBe('sqlite')
    expect(fromFile.backend.inferred).toBe(false)
  })

  it('no database settings: the embedded SQLite queue', () => {
    const { config, backend } = loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir } })
    expect(config.database.driver).toBe('sqlite')
    expect(backend.reason).toMatch(/embedded/)
  })

  it('a Settings edit of the database section keeps the backend in use (writes the driver down)', () => {
    const file = write('s.yaml', 'polling:\n  interval_ms: 100\n')
    const store = new ConfigStore(loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir } }), new FileSecretStore(dir), {})
    store.update({ database: { host: 'db.example' } })
    expect(store.config.database.driver).toBe('sqlite')
    expect(fs.readFileSync(file, 'utf8')).toMatch(/driver: sqlite/)
    expect(loadConfig({ argv: ['--config', file], env: { WARP_HOST_DATA_DIR: dir } }).config.database.driver).toBe('sqlite')
  })
})

describe('admin token', () => {
  it('refuses a token shorter than 16 characters without printing it', () => {
    let err: unknown
    try {
      loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, ADMIN_TOKEN: 'short-secret' } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const msg = (err as ConfigError).message
    expect(msg).toContain('admin.token = (hidden, 12 characters) (from environment variable ADMIN_TOKEN)')
    expect(msg).toContain('at least 16 characters')
    expect(msg).not.toContain('short-secret')
  })

  it('accepts 16 characters and more, and empty (generated)', () => {
    expect(loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, ADMIN_TOKEN: '0123456789abcdef' } }).config.admin.token).toBe('0123456789abcdef')
    expect(loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir, ADMIN_TOKEN: ' 0123456789abcdef\n' } }).config.admin.token).toBe('0123456789abcdef')
    expect(loadConfig({ argv: [], env: { WARP_HOST_DATA_DIR: dir } }).config.admin.token).toBe('')
  })
})
