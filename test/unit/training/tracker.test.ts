/**
 * The job tracker and the message parser without a broker: a SQLite file in a temp folder.
 * Duplicates, out-of-order epochs, a completion before the last epochs, late epochs after a
 * result, unknown jobs, ETA from the epoch rate; malformed messages and timestamps without a zone.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TrainingMessage } from '../../../src/shared/contract'
import { excerpt, parseMessage, parseTimestamp } from '../../../src/main/training/messages'
import { TRAINING_MIGRATIONS } from '../../../src/main/training/migrations'
import { JobTracker } from '../../../src/main/training/tracker'

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0)
const epoch = (job: string, e: number, total = 10, atSec = e * 10): TrainingMessage => ({
  type: 'epoch_update',
  job_id: job,
  current_epoch: e,
  total_epochs: total,
  progress: (100 * e) / total,
  metrics: { train_loss: 1 / e, mAP50: e / 10 },
  timestamp: new Date(T0 + atSec * 1000).toISOString().replace('Z', '')
})
const done = (job: string, epochs = 10): TrainingMessage => ({ type: 'training_completed', job_id: job, progress: 100, model_path: 'm.pt', final_metrics: { final_mAP50: 0.9, training_epochs: epochs }, training_time: 100 })
const fail = (job: string, e: number): TrainingMessage => ({ type: 'training_failed', job_id: job, current_epoch: e, error_message: 'boom', partial_metrics: { last_loss: 0.1 } })

let dir: string
let db: Database.Database
let tracker: JobTracker

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-tracker-'))
  db = new Database(path.join(dir, 't.db'))
  for (const m of TRAINING_MIGRATIONS) db.exec(m.sql)
  tracker = new JobTracker(db)
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('JobTracker', () => {
  it('stores epochs once per (job, epoch); duplicates in one batch and across batches change nothing', () => {
    const r1 = tracker.apply([epoch('a', 1), epoch('a', 2), epoch('a', 2)], T0)
    expect(r1.epochs.map((e) => e.epoch)).toEqual([1, 2])
    expect(r1.duplicates).toBe(1)
    const r2 = tracker.apply([epoch('a', 1), epoch('a', 2)], T0)
    expect(r2).toMatchObject({ duplicates: 2, epochs: [] })
    expect(r2.changed.size).toBe(0)
    expect(tracker.detail('a', T0)!.epochs).toHaveLength(2)
    expect(tracker.summary('a', T0)).toMatchObject({ status: 'running', origin: 'external', currentEpoch: 2, epochsStored: 2, totalEpochs: 10 })
  })

  it('out-of-order epochs keep the highest epoch current and its metrics as the latest', () => {
    tracker.apply([epoch('a', 3), epoch('a', 1), epoch('a', 2)], T0)
    const s = tracker.summary('a', T0)!
    expect(s.currentEpoch).toBe(3)
    expect(s.lastMetrics).toEqual({ train_loss: 1 / 3, mAP50: 0.3 })
    expect(tracker.detail('a', T0)!.epochs.map((e) => e.epoch)).toEqual([1, 2, 3])
    expect(tracker.detail('a', T0, 1)!.epochs.map((e) => e.epoch)).toEqual([2, 3])
  })

  it('a completion before the last epochs: the epochs are still stored, the job stays completed', () => {
    tracker.apply([epoch('a', 1)], T0)
    const r = tracker.apply([done('a')], T0)
    expect(r.finished).toEqual([{ jobId: 'a', status: 'completed' }])
    tracker.apply([epoch('a', 9), epoch('a', 10), fail('a', 10), done('a')], T0)
    const s = tracker.summary('a', T0)!
    expect(s).toMatchObject({ status: 'completed', progress: 100, currentEpoch: 10, epochsStored: 3, errorMessage: null, modelPath: 'm.pt', etaSeconds: null })
    expect(s.finalMetrics).toEqual({ final_mAP50: 0.9, training_epochs: 10 })
  })

  it('a failed job stays failed; its error and partial metrics are kept', () => {
    tracker.apply([epoch('b', 1), fail('b', 4), epoch('b', 5)], T0)
    expect(tracker.summary('b', T0)).toMatchObject({ status: 'failed', currentEpoch: 5, errorMessage: 'boom', partialMetrics: { last_loss: 0.1 } })
  })

  it('a submitted job becomes running with its first epoch; ETA comes from the epoch rate', () => {
    const req = { job_id: 'c', dataset: { name: 'd', s3_prefix: 'datasets/d/' }, output: { prefix: 'models/x', model_name: 'd.pt' }, hyperparams: { model: 'yolov8n', epochs: 10, batch: 16, imgsz: 640 } }
    expect(tracker.insertSubmitted(req, T0)).toBe(true)
    expect(tracker.insertSubmitted(req, T0)).toBe(false)
    expect(tracker.summary('c', T0)).toMatchObject({ status: 'submitted', origin: 'local', totalEpochs: 10, etaSeconds: null })
    tracker.apply([epoch('c', 1, 10, 10), epoch('c', 3, 10, 30)], T0)
    const s = tracker.summary('c', T0 + 30_000)!
    expect(s).toMatchObject({ status: 'running', origin: 'local', secondsPerEpoch: 10 })
    expect(s.etaSeconds).toBe(70)
    expect(tracker.detail('c', T0)!.request).toEqual(req)
    expect(tracker.counts()).toEqual({ jobs: 1, running: 1, completed: 0, failed: 0, submitted: 0 })
  })

  it('withdraw takes back a submitted job only while nothing arrived for it', () => {
    const req = { job_id: 'w', dataset: { name: 'd', s3_prefix: 'datasets/d/' }, output: { prefix: 'p', model_name: 'd.pt' }, hyperparams: { model: 'yolov8n', epochs: 2, batch: 1, imgsz: 32 } }
    tracker.insertSubmitted(req, T0)
    tracker.withdraw('w')
    expect(tracker.summary('w', T0)).toBeNull()
  })

  it('lists newest first, by status', () => {
    tracker.apply([epoch('old', 1, 10, 0)], T0)
    tracker.apply([epoch('new', 1, 10, 100)], T0 + 1)
    tracker.apply([done('new')], T0 + 2)
    expect(tracker.list({ limit: 10 }, T0).map((j) => j.jobId)).toEqual(['new', 'old'])
    expect(tracker.list({ status: 'running', limit: 10 }, T0).map((j) => j.jobId)).toEqual(['old'])
  })
})

describe('parseMessage', () => {
  const buf = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))
  it('takes the three message types of the spec', () => {
    expect(parseMessage(buf({ type: 'epoch_update', job_id: 'a', current_epoch: 1, metrics: { x: 1 } }))).toMatchObject({ ok: true })
    expect(parseMessage(buf({ type: 'training_completed', job_id: 'a' }))).toMatchObject({ ok: true })
    expect(parseMessage(buf({ type: 'training_failed', job_id: 'a', error_message: 'x' }))).toMatchObject({ ok: true })
  })
  it('names what is wrong with a malformed message', () => {
    expect(parseMessage(buf('{nope'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid JSON/) })
    expect(parseMessage(buf('[1]'))).toMatchObject({ ok: false, reason: 'not a JSON object' })
    expect(parseMessage(buf({ type: 'epoch_update', current_epoch: 1 }))).toMatchObject({ ok: false, reason: 'missing job_id' })
    expect(parseMessage(buf({ type: 'x', job_id: 'a' }))).toMatchObject({ ok: false, reason: 'unknown type "x"' })
    expect(parseMessage(buf({ job_id: 'a' }))).toMatchObject({ ok: false, reason: 'unknown type null' })
    expect(parseMessage(buf({ type: 'epoch_update', job_id: 'a', current_epoch: -1 }))).toMatchObject({ ok: false, reason: expect.stringContaining('current_epoch') })
  })
  it('excerpt() cuts long content', () => {
    expect(excerpt(Buffer.from('x'.repeat(1000)), 10)).toBe('xxxxxxxxxx… (1000 bytes)')
  })
})

describe('parseTimestamp', () => {
  it('reads naive timestamps as UTC and cuts microseconds', () => {
    expect(parseTimestamp('2024-01-15T10:30:45.123456', 0)).toBe(Date.UTC(2024, 0, 15, 10, 30, 45, 123))
    expect(parseTimestamp('2024-01-15 10:30:45', 0)).toBe(Date.UTC(2024, 0, 15, 10, 30, 45))
    expect(parseTimestamp('2024-01-15T10:30:45.5+02:00', 0)).toBe(Date.UTC(2024, 0, 15, 8, 30, 45, 500))
    expect(parseTimestamp('2024-01-15T10:30:45Z', 0)).toBe(Date.UTC(2024, 0, 15, 10, 30, 45))
    expect(parseTimestamp('garbage', 42)).toBe(42)
    expect(parseTimestamp(undefined, 7)).toBe(7)
  })
})

describe('parseMessage fast path', () => {
  it('gives what the schema gives for well-formed epoch updates, and the schema decides the rest', () => {
    const good = { type: 'epoch_update', job_id: 'abc12345', status: 'running', current_epoch: 15, total_epochs: 100, progress: 15.0, metrics: { train_loss: 0.0234, mAP50: null }, timestamp: '2024-01-15T10:30:45.123456' }
    const r = parseMessage(Buffer.from(JSON.stringify(good)))
    expect(r).toEqual({ ok: true, message: good })
    expect(parseMessage(Buffer.from(JSON.stringify({ type: 'epoch_update', job_id: 'a', current_epoch: 1 })))).toEqual({ ok: true, message: { type: 'epoch_update', job_id: 'a', current_epoch: 1, metrics: {} } })
    // Trimmed by the schema, refused where the schema refuses.
    expect(parseMessage(Buffer.from(JSON.stringify({ type: 'epoch_update', job_id: ' a ', current_epoch: 1 })))).toMatchObject({ ok: true, message: { job_id: 'a' } })
    expect(parseMessage(Buffer.from(JSON.stringify({ type: 'epoch_update', job_id: 'a', current_epoch: 1.5 })))).toMatchObject({ ok: false })
    expect(parseMessage(Buffer.from(JSON.stringify({ type: 'epoch_update', job_id: 'a', current_epoch: 1, metrics: { x: 'high' } })))).toMatchObject({ ok: false, reason: expect.stringContaining('metrics.x') })
    expect(parseMessage(Buffer.from(JSON.stringify({ type: 'epoch_update', job_id: 'a', current_epoch: 1, total_epochs: 0 })))).toMatchObject({ ok: false })
  })
})
