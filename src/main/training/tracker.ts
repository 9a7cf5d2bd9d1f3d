/**
 * The job tracker: training jobs and their per-epoch metrics in the app database (better-sqlite3,
 * tables in migrations.ts). `apply()` stores a batch of messages in ONE transaction and says what
 * changed; the service acknowledges the messages only after it returned.
 *
 * Rules (spec-training.md): an epoch is keyed by (job_id, epoch) — a duplicate changes nothing; a
 * late epoch (after completion or failure) is still stored but never moves the job's status back;
 * a message for an unknown job creates it as `external` (another backend submitted it).
 */
import type Database from 'better-sqlite3'
import type {
  Metrics,
  TrainingEpoch,
  TrainingJobDetail,
  TrainingJobStatus,
  TrainingJobSummary,
  TrainingMessage,
  TrainingRequest
} from '../../shared/contract'
import { parseTimestamp } from './messages'

interface JobRow {
  job_id: string
  status: TrainingJobStatus
  origin: 'local' | 'external'
  request: string | null
  dataset_name: string | null
  model: string | null
  current_epoch: number
  total_epochs: number | null
  epochs_stored: number
  progress: number
  submitted_at: number | null
  started_at: number | null
  updated_at: number
  finished_at: number | null
  first_epoch: number | null
  first_epoch_at: number | null
  last_epoch_at: number | null
  last_metrics: string
  model_path: string | null
  final_metrics: string | null
  training_time: number | null
  error_message: string | null
  partial_metrics: string | null
}

/** A job row before anything arrived for it: nothing known but what `known` says. */
function newJobRow(known: Pick<JobRow, 'job_id' | 'status' | 'origin' | 'updated_at'> & Partial<JobRow>): JobRow {
  return {
    request: null,
    dataset_name: null,
    model: null,
    current_epoch: 0,
    total_epochs: null,
    epochs_stored: 0,
    progress: 0,
    submitted_at: null,
    started_at: null,
    finished_at: null,
    first_epoch: null,
    first_epoch_at: null,
    last_epoch_at: null,
    last_metrics: '{}',
    model_path: null,
    final_metrics: null,
    training_time: null,
    error_message: null,
    partial_metrics: null,
    ...known
  }
}

interface EpochRow {
  job_id: string
  epoch: number
  total_epochs: number | null
  progress: number | null
  metrics: string
  at: number
}

export interface ApplyResult {
  /** Jobs whose row changed. */
  changed: Set<string>
  /** Epochs stored by this batch (new ones only). */
  epochs: TrainingEpoch[]
  /** Epoch updates already stored (redelivered or duplicated). */
  duplicates: number
  /** Jobs that became completed or failed in this batch. */
  finished: { jobId: string; status: 'completed' | 'failed' }[]
}

const FINAL: ReadonlySet<TrainingJobStatus> = new Set(['completed', 'failed'])
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

function metricsOf(text: string | null): Metrics | null {
  if (text === null) return null
  try {
    const v = JSON.parse(text) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Metrics) : {}
  } catch {
    return {}
  }
}

export class JobTracker {
  private readonly getJob: Database.Statement<[string], JobRow>
  private readonly putJob: Database.Statement<JobRow>
  private readonly putEpoch: Database.Statement<[string, number, number | null, number | null, string, number, number]>
  private readonly deleteJob: Database.Statement<[string]>
  private readonly applyTx: (messages: readonly TrainingMessage[], receivedAt: number) => ApplyResult

  constructor(private readonly db: Database.Database) {
    this.getJob = db.prepare('SELECT * FROM training_jobs WHERE job_id = ?')
    this.putJob = db.prepare(`INSERT OR REPLACE INTO training_jobs (job_id, status, origin, request, dataset_name, model, current_epoch, total_epochs,
        epochs_stored, progress, submitted_at, started_at, updated_at, finished_at, first_epoch, first_epoch_at, last_epoch_at, last_metrics,
        model_path, final_metrics, training_time, error_message, partial_metrics)
      VALUES (@job_id, @status, @origin, @request, @dataset_name, @model, @current_epoch, @total_epochs, @epochs_stored, @progress, @submitted_at,
        @started_at, @updated_at, @finished_at, @first_epoch, @first_epoch_at, @last_epoch_at, @last_metrics, @model_path, @final_metrics,
        @training_time, @error_message, @partial_metrics)`)
    this.putEpoch = db.prepare(
      'INSERT INTO training_epochs (job_id, epoch, total_epochs, progress, metrics, at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, epoch) DO NOTHING'
    )
    this.deleteJob = db.prepare("DELETE FROM training_jobs WHERE job_id = ? AND status = 'submitted' AND epochs_stored = 0")
    this.applyTx = db.transaction((messages: readonly TrainingMessage[], receivedAt: number) => this.applyInTx(messages, receivedAt))
  }

