/**
 * Secrets in the desktop app: the DB password, API keys and the admin token, encrypted with the
 * OS keychain through Electron's safeStorage into `<data folder>/secrets.enc` (mode 0600). When
 * the OS offers no real encryption (no keyring on Linux, or safeStorage would fall back to its
 * hard-coded "basic_text" key) the app says so loudly and uses the plain 0600 file store, which
 * Settings then shows as "file".
 */
import fs from 'node:fs'
import path from 'node:path'
import { safeStorage } from 'electron'
import { FileSecretStore, writePrivateFile, type SecretStore } from '../config/secrets'

export const ENCRYPTED_SECRETS_FILE = 'secrets.enc'

export class SafeStorageSecretStore implements SecretStore {
  readonly kind = 'safeStorage' as const
  readonly file: string
  private cache: Record<string, string> | null = null
  /** The file could not be decrypted (another OS user, a reset keychain); kept aside on the next save. */
  private unreadable = false

  constructor(
    dataDir: string,
    private readonly warn: (message: string) => void = () => undefined
  ) {
    this.file = path.join(dataDir, ENCRYPTED_SECRETS_FILE)
  }

  getAll(): Record<string, string> {
    if (this.cache) return { ...this.cache }
    let data: Record<string, string> = {}
    if (fs.existsSync(this.file)) {
      try {
        const parsed: unknown = JSON.parse(safeStorage.decryptString(fs.readFileSync(this.file)))
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          data = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string>
        }
      } catch (err) {
        this.unreadable = true
        this.warn(
          `${this.file} could not be decrypted (${err instanceof Error ? err.message : String(err)}); saved passwords and keys ` +
            'are ignored until they are entered again in Settings'
        )
      }
    }
    this.cache = data
    return { ...data }
  }

  set(key: string, value: string | null): void {
    const all = this.getAll()
    if (value === null || value === '') delete all[key]
    else all[key] = value
    if (this.unreadable && fs.existsSync(this.file)) {
      const aside = `${this.file}.unreadable-${Date.now()}`
      fs.renameSync(this.file, aside)
      this.warn(`kept the undecryptable secrets file as ${aside}`)
      this.unreadable = false
    }
    writePrivateFile(this.file, safeStorage.encryptString(JSON.stringify(all)))
    this.cache = all
  }
}

export interface SecretStoreChoice {
  store: SecretStore
  /** Set when secrets are NOT encrypted: log it as a warning once the logger exists. */
  warning: string | null
}

/** safeStorage when the OS really encrypts; otherwise the 0600 file store with a warning. */
export function chooseSecretStore(dataDir: string, warn: (message: string) => void = () => undefined): SecretStoreChoice {
  const available = safeStorage.isEncryptionAvailable()
  const backend = process.platform === 'linux' && available ? safeStorage.getSelectedStorageBackend() : null
  if (available && backend !== 'basic_text') {
    return { store: new SafeStorageSecretStore(dataDir, warn), warning: null }
  }
  const why =
    backend === 'basic_text'
      ? 'no OS keyring (GNOME Keyring / KWallet) is running, so safeStorage could only use a fixed key'
      : 'OS encryption (safeStorage) is not available'
  return {
    store: new FileSecretStore(dataDir),
    warning:
      `Secrets are NOT encrypted: ${why}. Passwords and API keys are kept in ${path.join(dataDir, 'secrets.json')} ` +
      '(readable by this OS user only, mode 0600). Start a keyring service and restart WARP Host to encrypt them.'
  }
}
