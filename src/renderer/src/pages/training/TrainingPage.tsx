/**
 * Training: jobs run by the AI service over RabbitMQ. The broker's state (connected,
 * reconnecting, off — then the stored history is still shown), counters, the job list (status,
 * progress bar with epoch x / y, ETA from the epoch rate, started, duration; tick to compare), the
 * selected job's live charts of every metric per epoch with its final metrics or error, a chart
 * overlaying one metric of the compared jobs, and the form that submits a job (validated with the
 * contract's schema before anything is published). Live through the training store.
 */
import { memo, useEffect, useId, useState } from 'react'
import type { TrainingInfo, TrainingJobSummary, Metrics } from '../../../../shared/contract'
import { getClient } from '../../api/client'
import { formatDateTime, formatDuration } from '../../components/format'
import { PageLoading, PageProblem } from '../../components/PageState'
import { hrefFor } from '../../components/router'
import { StatCard } from '../../components/StatCard'
import { Badge, type Tone } from '../../components/StateBadge'
import { useNow } from '../../components/use-now'
import { useConnectionStore } from '../../stores/connection'
import {
  DEFAULT_DRAFT,
  alignSeries,
  draftDefaults,
  epochText,
  jobDurationSeconds,
  metricNames,
  parseDraft,
  useTrainingStore,
  type EpochSeries,
  type SubmitDraft
} from '../../stores/training'
import { describeError } from '../../stores/requests-model'
import { describeIssue } from '../settings/config-fields'
import { MetricChart } from './MetricChart'
import './training.css'

const STATUS: Record<TrainingJobSummary['status'], { text: string; tone: Tone }> = {
  submitted: { text: 'Submitted', tone: 'idle' },
  running: { text: 'Running', tone: 'busy' },
  completed: { text: 'Completed', tone: 'ok' },
  failed: { text: 'Failed', tone: 'bad' }
}

export function TrainingPage(): React.JSX.Element {
  const phase = useTrainingStore((s) => s.phase)
  const info = useTrainingStore((s) => s.info)
  const error = useTrainingStore((s) => s.error)
  const live = useConnectionStore((s) => s.info.state === 'open')
  const [showForm, setShowForm] = useState(false)
  useEffect(() => useTrainingStore.getState().activate(getClient()), [])

  return (
    <div className="page tr-page">
      <header className="page__header tr-header">
        <div>
          <h1>Training</h1>
          <p className="muted">Training jobs the AI service runs over RabbitMQ: submit one, follow its epochs live, compare runs.</p>
        </div>
        <button type="button" className="button button--primary" aria-expanded={showForm} onClick={() => setShowForm((v) => !v)} data-testid="tr-new-job">
          {showForm ? 'Close the form' : 'New job'}
        </button>
      </header>
      {phase === 'loading' && !info ? <PageLoading text="Loading training jobs…" className="muted" role="status" busy testId="tr-loading" /> : null}
      {error && !info ? <PageProblem title="The training jobs could not be loaded." message={describeError(error)} testId="tr-error" /> : null}
      {info ? (
        <div className={`tr-body${live ? '' : ' is-stale'}`}>
          <BrokerPanel info={info} />
          {showForm ? <SubmitForm info={info} onDone={() => setShowForm(false)} /> : null}
          <Outcome />
          <Counters info={info} />
          <div className="tr-main">
            <JobsTable />
            <JobDetail />
          </div>
          <ComparePanel />
        </div>
      ) : null}
    </div>
  )
}

function BrokerPanel({ info }: { info: TrainingInfo }): React.JSX.Element {
  const { text, tone, body } = brokerText(info)
  return (
    <section className={`card tr-broker tr-broker--${tone}`} aria-label="RabbitMQ connection" data-testid="tr-broker" data-state={info.broker}>
      <div className="tr-broker__line">
        <Badge tone={tone}>{text}</Badge>
        <span className="tr-broker__body">{body}</span>
      </div>
      {info.broker !== 'disabled' ? (
        <p className="muted tr-broker__queues">
          Requests to <code>{info.queues.request}</code>, updates from <code>{info.queues.update}</code>, results from <code>{info.queues.result}</code>
          {info.queues.deadLetter ? (
            <>
              , rejected messages to <code>{info.queues.deadLetter}</code>
            </>
          ) : null}
          .
        </p>
      ) : null}
      {info.warnings.map((w) => (
        <p key={w} className="tr-warning" role="note">
          {w}
        </p>
      ))}
    </section>
  )
}

