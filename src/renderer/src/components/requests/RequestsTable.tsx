/**
 * The requests table: a virtualized ARIA grid (@tanstack/react-virtual) over the loaded pages, with
 * a checkbox per row for the actions and one active row whose detail is open. Rows are memoized
 * and keep their object identity across refetches, so a live refresh only re-renders rows that
 * changed. Keyboard: ↑/↓/Home/End/PageUp/PageDown move the active row, Space checks it,
 * Ctrl/⌘+A checks every loaded row, Esc closes the detail.
 * Scrolling away from the top pauses live refetches (the store then counts "N new").
 */
import { memo, useCallback, useEffect, useRef, type KeyboardEvent, type MouseEvent } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import type { RequestSummary } from '../../../../shared/contract'
import { formatCount, formatMs, formatTime } from './format'
import { formatWaiting, insertToAnswerMs, looksStuck, waitingSoFarMs } from './health'
import { useNow } from '../use-now'
import {
  loadOlder,
  openDetail,
  refreshNow,
  setChecked,
  setScrolledAway,
  toggleChecked,
  useRequestsStore
} from '../../stores/requests'
import { StatusBadge } from './StatusBadge'

export const ROW_HEIGHT = 32
/** Scrolled further than this from the top = the user is reading older rows. */
const AWAY_THRESHOLD_PX = ROW_HEIGHT * 2

const COLUMNS = [
  { key: 'id', label: 'Id', cls: 'rq-c-id' },
  { key: 'status', label: 'Status', cls: 'rq-c-status' },
  { key: 'type', label: 'Type', cls: 'rq-c-type' },
  { key: 'npc', label: 'NPC', cls: 'rq-c-npc' },
  { key: 'map', label: 'Map', cls: 'rq-c-map' },
  { key: 'pri', label: 'Pri', cls: 'rq-c-pri', title: 'Priority (1 = highest)' },
  { key: 'retries', label: 'Retries', cls: 'rq-c-retries' },
  { key: 'http', label: 'HTTP', cls: 'rq-c-http' },
  { key: 'time', label: 'Handler', cls: 'rq-c-time', title: 'Handler time (processing_time_ms)' },
  {
    key: 'waited',
    label: 'Waited',
    cls: 'rq-c-waited',
    title: 'What the NPC waits: insert → answer (response created_at − request created_at); for pending and processing rows, how long so far'
  },
  { key: 'created', label: 'Created', cls: 'rq-c-created' },
  { key: 'data', label: 'Data', cls: 'rq-c-data' }
] as const

const rowDomId = (id: number): string => `rq-row-${id}`

