/**
 * The Training page's pure logic: per-job epoch series (merged from loads and pushes, each epoch
 * once, in epoch order), the aligned data a chart draws, job list merging, and the submit form's
 * draft → validated job spec (the contract's own schema, so the form refuses exactly what main
 * would).
 */
import type { TrainingEpoch, TrainingJobSpec, TrainingJobSummary } from '../../../shared/contract'
import { TrainingJobSpecSchema } from '../../../shared/contract'

/** One job's epochs as columns: x = epoch numbers ascending, one column per metric. */
export interface EpochSeries {
  epochs: number[]
  metrics: Record<string, (number | null)[]>
  /** Bumped on every change (the arrays are updated in place; charts redraw on a new version). */
  version: number
}

export function emptySeries(): EpochSeries {
  return { epochs: [], metrics: {}, version: 0 }
}

/** Index of the first epoch ≥ e (binary search). */
function lowerBound(xs: number[], e: number): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid]! < e) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Adds epochs not in the series yet (in place); returns whether anything was added. */
export function mergeEpochs(s: EpochSeries, epochs: readonly Pick<TrainingEpoch, 'epoch' | 'metrics'>[]): boolean {
  let added = false
  for (const ep of epochs) {
    const xs = s.epochs
    const last = xs.length > 0 ? xs[xs.length - 1]! : -1
    let i: number
    if (ep.epoch > last) i = xs.length
    else {
      i = lowerBound(xs, ep.epoch)
      if (xs[i] === ep.epoch) continue
    }
    const n = xs.length
    xs.splice(i, 0, ep.epoch)
    for (const name of Object.keys(ep.metrics)) {
      if (!s.metrics[name]) s.metrics[name] = new Array<number | null>(n).fill(null)
    }
    for (const [name, col] of Object.entries(s.metrics)) {
      const v = ep.metrics[name]
      col.splice(i, 0, typeof v === 'number' && Number.isFinite(v) ? v : null)
    }
    added = true
  }
  if (added) s.version++
  return added
}

/** Metric names in a stable, readable order (losses after the mAPs, then alphabetical). */
export function metricNames(s: EpochSeries): string[] {
  const rank = (n: string): number => (/map/i.test(n) ? 0 : /loss/i.test(n) ? 2 : 1)
  return Object.keys(s.metrics).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

/** uPlot data for one metric of several series: the union of their epochs, null where one has none. */
export function alignSeries(series: readonly EpochSeries[], metric: string): [number[], ...(number | null)[][]] {
  if (series.length === 1) {
    const s = series[0]!
    return [s.epochs, s.metrics[metric] ?? new Array<number | null>(s.epochs.length).fill(null)]
  }
  const xs = [...new Set(series.flatMap((s) => s.epochs))].sort((a, b) => a - b)
  const index = new Map(xs.map((x, i) => [x, i]))
  const cols = series.map((s) => {
    const col = new Array<number | null>(xs.length).fill(null)
    const ys = s.metrics[metric]
    if (ys) s.epochs.forEach((x, i) => (col[index.get(x)!] = ys[i] ?? null))
    return col
  })
  return [xs, ...cols]
}

/** The list after a push: changed jobs replace theirs, new ones are added; newest first. */
export function mergeJobs(jobs: readonly TrainingJobSummary[], changed: readonly TrainingJobSummary[]): TrainingJobSummary[] {
  if (changed.length === 0) return jobs as TrainingJobSummary[]
  const byId = new Map(jobs.map((j) => [j.jobId, j]))
  for (const j of changed) byId.set(j.jobId, j)
  return sortJobs([...byId.values()])
}

const startOf = (j: TrainingJobSummary): number => Date.parse(j.submittedAt ?? j.startedAt ?? j.updatedAt)

export function sortJobs(jobs: TrainingJobSummary[]): TrainingJobSummary[] {
  return jobs.sort((a, b) => startOf(b) - startOf(a) || a.jobId.localeCompare(b.jobId))
}

/** Seconds the job ran: until it finished, else until now. */
export function jobDurationSeconds(j: TrainingJobSummary, now: number): number | null {
  const start = j.startedAt ?? j.submittedAt
  if (!start) return null
  const end = j.finishedAt ? Date.parse(j.finishedAt) : j.status === 'running' || j.status === 'submitted' ? now : Date.parse(j.updatedAt)
  return Math.max(0, (end - Date.parse(start)) / 1000)
}

/** "12 / 100" (or "12" when the total is unknown). */
export function epochText(j: TrainingJobSummary): string {
  return j.totalEpochs ? `${j.currentEpoch} / ${j.totalEpochs}` : String(j.currentEpoch)
}

// ---- the submit form -----------------------------------------------------------------------------

export interface SubmitDraft {
  datasetName: string
  s3Prefix: string
  outputPrefix: string
  modelName: string
  model: string
  epochs: string
  batch: string
  imgsz: string
}

export const DEFAULT_DRAFT: SubmitDraft = {
  datasetName: '',
  s3Prefix: '',
  outputPrefix: '',
  modelName: '',
  model: 'yolov8n',
  epochs: '100',
  batch: '16',
  imgsz: '640'
}

/** The draft's field for each path of the job spec (where its error shows). */
export const FIELD_OF_PATH: Record<string, keyof SubmitDraft> = {
  'dataset.name': 'datasetName',
  'dataset.s3_prefix': 's3Prefix',
  'output.prefix': 'outputPrefix',
  'output.model_name': 'modelName',
  'hyperparams.model': 'model',
  'hyperparams.epochs': 'epochs',
  'hyperparams.batch': 'batch',
  'hyperparams.imgsz': 'imgsz'
}

/** What an empty optional field becomes: the seed's conventions from the dataset and model. */
export function draftDefaults(d: SubmitDraft): { s3Prefix: string; outputPrefix: string; modelName: string } {
  const name = d.datasetName.trim()
  return { s3Prefix: name ? `datasets/${name}/` : '', outputPrefix: `models/${d.model.trim() || 'yolov8n'}`, modelName: name ? `${name}.pt` : '' }
}

const num = (v: string): number => (v.trim() === '' ? Number.NaN : Number(v))

export type DraftResult = { ok: true; spec: TrainingJobSpec } | { ok: false; errors: Partial<Record<keyof SubmitDraft, string>> }

/** Validates the draft with the contract's schema; each error under its field. */
export function parseDraft(d: SubmitDraft, describe: (issue: { code: string; message: string }) => string = (i) => i.message): DraftResult {
  const defaults = draftDefaults(d)
  const candidate = {
    dataset: { name: d.datasetName, s3_prefix: d.s3Prefix.trim() || defaults.s3Prefix },
    output: { prefix: d.outputPrefix.trim() || defaults.outputPrefix, model_name: d.modelName.trim() || defaults.modelName },
    hyperparams: { model: d.model, epochs: num(d.epochs), batch: num(d.batch), imgsz: num(d.imgsz) }
  }
  const parsed = TrainingJobSpecSchema.safeParse(candidate)
  if (parsed.success) return { ok: true, spec: parsed.data }
  const errors: Partial<Record<keyof SubmitDraft, string>> = {}
  for (const issue of parsed.error.issues) {
    const field = FIELD_OF_PATH[issue.path.join('.')]
    if (!field || errors[field]) continue
    const raw = candidate.hyperparams[issue.path[1] as 'epochs']
    errors[field] = typeof raw === 'number' && Number.isNaN(raw) ? 'must be a number' : describe(issue)
  }
  return { ok: false, errors }
}
