/**
 * `warp-host send <command> [args…]`: the file channel's sending side, for cron jobs and scripts.
 * Writes a command (requiresAck) into `<data dir>/ipc/<group>/messages/`, resends it when no ACK
 * comes (the inbox's ACK timeout, retries and delay), then waits for the answer in responses/
 * (payload.requestId = the command's id), ACKs the answer when it asks for one, removes the files
 * it consumed and says what happened. Exit codes: 0 success, 1 the command failed (the answer
 * says why), 2 no ACK or no answer in time, 64 bad command line, 78 bad configuration.
 */
import { randomUUID } from 'node:crypto'
import fs, { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { InboxConfig } from '../../shared/config-schema'
import { ConfigError, loadConfig } from '../config/load'
import { AckTimeoutError, MessageEndpoint, SendError } from '../messaging/endpoint'
import type { ResponsePayload } from '../messaging/envelope'
import { currentUid, ensureGroupDirs, groupDir, isGroupName, isTempName, readMessageFile, removeFile, writeFileAtomic } from './files'

export const EXIT_FAILED = 1
export const EXIT_TIMEOUT = 2

export interface SendCommandOptions {
  /** <data dir>/ipc */
  root: string
  group: string
  command: string
  args: unknown[] | Record<string, unknown>
  /** The whole wait: ACK (with resends) and answer (ms). */
  timeoutMs: number
  settings: Pick<InboxConfig, 'ack_timeout_ms' | 'max_retries' | 'retry_delay_ms' | 'max_message_bytes'>
  /** How often the folders are looked at besides fs.watch (ms; default 200). */
  pollMs?: number
}

export type SendCommandResult =
  | { kind: 'answered'; id: string; attempts: number; response: ResponsePayload; elapsedMs: number }
  | { kind: 'timeout'; id: string; stage: 'ack' | 'response'; attempts: number; elapsedMs: number; message: string }

/** Sends one operator command and waits for its ACK and answer. */
export async function sendCommand(o: SendCommandOptions): Promise<SendCommandResult> {
  const t0 = performance.now()
  const uid = currentUid()
  await ensureGroupDirs(o.root, o.group, uid)
  const messages = groupDir(o.root, o.group, 'messages')
  const acks = groupDir(o.root, o.group, 'acks')
  const responses = groupDir(o.root, o.group, 'responses')
  const seenResponses = new Set<string>()
  let id = ''
  let answered: ((r: ResponsePayload) => void) | null = null
  const answer = new Promise<ResponsePayload>((resolve) => (answered = resolve))

  const endpoint = new MessageEndpoint({
    group: o.group,
    ackTimeoutMs: o.settings.ack_timeout_ms,
    maxRetries: o.settings.max_retries,
    retryDelayMs: o.settings.retry_delay_ms,
    send: async (frame) => {
      if ('ack' in frame && typeof frame.ack === 'string') await writeFileAtomic(messages, `ack-${frame.ack}.json`, JSON.stringify(frame))
      else if ('id' in frame && typeof frame.id === 'string') await writeFileAtomic(messages, `${frame.id}.json`, JSON.stringify(frame))
      else return false
    }
  })
  endpoint.on('response', (p) => {
    if (p.requestId === id) answered?.(p)
  })

  const look = async (): Promise<void> => {
    if (id === '') return
    const ackFile = path.join(acks, `${id}.ack`)
    const ack = await readMessageFile(ackFile, 4096, uid).catch(() => null)
    if (ack?.kind === 'ok') {
      await endpoint.receive(ack.text)
      await removeFile(ackFile)
    }
    for (const name of await fsp.readdir(responses).catch(() => [] as string[])) {
      if (seenResponses.has(name) || isTempName(name) || !name.endsWith('.json')) continue
      const file = path.join(responses, name)
      const r = await readMessageFile(file, o.settings.max_message_bytes, uid).catch(() => null)
      if (r?.kind !== 'ok') continue
      let requestId: unknown
      try {
        requestId = (JSON.parse(r.text) as { payload?: { requestId?: unknown } }).payload?.requestId
      } catch {
        continue // being written by someone not renaming; looked at again later
      }
      seenResponses.add(name)
      if (requestId !== id) continue // another sender's answer
      await endpoint.receive(r.text)
      await removeFile(file)
    }
  }

  let looking: Promise<void> | null = null
  let again = false
  const poke = (): void => {
    if (looking) {
      again = true
      return
    }
    looking = look()
      .catch(() => undefined)
      .finally(() => {
        looking = null
        if (again) {
          again = false
          poke()
        }
      })
  }
  const watchers: fs.FSWatcher[] = []
  for (const dir of [acks, responses]) {
    try {
      const w = fs.watch(dir, () => poke())
      w.on('error', () => w.close())
      watchers.push(w)
    } catch {
      // the poll below still looks
    }
  }
  const poll = setInterval(poke, o.pollMs ?? 200)
  let deadlineTimer: NodeJS.Timeout | null = null
  const deadline = new Promise<'deadline'>((resolve) => {
    deadlineTimer = setTimeout(() => resolve('deadline'), o.timeoutMs)
  })

  const elapsed = (): number => Math.round((performance.now() - t0) * 10) / 10
  try {
    id = randomUUID()
    const sending = endpoint.send('command', { command: o.command, args: Array.isArray(o.args) ? o.args : [o.args] }, { requiresAck: true, id })
    poke()
    let attempts = 1
    const acked = await Promise.race([sending.then((r) => r, (err: unknown) => err as Error), deadline])
    if (acked === 'deadline' || acked instanceof Error) {
      attempts = endpoint.pendingAcks()[0]?.attempts ?? (acked instanceof AckTimeoutError || acked instanceof SendError ? acked.attempts : 1)
      const why = acked instanceof SendError ? acked.message : `no ACK from WARP Host within ${Math.round(elapsed() / 100) / 10} s (${attempts} ${attempts === 1 ? 'try' : 'tries'}): is it running with the inbox enabled, on data folder ${path.dirname(o.root)}?`
      // Not handled: take the message back so it does not run later unexpectedly.
      await removeFile(path.join(messages, `${id}.json`))
      return { kind: 'timeout', id, stage: 'ack', attempts, elapsedMs: elapsed(), message: why }
    }
    attempts = acked.attempts
    const got = await Promise.race([answer, deadline])
    if (got === 'deadline') {
      return { kind: 'timeout', id, stage: 'response', attempts, elapsedMs: elapsed(), message: `WARP Host ACKed the command but did not answer within ${Math.round(o.timeoutMs / 100) / 10} s` }
    }
    // Let an ACK of the answer (inbox.ack_responses) reach the folder before we go.
    await new Promise<void>((r) => setImmediate(r))
    return { kind: 'answered', id, attempts, response: got, elapsedMs: elapsed() }
  } finally {
    clearInterval(poll)
    if (deadlineTimer) clearTimeout(deadlineTimer)
    watchers.forEach((w) => w.close())
    await looking
    endpoint.close('done')
  }
}

export interface SendCli {
  command: string
  args: unknown[] | Record<string, unknown>
  group: string
  json: boolean
  timeoutMs: number | null
  configArgv: string[]
}

export type SendParse = { kind: 'send'; send: SendCli } | { kind: 'usage-error'; message: string } | { kind: 'help'; text: string }

export function sendUsage(): string {
  return [
    'Usage: warp-host send <command> [args…] [--group NAME] [--json] [--timeout SECONDS] [--config PATH]',
    '',
    'Sends an operator command to the running WARP Host through its inbox folder',
    '(<data folder>/ipc/<group>/messages/), waits for the ACK and the answer and prints it.',
    '',
    'Commands: status, pause-hosting [reason], resume-hosting, list-sessions,',
    '          kick <sessionId> <peerId> [reason], reload-config,',
    '          enqueue-ai-request \'{"request_type":"dialogue","request_data":"…"}\'',
    'Args: one JSON array or object, or words (each read as JSON when it is, else as text).',
    '',
    '  --group NAME      the inbox group (default main)',
    '  --json            print the answer as JSON ({"requestId", "success", "result"})',
    '  --timeout S       give up after S seconds (default 60)',
    '  --config PATH     the configuration file (for the data folder and the inbox settings)',
    '',
    'Exit codes: 0 success, 1 the command failed, 2 no ACK or answer in time, 64 bad command line,',
    '78 bad configuration.'
  ].join('\n')
}

/** Parses the words after `send`. */
export function parseSendArgs(argv: string[]): SendParse {
  let group = 'main'
  let json = false
  let timeoutMs: number | null = null
  const configArgv: string[] = []
  const words: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = (): string | null => {
      const eq = a.indexOf('=')
      if (eq > 0) return a.slice(eq + 1)
      const v = argv[i + 1]
      if (v === undefined) return null
      i++
      return v
    }
    const flag = a.split('=')[0]
    if (a === '--help' || a === '-h') return { kind: 'help', text: sendUsage() }
    if (a === '--json') json = true
    else if (flag === '--group') {
      const v = value()
      if (v === null || !isGroupName(v)) return { kind: 'usage-error', message: `--group needs a folder name (letters, digits, . _ -), got ${JSON.stringify(v)}` }
      group = v
    } else if (flag === '--timeout') {
      const v = Number(value())
      if (!Number.isFinite(v) || v <= 0 || v > 3600) return { kind: 'usage-error', message: '--timeout needs seconds (0 < S ≤ 3600)' }
      timeoutMs = Math.round(v * 1000)
    } else if (flag === '--config') {
      const v = value()
      if (v === null || v === '') return { kind: 'usage-error', message: '--config needs a value: --config PATH' }
      configArgv.push('--config', v)
    } else if (a.startsWith('--')) return { kind: 'usage-error', message: `unknown option ${JSON.stringify(a)} for send` }
    else words.push(a)
  }
  const [command, ...rest] = words
  if (command === undefined) return { kind: 'usage-error', message: 'send needs a command, e.g. `warp-host send status`' }
  let args: unknown[] | Record<string, unknown>
  const asJson = (w: string): unknown => {
    try {
      return JSON.parse(w) as unknown
    } catch {
      return w
    }
  }
  if (rest.length === 1) {
    const v = asJson(rest[0]!)
    args = Array.isArray(v) ? v : v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : [v]
  } else args = rest.map(asJson)
  return { kind: 'send', send: { command, args, group, json, timeoutMs, configArgv } }
}

