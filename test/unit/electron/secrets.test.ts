/**
 * Desktop secrets: with OS encryption they are stored encrypted (never plaintext) in a 0600 file and
 * round-trip through a restart and through boot(); without it (or with Linux's basic_text fallback)
 * the app uses the 0600 file store and says clearly that secrets are not encrypted.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { boot } from '../../../src/main/bootstrap'
import { FileSecretStore } from '../../../src/main/config/secrets'
import { ENCRYPTED_SECRETS_FILE, SafeStorageSecretStore, chooseSecretStore } from '../../../src/main/electron/secrets'
import { resetFakeElectron, safeStorage } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

let dir: string

beforeEach(() => {
  resetFakeElectron()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-secrets-test-'))
})

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('safeStorage secret store', () => {
  it('is chosen when OS encryption is available, with no warning', () => {
    const choice = chooseSecretStore(dir)
    expect(choice.store).toBeInstanceOf(SafeStorageSecretStore)
    expect(choice.store.kind).toBe('safeStorage')
    expect(choice.warning).toBeNull()
  })

  it('writes an encrypted 0600 file that never contains the secret, and reads it back after a restart', () => {
    const store = new SafeStorageSecretStore(dir)
    store.set('database.password', 'hunter2-very-secret')
    store.set('coordinator.api_key', 'key-123')
    const file = path.join(dir, ENCRYPTED_SECRETS_FILE)
    const raw = fs.readFileSync(file)
    expect(raw.includes(Buffer.from('hunter2-very-secret'))).toBe(false)
    expect(safeStorage.encryptString).toHaveBeenCalled()
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(new SafeStorageSecretStore(dir).getAll()).toEqual({ 'database.password': 'hunter2-very-secret', 'coordinator.api_key': 'key-123' })
  })

  it('removes a key set to empty or null', () => {
    const store = new SafeStorageSecretStore(dir)
    store.set('a', '1')
    store.set('b', '2')
    store.set('a', null)
    store.set('b', '')
    expect(new SafeStorageSecretStore(dir).getAll()).toEqual({})
  })

  it('an undecryptable file is reported, ignored, and kept aside (not overwritten) on the next save', () => {
    fs.writeFileSync(path.join(dir, ENCRYPTED_SECRETS_FILE), 'garbage from another keychain')
    const warnings: string[] = []
    const store = new SafeStorageSecretStore(dir, (m) => warnings.push(m))
    expect(store.getAll()).toEqual({})
    expect(warnings[0]).toMatch(/could not be decrypted/)
    store.set('admin.token', 'tok')
    const aside = fs.readdirSync(dir).filter((f) => f.startsWith(`${ENCRYPTED_SECRETS_FILE}.unreadable-`))
    expect(aside).toHaveLength(1)
    expect(new SafeStorageSecretStore(dir).getAll()).toEqual({ 'admin.token': 'tok' })
  })

  it('feeds boot(): a secret saved through config.update comes back encrypted on the next start', async () => {
    const env = { WARP_HOST_DATA_DIR: dir }
    const first = boot({ mode: 'desktop', argv: [], env, write: () => undefined, modules: [], secretStore: (d) => chooseSecretStore(d).store })
    expect(first.configStore.view().secretStorage).toBe('safeStorage')
    first.configStore.update({ database: { password: 's3cret-pw' } })
    first.sink.closeFile()
    expect(fs.readFileSync(path.join(dir, ENCRYPTED_SECRETS_FILE)).includes(Buffer.from('s3cret-pw'))).toBe(false)
    expect(fs.existsSync(path.join(dir, 'secrets.json'))).toBe(false)
    const yaml = fs.existsSync(path.join(dir, 'config.yaml')) ? fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8') : ''
    expect(yaml).not.toContain('s3cret-pw')

    const second = boot({ mode: 'desktop', argv: [], env, write: () => undefined, modules: [], secretStore: (d) => chooseSecretStore(d).store })
    expect(second.runtime.config.database.password).toBe('s3cret-pw')
    expect(second.configStore.view().secretsSet['database.password']).toBe(true)
    second.sink.closeFile()
  })
})

describe('fallback when OS encryption is unavailable', () => {
  it('uses the 0600 file store and warns clearly', () => {
    safeStorage.available = false
    const choice = chooseSecretStore(dir)
    expect(choice.store).toBeInstanceOf(FileSecretStore)
    expect(choice.store.kind).toBe('file')
    expect(choice.warning).toMatch(/NOT encrypted/)
    expect(choice.warning).toContain(path.join(dir, 'secrets.json'))
  })

  it.runIf(process.platform === 'linux')("treats Linux's basic_text backend (fixed key) as unavailable", () => {
    safeStorage.backend = 'basic_text'
    const choice = chooseSecretStore(dir)
    expect(choice.store.kind).toBe('file')
    expect(choice.warning).toMatch(/keyring/)
  })
})
