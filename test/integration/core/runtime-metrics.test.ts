/**
 * Metrics owned by services: a small module plugged into a real runtime registers a counter in
 * its ServiceContext.metrics; the runtime's merged registry exports it beside the runtime's own
 * metrics while the service runs, drops it when the service stops (disabled by its section) and
 * exports the new instance's registry — not the old one — after a restart.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Counter, type Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { boot, type Booted } from '../../../src/main/bootstrap'
import { exposition } from '../../../src/main/metrics/prometheus'
import { LifecycleService } from '../../../src/main/service'
import { defineModule } from '../../../src/main/service-module'
import { findSamples, parseExposition, sampleValue, type Exposition } from '../../unit/metrics-exposition'

class ProbeService extends LifecycleService {
  readonly ticks: Counter
  constructor(metrics: Registry, readonly instance: number) {
    super('probe', 'Probe')
    this.ticks = new Counter({ name: 'warp_probe_ticks_total', help: 'Ticks of the probe service instance', registers: [metrics] })
  }
  protected onStart(): Promise<void> {
    return Promise.resolve()
  }
  protected onStop(): Promise<void> {
    return Promise.resolve()
  }
}

let instances = 0
const probeModule = defineModule({
  name: 'probe',
  label: 'Probe',
  sections: ['polling'],
  dependsOn: [],
  enabled: (config) => (config.polling.enabled ? true : { disabled: 'polling.enabled is false' }),
  create: (ctx) => new ProbeService(ctx.metrics, ++instances),
  handlers: () => ({}),
  migrations: []
})

let booted: Booted | null = null
let dataDir = ''

afterEach(async () => {
  await booted?.runtime.stop()
  booted = null
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
})

async function scrape(): Promise<Exposition> {
  return parseExposition(await exposition(booted!.runtime.metricsRegistry()))
}

describe('a module’s own metrics in the export', () => {
  it('are exported while its service runs, leave when it stops and come back from the new instance', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-runtime-metrics-'))
    booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: dataDir, LOG_LEVEL: 'error' }, modules: [probeModule], write: () => undefined })
    const runtime = booted.runtime
    await runtime.start()
    const first = runtime.service<ProbeService>('probe')!
    first.ticks.inc(3)
    let exp = await scrape()
    expect(sampleValue(exp, 'warp_probe_ticks_total')).toBe(3)
    expect(sampleValue(exp, 'warp_service_up', { service: 'probe' })).toBe(1)
    expect(exp.types.get('warp_nodejs_eventloop_lag_seconds')).toBe('gauge')

    // Restarted by a change to its section: the new instance's registry, from zero.
    const restarted = await runtime.dispatch('config.update', { polling: { interval_ms: 250 } }, { transport: 'test', client: 'runtime-metrics' })
    expect(restarted).toMatchObject({ ok: true, value: { restarted: ['probe'] } })
    const second = runtime.service<ProbeService>('probe')!
    expect(second.instance).toBe(first.instance + 1)
    first.ticks.inc(100) // the old instance no longer counts
    second.ticks.inc()
    exp = await scrape()
    expect(sampleValue(exp, 'warp_probe_ticks_total')).toBe(1)

    // Stopped (disabled): its family leaves the export; the runtime's say it is down.
    await runtime.dispatch('config.update', { polling: { enabled: false } }, { transport: 'test', client: 'runtime-metrics' })
    exp = await scrape()
    expect(exp.types.has('warp_probe_ticks_total')).toBe(false)
    expect(findSamples(exp, 'warp_probe_ticks_total')).toEqual([])
    expect(sampleValue(exp, 'warp_service_state', { service: 'probe', state: 'disabled' })).toBe(1)

    // Enabled again: back, from a third instance.
    await runtime.dispatch('config.update', { polling: { enabled: true } }, { transport: 'test', client: 'runtime-metrics' })
    exp = await scrape()
    expect(sampleValue(exp, 'warp_probe_ticks_total')).toBe(0)
    expect(runtime.service<ProbeService>('probe')!.instance).toBe(first.instance + 2)
    expect(sampleValue(exp, 'warp_service_up', { service: 'probe' })).toBe(1)
  })
})
