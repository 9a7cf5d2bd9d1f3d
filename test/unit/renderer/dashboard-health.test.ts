// Pure logic behind the dashboard items of issue 10 (11–15): the amber "Completed · 500" badge,
// insert → answer and "processing for", stuck rows, error rates, the HTTP-status filter and links
// into filtered Requests views, the test-request result line (never a check mark for a failure),
// failing services on the nav and header, retry countdowns, "as of" times, the sign-in example
// link built from the page's origin, and status names instead of bare ai_db_status numbers.
import { describe, expect, it } from 'vitest'
import type { RequestSummary, ServiceStatus } from '../../../src/shared/contract'
import {
  formatAsOf,
  formatPercent,
  formatWaiting,
  handlerErrorRate,
  insertToAnswerMs,
  looksStuck,
  retryText,
  statusBadge,
  statusWithCode,
  waitingSoFarMs
} from '../../../src/renderer/src/components/requests/health'
import { failingFor, failingHeadline, failingServices } from '../../../src/renderer/src/components/service-alerts'
import { dashboardLinkExample } from '../../../src/renderer/src/pages/sign-in-url'
import { EMPTY_FILTERS, PAGE_SIZE, buildListInput, filtersActive, filtersFromQuery, requestsHref, testOutcome } from '../../../src/renderer/src/stores/requests'

const T0 = Date.parse('2026-12-01T10:00:00.000Z')
const iso = (ms: number): string => new Date(ms).toISOString()

const row = (patch: Partial<RequestSummary>): RequestSummary => ({
  id: 1,
  type: 'http_get',
  endpoint: null,
  status: 'completed',
  priority: 5,
  retryCount: 0,
  sourceNpc: null,
  sourceMap: null,
  correlationId: null,
  createdAt: iso(T0),
  updatedAt: iso(T0),
  expiresAt: null,
  dataPreview: null,
  httpStatus: null,
  processingTimeMs: null,
  answeredAt: null,
  ...patch
})

const service = (name: string, state: ServiceStatus['state'], extra: Partial<ServiceStatus> = {}): ServiceStatus => ({
  name,
  label: name === 'ai-ipc' ? 'AI request poller' : 'App database',
  state,
  since: iso(T0),
  ...extra
})

describe('item 11: answers that carry an error are visible', () => {
  it('badges a completed answer with HTTP >= 400 as "Completed · <status>" in amber', () => {
    expect(statusBadge('completed', 500)).toEqual({ text: 'Completed · 500', cls: 'rq-st-errored' })
    expect(statusBadge('completed', 404)).toEqual({ text: 'Completed · 404', cls: 'rq-st-errored' })
    expect(statusBadge('completed', 200)).toEqual({ text: 'Completed', cls: 'rq-st-completed' })
    expect(statusBadge('completed', null)).toEqual({ text: 'Completed', cls: 'rq-st-completed' })
    expect(statusBadge('failed', 500)).toEqual({ text: 'Failed', cls: 'rq-st-failed' })
  })

  it('sends the HTTP-status filter and counts it as an active filter', () => {
    expect(buildListInput({ ...EMPTY_FILTERS, http: 'error' })).toEqual({ input: { limit: PAGE_SIZE, http: 'error' } })
    expect(buildListInput({ ...EMPTY_FILTERS, http: '5xx', statuses: ['completed'] })).toEqual({
      input: { limit: PAGE_SIZE, status: ['completed'], http: '5xx' }
    })
    expect(buildListInput(EMPTY_FILTERS)).toEqual({ input: { limit: PAGE_SIZE } })
    expect(filtersActive({ ...EMPTY_FILTERS, http: '4xx' })).toBe(true)
  })

  it('gives a handler error rate of errored / answers, none before any answer', () => {
    expect(handlerErrorRate({ processed: 3, failed: 1, errored: 2 })).toBe(0.5)
    expect(handlerErrorRate({ processed: 0, failed: 0, errored: 0 })).toBeNull()
    expect(formatPercent(0.5)).toBe('50 %')
    expect(formatPercent(0.004)).toBe('0.4 %')
    expect(formatPercent(0)).toBe('0 %')
    expect(formatPercent(null)).toBe('—')
  })
})

describe('item 12: Overview links open the matching Requests view', () => {
  it('round-trips filters through the link query', () => {
    expect(requestsHref()).toBe('#/requests')
    expect(requestsHref({ statuses: ['pending'] })).toBe('#/requests?status=pending')
    expect(requestsHref({ http: 'error' })).toBe('#/requests?http=error')
    expect(requestsHref({ id: '42' })).toBe('#/requests?id=42')
    expect(filtersFromQuery('?status=pending,processing,bogus&http=error&id=42')).toEqual({
      ...EMPTY_FILTERS,
      statuses: ['pending', 'processing'],
      http: 'error',
      id: '42'
    })
    expect(filtersFromQuery('?http=3xx&type=health_check')).toEqual({ ...EMPTY_FILTERS, type: 'health_check' })
    expect(filtersFromQuery('')).toBeNull()
    expect(filtersFromQuery('?foo=1')).toBeNull()
  })
})

