/**
 * Every contract method and event is reachable over BOTH transports, against one real Runtime
 * (real services, temp data folder):
 *   (a) IPC — the Electron registrar with a fake ipcMain/BrowserWindow (vi.mock('electron')),
 *       calling the registered handle() callbacks the way Electron does for ipcRenderer.invoke;
 *   (b) the WebSocket bridge — a real AdminServer on port 0 with a real `ws` client.
 * The loops run over METHOD_NAMES and EVENT_NAMES, so a new contract entry is covered
 * automatically — and this test FAILS until the new method/event gets a sample below.
 */
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import type { BrowserWindow } from 'electron'
import {
  BRIDGE_PATH,
  EVENT_NAMES,
  METHOD_NAMES,
  events as eventSchemas,
  eventChannel,
  invokeChannel,
  methods as methodDefs,
  type BridgeServerMessage,
  type CallResult,
  type ContractErrorCode,
  type EventName,
  type EventPayload,
  type MethodInput,
  type MethodName
} from '../../src/shared/contract'
import { AdminServer } from '../../src/main/bridge/admin-server'
import { SERVICE_MODULES } from '../../src/main/services'
import { registerContractIpc } from '../../src/main/electron/ipc-registrar'
import { isRendererUrl, resolveRendererLocation, type RendererLocation } from '../../src/main/electron/window'
import { FakeBrowserWindow, fake, ipcMain, resetFakeElectron } from '../unit/electron/fake-electron'
import { startRealRuntime, type RealRuntime } from '../unit/electron/real-runtime'

vi.mock('electron', () => import('../unit/electron/fake-electron'))

// ---------------------------------------------------------------------------------------------
// Samples: one valid call per method, one valid payload per event. Add yours with the method.

interface Ctx {
  rt: RealRuntime
  /** An ai_requests row created before the calls run. */
  requestId: number
  /** A zone and a session in the embedded coordinator registry, created through its REST API. */
  zoneId: string
  sessionId: string
}

interface MethodSample<M extends MethodName> {
  input: (ctx: Ctx) => MethodInput<M> | undefined
  /** Default: the call succeeds and its value matches the method's output schema. */
  expectError?: ContractErrorCode
}

const METHOD_SAMPLES: { [M in MethodName]?: MethodSample<M> } = {
  'app.status': { input: () => undefined },
  'logs.tail': { input: () => ({ limit: 20, level: 'info' }) },
  'config.get': { input: () => ({}) },
  'config.update': { input: () => ({ logging: { level: 'debug' } }) },
  'config.reload': { input: () => undefined },
  'requests.stats': { input: () => undefined },
  'requests.list': { input: () => ({ limit: 10 }) },
  'requests.get': { input: (c) => ({ id: c.requestId }) },
  'requests.retry': { input: (c) => ({ ids: [c.requestId] }) },
  'requests.cancel': { input: (c) => ({ ids: [c.requestId] }) },
  'requests.resetStuck': { input: () => ({ olderThanSeconds: 3600 }) },
  'requests.purge': { input: () => ({ olderThanDays: 3650, confirm: true }) },
  'requests.submitTest': { input: () => ({ type: 'health_check', waitMs: 0 }) },
  'ai.testConnection': { input: () => ({}) },
  'ai.testService': { input: () => ({ baseUrl: 'http://127.0.0.1:9' }) },
  'metrics.http': { input: () => undefined },
  'coordinator.info': { input: () => undefined },
  'coordinator.hosts': { input: () => ({ status: 'online', minQualityScore: 50 }) },
  'coordinator.zones': { input: () => ({ p2pEnabled: true }) },
  'coordinator.sessions': { input: () => ({ status: 'active', limit: 10 }) },
  'coordinator.setZoneP2p': { input: (c) => ({ zoneId: c.zoneId, enabled: true }) },
  'coordinator.updateZone': {
    input: (c) => ({
      zoneId: c.zoneId,
      requirements: { min_host_quality_score: 40, min_bandwidth_mbps: 5, max_latency_ms: 150, p2p_priority: 7, max_players: 80, recommended_players: 40 }
    })
  },
  'coordinator.endSession': { input: (c) => ({ sessionId: c.sessionId, reason: 'sample' }) },
  'hosting.sessions': { input: () => undefined },
  'hosting.kick': { input: () => ({ sessionId: 'no-such-session', peerId: 'nobody', reason: 'sample' }), expectError: 'not_found' },
  'hosting.notice': { input: () => ({ text: 'a notice nobody hears' }) },
  'hosting.pause': { input: () => ({ reason: 'sample' }) },
  'hosting.resume': { input: () => undefined },
  // No desktop shell is attached to this runtime: info says "not available", the actions are unavailable.
  'shell.info': { input: () => undefined },
  'shell.setLaunchAtLogin': { input: () => ({ enabled: true }), expectError: 'unavailable' },
  'shell.checkForUpdates': { input: () => undefined, expectError: 'unavailable' },
  'shell.installUpdate': { input: () => undefined, expectError: 'unavailable' },
  'inbox.status': { input: () => undefined },
  'inbox.errors': { input: () => ({ limit: 10, group: 'main' }) },
  'training.info': { input: () => undefined },
  'training.jobs': { input: () => ({ limit: 10 }) },
  'training.job': { input: () => ({ jobId: 'no-such-job' }), expectError: 'not_found' },
  // RabbitMQ is off in this runtime (ENABLE_RABBITMQ defaults to false): submitting says so.
  'training.submit': {
    input: () => ({
      dataset: { name: 'sample', s3_prefix: 'datasets/sample/' },
      output: { prefix: 'models/yolov8n', model_name: 'sample.pt' },
      hyperparams: { model: 'yolov8n', epochs: 3, batch: 16, imgsz: 640 }
    }),
    expectError: 'unavailable'
  }
}

