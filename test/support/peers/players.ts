/**
 * Drives player processes (player-process.ts) from a test or the benchmark: spawn one per stack,
 * put one or more players in it, join them to a host's session, make them send, read their
 * stats, SIGKILL the process to make its players vanish. Every process is tracked so a test's
 * afterEach can stop them all (`stopAllPlayerProcesses`).
 *
 * `TestPlayer` is what tests use for a player of any kind (process or Chromium page).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'
import type { JoinOptions, PlayerStats, SendOptions } from './player-core'
import type { PlayerImpl } from './player-process'

export type { PlayerImpl }
const SCRIPT = path.join(__dirname, 'player-process.ts')
const REPO = path.resolve(__dirname, '../../..')

/** Where a player joins: the host's session as signaling sees it. */
export interface SessionTarget {
  signalingUrl: string
  sessionId: string
  hostId: string
}

export interface TestPlayer {
  readonly peerId: string
  readonly kind: PlayerImpl | 'chromium'
  join(target: SessionTarget, o: JoinExtras): Promise<string[]>
  /** Resolves when `count` packets were handed to the data channel. */
  send(o: SendOptions): Promise<number>
  stats(): Promise<PlayerStats>
  set(o: { answerPongs?: boolean; ackCommands?: boolean }): Promise<void>
  rawSignaling(text: string): Promise<boolean>
  rawControl(text: string): Promise<boolean>
  rawData(bytes: Uint8Array): Promise<boolean>
  close(): Promise<void>
}

export type JoinExtras = Omit<JoinOptions, keyof SessionTarget>

const live = new Set<PlayerProcess>()

export class PlayerProcess {
  private nextId = 1
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  private err = ''
  private exitedFlag = false
  private onReady: (() => void) | null = null
  readonly exited: Promise<void>

  private constructor(
    readonly impl: PlayerImpl,
    readonly child: ChildProcess
  ) {
    this.exited = new Promise((r) =>
      child.once('exit', () => {
        this.exitedFlag = true
        live.delete(this)
        for (const p of this.pending.values()) p.reject(new Error(`player process exited\n${this.err.slice(-2000)}`))
        this.pending.clear()
        r()
      })
    )
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (d: string) => (this.err = (this.err + d).slice(-20_000)))
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let m: { id?: number; ok?: boolean; result?: unknown; error?: string }
      try {
        m = JSON.parse(line) as typeof m
      } catch {
        return
      }
      if ((m as { event?: string }).event === 'ready') this.onReady?.()
      if (typeof m.id !== 'number') return
      const p = this.pending.get(m.id)
      if (!p) return
      this.pending.delete(m.id)
      if (m.ok) p.resolve(m.result)
      else p.reject(new Error(m.error ?? 'failed'))
    })
  }

  static async spawn(impl: PlayerImpl): Promise<PlayerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, impl], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] })
    const proc = new PlayerProcess(impl, child)
    live.add(proc)
    await new Promise<void>((resolve, reject) => {
      const onExit = (): void => reject(new Error(`player process (${impl}) exited before ready\n${proc.err}`))
      proc.onReady = () => {
        proc.onReady = null
        child.off('exit', onExit)
        resolve()
      }
      child.once('exit', onExit)
    })
    return proc
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  stderr(): string {
    return this.err
  }

  request<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exitedFlag) return Promise.reject(new Error('player process has exited'))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`)
    })
  }

  player(peerId: string): ProcessPlayer {
    return new ProcessPlayer(this, peerId)
  }

  statsAll(): Promise<PlayerStats[]> {
    return this.request<PlayerStats[]>('stats-all')
  }

  /** The player process's own CPU (µs) and RSS. */
  usage(): Promise<{ cpu: { user: number; system: number }; rss: number }> {
    return this.request('usage')
  }

  /** Vanish: SIGKILL, no goodbye on any channel. */
  async kill(): Promise<void> {
    if (!this.exitedFlag) this.child.kill('SIGKILL')
    await this.exited
  }

  /** Closes its players and exits; SIGKILL if it does not within 5 s. */
  async stop(): Promise<void> {
    if (this.exitedFlag) return
    this.request('exit').catch(() => undefined)
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000)
    await this.exited
    clearTimeout(t)
  }
}

export class ProcessPlayer implements TestPlayer {
  readonly kind: PlayerImpl
  constructor(
    readonly proc: PlayerProcess,
    readonly peerId: string
  ) {
    this.kind = proc.impl
  }
  join(target: SessionTarget, o: JoinExtras): Promise<string[]> {
    const opts: JoinOptions = { signalingUrl: target.signalingUrl, sessionId: target.sessionId, hostId: target.hostId, ...o }
    return this.proc.request('join', { player: this.peerId, opts })
  }
  send(o: SendOptions): Promise<number> {
    return this.proc.request('send', { player: this.peerId, ...o })
  }
  stats(): Promise<PlayerStats> {
    return this.proc.request('stats', { player: this.peerId })
  }
  async set(o: { answerPongs?: boolean; ackCommands?: boolean }): Promise<void> {
    await this.proc.request('set', { player: this.peerId, ...o })
  }
  rawSignaling(text: string): Promise<boolean> {
    return this.proc.request('raw', { player: this.peerId, channel: 'signaling', text })
  }
  rawControl(text: string): Promise<boolean> {
    return this.proc.request('raw', { player: this.peerId, channel: 'control', text })
  }
  rawData(bytes: Uint8Array): Promise<boolean> {
    return this.proc.request('raw', { player: this.peerId, channel: 'data', base64: Buffer.from(bytes).toString('base64') })
  }
  async close(): Promise<void> {
    await this.proc.request('close', { player: this.peerId })
  }
}

/** Spawns a process with one player in it. */
export async function spawnPlayer(impl: PlayerImpl, peerId: string): Promise<ProcessPlayer> {
  return (await PlayerProcess.spawn(impl)).player(peerId)
}

export async function stopAllPlayerProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()))
}

/** Polls `probe` every `everyMs` until it returns something truthy; throws with `what` (and `detail()`) after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 20_000, detail?: () => unknown, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) {
      let extra = ''
      if (detail) {
        try {
          extra = `\n${JSON.stringify(await detail(), null, 1).slice(0, 6000)}`
        } catch (err) {
          extra = `\n(detail failed: ${String(err)})`
        }
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra}`)
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
