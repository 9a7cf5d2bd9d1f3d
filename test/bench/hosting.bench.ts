/**
 * Peer hosting under load, printed (never asserted). Run: npm run bench:hosting [-- options]
 *
 *   --n 10,25,50,100   players per run (default)      --seconds 10   sending time per run
 *   --impl ndc|werift|mix  player stack (default ndc)  --per-process 10  players per process
 *   --rate 20 --size 120   each player's packets per second and bytes per packet
 *
 * For each N: a fresh WARP Host (the BUILT headless runtime, `npm run build`; embedded
 * coordinator, HOST_ZONES=bench, HOST_MAX_PLAYERS=200 — the zone's own max of 100 caps it) as a
 * separate process; N players spread over player processes (test/support/peers) join its session
 * all at once — the time until every player has both channels open is "join (all open)"; then
 * every player sends `rate` packets/s of `size` bytes for `seconds`, the host relaying each to
 * the N-1 others (batched per tick). Per run: delivered ratio (received / N·(N-1)·sent after the
 * queues drained), one-way latency p50/p99/max (sender's clock to receiver's, same machine),
 * host CPU in % of one core over the sending window (/proc/<pid>/stat deltas), host RSS (max
 * sampled), the player processes' CPU (are they the bottleneck?) and the largest send buffer of
 * a peer on the host when sending ends (werift falling behind shows there).
 *
 * BENCH_HOST_ENV='{"HOST_TICK_MS":"40"}': extra environment for the host (a setting's effect);
 * '{"WARP_WERIFT_SCTP_FIX":"off"}' runs werift's SCTP as it is (src/main/hosting/werift-sctp.ts).
 * BENCH_DEBUG=1: the host logs at debug (each peer's handshake stages, peer-link.ts) into
 * /tmp/bench-host-<N>.log, and every player's time to open is printed (find the stragglers).
 *
 * Issue 13 goals: 50 players ≥ 99.5 % delivered, p99 ≤ 60 ms, host ≤ 50 % of a core, RSS ≤ 160 MB;
 * 100 players ≥ 99 %; 50 simultaneous joins all open within 5 s. Shared 2-core machines move
 * ±20–30 % between runs: compare rows of one run.
 */
import { performance } from 'node:perf_hooks'
import { procStat, startHostingHost } from '../support/peers/hosting-host'
import { LatencyHistogram } from '../support/peers/packets'
import type { PlayerStats } from '../support/peers/player-core'
import { PlayerProcess, stopAllPlayerProcesses, waitFor, type PlayerImpl } from '../support/peers/players'

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}
const SIZES = arg('n', '10,25,50,100').split(',').map(Number)
const SECONDS = Number(arg('seconds', '10'))
const IMPL = arg('impl', 'ndc') as PlayerImpl | 'mix'
const PER_PROCESS = Number(arg('per-process', '10'))
const RATE = Number(arg('rate', '20'))
const SIZE = Number(arg('size', '120'))

interface Row {
  n: number
  opened: number
  joinAllOpenMs: number | null
  joinP50Ms: number | null
  sent: number
  expected: number
  delivered: number
  echoed: number
  p50: number | null
  p99: number | null
  max: number
  hostCpu: number
  hostRssMb: number
  playersCpu: number
  hostDropped: number
  bufferedMaxKb: number
  note: string
}

const fmt = (v: number | null, d = 0): string => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(d))

