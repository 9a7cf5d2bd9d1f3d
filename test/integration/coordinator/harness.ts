/**
 * A real embedded registry for tests: the app store on a SQLite file in a temp data folder, the
 * coordinator service on 127.0.0.1:0 with a fake clock (advanced by hand; the sweep timer runs
 * every 20 ms of real time and reads that clock), a prom-client registry, and a fetch helper.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Registry } from 'prom-client'
import { ConfigSchema } from '../../../src/shared/config-schema'
import { LogSink } from '../../../src/main/logging/logger'
import { AppStore } from '../../../src/main/store/app-store'
import { COORDINATOR_MIGRATIONS } from '../../../src/main/coordinator/migrations'
import { coordinatorModule } from '../../../src/main/coordinator'
import type { CoordinatorClientSettings } from '../../../src/main/coordinator/client'
import { CoordinatorService, type CoordinatorServiceOptions } from '../../../src/main/coordinator/service'
import { defineModule } from '../../../src/main/service-module'

export class FakeClock {
  wall = Date.parse('2026-12-01T10:00:00.000Z')
  mono = 1_000_000
  now = (): number => this.wall
  monotonic = (): number => this.mono
  advance(ms: number): void {
    this.wall += ms
    this.mono += ms
  }
}

export interface Registered {
  svc: CoordinatorService
  store: AppStore
  clock: FakeClock
  metrics: Registry
  dataDir: string
  base: string
  key: string
  lines: string[]
  /** fetch with the API key (unless headers say otherwise) and a JSON body. */
  req(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown; headers: Headers; text: string }>
  restart(): Promise<void>
  close(): Promise<void>
}

export async function startRegistry(opts: { apiKey?: string; overrides?: Partial<CoordinatorServiceOptions>; dataDir?: string } = {}): Promise<Registered> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-'))
  const lines: string[] = []
  const sink = new LogSink({ level: 'info', format: 'text', dir: null, write: (l) => lines.push(l) })
  const store = new AppStore(dataDir, sink.logger('store'))
  await store.start()
  store.migrateModule('coordinator', COORDINATOR_MIGRATIONS)
  const clock = new FakeClock()
  const config = ConfigSchema.parse({ data_dir: dataDir, coordinator: { port: 0, api_key: opts.apiKey ?? '' } })
  const metrics = new Registry()
  const build = (): CoordinatorService =>
    new CoordinatorService({
      config,
      log: sink.logger('coordinator'),
      store,
      clock,
      metrics,
      rateLimits: { limit: 1_000_000, authLimit: 1_000_000 },
      sweep: { everyMs: 20 },
      ...opts.overrides
    })
  const r: Registered = {
    svc: build(),
    store,
    clock,
    metrics,
    dataDir,
    base: '',
    key: '',
    lines,
    async req(method, p, body, headers) {
      const h: Record<string, string> = { 'x-api-key': r.key, ...headers }
      if (body !== undefined) h['content-type'] = 'application/json'
      const res = await fetch(r.base + p, { method, headers: h, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) })
      const text = await res.text()
      let parsed: unknown
      try {
        parsed = text === '' ? undefined : JSON.parse(text)
      } catch {
        parsed = text
      }
      return { status: res.status, body: parsed, headers: res.headers, text }
    },
    async restart() {
      await r.svc.stop()
      metrics.clear()
      r.svc = build()
      await r.svc.start()
      r.base = r.svc.registryServer!.url
      r.key = r.svc.apiKey
    },
    async close() {
      await r.svc.stop()
      await store.stop()
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
  await r.svc.start()
  r.base = r.svc.registryServer!.url
  r.key = r.svc.apiKey
  return r
}

/** Waits for a condition (polling on the event loop), never a fixed sleep. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((res) => setTimeout(res, 5))
  }
}

export const hostBody = (id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  host_id: id,
  player_id: `player-${id}`,
  player_name: `Player ${id}`,
  ip_address: '192.168.1.20',
  port: 7000,
  public_ip: '203.0.113.7',
  cpu_cores: 8,
  cpu_frequency_mhz: 3600,
  memory_mb: 16384,
  network_speed_mbps: 1000,
  ...over
})

export const zoneBody = (id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  zone_id: id,
  zone_name: id,
  zone_display_name: `Zone ${id}`,
  map_name: `${id}.gat`,
  p2p_enabled: true,
  ...over
})

/**
 * The coordinator module as the app has it (embedded registry with signaling, this host as its
 * client), with the client's timing for tests and rate limits out of the way (tests call far
 * more often than 100 times a minute).
 */
export function coordinatorModuleForTests(client: CoordinatorClientSettings): typeof coordinatorModule {
  return defineModule({
    ...coordinatorModule,
    create: (ctx) =>
      new CoordinatorService({
        config: ctx.config,
        log: ctx.log,
        store: ctx.store,
        clock: ctx.clock,
        metrics: ctx.metrics,
        httpClients: ctx.http,
        signaling: true,
        rateLimits: { limit: 1_000_000, authLimit: 1_000_000 },
        client
      })
  })
}
