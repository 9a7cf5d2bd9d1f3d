/**
 * The Training page's pure logic: epoch series merged from loads and pushes (each epoch once, in
 * order, whatever the arrival order), chart data aligned over several jobs, the job list after a
 * push, durations, and the submit form validated by the contract's schema.
 */
import { describe, expect, it } from 'vitest'
import type { TrainingJobSummary } from '../../../src/shared/contract'
import { DEFAULT_DRAFT, alignSeries, emptySeries, epochText, jobDurationSeconds, mergeEpochs, mergeJobs, metricNames, parseDraft } from '../../../src/renderer/src/stores/training-model'

const ep = (epoch: number, metrics: Record<string, number | null> = { loss: 1 / epoch }): { epoch: number; metrics: Record<string, number | null> } => ({ epoch, metrics })

function job(p: Partial<TrainingJobSummary> & { jobId: string }): TrainingJobSummary {
  return {
    status: 'running',
    origin: 'local',
    datasetName: 'd',
    model: 'yolov8n',
    currentEpoch: 0,
    totalEpochs: 10,
    epochsStored: 0,
    progress: 0,
    submittedAt: '2026-12-01T10:00:00.000Z',
    startedAt: null,
    updatedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: null,
    etaSeconds: null,
    secondsPerEpoch: null,
    lastMetrics: {},
    modelPath: null,
    finalMetrics: null,
    trainingTimeSeconds: null,
    errorMessage: null,
    partialMetrics: null,
    ...p
  }
}

describe('epoch series', () => {
  it('keeps each epoch once, in order, with a column per metric (null where an epoch lacks it)', () => {
    const s = emptySeries()
    expect(mergeEpochs(s, [ep(3), ep(1)])).toBe(true)
    expect(mergeEpochs(s, [ep(1), ep(3)])).toBe(false)
    mergeEpochs(s, [ep(2, { loss: 0.5, mAP50: 0.2 }), ep(5)])
    expect(s.epochs).toEqual([1, 2, 3, 5])
    expect(s.metrics.loss).toEqual([1, 0.5, 1 / 3, 0.2])
    expect(s.metrics.mAP50).toEqual([null, 0.2, null, null])
    expect(s.version).toBe(2)
    expect(metricNames(s)).toEqual(['mAP50', 'loss'])
  })

  it('aligns several jobs on the union of their epochs', () => {
    const a = emptySeries()
    const b = emptySeries()
    mergeEpochs(a, [ep(1), ep(2), ep(3)])
    mergeEpochs(b, [ep(2, { loss: 9 }), ep(4, { loss: 8 })])
    expect(alignSeries([a, b], 'loss')).toEqual([
      [1, 2, 3, 4],
      [1, 0.5, 1 / 3, null],
      [null, 9, null, 8]
    ])
    expect(alignSeries([a], 'nope')).toEqual([[1, 2, 3], [null, null, null]])
  })
})

describe('jobs', () => {
  it('a push replaces changed jobs and adds new ones, newest first', () => {
    const old = job({ jobId: 'a', submittedAt: '2026-12-01T09:00:00.000Z' })
    const list = mergeJobs([old], [job({ jobId: 'b' }), job({ jobId: 'a', submittedAt: '2026-12-01T09:00:00.000Z', currentEpoch: 4 })])
    expect(list.map((j) => [j.jobId, j.currentEpoch])).toEqual([
      ['b', 0],
      ['a', 4]
    ])
  })
  it('durations run until now while running and stop when finished', () => {
    const now = Date.parse('2026-12-01T10:01:00.000Z')
    expect(jobDurationSeconds(job({ jobId: 'a', startedAt: '2026-12-01T10:00:00.000Z' }), now)).toBe(60)
    expect(jobDurationSeconds(job({ jobId: 'a', status: 'completed', startedAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:00:30.000Z' }), now)).toBe(30)
    expect(epochText(job({ jobId: 'a', currentEpoch: 3 }))).toBe('3 / 10')
    expect(epochText(job({ jobId: 'a', currentEpoch: 3, totalEpochs: null }))).toBe('3')
  })
})

describe('the submit form', () => {
  it('fills the seed conventions for empty optional fields', () => {
    const r = parseDraft({ ...DEFAULT_DRAFT, datasetName: 'my-dataset' })
    expect(r).toEqual({
      ok: true,
      spec: {
        dataset: { name: 'my-dataset', s3_prefix: 'datasets/my-dataset/' },
        output: { prefix: 'models/yolov8n', model_name: 'my-dataset.pt' },
        hyperparams: { model: 'yolov8n', epochs: 100, batch: 16, imgsz: 640 }
      }
    })
  })
  it('names the error of each bad field', () => {
    const r = parseDraft({ ...DEFAULT_DRAFT, datasetName: '', epochs: 'x', batch: '0', imgsz: '650', modelName: 'model.bin', s3Prefix: 'no/slash' })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(Object.keys(r.errors).sort()).toEqual(['batch', 'datasetName', 'epochs', 'imgsz', 'modelName', 's3Prefix'])
    expect(r.errors.epochs).toBe('must be a number')
    expect(r.errors.imgsz).toBe('must be a multiple of 32')
    expect(r.errors.modelName).toMatch(/\.pt/)
  })
})
