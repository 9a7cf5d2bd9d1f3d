/**
 * Where secrets (DB password, API keys, the admin token) are kept. The Electron shell supplies a
 * safeStorage-backed store (src/main/electron/secrets.ts); headless mode, which has no OS
 * keychain, uses a 0600 JSON file in the data folder and says so in the log and in Settings.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export interface SecretStore {
  readonly kind: 'safeStorage' | 'file'
  getAll(): Record<string, string>
  set(key: string, value: string | null): void
}

/** Writes a file readable by its owner only, atomically (temp file + rename). */
export function writePrivateFile(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  fs.writeFileSync(tmp, data, { mode: 0o600 })
  fs.renameSync(tmp, file)
  fs.chmodSync(file, 0o600)
}

export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const
  private readonly file: string
  private cache: Record<string, string> | null = null

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'secrets.json')
  }

  getAll(): Record<string, string> {
    if (this.cache) return { ...this.cache }
    let data: Record<string, string> = {}
    if (fs.existsSync(this.file)) {
      try {
        const parsed: unknown = JSON.parse(fs.readFileSync(this.file, 'utf8'))
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          data = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string>
        }
      } catch {
        throw new Error(`${this.file} is not valid JSON: fix or delete it (it holds saved passwords and keys)`)
      }
    }
    this.cache = data
    return { ...data }
  }

  set(key: string, value: string | null): void {
    const all = this.getAll()
    if (value === null || value === '') delete all[key]
    else all[key] = value
    writePrivateFile(this.file, JSON.stringify(all, null, 2))
    this.cache = all
  }
}

/** Returns the kept secret `name` from a 0600 file in dataDir, generating it the first time. */
export function keptToken(dataDir: string, name: string, bytes = 24): string {
  const file = path.join(dataDir, name)
  if (fs.existsSync(file)) {
    const v = fs.readFileSync(file, 'utf8').trim()
    if (v.length >= 16) return v
  }
  const token = randomBytes(bytes).toString('base64url')
  writePrivateFile(file, token + '\n')
  return token
}

/** SHA-256 of a secret: computed once per server, the second argument of `secretMatches`. */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

/**
 * Whether a presented token or key equals the secret whose digest is `expected`, compared in
 * constant time (digests have the same length whatever was presented).
 */
export function secretMatches(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(secretDigest(presented), expected)
}
