/**
 * Signaling relay throughput and latency of the embedded registry's SignalingServer, printed
 * (never asserted). Run: npm run bench:coordinator:signaling [-- phaseSeconds] [rates,…]
 *
 * The server runs in a child process (its own event loop, as in the app) on 127.0.0.1:0; this
 * process holds 200 real `ws` peers in 20 rooms of 10 (joined by query, the spec's protocol).
 * Every peer sends offers round-robin to the other 9 of its room, paced so that all peers together
 * offer a target rate; phases step the rate up (default 5k, 10k, 20k, 40k, 60k, 80k msg/s, 3 s each).
 * Each offer carries its send time in `sdp`; the receiver reads it back: latency = send → receive
 * through the server (same clock, one process). Per phase: offered and delivered msg/s, p50 / p99 /
 * max latency, undelivered. The headline is the highest delivered rate whose p99 ≤ 20 ms (goal ≥
 * 20,000 msg/s; FastAPI-class servers manage a few thousand).
 * Bounded: 200 peers, ≤ 8 phases, ≤ 10 s each, loopback only. Shared machines move ±20–30 %:
 * compare phases of one run, not runs. `--baseline` adds a bare ws relay (the floor) with its own
 * 200 peers; the phases alternate between the two so both see the same machine.
 */
import { fork, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { SignalingServer } from '../../src/main/coordinator/signaling/server'
import { SIGNALING_WS_PATH } from '../../src/main/coordinator/signaling/protocol'

const PEERS = 200
const ROOM = 10
const TICK_MS = 10

/**
 * The floor: a bare `ws` relay with none of the server's work (no validation, rooms, rate limit,
 * socket.io) — parse, look the receiver up, add from/timestamp, send. `--baseline` runs it too.
 */
function bareRelay(server: http.Server): { stats(): { relayed: number }; close(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: SIGNALING_WS_PATH, perMessageDeflate: false })
  const byId = new Map<string, WebSocket>()
  let relayed = 0
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const id = url.searchParams.get('peer_id') ?? ''
    byId.set(id, ws)
    ws.send(JSON.stringify({ type: 'session-joined', session_id: url.searchParams.get('session_id'), peers: [] }))
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; to: string; sdp: unknown }
      const target = byId.get(m.to)
      if (target) {
        target.send(JSON.stringify({ type: m.type, from: id, sdp: m.sdp, timestamp: new Date().toISOString() }))
        relayed++
      }
    })
  })
  return { stats: () => ({ relayed }), close: () => new Promise<void>((r) => wss.close(() => r())) }
}