/** A host, a P2P zone and a session in the embedded registry (REST, with its API key). */
async function seedRegistry(c: Ctx): Promise<void> {
  const info = (await callValue(c, 'coordinator.info', undefined)) as { url: string | null; apiKey: string | null }
  if (!info.url || !info.apiKey) throw new Error('the embedded coordinator registry is not running')
  const post = async (p: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${info.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': info.apiKey! }, body: JSON.stringify(body) })
    if (!res.ok) throw new Error(`POST ${p}: ${res.status} ${await res.text()}`)
    return (await res.json()) as Record<string, unknown>
  }
  const host = { host_id: 'sample-host', player_id: 'p1', player_name: 'Sample', ip_address: '127.0.0.1', port: 7000, cpu_cores: 8, cpu_frequency_mhz: 3000, memory_mb: 16384, network_speed_mbps: 1000 }
  await post('/hosts/register', host)
  await post('/zones/', { zone_id: 'sample-zone', zone_name: 'Sample', p2p_enabled: true, min_host_quality_score: 0 })
  const session = await post('/sessions/', { host_id: 'sample-host', zone_id: 'sample-zone', player_ids: ['p2'] })
  c.zoneId = 'sample-zone'
  c.sessionId = String(session.session_id)
}

type EventSample<E extends EventName> = (ctx: Ctx) => Promise<EventPayload<E>> | EventPayload<E>

async function callValue<M extends MethodName>(ctx: Ctx, method: M, input: MethodInput<M> | undefined): Promise<unknown> {
  const r = await ctx.rt.runtime.dispatch(method, input, { transport: 'test', client: 'samples' })
  if (!r.ok) throw new Error(`${method} failed while building a sample: ${r.error.message}`)
  return r.value
}

const EVENT_SAMPLES: { [E in EventName]?: EventSample<E> } = {
  'app.status': (c) => c.rt.runtime.status(),
  'logs.entries': () => [{ seq: 987654, time: new Date().toISOString(), level: 'info', scope: 'transport-test', msg: 'a log line over both transports' }],
  'config.changed': (c) => c.rt.configStore.view(),
  'requests.stats': async (c) => (await callValue(c, 'requests.stats', undefined)) as EventPayload<'requests.stats'>,
  'requests.changed': () => ({ at: new Date().toISOString(), statuses: ['pending', 'completed'], changed: 2, maxId: 4242 }),
  'app.notification': () => ({
    id: '9f1c2f43-0000-4000-8000-000000000001',
    kind: 'service.recovered',
    level: 'info',
    title: 'AI request poller recovered',
    body: 'MariaDB answers again.',
    at: new Date().toISOString()
  }),
  'hosting.changed': async (c) => (await callValue(c, 'hosting.sessions', undefined)) as EventPayload<'hosting.changed'>,
  'shell.changed': async (c) => (await callValue(c, 'shell.info', undefined)) as EventPayload<'shell.changed'>,
  'inbox.changed': async (c) => (await callValue(c, 'inbox.status', undefined)) as EventPayload<'inbox.changed'>,
  'training.changed': async (c) => ({
    info: (await callValue(c, 'training.info', undefined)) as EventPayload<'training.changed'>['info'],
    jobs: [],
    epochs: [{ jobId: 'abc12345', epoch: 15, totalEpochs: 100, progress: 15, metrics: { train_loss: 0.0234, mAP50: 0.789 }, at: new Date().toISOString() }],
    truncated: false,
    at: new Date().toISOString()
  })
}

// ---------------------------------------------------------------------------------------------
// The two transports

class BridgeClient {
  private nextId = 1
  private pending = new Map<number, (r: CallResult) => void>()
  readonly events: { event: string; payload: unknown }[] = []
  hello: Extract<BridgeServerMessage, { t: 'hello' }> | null = null

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as BridgeServerMessage
      if (msg.t === 'hello') this.hello = msg
      else if (msg.t === 'result') this.pending.get(msg.id)?.(msg.result)
      else if (msg.t === 'event') this.events.push({ event: msg.event, payload: msg.payload })
    })
  }

  static async connect(url: string): Promise<BridgeClient> {
    const ws = new WebSocket(url)
    const client = new BridgeClient(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    await vi.waitFor(() => expect(client.hello).not.toBeNull())
    return client
  }

  call(method: string, input: unknown): Promise<CallResult> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.ws.send(JSON.stringify({ t: 'call', id, method, ...(input === undefined ? {} : { input }) }))
    })
  }

  close(): void {
    this.ws.close()
  }
}

