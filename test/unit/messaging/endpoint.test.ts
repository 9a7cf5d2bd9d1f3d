/**
 * The typed message layer without a transport: two endpoints wired back to back (frames passed as
 * JSON strings, as a transport would), fake timers for ACK timeouts and retry delays, no sleeps.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import {
  AckTimeoutError,
  EndpointClosedError,
  MemoryDedupeStore,
  MemoryErrorStore,
  MessageEndpoint,
  SendError,
  type EndpointErrorEvent,
  type MessageEndpointOptions
} from '../../../src/main/messaging/endpoint'
import { createMessage, parseFrame, MessageSchema, CommandPayloadSchema, HeartbeatPayloadSchema } from '../../../src/main/messaging/envelope'

const ACK_TIMEOUT = 30_000
const RETRY_DELAY = 5_000

/** An endpoint whose sent frames are collected (as JSON strings) instead of going anywhere. */
function endpoint(opts: Partial<MessageEndpointOptions> = {}): { ep: MessageEndpoint; out: string[]; errors: EndpointErrorEvent[] } {
  const out: string[] = []
  const errors: EndpointErrorEvent[] = []
  const ep = new MessageEndpoint({
    group: 'main',
    send: (frame) => {
      out.push(JSON.stringify(frame))
    },
    ackTimeoutMs: ACK_TIMEOUT,
    maxRetries: 3,
    retryDelayMs: RETRY_DELAY,
    onError: (e) => errors.push(e),
    ...opts
  })
  return { ep, out, errors }
}

const frames = (out: string[]): unknown[] => out.map((s) => JSON.parse(s) as unknown)

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('envelope', () => {
  it('creates valid messages and parses frames from strings and objects', () => {
    const m = createMessage('command', 'main', { command: 'status', args: [] }, { requiresAck: true, now: 0 })
    expect(MessageSchema.safeParse(m).success).toBe(true)
    expect(m.timestamp).toBe('1970-01-01T00:00:00.000Z')
    expect(parseFrame(JSON.stringify(m))).toEqual({ kind: 'message', message: m })
    expect(parseFrame(m)).toEqual({ kind: 'message', message: m })
    expect(parseFrame({ ack: m.id })).toEqual({ kind: 'ack', id: m.id })
    expect(parseFrame(Buffer.from(JSON.stringify({ ack: m.id })))).toEqual({ kind: 'ack', id: m.id })
    expect(() => createMessage('command', '', {})).toThrow()
  })

  it('says why a frame is invalid and never throws', () => {
    const id = randomUUID()
    const cases: [unknown, RegExp][] = [
      ['{"id":', /not JSON/],
      ['', /empty/],
      [42, /not an object/],
      [null, /not an object \(null\)/],
      [[1], /array/],
      [{ ack: 'nope' }, /invalid ACK/],
      [{ id, type: 'command', group: 'main', timestamp: new Date().toISOString() }, /payload: missing/],
      [{ id: 'x', type: 'command', group: 'main', payload: {}, timestamp: new Date().toISOString() }, /id/],
      [{ id, type: '', group: 'main', payload: {}, timestamp: new Date().toISOString() }, /type/],
      [{ id, type: 'command', group: 'g'.repeat(129), payload: {}, timestamp: new Date().toISOString() }, /group/],
      [{ id, type: 'command', group: 'main', payload: {}, timestamp: 'yesterday' }, /timestamp/]
    ]
    for (const [raw, why] of cases) {
      const f = parseFrame(raw)
      expect(f.kind).toBe('invalid')
      if (f.kind === 'invalid') expect(f.reason).toMatch(why)
    }
    const bad = parseFrame({ id, type: 'command', group: 'main', payload: {}, timestamp: 'x' })
    expect(bad).toMatchObject({ kind: 'invalid', id, type: 'command' })
  })

  it('defaults command args and keeps unknown heartbeat fields', () => {
    expect(CommandPayloadSchema.parse({ command: 'status' })).toEqual({ command: 'status', args: [] })
    expect(HeartbeatPayloadSchema.parse({ processId: 'p', status: 'ok', seq: 1, extra: true })).toEqual({ processId: 'p', status: 'ok', seq: 1, extra: true })
  })
})

