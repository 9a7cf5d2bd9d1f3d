/**
 * The virtualized log table (@tanstack/react-virtual, fixed-height rows, so 5,000 rows scroll
 * smoothly). Follow mode keeps the newest row in view; scrolling up pauses it, and while paused the
 * rows under the reader stay put even as the buffer drops its oldest entries. Arrow keys, Home and
 * End move the selection.
 */
import { useEffect, useLayoutEffect, useRef } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import type { LogEntry } from '../../../../shared/log'
import { formatLogTime } from '../../components/format'
import { fieldsText, firstIndexAfter } from './log-filter'

export const ROW_HEIGHT = 28

interface Props {
  entries: LogEntry[]
  follow: boolean
  onFollowChange(follow: boolean): void
  selectedSeq: number | null
  onSelect(seq: number | null): void
  emptyMessage: React.ReactNode
}

export function LogTable({ entries, follow, onFollowChange, selectedSeq, onSelect, emptyMessage }: Props): React.JSX.Element {
  const scrollRef = useRef<HTMLDivElement>(null)
  /** The row at the top of the viewport while paused: its seq and how far it is scrolled past. */
  const anchor = useRef<{ seq: number; offset: number } | null>(null)

  // The virtualizer is mutable by design; this component is not compiled by React Compiler, and the
  // rows read it during render only, so the "incompatible library" note does not apply.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => entries[i]!.seq,
    overscan: 20
  })

  const lastSeq = entries.length > 0 ? entries[entries.length - 1]!.seq : -1
  const firstSeq = entries.length > 0 ? entries[0]!.seq : -1

  // Follow: stick to the bottom. Paused: keep the anchored row where the reader left it.
  useLayoutEffect(() => {
    const el = scrollRef.current
    if (!el) return
    if (follow) {
      // Rows have a fixed height, so the bottom is known without asking for a layout.
      el.scrollTop = (entries.length + 1) * ROW_HEIGHT
      anchor.current = null
      return
    }
    const a = anchor.current
    if (!a) return
    const index = firstIndexAfter(entries, a.seq - 1)
    const top = index * ROW_HEIGHT + a.offset
    if (Math.abs(el.scrollTop - top) >= 1) el.scrollTop = top
  }, [follow, entries, lastSeq, firstSeq])

  // Following and the table got shorter or taller (window resized, detail panel opened): stay at the bottom.
  useEffect(() => {
    const el = scrollRef.current
    if (!follow || !el) return
    const observer = new ResizeObserver(() => {
      el.scrollTop = el.scrollHeight
    })
    observer.observe(el)
    return () => observer.disconnect()
  }, [follow])

  const onScroll = (): void => {
    const el = scrollRef.current
    if (!el) return
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= ROW_HEIGHT
    if (follow && !atBottom) onFollowChange(false)
    const index = Math.floor(el.scrollTop / ROW_HEIGHT)
    const e = entries[index]
    anchor.current = e ? { seq: e.seq, offset: el.scrollTop - index * ROW_HEIGHT } : null
  }

  const onKeyDown = (ev: React.KeyboardEvent<HTMLDivElement>): void => {
    if (entries.length === 0) return
    const current = selectedSeq === null ? -1 : firstIndexAfter(entries, selectedSeq - 1)
    let next: number | null = null
    if (ev.key === 'ArrowDown') next = Math.min(entries.length - 1, current + 1)
    else if (ev.key === 'ArrowUp') next = current <= 0 ? 0 : current - 1
    else if (ev.key === 'Home') next = 0
    else if (ev.key === 'End') next = entries.length - 1
    else if (ev.key === 'Escape') {
      onSelect(null)
      return
    }
    if (next === null) return
    ev.preventDefault()
    if (next < entries.length - 1 && follow) onFollowChange(false)
    onSelect(entries[next]!.seq)
    virtualizer.scrollToIndex(next, { align: 'auto' })
  }

  return (
    <div className="log-table" role="table" aria-label="Log entries" aria-rowcount={entries.length + 1}>
      <div className="log-row log-row--head" role="row" aria-rowindex={1}>
        <span role="columnheader" className="log-cell log-cell--time">
          Time
        </span>
        <span role="columnheader" className="log-cell log-cell--level">
          Level
        </span>
        <span role="columnheader" className="log-cell log-cell--scope">
          Scope
        </span>
        <span role="columnheader" className="log-cell log-cell--msg">
          Message and fields
        </span>
      </div>
      <div
        ref={scrollRef}
        className="log-table__scroll"
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        tabIndex={0}
        role="rowgroup"
        aria-label="Log entries, newest last. Use arrow keys to select an entry."
      >
        {entries.length === 0 ? (
          <div className="log-table__empty">{emptyMessage}</div>
        ) : (
          <div className="log-table__inner" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const e = entries[item.index]!
              const selected = e.seq === selectedSeq
              return (
                <div
                  key={item.key}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={selected}
                  data-seq={e.seq}
                  className={`log-row log-row--${e.level}${selected ? ' is-selected' : ''}`}
                  style={{ transform: `translateY(${item.start}px)` }}
                  onClick={() => onSelect(selected ? null : e.seq)}
                >
                  <span role="cell" className="log-cell log-cell--time" title={e.time}>
                    {formatLogTime(e.time)}
                  </span>
                  <span role="cell" className="log-cell log-cell--level">
                    <span className={`level level--${e.level}`}>{e.level.toUpperCase()}</span>
                  </span>
                  <span role="cell" className="log-cell log-cell--scope" title={e.scope}>
                    {e.scope}
                  </span>
                  <span role="cell" className="log-cell log-cell--msg" title={e.fields ? `${e.msg} ${fieldsText(e.fields)}` : e.msg}>
                    <span className="log-msg">{e.msg}</span>
                    {e.fields ? <span className="log-fields">{fieldsText(e.fields)}</span> : null}
                  </span>
                </div>
              )
            })}
          </div>
        )}
      </div>
    </div>
  )
}
