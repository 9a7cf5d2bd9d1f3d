/**
 * MariaDB specifics: an existing rAthena database whose tables already exist (extra columns,
 * other index names, no claim index) is used as is — the claim index is added and logged; tables
 * that lack a needed column are refused with a clear message. And Settings → Test connection
 * reports exactly what failed (host unreachable, bad credentials, unknown database, missing
 * privilege), for MySQL and SQLite.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import mysql from 'mysql2/promise'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { testQueueConnection } from '../../../src/main/ai-ipc/connection-test'
import { SchemaError } from '../../../src/main/ai-ipc/mysql-errors'
import { AiTestConnectionResultSchema } from '../../../src/shared/contract'
import { ConfigSchema } from '../../../src/shared/config-schema'
import { MYSQL_SERVER, collectingLog, createMysqlDb, randomName, startPoller, waitFor, type TestQueueDb, enterMysqlSuite } from './support'

// Never run while the MariaDB restart test restarts the server (see support.ts).
let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

const RATHENA_REQUESTS = `CREATE TABLE ai_requests (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  request_type VARCHAR(50) NOT NULL,
  endpoint VARCHAR(255) DEFAULT NULL,
  request_data MEDIUMTEXT,
  status ENUM('pending','processing','completed','failed','timeout','cancelled') DEFAULT 'pending',
  priority TINYINT DEFAULT 5,
  correlation_id VARCHAR(64) DEFAULT NULL,
  source_npc VARCHAR(100) DEFAULT NULL,
  source_map VARCHAR(50) DEFAULT NULL,
  char_id INT UNSIGNED DEFAULT NULL,
  account_id INT UNSIGNED DEFAULT NULL,
  retry_count TINYINT NOT NULL DEFAULT 0,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  expires_at TIMESTAMP NULL DEFAULT NULL,
  KEY idx_status (status),
  KEY idx_status_created (status, created_at),
  KEY idx_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

const RATHENA_RESPONSES = `CREATE TABLE ai_responses (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  request_id BIGINT UNSIGNED NOT NULL,
  response_data TEXT,
  http_status SMALLINT DEFAULT 200,
  error_message VARCHAR(500) DEFAULT NULL,
  processing_time_ms INT DEFAULT NULL,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uk_request (request_id),
  CONSTRAINT fk_resp_req FOREIGN KEY (request_id) REFERENCES ai_requests (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

describe('an existing rAthena database (MariaDB)', () => {
  let db: TestQueueDb | null = null
  afterEach(async () => {
    await db?.drop()
    db = null
  })

  it('adds the missing claim index (and logs it) and serves the existing tables with their extra columns', async () => {
    db = await createMysqlDb()
    await db.run(RATHENA_REQUESTS)
    await db.run(RATHENA_RESPONSES)
    const { log, lines } = collectingLog('info')
    const backend = db.backend(log)
    await backend.open()
    await backend.close()
    expect(lines.some((l) => /added the missing claim index idx_ai_requests_claim/.test(l))).toBe(true)
    expect(lines.some((l) => /created table/.test(l))).toBe(false)
    const idx = await db.query(
      "SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ai_requests' AND INDEX_NAME = 'idx_ai_requests_claim' ORDER BY SEQ_IN_INDEX"
    )
    expect(idx.map((r) => r.c)).toEqual(['status', 'priority', 'created_at', 'id'])

    // A second start finds it and says nothing.
    const again = collectingLog('info')
    const b2 = db.backend(again.log)
    await b2.open()
    await b2.close()
    expect(again.lines.some((l) => /claim index/.test(l))).toBe(false)

    const r = await startPoller(db)
    try {
      await db.run("INSERT INTO ai_requests (request_type, request_data, char_id, expires_at) VALUES ('health_check', '{}', 150000, DATE_ADD(NOW(), INTERVAL 30 SECOND))")
      await waitFor(async () => (await db!.status(1)) === 3, 10_000, 'answered')
      expect(JSON.parse(await db.response(1))).toMatchObject({ status: 'ok' })
      const [row] = await db.query('SELECT char_id FROM ai_requests WHERE id = 1')
      expect(Number(row!.char_id)).toBe(150000)
    } finally {
      await r.stop()
    }
  })

  it('accepts a claim index without the trailing id (InnoDB appends the primary key)', async () => {
    db = await createMysqlDb()
    await db.run(RATHENA_REQUESTS.replace('KEY idx_status (status),', 'KEY my_claim (status, priority, created_at),'))
    const { log, lines } = collectingLog('info')
    const backend = db.backend(log)
    await backend.open()
    await backend.close()
    expect(lines.some((l) => /claim index/.test(l))).toBe(false)
    expect(lines.some((l) => /created table ai_responses/.test(l))).toBe(true)
  })

  it('refuses tables that lack a needed column, saying which', async () => {
    db = await createMysqlDb()
    await db.run(RATHENA_REQUESTS.replace('  retry_count TINYINT NOT NULL DEFAULT 0,\n', ''))
    const backend = db.backend(collectingLog('error').log)
    const err = await backend.open().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SchemaError)
    expect((err as Error).message).toMatch(/lacks the column\(s\) retry_count/)
  })
})

function dbConfig(over: Record<string, unknown>): ReturnType<typeof ConfigSchema.parse>['database'] {
  return ConfigSchema.parse({ database: { driver: 'mysql', ...MYSQL_SERVER, ...over } }).database
}

describe('Settings → Test connection', () => {
  const cleanup: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined)
  })

  it('MySQL: ok, with the server version, round trip and every check', async () => {
    const db = await createMysqlDb()
    cleanup.push(() => db.drop())
    const before = AiTestConnectionResultSchema.parse(await testQueueConnection(dbConfig({ database: db.mysql!.database }), os.tmpdir()))
    expect(before).toMatchObject({ ok: true, problem: null, driver: 'mysql' })
    expect(before.serverVersion).toMatch(/MariaDB|^\d+\./)
    expect(before.checks.map((c) => c.name)).toEqual(['connect', 'authenticate', 'database', 'skip_locked', 'tables', 'privileges'])
    expect(before.checks.find((c) => c.name === 'tables')!.detail).toMatch(/created on start/)
    await db.createSchema()
    const after = await testQueueConnection(dbConfig({ database: db.mysql!.database }), os.tmpdir())
    expect(after.ok).toBe(true)
    expect(after.checks.find((c) => c.name === 'tables')!.detail).toMatch(/claim index/)
  })

  it('MySQL: host unreachable', async () => {
    const r = await testQueueConnection(dbConfig({ port: 1 }), os.tmpdir())
    expect(r).toMatchObject({ ok: false, problem: 'host_unreachable' })
    expect(r.message).toMatch(/cannot reach 127\.0\.0\.1:1/)
    expect(r.checks).toEqual([expect.objectContaining({ name: 'connect', ok: false })])
  })

  it('MySQL: bad credentials', async () => {
    const r = await testQueueConnection(dbConfig({ user: 'root', password: 'definitely-wrong' }), os.tmpdir())
    expect(r).toMatchObject({ ok: false, problem: 'bad_credentials' })
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['connect', true],
      ['authenticate', false]
    ])
  })

  it('MySQL: unknown database', async () => {
    const r = await testQueueConnection(dbConfig({ database: randomName('warp_t_missing_') }), os.tmpdir())
    expect(r).toMatchObject({ ok: false, problem: 'unknown_database' })
  })

  it('MySQL: missing privilege (a user with SELECT only; a user with no access to the database)', async () => {
    const db = await createMysqlDb()
    cleanup.push(() => db.drop())
    await db.createSchema()
    const admin = await mysql.createConnection(MYSQL_SERVER)
    const user = randomName('wt_').slice(0, 16)
    const other = randomName('wo_').slice(0, 16)
    cleanup.push(async () => {
      for (const u of [user, other]) for (const h of ['%', 'localhost']) await admin.query(`DROP USER IF EXISTS '${u}'@'${h}'`)
      await admin.end()
    })
    for (const h of ['%', 'localhost']) {
      await admin.query(`CREATE USER '${user}'@'${h}' IDENTIFIED BY 'pw'`)
      await admin.query(`GRANT SELECT ON ${db.mysql!.database}.* TO '${user}'@'${h}'`)
      await admin.query(`CREATE USER '${other}'@'${h}' IDENTIFIED BY 'pw'`)
    }
    const r = await testQueueConnection(dbConfig({ database: db.mysql!.database, user, password: 'pw' }), os.tmpdir())
    expect(r).toMatchObject({ ok: false, problem: 'missing_privilege' })
    expect(r.message).toMatch(/no UPDATE on ai_requests/)
    expect(r.message).toMatch(/no INSERT on ai_responses/)
    const r2 = await testQueueConnection(dbConfig({ database: db.mysql!.database, user: other, password: 'pw' }), os.tmpdir())
    expect(r2).toMatchObject({ ok: false, problem: 'missing_privilege' })
    expect(r2.checks.find((c) => c.name === 'database')!.ok).toBe(false)
  })

  it('SQLite: ok for a writable folder (nothing left behind), a clear failure for an unusable path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-conn-'))
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
    const ok = await testQueueConnection(ConfigSchema.parse({ database: { driver: 'sqlite' } }).database, dir)
    expect(ok).toMatchObject({ ok: true, driver: 'sqlite', target: path.join(dir, 'ai-ipc.db') })
    expect(fs.readdirSync(dir)).toEqual([])
    const blocker = path.join(dir, 'a-file')
    fs.writeFileSync(blocker, 'x')
    const bad = await testQueueConnection(ConfigSchema.parse({ database: { driver: 'sqlite', sqlite_path: path.join(blocker, 'q.db') } }).database, dir)
    expect(bad).toMatchObject({ ok: false, problem: 'sqlite_file' })
  })
})
