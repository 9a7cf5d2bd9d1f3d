/**
 * The inbox against the BUILT headless app running as a process (out/main/headless.js), driven
 * the way an admin's script does: `warp-host send` through the package's bin, and raw files in
 * <data dir>/ipc/<group>/messages/. Every operator command end to end (status, pause-hosting,
 * resume-hosting, list-sessions, kick, reload-config, enqueue-ai-request, an unknown one, bad
 * args); ACK and answer files; de-duplication; partial files and invalid envelopes to errors/ and
 * the error store (inbox.status over the bridge); messages written while the app was stopped and
 * a sender resending after its ACK timeout until the app is back; answers that ask for an ACK
 * (resent, given up to the error store); `warp-host send` success, error and timeout; 10,000
 * messages with none lost or doubled. Waits are conditions, never fixed sleeps.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InboxStatus } from '../../src/shared/contract'
import { ENV_OVERRIDES } from '../../src/shared/config-schema'
import { groupDir, writeFileAtomic } from '../../src/main/inbox/files'
import { createMessage, type Message } from '../../src/main/messaging/envelope'
import { REPO_ROOT, bridgeCall, makeTempDir, startHeadlessHost, type HeadlessHost } from './helpers/headless-host'
import { until } from '../integration/inbox/harness'

const BIN = path.join(REPO_ROOT, 'bin/warp-host.mjs')

interface SendRun {
  code: number | null
  stdout: string
  stderr: string
}

/** `warp-host send …` through the bin, as a cron job runs it. */
function send(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<SendRun> {
  const clean: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(ENV_OVERRIDES)) delete clean[name]
  delete clean.WARP_HOST_CONFIG
  delete clean.AI_IPC_CONFIG
  for (const k of Object.keys(clean)) if (k.startsWith('npm_')) delete clean[k]
  const child = spawn(process.execPath, [BIN, 'send', ...args], { cwd: dataDir, env: { ...clean, WARP_HOST_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

const json = <T = { requestId: string; success: boolean; result: Record<string, unknown> }>(r: SendRun): T => JSON.parse(r.stdout) as T

async function inboxStatus(host: HeadlessHost): Promise<InboxStatus> {
  const r = await bridgeCall(host, 'inbox.status')
  if (!r.ok) throw new Error(r.error.message)
  return r.value as InboxStatus
}

const dirOf = (h: HeadlessHost, sub: 'messages' | 'acks' | 'responses' | 'errors', group = 'main'): string => groupDir(path.join(h.dataDir, 'ipc'), group, sub)
const names = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => !n.startsWith('.')) : [])

async function drop(h: HeadlessHost, frame: object, name?: string): Promise<void> {
  await writeFileAtomic(dirOf(h, 'messages'), name ?? `${String((frame as { id?: string }).id ?? randomUUID())}.json`, JSON.stringify(frame))
}

/** The answers in responses/ to `requestId`. */
function answersTo(h: HeadlessHost, requestId: string): Message<{ requestId: string; success: boolean; result: unknown }>[] {
  return names(dirOf(h, 'responses'))
    .map((n) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(dirOf(h, 'responses'), n), 'utf8')) as Message<{ requestId: string; success: boolean; result: unknown }>
      } catch {
        return null
      }
    })
    .filter((m): m is Message<{ requestId: string; success: boolean; result: unknown }> => m !== null && m.payload.requestId === requestId)
}

let host: HeadlessHost
const FAST = { INBOX_RESCAN_MS: '1000', INBOX_SETTLE_MS: '300' }

beforeAll(async () => {
  host = await startHeadlessHost({ env: FAST })
})
afterAll(async () => {
  await host?.stop()
})

