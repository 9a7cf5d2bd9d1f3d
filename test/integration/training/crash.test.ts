/**
 * The app killed (SIGKILL) between receiving and storing a batch, and between storing and
 * acknowledging it: the training service runs in a child process (consumer-child.ts) against the
 * real RabbitMQ; after the kill a fresh process on the same database gets the messages again and
 * every epoch is stored exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { completed, epochUpdate, testBroker, trainingSection, until, type TestBroker } from './harness'

let broker: TestBroker

beforeAll(async () => {
  broker = await testBroker()
})
afterAll(async () => {
  await broker?.close()
})

interface Child {
  child: ChildProcess
  out: () => string
  exited: Promise<void>
}

function startChild(dataDir: string, training: unknown, hold?: 'before' | 'after'): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'consumer-child.ts')], {
    env: { ...process.env, DATA_DIR: dataDir, TRAINING_CONFIG: JSON.stringify(training), ...(hold ? { HOLD: hold } : {}) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  return { child, out: () => out, exited }
}

function counts(dataDir: string, jobId: string): { epochs: number; distinct: number; status: string | null } {
  const db = new Database(path.join(dataDir, 'warp-host.db'), { readonly: true })
  try {
    const e = db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT epoch) AS d FROM training_epochs WHERE job_id = ?').get(jobId) as { n: number; d: number }
    const j = db.prepare('SELECT status FROM training_jobs WHERE job_id = ?').get(jobId) as { status: string } | undefined
    return { epochs: e.n, distinct: e.d, status: j?.status ?? null }
  } finally {
    db.close()
  }
}

describe.each(['before', 'after'] as const)('the app killed %s storing a batch', (hold) => {
  it('gets the messages redelivered and stores each exactly once', async () => {
    const t = trainingSection(`crash_${hold}`)
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-training-crash-'))
    const first = startChild(dataDir, t, hold)
    try {
      await until(() => first.out().includes('CONSUMER READY') || first.child.exitCode !== null, 'the first consumer', 30_000)
      const id = `crash-${hold}`
      for (let e = 1; e <= 30; e++) broker.publish(t.update_queue, epochUpdate(id, e, 30))
      broker.publish(t.result_queue, completed(id, 30))
      await until(() => first.out().includes(`HOLD ${hold}`), `the consumer to hold ${hold} storing`, 30_000)
      // The batch is received (and, for "after", stored) but not acknowledged: kill the app now.
      first.child.kill('SIGKILL')
      await first.exited
      const atKill = counts(dataDir, id)
      if (hold === 'before') expect(atKill.epochs).toBe(0)
      else expect(atKill.epochs).toBeGreaterThan(0)

      const second = startChild(dataDir, t)
      try {
        await until(() => counts(dataDir, id).epochs === 30 && counts(dataDir, id).status === 'completed', 'every epoch stored after the restart', 30_000)
        await until(async () => {
          const [u, r] = await Promise.all([broker.ch.checkQueue(t.update_queue), broker.ch.checkQueue(t.result_queue)])
          return u.messageCount === 0 && r.messageCount === 0
        }, 'empty queues')
        expect(counts(dataDir, id)).toEqual({ epochs: 30, distinct: 30, status: 'completed' })
        if (hold === 'after') expect(second.out()).not.toContain('rejected')
      } finally {
        second.child.kill('SIGTERM')
        await second.exited
      }
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL')
      await broker.cleanup(t)
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
