/**
 * The training service against the real RabbitMQ (127.0.0.1:5672): a trainer process runs the
 * published jobs and their full history lands exactly once; duplicates, out-of-order updates, a
 * completion before the last epochs, a message for an unknown job, malformed messages
 * (dead-lettered, counted, logged, queue not blocked); a connection closed from the broker side
 * (rabbitmqctl close_connection) → reconnecting, then running again with nothing lost.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TrainingJobSpec } from '../../../src/shared/contract'
import type { Config } from '../../../src/shared/config-schema'
import {
  AMQP_URL,
  brokerConnections,
  closeFromBroker,
  completed,
  epochCount,
  epochUpdate,
  failed,
  startTraining,
  testBroker,
  trainingSection,
  until,
  type TestBroker,
  type TrainingHarness
} from './harness'

const SEED_REQUEST_KEYS = ['job_id', 'dataset', 'dataset.s3_prefix', 'dataset.name', 'output', 'output.prefix', 'output.model_name', 'hyperparams', 'hyperparams.model', 'hyperparams.epochs', 'hyperparams.batch', 'hyperparams.imgsz']

function keysOf(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k
    return v && typeof v === 'object' && !Array.isArray(v) ? [key, ...keysOf(v as Record<string, unknown>, key)] : [key]
  })
}

const spec = (name: string, epochs: number): TrainingJobSpec => ({
  dataset: { name, s3_prefix: `datasets/${name}/` },
  output: { prefix: 'models/yolov8n', model_name: `${name}.pt` },
  hyperparams: { model: 'yolov8n', epochs, batch: 16, imgsz: 640 }
})

let broker: TestBroker
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  broker = await testBroker()
})

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

afterAll(async () => {
  await broker?.close()
})

async function setup(label: string): Promise<{ t: Config['training']; h: TrainingHarness }> {
  const t = trainingSection(label)
  const h = await startTraining(t)
  cleanups.push(async () => {
    await h.close()
    await broker.cleanup(t)
  })
  return { t, h }
}

function startTrainer(t: Config['training']): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'trainer.ts')], {
    env: { ...process.env, AMQP_URL, REQUEST_QUEUE: t.request_queue, UPDATE_QUEUE: t.update_queue, RESULT_QUEUE: t.result_queue },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await gone
    }
  })
  return until(() => out.includes('TRAINER READY') || child.exitCode !== null, 'the trainer to start').then(() => {
    if (child.exitCode !== null) throw new Error(`trainer exited: ${out}`)
    return { child, out: () => out }
  })
}

describe('training over RabbitMQ (real broker)', () => {
  it('submits jobs to a trainer process; the full history of each lands exactly once', async () => {
    const { t, h } = await setup('trainer')
    expect(h.svc.info().broker).toBe('connected')
    const trainer = await startTrainer(t)

    const ok = await h.svc.submit(spec('my-dataset', 20))
    const bad = await h.svc.submit(spec('fail-dataset', 10))
    // submit() answers with the job as it stands once RabbitMQ confirmed the request: the trainer
    // (already consuming) may have sent its first update by then, so 'running' is as right as 'submitted'.
    expect(ok.job).toMatchObject({ jobId: ok.request.job_id, origin: 'local', datasetName: 'my-dataset', totalEpochs: 20 })
    expect(['submitted', 'running', 'completed']).toContain(ok.job.status)
    expect(ok.job.submittedAt).not.toBeNull()
    expect(keysOf(ok.request).sort()).toEqual([...SEED_REQUEST_KEYS].sort())

    await until(() => h.svc.job(ok.request.job_id)?.status === 'completed' && h.svc.job(bad.request.job_id)?.status === 'failed', 'both jobs to finish')
    await until(() => trainer.out().includes(`DONE ${bad.request.job_id}`), 'the trainer to be done')
    await h.svc.flushNow()

    // The request the trainer took carries every key of the seed's format.
    const taken = trainer
      .out()
      .split('\n')
      .filter((l) => l.startsWith('REQUEST '))
      .map((l) => JSON.parse(l.slice(8)) as Record<string, unknown>)
    expect(taken.map((r) => r.job_id).sort()).toEqual([ok.request.job_id, bad.request.job_id].sort())
    for (const r of taken) expect(keysOf(r).sort()).toEqual([...SEED_REQUEST_KEYS].sort())

    const job = h.svc.job(ok.request.job_id)!
    expect(job.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(job).toMatchObject({ status: 'completed', origin: 'local', currentEpoch: 20, totalEpochs: 20, progress: 100, epochsStored: 20, modelPath: `uploads/models/${ok.request.job_id}/weights/best.pt` })
    expect(job.finalMetrics).toMatchObject({ training_epochs: 20 })
    expect(job.epochs[4]!.metrics).toMatchObject({ train_loss: 1 / 6 })
    expect(job.request).toEqual(ok.request)
    expect(epochCount(h.store, ok.request.job_id)).toBe(20)

    const failedJob = h.svc.job(bad.request.job_id)!
    expect(failedJob).toMatchObject({ status: 'failed', currentEpoch: 5, errorMessage: 'CUDA out of memory', epochsStored: 5 })
    expect(failedJob.partialMetrics).toMatchObject({ last_mAP50: 5 / 11 })

    // Pushed to the page: every epoch once, and the desktop notification hook for both outcomes.
    const pushed = (): number[] => h.seen('training.changed').flatMap((c) => c.epochs.filter((e) => e.jobId === ok.request.job_id).map((e) => e.epoch))
    await until(() => pushed().length >= 20, 'every epoch pushed')
    expect(pushed().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    const notes = h.seen('app.notification')
    expect(notes.map((n) => [n.kind, n.target?.id])).toEqual(
      expect.arrayContaining([
        ['training.completed', ok.request.job_id],
        ['training.failed', bad.request.job_id]
      ])
    )
    expect(h.svc.info().counts).toMatchObject({ jobs: 2, completed: 1, failed: 1 })
  })

  it('duplicates, out-of-order updates and a completion before the last epochs are harmless; unknown jobs are shown', async () => {
    const { t, h } = await setup('order')
    const id = 'ext00001'
    // Another backend's job (never submitted here): completion first, then epochs out of order, some twice.
    broker.publish(t.result_queue, completed(id, 5))
    for (const e of [3, 1, 2, 2, 5, 4, 1, 3]) broker.publish(t.update_queue, epochUpdate(id, e, 5))
    await until(() => (h.svc.job(id)?.epochsStored ?? 0) === 5 && h.svc.info().stats.duplicates === 3, 'the five epochs and three duplicates')
    broker.publish(t.result_queue, completed(id, 5)) // a duplicate completion
    broker.publish(t.update_queue, epochUpdate(id, 6, 6)) // an epoch never seen, after completion
    await until(() => h.svc.job(id)?.epochsStored === 6 && h.svc.info().stats.duplicates === 4, 'the late epoch')
    const job = h.svc.job(id)!
    expect(job).toMatchObject({ status: 'completed', origin: 'external', progress: 100, currentEpoch: 6 })
    expect(job.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6])
    expect(epochCount(h.store, id)).toBe(6)
    // Naive timestamps are UTC; microseconds cut to milliseconds.
    expect(job.epochs[0]!.at).toBe('2026-12-01T10:00:01.000Z')

    // A failure for an unknown job, then a late epoch for it: it stays failed.
    broker.publish(t.result_queue, failed('ext00002', 7))
    broker.publish(t.update_queue, epochUpdate('ext00002', 8, 10))
    await until(() => h.svc.job('ext00002')?.epochsStored === 1, 'the failed job and its late epoch')
    expect(h.svc.job('ext00002')).toMatchObject({ status: 'failed', currentEpoch: 8, errorMessage: 'CUDA out of memory', origin: 'external' })
    // Only one notification per job, however often its result came.
    expect(h.seen('app.notification').filter((n) => n.target?.id === id)).toHaveLength(1)
  })

  it('rejects malformed messages without requeue (dead-lettered), logs and counts them, and keeps consuming', async () => {
    const { t, h } = await setup('malformed')
    broker.publish(t.update_queue, '{"type": "epoch_update", "job_id": "x", broken')
    broker.publish(t.update_queue, { type: 'epoch_update', current_epoch: 1, metrics: {} })
    broker.publish(t.result_queue, { type: 'model_converted', job_id: 'abc' })
    broker.publish(t.update_queue, { type: 'epoch_update', job_id: 'abc', current_epoch: 'one' })
    broker.publish(t.update_queue, epochUpdate('good0001', 1, 3))
    await until(() => h.svc.job('good0001')?.epochsStored === 1 && h.svc.info().stats.rejected === 4, 'the good message and four rejects')
    const dead = await (async () => {
      let got: string[] = []
      await until(async () => (got = got.concat(await broker.drain(t.dead_letter_queue))).length >= 4, 'four dead letters')
      return got
    })()
    expect(dead).toHaveLength(4)
    expect(dead[0]).toContain('broken')
    const log = h.lines.join('\n')
    expect(log).toContain('invalid JSON')
    expect(log).toContain('missing job_id')
    expect(log).toContain('unknown type "model_converted"')
    expect(log).toContain('broken') // the content itself
    // Nothing is left unacknowledged or waiting on the queues.
    await until(async () => (await broker.ch.checkQueue(t.update_queue)).messageCount === 0, 'an empty update queue')
    const metrics = await h.svc.info()
    expect(metrics.stats).toMatchObject({ rejected: 4, stored: 1 })
  })

  it('reconnects after the broker closes its connection, and loses nothing', async () => {
    const { t, h } = await setup('reconnect')
    const states: string[] = []
    h.svc.onStatusChange((s) => states.push(s.state))
    const id = 'conn0001'
    const total = 400
    for (let e = 1; e <= 200; e++) broker.publish(t.update_queue, epochUpdate(id, e, total))
    await until(() => (h.svc.job(id)?.epochsStored ?? 0) > 0, 'some epochs stored')
    let names: string[] = []
    await until(async () => (names = await brokerConnections(h.connectionName)).length > 0, 'the connection in rabbitmqctl', 30_000)
    await closeFromBroker(names[0]!, 'training test: closed by the broker')
    // Seen as reconnecting (it may be back already: the test's backoff starts at 50 ms).
    await until(() => states.includes('reconnecting'), 'the reconnecting state')
    for (let e = 201; e <= total; e++) broker.publish(t.update_queue, epochUpdate(id, e, total))
    broker.publish(t.result_queue, completed(id, total))
    await until(() => h.svc.job(id)?.epochsStored === total && h.svc.job(id)?.status === 'completed', 'every epoch after the reconnect', 30_000)
    expect(states.slice(states.indexOf('reconnecting'))).toContain('running')
    expect(h.svc.status().state).toBe('running')
    expect(h.svc.info()).toMatchObject({ broker: 'connected', stats: { reconnects: 1 } })
    expect(epochCount(h.store, id)).toBe(total)
    expect(h.lines.join('\n')).toContain('training test: closed by the broker')
  })

  it('without RabbitMQ configured it runs, says so and still answers the stored history', async () => {
    const t = trainingSection('off')
    const on = await startTraining(t)
    broker.publish(t.update_queue, epochUpdate('hist0001', 1, 2))
    await until(() => on.svc.job('hist0001')?.epochsStored === 1, 'a stored epoch')
    await on.svc.stop()
    await on.store.stop()
    const off = await startTraining({ ...t, enabled: false }, { dataDir: on.dataDir })
    cleanups.push(async () => {
      await off.close()
      await broker.cleanup(t)
    })
    expect(off.svc.status().state).toBe('running')
    expect(off.svc.info()).toMatchObject({ enabled: false, broker: 'disabled', url: null })
    expect(off.svc.jobs(undefined, 10).map((j) => j.jobId)).toEqual(['hist0001'])
    await expect(off.svc.submit(spec('x', 1))).rejects.toThrow(/ENABLE_RABBITMQ/)
  })

  it('an unreachable broker is a reconnecting start, not an error', async () => {
    const t = { ...trainingSection('down'), port: 1 }
    const h = await startTraining(t, { start: false })
    cleanups.push(() => h.close())
    await expect(h.svc.start()).rejects.toThrow(/RabbitMQ at amqp:\/\/guest@127\.0\.0\.1:1/)
    expect(h.svc.status().state).toBe('reconnecting')
    expect(h.svc.info().broker).toBe('reconnecting')
    expect(h.svc.info().error).toMatch(/ECONNREFUSED/)
  })

  it('warns (does not refuse) when guest/guest is used with a non-local host', async () => {
    const t = { ...trainingSection('guest'), host: 'rabbitmq.invalid' }
    const h = await startTraining(t, { start: false })
    cleanups.push(() => h.close())
    await h.svc.start().catch(() => undefined)
    expect(h.svc.info().warnings.join(' ')).toMatch(/guest\/guest account is used with the non-local host rabbitmq\.invalid/)
    expect(h.lines.join('\n')).toContain('non-local host rabbitmq.invalid')
    expect(['reconnecting', 'starting']).toContain(h.svc.status().state)
  })
})
