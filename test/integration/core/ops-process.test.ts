// Operations (issue 10 items 5–10) on the BUILT headless process: a closed stdout, the command
// line, the Python config file on the real MariaDB, an unknown database retried and named in the
// ready line, signals through `npm run headless` and the `warp-host` bin, the admin token kept out
// of the log, and the final statistics printed once.
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import mysql from 'mysql2/promise'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ENV_OVERRIDES } from '../../../src/shared/config-schema'
import type { BridgeServerMessage } from '../../../src/shared/contract'
import type { LogEntry } from '../../../src/shared/log'
import { enterMysqlSuite } from '../ai-ipc/support'

const root = path.resolve(__dirname, '../../..')
const entry = path.join(root, 'out/main/headless.js')
const dirs: string[] = []
const children: ChildProcess[] = []
const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root', password: '' }

async function mariadbAnswers(): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ ...MYSQL, connectTimeout: 2000 })
    await c.end()
    return true
  } catch {
    return false
  }
}
const noMariadb = !(await mariadbAnswers())

beforeAll(() => {
  if (!fs.existsSync(entry)) throw new Error('out/main/headless.js is missing: run `npm run build` first (npm test does)')
})
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }))
})

function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  dirs.push(d)
  return d
}

/** The environment of a fresh host: nothing from the developer's shell leaks in. */
function cleanEnv(dataDir: string, env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(ENV_OVERRIDES)) delete out[name]
  delete out.WARP_HOST_CONFIG
  delete out.AI_IPC_CONFIG
  for (const k of Object.keys(out)) if (k.startsWith('npm_')) delete out[k]
  return { ...out, WARP_HOST_DATA_DIR: dataDir, ADMIN_PORT: '0', COORDINATOR_PORT: '0', LOG_FORMAT: 'text', ...env }
}

interface Run {
  child: ChildProcess
  dataDir: string
  output(): string
  exited: Promise<number | null>
}

function run(opts: { env?: Record<string, string>; args?: string[]; command?: string[]; closeStdout?: boolean; detached?: boolean } = {}): Run {
  const dataDir = tempDir('warp-ops-')
  const [cmd, ...cmdArgs] = opts.command ?? [process.execPath, entry]
  const child = spawn(cmd!, [...cmdArgs, ...(opts.args ?? [])], { cwd: root, env: cleanEnv(dataDir, opts.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false })
  children.push(child)
  let out = ''
  if (opts.closeStdout) child.stdout!.destroy() // `| head -0`: the reader is gone before the first line
  else child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, dataDir, output: () => out, exited }
}

async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v as NonNullable<T>
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const READY = /WARP Host ready in \d+ ms: dashboard (http:\/\/\S+)/
const logFile = (r: Run): string => path.join(r.dataDir, 'logs', 'warp-host.log')
const readLog = (r: Run): string => (fs.existsSync(logFile(r)) ? fs.readFileSync(logFile(r), 'utf8') : '')
const count = (text: string, needle: string): number => text.split(needle).length - 1