async function run(n: number): Promise<Row> {
  const host = await startHostingHost({
    zoneId: 'bench',
    maxPlayers: 200,
    // BENCH_HOST_ENV='{"HOST_TICK_MS":"40"}': settings for the host under test (try a setting's effect).
    env: { LOG_LEVEL: process.env.BENCH_DEBUG ? 'debug' : 'warn', ...(JSON.parse(process.env.BENCH_HOST_ENV ?? '{}') as Record<string, string>) }
  })
  const procs: PlayerProcess[] = []
  try {
    const count = Math.ceil(n / PER_PROCESS)
    for (let i = 0; i < count; i++) procs.push(await PlayerProcess.spawn(IMPL === 'mix' ? (i % 2 === 0 ? 'ndc' : 'werift') : IMPL))
    const players = Array.from({ length: n }, (_, i) => ({ proc: procs[i % count]!, id: `bench-${n}-${i}`, index: i + 1 }))

    // All join at once; half offer first, half wait for the host's offer.
    const t0 = performance.timeOrigin + performance.now()
    await Promise.all(players.map((p, i) => p.proc.player(p.id).join(host.target, { offerFirst: i % 2 === 1, index: p.index })))
    const openAll = async (): Promise<PlayerStats[]> => (await Promise.all(procs.map((p) => p.statsAll()))).flat()
    let stats = await waitFor(
      async () => {
        const s = await openAll()
        return s.every((x) => x.openedAt !== null || x.state === 'closed') ? s : null
      },
      `${n} players to open`,
      90_000,
      undefined,
      250
    ).catch(async () => openAll())
    const opened = stats.filter((s) => s.openedAt !== null && s.state === 'open')
    const lastOpen = Math.max(...opened.map((s) => s.openedAt!))
    const openTimes = opened.map((s) => s.openMs!).sort((a, b) => a - b)
    const joinAllOpenMs = opened.length === n ? lastOpen - t0 : null
    const joinP50Ms = openTimes.length ? openTimes[Math.floor(openTimes.length / 2)]! : null
    if (process.env.BENCH_DEBUG) console.log(`\nopen times (ms): ${[...opened].sort((a, b) => a.openMs! - b.openMs!).map((s) => `${s.peerId} ${Math.round(s.openMs!)}`).join(', ')}`)
    await waitFor(async () => (await host.session()).players >= opened.length, 'the host to count the players', 30_000, undefined, 250).catch(() => undefined)

    // Send: every open player `RATE`/s for SECONDS, starts spread over one period.
    const perPlayer = Math.round(RATE * SECONDS)
    const cpu0 = procStat(host.pid)
    const players0 = await Promise.all(procs.map((p) => p.usage()))
    const w0 = performance.now()
    let rssMax = cpu0?.rssBytes ?? 0
    const sampler = setInterval(() => {
      const s = procStat(host.pid)
      if (s) rssMax = Math.max(rssMax, s.rssBytes)
    }, 500)
    const openIds = new Set(opened.map((s) => s.peerId))
    await Promise.all(
      players
        .filter((p) => openIds.has(p.id))
        .map(async (p) => {
          await new Promise((r) => setTimeout(r, Math.random() * (1000 / RATE)))
          await p.proc.player(p.id).send({ count: perPlayer, rate: RATE, size: SIZE })
        })
    )
    const cpu1 = procStat(host.pid)
    const players1 = await Promise.all(procs.map((p) => p.usage()))
    const w1 = performance.now()
    // The host's view right at the end of sending: send buffers (does werift fall behind?).
    const atEnd = await host.session().catch(() => null)
    const bufferedMaxKb = atEnd ? Math.max(0, ...atEnd.peers.map((p) => p.bufferedBytes)) / 1024 : NaN

    // Drain: until everything arrived or nothing more arrives for 3 s (at most 30 s).
    const k = opened.length
    const expected = k * (k - 1) * perPlayer
    let last = -1
    let stableSince = performance.now()
    const drainEnd = performance.now() + 30_000
    for (;;) {
      stats = await openAll()
      const got = stats.reduce((a, s) => a + s.received.packets, 0)
      if (got >= expected) break
      if (got !== last) {
        last = got
        stableSince = performance.now()
      } else if (performance.now() - stableSince > 3000) break
      if (performance.now() > drainEnd) break
      await new Promise((r) => setTimeout(r, 250))
    }
    clearInterval(sampler)
    const session = await host.session().catch(() => null)
    const received = stats.reduce((a, s) => a + s.received.packets, 0)
    const hist = LatencyHistogram.merge(stats.map((s) => s.received.latency))
    const wallMs = w1 - w0
    const playersCpuMs = players1.reduce((a, u, i) => a + (u.cpu.user + u.cpu.system - players0[i]!.cpu.user - players0[i]!.cpu.system) / 1000, 0)
    const closed = stats.filter((s) => s.state === 'closed')
    return {
      n,
      opened: opened.length,
      joinAllOpenMs,
      joinP50Ms,
      sent: stats.reduce((a, s) => a + s.sent, 0),
      expected,
      delivered: expected > 0 ? received / expected : 0,
      echoed: stats.reduce((a, s) => a + s.received.echoed, 0),
      p50: LatencyHistogram.quantile(hist, 0.5),
      p99: LatencyHistogram.quantile(hist, 0.99),
      max: hist.max,
      hostCpu: cpu0 && cpu1 ? ((cpu1.cpuMs - cpu0.cpuMs) / wallMs) * 100 : NaN,
      hostRssMb: rssMax / 1024 / 1024,
      playersCpu: (playersCpuMs / wallMs) * 100,
      hostDropped: session?.dropped ?? -1,
      bufferedMaxKb,
      note: [
        opened.length < n ? `${n - opened.length} never opened` : '',
        closed.length ? `${closed.length} closed (${[...new Set(closed.map((c) => c.closedReason))].join('; ').slice(0, 80)})` : '',
        session ? `host lists ${session.players}` : ''
      ]
        .filter(Boolean)
        .join(', ')
    }
  } finally {
    await stopAllPlayerProcesses()
    if (process.env.BENCH_DEBUG) (await import('node:fs')).writeFileSync(`/tmp/bench-host-${n}.log`, host.output())
    const warnings = host.output().split('\n').filter((l) => / (WARN|ERROR) /.test(l))
    if (warnings.length) console.log(`\n  host warnings (${warnings.length}): ${warnings.slice(0, 5).map((l) => l.slice(0, 400)).join('\n    ')}`)
    await host.stop()
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:hosting — players: ${IMPL} (${PER_PROCESS} per process), ${RATE} msg/s × ${SIZE} B each, ${SECONDS} s per run, host tick 20 ms; machine: ${(await import('node:os')).cpus().length} cores`
  )
  const rows: Row[] = []
  for (const n of SIZES) {
    process.stdout.write(`N=${n} … `)
    const row = await run(n)
    rows.push(row)
    console.log(`delivered ${(row.delivered * 100).toFixed(2)} %, p99 ${fmt(row.p99, 1)} ms, host ${fmt(row.hostCpu)} % CPU ${fmt(row.hostRssMb)} MB`)
  }
  const header = ['N', 'open', 'join all (ms)', 'join p50 (ms)', 'delivered %', 'echoed', 'p50 ms', 'p99 ms', 'max ms', 'host CPU %', 'host RSS MB', 'players CPU %', 'host dropped', 'host buf max KB', 'note']
  const table = rows.map((r) => [
    String(r.n),
    `${r.opened}/${r.n}`,
    fmt(r.joinAllOpenMs),
    fmt(r.joinP50Ms),
    (r.delivered * 100).toFixed(2),
    String(r.echoed),
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    fmt(r.max, 0),
    fmt(r.hostCpu),
    fmt(r.hostRssMb),
    fmt(r.playersCpu),
    String(r.hostDropped),
    fmt(r.bufferedMaxKb),
    r.note
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${table.map(line).join('\n')}`)
  console.log('\nGoals (issue 13): N=50 ≥ 99.5 % delivered, p99 ≤ 60 ms, host ≤ 50 % of a core, RSS ≤ 160 MB; N=100 ≥ 99 %; 50 joins all open ≤ 5 s.')
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err)
    await stopAllPlayerProcesses()
    process.exit(1)
  }
)
