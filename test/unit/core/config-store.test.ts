import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ContractCallError } from '../../../src/shared/contract'
import { ConfigPatchSchema } from '../../../src/shared/config-schema'
import { ConfigStore } from '../../../src/main/config/config-store'
import { loadConfig } from '../../../src/main/config/load'
import { FileSecretStore } from '../../../src/main/config/secrets'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-cfgstore-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function open(env: NodeJS.ProcessEnv = {}): { store: ConfigStore; secrets: FileSecretStore; file: string } {
  const file = path.join(dir, 'config.yaml')
  const fullEnv = { WARP_HOST_DATA_DIR: dir, ...env }
  const secrets = new FileSecretStore(dir)
  const loaded = loadConfig({ argv: [], env: fullEnv, secrets: secrets.getAll() })
  return { store: new ConfigStore(loaded, secrets, fullEnv), secrets, file }
}

describe('ConfigStore', () => {
  it('writes a valid patch to the YAML file, keeping the admin’s comments', () => {
    fs.writeFileSync(path.join(dir, 'config.yaml'), '# my notes\npolling:\n  # keep me\n  interval_ms: 100\n')
    const { store, file } = open()
    const change = store.update({ polling: { interval_ms: 20, batch_size: 300 } })
    expect(change.changed.sort()).toEqual(['polling.batch_size', 'polling.interval_ms'])
    const text = fs.readFileSync(file, 'utf8')
    expect(text).toContain('# my notes')
    expect(text).toContain('# keep me')
    expect(text).toContain('interval_ms: 20')
    expect(open().store.config.polling.batch_size).toBe(300)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  })

  it('rejects an invalid patch naming each field, and writes nothing', () => {
    const { store, file } = open()
    let err: unknown
    try {
      store.update({ polling: { interval_ms: 5 }, ai_service: { base_url: 'gopher://x' } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ContractCallError)
    const e = err as ContractCallError
    expect(e.code).toBe('bad_input')
    expect(e.issues?.map((i) => i.path).sort()).toEqual(['ai_service.base_url', 'polling.interval_ms'])
    expect(fs.existsSync(file)).toBe(false)
    expect(store.config.polling.interval_ms).toBe(100)
  })

  it('refuses to change a key fixed by an environment variable', () => {
    const { store } = open({ POLL_INTERVAL_MS: '10' })
    expect(() => store.update({ polling: { interval_ms: 20 } })).toThrowError(/POLL_INTERVAL_MS/)
    expect(store.view().envLocked['polling.interval_ms']).toBe('POLL_INTERVAL_MS')
  })

  it('keeps secrets out of the YAML file and out of the view', () => {
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'database:\n  password: inyaml\n  host: h\n')
    const { store, file } = open()
    expect(store.view().config.database.password).toBe('')
    expect(store.view().secretsSet['database.password']).toBe(true)
    store.update({ database: { password: 'n3w' } })
    expect(fs.readFileSync(file, 'utf8')).not.toContain('inyaml')
    expect(fs.readFileSync(file, 'utf8')).not.toContain('n3w')
    expect(store.config.database.password).toBe('n3w')
    expect(JSON.stringify(store.view())).not.toContain('n3w')
    const secretsFile = path.join(dir, 'secrets.json')
    expect(fs.statSync(secretsFile).mode & 0o777).toBe(0o600)
    expect(open().store.config.database.password).toBe('n3w')
  })

  it('changes only the fields a patch names (no defaults filled in for the others)', () => {
    const { store, file } = open({ LOG_FORMAT: 'json' })
    store.update({ polling: { batch_size: 73 } })
    const change = store.update({ polling: { interval_ms: 250 } })
    expect(change.changed).toEqual(['polling.interval_ms'])
    expect(store.config.polling.batch_size).toBe(73)
    expect(fs.readFileSync(file, 'utf8')).not.toContain('worker_count')
    // a section with an env-locked field can still be edited in its other fields
    expect(store.update({ logging: { level: 'debug' } }).changed).toEqual(['logging.level'])
  })

  it('parses patches strictly: unknown keys and wrong types are refused by the schema', () => {
    expect(ConfigPatchSchema.safeParse({ polling: { batch_size: 10 } }).data).toEqual({ polling: { batch_size: 10 } })
    expect(ConfigPatchSchema.safeParse({ polling: { batchsize: 10 } }).success).toBe(false)
    expect(ConfigPatchSchema.safeParse({ nope: {} }).success).toBe(false)
    expect(ConfigPatchSchema.safeParse({ polling: { interval_ms: 5 } }).success).toBe(false)
  })

  it('notifies listeners only when something changed', () => {
    const { store } = open()
    const seen: string[][] = []
    store.onChange((c) => seen.push(c.changed))
    store.update({ logging: { level: 'info' } })
    store.update({ logging: { level: 'debug' } })
    expect(seen).toEqual([['logging.level']])
  })

  it('reload applies what the file now says without writing it: a key taken out goes back to its default, env and secrets still win', () => {
    const file = path.join(dir, 'config.yaml')
    fs.writeFileSync(file, '# operator notes\npolling:\n  batch_size: 7\n  interval_ms: 100\n')
    new FileSecretStore(dir).set('coordinator.api_key', 'from-the-secret-store-0123')
    const { store } = open({ POLL_INTERVAL_MS: '250' })
    const seen: string[][] = []
    store.onChange((c) => seen.push(c.changed))
    expect(store.config.polling).toMatchObject({ batch_size: 7, interval_ms: 250 })
    const text = '# operator notes, changed\ninbox:\n  retention_hours: 48\ncoordinator:\n  api_key: from-the-file-0123456789\npoling:\n  batch_size: 9\n'
    fs.writeFileSync(file, text)
    const change = store.reload()
    expect(change.changed.sort()).toEqual(['inbox.retention_hours', 'polling.batch_size'])
    expect(store.config.polling.batch_size).toBe(100) // the default
    expect(store.config.polling.interval_ms).toBe(250) // POLL_INTERVAL_MS
    expect(store.config.inbox.retention_hours).toBe(48)
    expect(store.config.coordinator.api_key).toBe('from-the-secret-store-0123')
    expect(store.view().unknownKeys).toEqual([{ key: 'poling', suggestion: 'polling' }])
    expect(fs.readFileSync(file, 'utf8')).toBe(text) // not written
    expect(seen).toEqual([change.changed])
    expect(store.reload().changed).toEqual([])
    expect(seen).toHaveLength(1)
  })

  it('reload refuses a file that does not validate, naming the key, and keeps the configuration', () => {
    const file = path.join(dir, 'config.yaml')
    fs.writeFileSync(file, 'polling:\n  batch_size: 7\n')
    const { store } = open()
    fs.writeFileSync(file, 'polling:\n  batch_size: -3\n')
    expect(() => store.reload()).toThrow(ContractCallError)
    try {
      store.reload()
    } catch (err) {
      expect(err).toMatchObject({ code: 'bad_input', issues: [expect.objectContaining({ path: 'polling.batch_size' })] })
    }
    expect(store.config.polling.batch_size).toBe(7)
    expect(fs.readFileSync(file, 'utf8')).toBe('polling:\n  batch_size: -3\n')
  })
})
