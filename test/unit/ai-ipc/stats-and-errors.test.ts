/**
 * Pure pieces of the ai-ipc module: latency/rate windows and the old service's status lines,
 * MySQL error classification and the SKIP LOCKED version check, the contract's input rules for
 * the Requests page, and row mapping.
 */
import { describe, expect, it } from 'vitest'
import { classifyProblem, isConnectionError, isLockConflict, versionHasSkipLocked } from '../../../src/main/ai-ipc/mysql-errors'
import { isClaimIndex } from '../../../src/main/ai-ipc/mysql-queue'
import { statusCode } from '../../../src/main/ai-ipc/queue'
import { dbTimeToIso, likeContains, truncateUtf8 } from '../../../src/main/ai-ipc/rows'
import { PollerStats, RateWindow } from '../../../src/main/ai-ipc/stats'
import { LatencyWindow } from '../../../src/main/metrics/latency-window'
import {
  AI_REQUEST_STATUSES,
  AiTestConnectionInputSchema,
  RequestsListInputSchema,
  RequestsPurgeInputSchema,
  RequestsRetryInputSchema,
  methods,
  events
} from '../../../src/shared/contract'

describe('LatencyWindow', () => {
  it('gives percentiles within the bucket resolution (5 %) and forgets old slots', () => {
    const w = new LatencyWindow(1000, 3)
    for (let i = 1; i <= 1000; i++) w.add(i / 10, 10_000) // 0.1 … 100 ms
    const s = w.summary(10_500)!
    expect(s.samples).toBe(1000)
    expect(s.p50).toBeGreaterThan(50 * 0.95)
    expect(s.p50).toBeLessThan(50 * 1.06)
    expect(s.p99).toBeGreaterThan(99 * 0.95)
    expect(s.p99).toBeLessThan(99 * 1.06)
    expect(w.summary(13_500)).toBeNull()
  })
})

describe('RateWindow', () => {
  it('averages over the last seconds', () => {
    const r = new RateWindow(10)
    for (let s = 0; s < 10; s++) r.add(100, 1_000_000 + s * 1000)
    expect(r.rate(1_000_000 + 9999)).toBeCloseTo(100, -1)
    expect(r.rate(1_000_000 + 60_000)).toBe(0)
  })
})

describe('PollerStats', () => {
  it('prints the old status line and final statistics block', () => {
    const t0 = 1_000_000
    const s = new PollerStats(t0)
    for (let i = 0; i < 30; i++) s.answered('health', 'completed', 1, 2, t0 + 500)
    s.answered('(no handler)', 'failed', 0, 1, t0 + 500)
    s.totals.expired = 2
    s.totals.batches = 4
    expect(s.statusLine(t0 + 10_000)).toBe('Status: processed=30, failed=1, rate=3.00/s')
    expect(s.finalLines(t0 + 10_000)).toEqual([
      'Final Statistics:',
      '  Requests processed: 30',
      '  Requests failed: 1',
      '  Requests expired: 2',
      '  Batches processed: 4',
      '  Uptime: 10 seconds',
      '  Avg rate: 3.00/s'
    ])
    expect(s.handlerStats(t0 + 1000).map((h) => [h.handler, h.processed, h.failed])).toEqual([
      ['health', 30, 0],
      ['(no handler)', 0, 1]
    ])
  })

  it('bounds the number of handler keys', () => {
    const s = new PollerStats(0)
    for (let i = 0; i < 200; i++) s.answered(`t${i}`, 'failed', 0, 0, 1)
    expect(s.handlerStats(1).length).toBeLessThanOrEqual(65)
  })
})