/** Ready as the log FILE says it (works when stdout is closed): the origin, and the kept token. */
async function readyFromFile(r: Run): Promise<{ origin: string; token: string }> {
  const m = await waitFor(() => /ready in \d+ ms: dashboard (http:\/\/[^ "\\]+)/.exec(readLog(r)), 'the ready line in the log file')
  const token = fs.readFileSync(path.join(r.dataDir, 'admin-token'), 'utf8').trim()
  return { origin: new URL(m[1]!).origin, token }
}

async function status(origin: string, token: string): Promise<{ pid: number; services: { name: string; state: string; error?: string }[] }> {
  const r = await fetch(`${origin}/api/status`, { headers: { Authorization: `Bearer ${token}` } })
  return (await r.json()) as { pid: number; services: { name: string; state: string; error?: string }[] }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('a closed stdout (item 5)', () => {
  it('closed before the first line: keeps running on the file log, serves, drains and exits 0', async () => {
    const r = run({ closeStdout: true })
    const { origin, token } = await readyFromFile(r)
    expect((await fetch(`${origin}/api/status?token=${token}`)).status).toBe(200)
    await fetch(`${origin}/api/status?token=wrong-token-here-xx`) // one more warn line to a dead stdout
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
    const log = readLog(r)
    expect(log).toContain('stopped cleanly')
    expect(log).not.toContain('uncaught exception')
    expect(log.split('\n').length).toBeLessThan(200)
  })

  it('closed after ready (`| head -2`): no uncaught-exception loop, exits 0 on SIGTERM', async () => {
    const r = run()
    const url = await waitFor(() => READY.exec(r.output())?.[1], 'ready on stdout')
    r.child.stdout!.destroy()
    const origin = new URL(url).origin
    for (let i = 0; i < 5; i++) await fetch(`${origin}/api/status?token=wrong-token-${i}-padding`)
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
    const log = readLog(r)
    expect(log).toContain('stopped cleanly')
    expect(log).not.toContain('uncaught exception')
    expect(log.split('\n').length).toBeLessThan(200)
  })
})

describe('command line and config typos (item 7)', () => {
  it('--help and --version print and exit 0', async () => {
    const help = run({ args: ['--help'] })
    expect(await help.exited).toBe(0)
    expect(help.output()).toContain('Usage: warp-host')
    const version = run({ args: ['--version'] })
    expect(await version.exited).toBe(0)
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
    expect(version.output().trim()).toBe(`warp-host ${pkg.version}`)
  })

  it('an unknown option or --config without a value exits 64 with a message', async () => {
    const typo = run({ args: ['--confg', 'x.yaml'] })
    expect(await typo.exited).toBe(64)
    expect(typo.output()).toContain('unknown option "--confg" (did you mean --config?)')
    expect(typo.output()).not.toContain('ready')
    const bare = run({ args: ['--config'] })
    expect(await bare.exited).toBe(64)
    expect(bare.output()).toContain('--config needs a value')
  })

  it('an unknown YAML key is a warning naming the file and the likely key', async () => {
    const file = path.join(tempDir('warp-ops-cfg-'), 'typo.yaml')
    fs.writeFileSync(file, 'polling:\n  intervl_ms: 50\n')
    const r = run({ args: ['--config', file] })
    await waitFor(() => READY.exec(r.output()), 'ready')
    expect(r.output()).toContain(`unknown configuration key "polling.intervl_ms" in ${file} ignored — did you mean "polling.interval_ms"?`)
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
  })
})

describe.skipIf(noMariadb)('the Python config file and an unknown database (items 6 and 9; needs MariaDB on 127.0.0.1:3306)', () => {
  // Never while the MariaDB restart test has the server down (see ai-ipc/support.ts).
  let leaveMysqlSuite: () => void = () => undefined
  beforeAll(async () => {
    leaveMysqlSuite = await enterMysqlSuite()
  }, 180_000)
  afterAll(() => leaveMysqlSuite())

  it('a file without driver means MySQL; the ready line names the error and the retry; creating the database makes it run', async () => {
    const name = `warp_ops_${crypto.randomBytes(5).toString('hex')}`
    const file = path.join(tempDir('warp-ops-py-'), 'ai_ipc_config.yaml')
    fs.writeFileSync(
      file,
      `database:\n  host: ${MYSQL.host}\n  port: ${MYSQL.port}\n  user: ${MYSQL.user}\n  password: "${MYSQL.password}"\n  database: ${name}\n  pool_size: 2\npolling:\n  interval_ms: 100\n  batch_size: 50\n  worker_count: 4\nlogging:\n  level: INFO\n`
    )
    const admin = await mysql.createConnection(MYSQL)
    try {
      const r = run({ args: ['--config', file] })
      await waitFor(() => READY.exec(r.output()), 'ready')
      const out = r.output()
      expect(out).toContain(`AI request queue: mysql — ${file} sets database.host`)
      const readyLine = out.split('\n').find((l) => READY.test(l))!
      expect(readyLine).toMatch(new RegExp(`ai-ipc: reconnecting — Unknown database '${name}'; retrying in [01] s \\(attempt 1\\)`))
      expect(readyLine).toMatch(/WARN/)
      const url = READY.exec(out)![1]!
      const token = new URL(url).searchParams.get('token')!
      await admin.query(`CREATE DATABASE \`${name}\``)
      const s = await waitFor(async () => {
        const st = await status(new URL(url).origin, token)
        return st.services.find((x) => x.name === 'ai-ipc' && x.state === 'running')
      }, 'ai-ipc running once the database exists')
      expect(s.state).toBe('running')
      r.child.kill('SIGTERM')
      expect(await r.exited).toBe(0)
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await admin.end()
    }
  })
})

describe('signals and supervisors (item 8)', () => {
  it('SIGTERM to the pid of `npm run headless` drains the app instead of orphaning it', async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const r = run({ command: [npm, 'run', '--silent', 'headless'] })
    const url = await waitFor(() => READY.exec(r.output())?.[1], 'ready through npm', 60_000)
    const origin = new URL(url).origin
    const appPid = (await status(origin, new URL(url).searchParams.get('token')!)).pid
    expect(appPid).not.toBe(r.child.pid)
    const t0 = performance.now()
    r.child.kill('SIGTERM')
    await r.exited
    await waitFor(() => !alive(appPid), 'the app process to exit')
    const ms = Math.round(performance.now() - t0)
    expect(readLog(r)).toContain('stopped cleanly')
    await expect(fetch(`${origin}/healthz`)).rejects.toThrow()
    console.info(`npm run headless: SIGTERM to npm → app gone in ${ms} ms`)
  })

  it('Ctrl-C on `npm run headless` (SIGINT to the whole process group) drains once, not cut short', async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const r = run({ command: [npm, 'run', '--silent', 'headless'], detached: true })
    const url = await waitFor(() => READY.exec(r.output())?.[1], 'ready through npm', 60_000)
    const appPid = (await status(new URL(url).origin, new URL(url).searchParams.get('token')!)).pid
    process.kill(-r.child.pid!, 'SIGINT')
    await waitFor(() => !alive(appPid), 'the app process to exit')
    const log = readLog(r)
    expect(log).toContain('stopped cleanly')
    expect(log).not.toContain('second signal')
    expect(count(log, '=== WARP Host final statistics ===')).toBe(1)
  })

  it('a SIGTERM during start-up (before "ready") is held and drains once the services run: exit 0, not killed', async () => {
    const r = run()
    // The first log line comes while the runtime is still starting its services.
    await waitFor(() => (r.output().includes('configuration loaded') ? true : null), 'start-up under way')
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
    expect(readLog(r)).toContain('stopped cleanly')
  })

  it('the warp-host bin is the process itself: SIGTERM drains, exit 0, final statistics once', async () => {
    const r = run({ command: [path.join(root, 'bin', 'warp-host.mjs')] })
    const url = await waitFor(() => READY.exec(r.output())?.[1], 'ready from the bin', 60_000)
    expect((await status(new URL(url).origin, new URL(url).searchParams.get('token')!)).pid).toBe(r.child.pid)
    const t0 = performance.now()
    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
    console.info(`warp-host bin: SIGTERM → exit 0 in ${Math.round(performance.now() - t0)} ms`)
    expect(count(r.output(), 'final statistics')).toBe(1)
    expect(count(r.output(), 'Final Statistics:')).toBe(1)
    expect(count(readLog(r), 'Final Statistics:')).toBe(1)
  })
})

describe('shutdown with requests in flight (issue 10 items 2 and 4)', () => {
  /** An AI service that never answers: every http_get stays in flight. */
  async function hangingUpstream(): Promise<{ url: string; close(): Promise<void> }> {
    const held: http.ServerResponse[] = []
    const server = http.createServer((_req, res) => void held.push(res))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r())))
    }
  }

  async function startWithHungRows(r: Run, upstream: string, n: number): Promise<{ db: Database.Database; ids: number[] }> {
    await waitFor(() => READY.exec(r.output())?.[1], 'ready')
    const db = new Database(path.join(r.dataDir, 'ai-ipc.db'))
    db.pragma('busy_timeout = 5000')
    const insert = db.prepare("INSERT INTO ai_requests (request_type, endpoint, request_data, expires_at) VALUES ('http_get', '/slow', ?, strftime('%Y-%m-%d %H:%M:%f','now','+60 seconds'))")
    const ids = Array.from({ length: n }, () => Number(insert.run(JSON.stringify({ url: `${upstream}/slow`, method: 'GET' })).lastInsertRowid))
    const processing = db.prepare("SELECT COUNT(*) AS n FROM ai_requests WHERE status = 'processing'")
    await waitFor(() => ((processing.get() as { n: number }).n === n ? true : null), 'the rows in flight')
    return { db, ids }
  }

  it('a second signal still hands the claimed rows back (pending, not stuck in processing) before exiting', async () => {
    const upstream = await hangingUpstream()
    try {
      const r = run({ env: { AI_SERVICE_BASE_URL: upstream.url, AI_SERVICE_TIMEOUT: '300', DB_DRIVER: 'sqlite' } })
      const { db, ids } = await startWithHungRows(r, upstream.url, 4)
      r.child.kill('SIGTERM')
      // Signals do not queue: the second one goes once the first has started the drain.
      await waitFor(() => (readLog(r).includes('shutting down') ? true : null), 'the drain to begin')
      r.child.kill('SIGTERM') // "exit at once"
      expect(await r.exited).toBe(1)
      const rows = db.prepare(`SELECT status, retry_count FROM ai_requests WHERE id IN (${ids.join(',')})`).all() as { status: string; retry_count: number }[]
      db.close()
      expect(rows.map((x) => `${x.status}/${x.retry_count}`)).toEqual(ids.map(() => 'pending/0'))
      expect(readLog(r)).toContain('second signal')
    } finally {
      await upstream.close()
    }
  })

  it("SIGTERM with hung upstream calls exits 0 inside Docker's 10 s stop timeout and releases the rows", async () => {
    const upstream = await hangingUpstream()
    try {
      const r = run({ env: { AI_SERVICE_BASE_URL: upstream.url, AI_SERVICE_TIMEOUT: '300', DB_DRIVER: 'sqlite' } })
      const { db, ids } = await startWithHungRows(r, upstream.url, 4)
      const t0 = performance.now()
      r.child.kill('SIGTERM')
      let killed = false
      const docker = setTimeout(() => ((killed = true), r.child.kill('SIGKILL')), 10_000)
      const code = await r.exited
      clearTimeout(docker)
      expect(killed).toBe(false)
      expect(code).toBe(0)
      console.info(`SIGTERM with 4 hung upstream calls → exit 0 in ${Math.round(performance.now() - t0)} ms`)
      const rows = db.prepare(`SELECT status FROM ai_requests WHERE id IN (${ids.join(',')})`).all() as { status: string }[]
      db.close()
      expect(rows.map((x) => x.status)).toEqual(ids.map(() => 'pending'))
    } finally {
      await upstream.close()
    }
  }, 30_000)
})

