/**
 * ai_request_async / async_request (submit) and ai_check_result / check_result (check): deferred
 * AI calls whose result a script fetches later, for work that outlives a request's 30 s expiry.
 *
 * Semantics (the old service left them unspecified; these are ours):
 * - Submit: `endpoint` is the AI-service path to call (the C++ ai_request_async writes
 *   `/api/v1/async/<type>`; empty endpoint + `data.type` → that same path). It goes through the
 *   proxy's URL rules (allowed origins only). request_data must be a JSON object (or empty):
 *   the job POSTs `data.body` if present, else the data minus `callback`/`timeout`. `timeout`
 *   (seconds, 1–300) bounds the upstream call (default ai_service.timeout). The submit completes
 *   at once with `{"status":"accepted","async_request_id":…,"request_id":…,"expires_in_seconds":…,"timestamp":…}`.
 * - The job runs in the background through the HTTP client (POST, no client retry), at most
 *   `maxConcurrent` at a time (others wait in FIFO order).
 * - Check: the id comes from `async_request_id` (or `id`) in request_data, else the endpoint's last
 *   path segment. Answers: finished → the upstream's JSON as-is (non-JSON →
 *   `{"status":"ok","data":text,"content_type":…}`); queued/running →
 *   `{"status":"pending"|"processing","async_request_id","elapsed_ms","timestamp"}`; upstream
 *   failure → `{"status":"error","async_request_id","error","code"}`; unknown or expired →
 *   `{"status":"not_found","async_request_id","error"}` (http_status 404). Checks do not consume
 *   the result: repeating one is harmless.
 * - Bounds: jobs live `ttlMs` after submission (default 300 s, never less than their timeout),
 *   at most `maxJobs` (default 10,000); when full, finished jobs are evicted oldest first, and if
 *   all are still running the submit answers `{"status":"error",…,"code":503}`.
 * - Jobs are in memory: a restart forgets them, and with several pollers a check must reach the
 *   instance that took the submit (checks elsewhere answer not_found).
 */
import { randomUUID } from 'node:crypto'
import type { HttpClient } from '../../http/http-client'
import { upstreamBodyOutcome } from './http-proxy'
import { resolveProxyUrl } from './proxy-url'
import { omitKeys, parseRequestData, positiveNumberField, stringField } from './request-data'
import { isoNow, ok, validation, type AiHandler, type AiRequest, type HandlerContext, type HandlerOutcome, type OkOutcome } from './types'

export interface AsyncJobOptions {
  /** Jobs (running + finished) kept at once. Default 10,000. */
  maxJobs?: number
  /** How long a job and its result are kept after submission. Default 300,000 ms. */
  ttlMs?: number
  /** Upstream calls running at once. Default 16. */
  maxConcurrent?: number
}

export const SUBMIT_TYPES: ReadonlySet<string> = new Set(['ai_request_async', 'async_request'])
export const CHECK_TYPES: ReadonlySet<string> = new Set(['ai_check_result', 'check_result'])
const MAX_JOB_TIMEOUT_S = 300

type JobState = 'pending' | 'processing' | 'completed' | 'failed'

interface Job {
  id: string
  requestId: number
  url: string
  body: unknown
  timeoutMs: number
  createdAt: number
  expiresAt: number
  state: JobState
  http: HttpClient
  controller: AbortController
  /** completed: the outcome a check returns. */
  result?: OkOutcome
  /** failed */
  error?: { message: string; code: number }
}

export class AsyncJobHandler implements AiHandler {
  readonly name = 'async'
  readonly types = ['ai_request_async', 'async_request', 'ai_check_result', 'check_result'] as const

  private readonly jobs = new Map<string, Job>()
  private readonly queue: Job[] = []
  private running = 0
  private readonly maxJobs: number
  private readonly ttlMs: number
  private readonly maxConcurrent: number
  private closed = false
  private readonly settled = new Set<Promise<void>>()

  constructor(opts: AsyncJobOptions = {}) {
    this.maxJobs = opts.maxJobs ?? 10_000
    this.ttlMs = opts.ttlMs ?? 300_000
    this.maxConcurrent = opts.maxConcurrent ?? 16
  }

  /** Jobs currently held (running, queued or finished but not expired). */
  get size(): number {
    return this.jobs.size
  }

  handle(req: AiRequest, ctx: HandlerContext): HandlerOutcome {
    const type = req.request_type.toLowerCase()
    this.sweep(ctx.now())
    return CHECK_TYPES.has(type) ? this.check(req, ctx) : this.submit(req, ctx)
  }

