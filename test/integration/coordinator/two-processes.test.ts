/**
 * Two runtimes as separate processes (the BUILT headless app, out/main/headless.js): one serving
 * the embedded registry, one as its remote client (COORDINATOR_URL + COORDINATOR_API_KEY +
 * HOST_ZONES). Registration, the session for the zone and the host in its signaling room; the
 * registry SIGKILLed and started again on the same port with an empty data folder (it forgot
 * everything) and the client recovering by itself (re-registers, a new active session, back in
 * its room); a heartbeat (the real 30 s interval) reporting the player connected over WebRTC; the client
 * stopped with SIGTERM and its session ended, the host deregistered.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Player } from '../hosting-core/player'
import { createSignalingClient, type SignalingClient } from '../../../src/main/coordinator/signaling'
import { ENV_OVERRIDES } from '../../../src/shared/config-schema'

const root = path.resolve(__dirname, '../../..')
const entry = path.join(root, 'out/main/headless.js')
const dirs: string[] = []
const children: ChildProcess[] = []
const players: SignalingClient[] = []
const webrtcPlayers: Player[] = []
const KEY = 'two-process-test-key-0123456789'

beforeAll(() => {
  if (!fs.existsSync(entry)) throw new Error('out/main/headless.js is missing: run `npx electron-vite build` first (npm test does)')
})
afterEach(async () => {
  for (const p of players.splice(0)) await p.close()
  for (const p of webrtcPlayers.splice(0)) await p.close()
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }))
})

interface Run {
  child: ChildProcess
  output(): string
  exited: Promise<number | null>
}

function run(env: Record<string, string>): Run {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-proc-'))
  dirs.push(dataDir)
  const clean: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(ENV_OVERRIDES)) delete clean[name]
  delete clean.WARP_HOST_CONFIG
  delete clean.AI_IPC_CONFIG
  for (const k of Object.keys(clean)) if (k.startsWith('npm_')) delete clean[k]
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...clean, WARP_HOST_DATA_DIR: dataDir, ADMIN_PORT: '0', COORDINATOR_HOST: '127.0.0.1', LOG_FORMAT: 'text', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(child)
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => out, exited }
}

/** Polls every `everyMs` (the registry allows 100 requests a minute per client and path: poll gently). */
async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 20_000, output?: () => string, everyMs = 250): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v as NonNullable<T>
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${output ? `\n--- output ---\n${output().slice(-12000)}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

async function get(base: string, p: string): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(`${base}/api/v1${p}`, { headers: { 'x-api-key': KEY } })
    const text = await res.text()
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
  } catch {
    return { status: 0, body: undefined }
  }
}

type Host = { host_id: string; status: string; current_players: number; current_zones: number }
type Session = { session_id: string; host_id: string; zone_id: string; status: string }

const activeSession = async (base: string, hostId: string): Promise<Session | undefined> => {
  const r = await get(base, '/sessions/zone/prontera/active')
  return r.status === 200 ? (r.body as Session[]).find((s) => s.host_id === hostId && s.status === 'active') : undefined
}

function startRegistry(port: number): Run {
  return run({ COORDINATOR_PORT: String(port), COORDINATOR_API_KEY: KEY })
}

describe('two runtimes as separate processes: a registry and its remote client', () => {
  it('registers, hosts its zone, recovers from the registry being SIGKILLed and restarted, heartbeats, and ends its session on SIGTERM', async () => {
    // The registry process, on a free port it picks; its address from its log.
    let registry = startRegistry(0)
    const base = await waitFor(() => /embedded coordinator registry at (http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(registry.output())?.[1], 'the registry address', 30_000, () => registry.output())
    const port = Number(new URL(base).port)

    // The client process: remote coordinator, HOST_ZONES.
    const client = run({ COORDINATOR_URL: base, COORDINATOR_API_KEY: KEY, HOST_ZONES: 'prontera', LOG_LEVEL: 'debug' })
    const hostId = await waitFor(() => /registered host (host-[0-9a-f-]{36}) at http:\/\/127\.0\.0\.1:\d+/.exec(client.output())?.[1], 'the client registered', 30_000, () => client.output())
    expect(client.output()).not.toContain('embedded coordinator registry at')
    await waitFor(async () => ((await get(base, `/hosts/${hostId}`)).body as Host | undefined)?.status === 'online', 'the host online on the registry')
    const first = await waitFor(() => activeSession(base, hostId), 'an active session for prontera', 20_000, () => client.output())
    const p1 = createSignalingClient('ws', { url: base, peerId: 'player-1', backoff: { baseMs: 100, maxMs: 500, jitter: 0 } })
    players.push(p1)
    expect(await p1.join(first.session_id)).toEqual([hostId])
    await p1.close()

    // The registry dies without a goodbye and comes back on the same port with an empty data folder.
    registry.child.kill('SIGKILL')
    await registry.exited
    registry = startRegistry(port)
    await waitFor(() => registry.output().includes(`embedded coordinator registry at ${base}/api/v1`), 'the registry back on its port', 30_000, () => registry.output())

    // The client notices (its room connection dropped), registers again and opens a new session.
    const second = await waitFor(() => activeSession(base, hostId), 'the client back with a new session', 40_000, () => client.output())
    expect(second.session_id).not.toBe(first.session_id)
    expect(client.output()).toContain(`does not know host ${hostId} (restarted?): registering again`)
    // A real WebRTC player (werift) joins the new session: the host offers, the channels open.
    const p2 = new Player('player-2', base, second.session_id)
    webrtcPlayers.push(p2)
    await p2.join()
    await waitFor(() => p2.open, 'player-2 connected to the host over WebRTC', 20_000, () => client.output())

    // A heartbeat (every 30 s) reports the connected player.
    await waitFor(async () => ((await get(base, `/hosts/${hostId}`)).body as Host | undefined)?.current_players === 1, 'a heartbeat reporting the player', 45_000, () => client.output(), 1000)

    // SIGTERM: the client ends its session and deregisters before it exits.
    client.child.kill('SIGTERM')
    expect(await client.exited).toBe(0)
    expect(((await get(base, `/sessions/${second.session_id}`)).body as Session).status).toBe('ended')
    expect((await get(base, `/hosts/${hostId}`)).status).toBe(404)
    expect(await activeSession(base, hostId)).toBeUndefined()
  }, 180_000)
})
