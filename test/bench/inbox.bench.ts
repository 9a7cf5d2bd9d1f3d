/**
 * `npm run bench:inbox`: the inbox's file channel (spec-messaging.md) against the seed's claims
 * (< 10 ms, ~10,000 messages/s with fs.watch; 0–1,000 ms and ~1,000/s for a 1 s polling loop) and
 * against this machine's bare file-system ceiling. Prints; asserts nothing.
 *
 * The inbox runs in a child process (fixtures/inbox-child.ts: FileInbox + the app database, as in
 * the app, with a trivial heartbeat handler); this process is the sender: it writes messages
 * (temporary name + rename, requiresAck) and watches acks/ for the ACK files.
 * - write → ACK latency p50/p99 at 1,000 messages/s offered (5 s);
 * - sustained messages/s for 10,000 messages from one writer (first write → last ACK);
 * - the same with the polling baseline (the same channel with fs.watch off and a 1 s rescan);
 * - the backlog drain: 10,000 messages written before the inbox starts, first ACK → last ACK (the
 *   inbox's own capacity, no writer competing for the CPU);
 * - the bare writer + reader pair: the sustained run's pattern with nothing but the file calls
 *   (a writer process, a synchronous reader), measured after each run — what this machine allows;
 * - the ceiling: read, write the ACK, unlink, in a tight synchronous loop in one thread; ours as a
 *   fraction of it.
 * Options: --messages N (sustained, default 10,000), --rate R (default 1,000/s), --seconds S (5),
 * --async (also ours with each file operation on libuv's pool, as the app did before),
 * --sync (also ours with the file operations synchronous on the event loop), for comparison;
 * --rounds R (every variant R times, the order rotated each round; medians and each run).
 * The machine is shared and noisy: compare ratios within one run.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'

const args = process.argv.slice(2)
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(name)
  const v = i >= 0 ? Number(args[i + 1]) : NaN
  return Number.isFinite(v) && v > 0 ? v : dflt
}
const SUSTAINED = arg('--messages', 10_000)
const RATE = arg('--rate', 1000)
const SECONDS = arg('--seconds', 5)
const ROUNDS = arg('--rounds', 1)
const root = path.resolve(__dirname, '../..')

const now = (): number => performance.now()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!
}
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a')

function message(group: string): { id: string; text: string } {
  const id = randomUUID()
  const text = JSON.stringify({ id, type: 'heartbeat', group, payload: { processId: 'bench', status: 'ok' }, timestamp: new Date().toISOString(), requiresAck: true })
  return { id, text }
}

let tmpSeq = 0
function writeMessage(dir: string, id: string, text: string): void {
  const tmp = path.join(dir, `.${id}.${++tmpSeq}.tmp`)
  fs.writeFileSync(tmp, text)
  fs.renameSync(tmp, path.join(dir, `${id}.json`))
}

interface Child {
  proc: ChildProcess
  dataDir: string
  stop(): Promise<{ cpuMs: number; threads?: Record<string, number> } | null>
}

async function startChild(watch: boolean, io: 'worker' | 'async' | 'sync' = 'worker', prepare?: (dataDir: string) => void): Promise<Child> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-inbox-bench-'))
  prepare?.(dataDir)
  const settings = watch ? { rescan_ms: 10_000, concurrency: 16 } : { rescan_ms: 1000, concurrency: 16 }
  // INBOX_CHILD_NODE_ARGS: extra node flags for the inbox process (e.g. `--cpu-prof --cpu-prof-dir=…`).
  const nodeArgs = (process.env['INBOX_CHILD_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '')
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(__dirname, 'fixtures/inbox-child.ts')], {
    cwd: root,
    env: { ...process.env, INBOX_BENCH: JSON.stringify({ dataDir, watch, settings, io }) },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  proc.stdout!.setEncoding('utf8')
  proc.stdout!.on('data', (d: string) => (out += d))
  const t0 = now()
  while (!out.includes('ready')) {
    if (proc.exitCode !== null || now() - t0 > 30_000) throw new Error(`the inbox child did not start: ${out}`)
    await sleep(20)
  }
  return {
    proc,
    dataDir,
    stop: async () => {
      const exited = new Promise<void>((r) => proc.on('exit', () => r()))
      proc.kill('SIGTERM')
      await exited
      fs.rmSync(dataDir, { recursive: true, force: true })
      const line = out.split('\n').find((l) => l.startsWith('{'))
      return line ? (JSON.parse(line) as { cpuMs: number; threads?: Record<string, number> }) : null
    }
  }
}

/** Watches acks/ and records when each ACK file appeared. */
function ackWatcher(acks: string): { seen: Map<string, number>; close(): void; sweep(): void } {
  const seen = new Map<string, number>()
  const note = (name: string | null): void => {
    if (typeof name !== 'string' || !name.endsWith('.ack')) return
    const id = name.slice(0, -4)
    if (!seen.has(id)) seen.set(id, now())
  }
  const w = fs.watch(acks, (_e, name) => note(name))
  return {
    seen,
    close: () => w.close(),
    // What the watcher might have missed (counted, with the time of the sweep: an upper bound).
    sweep: () => fs.readdirSync(acks).forEach((n) => note(n))
  }
}

