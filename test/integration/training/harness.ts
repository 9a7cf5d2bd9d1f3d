/**
 * Training tests against the REAL RabbitMQ on 127.0.0.1:5672 (guest/guest): unique queue and
 * exchange names per run (deleted afterwards, other engineers' tests share the broker), the
 * training service on a temp app database, a raw amqplib client to publish what a trainer would
 * (or garbage), and `rabbitmqctl` to close a connection from the broker side.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import amqp, { type Channel, type ChannelModel } from 'amqplib'
import { Registry } from 'prom-client'
import { ConfigSchema, type Config } from '../../../src/shared/config-schema'
import type { EventName, EventPayload } from '../../../src/shared/contract'
import { systemClock } from '../../../src/main/clock'
import { EventBus } from '../../../src/main/events'
import { LogSink } from '../../../src/main/logging/logger'
import { AppStore } from '../../../src/main/store/app-store'
import { TRAINING_MIGRATIONS } from '../../../src/main/training/migrations'
import { TrainingService, type TrainingServiceOptions } from '../../../src/main/training/service'

const run = promisify(execFile)

export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672'

/** The `training` config section with unique names (run id + a label). */
export function trainingSection(label: string): Config['training'] {
  const id = `${label}_${randomBytes(4).toString('hex')}`
  return ConfigSchema.parse({
    training: {
      enabled: true,
      host: '127.0.0.1',
      request_queue: `t_req_${id}`,
      update_queue: `t_upd_${id}`,
      result_queue: `t_res_${id}`,
      dead_letter_exchange: `t_dlx_${id}`,
      dead_letter_queue: `t_dead_${id}`
    }
  }).training
}

export function queuesOf(t: Config['training']): string[] {
  return [t.request_queue, t.update_queue, t.result_queue, t.dead_letter_queue]
}

/** Polls until `check` holds (no fixed sleeps): throws with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export interface TestBroker {
  ch: Channel
  publish(queue: string, body: unknown): void
  /** Every message on a queue right now (acknowledged: they leave it). */
  drain(queue: string): Promise<string[]>
  cleanup(t: Config['training']): Promise<void>
  close(): Promise<void>
}

export async function testBroker(): Promise<TestBroker> {
  const model: ChannelModel = await amqp.connect(AMQP_URL, { clientProperties: { connection_name: 'warp-training-test-publisher' } })
  const ch = await model.createChannel()
  return {
    ch,
    publish(queue, body) {
      const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
      ch.sendToQueue(queue, buf, { persistent: true })
    },
    async drain(queue) {
      const out: string[] = []
      for (;;) {
        const m = await ch.get(queue, { noAck: true })
        if (!m) return out
        out.push(m.content.toString('utf8'))
      }
    },
    async cleanup(t) {
      for (const q of queuesOf(t)) await ch.deleteQueue(q).catch(() => undefined)
      if (t.dead_letter_exchange !== '') await ch.deleteExchange(t.dead_letter_exchange).catch(() => undefined)
    },
    async close() {
      await model.close().catch(() => undefined)
    }
  }
}

/** Connection pids (what `rabbitmqctl close_connection` takes) of the connections with this client connection_name. */
export async function brokerConnections(clientName: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'name', 'client_properties'], { timeout: 30_000 })
  return stdout
    .split('\n')
    .filter((l) => l.includes(`"${clientName}"`) || l.includes(clientName))
    .map((l) => l.split('\t')[0]!.trim())
    .filter((n) => n.length > 0)
}

export async function closeFromBroker(pid: string, reason: string): Promise<void> {
  await run('rabbitmqctl', ['-q', 'close_connection', pid, reason], { timeout: 30_000 })
}

export interface TrainingHarness {
  svc: TrainingService
  store: AppStore
  events: EventBus
  dataDir: string
  lines: string[]
  config: Config
  connectionName: string
  seen<E extends EventName>(event: E): EventPayload<E>[]
  close(): Promise<void>
}

export async function startTraining(
  training: Config['training'],
  opts: { dataDir?: string; overrides?: Partial<TrainingServiceOptions>; start?: boolean } = {}
): Promise<TrainingHarness> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'warp-training-'))
  const lines: string[] = []
  const sink = new LogSink({ level: 'debug', format: 'text', dir: null, write: (l) => lines.push(l) })
  const store = new AppStore(dataDir, sink.logger('store'))
  await store.start()
  store.migrateModule('training', TRAINING_MIGRATIONS)
  const config = ConfigSchema.parse({ data_dir: dataDir })
  config.training = training
  const events = new EventBus()
  const captured = new Map<string, unknown[]>()
  events.onAny((e, p) => {
    let list = captured.get(e)
    if (!list) captured.set(e, (list = []))
    list.push(p)
  })
  const connectionName = `warp-training-test-${randomBytes(4).toString('hex')}`
  const svc = new TrainingService({
    config,
    log: sink.logger('training'),
    events,
    store,
    clock: systemClock,
    metrics: new Registry(),
    connectionName,
    reconnect: { baseMs: 50, maxMs: 500, jitter: 0.1 },
    pushMs: 20,
    ...opts.overrides
  })
  if (opts.start !== false) await svc.start()
  return {
    svc,
    store,
    events,
    dataDir,
    lines,
    config,
    connectionName,
    seen: <E extends EventName>(e: E) => (captured.get(e) ?? []) as EventPayload<E>[],
    async close() {
      await svc.stop()
      await store.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** An epoch update as the AI service sends it (naive UTC timestamp, microseconds). */
export function epochUpdate(jobId: string, epoch: number, total: number, at = Date.UTC(2026, 11, 1, 10, 0, 0) + epoch * 1000): Record<string, unknown> {
  return {
    type: 'epoch_update',
    job_id: jobId,
    status: 'running',
    current_epoch: epoch,
    total_epochs: total,
    progress: (100 * epoch) / total,
    metrics: { train_loss: 1 / (epoch + 1), mAP50: epoch / (total + 1), box_loss: 0.5 / (epoch + 1), cls_loss: 0.2 / (epoch + 1), dfl_loss: 0.1 / (epoch + 1) },
    timestamp: new Date(at).toISOString().replace('Z', '123')
  }
}

export function completed(jobId: string, epochs: number): Record<string, unknown> {
  return {
    type: 'training_completed',
    job_id: jobId,
    status: 'completed',
    progress: 100.0,
    model_path: `uploads/models/${jobId}/weights/best.pt`,
    final_metrics: { final_mAP50: 0.892, final_loss: 0.0156, training_epochs: epochs },
    training_time: 3600.5,
    timestamp: '2026-12-01T11:30:45.123456'
  }
}

export function failed(jobId: string, epoch: number): Record<string, unknown> {
  return {
    type: 'training_failed',
    job_id: jobId,
    status: 'failed',
    current_epoch: epoch,
    error_message: 'CUDA out of memory',
    partial_metrics: { last_loss: 0.0234, last_mAP50: 0.567 },
    timestamp: '2026-12-01T10:45:30.123456'
  }
}

export function epochCount(store: AppStore, jobId: string): number {
  return (store.database.prepare('SELECT COUNT(*) AS n FROM training_epochs WHERE job_id = ?').get(jobId) as { n: number }).n
}
