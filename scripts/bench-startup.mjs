#!/usr/bin/env node
// `npm run bench:startup`: time from launch to the `ready` log line, and idle memory (RSS) and CPU
// of the headless runtime with its default services. Builds first if needed. Prints figures; it
// asserts nothing (the machines are noisy: compare runs made in one go).
//   RUNS=5 IDLE_SECONDS=5 npm run bench:startup
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUNS = Number(process.env.RUNS ?? 5)
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 5)
const CLK_TCK = 100

if (!fs.existsSync(path.join(root, 'out/main/headless.js'))) {
  console.log('building first…')
  const r = spawnSync(path.join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, stdio: 'ignore' })
  if (r.status !== 0) process.exit(1)
}

function procStat(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    const ticks = Number(stat[11]) + Number(stat[12])
    return { rssMb: rssKb / 1024, cpuSeconds: ticks / CLK_TCK }
  } catch {
    return null
  }
}

async function once(cmd, args) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-bench-startup-'))
  const t0 = process.hrtime.bigint()
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, WARP_HOST_DATA_DIR: dataDir, ADMIN_PORT: '0', LOG_FORMAT: 'text' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  const readyMs = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d
      if (/ready in/.test(out)) resolve(Number(process.hrtime.bigint() - t0) / 1e6)
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
  })
  const atReady = procStat(child.pid)
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000))
  const idle = procStat(child.pid)
  const exited = new Promise((r) => child.on('exit', (code) => r(code)))
  const tStop = process.hrtime.bigint()
  child.kill('SIGTERM')
  const code = await exited
  const stopMs = Number(process.hrtime.bigint() - tStop) / 1e6
  fs.rmSync(dataDir, { recursive: true, force: true })
  return {
    readyMs,
    rssMb: idle?.rssMb ?? NaN,
    idleCpuPct: idle && atReady ? ((idle.cpuSeconds - atReady.cpuSeconds) / IDLE_SECONDS) * 100 : NaN,
    stopMs,
    code
  }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] }
}
const fmt = (o, unit, d = 0) => `median ${o.median.toFixed(d)} ${unit} (min ${o.min.toFixed(d)}, max ${o.max.toFixed(d)})`

console.log(`WARP Host headless start-up — ${RUNS} runs each, idle window ${IDLE_SECONDS} s, node ${process.version}, ${os.cpus().length} cores`)
for (const [label, cmd, args] of [
  ['node out/main/headless.js (built entry)', process.execPath, ['out/main/headless.js']],
  ['node scripts/headless.mjs (npm run headless without npm or its node flags)', process.execPath, ['scripts/headless.mjs']],
  ['bin/warp-host.mjs (the deployed command, with its shebang\'s node flags)', path.join(root, 'bin/warp-host.mjs'), []]
]) {
  const results = []
  for (let i = 0; i < RUNS; i++) results.push(await once(cmd, args))
  const bad = results.filter((r) => r.code !== 0)
  console.log(`\n${label}`)
  console.log(`  launch → ready : ${fmt(stats(results.map((r) => r.readyMs)), 'ms')}   goal < 1500 ms`)
  console.log(`  idle RSS       : ${fmt(stats(results.map((r) => r.rssMb)), 'MB', 1)}   goal < 150 MB`)
  console.log(`  idle CPU       : ${fmt(stats(results.map((r) => r.idleCpuPct)), '% of a core', 2)}`)
  console.log(`  SIGTERM → exit : ${fmt(stats(results.map((r) => r.stopMs)), 'ms')}   exit codes: ${bad.length ? bad.map((r) => r.code).join(',') : 'all 0'}`)
}