describe('MySQL errors', () => {
  it('classifies what failed', () => {
    const e = (code: string, fatal = false): Error => Object.assign(new Error(code), { code, fatal })
    expect(classifyProblem(e('ECONNREFUSED'))).toBe('host_unreachable')
    expect(classifyProblem(e('ENOTFOUND'))).toBe('host_unreachable')
    expect(classifyProblem(e('ETIMEDOUT'))).toBe('timeout')
    expect(classifyProblem(e('ER_ACCESS_DENIED_ERROR'))).toBe('bad_credentials')
    expect(classifyProblem(e('ER_BAD_DB_ERROR'))).toBe('unknown_database')
    expect(classifyProblem(e('ER_TABLEACCESS_DENIED_ERROR'))).toBe('missing_privilege')
    expect(isConnectionError(e('PROTOCOL_CONNECTION_LOST'))).toBe(true)
    expect(isConnectionError(e('ECONNREFUSED'))).toBe(true)
    expect(isConnectionError(e('ER_ACCESS_DENIED_ERROR', true))).toBe(false) // waiting will not fix it
    expect(isConnectionError(e('ER_DUP_ENTRY'))).toBe(false)
    expect(isLockConflict(e('ER_LOCK_DEADLOCK'))).toBe(true)
    expect(isLockConflict(e('ER_LOCK_WAIT_TIMEOUT'))).toBe(true)
  })

  it('knows which servers have FOR UPDATE SKIP LOCKED', () => {
    expect(versionHasSkipLocked('10.5.9-MariaDB')).toBe(false)
    expect(versionHasSkipLocked('10.6.0-MariaDB-log')).toBe(true)
    expect(versionHasSkipLocked('10.11.19-MariaDB-0+deb12u1')).toBe(true)
    expect(versionHasSkipLocked('11.4.2-MariaDB')).toBe(true)
    expect(versionHasSkipLocked('5.7.40-log')).toBe(false)
    expect(versionHasSkipLocked('8.0.0')).toBe(false)
    expect(versionHasSkipLocked('8.0.1')).toBe(true)
    expect(versionHasSkipLocked('8.4.2')).toBe(true)
  })

  it('recognises a claim index', () => {
    expect(isClaimIndex(['status', 'priority', 'created_at', 'id'])).toBe(true)
    expect(isClaimIndex(['status', 'priority', 'created_at'])).toBe(true)
    expect(isClaimIndex(['status', 'created_at'])).toBe(false)
    expect(isClaimIndex(['status', 'priority', 'created_at', 'expires_at'])).toBe(false)
  })
})

describe('rows', () => {
  it('maps times, escapes LIKE, truncates UTF-8 safely, numbers statuses like ai_db_status', () => {
    expect(dbTimeToIso('2025-01-02 03:04:05')).toBe('2025-01-02T03:04:05.000Z')
    expect(dbTimeToIso('2025-01-02 03:04:05.678')).toBe('2025-01-02T03:04:05.678Z')
    expect(dbTimeToIso(null)).toBeNull()
    expect(likeContains('50%_a!')).toBe('%50!%!_a!!%')
    expect(truncateUtf8('héllo', 2)).toBe('h')
    expect(AI_REQUEST_STATUSES.map(statusCode)).toEqual([1, 2, 3, 4, 5, 6])
    expect(statusCode(null)).toBe(0)
  })
})

describe('Requests contract inputs', () => {
  it('purge needs confirm: true', () => {
    expect(RequestsPurgeInputSchema.safeParse({ olderThanDays: 7 }).success).toBe(false)
    expect(RequestsPurgeInputSchema.safeParse({ olderThanDays: 7, confirm: false }).success).toBe(false)
    expect(RequestsPurgeInputSchema.safeParse({ olderThanDays: 0, confirm: true }).success).toBe(false)
    expect(RequestsPurgeInputSchema.parse({ olderThanDays: 7, confirm: true })).toEqual({ olderThanDays: 7, confirm: true })
  })

  it('retry takes ids or statuses, not both', () => {
    expect(RequestsRetryInputSchema.safeParse({}).success).toBe(false)
    expect(RequestsRetryInputSchema.safeParse({ ids: [1], allWithStatus: ['failed'] }).success).toBe(false)
    expect(RequestsRetryInputSchema.safeParse({ allWithStatus: ['completed'] }).success).toBe(false)
    expect(RequestsRetryInputSchema.safeParse({ ids: [1, 2] }).success).toBe(true)
  })

  it('list has limits and defaults; ids stay within 32 bits', () => {
    expect(RequestsListInputSchema.parse(undefined)).toEqual({ limit: 50 })
    expect(RequestsListInputSchema.safeParse({ limit: 501 }).success).toBe(false)
    expect(RequestsListInputSchema.safeParse({ id: 2 ** 32 }).success).toBe(false)
    expect(RequestsListInputSchema.safeParse({ status: ['bogus'] }).success).toBe(false)
  })

  it('a test-connection override keeps only the keys sent (no defaults filled in)', () => {
    expect(AiTestConnectionInputSchema.parse({ database: { port: 3307 } })).toEqual({ database: { port: 3307 } })
    expect(AiTestConnectionInputSchema.parse(undefined)).toEqual({})
    expect(AiTestConnectionInputSchema.safeParse({ database: { nope: 1 } }).success).toBe(false)
  })

  it('names every method and event the Requests page uses', () => {
    for (const m of ['requests.stats', 'requests.list', 'requests.get', 'requests.retry', 'requests.cancel', 'requests.resetStuck', 'requests.purge', 'requests.submitTest', 'ai.testConnection']) {
      expect(Object.keys(methods)).toContain(m)
    }
    expect(Object.keys(events)).toEqual(expect.arrayContaining(['requests.stats', 'requests.changed']))
  })
})