describe('item 13: what latency means, and rows that wait', () => {
  it('reads insert → answer from the response time, and how long unanswered rows have waited so far', () => {
    expect(insertToAnswerMs(row({ answeredAt: iso(T0 + 1250) }))).toBe(1250)
    expect(insertToAnswerMs(row({ answeredAt: null }))).toBeNull()
    expect(waitingSoFarMs(row({ status: 'processing' }), T0 + 4000)).toBe(4000)
    expect(waitingSoFarMs(row({ status: 'pending' }), T0 + 10)).toBe(10)
    expect(waitingSoFarMs(row({ status: 'completed' }), T0 + 4000)).toBeNull()
  })

  it('marks a processing row stuck when its poller has not renewed it for half the stuck threshold', () => {
    const processing = row({ status: 'processing', updatedAt: iso(T0) })
    expect(looksStuck(processing, T0 + 10_000, 30)).toBe(false)
    expect(looksStuck(processing, T0 + 20_000, 30)).toBe(false) // renewed every 10 s while alive
    expect(looksStuck(processing, T0 + 25_000, 30)).toBe(true)
    expect(looksStuck(row({ status: 'pending', updatedAt: iso(T0) }), T0 + 600_000, 30)).toBe(false)
  })
})

describe('item 15: failing services, retries, stale data, toasts, sign-in link, status names', () => {
  it('flags failing services on the nav entries that watch them and in the header', () => {
    const services = [service('store', 'running'), service('ai-ipc', 'error', { error: 'connect ECONNREFUSED' })]
    const failing = failingServices(services)
    expect(failing.map((s) => s.name)).toEqual(['ai-ipc'])
    expect(failingFor(['ai-ipc'], failing)).toHaveLength(1)
    expect(failingFor(['*'], failing)).toHaveLength(1)
    expect(failingFor(['store'], failing)).toHaveLength(0)
    expect(failingFor(undefined, failing)).toHaveLength(0)
    expect(failingHeadline(failing)).toBe('AI request poller failing')
    expect(failingHeadline([...failing, service('store', 'error')])).toBe('2 services failing')
    expect(failingHeadline([])).toBeNull()
  })

  it('says "retrying in N s (attempt k)" when the status carries it, and what exists otherwise', () => {
    expect(retryText({ attempt: 2, nextRetryAt: iso(T0 + 4200) }, T0)).toBe('retrying in 5 s (attempt 2)')
    expect(retryText({ attempt: 3, nextRetryAt: iso(T0 - 1) }, T0)).toBe('retrying now (attempt 3)')
    expect(retryText({ nextRetryAt: iso(T0 + 1000) }, T0)).toBe('retrying in 1 s')
    expect(retryText({ attempt: 1 }, T0)).toBe('attempt 1')
    expect(retryText({}, T0)).toBeNull()
  })

  it('dates data shown while disconnected as "as of HH:MM:SS"', () => {
    const d = new Date(2026, 11, 1, 9, 5, 7)
    expect(formatAsOf(d.getTime())).toBe('as of 09:05:07')
  })

  it('never puts a check mark on a test request that did not succeed', () => {
    const response = (httpStatus: number): { id: number; responseData: string; httpStatus: number; errorMessage: null; processingTimeMs: number; createdAt: string } => ({
      id: 1,
      responseData: '{}',
      httpStatus,
      errorMessage: null,
      processingTimeMs: 1,
      createdAt: iso(T0)
    })
    expect(testOutcome({ id: 5, status: 'completed', response: response(200) })).toEqual({ tone: 'ok', text: 'Test request #5 completed' })
    expect(testOutcome({ id: 5, status: 'failed', response: response(500) })).toEqual({ tone: 'warn', text: 'Test request #5 failed (HTTP 500)' })
    expect(testOutcome({ id: 6, status: 'completed', response: response(400) }).tone).toBe('warn')
    expect(testOutcome({ id: 7, status: 'pending', response: null })).toEqual({ tone: 'warn', text: 'Test request #7 is still pending' })
  })

  it('builds the sign-in example link from the page origin', () => {
    expect(dashboardLinkExample('http://10.1.2.3:9000')).toBe('http://10.1.2.3:9000/?token=…')
    expect(dashboardLinkExample('https://warp.example.org')).toBe('https://warp.example.org/?token=…')
    expect(dashboardLinkExample('null')).toBe('http://127.0.0.1:8787/?token=…')
  })

  it('says the status by name beside its ai_db_status number', () => {
    expect(statusWithCode('failed', 4)).toBe('failed (ai_db_status 4)')
    expect(statusWithCode('completed', 3)).toBe('completed (ai_db_status 3)')
  })
})

describe('item 13: a wait still going on ticks in whole seconds', () => {
  it('formats it', () => {
    expect(formatWaiting(400)).toBe('<1 s')
    expect(formatWaiting(12_400)).toBe('12 s')
    expect(formatWaiting(185_000)).toBe('3 min 5 s')
    expect(formatWaiting(3_725_000)).toBe('1 h 2 min')
  })
})
