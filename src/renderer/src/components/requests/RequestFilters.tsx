/**
 * The table's filters: statuses (multi, a checkbox disclosure), type, NPC, map and id. Text fields apply
 * after a short pause in typing (or on Enter), so typing never fires one request per key.
 */
import { memo, useEffect, useId, useRef, useState } from 'react'
import { AI_REQUEST_STATUSES, HTTP_STATUS_FILTERS, type AiRequestStatus, type HttpStatusFilter } from '../../../../shared/contract'
import { LIMITS, clearFilters, filtersActive, setFilters, useRequestsStore, type RequestsFilters } from '../../stores/requests'
import { STATUS_LABEL } from './format'

const TEXT_DELAY_MS = 350

/** Request types the game and the built-in handlers use (suggestions; any type may be typed). */
export const KNOWN_TYPES = [
  'health_check',
  'http_get',
  'http_post',
  'ai_npc_dialogue',
  'ai_npc_decide_action',
  'ai_npc_get_emotion',
  'ai_request_async',
  'ai_check_result'
]

type TextKey = 'type' | 'npc' | 'map' | 'id'

// Lengths from the contract's requests.list schema (an id: its digits plus an optional '#').
const TEXT_FIELDS: { key: TextKey; label: string; placeholder: string; width: string; maxLength: number | undefined }[] = [
  { key: 'type', label: 'Type', placeholder: 'any type', width: '9rem', maxLength: LIMITS.filter.type },
  { key: 'npc', label: 'NPC', placeholder: 'name contains…', width: '8.5rem', maxLength: LIMITS.filter.npc },
  { key: 'map', label: 'Map', placeholder: 'contains…', width: '7rem', maxLength: LIMITS.filter.map },
  { key: 'id', label: 'Id', placeholder: '#', width: '5.5rem', maxLength: LIMITS.requestId.max === undefined ? undefined : String(LIMITS.requestId.max).length + 1 }
]