  /** Stores a batch in one transaction (all or nothing). */
  apply(messages: readonly TrainingMessage[], receivedAt: number): ApplyResult {
    return this.applyTx(messages, receivedAt)
  }

  private applyInTx(messages: readonly TrainingMessage[], receivedAt: number): ApplyResult {
    const jobs = new Map<string, JobRow>()
    const result: ApplyResult = { changed: new Set(), epochs: [], duplicates: 0, finished: [] }
    const job = (id: string): JobRow => {
      let row = jobs.get(id)
      if (!row) {
        row = this.getJob.get(id) ?? newJobRow({ job_id: id, status: 'running', origin: 'external', updated_at: receivedAt })
        jobs.set(id, row)
      }
      return row
    }
    for (const m of messages) {
      const at = parseTimestamp(m.timestamp, receivedAt)
      const row = job(m.job_id)
      const wasFinal = FINAL.has(row.status)
      if (m.type === 'epoch_update') {
        const metrics = JSON.stringify(m.metrics)
        const inserted = this.putEpoch.run(m.job_id, m.current_epoch, m.total_epochs ?? null, m.progress ?? null, metrics, at, receivedAt).changes > 0
        if (!inserted) {
          result.duplicates++
          continue
        }
        result.epochs.push({ jobId: m.job_id, epoch: m.current_epoch, totalEpochs: m.total_epochs ?? null, progress: m.progress ?? null, metrics: m.metrics, at: new Date(at).toISOString() })
        row.epochs_stored++
        if (m.total_epochs !== undefined && (row.total_epochs === null || !wasFinal)) row.total_epochs = m.total_epochs
        if (row.first_epoch === null || m.current_epoch < row.first_epoch) {
          row.first_epoch = m.current_epoch
          row.first_epoch_at = at
        }
        if (m.current_epoch >= row.current_epoch) {
          row.current_epoch = m.current_epoch
          row.last_epoch_at = at
          row.last_metrics = metrics
          if (!wasFinal) row.progress = m.progress ?? (row.total_epochs ? (100 * m.current_epoch) / row.total_epochs : row.progress)
        }
        row.started_at = row.started_at === null ? at : Math.min(row.started_at, at)
        if (!wasFinal) row.status = 'running'
      } else if (m.type === 'training_completed') {
        if (wasFinal) {
          result.duplicates++
          continue
        }
        row.status = 'completed'
        row.progress = m.progress ?? 100
        row.model_path = m.model_path ?? null
        row.final_metrics = JSON.stringify(m.final_metrics)
        row.training_time = m.training_time ?? null
        row.finished_at = at
        const epochs = m.final_metrics.training_epochs
        if (typeof epochs === 'number' && Number.isInteger(epochs) && epochs > 0) {
          row.total_epochs ??= epochs
          row.current_epoch = Math.max(row.current_epoch, epochs)
        }
      } else {
        if (wasFinal) {
          result.duplicates++
          continue
        }
        row.status = 'failed'
        row.error_message = m.error_message
        row.partial_metrics = JSON.stringify(m.partial_metrics)
        row.finished_at = at
        if (m.current_epoch !== undefined && m.current_epoch !== null) row.current_epoch = Math.max(row.current_epoch, m.current_epoch)
      }
      if (!wasFinal && FINAL.has(row.status)) result.finished.push({ jobId: row.job_id, status: row.status as 'completed' | 'failed' })
      row.updated_at = receivedAt
      result.changed.add(row.job_id)
    }
    for (const id of result.changed) this.putJob.run(jobs.get(id)!)
    return result
  }

  /** A job this app is about to publish (status `submitted`); an existing id is refused. */
  insertSubmitted(request: TrainingRequest, now: number): boolean {
    const row = newJobRow({
      job_id: request.job_id,
      status: 'submitted',
      origin: 'local',
      request: JSON.stringify(request),
      dataset_name: request.dataset.name,
      model: request.hyperparams.model,
      total_epochs: request.hyperparams.epochs,
      submitted_at: now,
      updated_at: now
    })
    return this.db.transaction(() => {
      if (this.getJob.get(request.job_id)) return false
      this.putJob.run(row)
      return true
    })()
  }