export function RequestsTable(): React.JSX.Element {
  const rows = useRequestsStore((s) => s.rows)
  const checked = useRequestsStore((s) => s.checked)
  const activeId = useRequestsStore((s) => s.activeId)
  const scrollRef = useRef<HTMLDivElement>(null)

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual returns functions React Compiler cannot memoize; this component is not compiled.
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => rows[i]?.id ?? i
  })

  const activeIndex = activeId === null ? -1 : rows.findIndex((r) => r.id === activeId)

  const onScroll = useCallback(() => {
    const el = scrollRef.current
    if (el) setScrolledAway(el.scrollTop > AWAY_THRESHOLD_PX)
  }, [])

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (rows.length === 0) return
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1)
    let next: number
    switch (e.key) {
      case 'ArrowDown':
        next = activeIndex < 0 ? 0 : Math.min(rows.length - 1, activeIndex + 1)
        break
      case 'ArrowUp':
        next = activeIndex < 0 ? 0 : Math.max(0, activeIndex - 1)
        break
      case 'Home':
        next = 0
        break
      case 'End':
        next = rows.length - 1
        break
      case 'PageDown':
        next = Math.min(rows.length - 1, Math.max(0, activeIndex) + page)
        break
      case 'PageUp':
        next = Math.max(0, activeIndex - page)
        break
      case ' ':
      case 'Spacebar': {
        const row = rows[activeIndex]
        if (row) toggleChecked(row.id)
        e.preventDefault()
        return
      }
      case 'Enter': {
        const row = rows[activeIndex < 0 ? 0 : activeIndex]
        if (row) openDetail(row.id)
        e.preventDefault()
        return
      }
      case 'Escape':
        if (activeId !== null) {
          openDetail(null)
          e.preventDefault()
        }
        return
      case 'a':
      case 'A':
        if (e.ctrlKey || e.metaKey) {
          setChecked(rows.map((r) => r.id))
          e.preventDefault()
        }
        return
      default:
        return
    }
    e.preventDefault()
    const row = rows[next]
    if (!row) return
    virtualizer.scrollToIndex(next, { align: 'auto' })
    if (row.id !== activeId) openDetail(row.id)
  }

  const allChecked = rows.length > 0 && rows.every((r) => checked.has(r.id))
  const someChecked = !allChecked && rows.some((r) => checked.has(r.id))
  const items = virtualizer.getVirtualItems()

  return (
    <div className="rq-table-wrap">
      <span id="rq-grid-keys" className="rq-sr">
        Up and down arrows open a request’s detail, Space ticks it for the actions, Control A ticks every loaded request, Escape closes the
        detail.
      </span>
      <LiveBanner />
      <div
        ref={scrollRef}
        className="rq-grid"
        role="grid"
        aria-label="AI requests, newest first"
        aria-multiselectable="true"
        aria-rowcount={rows.length + 1}
        aria-colcount={COLUMNS.length + 1}
        aria-activedescendant={activeId !== null && activeIndex >= 0 ? rowDomId(activeId) : undefined}
        aria-describedby="rq-grid-keys"
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={onScroll}
        data-testid="rq-table"
      >
        <div className="rq-row rq-head" role="row" aria-rowindex={1}>
          <div className="rq-cell rq-c-check" role="columnheader">
            <HeaderCheckbox all={allChecked} some={someChecked} onChange={() => setChecked(allChecked ? [] : rows.map((r) => r.id))} />
          </div>
          {COLUMNS.map((c) => (
            <div key={c.key} className={`rq-cell ${c.cls}`} role="columnheader" title={'title' in c ? c.title : undefined}>
              {c.label}
            </div>
          ))}
        </div>
        <div className="rq-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = rows[item.index]
            if (!row) return null
            return (
              <RequestRow
                key={row.id}
                row={row}
                index={item.index}
                top={item.start}
                checked={checked.has(row.id)}
                active={row.id === activeId}
              />
            )
          })}
        </div>
      </div>
      <TableFooter />
    </div>
  )
}

function HeaderCheckbox({ all, some, onChange }: { all: boolean; some: boolean; onChange: () => void }): React.JSX.Element {
  const ref = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = some
  }, [some])
  return <input ref={ref} type="checkbox" tabIndex={-1} checked={all} onChange={onChange} aria-label="Select every loaded request" />
}

const stop = (e: MouseEvent): void => e.stopPropagation()