describe('the inbox of a running headless process', () => {
  it('status: warp-host send prints the app status and exits 0; the folders are 0700', async () => {
    const r = await send(host.dataDir, ['status'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const status = JSON.parse(r.stdout) as { pid: number; services: { name: string; state: string }[] }
    expect(status.pid).toBe(host.child.pid)
    expect(status.services).toContainEqual(expect.objectContaining({ name: 'inbox', state: 'running' }))
    expect(fs.statSync(path.join(host.dataDir, 'ipc')).mode & 0o777).toBe(0o700)
    // the ACK and the answer were collected by the sender
    expect(names(dirOf(host, 'acks'))).toEqual([])
    expect(names(dirOf(host, 'responses'))).toEqual([])
  })

  it('pause-hosting, list-sessions, resume-hosting go through hosting.* and answer its snapshot', async () => {
    const paused = await send(host.dataDir, ['pause-hosting', 'maintenance', '--json'])
    expect(paused.code).toBe(0)
    expect(json(paused)).toMatchObject({ success: true, result: { paused: true, pausedReason: 'maintenance' } })
    const sessions = json(await send(host.dataDir, ['list-sessions', '--json']))
    expect(sessions).toMatchObject({ success: true, result: { paused: true, sessions: [] } })
    const resumed = await send(host.dataDir, ['resume-hosting', '--json'])
    expect(json(resumed)).toMatchObject({ success: true, result: { paused: false } })
  })

  it('kick of an unknown peer, an unknown command and bad args are answered with an error (exit 1)', async () => {
    const kick = await send(host.dataDir, ['kick', 'no-session', 'nobody', 'bye'])
    expect(kick.code).toBe(1)
    expect(kick.stderr).toMatch(/kick failed: No peer nobody in session no-session\. \(not_found\)/)
    const unknown = await send(host.dataDir, ['self-destruct', '--json'])
    expect(unknown.code).toBe(1)
    expect(json(unknown)).toMatchObject({ success: false, result: { code: 'unknown_command', error: expect.stringMatching(/unknown command "self-destruct"/) } })
    const bad = await send(host.dataDir, ['pause-hosting', '[1, 2, 3]', '--json'])
    expect(bad.code).toBe(1)
    expect(json(bad)).toMatchObject({ success: false, result: { code: 'bad_input', error: expect.stringMatching(/pause-hosting: invalid args/) } })
  })

  it('enqueue-ai-request puts a row in the AI queue and answers once it was processed', async () => {
    const r = await send(host.dataDir, ['enqueue-ai-request', JSON.stringify({ request_type: 'health_check', source_npc: 'Cron', source_map: 'prontera' }), '--json'])
    const answer = json<{ success: boolean; result: { id: number; status: string } }>(r)
    expect(['completed', 'failed', 'timeout']).toContain(answer.result.status)
    const got = await bridgeCall(host, 'requests.get', { id: answer.result.id })
    expect(got).toMatchObject({ ok: true, value: { request: { status: answer.result.status, sourceNpc: 'Cron', sourceMap: 'prontera' } } })
    const bad = await send(host.dataDir, ['enqueue-ai-request', '{"priority": 99}', '--json'])
    expect(json(bad)).toMatchObject({ success: false, result: { code: 'bad_input', error: expect.stringMatching(/request_type/) } })
  })

  it('reload-config applies what the file now says (also restarting the inbox itself), answers what changed and never writes the file', async () => {
    const file = path.join(host.dataDir, 'config.yaml')
    const text = '# the operator’s file\npolling:\n  batch_size: 7\ninbox:\n  retention_hours: 48\n'
    fs.writeFileSync(file, text)
    const r = await send(host.dataDir, ['reload-config', '--json'])
    expect(r.code).toBe(0)
    const answer = json<{ success: boolean; result: { changed: string[]; restarted: string[] } }>(r)
    expect(answer.result.changed.sort()).toEqual(['inbox.retention_hours', 'polling.batch_size'])
    expect(answer.result.restarted).toEqual(expect.arrayContaining(['ai-ipc', 'inbox']))
    const view = await bridgeCall(host, 'config.get')
    expect(view).toMatchObject({ ok: true, value: { config: { polling: { batch_size: 7 }, inbox: { retention_hours: 48 } } } })
    // the restarted inbox answers again
    expect((await send(host.dataDir, ['status'])).code).toBe(0)
    const again = json<{ result: { changed: string[] } }>(await send(host.dataDir, ['reload-config', '--json']))
    expect(again.result.changed).toEqual([])
    expect(fs.readFileSync(file, 'utf8')).toBe(text)
    // A key taken out of the file goes back to its default — in the app, not written into the file.
    const fewer = '# the operator’s file\ninbox:\n  retention_hours: 48\n'
    fs.writeFileSync(file, fewer)
    const back = json<{ success: boolean; result: { changed: string[] } }>(await send(host.dataDir, ['reload-config', '--json']))
    expect(back).toMatchObject({ success: true, result: { changed: ['polling.batch_size'] } })
    expect(await bridgeCall(host, 'config.get')).toMatchObject({ ok: true, value: { config: { polling: { batch_size: 100 } } } })
    expect(fs.readFileSync(file, 'utf8')).toBe(fewer)
    // A file that does not validate is refused with why; nothing applied, nothing written. (A raw
    // command: `warp-host send` reads the same file for its settings and would stop at it, exit 78.)
    fs.writeFileSync(file, 'polling:\n  batch_size: -3\n')
    try {
      const cmd = createMessage('command', 'main', { command: 'reload-config' }, { requiresAck: true })
      await drop(host, cmd)
      await until(() => answersTo(host, cmd.id).length === 1, 'the answer to the reload of a bad file')
      expect(answersTo(host, cmd.id)[0]!.payload).toMatchObject({ success: false, result: { code: 'bad_input', error: expect.stringMatching(/polling\.batch_size/) } })
      expect(await bridgeCall(host, 'config.get')).toMatchObject({ ok: true, value: { config: { polling: { batch_size: 100 }, inbox: { retention_hours: 48 } } } })
      expect(fs.readFileSync(file, 'utf8')).toBe('polling:\n  batch_size: -3\n')
      for (const n of names(dirOf(host, 'responses'))) fs.rmSync(path.join(dirOf(host, 'responses'), n))
      fs.rmSync(path.join(dirOf(host, 'acks'), `${cmd.id}.ack`), { force: true })
    } finally {
      fs.writeFileSync(file, fewer)
    }
  })

  it('raw files: an ACK file after the handler, the answer in responses/, a re-delivered id ACKed again and not run twice', async () => {
    const m = createMessage('command', 'main', { command: 'list-sessions' }, { requiresAck: true })
    await drop(host, m)
    const ack = path.join(dirOf(host, 'acks'), `${m.id}.ack`)
    await until(() => fs.existsSync(ack) && answersTo(host, m.id).length === 1, 'the ACK and the answer')
    expect(JSON.parse(fs.readFileSync(ack, 'utf8'))).toEqual({ ack: m.id })
    expect(answersTo(host, m.id)[0]).toMatchObject({ type: 'response', group: 'main', payload: { requestId: m.id, success: true } })
    const before = await inboxStatus(host)
    fs.unlinkSync(ack)
    await drop(host, m)
    await until(() => fs.existsSync(ack), 'the ACK of the re-delivery')
    await until(async () => (await inboxStatus(host)).duplicates === before.duplicates + 1, 'the duplicate counted')
    expect(answersTo(host, m.id)).toHaveLength(1)
    expect((await inboxStatus(host)).handled).toBe(before.handled)
  })

  it('partial files and invalid envelopes go to errors/ with why and show in inbox.status; nothing is ACKed', async () => {
    const before = (await inboxStatus(host)).errorCount
    fs.writeFileSync(path.join(dirOf(host, 'messages'), 'partial.json'), '{"id": "5b0c", "type": "comm')
    const bad = { id: randomUUID(), type: 'command', group: 'main', payload: { command: 'status' }, timestamp: 'not a time', requiresAck: true }
    await drop(host, bad)
    const badPayload = createMessage('command', 'main', { command: 'status', args: 'nope' }, { requiresAck: true })
    await drop(host, badPayload)
    await until(() => names(dirOf(host, 'errors')).length >= 3, 'three files in errors/')
    const status = await inboxStatus(host)
    expect(status.errorCount).toBe(before + 3)
    expect(status.errors.slice(0, 3).map((e) => e.error)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^not JSON/), expect.stringMatching(/^invalid envelope: timestamp/), expect.stringMatching(/^invalid command payload: args/)])
    )
    expect(fs.existsSync(path.join(dirOf(host, 'acks'), `${bad.id}.ack`))).toBe(false)
    // A command with a valid envelope but a bad payload is answered with why.
    await until(() => answersTo(host, badPayload.id).length === 1, 'the error answer')
    expect(answersTo(host, badPayload.id)[0]!.payload).toMatchObject({ success: false, result: { code: 'bad_input', error: expect.stringMatching(/args/) } })
  })

  it('handles 10,000 messages with none lost or doubled', async () => {
    const before = await inboxStatus(host)
    const ms = Array.from({ length: 10_000 }, () => createMessage('heartbeat', 'main', { processId: 'bulk', status: 'ok' }, { requiresAck: true }))
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ms.length) {
          const m = ms[next++]!
          await writeFileAtomic(dirOf(host, 'messages'), `${m.id}.json`, JSON.stringify(m))
        }
      })
    )
    // 500 of them again, as a sender that retried would
    for (const m of ms.slice(0, 500)) await writeFileAtomic(dirOf(host, 'messages'), `again-${m.id}.json`, JSON.stringify(m))
    await until(async () => (await inboxStatus(host)).handled - before.handled === 10_000 && names(dirOf(host, 'messages')).length === 0, 'all 10,000 handled', 120_000, 500)
    await until(async () => (await inboxStatus(host)).duplicates - before.duplicates === 500, 'the 500 re-deliveries seen as duplicates', 30_000, 200)
    const acks = new Set(names(dirOf(host, 'acks')))
    expect(ms.filter((m) => !acks.has(`${m.id}.ack`))).toEqual([])
    const after = await inboxStatus(host)
    expect(after.handled - before.handled).toBe(10_000)
    expect(after.errorCount).toBe(before.errorCount)
    for (const n of acks) fs.unlinkSync(path.join(dirOf(host, 'acks'), n))
  }, 180_000)
})

