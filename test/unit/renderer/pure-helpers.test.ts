// Pure logic of the dashboard, tested without a browser: log filtering, the Settings form,
// the Requests list input, row reconciliation, the rate window and payload pretty-printing.
import { describe, expect, it } from 'vitest'
import { ConfigSchema, SECRET_KEYS } from '../../../src/shared/config-schema'
import type { ConfigView, RequestSummary } from '../../../src/shared/contract'
import type { LogEntry } from '../../../src/shared/log'
import { filterLogEntries, firstIndexAfter } from '../../../src/renderer/src/pages/logs/log-filter'
import { evaluateForm, matchIssues } from '../../../src/renderer/src/pages/settings/settings-form'
import { prettyPayload } from '../../../src/renderer/src/components/requests/format'
import { EMPTY_FILTERS, PAGE_SIZE, buildListInput, pushRate, reconcileRows } from '../../../src/renderer/src/stores/requests'

const entry = (seq: number, level: LogEntry['level'], msg: string, fields?: Record<string, unknown>): LogEntry => ({
  seq,
  time: '2026-11-22T00:00:00.000Z',
  level,
  scope: seq % 2 ? 'ai-ipc' : 'admin',
  msg,
  ...(fields ? { fields } : {})
})

describe('log filter', () => {
  const entries = [entry(1, 'debug', 'claim'), entry(2, 'info', 'Ready'), entry(3, 'warn', 'slow', { ms: 42 }), entry(4, 'error', 'boom')]

  it('filters by minimum level, search (message, scope, fields) and the clear mark', () => {
    expect(filterLogEntries(entries, { minLevel: 'debug', search: '', afterSeq: -1 })).toBe(entries)
    expect(filterLogEntries(entries, { minLevel: 'warn', search: '', afterSeq: -1 }).map((e) => e.seq)).toEqual([3, 4])
    expect(filterLogEntries(entries, { minLevel: 'debug', search: 'READY', afterSeq: -1 }).map((e) => e.seq)).toEqual([2])
    expect(filterLogEntries(entries, { minLevel: 'debug', search: 'ms=42', afterSeq: -1 }).map((e) => e.seq)).toEqual([3])
    expect(filterLogEntries(entries, { minLevel: 'debug', search: 'ai-ipc', afterSeq: -1 }).map((e) => e.seq)).toEqual([1, 3])
    expect(filterLogEntries(entries, { minLevel: 'debug', search: '', afterSeq: 2 }).map((e) => e.seq)).toEqual([3, 4])
  })

  it('finds the first entry after a sequence number by binary search', () => {
    expect(firstIndexAfter(entries, 0)).toBe(0)
    expect(firstIndexAfter(entries, 2)).toBe(2)
    expect(firstIndexAfter(entries, 99)).toBe(4)
    expect(firstIndexAfter([], 5)).toBe(0)
  })
})

function view(envLocked: ConfigView['envLocked'] = {}): ConfigView {
  const config = ConfigSchema.parse({ data_dir: '/tmp/x' })
  return {
    config,
    secretsSet: Object.fromEntries(SECRET_KEYS.map((k) => [k, k === 'database.password'])),
    filePath: '/tmp/x/config.yaml',
    envLocked,
    secretStorage: 'file'
  }
}

