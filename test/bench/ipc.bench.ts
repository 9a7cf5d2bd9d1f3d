/**
 * `npm run bench:ipc`: figures for the AI IPC poller, MariaDB and SQLite, against the goals and
 * the old Python service's measurements on this kind of machine. Prints; asserts nothing.
 *
 * Every poller runs in its own child process (test/integration/ai-ipc/fixtures/poller-child.ts),
 * like the real app beside the game; the game's side (INSERTs) and a local HTTP stub run here.
 * - throughput: 20,000 pre-inserted health_check rows, at the old default config (poll 100 ms,
 *   batch 50, 4 workers) and at the project's defaults (the proposed batch 100 / 32 workers;
 *   --schema-defaults uses whatever config-schema says);
 * - the database's own commit latency (one autocommit INSERT), to read the latencies against;
 * - latency insert→response committed, at poll 10 ms, steady insert rates (200/s and 1,000/s);
 * - CPU % of one core while idle at poll 10 ms (process.cpuUsage over 10 s);
 * - http_get through a local stub server (10,000 rows).
 * Options: --mysql / --sqlite (one backend only), --rows N.
 * The machine is shared and noisy: compare ratios within one run, not absolute numbers.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { ConfigSchema } from '../../src/shared/config-schema'
import { spawnPoller, type PollerChild } from '../integration/ai-ipc/children'
import { createTestDb, type TestQueueDb } from '../integration/ai-ipc/support'
import type { QueueDriver } from '../../src/main/ai-ipc/queue'

type Settings = Record<string, number>

const args = process.argv.slice(2)
const ROWS = Number(args[args.indexOf('--rows') + 1]) || 20_000
const HTTP_ROWS = Math.min(ROWS, 10_000)
const DRIVERS: QueueDriver[] = args.includes('--mysql') ? ['mysql'] : args.includes('--sqlite') ? ['sqlite'] : ['mysql', 'sqlite']

const defaults = ConfigSchema.parse({}).polling
const OLD_DEFAULT: Settings = { intervalMs: 100, batchSize: 50, workerCount: 4 }
const SCHEMA_DEFAULT: Settings = { intervalMs: defaults.interval_ms, batchSize: defaults.batch_size, workerCount: defaults.worker_count }
/** The defaults this work proposes for config-schema (polling.batch_size, polling.worker_count). */
const PROPOSED_DEFAULT: Settings = { intervalMs: 100, batchSize: 100, workerCount: 32 }
const PROJECT_DEFAULT: Settings = args.includes('--schema-defaults') ? SCHEMA_DEFAULT : PROPOSED_DEFAULT
const LATENCY_SETTINGS: Settings = { ...PROJECT_DEFAULT, intervalMs: 10 }

const now = (): number => performance.timeOrigin + performance.now()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!
}

function describeSettings(s: Settings): string {
  return `poll ${s.intervalMs} ms, batch ${s.batchSize}, ${s.workerCount} workers`
}

async function withChild<T>(db: TestQueueDb, settings: Settings, fn: (c: PollerChild) => Promise<T>, baseUrl?: string): Promise<T> {
  const child = spawnPoller({
    driver: db.driver,
    ...(db.mysql ? { mysql: { ...db.mysql, pool_size: 5 } } : {}),
    ...(db.sqliteFile ? { sqliteFile: db.sqliteFile } : {}),
    settings: { stuckAfterSeconds: 300, ...settings },
    ...(baseUrl ? { baseUrl } : {})
  })
  try {
    await child.ready
    return await fn(child)
  } finally {
    await child.stop().catch(() => child.kill())
  }
}

async function waitCommitted(child: PollerChild, n: number, timeoutMs = 180_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (child.committed.length < n) {
    if (Date.now() > end) throw new Error(`only ${child.committed.length}/${n} answered after ${timeoutMs} ms`)
    await sleep(10)
  }
}

/** CPU ms used so far by the local mariadbd (from /proc), or null when it cannot be read. */
function mariadbCpuMs(): number | null {
  try {
    const pid = execFileSync('pidof', ['mariadbd'], { encoding: 'utf8' }).trim().split(/\s+/)[0]
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of /proc/PID/stat (11 and 12 after the command name).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return null
  }
}
const CLOCK_TICKS = 100

/** Database CPU per 1,000 answered rows in the last throughput run (MariaDB only). */
let lastDbCpuPer1000: number | null = null