describe('the inbox across a stop, with answers that ask for an ACK', () => {
  it('handles messages written while stopped, and warp-host send resends until the app is back; answers are resent until ACKed', async () => {
    const dataDir = host.dataDir
    const stopped = await host.stop()
    expect(stopped.code).toBe(0)
    // Written while nothing runs: a raw command, and `warp-host send` resending every 300 ms.
    const early = createMessage('command', 'main', { command: 'status' }, { requiresAck: true })
    await drop(host, early)
    const fastSender = { INBOX_ACK_TIMEOUT_MS: '300', INBOX_RETRY_DELAY_MS: '0', INBOX_MAX_RETRIES: '100' }
    const sending = send(dataDir, ['status', '--json', '--timeout', '60'], fastSender)
    await until(() => names(dirOf(host, 'messages')).length === 2, 'the sender wrote its command')
    const sentId = names(dirOf(host, 'messages')).find((n) => n !== `${early.id}.json`)!.replace(/\.json$/, '')

    // (the helper makes a fresh folder; WARP_HOST_DATA_DIR points the process at ours)
    const restarted = await startHeadlessHost({ env: { ...FAST, WARP_HOST_DATA_DIR: dataDir, INBOX_ACK_RESPONSES: 'true', INBOX_ACK_TIMEOUT_MS: '300', INBOX_RETRY_DELAY_MS: '100', INBOX_MAX_RETRIES: '2' } })
    fs.rmSync(restarted.dataDir, { recursive: true, force: true })
    host = { ...restarted, dataDir }
    const r = await sending
    expect(r.code, r.stderr).toBe(0)
    expect(json(r)).toMatchObject({ requestId: sentId, success: true, result: { pid: host.child.pid } })
    await until(() => fs.existsSync(path.join(dirOf(host, 'acks'), `${early.id}.ack`)) && answersTo(host, early.id).length === 1, 'the early message handled on start').catch((err: unknown) => {
      throw new Error(`${String(err)}; acks ${names(dirOf(host, 'acks')).join(',')}; responses ${names(dirOf(host, 'responses')).join(',')}; messages ${names(dirOf(host, 'messages')).join(',')}; errors ${names(dirOf(host, 'errors')).join(',')}\n${host.output().slice(-3000)}`)
    })

    // warp-host send ACKed its answer; the raw sender did not: its answer is resent, then given up.
    await until(async () => {
      const s = await inboxStatus(host)
      return s.pendingAcks.length === 0 && s.errors.some((e) => e.stage === 'ack-timeout' && e.type === 'response')
    }, 'the unACKed answer given up to the error store')
    const status = await inboxStatus(host)
    expect(status.errors.filter((e) => e.stage === 'ack-timeout')).toHaveLength(1)
    expect(status).toMatchObject({ ackTimeoutMs: 300, maxRetries: 2, retryDelayMs: 100 })
  }, 120_000)

  it('warp-host send gives up with exit 2 when no WARP Host answers', async () => {
    const empty = makeTempDir('inbox-nobody')
    const r = await send(empty, ['status', '--timeout', '1'], { INBOX_ACK_TIMEOUT_MS: '200', INBOX_RETRY_DELAY_MS: '0', INBOX_MAX_RETRIES: '100' })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/status: no ACK from WARP Host within 1(\.\d)? s \(\d+ tries\): is it running with the inbox enabled/)
    // it took its message back
    expect(names(groupDir(path.join(empty, 'ipc'), 'main', 'messages'))).toEqual([])
    const usage = await send(empty, [])
    expect(usage.code).toBe(64)
    expect(usage.stderr).toMatch(/send needs a command/)
    fs.rmSync(empty, { recursive: true, force: true })
  })
})