function brokerText(info: TrainingInfo): { text: string; tone: Tone; body: React.ReactNode } {
  switch (info.broker) {
    case 'disabled':
      return {
        text: 'RabbitMQ off',
        tone: 'idle',
        body: (
          <>
            RabbitMQ is not configured, so jobs cannot be submitted or followed live; the stored history is shown below. Turn it on in{' '}
            <a href={hrefFor('settings')}>Settings › Training</a> (ENABLE_RABBITMQ).
          </>
        )
      }
    case 'connected':
      return { text: 'Connected', tone: 'ok', body: <>Connected to {info.url}.</> }
    case 'connecting':
      return { text: 'Connecting', tone: 'busy', body: <>Connecting to {info.url}…</> }
    case 'reconnecting':
      return { text: 'Reconnecting', tone: 'bad', body: <>RabbitMQ at {info.url} is unavailable{info.error ? `: ${info.error}` : ''}. Retrying by itself; the stored history is shown below.</> }
    case 'error':
      return { text: 'Error', tone: 'bad', body: <>RabbitMQ at {info.url} refused the connection{info.error ? `: ${info.error}` : ''}. Check the user and password in Settings › Training.</> }
  }
}

function Counters({ info }: { info: TrainingInfo }): React.JSX.Element {
  const c = info.counts
  return (
    <div className="tr-counters">
      <StatCard compact label="Running" value={c.running} sub={`${c.submitted} waiting for the trainer`} testId="tr-count-running" />
      <StatCard compact label="Completed" value={c.completed} tone={c.completed > 0 ? 'ok' : undefined} testId="tr-count-completed" />
      <StatCard compact label="Failed" value={c.failed} tone={c.failed > 0 ? 'bad' : undefined} testId="tr-count-failed" />
      <StatCard
        compact
        label="Messages"
        value={info.stats.stored}
        sub={`${info.stats.duplicates} duplicates · ${info.stats.rejected} rejected`}
        tone={info.stats.rejected > 0 ? 'warn' : undefined}
        title="Since the app started: messages stored, duplicates acknowledged without change, malformed messages rejected (dead-lettered)"
        testId="tr-count-messages"
      />
    </div>
  )
}

function Outcome(): React.JSX.Element | null {
  const outcome = useTrainingStore((s) => s.outcome)
  if (!outcome) return null
  return (
    <div className={`tr-outcome ${outcome.ok ? 'tr-outcome--ok' : 'tr-outcome--bad'}`} role={outcome.ok ? 'status' : 'alert'} data-testid="tr-outcome">
      <span>{outcome.text}</span>
      <button type="button" className="button button--small button--quiet" onClick={() => useTrainingStore.getState().dismissOutcome()}>
        Dismiss
      </button>
    </div>
  )
}

