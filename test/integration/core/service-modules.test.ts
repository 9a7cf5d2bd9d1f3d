/**
 * The service-module seam, with small modules of the test's own plugged into a real runtime (real
 * config file, app store, dispatcher, event bus): started in dependency order and stopped in
 * reverse, listed in app.status, their handlers callable through the dispatcher, their metrics in
 * the export, restarted (with their dependents, which get the new instance) when a section they
 * read changes, config changes applied one at a time, disabled by the config with a reason, a
 * transient start failure shown as `reconnecting` and retried, no status listener leaked.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Counter } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { boot, type Booted } from '../../../src/main/bootstrap'
import type { Handlers } from '../../../src/main/dispatch'
import { dependencyOrder } from '../../../src/main/runtime'
import { LifecycleService } from '../../../src/main/service'
import { defineModule, type AnyServiceModule, type ServiceContext } from '../../../src/main/service-module'
import { method } from '../../../src/shared/contract'

const journal: string[] = []

class EchoService extends LifecycleService {
  static built = 0
  readonly instance = ++EchoService.built
  private readonly pings: Counter
  constructor(
    name: string,
    private readonly ctx: ServiceContext,
    private readonly failFirstStarts = 0
  ) {
    super(name, `Echo ${name}`, { baseMs: 10, maxMs: 20, jitter: 0 })
    this.pings = new Counter({ name: `test_${name.replace('-', '_')}_pings_total`, help: 'pings answered', registers: [ctx.metrics] })
  }
  protected override isTransient(): boolean {
    return true
  }
  protected async onStart(): Promise<void> {
    if (this.startAttempts < this.failFirstStarts) throw new Error('server not answering yet')
    journal.push(`start ${this.name}#${this.instance} zones=${this.ctx.config.hosting.zones.join('|')}`)
  }
  protected async onStop(): Promise<void> {
    journal.push(`stop ${this.name}#${this.instance}`)
  }
  ping(): { from: string; instance: number; upstream: number | null } {
    this.pings.inc()
    if (this.name === 'echo-a') return { from: this.name, instance: this.instance, upstream: null }
    return { from: this.name, instance: this.instance, upstream: this.ctx.service<EchoService>('echo-a')?.instance ?? null }
  }
}

const PingResult = z.object({ from: z.string(), instance: z.number(), upstream: z.number().nullable() })
const extraMethods = {
  'echoA.ping': method(z.undefined().optional(), PingResult, 'test'),
  'echoB.ping': method(z.undefined().optional(), PingResult, 'test')
}
type Ping = { from: string; instance: number; upstream: number | null }
const unavailable = (): never => {
  throw new Error('not running')
}

function echoModule(name: string, dependsOn: string[], opts: { sections?: ('hosting' | 'coordinator')[]; failFirstStarts?: number; enabledWhen?: (zones: string[]) => boolean } = {}): AnyServiceModule {
  const methodName = name === 'echo-a' ? 'echoA.ping' : 'echoB.ping'
  return defineModule({
    name,
    label: `Echo ${name}`,
    sections: opts.sections ?? [],
    dependsOn,
    enabled: (c) => (opts.enabledWhen && !opts.enabledWhen(c.hosting.zones) ? { disabled: 'no zones configured' } : true),
    create: (ctx) => new EchoService(name, ctx, opts.failFirstStarts ?? 0),
    handlers: (get) => ({ [methodName]: (): Ping => (get() ?? unavailable()).ping() }) as unknown as Partial<Handlers>,
    migrations: [{ version: 1, name: `${name} table`, sql: `CREATE TABLE ${name.replace('-', '_')}_things (id INTEGER PRIMARY KEY)` }]
  })
}

let booted: Booted | null = null
let dir = ''
afterEach(async () => {
  await booted?.runtime.stop()
  booted?.sink.closeFile()
  booted = null
  fs.rmSync(dir, { recursive: true, force: true })
  journal.length = 0
})

function start(modules: AnyServiceModule[]): Booted {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-modules-'))
  const file = path.join(dir, 'config.yaml')
  fs.writeFileSync(file, 'hosting:\n  zones: []\n')
  booted = boot({ mode: 'headless', argv: ['--config', file], env: { WARP_HOST_DATA_DIR: path.join(dir, 'data') }, write: () => undefined, modules, extraMethods })
  return booted
}

const call = async (b: Booted, m: string, input?: unknown): Promise<unknown> => {
  const r = await b.runtime.dispatch(m, input, { transport: 'test', client: 't' })
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.value
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setImmediate(r))
  }
}

describe('service modules in a real runtime', () => {
  it('start in dependency order, serve their handlers and metrics, are listed, restart with their dependents, stop in reverse', async () => {
    EchoService.built = 0
    // Listed dependent-first: the runtime sorts them.
    const b = start([echoModule('echo-b', ['echo-a']), echoModule('echo-a', [], { sections: ['hosting'] })])
    await b.runtime.start()
    expect(journal).toEqual(['start echo-a#1 zones=', 'start echo-b#2 zones='])
    const names = b.runtime.status().services.map((s) => `${s.name}:${s.state}`)
    expect(names).toEqual(['store:running', 'echo-a:running', 'echo-b:running'])

    expect(await call(b, 'echoB.ping')).toEqual({ from: 'echo-b', instance: 2, upstream: 1 })
    expect(await call(b, 'echoA.ping')).toEqual({ from: 'echo-a', instance: 1, upstream: null })
    const text = await b.runtime.metricsRegistry().metrics()
    expect(text).toMatch(/^test_echo_a_pings_total 1$/m)
    expect(text).toMatch(/^test_echo_b_pings_total 1$/m)
    expect(text).toMatch(/^warp_nodejs_eventloop_lag_seconds /m)

    // The migrations ran once, per module.
    const tables = b.runtime.store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'echo_%'").all()
    expect(tables).toHaveLength(2)

    // A section echo-a reads changes: echo-a restarts, and echo-b with it (it gets the new instance).
    journal.length = 0
    const result = (await call(b, 'config.update', { hosting: { zones: ['prontera'] } })) as { restarted: string[] }
    expect(result.restarted).toEqual(['echo-a', 'echo-b'])
    expect(journal).toEqual(['stop echo-b#2', 'stop echo-a#1', 'start echo-a#3 zones=prontera', 'start echo-b#4 zones=prontera'])
    expect(await call(b, 'echoB.ping')).toEqual({ from: 'echo-b', instance: 4, upstream: 3 })
    // The old instances' metrics went with them: the new ones start from their own count.
    const after = await b.runtime.metricsRegistry().metrics()
    expect(after).toMatch(/^test_echo_b_pings_total 1$/m)
    expect(after).toMatch(/^test_echo_a_pings_total 0$/m)

    journal.length = 0
    await b.runtime.stop()
    expect(journal).toEqual(['stop echo-b#4', 'stop echo-a#3'])
  })

  it('applies config changes one at a time and leaks no status listener', async () => {
    const b = start([echoModule('echo-a', [], { sections: ['hosting'] })])
    await b.runtime.start()
    journal.length = 0
    const listenersBefore = b.runtime.events.listenerCount
    await Promise.all([
      call(b, 'config.update', { hosting: { zones: ['a'] } }),
      call(b, 'config.update', { hosting: { zones: ['b'] } }),
      call(b, 'config.update', { hosting: { zones: ['c'] } })
    ])
    // Never two instances at once: each restart finished before the next began.
    expect(journal.map((l) => l.split(' ')[0])).toEqual(['stop', 'start', 'stop', 'start', 'stop', 'start'])
    expect(journal.at(-1)).toMatch(/^start echo-a#\d+ zones=c$/)
    expect(b.runtime.events.listenerCount).toBe(listenersBefore)
  })

  it('a module disabled by the config shows why, its handlers answer unavailable; enabling it starts it', async () => {
    const b = start([echoModule('echo-a', [], { sections: ['hosting'], enabledWhen: (z) => z.length > 0 })])
    await b.runtime.start()
    expect(b.runtime.status().services.find((s) => s.name === 'echo-a')).toMatchObject({ state: 'disabled', detail: 'no zones configured' })
    await expect(call(b, 'echoA.ping')).rejects.toThrow(/not running/)
    await call(b, 'config.update', { hosting: { zones: ['prontera'] } })
    expect(b.runtime.status().services.find((s) => s.name === 'echo-a')).toMatchObject({ state: 'running' })
  })

  it('a transient start failure shows as reconnecting with the attempt and retries by itself', async () => {
    const b = start([echoModule('echo-a', [], { failFirstStarts: 2 })])
    const states: string[] = []
    b.runtime.events.on('app.status', (s) => {
      const a = s.services.find((x) => x.name === 'echo-a')
      if (a) states.push(`${a.state}${a.attempt ? `#${a.attempt}` : ''}${a.nextRetryAt ? '+next' : ''}`)
    })
    await b.runtime.start()
    expect(b.runtime.status().services.find((s) => s.name === 'echo-a')).toMatchObject({ state: 'reconnecting', attempt: 1, error: 'server not answering yet' })
    await until(() => b.runtime.status().services.find((s) => s.name === 'echo-a')?.state === 'running', 'the retry to succeed')
    expect(b.runtime.service<EchoService>('echo-a')!.startAttempts).toBe(0)
  })

  it('refuses a module list with an unknown dependency or a circle', () => {
    expect(() => dependencyOrder([echoModule('echo-b', ['echo-a'])])).toThrow(/depends on echo-a, which is not in the module list/)
    expect(() => dependencyOrder([echoModule('echo-a', ['echo-b']), echoModule('echo-b', ['echo-a'])])).toThrow(/circle: echo-a → echo-b → echo-a/)
  })
})
