/**
 * The coordinator client against the embedded registry in one runtime (real REST server, real
 * signaling WebSocket, real signaling clients): registration with the OS hardware under a kept
 * host_id, HOST_ZONES (zone created, one active session, the host in the session's room),
 * heartbeats with an injected short interval carrying the players of its rooms, re-registration
 * when the registry forgot the host, and on stop the session ended and the host deregistered.
 */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { boot, type Booted } from '../../../src/main/bootstrap'
import { HOST_ID_META_KEY } from '../../../src/main/coordinator/client'
import type { CoordinatorService } from '../../../src/main/coordinator/service'
import { createSignalingClient, type SignalingClient } from '../../../src/main/coordinator/signaling'
import { ConfigSchema } from '../../../src/shared/config-schema'
import { coordinatorModuleForTests, startRegistry, until, type Registered } from './harness'

const fastModule = coordinatorModuleForTests({ heartbeatMs: 100, backoff: { baseMs: 50, maxMs: 200, jitter: 0 } })

let booted: Booted | null = null
let dir = ''
const players: SignalingClient[] = []
afterEach(async () => {
  for (const p of players.splice(0)) await p.close()
  await booted?.runtime.stop()
  booted?.sink.closeFile()
  booted = null
  fs.rmSync(dir, { recursive: true, force: true })
})

function start(env: Record<string, string>): Booted {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-client-'))
  booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: path.join(dir, 'data'), COORDINATOR_PORT: '0', ...env }, write: () => undefined, modules: [fastModule] })
  return booted
}