const RequestRow = memo(function RequestRow({
  row,
  index,
  top,
  checked,
  active
}: {
  row: RequestSummary
  index: number
  top: number
  checked: boolean
  active: boolean
}) {
  return (
    <div
      id={rowDomId(row.id)}
      className={`rq-row${active ? ' rq-active' : ''}${checked ? ' rq-checked' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={checked}
      aria-current={active ? 'true' : undefined}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => openDetail(row.id)}
      data-id={row.id}
      data-status={row.status}
    >
      <div className="rq-cell rq-c-check" role="gridcell" onClick={stop}>
        <input type="checkbox" tabIndex={-1} checked={checked} onChange={() => toggleChecked(row.id)} aria-label={`Select request ${row.id}`} />
      </div>
      <div className="rq-cell rq-c-id rq-num" role="gridcell">
        {row.id}
      </div>
      <div className="rq-cell rq-c-status" role="gridcell">
        <StatusBadge status={row.status} httpStatus={row.httpStatus} />
      </div>
      <div className="rq-cell rq-c-type" role="gridcell" title={row.endpoint ? `${row.type} ${row.endpoint}` : row.type}>
        {row.type}
      </div>
      <div className="rq-cell rq-c-npc" role="gridcell" title={row.sourceNpc ?? undefined}>
        {row.sourceNpc ?? <span className="rq-muted">—</span>}
      </div>
      <div className="rq-cell rq-c-map" role="gridcell">
        {row.sourceMap ?? <span className="rq-muted">—</span>}
      </div>
      <div className="rq-cell rq-c-pri rq-num" role="gridcell">
        {row.priority}
      </div>
      <div className="rq-cell rq-c-retries rq-num" role="gridcell">
        {row.retryCount}
      </div>
      <div className={`rq-cell rq-c-http rq-num${row.httpStatus !== null && row.httpStatus >= 400 ? ' rq-bad' : ''}`} role="gridcell">
        {row.httpStatus ?? <span className="rq-muted">—</span>}
      </div>
      <div className="rq-cell rq-c-time rq-num" role="gridcell">
        {row.processingTimeMs === null ? <span className="rq-muted">—</span> : formatMs(row.processingTimeMs)}
      </div>
      <WaitedCell row={row} />
      <div className="rq-cell rq-c-created rq-num" role="gridcell" title={row.createdAt}>
        {formatTime(row.createdAt)}
      </div>
      <div className="rq-cell rq-c-data rq-mono" role="gridcell" title={row.dataPreview ?? undefined}>
        {row.dataPreview ?? <span className="rq-muted">—</span>}
      </div>
    </div>
  )
})

/**
 * Insert → answer for answered rows; for pending and processing rows how long so far (ticking),
 * with processing rows nobody has renewed for a while marked "stuck?".
 */
function WaitedCell({ row }: { row: RequestSummary }): React.JSX.Element {
  const waiting = row.status === 'pending' || row.status === 'processing'
  return waiting ? <WaitingCell row={row} /> : <AnsweredCell row={row} />
}

function AnsweredCell({ row }: { row: RequestSummary }): React.JSX.Element {
  const ms = insertToAnswerMs(row)
  return (
    <div className="rq-cell rq-c-waited rq-num" role="gridcell" title="Insert → answer">
      {ms === null ? <span className="rq-muted">—</span> : formatMs(ms)}
    </div>
  )
}

function WaitingCell({ row }: { row: RequestSummary }): React.JSX.Element {
  const now = useNow()
  const stuckAfter = useRequestsStore((s) => s.stats?.settings.stuckAfterSeconds ?? 300)
  const ms = waitingSoFarMs(row, now) ?? 0
  const stuck = looksStuck(row, now, stuckAfter)
  const label = row.status === 'processing' ? 'Processing for' : 'Pending for'
  return (
    <div
      className={`rq-cell rq-c-waited rq-num${stuck ? ' rq-stuck' : ' rq-waiting'}`}
      role="gridcell"
      title={stuck ? `${label} ${formatWaiting(ms)}; not renewed by its poller since ${formatTime(row.updatedAt)}: probably stuck` : `${label} ${formatWaiting(ms)}`}
      data-testid={stuck ? 'rq-stuck' : undefined}
    >
      {stuck ? <span className="rq-stuck-tag">stuck?</span> : null}
      {formatWaiting(ms)}
    </div>
  )
}

/** While live refetches are paused: "N new — refresh". */
function LiveBanner(): React.JSX.Element | null {
  const paused = useRequestsStore((s) => s.olderLoaded || s.scrolledAway)
  const pendingNew = useRequestsStore((s) => s.pendingNew)
  const pendingChanged = useRequestsStore((s) => s.pendingChanged)
  if (!paused || (pendingNew === 0 && pendingChanged === 0)) return null
  const text = pendingNew > 0 ? `${formatCount(pendingNew)} new` : `${formatCount(pendingChanged)} changed`
  return (
    <div className="rq-live-banner" role="status">
      <button type="button" className="button button--primary button--small" onClick={refreshNow}>
        {text} — refresh
      </button>
    </div>
  )
}

function TableFooter(): React.JSX.Element {
  const count = useRequestsStore((s) => s.rows.length)
  const total = useRequestsStore((s) => s.total)
  const capped = useRequestsStore((s) => s.totalCapped)
  const nextBeforeId = useRequestsStore((s) => s.nextBeforeId)
  const loadingOlder = useRequestsStore((s) => s.loadingOlder)
  const paused = useRequestsStore((s) => s.olderLoaded || s.scrolledAway)
  const checkedCount = useRequestsStore((s) => s.checked.size)
  return (
    <div className="rq-table-foot">
      <span className="rq-num" data-testid="rq-shown">
        Showing {formatCount(count)} of {formatCount(total)}
        {capped ? '+' : ''} {total === 1 && !capped ? 'request' : 'requests'}
        {checkedCount > 0 ? ` · ${formatCount(checkedCount)} selected` : ''}
      </span>
      <span className={`rq-live ${paused ? 'rq-live-paused' : 'rq-live-on'}`}>
        <span className="rq-dot" aria-hidden="true" />
        {paused ? 'Live updates paused while you read older rows' : 'Live'}
      </span>
      {nextBeforeId !== null && (
        <button type="button" className="button button--small" onClick={() => void loadOlder()} disabled={loadingOlder}>
          {loadingOlder ? 'Loading…' : 'Load older'}
        </button>
      )}
    </div>
  )
}
