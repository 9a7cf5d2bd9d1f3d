/**
 * "Test connection" for the Settings page's database section: sends the form's current, unsaved
 * database values to `ai.testConnection` (only the keys DatabaseConfigSchema allows; an empty or
 * removed password is left out so the saved one is used) and shows the outcome — ok or failed, the
 * problem in words, the server's sentence, server version, latency and every check in order.
 * Reads the form from the config store (saved view + edits), so it needs no props.
 */
import { useId, useMemo, useState } from 'react'
import type { AiTestConnectionResult, ConfigView, MethodInput } from '../../../shared/contract'
import { DatabaseConfigSchema } from '../../../shared/config-schema'
import { errorMessage } from '../api/call-result'
import { getClient } from '../api/client'
import { evaluateForm } from '../pages/settings/settings-form'
import { useConfigStore, type DraftValue } from '../stores/config'
import { useConnectionStore } from '../stores/connection'
import { Badge } from './StateBadge'
import './DatabaseConnectionTest.css'

type TestInput = NonNullable<MethodInput<'ai.testConnection'>>
type DatabaseDraft = NonNullable<TestInput['database']>

const PROBLEM_TEXT: Record<NonNullable<AiTestConnectionResult['problem']>, string> = {
  host_unreachable: 'Host unreachable',
  timeout: 'Timed out',
  bad_credentials: 'Bad user name or password',
  unknown_database: 'Unknown database',
  missing_privilege: 'Missing privilege',
  no_skip_locked: 'Server has no SKIP LOCKED (MariaDB ≥ 10.6 / MySQL ≥ 8.0.1 needed)',
  sqlite_file: 'SQLite file problem',
  other: 'Other problem'
}

const DB_KEYS = Object.keys(DatabaseConfigSchema.shape) as (keyof DatabaseDraft)[]

export type ConnectionTestPlan = { ok: true; database: DatabaseDraft; unsaved: string[] } | { ok: false; invalid: string[] }

/** The database values the form shows right now, as ai.testConnection takes them. */
export function planConnectionTest(view: ConfigView, edits: Record<string, DraftValue>): ConnectionTestPlan {
  const form = evaluateForm(view, edits)
  const invalid = form.invalidKeys.filter((k) => k.startsWith('database.')).map((k) => form.fields.get(k)?.def.label ?? k)
  if (invalid.length > 0) return { ok: false, invalid }
  const saved = view.config.database as Record<string, unknown>
  const changed = (form.patch.database ?? {}) as Record<string, unknown>
  const database: Record<string, unknown> = {}
  for (const key of DB_KEYS) {
    const value = key in changed ? changed[key] : saved[key]
    if (value === undefined) continue
    // The view blanks secrets; an empty password means "use the saved one": leave it out.
    if (key === 'password' && (typeof value !== 'string' || value === '')) continue
    database[key] = value
  }
  const unsaved = form.changedKeys.filter((k) => k.startsWith('database.')).map((k) => form.fields.get(k)?.def.label ?? k)
  return { ok: true, database: database as DatabaseDraft, unsaved }
}

interface Outcome {
  /** JSON of what was sent, to tell when the form moved on. */
  sent: string
  unsaved: string[]
  result: AiTestConnectionResult | null
  error: string | null
}