describe('MessageEndpoint', () => {
  it('delivers a message to its handler and ACKs it after the handler succeeded', async () => {
    const a = endpoint()
    const b = endpoint()
    const seen: string[] = []
    let finish: () => void = () => undefined
    b.ep.on('command', async (p) => {
      seen.push(p.command)
      await new Promise<void>((r) => (finish = r))
      return 'ok'
    })
    const sent = a.ep.send('command', { command: 'status', args: [] }, { requiresAck: true })
    await vi.advanceTimersByTimeAsync(0)
    expect(a.ep.pendingAcks()).toMatchObject([{ type: 'command', attempts: 1 }])
    const delivered = b.ep.deliver(a.out[0])
    await vi.advanceTimersByTimeAsync(0)
    expect(seen).toEqual(['status'])
    expect(b.out).toEqual([]) // no ACK while the handler runs
    finish()
    expect(await delivered).toMatchObject({ kind: 'handled', result: 'ok' })
    expect(frames(b.out)).toEqual([{ ack: JSON.parse(a.out[0] ?? '').id }])
    await a.ep.receive(b.out[0])
    await expect(sent).resolves.toMatchObject({ attempts: 1 })
    expect(a.ep.pendingAcks()).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('does not ACK a message that did not ask for one, and resolves a plain send once sent', async () => {
    const a = endpoint()
    const b = endpoint()
    let got = 0
    b.ep.on('heartbeat', () => void got++)
    await expect(a.ep.send('heartbeat', { processId: 'p1', status: 'ok' })).resolves.toMatchObject({ attempts: 1 })
    await b.ep.receive(a.out[0])
    expect(got).toBe(1)
    expect(b.out).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('resends after the ACK timeout with the retry delay between tries, and an ACK stops it', async () => {
    const a = endpoint()
    const sent = a.ep.send('command', { command: 'status', args: [] }, { requiresAck: true })
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT - 1)
    expect(a.out).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1) // timeout: now the retry delay
    expect(a.out).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(RETRY_DELAY - 1)
    expect(a.out).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(a.out).toHaveLength(2)
    expect(a.out[1]).toBe(a.out[0]) // the same message, same id
    expect(a.ep.pendingAcks()[0]?.attempts).toBe(2)
    const id = (JSON.parse(a.out[0] ?? '') as { id: string }).id
    await a.ep.receive(JSON.stringify({ ack: id }))
    await expect(sent).resolves.toEqual({ id, attempts: 2 })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('accepts a late ACK that arrives during the retry delay', async () => {
    const a = endpoint()
    const sent = a.ep.send('command', { command: 'x', args: [] }, { requiresAck: true })
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT + 10)
    const id = a.ep.pendingAcks()[0]?.id ?? ''
    await a.ep.receive({ ack: id })
    await expect(sent).resolves.toEqual({ id, attempts: 1 })
    await vi.advanceTimersByTimeAsync(RETRY_DELAY * 2)
    expect(a.out).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('gives up after maxRetries resends: AckTimeoutError, error store, onError', async () => {
    const a = endpoint()
    const sent = a.ep.send('command', { command: 'status', args: [] }, { requiresAck: true })
    const settled = sent.then(
      () => null,
      (e: unknown) => e
    )
    // 4 tries: 4 timeouts and 3 retry delays
    await vi.advanceTimersByTimeAsync(4 * ACK_TIMEOUT + 3 * RETRY_DELAY - 1)
    expect(a.out).toHaveLength(4)
    expect(a.ep.pendingAcks()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    const err = await settled
    expect(err).toBeInstanceOf(AckTimeoutError)
    expect((err as AckTimeoutError).attempts).toBe(4)
    expect(a.ep.pendingAcks()).toEqual([])
    expect(a.ep.errors()).toMatchObject([{ stage: 'ack-timeout', attempts: 4, type: 'command' }])
    expect(a.errors).toMatchObject([{ stage: 'ack-timeout' }])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('takes the three numbers as configuration', async () => {
    const a = endpoint({ ackTimeoutMs: 100, maxRetries: 0, retryDelayMs: 0 })
    const sent = a.ep.send('command', { command: 'status', args: [] }, { requiresAck: true }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(100)
    expect(await sent).toBeInstanceOf(AckTimeoutError)
    expect(a.out).toHaveLength(1)
  })

  it('retries a send the transport refused, and rejects with SendError when every try is refused', async () => {
    let calls = 0
    const a = new MessageEndpoint({
      group: 'main',
      send: () => {
        calls++
        if (calls === 1) throw new Error('channel closed')
        return false
      },
      ackTimeoutMs: 1_000,
      maxRetries: 2,
      retryDelayMs: 100
    })
    const sent = a.send('command', { command: 'status', args: [] }, { requiresAck: true }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(200)
    const err = await sent
    expect(err).toBeInstanceOf(SendError)
    expect(calls).toBe(3)
    expect(a.errors()[0]).toMatchObject({ stage: 'send', attempts: 3 })
    await expect(a.send('heartbeat', { processId: 'p', status: 'ok' })).rejects.toBeInstanceOf(SendError)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('handles a re-delivered id once and ACKs it again', async () => {
    const b = endpoint()
    let runs = 0
    b.ep.on('command', () => void runs++)
    const m = JSON.stringify(createMessage('command', 'main', { command: 'status', args: [] }, { requiresAck: true }))
    expect((await b.ep.deliver(m)).kind).toBe('handled')
    expect(await b.ep.deliver(m)).toMatchObject({ kind: 'duplicate', acked: true })
    expect(runs).toBe(1)
    expect(b.out).toHaveLength(2)
    expect(b.out[0]).toBe(b.out[1])
  })

  it('does not run a handler twice when the same id arrives while it runs', async () => {
    const b = endpoint()
    let runs = 0
    let finish: () => void = () => undefined
    b.ep.on('command', async () => {
      runs++
      await new Promise<void>((r) => (finish = r))
    })
    const m = createMessage('command', 'main', { command: 'status', args: [] }, { requiresAck: true })
    const first = b.ep.deliver(m)
    await vi.advanceTimersByTimeAsync(0)
    expect(await b.ep.deliver(m)).toMatchObject({ kind: 'duplicate', acked: false })
    finish()
    await first
    expect(runs).toBe(1)
    expect(b.out).toHaveLength(1)
  })

  it('uses the de-duplication store it is given (bounded LRU by default)', async () => {
    const dedupe = new MemoryDedupeStore(2)
    const b = endpoint({ dedupe })
    let runs = 0
    b.ep.on('command', () => void runs++)
    const ms = [0, 1, 2].map(() => createMessage('command', 'main', { command: 'c', args: [] }))
    for (const m of ms) await b.ep.receive(m)
    expect(dedupe.size).toBe(2)
    expect(dedupe.has(ms[0]?.id ?? '')).toBe(false)
    await b.ep.receive(ms[2])
    expect(runs).toBe(3)
  })

  it('puts invalid envelopes and payloads in the error store and never throws', async () => {
    const b = endpoint()
    let runs = 0
    b.ep.on('command', () => void runs++)
    await expect(b.ep.receive('{"half')).resolves.toBeUndefined()
    await b.ep.receive({ id: randomUUID(), type: 'command', group: 'main', payload: { command: 'x' }, timestamp: 'now' })
    const badPayload = createMessage('command', 'main', { command: '', args: 'no' }, { requiresAck: true })
    expect(await b.ep.deliver(badPayload)).toMatchObject({ kind: 'invalid' })
    expect(runs).toBe(0)
    expect(b.out).toEqual([]) // nothing ACKed
    const errs = b.ep.errors()
    expect(errs).toHaveLength(3)
    expect(errs.every((e) => e.stage === 'invalid')).toBe(true)
    expect(errs[0]).toMatchObject({ messageId: badPayload.id, error: expect.stringMatching(/invalid command payload/) })
    expect(errs[2]?.raw).toBe('{"half')
    expect(b.errors).toHaveLength(3)
  })

  it('rejects an unknown type, and takes a custom type registered with its own schema', async () => {
    const b = endpoint()
    const unknown = createMessage('telemetry', 'main', { x: 1 }, { requiresAck: true })
    expect(await b.ep.deliver(unknown)).toMatchObject({ kind: 'invalid', reason: 'unknown message type "telemetry"' })
    expect(b.ep.errors()[0]).toMatchObject({ stage: 'invalid', type: 'telemetry', messageId: unknown.id })
    const got: number[] = []
    const off = b.ep.on('telemetry', (p) => void got.push(p.x), z.object({ x: z.number() }))
    const m = createMessage('telemetry', 'main', { x: 2 })
    await b.ep.receive(m)
    await b.ep.receive(createMessage('telemetry', 'main', { x: 'no' }))
    expect(got).toEqual([2])
    off()
    expect(await b.ep.deliver(createMessage('telemetry', 'main', { x: 3 }))).toMatchObject({ kind: 'invalid' })
    // outgoing payloads are validated too
    b.ep.registerType('telemetry', z.object({ x: z.number() }))
    await expect(b.ep.send('telemetry', { x: 'no' })).rejects.toThrow(/invalid telemetry payload/)
    await expect(b.ep.send('command', { command: '' } as never)).rejects.toThrow(/invalid command payload/)
  })

  it('stores a throwing handler with its error and does not ACK, so a resend runs it again', async () => {
    const errors = new MemoryErrorStore(10)
    const b = endpoint({ errors })
    let runs = 0
    b.ep.on('command', () => {
      runs++
      if (runs === 1) throw new Error('db down')
      return 'fine'
    })
    const m = createMessage('command', 'main', { command: 'status', args: [] }, { requiresAck: true })
    expect(await b.ep.deliver(m)).toMatchObject({ kind: 'failed', error: 'db down' })
    expect(b.out).toEqual([])
    expect(errors.count()).toBe(1)
    expect(errors.list()[0]).toMatchObject({ stage: 'handler', error: 'db down', messageId: m.id, message: m })
    expect(errors.list()[0]?.stack).toMatch(/db down/)
    expect(b.errors).toMatchObject([{ stage: 'handler', error: 'db down', message: m }])
    expect(await b.ep.deliver(m)).toMatchObject({ kind: 'handled', result: 'fine' })
    expect(frames(b.out)).toEqual([{ ack: m.id }])
  })

  it('close rejects every pending send, clears every timer and is idempotent', async () => {
    const a = endpoint()
    const s1 = a.ep.send('command', { command: 'a', args: [] }, { requiresAck: true }).catch((e: unknown) => e)
    const s2 = a.ep.send('command', { command: 'b', args: [] }, { requiresAck: true }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT + 1) // s1/s2 in their retry delay
    expect(vi.getTimerCount()).toBe(2)
    a.ep.close('shutting down')
    a.ep.close('again')
    expect(vi.getTimerCount()).toBe(0)
    const [e1, e2] = await Promise.all([s1, s2])
    expect(e1).toBeInstanceOf(EndpointClosedError)
    expect((e2 as EndpointClosedError).reason).toBe('shutting down')
    expect(a.ep.pendingAcks()).toEqual([])
    await expect(a.ep.send('heartbeat', { processId: 'p', status: 'ok' })).rejects.toBeInstanceOf(EndpointClosedError)
    expect(await a.ep.deliver(createMessage('heartbeat', 'main', { processId: 'p', status: 'ok' }))).toEqual({ kind: 'closed' })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('close during a send that is still being written leaves no timer behind', async () => {
    let release: () => void = () => undefined
    const a = new MessageEndpoint({ group: 'main', send: () => new Promise<void>((r) => (release = r)) })
    const sent = a.send('command', { command: 'a', args: [] }, { requiresAck: true }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(0)
    a.close('stop')
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(await sent).toBeInstanceOf(EndpointClosedError)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('strictGroup refuses a message of another group; deliver() names the source in the error record', async () => {
    const b = endpoint({ strictGroup: true })
    b.ep.on('command', () => 'ok')
    const other = createMessage('command', 'elsewhere', { command: 'status', args: [] }, { requiresAck: true })
    const out = await b.ep.deliver(other, { source: 'x.json' })
    expect(out).toMatchObject({ kind: 'invalid', reason: 'group "elsewhere" is not this channel\'s ("main")', record: { source: 'x.json', messageId: other.id } })
    expect(b.out).toEqual([])
  })

  it('ACKs only after an asynchronous de-duplication store committed the id', async () => {
    let commit: () => void = () => undefined
    const ids = new Set<string>()
    const b = endpoint({ dedupe: { has: (id) => ids.has(id), add: (id) => new Promise<void>((r) => (commit = () => (ids.add(id), r()))) } })
    b.ep.on('command', () => 'ok')
    const m = createMessage('command', 'main', { command: 'status', args: [] }, { requiresAck: true })
    const delivered = b.ep.deliver(m)
    await vi.advanceTimersByTimeAsync(0)
    expect(b.out).toEqual([])
    commit()
    expect((await delivered).kind).toBe('handled')
    expect(frames(b.out)).toEqual([{ ack: m.id }])
  })
})
