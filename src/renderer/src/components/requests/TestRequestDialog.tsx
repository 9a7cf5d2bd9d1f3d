/**
 * "Send a test request": inserts a row exactly as an NPC script would (`requests.submitTest`:
 * type, endpoint, data, priority), waits for the answer and shows the returned status, HTTP status,
 * error and pretty response. Presets cover the common cases, including ones that fail on purpose.
 */
import { useId, useState } from 'react'
import type { MethodInput } from '../../../../shared/contract'
import { LIMITS, clearTestResult, parseTestPriority, submitTest, testTypeOk, useRequestsStore } from '../../stores/requests'
import { Dialog, DialogFoot, DialogForm } from './Dialog'
import { formatMs, prettyPayload } from './format'
import { KNOWN_TYPES } from './RequestFilters'
import { StatusBadge } from './StatusBadge'
import { statusWithCode } from './health'

interface Draft {
  type: string
  endpoint: string
  data: string
  priority: string
}

const PRESETS: { label: string; draft: Draft }[] = [
  { label: 'Health check', draft: { type: 'health_check', endpoint: '', data: '', priority: '5' } },
  { label: 'Detailed health', draft: { type: 'health_check', endpoint: '/health/detailed', data: '', priority: '5' } },
  {
    label: 'NPC dialogue',
    draft: {
      type: 'ai_npc_dialogue',
      endpoint: '/api/v1/npc/dialogue',
      data: '{"npc_id": "1001", "npc_name": "Kafra Employee", "npc_type": "merchant", "player_id": 150001, "message": "Hello there!"}',
      priority: '3'
    }
  },
  { label: 'Unknown type (fails)', draft: { type: 'no_such_type', endpoint: '', data: '{}', priority: '5' } },
  { label: 'Not JSON', draft: { type: 'ai_npc_dialogue', endpoint: '/api/v1/npc/dialogue', data: 'this is {not json', priority: '5' } }
]

const WAIT_MS = 5000

export function TestRequestDialog({ onClose }: { onClose: () => void }): React.JSX.Element {
  const result = useRequestsStore((s) => s.testResult)
  const busy = useRequestsStore((s) => s.busy)
  const outcome = useRequestsStore((s) => s.outcome)
  const [draft, setDraft] = useState<Draft>(PRESETS[0]!.draft)
  const ids = { type: useId(), endpoint: useId(), data: useId(), priority: useId(), list: useId(), result: useId() }
  const pri = parseTestPriority(draft.priority)
  const priorityOk = pri !== null
  const typeOk = testTypeOk(draft.type)
  const sending = busy === 'submitTest'
  const failure = outcome && !outcome.ok && outcome.kind === 'submitTest' ? outcome.text : null

  const send = (): void => {
    if (pri === null || !typeOk) return
    const input: MethodInput<'requests.submitTest'> = { type: draft.type.trim(), priority: pri, waitMs: WAIT_MS }
    if (draft.endpoint.trim()) input.endpoint = draft.endpoint.trim()
    if (draft.data !== '') input.data = draft.data
    void submitTest(input)
  }
  const close = (): void => {
    clearTestResult()
    onClose()
  }
  const patch = (p: Partial<Draft>): void => setDraft((d) => ({ ...d, ...p }))
  const response = result?.response ?? null
  const pretty = prettyPayload(response?.responseData ?? null)

  return (
    <Dialog title="Send a test request" onClose={close} wide testId="rq-test-dialog">
      <DialogForm onSubmit={send}>
        <p className="rq-help">
          Inserts a row into ai_requests the way an NPC script does (ai_db_request) and waits up to {WAIT_MS / 1000} s for the poller’s answer.
        </p>
        <div className="rq-presets" role="group" aria-label="Presets">
          {PRESETS.map((p) => (
            <button key={p.label} type="button" className="button button--small button--quiet" onClick={() => setDraft(p.draft)}>
              {p.label}
            </button>
          ))}
        </div>
        <div className="rq-form-grid">
          <label htmlFor={ids.type}>Type</label>
          <input id={ids.type} className="input" value={draft.type} list={ids.list} maxLength={LIMITS.test.type} required onChange={(e) => patch({ type: e.target.value })} spellCheck={false} />
          <datalist id={ids.list}>
            {KNOWN_TYPES.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <label htmlFor={ids.endpoint}>Endpoint</label>
          <input
            id={ids.endpoint}
            className="input"
            value={draft.endpoint}
            maxLength={LIMITS.test.endpoint}
            placeholder="optional, e.g. /api/v1/npc/dialogue"
            onChange={(e) => patch({ endpoint: e.target.value })}
            spellCheck={false}
          />
          <label htmlFor={ids.data}>Data</label>
          <textarea
            id={ids.data}
            value={draft.data}
            rows={3}
            maxLength={LIMITS.test.data}
            placeholder="request_data as the script sends it (JSON or any text); empty = none"
            onChange={(e) => patch({ data: e.target.value })}
            spellCheck={false}
            className="input rq-textarea rq-mono"
          />
          <label htmlFor={ids.priority}>Priority</label>
          <div>
            <input
              id={ids.priority}
              type="number"
              min={LIMITS.test.priority.min}
              max={LIMITS.test.priority.max}
              step={1}
              value={draft.priority}
              onChange={(e) => patch({ priority: e.target.value })}
              aria-invalid={!priorityOk}
              className="input rq-input-narrow"
            />
            <span className="rq-help">
              {' '}
              {LIMITS.test.priority.min} = highest, {LIMITS.test.priority.max} = lowest
            </span>
          </div>
        </div>
        <DialogFoot element="footer" onCancel={close} cancel="Close" submit={sending ? 'Waiting for the answer…' : 'Send'} disabled={sending || !priorityOk || !typeOk} />
        <div id={ids.result} className="rq-test-result" role="status" aria-live="polite" data-testid="rq-test-result">
          {failure && <p className="rq-alert rq-alert-error">{failure}</p>}
          {result && (
            <>
              <p className="rq-test-line">
                Request <strong>#{result.id}</strong> <StatusBadge status={result.status} httpStatus={response?.httpStatus ?? null} />
                <span className="rq-muted">
                  {' '}
                  {statusWithCode(result.status, result.statusCode)} · {formatMs(result.elapsedMs)}
                  {response?.httpStatus !== null && response?.httpStatus !== undefined ? ` · HTTP ${response.httpStatus}` : ''}
                </span>
              </p>
              {(result.status === 'pending' || result.status === 'processing') && (
                <p className="rq-help">No answer within {WAIT_MS / 1000} s; the row stays in the queue and the table shows it when it is answered.</p>
              )}
              {response?.errorMessage && <p className="rq-alert rq-alert-error">{response.errorMessage}</p>}
              {pretty && (
                <pre className="rq-json rq-json-short" tabIndex={0}>
                  {pretty.text}
                </pre>
              )}
            </>
          )}
        </div>
      </DialogForm>
    </Dialog>
  )
}
