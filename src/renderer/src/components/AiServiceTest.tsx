/**
 * "Test AI service" for the Settings page's AI service section: probes the base URL the form
 * shows right now (saved, or unsaved while being edited) with `ai.testService` — GET
 * <base_url>/health — and shows whether it answers, in words.
 */
import { useId, useState } from 'react'
import type { AiTestServiceResult, ConfigView } from '../../../shared/contract'
import { errorMessage } from '../api/call-result'
import { getClient } from '../api/client'
import { evaluateForm } from '../pages/settings/settings-form'
import { useConfigStore, type DraftValue } from '../stores/config'
import { useConnectionStore } from '../stores/connection'
import { Badge } from './StateBadge'
import './DatabaseConnectionTest.css'

const VERDICT: Record<AiTestServiceResult['status'], string> = {
  healthy: 'Reachable',
  degraded: 'Refused the health check',
  unhealthy: 'Failing',
  timeout: 'Timed out',
  error: 'Unreachable'
}

/** The base URL the form shows (unsaved edit first), or the reason it cannot be tested. */
export function planServiceTest(view: ConfigView, edits: Record<string, DraftValue>): { ok: true; baseUrl: string; unsaved: boolean } | { ok: false; why: string } {
  const form = evaluateForm(view, edits)
  if (form.invalidKeys.includes('ai_service.base_url')) return { ok: false, why: 'Fix the base URL first' }
  const edited = form.patch.ai_service?.base_url
  return typeof edited === 'string' ? { ok: true, baseUrl: edited, unsaved: true } : { ok: true, baseUrl: view.config.ai_service.base_url, unsaved: false }
}

export function AiServiceTest(): React.JSX.Element | null {
  const view = useConfigStore((s) => s.view)
  const edits = useConfigStore((s) => s.edits)
  const live = useConnectionStore((s) => s.info.state === 'open')
  const [testing, setTesting] = useState(false)
  const [outcome, setOutcome] = useState<{ sent: string; result: AiTestServiceResult | null; error: string | null } | null>(null)
  const id = useId()
  if (!view) return null
  const plan = planServiceTest(view, edits)
  const why = !live ? 'Not connected to WARP Host' : plan.ok ? null : plan.why

  const run = async (): Promise<void> => {
    if (!plan.ok || testing) return
    setTesting(true)
    try {
      const result = await getClient().call('ai.testService', { baseUrl: plan.baseUrl })
      setOutcome({ sent: plan.baseUrl, result, error: null })
    } catch (err) {
      setOutcome({ sent: plan.baseUrl, result: null, error: errorMessage(err) })
    } finally {
      setTesting(false)
    }
  }

  const r = outcome?.result ?? null
  return (
    <div className="dbtest" data-testid="ai-service-test">
      <div className="dbtest__bar">
        <button type="button" className="button" onClick={() => void run()} disabled={testing || why !== null} aria-describedby={`${id}-why`}>
          {testing ? 'Testing…' : 'Test AI service'}
        </button>
        <span id={`${id}-why`} className="muted dbtest__why">
          {why ?? (plan.ok && plan.unsaved ? 'Tests the unsaved base URL without saving it (GET <base URL>/health).' : 'GET <base URL>/health on the saved base URL.')}
        </span>
      </div>
      <div aria-live="polite" className="dbtest__slot">
        {outcome && !r ? (
          <div className="dbtest__result dbtest__result--bad" role="alert">
            <p>
              <strong>Could not run the test:</strong> {outcome.error}
            </p>
          </div>
        ) : null}
        {r ? (
          <div className={`dbtest__result ${r.ok ? 'dbtest__result--ok' : 'dbtest__result--bad'}`} data-testid="ai-test-result" data-ok={r.ok}>
            <div className="dbtest__head">
              <Badge tone={r.ok ? 'ok' : 'bad'}>{VERDICT[r.status]}</Badge>
              {plan.ok && plan.baseUrl !== outcome?.sent ? <span className="muted dbtest__stale">(the base URL changed since this test)</span> : null}
            </div>
            <p className="dbtest__message">{r.message}</p>
            <dl className="dbtest__meta">
              <div className="dbtest__target">
                <dt>URL</dt>
                <dd>
                  <code className="path">{r.url}</code>
                </dd>
              </div>
              <div>
                <dt>HTTP status</dt>
                <dd>{r.statusCode ?? '—'}</dd>
              </div>
              <div>
                <dt>Time</dt>
                <dd>{Math.round(r.responseTimeMs)} ms</dd>
              </div>
            </dl>
          </div>
        ) : null}
      </div>
    </div>
  )
}
