/**
 * A slow AI service must not starve everything, and SIGTERM must finish within Docker's 10 s
 * stop timeout — against a real hanging HTTP server and a real MariaDB database / SQLite file:
 * 32 http_get calls hang; health checks (no upstream) are answered at once, another handler
 * family still gets workers, and stop() releases the hung rows for another poller in time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { QueueDriver } from '../../../src/main/ai-ipc/queue'
import { hang, startStub, type Stub } from '../http/stub-server'
import { createTestDb, enterMysqlSuite, startPoller, statusCounts, waitFor, type RunningPoller, type TestQueueDb } from './support'

let leaveMysqlSuite: () => void = () => undefined
beforeAll(async () => {
  leaveMysqlSuite = await enterMysqlSuite()
}, 180_000)
afterAll(() => leaveMysqlSuite())

/** Docker's default `stop` timeout: after it the process is killed. */
const DOCKER_STOP_TIMEOUT_MS = 10_000

describe.each<QueueDriver>(['sqlite', 'mysql'])('a hanging AI service on %s', (driver) => {
  let db: TestQueueDb | null = null
  let stub: Stub | null = null
  let running: RunningPoller | null = null
  afterEach(async () => {
    await running?.stop()
    await stub?.close()
    await db?.drop()
    running = null
    stub = null
    db = null
  })

  it('starves nothing, and stop() releases the hung rows within the stop timeout', async () => {
    db = await createTestDb(driver)
    await db.createSchema()
    stub = await startStub()
    stub.reply(hang(stub))
    const slow: number[] = []
    for (let i = 0; i < 32; i++) {
      slow.push(await db.insert({ type: 'http_get', endpoint: '/api/slow', data: `{"url":"${stub.url}/api/slow","method":"GET"}`, priority: 1 }))
    }
    const health: number[] = []
    for (let i = 0; i < 200; i++) health.push(await db.insert({ type: 'health_check', data: '{}', priority: 5 }))
    const checks = [await db.insert({ type: 'ai_check_result', data: '{"async_request_id":"nope"}', priority: 5 })]
    running = await startPoller(db, {
      baseUrl: stub.url,
      timeoutSeconds: 60, // the upstream call outlives the stop budget: stop() must cut it short
      settings: { workerCount: 32, batchSize: 100, stopTimeoutMs: 9000 }
    })
    await waitFor(async () => (await statusCounts(db!)).completed === health.length + checks.length, 20_000, 'health checks and the other family answered')
    await waitFor(() => stub!.held.length === 24, 10_000, 'the http_get family holding its share (24 of 32 workers)')
    expect((await statusCounts(db)).processing).toBe(32)

    let killed = false
    const docker = new Promise<void>((r) => setTimeout(() => ((killed = true), r()), DOCKER_STOP_TIMEOUT_MS))
    await Promise.race([running.poller.stop(), docker])
    expect(killed).toBe(false)
    const rows = await db.query(`SELECT status, retry_count FROM ai_requests WHERE id IN (${slow.join(',')})`)
    expect(rows.map((r) => `${String(r.status)}/${Number(r.retry_count)}`)).toEqual(slow.map(() => 'pending/0'))
    expect(running.lines.some((l) => /still running at shutdown were released/.test(l))).toBe(true)
  }, 60_000)
})