describe('settings form', () => {
  it('builds a patch of only the changed, valid fields', () => {
    const form = evaluateForm(view(), { 'polling.interval_ms': '250', 'polling.batch_size': '100' })
    expect(form.changedKeys).toEqual(['polling.interval_ms'])
    expect(form.patch).toEqual({ polling: { interval_ms: 250 } })
    expect(form.invalidKeys).toEqual([])
  })

  it('shows the shared schema’s error inline and keeps the bad value out of the patch', () => {
    const form = evaluateForm(view(), { 'polling.interval_ms': '5', 'ai_service.base_url': 'ftp://x' })
    expect(form.invalidKeys.sort()).toEqual(['ai_service.base_url', 'polling.interval_ms'])
    expect(form.fields.get('polling.interval_ms')?.error).toMatch(/10/)
    expect(form.patch).toEqual({})
  })

  it('ignores edits to env-locked fields and handles write-only secrets', () => {
    const form = evaluateForm(view({ 'polling.interval_ms': 'POLL_INTERVAL_MS' }), {
      'polling.interval_ms': '250',
      'database.password': 'n3w'
    })
    expect(form.fields.get('polling.interval_ms')?.lockedBy).toBe('POLL_INTERVAL_MS')
    expect(form.patch).toEqual({ database: { password: 'n3w' } })
    expect(form.fields.get('database.password')?.secretSet).toBe(true)
    const removal = evaluateForm(view(), { 'database.password': null })
    expect(removal.fields.get('database.password')?.secretRemoval).toBe(true)
    expect(removal.patch).toEqual({ database: { password: '' } })
  })

  it('matches server issues to fields, and keeps the rest apart', () => {
    const { byField, other } = matchIssues([
      { path: 'polling.interval_ms', message: 'too small' },
      { path: 'hosting.zones.1', message: 'empty' },
      { path: '(input)', message: 'odd' }
    ])
    expect(byField.get('polling.interval_ms')).toBe('too small')
    expect(byField.get('hosting.zones')).toBe('item 2: empty')
    expect(other).toEqual([{ path: '(input)', message: 'odd' }])
  })
})

describe('requests list input', () => {
  it('maps filters to the contract input and explains bad ones', () => {
    expect(buildListInput(EMPTY_FILTERS)).toEqual({ input: { limit: PAGE_SIZE } })
    expect(buildListInput({ ...EMPTY_FILTERS, statuses: ['failed', 'pending'], type: ' http_get ', id: '#42' }, 900)).toEqual({
      input: { limit: PAGE_SIZE, status: ['pending', 'failed'], type: 'http_get', id: 42, beforeId: 900 }
    })
    expect(buildListInput({ ...EMPTY_FILTERS, id: '0' })).toEqual({ problem: expect.stringMatching(/whole number/) as unknown })
    expect(buildListInput({ ...EMPTY_FILTERS, id: '99999999999' })).toHaveProperty('problem')
    expect(buildListInput({ ...EMPTY_FILTERS, type: 'x'.repeat(51) })).toHaveProperty('problem')
  })
})

const row = (id: number, status: RequestSummary['status'] = 'pending'): RequestSummary => ({
  id,
  type: 'health_check',
  endpoint: null,
  status,
  priority: 5,
  retryCount: 0,
  sourceNpc: null,
  sourceMap: null,
  correlationId: null,
  createdAt: 't',
  updatedAt: 't',
  expiresAt: null,
  dataPreview: null,
  httpStatus: null,
  processingTimeMs: null,
  answeredAt: null
})

describe('row reconciliation and rate window', () => {
  it('keeps unchanged row objects so memoized rows do not re-render', () => {
    const prev = [row(3), row(2), row(1)]
    const same = reconcileRows(prev, [row(3), row(2), row(1)])
    expect(same).toBe(prev)
    const next = reconcileRows(prev, [row(4), row(3, 'completed'), row(2), row(1)])
    expect(next[0]!.id).toBe(4)
    expect(next[1]).not.toBe(prev[0])
    expect(next[2]).toBe(prev[1])
    expect(next[3]).toBe(prev[2])
  })

  it('drops rate samples that fall out of the window', () => {
    let h = pushRate([], { t: 0, rate: 1 }, 1000)
    h = pushRate(h, { t: 500, rate: 2 }, 1000)
    h = pushRate(h, { t: 1600, rate: 3 }, 1000)
    expect(h.map((p) => p.t)).toEqual([1600])
  })
})

describe('payload pretty-printing', () => {
  it('pretty-prints JSON and shows anything else as received', () => {
    expect(prettyPayload('{"a":1}')).toEqual({ text: '{\n  "a": 1\n}', json: true })
    expect(prettyPayload('this is {not json')).toEqual({ text: 'this is {not json', json: false })
    expect(prettyPayload('  ')).toEqual({ text: '  ', json: false })
    expect(prettyPayload(null)).toBeNull()
  })
})