/** Rows answered per second, from the poller's start to its last commit. */
async function throughput(driver: QueueDriver, settings: Settings, kind: 'health' | 'http', rows: number, baseUrl?: string): Promise<number> {
  const db = await createTestDb(driver)
  try {
    await db.createSchema()
    if (kind === 'health') await db.bulkInsert(rows, { type: 'health_check', data: '{}', expiresIn: 600 })
    else await db.bulkInsert(rows, { type: 'http_get', endpoint: '/api/v1/stub', data: `{"url":"${baseUrl}/api/v1/stub","method":"GET"}`, expiresIn: 600 })
    const db0 = driver === 'mysql' ? mariadbCpuMs() : null
    return await withChild(
      db,
      settings,
      async (child) => {
        await waitCommitted(child, rows)
        const db1 = db0 === null ? null : mariadbCpuMs()
        lastDbCpuPer1000 = db0 === null || db1 === null ? null : ((db1 - db0) / rows) * 1000
        const last = Math.max(...child.commitWall)
        return rows / ((last - child.startedWall) / 1000)
      },
      baseUrl
    )
  } finally {
    await db.drop()
  }
}

interface LatencyFigures {
  /** One autocommit INSERT round trip (the floor under any insert→response latency). */
  insertP50: number
  insertP99: number
  idleCpuPercent: number
  /** mariadbd's CPU over the same idle window (MariaDB only). */
  idleDbCpuPercent: number | null
  runs: { rate: number; achieved: number; p50: number; p95: number; p99: number; n: number }[]
}

async function latency(driver: QueueDriver): Promise<LatencyFigures> {
  const db = await createTestDb(driver)
  try {
    await db.createSchema()
    return await withChild(db, LATENCY_SETTINGS, async (child) => {
      await sleep(1000)
      const dbBefore = driver === 'mysql' ? mariadbCpuMs() : null
      const cpu = await child.cpuOver(10_000)
      const dbAfter = dbBefore === null ? null : mariadbCpuMs()
      const idleCpuPercent = (cpu.cpuMs / cpu.wallMs) * 100
      const idleDbCpuPercent = dbBefore === null || dbAfter === null ? null : ((dbAfter - dbBefore) / cpu.wallMs) * 100
      const runs: LatencyFigures['runs'] = []
      const ins: number[] = []
      for (const [rate, seconds] of [
        [200, 10],
        [1000, 5]
      ] as const) {
        const inserted = new Map<number, number>()
        const total = rate * seconds
        const t0 = performance.now()
        for (let i = 0; i < total; i++) {
          const due = t0 + (i * 1000) / rate
          const wait = due - performance.now()
          if (wait > 1) await sleep(wait)
          const before = now()
          const id = await db.insert({ type: 'health_check', data: '{}', expiresIn: 30 })
          const after = now()
          inserted.set(id, after)
          ins.push(after - before)
        }
        const achieved = total / ((performance.now() - t0) / 1000)
        const already = child.committed.length
        await waitCommitted(child, already === 0 ? total : child.committed.length) // flush in progress
        const end = Date.now() + 30_000
        while ([...inserted.keys()].some((id) => !child.committed.includes(id)) && Date.now() < end) await sleep(50)
        const lat: number[] = []
        child.committed.forEach((id, i) => {
          const t = inserted.get(id)
          if (t !== undefined) lat.push(child.commitWall[i]! - t)
        })
        lat.sort((a, b) => a - b)
        runs.push({ rate, achieved, p50: pct(lat, 0.5), p95: pct(lat, 0.95), p99: pct(lat, 0.99), n: lat.length })
        await sleep(500)
      }
      ins.sort((a, b) => a - b)
      return { idleCpuPercent, idleDbCpuPercent, runs, insertP50: pct(ins, 0.5), insertP99: pct(ins, 0.99) }
    })
  } finally {
    await db.drop()
  }
}

async function stubServer(): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify({ status: 'ok', source: 'stub', items: [1, 2, 3] })
  const server = http.createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) }
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a')
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a')
const mark = (ok: boolean): string => (ok ? 'OK  ' : 'MISS')