const TOKEN = 'transport-test-token-0123456789'
let ctx: Ctx
let admin: AdminServer
let bridge: BridgeClient
let win: FakeBrowserWindow
let location: RendererLocation
let disposeIpc: () => void

function ipcCall(method: MethodName, input: unknown, sender: unknown = win.webContents): Promise<CallResult> {
  return ipcMain.invoke(invokeChannel(method), { sender, senderFrame: { url: `${location.url}#/` } }, input) as Promise<CallResult>
}

function checkResult(method: MethodName, r: CallResult): void {
  const sample = METHOD_SAMPLES[method]
  if (sample?.expectError) {
    expect(r, `${method} should fail with ${sample.expectError}`).toMatchObject({ ok: false, error: { code: sample.expectError } })
    return
  }
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code}: ${r.error.message}`)
  const parsed = methodDefs[method].output.safeParse(r.value)
  expect(parsed.success, `${method} result does not match its output schema: ${parsed.error?.message ?? ''}`).toBe(true)
}

function sampleInput(method: MethodName): unknown {
  const sample = METHOD_SAMPLES[method] as MethodSample<MethodName> | undefined
  if (!sample) throw new Error(`no sample for ${method}`)
  return sample.input(ctx)
}

beforeAll(async () => {
  resetFakeElectron()
  const rt = await startRealRuntime({
    modules: SERVICE_MODULES,
    env: { ADMIN_PORT: '0', COORDINATOR_PORT: '0', DB_DRIVER: 'sqlite', AI_SERVICE_BASE_URL: 'http://127.0.0.1:9' }
  })
  ctx = { rt, requestId: 0, zoneId: 'none', sessionId: 'none' }
  if (METHOD_NAMES.includes('requests.submitTest' as MethodName)) {
    const created = (await callValue(ctx, 'requests.submitTest', { type: 'health_check', waitMs: 0 })) as { id: number }
    ctx.requestId = created.id
  }
  if (METHOD_NAMES.includes('coordinator.endSession' as MethodName)) await seedRegistry(ctx)

  // (a) IPC: the registrar on a fake window whose page is our built index.html.
  location = resolveRendererLocation({ isPackaged: true, devServerUrl: undefined, rendererHtml: '/opt/warp/out/renderer/index.html', log: rt.sink.logger('t') })
  win = new FakeBrowserWindow({})
  disposeIpc = registerContractIpc({ window: fake<BrowserWindow>(win), runtime: rt.runtime, isRendererUrl: (u) => isRendererUrl(u, location), log: rt.sink.logger('ipc') })

  // (b) The WebSocket bridge on an ephemeral port.
  admin = new AdminServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    rendererDir: null,
    dispatch: rt.runtime.dispatch,
    events: rt.runtime.events,
    log: rt.sink.logger('admin'),
    version: rt.runtime.version
  })
  await admin.start()
  bridge = await BridgeClient.connect(`ws://127.0.0.1:${admin.address.port}${BRIDGE_PATH}?token=${TOKEN}`)
})