export const RequestFilters = memo(function RequestFilters(): React.JSX.Element {
  const filters = useRequestsStore((s) => s.filters)
  const problem = useRequestsStore((s) => s.filterProblem)
  const listId = useId()
  const problemId = useId()
  return (
    <form className="rq-filters" role="search" aria-label="Filter requests" onSubmit={(e) => e.preventDefault()}>
      <StatusFilter value={filters.statuses} />
      <HttpFilter value={filters.http} />
      {TEXT_FIELDS.map((f) => (
        <FilterText key={f.key} field={f} value={filters[f.key]} listId={f.key === 'type' ? listId : undefined} problemId={f.key === 'id' && problem ? problemId : undefined} />
      ))}
      <datalist id={listId}>
        {KNOWN_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <button type="button" className="button button--small button--quiet" onClick={clearFilters} disabled={!filtersActive(filters)}>
        Clear filters
      </button>
      {problem && (
        <p id={problemId} className="rq-field-error" role="alert">
          {problem}
        </p>
      )}
    </form>
  )
})

export const HTTP_FILTER_LABEL: Record<HttpStatusFilter, string> = {
  '2xx': '2xx (ok)',
  '4xx': '4xx',
  '5xx': '5xx',
  error: 'any error (≥ 400)',
  none: 'no answer yet'
}

/** The answer's HTTP status class: 2xx / 4xx / 5xx / any error / no answer. */
function HttpFilter({ value }: { value: HttpStatusFilter | '' }): React.JSX.Element {
  return (
    <div className="rq-field">
      <label htmlFor="rq-filter-http">HTTP</label>
      <select
        id="rq-filter-http"
        className="input rq-select"
        value={value}
        data-testid="rq-http-filter"
        onChange={(e) => {
          const v = e.target.value
          const http = HTTP_STATUS_FILTERS.find((f) => f === v) ?? ''
          setFilters({ http })
        }}
      >
        <option value="">any</option>
        {HTTP_STATUS_FILTERS.map((f) => (
          <option key={f} value={f}>
            {HTTP_FILTER_LABEL[f]}
          </option>
        ))}
      </select>
    </div>
  )
}

/** "Status: All ▾" — a disclosure with one checkbox per status (multi-select). */
function StatusFilter({ value }: { value: AiRequestStatus[] }): React.JSX.Element {
  const [open, setOpen] = useState(false)
  const wrapRef = useRef<HTMLDivElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const panelId = useId()
  useEffect(() => {
    if (!open) return
    const onDown = (e: MouseEvent): void => {
      if (wrapRef.current && e.target instanceof Node && !wrapRef.current.contains(e.target)) setOpen(false)
    }
    document.addEventListener('mousedown', onDown)
    return () => document.removeEventListener('mousedown', onDown)
  }, [open])
  const toggle = (status: AiRequestStatus): void => {
    setFilters({ statuses: value.includes(status) ? value.filter((s) => s !== status) : [...value, status] })
  }
  const ordered = AI_REQUEST_STATUSES.filter((s) => value.includes(s))
  const summary =
    ordered.length === 0 || ordered.length === AI_REQUEST_STATUSES.length
      ? 'All'
      : ordered.length <= 2
        ? ordered.map((s) => STATUS_LABEL[s]).join(', ')
        : `${ordered.length} statuses`
  return (
    <div
      className="rq-status-filter"
      ref={wrapRef}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation()
          setOpen(false)
          buttonRef.current?.focus()
        }
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        className={`button button--small rq-status-btn${ordered.length > 0 ? ' rq-status-btn-on' : ''}`}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        data-testid="rq-status-filter"
      >
        Status: <strong>{summary}</strong>
        <span aria-hidden="true" className="rq-caret">
          ▾
        </span>
      </button>
      {open && (
        <fieldset id={panelId} className="rq-status-panel">
          <legend className="rq-sr">Show requests with these statuses</legend>
          {AI_REQUEST_STATUSES.map((status) => (
            <label key={status} className={`rq-status-opt rq-st-${status}`}>
              <input type="checkbox" checked={value.includes(status)} onChange={() => toggle(status)} />
              <span className="rq-dot" aria-hidden="true" />
              {STATUS_LABEL[status]}
            </label>
          ))}
          <button type="button" className="button button--small button--quiet" onClick={() => setFilters({ statuses: [] })} disabled={value.length === 0}>
            Show all
          </button>
        </fieldset>
      )}
    </div>
  )
}

function FilterText({
  field,
  value,
  listId,
  problemId
}: {
  field: (typeof TEXT_FIELDS)[number]
  value: RequestsFilters[TextKey]
  listId: string | undefined
  problemId: string | undefined
}): React.JSX.Element {
  const [draft, setDraft] = useState(value)
  const [prevValue, setPrevValue] = useState(value)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  // The store changed from elsewhere (e.g. "Clear filters"): show it.
  if (value !== prevValue) {
    setPrevValue(value)
    setDraft(value)
  }
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current)
  }, [])
  const apply = (v: string): void => {
    if (timer.current) clearTimeout(timer.current)
    timer.current = null
    if (v !== value) setFilters({ [field.key]: v })
  }
  const inputId = `rq-filter-${field.key}`
  return (
    <div className="rq-field">
      <label htmlFor={inputId}>{field.label}</label>
      <input
        id={inputId}
        className="input"
        type="search"
        value={draft}
        placeholder={field.placeholder}
        style={{ width: field.width }}
        list={listId}
        maxLength={field.maxLength}
        inputMode={field.key === 'id' ? 'numeric' : undefined}
        aria-invalid={problemId ? true : undefined}
        aria-describedby={problemId}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => {
          const v = e.target.value
          setDraft(v)
          if (timer.current) clearTimeout(timer.current)
          timer.current = setTimeout(() => apply(v), TEXT_DELAY_MS)
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply(draft)
        }}
        onBlur={() => apply(draft)}
      />
    </div>
  )
}
