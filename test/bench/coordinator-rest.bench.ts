/**
 * REST heartbeats/s against the embedded coordinator registry with 50 registered hosts, printed
 * (never asserted). Goal: ≥ 5,000 heartbeats/s.
 * Run: npm run bench:coordinator:rest -- [heartbeats] [concurrency] [--in-process]
 *
 * The registry (the real CoordinatorService: Fastify, zod, the app store's SQLite file in WAL mode,
 * X-API-Key, rate limits raised out of the way) runs in a child process by default, so the load
 * generator (undici Pool, keep-alive) does not share its thread; `--in-process` runs both in one.
 * Each heartbeat is a full request: key check, rate-limit window, body validation, quality score,
 * an UPDATE and a SELECT. Figures move ±20–30 % on a shared machine: compare ratios.
 */
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Pool } from 'undici'
import { systemClock } from '../../src/main/clock'
import { COORDINATOR_MIGRATIONS } from '../../src/main/coordinator/migrations'
import { CoordinatorService } from '../../src/main/coordinator/service'
import { LogSink } from '../../src/main/logging/logger'
import { AppStore } from '../../src/main/store/app-store'
import { ConfigSchema } from '../../src/shared/config-schema'

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const TOTAL = Number(args[0] ?? 50_000)
const CONCURRENCY = Number(args[1] ?? 64)
const HOSTS = 50
const IN_PROCESS = process.argv.includes('--in-process')

interface Served {
  url: string
  key: string
  close(): Promise<void>
}

async function serve(): Promise<Served> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-bench-'))
  const sink = new LogSink({ level: 'error', format: 'text', dir: null, write: () => undefined })
  const store = new AppStore(dataDir, sink.logger('store'))
  await store.start()
  store.migrateModule('coordinator', COORDINATOR_MIGRATIONS)
  const svc = new CoordinatorService({
    config: ConfigSchema.parse({ data_dir: dataDir, coordinator: { port: 0 } }),
    log: sink.logger('coordinator'),
    store,
    clock: systemClock,
    rateLimits: { limit: 1e9, authLimit: 1e9 }
  })
  await svc.start()
  return {
    url: svc.registryServer!.url,
    key: svc.apiKey,
    async close() {
      await svc.stop()
      await store.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

async function serveInChild(): Promise<Served> {
  const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const info = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; key: string }))
    child.once('exit', (code) => reject(new Error(`the registry process exited (${code})`)))
  })
  return {
    ...info,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.send('stop')
      })
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

async function main(): Promise<void> {
  const served = IN_PROCESS ? await serve() : await serveInChild()
  const pool = new Pool(served.url, { connections: CONCURRENCY, pipelining: 1 })
  const headers = { 'content-type': 'application/json', 'x-api-key': served.key }
  const post = async (p: string, body: unknown, expect: number): Promise<void> => {
    const res = await pool.request({ method: 'POST', path: p, headers, body: JSON.stringify(body) })
    const text = await res.body.text()
    if (res.statusCode !== expect) throw new Error(`${p} answered ${res.statusCode}: ${text}`)
  }
  for (let i = 0; i < HOSTS; i++) {
    await post('/api/v1/hosts/register', {
      host_id: `bench-host-${i}`, player_id: `p${i}`, player_name: `Player ${i}`, ip_address: '10.0.0.1', port: 7000 + i,
      cpu_cores: 8, cpu_frequency_mhz: 3600, memory_mb: 16384, network_speed_mbps: 1000
    }, 201)
  }
  let n = 0
  const beat = async (): Promise<number> => {
    const i = n++ % HOSTS
    const t0 = performance.now()
    await post(`/api/v1/hosts/bench-host-${i}/heartbeat`, { latency_ms: 10 + (i % 30), packet_loss_percent: 0.1, bandwidth_usage_mbps: 5, current_players: i % 50, current_zones: 1 }, 200)
    return performance.now() - t0
  }
  for (let i = 0; i < 2000; i++) await beat() // warm-up
  const latencies: number[] = []
  let started = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started < TOTAL) {
        started++
        latencies.push(await beat())
      }
    })
  )
  const seconds = (performance.now() - t0) / 1000
  latencies.sort((a, b) => a - b)
  console.log(`coordinator REST heartbeats: ${HOSTS} hosts, ${TOTAL} heartbeats, concurrency ${CONCURRENCY}, registry ${IN_PROCESS ? 'in this process' : 'in a child process'}, ${os.cpus().length} CPUs`)
  console.log(`  ${Math.round(TOTAL / seconds).toString().padStart(8)} heartbeats/s  (goal ≥ 5,000)`)
  console.log(`  latency p50 ${quantile(latencies, 0.5).toFixed(2)} ms · p99 ${quantile(latencies, 0.99).toFixed(2)} ms · max ${latencies.at(-1)!.toFixed(2)} ms`)
  await pool.close()
  await served.close()
}

if (process.argv.includes('--serve')) {
  void serve().then((s) => {
    process.send!({ url: s.url, key: s.key })
    process.on('message', (m) => {
      if (m === 'stop') void s.close().then(() => process.exit(0))
    })
  })
} else {
  main().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