  /** Takes back a submitted job whose publish failed (only while nothing arrived for it). */
  withdraw(jobId: string): void {
    this.deleteJob.run(jobId)
  }

  summary(jobId: string, now: number): TrainingJobSummary | null {
    const row = this.getJob.get(jobId)
    return row ? toSummary(row, now) : null
  }

  summaries(ids: Iterable<string>, now: number): TrainingJobSummary[] {
    const out: TrainingJobSummary[] = []
    for (const id of ids) {
      const s = this.summary(id, now)
      if (s) out.push(s)
    }
    return out
  }

  list(opts: { status?: TrainingJobStatus | undefined; limit: number }, now: number): TrainingJobSummary[] {
    const rows = (
      opts.status
        ? this.db.prepare('SELECT * FROM training_jobs WHERE status = ? ORDER BY COALESCE(submitted_at, started_at, updated_at) DESC LIMIT ?').all(opts.status, opts.limit)
        : this.db.prepare('SELECT * FROM training_jobs ORDER BY COALESCE(submitted_at, started_at, updated_at) DESC LIMIT ?').all(opts.limit)
    ) as JobRow[]
    return rows.map((r) => toSummary(r, now))
  }

  detail(jobId: string, now: number, afterEpoch = -1): TrainingJobDetail | null {
    const row = this.getJob.get(jobId)
    if (!row) return null
    const epochs = this.db
      .prepare('SELECT job_id, epoch, total_epochs, progress, metrics, at FROM training_epochs WHERE job_id = ? AND epoch > ? ORDER BY epoch')
      .all(jobId, afterEpoch) as EpochRow[]
    let request: TrainingRequest | null = null
    if (row.request !== null) {
      try {
        request = JSON.parse(row.request) as TrainingRequest
      } catch {
        request = null
      }
    }
    return {
      ...toSummary(row, now),
      request,
      epochs: epochs.map((e) => ({ jobId: e.job_id, epoch: e.epoch, totalEpochs: e.total_epochs, progress: e.progress, metrics: metricsOf(e.metrics) ?? {}, at: new Date(e.at).toISOString() }))
    }
  }

  counts(): { jobs: number; running: number; completed: number; failed: number; submitted: number } {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM training_jobs GROUP BY status').all() as { status: TrainingJobStatus; n: number }[]
    const c = { jobs: 0, running: 0, completed: 0, failed: 0, submitted: 0 }
    for (const r of rows) {
      c[r.status] += r.n
      c.jobs += r.n
    }
    return c
  }
}

function toSummary(r: JobRow, now: number): TrainingJobSummary {
  let secondsPerEpoch: number | null = null
  if (r.first_epoch !== null && r.first_epoch_at !== null && r.last_epoch_at !== null && r.current_epoch > r.first_epoch) {
    secondsPerEpoch = Math.max(0, (r.last_epoch_at - r.first_epoch_at) / 1000 / (r.current_epoch - r.first_epoch))
  }
  let etaSeconds: number | null = null
  if (r.status === 'running' && secondsPerEpoch !== null && r.total_epochs !== null) {
    const sinceLast = r.last_epoch_at !== null ? Math.max(0, (now - r.last_epoch_at) / 1000) : 0
    etaSeconds = Math.max(0, (r.total_epochs - r.current_epoch) * secondsPerEpoch - Math.min(sinceLast, secondsPerEpoch))
  }
  return {
    jobId: r.job_id,
    status: r.status,
    origin: r.origin,
    datasetName: r.dataset_name,
    model: r.model,
    currentEpoch: r.current_epoch,
    totalEpochs: r.total_epochs,
    epochsStored: r.epochs_stored,
    progress: Math.max(0, Math.min(100, r.progress)),
    submittedAt: iso(r.submitted_at),
    startedAt: iso(r.started_at),
    updatedAt: new Date(r.updated_at).toISOString(),
    finishedAt: iso(r.finished_at),
    etaSeconds,
    secondsPerEpoch,
    lastMetrics: metricsOf(r.last_metrics) ?? {},
    modelPath: r.model_path,
    finalMetrics: metricsOf(r.final_metrics),
    trainingTimeSeconds: r.training_time,
    errorMessage: r.error_message,
    partialMetrics: metricsOf(r.partial_metrics)
  }
}