export function DatabaseConnectionTest(): React.JSX.Element | null {
  const view = useConfigStore((s) => s.view)
  const edits = useConfigStore((s) => s.edits)
  const live = useConnectionStore((s) => s.info.state === 'open')
  const [testing, setTesting] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  const resultId = useId()
  const plan = useMemo(() => (view ? planConnectionTest(view, edits) : null), [view, edits])
  if (!view || !plan) return null

  const current = plan.ok ? JSON.stringify(plan.database) : null
  const stale = outcome !== null && current !== outcome.sent
  const reason = !live ? 'Not connected to WARP Host' : !plan.ok ? `Fix ${plan.invalid.join(', ')} first` : null

  const run = async (): Promise<void> => {
    if (!plan.ok || testing) return
    const sent = JSON.stringify(plan.database)
    setTesting(true)
    try {
      const result = await getClient().call('ai.testConnection', { database: plan.database })
      setOutcome({ sent, unsaved: plan.unsaved, result, error: null })
    } catch (err) {
      setOutcome({ sent, unsaved: plan.unsaved, result: null, error: errorMessage(err) })
    } finally {
      setTesting(false)
    }
  }

  return (
    <div className="dbtest" data-testid="db-connection-test">
      <div className="dbtest__bar">
        <button
          type="button"
          className="button"
          onClick={() => void run()}
          disabled={testing || reason !== null}
          aria-describedby={`${resultId}-why`}
        >
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <span id={`${resultId}-why`} className="muted dbtest__why">
          {reason ??
            (plan.ok && plan.unsaved.length > 0
              ? `Tests the unsaved values (${plan.unsaved.join(', ')}) without saving them.`
              : 'Tests the saved database settings.')}
        </span>
      </div>
      <div id={resultId} aria-live="polite" className="dbtest__slot">
        {outcome ? <TestOutcome outcome={outcome} stale={stale} /> : null}
      </div>
    </div>
  )
}

function TestOutcome({ outcome, stale }: { outcome: Outcome; stale: boolean }): React.JSX.Element {
  const { result, error } = outcome
  if (!result) {
    return (
      <div className="dbtest__result dbtest__result--bad" role="alert">
        <p>
          <strong>Could not run the test:</strong> {error}
        </p>
      </div>
    )
  }
  return (
    <div className={`dbtest__result ${result.ok ? 'dbtest__result--ok' : 'dbtest__result--bad'}`} data-testid="db-test-result" data-ok={result.ok}>
      <div className="dbtest__head">
        <Badge tone={result.ok ? 'ok' : 'bad'}>{result.ok ? 'Connected' : 'Failed'}</Badge>
        {result.problem ? <strong className="dbtest__problem">{PROBLEM_TEXT[result.problem]}</strong> : null}
        {stale ? <span className="muted dbtest__stale">(the form changed since this test)</span> : null}
      </div>
      <p className="dbtest__message">{result.message}</p>
      <dl className="dbtest__meta">
        <div>
          <dt>Driver</dt>
          <dd>{result.driver === 'sqlite' ? 'SQLite' : 'MySQL / MariaDB'}</dd>
        </div>
        <div className="dbtest__target">
          <dt>Target</dt>
          <dd>
            <code className="path">{result.target}</code>
          </dd>
        </div>
        <div>
          <dt>Server version</dt>
          <dd>{result.serverVersion ?? '—'}</dd>
        </div>
        <div>
          <dt>Latency</dt>
          <dd>{result.latencyMs === null ? '—' : `${result.latencyMs < 10 ? result.latencyMs.toFixed(1) : Math.round(result.latencyMs)} ms`}</dd>
        </div>
      </dl>
      {result.checks.length > 0 ? (
        <ol className="dbtest__checks" aria-label="Checks, in order">
          {result.checks.map((c, i) => (
            <li key={`${c.name}-${i}`} className={c.ok ? 'dbtest__check--ok' : 'dbtest__check--bad'}>
              <span className="dbtest__mark" aria-hidden="true">
                {c.ok ? '✓' : '✕'}
              </span>
              <span className="dbtest__name">{c.name}</span>
              <span className="dbtest__sr">{c.ok ? 'passed' : 'failed'}:</span>
              <span className="dbtest__detail">{c.detail}</span>
            </li>
          ))}
        </ol>
      ) : null}
      {outcome.unsaved.length > 0 ? (
        <p className="muted dbtest__note">Tested with unsaved values ({outcome.unsaved.join(', ')}); save to use them.</p>
      ) : null}
    </div>
  )
}
