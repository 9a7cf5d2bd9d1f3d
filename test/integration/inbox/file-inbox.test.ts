/**
 * The inbox's file channel on real folders and the real app database (no process): ACK files
 * after the handler, de-duplication across a restart (the database, not the ACK files), partial
 * files waiting out the settle time, invalid envelopes / unknown types / throwing handlers to
 * errors/ with why, an ACK that cannot be written kept as an error, files of another user
 * refused, new group folders, messages written while
 * stopped, answers resent until ACKed (and given up to the error store), and 10,000 messages with
 * none lost or doubled. Waits are conditions, never fixed sleeps.
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { groupDir, writeFileAtomic } from '../../../src/main/inbox/files'
import { AckTimeoutError, type MessageEndpoint } from '../../../src/main/messaging/endpoint'
import { createMessage, type Message } from '../../../src/main/messaging/envelope'
import { command, dropFrame, list, readJson, startHarness, until, type Harness } from './harness'

const harnesses: Harness[] = []
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close()
})

/** A harness whose groups count every command they handle (by id). */
async function counting(settings: Parameters<typeof startHarness>[0] = {}): Promise<{ h: Harness; seen: Map<string, number> }> {
  const seen = new Map<string, number>()
  const h = await startHarness({
    ...settings,
    setup: (_g, ep) => {
      ep.on('command', (p, m) => {
        seen.set(m.id, (seen.get(m.id) ?? 0) + 1)
        if (p.command === 'throw') throw new Error('handler exploded')
        return 'ok'
      })
    }
  })
  harnesses.push(h)
  return { h, seen }
}

const ackFile = (h: Harness, group: string, id: string): string => path.join(groupDir(h.root, group, 'acks'), `${id}.ack`)

