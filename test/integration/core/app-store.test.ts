import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { AppStore } from '../../../src/main/store/app-store'
import { LogSink } from '../../../src/main/logging/logger'
import { MIGRATIONS } from '../../../src/main/store/migrations'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })))
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-store-'))
  dirs.push(d)
  return d
}
const log = new LogSink({ level: 'error', format: 'text', dir: null, write: () => {} }).logger('store')

describe('AppStore (real SQLite file)', () => {
  it('creates the database in WAL mode, applies migrations once, keeps meta', async () => {
    const dir = tmp()
    const store = new AppStore(dir, log)
    await store.start()
    await store.start() // idempotent
    expect(store.status().state).toBe('running')
    expect(store.schemaVersion).toBe(MIGRATIONS.length)
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal')
    store.setMeta('tray.noticeShown', '1')
    store.setMeta('tray.noticeShown', '2')
    await store.stop()
    await store.stop()

    const again = new AppStore(dir, log)
    await again.start()
    expect(again.getMeta('tray.noticeShown')).toBe('2')
    expect(again.getMeta('missing')).toBeNull()
    const n = again.database.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }
    expect(n.n).toBe(MIGRATIONS.length)
    await again.stop()
  })

  it('applies new migrations in order, each in its own transaction', async () => {
    const dir = tmp()
    const first = new AppStore(dir, log)
    await first.start()
    await first.stop()
    const extra = [...MIGRATIONS, { version: 99, name: 'demo', sql: 'CREATE TABLE demo (id INTEGER PRIMARY KEY);' }]
    const second = new AppStore(dir, log, extra)
    await second.start()
    expect(second.schemaVersion).toBe(99)
    await second.stop()

    const broken = [...extra, { version: 100, name: 'broken', sql: 'CREATE TABLE ok100 (id INTEGER); CREATE TABLE demo (id INTEGER);' }]
    const third = new AppStore(dir, log, broken)
    await expect(third.start()).rejects.toThrow(/already exists/)
    expect(third.status().state).toBe('error')
    const db = new Database(path.join(dir, 'warp-host.db'))
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok100'").get()).toBeUndefined()
    db.close()
  })

  it('refuses a database written by a newer version', async () => {
    const dir = tmp()
    const newer = new AppStore(dir, log, [...MIGRATIONS, { version: 50, name: 'future', sql: 'SELECT 1;' }])
    await newer.start()
    await newer.stop()
    const old = new AppStore(dir, log)
    await expect(old.start()).rejects.toThrow(/newer than this version/)
  })
})