afterAll(async () => {
  bridge?.close()
  disposeIpc?.()
  await admin?.stop()
  if (ctx) {
    await ctx.rt.cleanup()
    expect(fs.existsSync(ctx.rt.dataDir)).toBe(false)
  }
})

describe('contract samples', () => {
  it('every contract method has a sample call (add one to METHOD_SAMPLES with the method)', () => {
    const missing = METHOD_NAMES.filter((m) => !METHOD_SAMPLES[m])
    expect(missing, `methods without a sample: ${missing.join(', ')}`).toEqual([])
  })

  it('every contract event has a sample payload (add one to EVENT_SAMPLES with the event)', () => {
    const missing = EVENT_NAMES.filter((e) => !EVENT_SAMPLES[e])
    expect(missing, `events without a sample: ${missing.join(', ')}`).toEqual([])
  })

  it('no sample is left for a method or event that no longer exists', () => {
    expect(Object.keys(METHOD_SAMPLES).filter((m) => !METHOD_NAMES.includes(m as MethodName))).toEqual([])
    expect(Object.keys(EVENT_SAMPLES).filter((e) => !EVENT_NAMES.includes(e as EventName))).toEqual([])
  })

  it('the sample inputs are valid and the sample payloads match their event schemas', async () => {
    for (const m of METHOD_NAMES.filter((x) => METHOD_SAMPLES[x])) {
      const parsed = methodDefs[m].input.safeParse(sampleInput(m))
      expect(parsed.success, `sample input for ${m}: ${parsed.error?.message ?? ''}`).toBe(true)
    }
    for (const e of EVENT_NAMES) {
      const make = EVENT_SAMPLES[e] as EventSample<EventName> | undefined
      if (!make) continue
      const parsed = eventSchemas[e].safeParse(await make(ctx))
      expect(parsed.success, `sample payload for ${e}: ${parsed.error?.message ?? ''}`).toBe(true)
    }
  })
})

describe('IPC transport (ipcMain registrar)', () => {
  it('registers exactly the contract methods', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => invokeChannel(m)).sort())
  })

  it.each(METHOD_NAMES)('%s is reachable and answers per its schema', async (m) => {
    checkResult(m, await ipcCall(m, sampleInput(m)))
  })

  it.each(METHOD_NAMES)('%s refuses a foreign window (forbidden)', async (m) => {
    const stranger = new FakeBrowserWindow({})
    expect(await ipcCall(m, sampleInput(m), stranger.webContents)).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it.each(EVENT_NAMES)('event %s arrives on its ipc channel', async (e) => {
    const make = EVENT_SAMPLES[e] as EventSample<EventName> | undefined
    if (!make) throw new Error(`no sample for ${e}`)
    const payload = await make(ctx)
    ctx.rt.runtime.events.emit(e, payload as never)
    expect(win.webContents.send).toHaveBeenCalledWith(eventChannel(e), payload)
  })
})

describe('WebSocket bridge transport (AdminServer)', () => {
  it('announces exactly the contract methods and events in its hello', () => {
    expect(bridge.hello?.methods.slice().sort()).toEqual([...METHOD_NAMES].sort())
    expect(bridge.hello?.events.slice().sort()).toEqual([...EVENT_NAMES].sort())
  })

  it.each(METHOD_NAMES)('%s is reachable and answers per its schema', async (m) => {
    checkResult(m, await bridge.call(m, sampleInput(m)))
  })

  it.each(EVENT_NAMES)('event %s arrives as a bridge event frame', async (e) => {
    const make = EVENT_SAMPLES[e] as EventSample<EventName> | undefined
    if (!make) throw new Error(`no sample for ${e}`)
    const payload = await make(ctx)
    const wire = JSON.parse(JSON.stringify(payload)) as unknown
    ctx.rt.runtime.events.emit(e, payload as never)
    await vi.waitFor(() => {
      expect(bridge.events.some((x) => x.event === e && JSON.stringify(x.payload) === JSON.stringify(wire))).toBe(true)
    })
  })

  it('refuses a client without the token (close 4401), like ipc refuses a foreign window', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${admin.address.port}${BRIDGE_PATH}`)
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)))
    expect(code).toBe(4401)
  })
})
