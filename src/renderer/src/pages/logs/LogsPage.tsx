/**
 * Logs: the live tail of the host's log (the same stream as its console and file), with a minimum
 * level, text search, follow (auto-scroll) toggle, "clear view", and the full entry of the selected
 * row. Data comes from the logs store; this page only decides what to show.
 */
import { useDeferredValue, useId, useMemo, useState } from 'react'
import { LOG_LEVELS, type LogEntry, type LogLevel } from '../../../../shared/log'
import { formatDateTime, formatLogTime } from '../../components/format'
import { LOG_BUFFER_SIZE, useLogsStore } from '../../stores/logs'
import { filterLogEntries, firstIndexAfter } from './log-filter'
import { LogTable } from './LogTable'
import './logs.css'

const LEVEL_CHOICES: Record<LogLevel, string> = {
  debug: 'All (debug and above)',
  info: 'Info and above',
  warn: 'Warnings and errors',
  error: 'Errors only'
}

export function LogsPage(): React.JSX.Element {
  const entries = useLogsStore((s) => s.entries)
  const synced = useLogsStore((s) => s.synced)
  const error = useLogsStore((s) => s.error)
  const minLevel = useLogsStore((s) => s.minLevel)
  const search = useLogsStore((s) => s.search)
  const follow = useLogsStore((s) => s.follow)
  const clearedThroughSeq = useLogsStore((s) => s.clearedThroughSeq)
  const { setMinLevel, setSearch, setFollow, clearView, showCleared } = useLogsStore.getState()
  const [selectedSeq, setSelectedSeq] = useState<number | null>(null)
  const [pausedAtSeq, setPausedAtSeq] = useState<number | null>(null)
  const levelId = useId()
  const searchId = useId()

  const deferredSearch = useDeferredValue(search)
  const visible = useMemo(
    () => filterLogEntries(entries, { minLevel, search: deferredSearch, afterSeq: clearedThroughSeq }),
    [entries, minLevel, deferredSearch, clearedThroughSeq]
  )
  const selected = useMemo(() => {
    if (selectedSeq === null) return null
    const e = visible[firstIndexAfter(visible, selectedSeq - 1)]
    return e && e.seq === selectedSeq ? e : null
  }, [visible, selectedSeq])
  const newBelow = !follow && pausedAtSeq !== null ? visible.length - firstIndexAfter(visible, pausedAtSeq) : 0

  const changeFollow = (next: boolean): void => {
    setFollow(next)
    const last = visible[visible.length - 1]
    setPausedAtSeq(next ? null : (last?.seq ?? null))
  }

  const filtered = minLevel !== 'debug' || search.trim() !== ''
  const emptyMessage =
    !synced && entries.length === 0 ? (
      'Loading the log…'
    ) : entries.length === 0 ? (
      'No log entries yet.'
    ) : clearedThroughSeq >= 0 && visible.length === 0 && !filtered ? (
      <>
        View cleared. New entries will appear here.{' '}
        <button type="button" className="link-button" onClick={showCleared}>
          Show cleared entries
        </button>
      </>
    ) : (
      'No entries match the level and search.'
    )

  return (
    <div className="page page--fill">
      <header className="page__header">
        <h1>Logs</h1>
        <p className="muted">The host’s live log, newest last. The view keeps the newest {LOG_BUFFER_SIZE.toLocaleString()} entries.</p>
      </header>

      <div className="toolbar" role="toolbar" aria-label="Log view">
        <div className="field field--inline">
          <label htmlFor={levelId}>Level</label>
          <select id={levelId} value={minLevel} onChange={(e) => setMinLevel(e.target.value as LogLevel)}>
            {LOG_LEVELS.map((l) => (
              <option key={l} value={l}>
                {LEVEL_CHOICES[l]}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline field--grow">
          <label htmlFor={searchId}>Search</label>
          <input
            id={searchId}
            type="search"
            className="input"
            value={search}
            placeholder="Text in message, scope or fields"
            onChange={(e) => setSearch(e.target.value)}
            spellCheck={false}
          />
        </div>
        <button type="button" className="button toggle" aria-pressed={follow} onClick={() => changeFollow(!follow)}>
          {follow ? 'Following newest' : 'Follow newest'}
        </button>
        <button type="button" className="button" onClick={clearView} disabled={visible.length === 0}>
          Clear view
        </button>
        {clearedThroughSeq >= 0 ? (
          <button type="button" className="button" onClick={showCleared}>
            Show cleared
          </button>
        ) : null}
      </div>

      <p className="log-count muted" data-testid="log-count">
        {visible.length === entries.length
          ? `${entries.length.toLocaleString()} entries`
          : `Showing ${visible.length.toLocaleString()} of ${entries.length.toLocaleString()} entries`}
        {follow ? '' : ' · paused'}
        {error ? <span className="error-text"> · {error}</span> : null}
      </p>

      <div className="log-area">
        <LogTable
          entries={visible}
          follow={follow}
          onFollowChange={changeFollow}
          selectedSeq={selectedSeq}
          onSelect={setSelectedSeq}
          emptyMessage={emptyMessage}
        />
        {!follow && newBelow > 0 ? (
          <button type="button" className="button button--primary jump-newest" onClick={() => changeFollow(true)}>
            {newBelow === 1 ? '1 new entry' : `${newBelow.toLocaleString()} new entries`} — follow newest
          </button>
        ) : null}
      </div>

      {selected ? <EntryDetail entry={selected} onClose={() => setSelectedSeq(null)} /> : null}
    </div>
  )
}

function EntryDetail({ entry, onClose }: { entry: LogEntry; onClose(): void }): React.JSX.Element {
  return (
    <section className="entry-detail card" aria-label="Selected log entry">
      <div className="entry-detail__head">
        <span className={`level level--${entry.level}`}>{entry.level.toUpperCase()}</span>
        <strong>{entry.scope}</strong>
        <span className="muted" title={entry.time}>
          {formatLogTime(entry.time)} · {formatDateTime(entry.time)} · #{entry.seq}
        </span>
        <button type="button" className="button button--small entry-detail__close" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="entry-detail__msg">{entry.msg}</p>
      {entry.fields ? <pre className="entry-detail__fields">{JSON.stringify(entry.fields, null, 2)}</pre> : null}
    </section>
  )
}