describe('admin access (item 10)', () => {
  it('an ADMIN_TOKEN under 16 characters stops start-up (exit 78) without echoing it', async () => {
    const r = run({ env: { ADMIN_TOKEN: 'tooshort123' } })
    expect(await r.exited).toBe(78)
    expect(r.output()).toContain('admin.token = (hidden, 11 characters) (from environment variable ADMIN_TOKEN): must be at least 16 characters')
    expect(r.output()).not.toContain('tooshort123')
  })

  it('prints the tokened URL to the terminal only: never in the log file or the Logs page', async () => {
    const r = run()
    const url = await waitFor(() => READY.exec(r.output())?.[1], 'ready')
    const token = new URL(url).searchParams.get('token')!
    expect(token.length).toBeGreaterThanOrEqual(16)
    const tokenFile = path.join(r.dataDir, 'admin-token')
    await waitFor(() => readLog(r).includes('ready in'), 'ready in the log file')
    expect(readLog(r)).toContain(tokenFile)
    expect(readLog(r)).not.toContain(token)

    const ws = new WebSocket(`${url.replace('http', 'ws').replace(/\/\?/, '/bridge?')}`)
    const tail = await new Promise<LogEntry[]>((resolve, reject) => {
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as BridgeServerMessage
        if (m.t === 'hello') ws.send(JSON.stringify({ t: 'call', id: 1, method: 'logs.tail', input: { limit: 5000 } }))
        if (m.t === 'result' && m.id === 1) resolve(m.result.ok ? (m.result.value as LogEntry[]) : [])
      })
      ws.on('error', reject)
    })
    ws.close()
    expect(tail.some((e) => e.msg.includes('ready in'))).toBe(true)
    expect(JSON.stringify(tail)).not.toContain(token)

    r.child.kill('SIGTERM')
    expect(await r.exited).toBe(0)
    expect(readLog(r)).not.toContain(token)
    expect(count(r.output(), '=== WARP Host final statistics ===')).toBe(1)
  })
})