  /** Aborts running jobs, drops queued ones and waits for the running calls to settle. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue) this.fail(job, 'service shutting down', 503)
    this.queue.length = 0
    for (const job of this.jobs.values()) if (job.state === 'processing') job.controller.abort()
    await Promise.allSettled([...this.settled])
  }

  private submit(req: AiRequest, ctx: HandlerContext): HandlerOutcome {
    if (this.closed) return ok({ status: 'error', error: 'service shutting down', code: 503 }, 503)
    const parsed = parseRequestData(req.request_data)
    if (!parsed.ok) return parsed.outcome
    const data = parsed.data
    let endpoint = req.endpoint
    const asyncType = stringField(data, 'type')
    if ((endpoint === null || endpoint.trim() === '') && asyncType !== undefined) {
      endpoint = `/api/v1/async/${encodeURIComponent(asyncType)}`
    }
    const resolved = resolveProxyUrl(endpoint, ctx.config)
    if (!resolved.ok) return validation(resolved.message)
    const seconds = positiveNumberField(data, 'timeout')
    const timeoutMs = seconds === undefined ? ctx.config.timeoutMs : Math.max(1, Math.min(MAX_JOB_TIMEOUT_S, seconds)) * 1000

    if (this.jobs.size >= this.maxJobs && !this.evictFinished()) {
      return ok({ status: 'error', error: `too many async jobs in flight (max ${this.maxJobs})`, code: 503 }, 503)
    }
    const now = ctx.now()
    const ttl = Math.max(this.ttlMs, timeoutMs)
    const job: Job = {
      id: randomUUID(),
      requestId: req.id,
      url: resolved.url,
      body: 'body' in data ? data.body : omitKeys(data, 'callback', 'timeout'),
      timeoutMs,
      createdAt: now,
      expiresAt: now + ttl,
      state: 'pending',
      http: ctx.http,
      controller: new AbortController()
    }
    this.jobs.set(job.id, job)
    this.queue.push(job)
    this.pump()
    return ok({
      status: 'accepted',
      async_request_id: job.id,
      request_id: req.id,
      expires_in_seconds: Math.round(ttl / 1000),
      timestamp: new Date(now).toISOString()
    })
  }

  private check(req: AiRequest, ctx: HandlerContext): HandlerOutcome {
    const parsed = parseRequestData(req.request_data)
    if (!parsed.ok) return parsed.outcome
    const id = stringField(parsed.data, 'async_request_id') ?? stringField(parsed.data, 'id') ?? lastSegment(req.endpoint)
    if (id === undefined) return validation('async_request_id is required')
    const job = this.jobs.get(id)
    if (job === undefined) {
      return ok({ status: 'not_found', async_request_id: id, error: 'unknown or expired async_request_id' }, 404)
    }
    switch (job.state) {
      case 'completed':
        if (job.result !== undefined) return job.result
        break
      case 'failed':
        return ok({ status: 'error', async_request_id: id, error: job.error?.message ?? 'failed', code: job.error?.code ?? 500 })
      default:
        break
    }
    return ok({ status: job.state, async_request_id: id, elapsed_ms: Math.max(0, ctx.now() - job.createdAt), timestamp: isoNow(ctx) })
  }

  private pump(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      const job = this.queue.shift()
      if (job === undefined || job.state !== 'pending') continue
      this.running++
      job.state = 'processing'
      const p = this.run(job).finally(() => {
        this.running--
        this.settled.delete(p)
        if (!this.closed) this.pump()
      })
      this.settled.add(p)
    }
  }

  private async run(job: Job): Promise<void> {
    const r = await job.http.request({
      url: job.url,
      method: 'POST',
      json: job.body ?? {},
      timeoutMs: job.timeoutMs,
      retry: false,
      signal: job.controller.signal
    })
    if (job.state !== 'processing') return
    if (r.ok) {
      job.state = 'completed'
      job.result = upstreamBodyOutcome(r)
      return
    }
    const code = r.error.kind === 'timeout' ? 504 : r.error.kind === 'http' ? r.status : r.error.kind === 'aborted' ? 503 : 500
    this.fail(job, r.error.message, code)
  }

  private fail(job: Job, message: string, code: number): void {
    job.state = 'failed'
    job.error = { message, code }
  }

  /** Drops expired jobs (Map order = submission order; expiry is monotonic per ttl). */
  private sweep(now: number): void {
    for (const job of this.jobs.values()) {
      if (job.expiresAt > now) break
      if (job.state === 'processing' || job.state === 'pending') {
        job.controller.abort()
        job.state = 'failed'
      }
      this.jobs.delete(job.id)
    }
  }

  /** Evicts the oldest finished job; false when every job is still queued or running. */
  private evictFinished(): boolean {
    for (const job of this.jobs.values()) {
      if (job.state === 'completed' || job.state === 'failed') {
        this.jobs.delete(job.id)
        return true
      }
    }
    return false
  }
}

function lastSegment(endpoint: string | null): string | undefined {
  if (endpoint === null) return undefined
  const path = endpoint.split(/[?#]/)[0] ?? ''
  const seg = path.split('/').filter((s) => s !== '').pop()
  if (seg === undefined) return undefined
  try {
    const id = decodeURIComponent(seg)
    return /^[A-Za-z0-9_-]{1,100}$/.test(id) ? id : undefined
  } catch {
    return undefined
  }
}