async function main(): Promise<void> {
  console.log(`AI IPC poller benchmark — ${ROWS.toLocaleString('en-US')} rows, node ${process.versions.node}, ${new Date().toISOString()}`)
  console.log(`old default config: ${describeSettings(OLD_DEFAULT)}; project defaults: ${describeSettings(PROJECT_DEFAULT)}`)
  if (describeSettings(SCHEMA_DEFAULT) !== describeSettings(PROPOSED_DEFAULT)) {
    console.log(`(config-schema says ${describeSettings(SCHEMA_DEFAULT)}; "project defaults" here are the proposed ones — --schema-defaults to use the schema's)`)
  }
  const stub = await stubServer()
  const lines: string[] = []
  try {
    for (const driver of DRIVERS) {
      const name = driver === 'mysql' ? 'MariaDB' : 'SQLite'
      console.log(`\n== ${name} ==`)
      const dbCpu = (): string => (lastDbCpuPer1000 === null ? '' : `; MariaDB CPU ${f1(lastDbCpuPer1000)} ms per 1,000 requests`)
      const old = await throughput(driver, OLD_DEFAULT, 'health', ROWS)
      const oldDbCpu = lastDbCpuPer1000
      console.log(`throughput, old default config (${describeSettings(OLD_DEFAULT)}): ${f0(old)} req/s${dbCpu()}`)
      const proj = await throughput(driver, PROJECT_DEFAULT, 'health', ROWS)
      console.log(`throughput, project defaults (${describeSettings(PROJECT_DEFAULT)}): ${f0(proj)} req/s${dbCpu()}`)
      const lat = await latency(driver)
      console.log(`idle CPU at poll 10 ms: ${f1(lat.idleCpuPercent)} % of a core${lat.idleDbCpuPercent === null ? '' : ` (mariadbd meanwhile: ${f1(lat.idleDbCpuPercent)} %)`}`)
      console.log(`the game's INSERT itself (autocommit round trip, for reference): p50 ${f1(lat.insertP50)} ms, p99 ${f1(lat.insertP99)} ms`)
      for (const r of lat.runs) {
        console.log(`latency insert→response at ${r.rate}/s (achieved ${f0(r.achieved)}/s, n=${r.n}): p50 ${f1(r.p50)} ms, p95 ${f1(r.p95)} ms, p99 ${f1(r.p99)} ms`)
      }
      const httpOld = await throughput(driver, OLD_DEFAULT, 'http', HTTP_ROWS, stub.url)
      console.log(`http_get via local stub, old default config: ${f0(httpOld)} req/s`)
      const httpProj = await throughput(driver, PROJECT_DEFAULT, 'http', HTTP_ROWS, stub.url)
      console.log(`http_get via local stub, project defaults: ${f0(httpProj)} req/s`)

      const steady = lat.runs[0]!
      if (driver === 'mysql') {
        lines.push(`${mark(old >= 12_000)} MariaDB throughput at the old default config ≥ 12,000 req/s: ${f0(old)} (old Python: 330; tuned ~1,460)${oldDbCpu === null ? '' : `, MariaDB CPU ${f1(oldDbCpu)} ms per 1,000 requests`}`)
        lines.push(`     MariaDB throughput at the project defaults: ${f0(proj)}`)
        lines.push(`${mark(steady.p50 <= 6.5 && steady.p99 <= 15)} MariaDB latency at poll 10 ms, ${steady.rate}/s: p50 ${f1(steady.p50)} ms (≤ 6.5), p99 ${f1(steady.p99)} ms (≤ 15) (old Python tuned: p50 ~10–11 ms; default: 59 / 112 ms)`)
        lines.push(`     MariaDB latency at 1,000/s: p50 ${f1(lat.runs[1]!.p50)} ms, p99 ${f1(lat.runs[1]!.p99)} ms`)
        lines.push(`${mark(lat.idleCpuPercent <= 3)} MariaDB idle CPU at poll 10 ms ≤ 3 % of a core: ${f1(lat.idleCpuPercent)} % (old Python: 8–12 %)${lat.idleDbCpuPercent === null ? '' : `; mariadbd meanwhile ${f1(lat.idleDbCpuPercent)} %`}`)
        lines.push(`${mark(Math.max(httpOld, httpProj) >= 5000)} MariaDB http_get ≥ 5,000 req/s: ${f0(httpProj)} at the project defaults, ${f0(httpOld)} at the old default config (old Python: 290 / 800)`)
      } else {
        lines.push(`${mark(Math.max(old, proj) >= 30_000)} SQLite throughput ≥ 30,000 req/s: ${f0(old)} at the old default config, ${f0(proj)} at the project defaults`)
        lines.push(`${mark(steady.p50 <= 8 && steady.p99 <= 20)} SQLite latency at poll 10 ms, ${steady.rate}/s: p50 ${f1(steady.p50)} ms, p99 ${f1(steady.p99)} ms; at 1,000/s: p50 ${f1(lat.runs[1]!.p50)} ms, p99 ${f1(lat.runs[1]!.p99)} ms`)
        lines.push(`${mark(lat.idleCpuPercent <= 5)} SQLite idle CPU at poll 10 ms: ${f1(lat.idleCpuPercent)} %`)
        lines.push(`${mark(Math.max(httpOld, httpProj) >= 5000)} SQLite http_get: ${f0(httpProj)} at the project defaults, ${f0(httpOld)} at the old default config`)
      }
    }
  } finally {
    await stub.close()
  }
  console.log('\n== Summary vs goals ==')
  for (const l of lines) console.log(l)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  }
)