async function api(svc: CoordinatorService, p: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${svc.registryServer!.url}/api/v1${p}`, { headers: { 'x-api-key': svc.apiKey } })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

type Host = { host_id: string; status: string; cpu_cores: number; memory_mb: number; current_players: number; current_zones: number; last_heartbeat: string }
type Session = { session_id: string; host_id: string; zone_id: string; status: string }

describe('the coordinator client against the embedded registry', () => {
  it('registers with the OS hardware, hosts HOST_ZONES in an active session and its room, heartbeats, and on stop ends the session and deregisters', async () => {
    const b = start({ HOST_ZONES: 'prontera' })
    await b.runtime.start()
    const svc = b.runtime.service<CoordinatorService>('coordinator')!
    expect(svc.status()).toMatchObject({ state: 'running', detail: expect.stringContaining('hosting prontera (session-') })
    const hostId = svc.hostAgent!.hostId
    expect(hostId).toMatch(/^host-[0-9a-f-]{36}$/)
    expect(b.runtime.store.getMeta(HOST_ID_META_KEY)).toBe(hostId)

    // Registration visible through the REST API, with this machine's hardware.
    const hosts = (await api(svc, '/hosts/')).body as Host[]
    expect(hosts).toHaveLength(1)
    expect(hosts[0]).toMatchObject({ host_id: hostId, status: 'online', cpu_cores: os.cpus().length, memory_mb: Math.floor(os.totalmem() / 1024 / 1024) })

    // The zone was created and one session is active for it: what players look up.
    expect((await api(svc, '/zones/prontera')).body).toMatchObject({ zone_id: 'prontera', p2p_enabled: true })
    const active = (await api(svc, '/sessions/zone/prontera/active')).body as Session[]
    expect(active).toEqual([expect.objectContaining({ host_id: hostId, zone_id: 'prontera', status: 'active' })])
    const sessionId = active[0]!.session_id
    expect(sessionId).toMatch(/^session-[0-9a-f]{16}$/)

    // A player joining the session's room over the real WebSocket finds the host there.
    const player = createSignalingClient('ws', { url: svc.registryServer!.url, peerId: 'player-1' })
    players.push(player)
    expect(await player.join(sessionId)).toEqual([hostId])

    // Heartbeats (100 ms injected) carry the players of the host's rooms and the zones it hosts.
    const before = svc.hostAgent!.view().heartbeats
    await until(async () => {
      const h = (await api(svc, `/hosts/${hostId}`)).body as Host
      return svc.hostAgent!.view().heartbeats >= before + 2 && h.current_players === 1 && h.current_zones === 1
    }, 'heartbeats reporting the player')
    expect(svc.hostAgent!.view().zones).toEqual([{ zoneId: 'prontera', sessionId, players: 1, inRoom: true }])
    expect(svc.hostAgent!.view().load).toEqual({ cpuLoad: expect.any(Number), memoryUsedMb: expect.any(Number) })
    expect(svc.status().detail).toMatch(/cpu load [\d.]+, memory used \d+ MB$/)
    // Session metrics are reported with the heartbeats.
    expect(((await api(svc, `/sessions/${sessionId}`)).body as { average_latency_ms: number }).average_latency_ms).toBeGreaterThan(0)

    // Stop: the session ends and the host is deregistered (read from the registry's tables: the registry is down now).
    await svc.stop()
    const db = b.runtime.store.database
    expect(db.prepare('SELECT status FROM coord_sessions WHERE session_id = ?').get(sessionId)).toEqual({ status: 'ended' })
    expect(db.prepare('SELECT COUNT(*) AS n FROM coord_hosts WHERE host_id = ?').get(hostId)).toEqual({ n: 0 })
  })

  it('empty HOST_ZONES is not hosting: no registration (no host a player could be sent to); the host_id is kept across restarts', async () => {
    const b = start({})
    await b.runtime.start()
    const idle = b.runtime.service<CoordinatorService>('coordinator')!
    expect(idle.status().detail).toContain('not hosting (HOST_ZONES is empty)')
    expect(idle.hostAgent).toBeNull()
    expect((await api(idle, '/hosts/')).body).toEqual([])
    expect((await api(idle, '/sessions/')).body).toEqual([])
    await b.runtime.dispatch('config.update', { hosting: { zones: ['geffen'] } }, { transport: 'test', client: 't' })
    const first = b.runtime.service<CoordinatorService>('coordinator')!
    const hostId = first.hostAgent!.hostId
    await first.stop()
    await first.start()
    expect(first.hostAgent!.hostId).toBe(hostId)
  })

  it('a change of hosting.zones restarts the module: the old zone\'s session ends, the new zone gets one, same host', async () => {
    const b = start({})
    await b.runtime.start()
    expect(b.runtime.service<CoordinatorService>('coordinator')!.hostAgent).toBeNull()
    const res = await b.runtime.dispatch('config.update', { hosting: { zones: ['payon'] } }, { transport: 'test', client: 't' })
    expect(res).toMatchObject({ ok: true, value: { restarted: ['coordinator'] } })
    const svc2 = b.runtime.service<CoordinatorService>('coordinator')!
    const hostId = svc2.hostAgent!.hostId
    const payon = (await api(svc2, '/sessions/zone/payon/active')).body as Session[]
    expect(payon).toEqual([expect.objectContaining({ host_id: hostId, status: 'active' })])
    const again = await b.runtime.dispatch('config.update', { hosting: { zones: ['alberta'] } }, { transport: 'test', client: 't' })
    expect(again.ok).toBe(true)
    const svc3 = b.runtime.service<CoordinatorService>('coordinator')!
    expect((await api(svc3, '/sessions/zone/payon/active')).body).toEqual([])
    expect(((await api(svc3, `/sessions/${payon[0]!.session_id}`)).body as Session).status).toBe('ended')
    expect((await api(svc3, '/sessions/zone/alberta/active')).body).toEqual([expect.objectContaining({ host_id: hostId, status: 'active' })])
  })

  it('re-registers and opens a new session when the registry forgot the host and ended its session', async () => {
    const b = start({ HOST_ZONES: 'geffen' })
    await b.runtime.start()
    const svc = b.runtime.service<CoordinatorService>('coordinator')!
    const hostId = svc.hostAgent!.hostId
    const first = ((await api(svc, '/sessions/zone/geffen/active')).body as Session[])[0]!.session_id
    // An operator (or a registry that lost its data) removes the host: its sessions end.
    const del = await fetch(`${svc.registryServer!.url}/api/v1/hosts/${hostId}`, { method: 'DELETE', headers: { 'x-api-key': svc.apiKey } })
    expect(del.status).toBe(204)
    await until(async () => {
      const s = (await api(svc, '/sessions/zone/geffen/active')).body as Session[]
      return s.length === 1 && s[0]!.session_id !== first && s[0]!.host_id === hostId
    }, 'the host back with a new session')
    expect(((await api(svc, `/hosts/${hostId}`)).body as Host).status).toBe('online')
    const second = svc.hostAgent!.view().zones[0]!.sessionId!
    await until(() => svc.hostAgent!.view().zones[0]!.inRoom, 'the host in the new room')
    const player = createSignalingClient('ws', { url: svc.registryServer!.url, peerId: 'player-2' })
    players.push(player)
    expect(await player.join(second)).toEqual([hostId])
    await until(async () => ((await api(svc, `/hosts/${hostId}`)).body as Host).current_players === 1, 'a heartbeat reporting the player in the new room')
  })
})

describe('the coordinator client against a remote coordinator', () => {
  let registry: Registered | null = null
  let regDir = ''
  afterEach(async () => {
    await registry?.close()
    registry = null
    if (regDir !== '') fs.rmSync(regDir, { recursive: true, force: true })
    regDir = ''
  })

  it('runs only the client; shows reconnecting while the coordinator is down and running once it is back, rejoining its room', async () => {
    const KEY = 'remote-test-key-0123456789abcdef'
    const probe = net.createServer()
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise<void>((res) => probe.close(() => res()))
    regDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-remote-'))
    registry = await startRegistry({
      apiKey: KEY,
      dataDir: regDir,
      overrides: { config: ConfigSchema.parse({ data_dir: regDir, coordinator: { port, api_key: KEY } }), signaling: true }
    })
    const base = `http://127.0.0.1:${port}`
    expect(registry.base).toBe(base)

    const b = start({ COORDINATOR_URL: base, COORDINATOR_API_KEY: KEY, HOST_ZONES: 'izlude' })
    await b.runtime.start()
    const svc = b.runtime.service<CoordinatorService>('coordinator')!
    expect(svc.status()).toMatchObject({ state: 'running', label: 'Coordinator (remote)', detail: expect.stringContaining(`at ${base}: registered, hosting izlude (session-`) })
    expect(svc.registryServer).toBeNull()
    const hostId = svc.hostAgent!.hostId
    const sessionId = svc.hostAgent!.view().zones[0]!.sessionId!
    expect((await registry.req('GET', '/api/v1/sessions/zone/izlude/active')).body).toEqual([expect.objectContaining({ session_id: sessionId, host_id: hostId, status: 'active' })])
    expect(b.runtime.httpMetrics().clients.map((c) => c.name)).toContain('coordinator')

    // The coordinator goes away: the client says so (reconnecting, with the reason) …
    await registry.svc.stop()
    await until(() => svc.status().state === 'reconnecting', 'reconnecting')
    expect(svc.status().error).toMatch(/no answer from the coordinator at http:\/\/127\.0\.0\.1:\d+/)

    // … and is running again once it is back (same data: same host and session), back in its room.
    await registry.svc.start()
    await until(() => svc.status().state === 'running' && svc.hostAgent!.view().zones[0]!.inRoom, 'running again', 15_000)
    expect(svc.hostAgent!.view().zones[0]!.sessionId).toBe(sessionId)
    const player = createSignalingClient('ws', { url: base, peerId: 'player-r' })
    players.push(player)
    expect(await player.join(sessionId)).toEqual([hostId])

    // Stopping the runtime ends the session and deregisters on the remote coordinator.
    await b.runtime.stop()
    expect((await registry.req('GET', `/api/v1/sessions/${sessionId}`)).body).toMatchObject({ status: 'ended' })
    expect((await registry.req('GET', `/api/v1/hosts/${hostId}`)).status).toBe(404)
  })

  it('a coordinator that is not up yet at start: reconnecting with attempts, then running once it answers', async () => {
    const KEY = 'late-test-key-0123456789abcdef'
    const probe = net.createServer()
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise<void>((res) => probe.close(() => res()))
    const b = start({ COORDINATOR_URL: `http://127.0.0.1:${port}`, COORDINATOR_API_KEY: KEY, HOST_ZONES: 'morroc' })
    await b.runtime.start()
    const svc = b.runtime.service<CoordinatorService>('coordinator')!
    await until(() => (svc.status().attempt ?? 0) >= 2, 'two start attempts')
    expect(svc.status()).toMatchObject({ state: 'reconnecting', nextRetryAt: expect.any(String), error: expect.stringContaining('no answer from the coordinator') })
    regDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-remote-'))
    registry = await startRegistry({ apiKey: KEY, dataDir: regDir, overrides: { config: ConfigSchema.parse({ data_dir: regDir, coordinator: { port, api_key: KEY } }), signaling: true } })
    await until(() => svc.status().state === 'running', 'running once the coordinator answers')
    expect((await registry.req('GET', '/api/v1/sessions/zone/morroc/active')).body).toEqual([expect.objectContaining({ host_id: svc.hostAgent!.hostId, status: 'active' })])
  })

  it('a wrong API key is an error with the coordinator\'s answer (not retried)', async () => {
    regDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-remote-'))
    registry = await startRegistry({ apiKey: 'the-right-key-0123456789', dataDir: regDir })
    const b = start({ COORDINATOR_URL: registry.base, COORDINATOR_API_KEY: 'a-wrong-key-0123456789', HOST_ZONES: 'izlude' })
    await b.runtime.start()
    expect(b.runtime.service<CoordinatorService>('coordinator')!.status()).toMatchObject({ state: 'error', error: 'POST /api/v1/hosts/register: 401 Invalid API key' })
  })
})
