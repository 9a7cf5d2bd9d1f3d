/**
 * Runs the BUILT headless runtime (out/main/headless.js) as a child process for e2e tests: a fresh
 * temp data folder, ADMIN_PORT=0 (and the embedded coordinator on port 0), text logs; parses the
 * "ready" line for the tokened dashboard URL; stops it with SIGTERM and reports the exit code.
 * Also a tiny bridge client so a test can call the contract the way the dashboard does.
 *
 * WARP_HOST_BUILD_DIR points the tests at another build output (default: <repo>/out).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { BRIDGE_PATH, type CallResult, type MethodInput, type MethodName } from '../../../src/shared/contract'
import { ENV_OVERRIDES } from '../../../src/shared/config-schema'
import { headlessEnv, headlessNodeFlags } from '../../support/headless-flags'

export const REPO_ROOT = path.resolve(__dirname, '../../..')

export function buildDir(): string {
  return process.env.WARP_HOST_BUILD_DIR ? path.resolve(process.env.WARP_HOST_BUILD_DIR) : path.join(REPO_ROOT, 'out')
}

/** Throws a clear message when the app has not been built. */
export function assertBuilt(): void {
  const dir = buildDir()
  const missing = [path.join(dir, 'main', 'headless.js'), path.join(dir, 'renderer', 'index.html')].filter((f) => !fs.existsSync(f))
  if (missing.length > 0) {
    throw new Error(
      `The e2e tests run the built app, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing. ` +
        'Run `npm run build` first (`npm test` builds before running the tests).'
    )
  }
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `warp-e2e-${prefix}-`))
}

export interface HeadlessHost {
  /** The dashboard URL with `?token=`, as printed in the ready line. */
  url: string
  /** http://127.0.0.1:PORT */
  origin: string
  port: number
  token: string
  dataDir: string
  child: ChildProcess
  /** Everything the child printed so far (stdout + stderr). */
  output(): string
  /** SIGTERM, then the exit code (null when killed by a signal) and signal. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const READY_LINE = /WARP Host ready in \d+ ms: dashboard (http:\/\/\S+)/

export async function startHeadlessHost(opts: { env?: Record<string, string>; readyTimeoutMs?: number } = {}): Promise<HeadlessHost> {
  assertBuilt()
  const dataDir = makeTempDir('data')
  const env: NodeJS.ProcessEnv = { ...process.env }
  // Nothing from the developer's shell may leak into the host's config.
  for (const name of Object.keys(ENV_OVERRIDES)) delete env[name]
  delete env.WARP_HOST_CONFIG
  Object.assign(env, {
    ...headlessEnv(),
    WARP_HOST_DATA_DIR: dataDir,
    ADMIN_PORT: '0',
    COORDINATOR_PORT: '0',
    LOG_FORMAT: 'text',
    ...opts.env
  })
  // The flags of every headless launch (the bin's shebang), then WARP_HOST_NODE_ARGS: extra node
  // flags for the host (benchmarks: `--cpu-prof --cpu-prof-dir=…`; a later flag wins).
  const nodeArgs = [...headlessNodeFlags(), ...(process.env['WARP_HOST_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '')]
  const child = spawn(process.execPath, [...nodeArgs, path.join(buildDir(), 'main', 'headless.js')], {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stdout.on('data', (d: string) => (output += d))
  child.stderr.on('data', (d: string) => (output += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  )

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      child.kill('SIGKILL')
      reject(new Error(`The headless host printed no ready line within ${opts.readyTimeoutMs ?? 30_000} ms. Output:\n${output}`))
    }, opts.readyTimeoutMs ?? 30_000)
    const onData = (): void => {
      const m = READY_LINE.exec(output)
      if (m) {
        cleanup()
        resolve(m[1]!)
      }
    }
    const onExit = (code: number | null): void => {
      cleanup()
      reject(new Error(`The headless host exited (code ${code}) before it was ready. Output:\n${output}`))
    }
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout.on('data', onData)
    child.once('exit', onExit)
  })

  const parsed = new URL(url)
  const token = parsed.searchParams.get('token')
  if (!token) throw new Error(`The ready line's URL has no token: ${url}`)
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token,
    dataDir,
    child,
    output: () => output,
    stop: () => {
      if (!stopping) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
        stopping = exited
      }
      return stopping
    }
  }
}

/** Stops the host if it still runs (SIGTERM, waits for its exit), then deletes its data folder. */
export async function stopHost(host: HeadlessHost | undefined): Promise<void> {
  if (!host) return
  if (host.child.exitCode === null && host.child.signalCode === null) await host.stop()
  fs.rmSync(host.dataDir, { recursive: true, force: true })
}

/** One contract call over the bridge, as the dashboard makes it. Resolves to the raw CallResult. */
export async function bridgeCall<M extends MethodName>(
  host: Pick<HeadlessHost, 'port' | 'token'>,
  method: M | string,
  input?: MethodInput<M>
): Promise<CallResult> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${BRIDGE_PATH}?token=${encodeURIComponent(host.token)}`)
  try {
    return await new Promise<CallResult>((resolve, reject) => {
      ws.on('error', reject)
      ws.on('close', (code) => reject(new Error(`bridge closed (code ${code}) before answering ${method}`)))
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { t: string; id?: number; result?: CallResult }
        if (msg.t === 'hello') ws.send(JSON.stringify({ t: 'call', id: 1, method, input }))
        else if (msg.t === 'result' && msg.id === 1 && msg.result) resolve(msg.result)
      })
    })
  } finally {
    ws.close()
  }
}

/** One contract call over the bridge that must succeed: resolves to its value, throws `method: message` otherwise. */
export async function call<T>(host: Pick<HeadlessHost, 'port' | 'token'>, method: string, input?: unknown): Promise<T> {
  const res = await bridgeCall(host, method, input as never)
  if (!res.ok) throw new Error(`${method}: ${res.error.message}`)
  return res.value as T
}

/** Sends `count` calls to `${prefix}.<i>` over one bridge socket and waits for every answer. */
export async function bridgeBurst(host: Pick<HeadlessHost, 'port' | 'token'>, prefix: string, count: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}${BRIDGE_PATH}?token=${encodeURIComponent(host.token)}`)
  try {
    await new Promise<void>((resolve, reject) => {
      let answered = 0
      ws.on('error', reject)
      ws.on('close', (code) => reject(new Error(`bridge closed (code ${code}) after ${answered} of ${count} answers`)))
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { t: string }
        if (msg.t === 'hello') {
          for (let i = 0; i < count; i++) ws.send(JSON.stringify({ t: 'call', id: i + 1, method: `${prefix}.${i}` }))
        } else if (msg.t === 'result' && ++answered === count) resolve()
      })
    })
  } finally {
    ws.close()
  }
}