describe('file inbox', () => {
  it('creates the folders 0700, handles a message, ACKs it after the handler and removes it', async () => {
    const { h, seen } = await counting()
    expect(fs.statSync(h.root).mode & 0o777).toBe(0o700)
    expect(fs.statSync(groupDir(h.root, 'main', 'messages')).mode & 0o777).toBe(0o700)
    const m = command('main', 'status')
    await dropFrame(h.root, 'main', m)
    await until(() => fs.existsSync(ackFile(h, 'main', m.id)), 'the ACK file')
    expect(readJson(ackFile(h, 'main', m.id))).toEqual({ ack: m.id })
    expect(seen.get(m.id)).toBe(1)
    await until(() => list(h.root, 'main', 'messages').length === 0, 'the message file removed')
    expect(h.inbox.figures()).toMatchObject([{ group: 'main', handled: 1, failed: 0 }])
  })

  it('does not run a handler twice for a re-delivered id, also after a restart (remembered in the database), and ACKs it again', async () => {
    const { h, seen } = await counting()
    const m = command('main', 'status')
    await dropFrame(h.root, 'main', m)
    await until(() => fs.existsSync(ackFile(h, 'main', m.id)), 'the first ACK')
    fs.unlinkSync(ackFile(h, 'main', m.id)) // senders delete ACK files: they are no memory
    await h.inbox.close()
    await h.restart()
    await dropFrame(h.root, 'main', m)
    await until(() => fs.existsSync(ackFile(h, 'main', m.id)), 'the ACK of the re-delivery')
    await until(() => list(h.root, 'main', 'messages').length === 0, 'the duplicate removed')
    expect(seen.get(m.id)).toBe(1)
    expect(h.inbox.duplicates).toBe(1)
  })

  it('keeps an ACK that cannot be written in the error store (stage send), handles the message once and still removes its file', async () => {
    const { h, seen } = await counting()
    const acks = groupDir(h.root, 'main', 'acks')
    fs.rmSync(acks, { recursive: true })
    fs.writeFileSync(acks, 'not a folder')
    const m = command('main', 'status')
    await dropFrame(h.root, 'main', m)
    await until(() => h.db.listErrors(10, 'main').some((e) => e.stage === 'send' && e.messageId === m.id), 'the failed ACK in the error store')
    expect(h.db.listErrors(10, 'main').find((e) => e.messageId === m.id)!.error).toMatch(/^could not send the ACK: ENOTDIR/)
    await until(() => list(h.root, 'main', 'messages').length === 0, 'the message file removed')
    expect(seen.get(m.id)).toBe(1)
    fs.rmSync(acks)
    fs.mkdirSync(acks, { mode: 0o700 })
  })

  it('handles messages written while it was stopped when it starts', async () => {
    const { h, seen } = await counting()
    await h.inbox.close()
    const ms = Array.from({ length: 20 }, () => command('main', 'status'))
    for (const m of ms) await dropFrame(h.root, 'main', m)
    await h.restart()
    await until(() => ms.every((m) => fs.existsSync(ackFile(h, 'main', m.id))), 'every ACK')
    expect(ms.map((m) => seen.get(m.id))).toEqual(ms.map(() => 1))
  })

  it('gives a partial file the settle time, handles it once complete, and moves one that stays partial to errors/ with why', async () => {
    const { h, seen } = await counting({ settings: { settle_ms: 400 } })
    const m = command('main', 'status')
    const text = JSON.stringify(m)
    const dir = groupDir(h.root, 'main', 'messages')
    // A writer that does not rename: half a file first.
    fs.writeFileSync(path.join(dir, `${m.id}.json`), text.slice(0, 20))
    await until(async () => {
      await h.inbox.idle()
      return true
    }, 'the first look')
    expect(list(h.root, 'main', 'errors')).toEqual([])
    fs.writeFileSync(path.join(dir, `${m.id}.json`), text)
    await until(() => fs.existsSync(ackFile(h, 'main', m.id)), 'the completed file handled')
    expect(seen.get(m.id)).toBe(1)
    expect(list(h.root, 'main', 'errors')).toEqual([])

    fs.writeFileSync(path.join(dir, 'half.json'), '{"id": "abc", "type": "comm')
    await until(() => list(h.root, 'main', 'errors').length === 1, 'the partial file in errors/')
    const [errName] = list(h.root, 'main', 'errors')
    expect(errName).toMatch(/^\d{4}-\d\d-\d\dT.*Z-half\.json$/) // no id to name it by: not JSON
    const err = readJson<{ error: string; stage: string; raw: string; file: string }>(path.join(groupDir(h.root, 'main', 'errors'), errName!))
    expect(err).toMatchObject({ stage: 'invalid', file: 'half.json', raw: '{"id": "abc", "type": "comm' })
    expect(err.error).toMatch(/not JSON/)
    expect(list(h.root, 'main', 'messages')).toEqual([])
    expect(h.db.listErrors(5, 'main')[0]).toMatchObject({ stage: 'invalid', file: `errors/${errName}` })
  })

  it('moves invalid envelopes, invalid payloads, unknown types and throwing handlers to errors/ with why, without ACK', async () => {
    const { h, seen } = await counting()
    const badEnvelope = { id: randomUUID(), type: 'command', group: 'main', payload: { command: 'x' }, timestamp: 'yesterday', requiresAck: true }
    const otherGroup = command('elsewhere', 'status')
    const badPayload = createMessage('command', 'main', { command: '' }, { requiresAck: true })
    const unknownType = createMessage('telemetry', 'main', { x: 1 }, { requiresAck: true })
    const throws = command('main', 'throw')
    for (const f of [badEnvelope, otherGroup, badPayload, unknownType, throws]) await dropFrame(h.root, 'main', f)
    await dropFrame(h.root, 'main', [1, 2, 3], 'array.json')
    await until(() => list(h.root, 'main', 'errors').length === 6, 'six files in errors/')
    expect(list(h.root, 'main', 'messages')).toEqual([])
    expect(list(h.root, 'main', 'acks')).toEqual([])
    const errors = list(h.root, 'main', 'errors').map((n) => readJson<{ error: string; stage: string; stack?: string }>(path.join(groupDir(h.root, 'main', 'errors'), n)))
    const whys = errors.map((e) => e.error)
    for (const why of [
      /^invalid envelope: timestamp/,
      /^group "elsewhere" is not this channel's \("main"\)/,
      /^invalid command payload: command/,
      /^unknown message type "telemetry"$/,
      /^handler exploded$/,
      /^not an object \(array\)$/
    ]) {
      expect(whys.filter((w) => why.test(w)), String(why)).toHaveLength(1)
    }
    expect(errors.find((e) => e.error === 'handler exploded')).toMatchObject({ stage: 'handler', stack: expect.stringMatching(/handler exploded/) })
    expect(seen.get(throws.id)).toBe(1)
    expect(seen.size).toBe(1)
    expect(h.db.countErrors('main')).toBe(6)
    expect(h.inbox.figures()[0]).toMatchObject({ handled: 0, failed: 6 })
  })

  it.skipIf(process.getuid?.() !== 0)('refuses, unread, a message file owned by another user and logs it (needs root to chown)', async () => {
    const { h, seen } = await counting()
    const m = command('main', 'status')
    const dir = groupDir(h.root, 'main', 'messages')
    const tmp = path.join(dir, '.x.tmp')
    fs.writeFileSync(tmp, JSON.stringify(m))
    fs.chownSync(tmp, 65534, 65534)
    fs.renameSync(tmp, path.join(dir, `${m.id}.json`))
    await until(() => list(h.root, 'main', 'errors').length === 1, 'the file moved to errors/')
    expect(seen.size).toBe(0)
    expect(list(h.root, 'main', 'acks')).toEqual([])
    expect(h.db.listErrors(1, 'main')[0]).toMatchObject({ stage: 'refused', error: expect.stringMatching(/owned by user 65534/) })
  })

  it('picks up a group folder created while it runs', async () => {
    const { h, seen } = await counting({ settings: { rescan_ms: 500 } })
    const m = command('scripts', 'status')
    fs.mkdirSync(groupDir(h.root, 'scripts', 'messages'), { recursive: true })
    await dropFrame(h.root, 'scripts', m)
    await until(() => fs.existsSync(ackFile(h, 'scripts', m.id)), 'the new group handled')
    expect(seen.get(m.id)).toBe(1)
    expect(fs.statSync(groupDir(h.root, 'scripts', 'acks')).mode & 0o777).toBe(0o700)
  })

  it('finds messages the watcher missed at the next rescan', async () => {
    // A FileInbox whose messages/ watcher is gone (as after a watch error): only the rescan sees files.
    const { h, seen } = await counting({ settings: { rescan_ms: 300 } })
    await h.inbox.close()
    await h.restart()
    const internals = h.inbox as unknown as { groups: Map<string, { watcher: fs.FSWatcher | null }> }
    const g = internals.groups.get('main')!
    g.watcher?.close()
    g.watcher = null
    const m = command('main', 'status')
    await dropFrame(h.root, 'main', m)
    await until(() => fs.existsSync(ackFile(h, 'main', m.id)), 'the rescan found it')
    expect(seen.get(m.id)).toBe(1)
  })

  it('resends an answer that asks for an ACK until the sender ACKs it, and gives one up to the error store', async () => {
    const h = await startHarness({ settings: { ack_timeout_ms: 150, max_retries: 2, retry_delay_ms: 50 } })
    harnesses.push(h)
    const ep = h.inbox.endpoints()[0] as MessageEndpoint
    const rewrites: number[] = []
    const respDir = groupDir(h.root, 'main', 'responses')
    const watcher = fs.watch(respDir, (_e, n) => {
      if (typeof n === 'string' && !n.startsWith('.')) rewrites.push(Date.now())
    })
    try {
      const requestId = randomUUID()
      const sent = ep.send('response', { requestId, success: true, result: 1 }, { requiresAck: true })
      await until(() => ep.pendingAcks()[0]?.attempts === 2, 'the answer resent after the ACK timeout')
      const id = ep.pendingAcks()[0]!.id
      expect(readJson<Message>(path.join(respDir, `${id}.json`)).payload).toMatchObject({ requestId })
      await dropFrame(h.root, 'main', { ack: id }, `ack-${id}.json`)
      await expect(sent).resolves.toEqual({ id, attempts: 2 })
      expect(ep.pendingAcks()).toEqual([])
      await until(() => list(h.root, 'main', 'messages').length === 0, 'the ACK frame consumed')

      const lost = ep.send('response', { requestId, success: false }, { requiresAck: true }).catch((e: unknown) => e)
      expect(await lost).toBeInstanceOf(AckTimeoutError)
      expect(h.db.listErrors(1, 'main')[0]).toMatchObject({ stage: 'ack-timeout', type: 'response', file: null })
    } finally {
      watcher.close()
    }
  })

  it('handles 10,000 messages (and 1,000 re-deliveries) with none lost or doubled', async () => {
    const { h, seen } = await counting({ settings: { concurrency: 16 } })
    const ms = Array.from({ length: 10_000 }, () => createMessage('command', 'main', { command: 'status', args: [] }, { requiresAck: true }))
    const dir = groupDir(h.root, 'main', 'messages')
    // One writer, 8 files in flight; 1,000 ids written twice (a sender that retried).
    const frames = [...ms, ...ms.slice(0, 1000)]
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < frames.length) {
          const m = frames[next++]!
          await writeFileAtomic(dir, next > ms.length ? `again-${m.id}.json` : `${m.id}.json`, JSON.stringify(m))
        }
      })
    )
    await until(() => list(h.root, 'main', 'acks').length === 10_000 && list(h.root, 'main', 'messages').length === 0, '10,000 ACK files and an empty messages/', 120_000, 500)
    await h.inbox.idle()
    expect(seen.size).toBe(10_000)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    expect(h.inbox.figures()[0]).toMatchObject({ handled: 10_000, failed: 0 })
    expect(h.inbox.duplicates).toBe(1000)
    expect(list(h.root, 'main', 'errors')).toEqual([])
  }, 180_000)

  it('keeps a custom type with its own schema', async () => {
    const got: number[] = []
    const h = await startHarness({ setup: (_g, ep) => void ep.on('telemetry', (p) => void got.push(p.x), z.object({ x: z.number() })) })
    harnesses.push(h)
    await dropFrame(h.root, 'main', createMessage('telemetry', 'main', { x: 7 }))
    await until(() => got.length === 1, 'the custom type handled')
    expect(got).toEqual([7])
  })
})