async function latencyRun(child: Child, rate: number, seconds: number): Promise<{ p50: number; p99: number; max: number; lost: number; count: number }> {
  const messages = path.join(child.dataDir, 'ipc/main/messages')
  const acks = path.join(child.dataDir, 'ipc/main/acks')
  const watcher = ackWatcher(acks)
  const written = new Map<string, number>()
  const total = Math.round(rate * seconds)
  const tickMs = 10
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000))
  const t0 = now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - t0) / 1000) * rate) + perTick)
    while (sent < due) {
      const m = message('main')
      written.set(m.id, now())
      writeMessage(messages, m.id, m.text)
      sent++
    }
    await sleep(tickMs)
  }
  const deadline = now() + 15_000
  while (watcher.seen.size < total && now() < deadline) {
    await sleep(50)
    if (now() > deadline - 14_000) watcher.sweep()
  }
  watcher.close()
  const lat = [...written].map(([id, t]) => (watcher.seen.get(id) ?? NaN) - t).filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  for (const n of fs.readdirSync(acks)) fs.unlinkSync(path.join(acks, n))
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99), max: lat[lat.length - 1] ?? NaN, lost: total - lat.length, count: total }
}

async function sustainedRun(child: Child, n: number): Promise<{ perSecond: number; writerPerSecond: number; seconds: number; lost: number }> {
  const messages = path.join(child.dataDir, 'ipc/main/messages')
  const acks = path.join(child.dataDir, 'ipc/main/acks')
  const watcher = ackWatcher(acks)
  const ids: string[] = []
  const t0 = now()
  for (let i = 0; i < n; i++) {
    const m = message('main')
    ids.push(m.id)
    writeMessage(messages, m.id, m.text)
    if (i % 200 === 199) await new Promise<void>((r) => setImmediate(r)) // let the ACK watcher run
  }
  const writerDone = now()
  const deadline = now() + 120_000
  while (watcher.seen.size < n && now() < deadline) {
    await sleep(20)
    if (watcher.seen.size >= n * 0.99) watcher.sweep()
  }
  watcher.sweep()
  watcher.close()
  const last = Math.max(...ids.map((id) => watcher.seen.get(id) ?? -Infinity))
  const seconds = (last - t0) / 1000
  for (const name of fs.readdirSync(acks)) fs.unlinkSync(path.join(acks, name))
  return { perSecond: n / seconds, writerPerSecond: n / ((writerDone - t0) / 1000), seconds, lost: ids.filter((id) => !watcher.seen.has(id)).length }
}

/**
 * The inbox's own capacity, the sender out of the way: N messages are written before the inbox
 * starts, and it drains them (first ACK → last ACK) with no writer competing for the CPU.
 */
async function drainRun(io: 'worker' | 'async' | 'sync', n: number): Promise<{ perSecond: number; lost: number }> {
  let watcher: ReturnType<typeof ackWatcher> | null = null
  const child = await startChild(true, io, (dataDir) => {
    const main = path.join(dataDir, 'ipc/main')
    for (const sub of ['messages', 'acks', 'responses', 'errors']) fs.mkdirSync(path.join(main, sub), { recursive: true, mode: 0o700 })
    fs.chmodSync(path.join(dataDir, 'ipc'), 0o700)
    for (let i = 0; i < n; i++) {
      const m = message('main')
      writeMessage(path.join(main, 'messages'), m.id, m.text)
    }
    watcher = ackWatcher(path.join(main, 'acks'))
  })
  const w = watcher as unknown as ReturnType<typeof ackWatcher>
  const deadline = now() + 120_000
  while (w.seen.size < n && now() < deadline) {
    await sleep(20)
    if (w.seen.size >= n * 0.99) w.sweep()
  }
  w.close()
  await child.stop()
  const times = [...w.seen.values()]
  return { perSecond: (times.length - 1) / ((Math.max(...times) - Math.min(...times)) / 1000), lost: n - times.length }
}