async function serverMain(baseline: boolean): Promise<void> {
  const server = http.createServer()
  const signaling = baseline ? bareRelay(server) : new SignalingServer()
  if (signaling instanceof SignalingServer) signaling.attach(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  process.send?.({ port: (server.address() as AddressInfo).port })
  process.on('message', (m: { cmd?: string }) => {
    if (m.cmd === 'stats') process.send?.({ stats: signaling.stats(), cpu: process.cpuUsage() })
    if (m.cmd === 'exit') {
      void signaling.close().then(() => {
        server.closeAllConnections()
        server.close(() => process.exit(0))
      })
    }
  })
}

interface Peer {
  id: string
  ws: WebSocket
  others: string[]
  next: number
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function ask<T>(child: ChildProcess, cmd: string, key: string): Promise<T> {
  return new Promise<T>((resolve) => {
    const on = (m: Record<string, unknown>): void => {
      if (key in m) {
        child.off('message', on)
        resolve(m as T)
      }
    }
    child.on('message', on)
    child.send({ cmd })
  })
}

interface Row {
  rate: number
  delivered: number
  p50: number
  p99: number
  max: number
  errors: number
  cpuPct: number
  relayed: number
  sent: number
}

/** One server (child process) and its 200 peers; `phase` offers a rate for a while and measures. */
class Target {
  private recording = false
  private latencies: number[] = []
  private received = 0
  private lastReceivedAt = 0
  private errors = 0
  private turn = 0
  private readonly peers: Peer[] = []

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess
  ) {}

  static async start(label: string, bare: boolean): Promise<Target> {
    const child = fork(process.argv[1]!, bare ? ['--server', '--bare'] : ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)))
    const t = new Target(label, child)
    await t.connect(`ws://127.0.0.1:${port}${SIGNALING_WS_PATH}`)
    return t
  }

  private async connect(base: string): Promise<void> {
    const joined: Promise<void>[] = []
    for (let i = 0; i < PEERS; i++) {
      const room = Math.floor(i / ROOM)
      const id = `p${i}`
      const others = Array.from({ length: ROOM }, (_, k) => `p${room * ROOM + k}`).filter((p) => p !== id)
      const ws = new WebSocket(`${base}?peer_id=${id}&session_id=room-${room}`, { perMessageDeflate: false })
      joined.push(
        new Promise<void>((resolve, reject) => {
          ws.once('error', reject)
          const first = (data: WebSocket.RawData): void => {
            if (String(data).includes('"type":"session-joined"')) {
              ws.off('message', first)
              resolve()
            }
          }
          ws.on('message', first)
        })
      )
      ws.on('message', (data) => {
        const s = String(data)
        const at = s.indexOf('"sdp":"t:')
        if (at >= 0) {
          this.received++
          this.lastReceivedAt = performance.now()
          if (this.recording) this.latencies.push(performance.now() - Number(s.slice(at + 9, s.indexOf('"', at + 9))))
        } else if (s.includes('"type":"error"')) this.errors++
      })
      this.peers.push({ id, ws, others, next: i % (ROOM - 1) })
    }
    await Promise.all(joined)
  }

  private send(count: number): void {
    for (let k = 0; k < count; k++) {
      const p = this.peers[this.turn++ % PEERS]!
      const to = p.others[p.next++ % p.others.length]!
      p.ws.send(`{"type":"offer","to":"${to}","sdp":"t:${performance.now()}"}`)
    }
  }

  async phase(rate: number, seconds: number): Promise<Row> {
    this.latencies = []
    this.received = 0
    this.errors = 0
    const before = await ask<{ stats: { relayed: number }; cpu: NodeJS.CpuUsage }>(this.child, 'stats', 'stats')
    this.recording = true
    let sent = 0
    const t0 = performance.now()
    const durationMs = seconds * 1000
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        // Paced against the clock: what is due so far minus what went out (a late tick catches up).
        const elapsed = Math.min(durationMs, performance.now() - t0)
        const due = Math.round((elapsed / 1000) * rate) - sent
        if (due > 0) {
          this.send(due)
          sent += due
        }
        if (elapsed >= durationMs) {
          clearInterval(timer)
          resolve()
        }
      }, TICK_MS)
    })
    // Let what is in flight arrive (bounded: until all are in, or 2 s).
    const drainStart = performance.now()
    while (this.received + this.errors < sent && performance.now() - drainStart < 2000) await new Promise<void>((r) => setTimeout(r, 5))
    this.recording = false
    // Delivered rate over the phase up to the last arrival (not the idle end of the drain wait).
    const elapsed = (Math.max(durationMs, this.lastReceivedAt - t0) || durationMs) / 1000
    const after = await ask<{ stats: { relayed: number }; cpu: NodeJS.CpuUsage }>(this.child, 'stats', 'stats')
    const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000
    const sorted = Float64Array.from(this.latencies).sort()
    return {
      rate,
      delivered: this.received / elapsed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
      errors: this.errors,
      cpuPct: (cpuMs / 1000 / elapsed) * 100,
      relayed: after.stats.relayed - before.stats.relayed,
      sent
    }
  }

  async stop(): Promise<void> {
    for (const p of this.peers) p.ws.close()
    this.child.send({ cmd: 'exit' })
    await new Promise<void>((r) => this.child.once('exit', () => r()))
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'))
  const phaseSeconds = Math.min(10, Number(args[0] ?? 3))
  const rates = (args[1] ?? '5000,10000,20000,40000,60000,80000').split(',').map(Number).slice(0, 8)
  const targets = [await Target.start('ours', false)]
  if (process.argv.includes('--baseline')) targets.push(await Target.start('bare', true))
  console.log(`${PEERS} ws peers per server in ${PEERS / ROOM} rooms of ${ROOM}; ${phaseSeconds} s per phase${targets.length > 1 ? '; phases alternate ours / bare ws relay (the floor)' : ''}`)
  // 1 s at 2,000 msg/s warms each up (not reported).
  for (const t of targets) await t.phase(2000, 1)
  console.log('server  offered/s  delivered/s    p50 ms    p99 ms    max ms  errors  server CPU')
  const results = new Map<string, Row[]>(targets.map((t) => [t.label, []]))
  for (const rate of rates) {
    for (const t of targets) {
      const row = await t.phase(rate, phaseSeconds)
      results.get(t.label)!.push(row)
      console.log(
        `${t.label.padEnd(6)}  ${String(rate).padStart(9)}  ${Math.round(row.delivered).toString().padStart(11)}  ${row.p50.toFixed(2).padStart(8)}  ${row.p99.toFixed(2).padStart(8)}  ${row.max.toFixed(1).padStart(8)}  ${String(row.errors).padStart(6)}  ${row.cpuPct.toFixed(0).padStart(5)} %` +
          `  (relayed ${row.relayed} of ${row.sent} sent)`
      )
    }
  }
  for (const [label, rows] of results) {
    const ok = rows.filter((r) => r.p99 <= 20)
    const best = ok.length ? ok.reduce((a, b) => (b.delivered > a.delivered ? b : a)) : null
    console.log(
      best
        ? `${label}: best at p99 ≤ 20 ms: ${Math.round(best.delivered)} relayed msg/s (p50 ${best.p50.toFixed(2)} ms, p99 ${best.p99.toFixed(2)} ms)${label === 'ours' ? '; goal ≥ 20,000' : ''}`
        : `${label}: no phase kept p99 ≤ 20 ms`
    )
  }
  for (const t of targets) await t.stop()
}

if (process.argv.includes('--server')) void serverMain(process.argv.includes('--bare'))
else
  main().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
