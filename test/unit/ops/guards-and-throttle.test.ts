// Items 5, 9, 10: a closed console never throws or loops, the uncaught-exception handler acts
// once, the ready line's service states, and the failed-token throttle.
import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { isRetryableAtStart } from '../../../src/main/ai-ipc/service'
import { AuthThrottle } from '../../../src/main/bridge/auth-throttle'
import { describeService } from '../../../src/main/headless'
import { consoleWriter, LogSink, type Logger } from '../../../src/main/logging/logger'
import { installProcessGuards } from '../../../src/main/process-guards'

/** A stream whose reader went away: every write fails with EPIPE, reported as an 'error' event. */
function brokenPipe(): { stream: Writable; writes: () => number } {
  let writes = 0
  const stream = new Writable({
    write(_chunk, _enc, cb) {
      writes++
      const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })
      cb(err)
    }
  })
  return { stream, writes: () => writes }
}

describe('closed console', () => {
  it('an EPIPE is swallowed once and later lines are dropped (no uncaught error event)', async () => {
    const { stream, writes } = brokenPipe()
    const write = consoleWriter(stream)
    write('first')
    await new Promise((r) => setImmediate(r))
    for (let i = 0; i < 100; i++) write(`line ${i}`)
    await new Promise((r) => setImmediate(r))
    expect(writes()).toBe(1)
  })

  it('the sink keeps its ring buffer going after the console closed', async () => {
    const { stream } = brokenPipe()
    const sink = new LogSink({ level: 'info', format: 'text', dir: null, write: consoleWriter(stream) })
    const log = sink.logger('t')
    log.info('one')
    await new Promise((r) => setImmediate(r))
    log.info('two')
    expect(sink.tail().map((e) => e.msg)).toEqual(['one', 'two'])
  })

  it('print() reaches the console only; log(…, {console:false}) everything but the console', () => {
    const lines: string[] = []
    const sink = new LogSink({ level: 'info', format: 'text', dir: null, write: (l) => lines.push(l) })
    sink.print('info', 'headless', 'secret url')
    sink.log('info', 'headless', 'public line', undefined, { console: false })
    expect(lines).toEqual([expect.stringContaining('secret url')])
    expect(sink.tail().map((e) => e.msg)).toEqual(['public line'])
  })
})

describe('uncaught exception guard', () => {
  it('shuts down once however many exceptions follow, and never logs in a loop', async () => {
    const target = new EventEmitter()
    const logged: string[] = []
    // A logger that itself throws (as a closed stdout used to): must not re-enter.
    const log: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (msg) => {
        logged.push(msg)
        throw new Error('write EPIPE')
      },
      scope: () => log
    }
    let shutdowns = 0
    const exits: number[] = []
    let finish!: () => void
    const guards = installProcessGuards({
      log: () => log,
      shutdown: () => {
        shutdowns++
        return new Promise<void>((r) => (finish = r))
      },
      exit: (code) => exits.push(code),
      target: target as unknown as Pick<NodeJS.Process, 'on'>
    })
    for (let i = 0; i < 1000; i++) target.emit('uncaughtException', new Error(`boom ${i}`))
    expect(shutdowns).toBe(1)
    expect(logged).toHaveLength(2) // the first, plus one "another uncaught exception" line
    expect(guards.repeated).toBe(999)
    finish()
    await new Promise((r) => setImmediate(r))
    expect(exits).toEqual([1])
  })
})

describe('ready line', () => {
  it("names each service's state, and the error with the retry for a failing one", () => {
    expect(describeService({ name: 'store', label: 'Store', state: 'running', since: '' })).toBe('store: running')
    const now = Date.parse('2026-12-01T10:00:00Z')
    expect(
      describeService(
        { name: 'ai-ipc', label: 'AI', state: 'reconnecting', since: '', error: "Unknown database 'x'", attempt: 1, nextRetryAt: '2026-12-01T10:00:02Z' },
        now
      )
    ).toBe("ai-ipc: reconnecting — Unknown database 'x'; retrying in 2 s (attempt 1)")
    expect(describeService({ name: 'ai-ipc', label: 'AI', state: 'error', since: '', error: "Access denied for user 'x'" })).toBe(
      "ai-ipc: error — Access denied for user 'x'"
    )
  })
})

describe('start retries (item 9)', () => {
  it('an unknown database is retried like a refused connection; bad credentials are not', () => {
    const err = (code: string, message: string): Error => Object.assign(new Error(message), { code, fatal: true })
    expect(isRetryableAtStart(err('ER_BAD_DB_ERROR', "Unknown database 'x'"))).toBe(true)
    expect(isRetryableAtStart(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:3306'))).toBe(true)
    expect(isRetryableAtStart(err('ER_ACCESS_DENIED_ERROR', "Access denied for user 'x'"))).toBe(false)
    expect(isRetryableAtStart(err('ER_DBACCESS_DENIED_ERROR', 'denied'))).toBe(false)
  })
})

describe('AuthThrottle', () => {
  it('logs at most once per 10 s per client, with the count it stands for', () => {
    let now = 0
    const t = new AuthThrottle({ maxFailures: 1000, now: () => now })
    expect(t.failure('a').logCount).toBe(1)
    for (let i = 0; i < 5; i++) expect(t.failure('a').logCount).toBe(0)
    expect(t.failure('b').logCount).toBe(1) // another client has its own budget
    now = 10_000
    expect(t.failure('a').logCount).toBe(6)
  })

  it('refuses a client after maxFailures within the window, for blockMs; a success clears it', () => {
    let now = 0
    const t = new AuthThrottle({ maxFailures: 3, windowMs: 60_000, blockMs: 30_000, now: () => now })
    expect(t.failure('a').blockedNow).toBe(false)
    expect(t.failure('a').blockedNow).toBe(false)
    expect(t.failure('a').blockedNow).toBe(true)
    expect(t.retryAfterSeconds('a')).toBe(30)
    expect(t.retryAfterSeconds('b')).toBe(0)
    now = 29_500
    expect(t.retryAfterSeconds('a')).toBe(1)
    now = 30_000
    expect(t.retryAfterSeconds('a')).toBe(0)
    t.failure('a')
    t.success('a')
    t.failure('a')
    expect(t.failure('a').blockedNow).toBe(false) // counting restarted after the success
  })

  it('failures outside the window do not add up', () => {
    let now = 0
    const t = new AuthThrottle({ maxFailures: 3, windowMs: 1000, now: () => now })
    t.failure('a')
    t.failure('a')
    now = 2000
    expect(t.failure('a').blockedNow).toBe(false)
  })

  it('remembers a bounded number of clients', () => {
    const t = new AuthThrottle({ maxClients: 100, maxFailures: 2 })
    for (let i = 0; i < 1000; i++) t.failure(`10.0.${i >> 8}.${i & 255}`)
    expect((t as unknown as { clients: Map<string, unknown> }).clients.size).toBeLessThanOrEqual(100)
  })
})