function ProgressBar({ job }: { job: TrainingJobSummary }): React.JSX.Element {
  const pct = Math.round(job.progress * 10) / 10
  return (
    <div className="tr-progress">
      <div
        className={`tr-progress__bar tr-progress__bar--${job.status}`}
        role="progressbar"
        aria-label={`Job ${job.jobId} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`epoch ${epochText(job)}`}
      >
        <span style={{ transform: `scaleX(${pct / 100})` }} />
      </div>
      <span className="tr-progress__text">epoch {epochText(job)}</span>
    </div>
  )
}

const JobsTable = memo(function JobsTable(): React.JSX.Element {
  const jobs = useTrainingStore((s) => s.jobs)
  const selectedId = useTrainingStore((s) => s.selectedId)
  const compareIds = useTrainingStore((s) => s.compareIds)
  const now = useNow()
  if (jobs.length === 0) {
    return (
      <section className="tr-jobs" aria-label="Jobs">
        <div className="empty-state" data-testid="tr-jobs-empty">
          <p className="empty-state__title">No training jobs yet.</p>
          <p>Submit one with “New job”; jobs other backends submit appear here too as soon as their first update arrives.</p>
        </div>
      </section>
    )
  }
  return (
    <section className="tr-jobs" aria-label="Jobs">
      <div className="tr-table-wrap">
        <table className="tr-table" data-testid="tr-jobs">
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Compare</span>
              </th>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">ETA</th>
              <th scope="col">Started · duration</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <JobRow key={j.jobId} job={j} selected={j.jobId === selectedId} compared={compareIds.includes(j.jobId)} now={now} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
})

/** One row; re-rendered only when its job, its selection or the second changes. */
const JobRow = memo(function JobRow({ job: j, selected, compared, now }: { job: TrainingJobSummary; selected: boolean; compared: boolean; now: number }): React.JSX.Element {
  const store = useTrainingStore.getState()
  const dur = jobDurationSeconds(j, now)
  return (
    <tr data-job={j.jobId} data-status={j.status} aria-selected={selected} className={selected ? 'is-selected' : undefined}>
      <td>
        <input type="checkbox" className="checkbox" aria-label={`Compare job ${j.jobId}`} checked={compared} onChange={() => store.toggleCompare(j.jobId)} />
      </td>
      <td>
        <button type="button" className="link-button tr-job-link" onClick={() => store.select(j.jobId)} aria-label={`Show job ${j.jobId}`}>
          <code>{j.jobId}</code>
        </button>
        <span className="tr-sub">
          {j.datasetName ?? 'submitted elsewhere'}
          {j.model ? ` · ${j.model}` : ''}
        </span>
      </td>
      <td>
        <Badge tone={STATUS[j.status].tone}>{STATUS[j.status].text}</Badge>
      </td>
      <td>
        <ProgressBar job={j} />
      </td>
      <td className="tr-num" data-testid="tr-eta">
        {j.etaSeconds !== null ? formatDuration(j.etaSeconds) : '—'}
      </td>
      <td>
        <span title={j.startedAt ? formatDateTime(j.startedAt) : undefined}>{j.startedAt ? new Date(j.startedAt).toLocaleTimeString() : j.submittedAt ? 'waiting' : '—'}</span>
        <span className="tr-sub">{dur !== null ? formatDuration(dur) : ''}</span>
      </td>
    </tr>
  )
})

function MetricsList({ metrics, testId }: { metrics: Metrics; testId?: string }): React.JSX.Element {
  return (
    <dl className="tr-metrics" data-testid={testId}>
      {Object.entries(metrics).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'number' ? (Number.isInteger(v) ? v : v.toPrecision(4)) : '—'}</dd>
        </div>
      ))}
    </dl>
  )
}

const JobDetail = memo(function JobDetail(): React.JSX.Element {
  const selectedId = useTrainingStore((s) => s.selectedId)
  const job = useTrainingStore((s) => s.jobs.find((j) => j.jobId === s.selectedId) ?? null)
  const series = useTrainingStore((s) => (s.selectedId ? s.series[s.selectedId] : undefined))
  const seriesError = useTrainingStore((s) => (s.selectedId ? s.seriesErrors[s.selectedId] : undefined))
  if (!selectedId || !job) {
    return (
      <section className="tr-detail card" aria-label="Job detail">
        <p className="muted" data-testid="tr-detail-empty">
          Pick a job to see its charts and results.
        </p>
      </section>
    )
  }
  return (
    <section className="tr-detail card" aria-labelledby="tr-detail-title" data-testid="tr-detail" data-job={job.jobId} data-status={job.status}>
      <header className="tr-detail__head">
        <h2 id="tr-detail-title">
          Job <code>{job.jobId}</code>
        </h2>
        <Badge tone={STATUS[job.status].tone}>{STATUS[job.status].text}</Badge>
      </header>
      <ProgressBar job={job} />
      <p className="muted tr-detail__facts">
        {job.datasetName ?? 'Submitted by another backend'}
        {job.model ? ` · ${job.model}` : ''}
        {job.secondsPerEpoch !== null ? ` · ${job.secondsPerEpoch.toFixed(1)} s per epoch` : ''}
        {job.etaSeconds !== null ? ` · about ${formatDuration(job.etaSeconds)} to go` : ''}
      </p>
      {job.status === 'completed' ? (
        <div className="tr-result tr-result--ok" data-testid="tr-final">
          <h3>Final metrics</h3>
          <MetricsList metrics={job.finalMetrics ?? {}} />
          {job.modelPath ? (
            <p>
              Model: <code>{job.modelPath}</code>
              {job.trainingTimeSeconds !== null ? ` · trained in ${formatDuration(job.trainingTimeSeconds)}` : ''}
            </p>
          ) : null}
        </div>
      ) : null}
      {job.status === 'failed' ? (
        <div className="tr-result tr-result--bad" role="alert" data-testid="tr-failure">
          <h3>Failed at epoch {job.currentEpoch}</h3>
          <p className="tr-error">{job.errorMessage || 'No error message.'}</p>
          {job.partialMetrics && Object.keys(job.partialMetrics).length > 0 ? <MetricsList metrics={job.partialMetrics} /> : null}
        </div>
      ) : null}
      {seriesError ? <p className="error-text">{seriesError}</p> : null}
      {series ? <JobCharts series={series} jobId={job.jobId} /> : null}
    </section>
  )
})

function JobCharts({ series, jobId }: { series: EpochSeries; jobId: string }): React.JSX.Element {
  const names = metricNames(series)
  if (series.epochs.length === 0) {
    return (
      <p className="muted" data-testid="tr-charts-empty">
        No epoch updates yet.
      </p>
    )
  }
  return (
    <div className="tr-charts" data-testid="tr-charts" data-epochs={series.epochs.length}>
      {names.map((name) => (
        <MetricChart key={`${jobId}:${name}`} title={name} lines={[{ label: name }]} data={alignSeries([series], name)} version={series.version} height={150} testId={`tr-chart-${name}`} />
      ))}
    </div>
  )
}

const ComparePanel = memo(function ComparePanel(): React.JSX.Element | null {
  const compareIds = useTrainingStore((s) => s.compareIds)
  const seriesMap = useTrainingStore((s) => s.series)
  const chosen = useTrainingStore((s) => s.compareMetric)
  const selectId = useId()
  const loaded = compareIds.map((id) => ({ id, s: seriesMap[id] })).filter((x): x is { id: string; s: EpochSeries } => x.s !== undefined)
  const names = [...new Set(loaded.flatMap((x) => metricNames(x.s)))]
  if (compareIds.length === 0) return null
  const metric = chosen && names.includes(chosen) ? chosen : (names[0] ?? null)
  const version = loaded.map((x) => `${x.id}:${x.s.version}`).join(',')
  return (
    <section className="card tr-compare" aria-labelledby="tr-compare-title" data-testid="tr-compare">
      <header className="tr-compare__head">
        <h2 id="tr-compare-title">Compare {compareIds.length} job{compareIds.length === 1 ? '' : 's'}</h2>
        <div className="field field--inline">
          <label htmlFor={selectId}>Metric</label>
          <select id={selectId} className="input" value={metric ?? ''} onChange={(e) => useTrainingStore.getState().setCompareMetric(e.target.value)} disabled={names.length === 0}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </header>
      {metric ? (
        <MetricChart
          title={`${metric}, ${loaded.length} jobs`}
          lines={loaded.map((x) => ({ label: x.id }))}
          data={alignSeries(
            loaded.map((x) => x.s),
            metric
          )}
          version={`${metric}|${version}`}
          height={220}
          testId="tr-compare-chart"
        />
      ) : (
        <p className="muted">The compared jobs have no epoch updates yet.</p>
      )}
    </section>
  )
})

const FIELDS: { key: keyof SubmitDraft; label: string; type: 'text' | 'number'; help?: string; group: 'dataset' | 'output' | 'hyper' }[] = [
  { key: 'datasetName', label: 'Dataset name', type: 'text', group: 'dataset' },
  { key: 's3Prefix', label: 'Dataset S3 prefix', type: 'text', group: 'dataset', help: 'Where the images and labels are; ends with “/”.' },
  { key: 'model', label: 'Base model', type: 'text', group: 'hyper', help: 'e.g. yolov8n, yolov8s' },
  { key: 'epochs', label: 'Epochs', type: 'number', group: 'hyper' },
  { key: 'batch', label: 'Batch size', type: 'number', group: 'hyper' },
  { key: 'imgsz', label: 'Image size (px)', type: 'number', group: 'hyper', help: 'A multiple of 32.' },
  { key: 'outputPrefix', label: 'Output prefix', type: 'text', group: 'output' },
  { key: 'modelName', label: 'Model file name', type: 'text', group: 'output', help: 'Ends with .pt.' }
]

function SubmitForm({ info, onDone }: { info: TrainingInfo; onDone: () => void }): React.JSX.Element {
  const [draft, setDraft] = useState<SubmitDraft>(DEFAULT_DRAFT)
  const [errors, setErrors] = useState<Partial<Record<keyof SubmitDraft, string>>>({})
  const submitting = useTrainingStore((s) => s.submitting)
  const baseId = useId()
  const defaults = draftDefaults(draft)
  const placeholders: Partial<Record<keyof SubmitDraft, string>> = { s3Prefix: defaults.s3Prefix || 'datasets/<name>/', outputPrefix: defaults.outputPrefix, modelName: defaults.modelName || '<name>.pt', datasetName: 'my-dataset' }
  const canPublish = info.broker === 'connected'

  const send = async (): Promise<void> => {
    const parsed = parseDraft(draft, (issue) => describeIssue(issue as Parameters<typeof describeIssue>[0]))
    if (!parsed.ok) {
      setErrors(parsed.errors)
      return
    }
    setErrors({})
    if (await useTrainingStore.getState().submit(parsed.spec)) {
      setDraft(DEFAULT_DRAFT)
      onDone()
    }
  }

  return (
    <section className="card tr-form" aria-labelledby={`${baseId}-title`} data-testid="tr-form">
      <h2 id={`${baseId}-title`}>New training job</h2>
      {!canPublish ? (
        <p className="tr-warning" role="note" data-testid="tr-form-unavailable">
          Not connected to RabbitMQ: the job cannot be published now.
        </p>
      ) : null}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void send()
        }}
      >
        <div className="tr-form__grid">
          {FIELDS.map((f) => {
            const id = `${baseId}-${f.key}`
            const err = errors[f.key]
            const describedBy = [err ? `${id}-err` : '', f.help ? `${id}-help` : ''].filter(Boolean).join(' ') || undefined
            return (
              <div className="field" key={f.key}>
                <label htmlFor={id}>{f.label}</label>
                <input
                  id={id}
                  name={f.key}
                  className="input"
                  type="text"
                  inputMode={f.type === 'number' ? 'numeric' : undefined}
                  value={draft[f.key]}
                  placeholder={placeholders[f.key]}
                  aria-invalid={err ? true : undefined}
                  aria-describedby={describedBy}
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(e) => {
                    const value = e.target.value
                    setDraft((d) => ({ ...d, [f.key]: value }))
                    if (err) setErrors((es) => ({ ...es, [f.key]: undefined }))
                  }}
                />
                {f.help ? (
                  <span id={`${id}-help`} className="tr-help">
                    {f.help}
                  </span>
                ) : null}
                {err ? (
                  <span id={`${id}-err`} className="error-text" data-testid={`tr-error-${f.key}`}>
                    {err}
                  </span>
                ) : null}
              </div>
            )
          })}
        </div>
        <footer className="tr-form__foot">
          <button type="submit" className="button button--primary" disabled={submitting || !canPublish}>
            {submitting ? 'Publishing…' : 'Submit job'}
          </button>
        </footer>
      </form>
    </section>
  )
}
