// The built headless runtime as a real process: ready line, token URL, config errors, SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '../../..')
const entry = path.join(root, 'out/main/headless.js')
const dirs: string[] = []
const children: ChildProcess[] = []

beforeAll(() => {
  if (!fs.existsSync(entry)) throw new Error('out/main/headless.js is missing: run `npm run build` first (npm test does)')
})
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
  dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }))
})

function run(env: Record<string, string>, args: string[] = []) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-headless-'))
  dirs.push(dataDir)
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env.PATH, WARP_HOST_DATA_DIR: dataDir, ADMIN_PORT: '0', COORDINATOR_PORT: '0', LOG_FORMAT: 'text', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(child)
  let out = ''
  const waiters = new Set<() => void>()
  const onOutput = (d: Buffer): void => {
    out += d.toString()
    for (const w of [...waiters]) w()
  }
  child.stdout!.on('data', onOutput)
  child.stderr!.on('data', onOutput)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /ready in \d+ ms: dashboard (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    void exited.then((code) => reject(new Error(`exited with ${code} before ready:\n${out}`)))
  })
  /** Resolves once the output satisfies `check` (checked on every chunk); rejects if the process exits first. */
  const outputMatches = (what: string, check: (output: string) => boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const test = (): void => {
        if (!check(out)) return
        waiters.delete(test)
        resolve()
      }
      waiters.add(test)
      test()
      void exited.then((code) => {
        if (waiters.delete(test)) reject(new Error(`exited with ${code} before ${what}:\n${out}`))
      })
    })
  return { child, ready, exited, output: () => out, outputMatches, dataDir }
}

describe('headless process', () => {
  it('logs ready with a tokened URL, keeps the token, serves status, drains on SIGTERM and exits 0', async () => {
    const p = run({})
    const url = await p.ready
    const token = new URL(url).searchParams.get('token')!
    expect(token.length).toBeGreaterThanOrEqual(16)
    expect(fs.readFileSync(path.join(p.dataDir, 'admin-token'), 'utf8').trim()).toBe(token)
    expect(fs.statSync(path.join(p.dataDir, 'admin-token')).mode & 0o777).toBe(0o600)
    const origin = new URL(url).origin
    expect((await fetch(`${origin}/api/status`)).status).toBe(401)
    expect((await fetch(`${origin}/api/status?token=${token}`)).status).toBe(200)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    expect(p.output()).toContain('final statistics')
    expect(p.output()).toContain('stopped cleanly')
    expect(fs.existsSync(path.join(p.dataDir, 'logs', 'warp-host.log'))).toBe(true)
  })

  it('uses ADMIN_TOKEN when set and does not print it', async () => {
    const p = run({ ADMIN_TOKEN: 'fixed-admin-token-value' })
    const url = await p.ready
    expect(url).not.toContain('token=')
    expect(p.output()).not.toContain('fixed-admin-token-value')
    const r = await fetch(`${new URL(url).origin}/api/status`, { headers: { Authorization: 'Bearer fixed-admin-token-value' } })
    expect(r.status).toBe(200)
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(0)
  })

  it('stops at start-up with a message naming the bad key and value (exit 78)', async () => {
    const p = run({ POLL_INTERVAL_MS: '3', LOG_LEVEL: 'chatty' })
    await expect(p.ready).rejects.toThrow()
    expect(await p.exited).toBe(78)
    expect(p.output()).toContain('polling.interval_ms = 3 (from environment variable POLL_INTERVAL_MS)')
    expect(p.output()).toContain('logging.level = "chatty" (from environment variable LOG_LEVEL)')
  })

  it('reads --config PATH', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-cfgfile-'))
    dirs.push(dir)
    const file = path.join(dir, 'c.yaml')
    fs.writeFileSync(file, 'logging:\n  format: json\n')
    const p = run({ LOG_FORMAT: '' }, ['--config', file])
    // JSON format: the ready line is a whole JSON object on its own line
    const readyLine = (output: string): string | undefined =>
      output
        .split('\n')
        .slice(0, -1) // complete lines only
        .find((l) => l.startsWith('{') && l.includes('ready in'))
    await p.outputMatches('the JSON ready line', (o) => readyLine(o) !== undefined)
    const ready = JSON.parse(readyLine(p.output())!) as { level: string; msg: string; fields: { url: string } }
    expect(ready).toMatchObject({ level: 'info', msg: expect.stringContaining('ready in') })
    // The signal handlers are installed just after the ready line: once the host has answered a
    // request (a later turn of its event loop) they are in place, and SIGTERM drains.
    const url = new URL(ready.fields.url)
    expect((await fetch(`${url.origin}/api/status?token=${url.searchParams.get('token')}`)).status).toBe(200)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
  })
})