/** What `warp-host send` prints for a result, and its exit code. */
export function describeResult(r: SendCommandResult, cli: Pick<SendCli, 'command' | 'json'>): { stdout: string; stderr: string; code: number } {
  if (r.kind === 'timeout') {
    const out = cli.json ? JSON.stringify({ requestId: r.id, success: false, result: { error: r.message, code: 'timeout', stage: r.stage } }) : ''
    return { stdout: out, stderr: `warp-host send: ${cli.command}: ${r.message}`, code: EXIT_TIMEOUT }
  }
  const p = r.response
  if (cli.json) return { stdout: JSON.stringify({ requestId: p.requestId, success: p.success, result: p.result }), stderr: '', code: p.success ? 0 : EXIT_FAILED }
  if (p.success) return { stdout: JSON.stringify(p.result ?? null, null, 2), stderr: '', code: 0 }
  const res = (p.result ?? {}) as { error?: unknown; code?: unknown }
  const why = typeof res.error === 'string' ? res.error : JSON.stringify(p.result)
  return { stdout: '', stderr: `warp-host send: ${cli.command} failed: ${why}${typeof res.code === 'string' ? ` (${res.code})` : ''}`, code: EXIT_FAILED }
}

/** Runs `warp-host send` (after parseSendArgs): prints, returns the exit code. */
export async function runSendCli(cli: SendCli, io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }): Promise<number> {
  let config
  try {
    config = loadConfig({ argv: cli.configArgv, env: process.env }).config
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message)
      return 78
    }
    throw err
  }
  let result: SendCommandResult
  try {
    result = await sendCommand({
      root: path.join(config.data_dir, 'ipc'),
      group: cli.group,
      command: cli.command,
      args: cli.args,
      timeoutMs: cli.timeoutMs ?? 60_000,
      settings: config.inbox
    })
  } catch (err) {
    io.err(`warp-host send: ${err instanceof Error ? err.message : String(err)}`)
    return EXIT_FAILED
  }
  const d = describeResult(result, cli)
  if (d.stdout !== '') io.out(d.stdout)
  if (d.stderr !== '') io.err(d.stderr)
  return d.code
}
