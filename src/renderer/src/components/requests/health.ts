/**
 * How the dashboard reads the queue's health: the status badge of a row (an answer that carries
 * an HTTP error is "Completed · 500", amber), what the NPC waits (insert → answer, or how long a
 * row has waited so far), rows that look stuck, error rates, retry countdowns of failing services
 * and the "as of" time of data shown while disconnected. Pure functions; no React.
 */
import type { AiRequestStatus, RequestHandlerStats, RequestSummary, ServiceStatus } from '../../../../shared/contract'
import { STATUS_LABEL } from './format'

export interface BadgeView {
  text: string
  /** Class that picks the colour: rq-st-<status>, or rq-st-errored for an answer with HTTP >= 400. */
  cls: string
}

/** "Completed", or "Completed · 500" (amber) when the answer carries an HTTP error. */
export function statusBadge(status: AiRequestStatus, httpStatus: number | null): BadgeView {
  if (status === 'completed' && httpStatus !== null && httpStatus >= 400) {
    return { text: `${STATUS_LABEL.completed} · ${httpStatus}`, cls: 'rq-st-errored' }
  }
  return { text: STATUS_LABEL[status], cls: `rq-st-${status}` }
}

/** Insert → answer of an answered row (what the NPC waited), ms; null without an answer. */
export function insertToAnswerMs(row: Pick<RequestSummary, 'createdAt' | 'answeredAt'>): number | null {
  if (!row.answeredAt) return null
  const a = Date.parse(row.answeredAt)
  const c = Date.parse(row.createdAt)
  return Number.isFinite(a) && Number.isFinite(c) ? Math.max(0, a - c) : null
}

/** How long a pending or processing row has waited so far (now − created_at), ms; null otherwise. */
export function waitingSoFarMs(row: Pick<RequestSummary, 'status' | 'createdAt'>, now: number): number | null {
  if (row.status !== 'pending' && row.status !== 'processing') return null
  const c = Date.parse(row.createdAt)
  return Number.isFinite(c) ? Math.max(0, now - c) : null
}

/** A wait still going on, ticking once a second: "<1 s", "12 s", "3 min 5 s". */
export function formatWaiting(ms: number): string {
  if (ms < 1000) return '<1 s'
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

/**
 * A processing row whose lease (polling.stuck_after_seconds) is mostly used up: a live poller
 * renews the rows it holds every third of the lease, so this row's poller is probably gone and
 * any live poller will recover it when the lease lapses.
 */
export function looksStuck(row: Pick<RequestSummary, 'status' | 'updatedAt'>, now: number, stuckAfterSeconds: number): boolean {
  if (row.status !== 'processing') return false
  const u = Date.parse(row.updatedAt)
  return Number.isFinite(u) && now - u > stuckAfterSeconds * 1000 * 0.8
}

/** "0 %", "0.5 %", "12 %", "—" for none. */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—'
  const pct = share * 100
  if (pct === 0) return '0 %'
  if (pct < 1) return `${pct.toFixed(1)} %`
  return `${Math.round(pct)} %`
}

/** Share of a handler's answers that carried HTTP >= 400; null before any answer. */
export function handlerErrorRate(h: Pick<RequestHandlerStats, 'processed' | 'failed' | 'errored'>): number | null {
  const answers = h.processed + h.failed
  return answers > 0 ? h.errored / answers : null
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** "as of 13:05:09" (24-hour local time), for data shown while the connection is down. */
export function formatAsOf(epochMs: number): string {
  const d = new Date(epochMs)
  return `as of ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** "retrying in 4 s (attempt 2)", "retrying now (attempt 2)", "attempt 2"; null when the status says nothing about retries. */
export function retryText(s: Pick<ServiceStatus, 'attempt' | 'nextRetryAt'>, now: number): string | null {
  const at = s.nextRetryAt ? Date.parse(s.nextRetryAt) : NaN
  const attempt = s.attempt !== undefined && s.attempt > 0 ? `attempt ${s.attempt}` : null
  if (Number.isFinite(at)) {
    const secs = Math.ceil((at - now) / 1000)
    const when = secs > 0 ? `retrying in ${secs} s` : 'retrying now'
    return attempt ? `${when} (${attempt})` : when
  }
  return attempt
}

/** rAthena's ai_db_status() number said in words: "failed (ai_db_status 4)". */
export function statusWithCode(status: AiRequestStatus, code: number): string {
  return `${STATUS_LABEL[status].toLowerCase()} (ai_db_status ${code})`
}
