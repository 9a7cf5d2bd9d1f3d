/**
 * Starts poller child processes (fixtures/poller-child.ts through tsx) and collects what they
 * report: the ids their handler ran, the ids whose answers they committed, latencies, and their
 * final statistics.
 */
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { ChildMessage, ParentMessage, PollerChildConfig } from './fixtures/poller-child'

const CHILD = path.join(__dirname, 'fixtures', 'poller-child.ts')

export interface PollerChild {
  proc: ChildProcess
  ready: Promise<void>
  invoked: number[]
  committed: number[]
  /** Epoch ms when each committed answer was committed (same order as committed). */
  commitWall: number[]
  latencies: number[]
  /** Epoch ms when the child's poller started. */
  startedWall: number
  /** Resolves when the process has exited (any way). */
  exited: Promise<number | null>
  /** Graceful stop: resolves with the final statistics lines and CPU time used. */
  stop(): Promise<{ lines: string[]; cpuMs: number }>
  kill(signal?: NodeJS.Signals): void
  /** CPU time the child used over the next `ms` milliseconds. */
  cpuOver(ms: number): Promise<{ cpuMs: number; wallMs: number }>
}

export function spawnPoller(cfg: PollerChildConfig): PollerChild {
  const proc = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, WARP_POLLER_CHILD: JSON.stringify(cfg) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const child: PollerChild = {
    proc,
    invoked: [],
    committed: [],
    commitWall: [],
    latencies: [],
    startedWall: 0,
    ready: new Promise<void>((resolve, reject) => {
      proc.on('message', (m: ChildMessage) => {
        if (m.t === 'ready') {
          child.startedWall = m.startedWall
          resolve()
        }
      })
      proc.on('exit', (code) => reject(new Error(`poller child exited (${code}) before it was ready`)))
    }),
    exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
    stop() {
      return new Promise((resolve, reject) => {
        proc.on('message', (m: ChildMessage) => {
          if (m.t === 'stopped') resolve({ lines: m.lines, cpuMs: m.cpuMs })
        })
        proc.on('exit', () => reject(new Error('poller child exited before reporting its final statistics')))
        const msg: ParentMessage = { t: 'stop' }
        proc.send(msg)
      })
    },
    cpuOver(ms) {
      return new Promise((resolve) => {
        const onMsg = (m: ChildMessage): void => {
          if (m.t !== 'cpu') return
          proc.off('message', onMsg)
          resolve({ cpuMs: m.cpuMs, wallMs: m.wallMs })
        }
        proc.on('message', onMsg)
        const msg: ParentMessage = { t: 'cpu', ms }
        proc.send(msg)
      })
    },
    kill(signal = 'SIGKILL') {
      proc.kill(signal)
    }
  }
  proc.on('message', (m: ChildMessage) => {
    if (m.t === 'progress') {
      for (const id of m.invoked) child.invoked.push(id)
      for (const id of m.committed) child.committed.push(id)
      for (const w of m.commitWall) child.commitWall.push(w)
      for (const l of m.latencies) child.latencies.push(l)
    }
  })
  return child
}

/** ids that occur more than once. */
export function duplicates(ids: number[]): number[] {
  const seen = new Set<number>()
  const dup = new Set<number>()
  for (const id of ids) (seen.has(id) ? dup : seen).add(id)
  return [...dup]
}