/** The bare ceiling: read a message, write its ACK, unlink it — one thread, synchronous, no JSON checks. */
function ceiling(n: number): { usPerMessage: number; perSecond: number; usWithRename: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-inbox-ceiling-'))
  const messages = path.join(dir, 'messages')
  const acks = path.join(dir, 'acks')
  fs.mkdirSync(messages)
  fs.mkdirSync(acks)
  const run = (rename: boolean): number => {
    const names: string[] = []
    for (let i = 0; i < n; i++) {
      const m = message('main')
      fs.writeFileSync(path.join(messages, `${m.id}.json`), m.text)
      names.push(m.id)
    }
    const t0 = now()
    for (const id of names) {
      const text = fs.readFileSync(path.join(messages, `${id}.json`), 'utf8')
      if (text.length === 0) throw new Error('empty')
      const ack = JSON.stringify({ ack: id })
      if (rename) {
        const tmp = path.join(acks, `.${id}.tmp`)
        fs.writeFileSync(tmp, ack)
        fs.renameSync(tmp, path.join(acks, `${id}.ack`))
      } else fs.writeFileSync(path.join(acks, `${id}.ack`), ack)
      fs.unlinkSync(path.join(messages, `${id}.json`))
    }
    const us = ((now() - t0) * 1000) / n
    for (const name of fs.readdirSync(acks)) fs.unlinkSync(path.join(acks, name))
    return us
  }
  const us = run(false)
  const usWithRename = run(true)
  fs.rmSync(dir, { recursive: true, force: true })
  return { usPerMessage: us, perSecond: 1e6 / us, usWithRename }
}

/**
 * The bare ceiling of the pattern the sustained run measures: a writer process (temporary name +
 * rename into messages/, as fast as it can) and a reader beside it (readdir, read, ACK through a
 * temporary name + rename, unlink) — synchronous calls, no watching, no JSON, no database. Both
 * compete for the same directory and the same cores as the inbox and its sender do, so this is
 * what one writer and one reader can do at most on this machine.
 */
function barePair(n: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-inbox-pair-'))
  const messages = path.join(dir, 'messages')
  const acks = path.join(dir, 'acks')
  fs.mkdirSync(messages)
  fs.mkdirSync(acks)
  const writer = `const fs=require('fs'),path=require('path');const [m,n,body]=process.argv.slice(1);for(let i=0;i<Number(n);i++){const t=path.join(m,'.'+i+'.tmp');fs.writeFileSync(t,body);fs.renameSync(t,path.join(m,i+'.json'))}`
  const t0 = now()
  const child = spawn(process.execPath, ['-e', writer, messages, String(n), message('main').text], { stdio: 'ignore' })
  let done = 0
  while (done < n && now() - t0 < 120_000) {
    for (const name of fs.readdirSync(messages)) {
      if (!name.endsWith('.json')) continue
      const file = path.join(messages, name)
      fs.readFileSync(file)
      const tmp = path.join(acks, `.${name}.tmp`)
      fs.writeFileSync(tmp, '{"ack":true}')
      fs.renameSync(tmp, path.join(acks, name))
      fs.unlinkSync(file)
      done++
    }
  }
  const perSecond = done / ((now() - t0) / 1000)
  child.kill()
  fs.rmSync(dir, { recursive: true, force: true })
  return perSecond
}

