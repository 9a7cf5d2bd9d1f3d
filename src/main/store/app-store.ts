/**
 * The app's own database: `<data folder>/warp-host.db` (better-sqlite3, WAL), with numbered
 * migrations applied in one transaction each at start. Service modules keep their tables here
 * with migrations of their own (`migrateModule`, numbered per module); the AI request queue has
 * its own file (see ai-ipc/).
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { LifecycleService } from '../service'
import type { Logger } from '../logging/logger'
import { MIGRATIONS, type Migration } from './migrations'

export class AppStore extends LifecycleService {
  private db: Database.Database | null = null
  readonly file: string

  constructor(
    dataDir: string,
    private readonly log: Logger,
    private readonly migrations: Migration[] = MIGRATIONS
  ) {
    super('store', 'App database')
    this.file = path.join(dataDir, 'warp-host.db')
  }

  get database(): Database.Database {
    if (!this.db) throw new Error('app store is not open')
    return this.db
  }

  get schemaVersion(): number {
    const row = this.database.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }
    return row.v ?? 0
  }

  protected async onStart(): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true })
    const db = new Database(this.file)
    try {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('foreign_keys = ON')
      db.pragma('busy_timeout = 5000')
      this.migrate(db)
    } catch (err) {
      db.close()
      throw err
    }
    this.db = db
    this.setDetail(`${this.file} (schema v${this.schemaVersion})`)
  }

  protected async onStop(): Promise<void> {
    this.db?.close()
    this.db = null
  }

  private migrate(db: Database.Database): void {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
    )`)
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version)
    )
    const known = Math.max(0, ...this.migrations.map((m) => m.version))
    const newest = Math.max(0, ...applied)
    if (newest > known) {
      throw new Error(
        `${this.file} has schema v${newest}, newer than this version of WARP Host knows (v${known}); update the app or use another data folder`
      )
    }
    for (const m of [...this.migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      db.transaction(() => {
        db.exec(m.sql)
        db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(m.version, m.name)
      })()
      this.log.info('applied migration', { version: m.version, name: m.name })
    }
  }

  /**
   * A service module's own tables: its migrations, numbered per module, applied once each in a
   * transaction (table `module_migrations`). Refuses a database where the module is at a newer
   * version than this build knows.
   */
  migrateModule(module: string, migrations: readonly Migration[]): void {
    if (migrations.length === 0) return
    const db = this.database
    db.exec(`CREATE TABLE IF NOT EXISTS module_migrations (
      module TEXT NOT NULL,
      version INTEGER NOT NULL,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      PRIMARY KEY (module, version)
    )`)
    const applied = new Set(
      (db.prepare('SELECT version FROM module_migrations WHERE module = ?').all(module) as { version: number }[]).map((r) => r.version)
    )
    const known = Math.max(0, ...migrations.map((m) => m.version))
    const newest = Math.max(0, ...applied)
    if (newest > known) {
      throw new Error(`${this.file} has ${module} tables at v${newest}, newer than this version of WARP Host knows (v${known})`)
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      db.transaction(() => {
        db.exec(m.sql)
        db.prepare('INSERT INTO module_migrations (module, version, name) VALUES (?, ?, ?)').run(module, m.version, m.name)
      })()
      this.log.info('applied migration', { module, version: m.version, name: m.name })
    }
  }

  getMeta(key: string): string | null {
    const row = this.database.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
    return row?.value ?? null
  }

  setMeta(key: string, value: string): void {
    this.database
      .prepare(
        `INSERT INTO meta (key, value) VALUES (?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`
      )
      .run(key, value)
  }
}