async function main(): Promise<void> {
  const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ')
  console.log(`bench:inbox — ${os.cpus().length} CPUs, ${os.platform()} ${os.release()}, node ${process.versions.node}; tmp ${os.tmpdir()}; load average ${load()}`)
  // Warm-up: on our VM the first files a process creates after a while cost the kernel ~10× more
  // than later ones (first-touch memory); unwarmed, whichever variant ran first lost.
  for (let i = 0; i < 3; i++) ceiling(10_000)
  const ceilings = [ceiling(3000)]

  type Result = { lat: Awaited<ReturnType<typeof latencyRun>>; sus: Awaited<ReturnType<typeof sustainedRun>>; cpuMs: number | null; threads?: Record<string, number>; drain?: { perSecond: number; lost: number } }
  const variants = [
    ['fs.watch + rescan (ours)', true, 'worker'],
    ['1 s polling loop (baseline)', false, 'worker'],
    ...(args.includes('--async') ? ([['ours, each call on libuv pool', true, 'async']] as const) : []),
    ...(args.includes('--sync') ? ([['ours, sync on the event loop', true, 'sync']] as const) : [])
  ] as const
  // --rounds R: every variant R times, the order rotated each round (on a shared machine the
  // position in the run matters); each run is printed, and the median.
  const results: Record<string, Result[]> = Object.fromEntries(variants.map(([label]) => [label, []]))
  const pairs: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const [label, watch, io] = variants[(k + round) % variants.length]!
      const child = await startChild(watch, io)
      try {
        const lat = await latencyRun(child, RATE, SECONDS)
        const sus = await sustainedRun(child, SUSTAINED)
        const cpu = await child.stop()
        const drain = watch ? await drainRun(io, SUSTAINED) : undefined
        results[label]!.push({ lat, sus, cpuMs: cpu?.cpuMs ?? null, ...(cpu?.threads ? { threads: cpu.threads } : {}), ...(drain ? { drain } : {}) })
        pairs.push(barePair(SUSTAINED))
        ceilings.push(ceiling(3000))
      } catch (err) {
        await child.stop()
        throw err
      }
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y)
    return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
  }
  const runs = (rs: Result[], f: (r: Result) => number, fmt: (n: number) => string): string => (rs.length === 1 ? fmt(f(rs[0]!)) : `${fmt(median(rs.map(f)))} (${rs.map((r) => fmt(f(r))).join(', ')})`)

  // The machine is shared: the ceiling is measured before, between and after; the best one is the machine's.
  const ceil = ceilings.reduce((a, b) => (b.usPerMessage < a.usPerMessage ? b : a))
  console.log(
    `\nbare file-system ceiling (read + write ACK + unlink, one thread, sync; best of ${ceilings.length}: ${ceilings.map((c) => f1(c.usPerMessage)).join(', ')} µs): ${f1(ceil.usPerMessage)} µs/message = ${Math.round(ceil.perSecond)} messages/s (${f1(ceil.usWithRename)} µs with the ACK written through a temporary name + rename, as the inbox does); load average now ${load()}`
  )
  console.log(`\nwrite → ACK latency at ${RATE} messages/s offered for ${SECONDS} s (requiresAck heartbeats, one writer)${ROUNDS > 1 ? `; median (each run, in order)` : ''}:`)
  for (const [label, rs] of Object.entries(results)) {
    console.log(
      `  ${label.padEnd(30)} p50 ${runs(rs, (r) => r.lat.p50, f1)} ms   p99 ${runs(rs, (r) => r.lat.p99, f1)} ms   max ${runs(rs, (r) => r.lat.max, f1)} ms   (${rs[0]!.lat.count} messages, ${rs.reduce((n, r) => n + r.lat.lost, 0)} without ACK)`
    )
  }
  console.log(`\nsustained, ${SUSTAINED} messages from one writer (first write → last ACK):`)
  for (const [label, rs] of Object.entries(results)) {
    const perSecond = median(rs.map((r) => r.sus.perSecond))
    const frac = perSecond / ceil.perSecond
    const cpu = rs.every((r) => r.cpuMs !== null) ? `; inbox CPU ${runs(rs, (r) => ((r.cpuMs ?? 0) * 1000) / (r.lat.count + SUSTAINED), (n) => n.toFixed(0))} µs/message` : ''
    console.log(
      `  ${label.padEnd(30)} ${runs(rs, (r) => r.sus.perSecond, (n) => n.toFixed(0))} messages/s  (the writer alone ${runs(rs, (r) => r.sus.writerPerSecond, (n) => n.toFixed(0))}/s; ${rs.reduce((n, r) => n + r.sus.lost, 0)} lost; ${(frac * 100).toFixed(0)} % of the bare ceiling)${cpu}`
    )
    for (const r of rs) if (r.threads) console.log(`    by thread (ms): ${Object.entries(r.threads).map(([t, ms]) => `${t} ${ms}`).join(', ')}`)
  }
  console.log(`\nbacklog drain, ${SUSTAINED} messages written before the inbox starts (first ACK → last ACK; no writer competing):`)
  for (const [label, rs] of Object.entries(results)) {
    if (rs.every((r) => r.drain)) console.log(`  ${label.padEnd(30)} ${runs(rs, (r) => r.drain!.perSecond, (n) => n.toFixed(0))} messages/s  (${rs.reduce((n, r) => n + r.drain!.lost, 0)} lost)`)
  }
  const ours = results['fs.watch + rescan (ours)']!
  const oursPerSecond = median(ours.map((r) => r.sus.perSecond))
  const oursP50 = median(ours.map((r) => r.lat.p50))
  const oursP99 = median(ours.map((r) => r.lat.p99))
  const ceilRename = 1e6 / ceil.usWithRename
  console.log(`ours against the ceiling with the temporary name + rename: ${((oursPerSecond / ceilRename) * 100).toFixed(0)} % (${Math.round(ceilRename)}/s)`)
  const pair = median(pairs)
  console.log(
    `bare writer + reader pair (two processes, synchronous, no watching/JSON/database; after each run): ${pair.toFixed(0)} (${pairs.map((p) => p.toFixed(0)).join(', ')}) messages/s — ours sustained is ${((oursPerSecond / pair) * 100).toFixed(0)} % of it`
  )
  console.log(`\ngoals: p50 ≤ 10 ms ${oursP50 <= 10 ? 'met' : 'NOT met'}, p99 ≤ 50 ms ${oursP99 <= 50 ? 'met' : 'NOT met'}, ≥ 5,000 messages/s ${oursPerSecond >= 5000 ? 'met' : 'NOT met'}`)
}

void main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
