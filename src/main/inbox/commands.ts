/**
 * The operator commands of the inbox (`{"type":"command","payload":{"command":"status","args":[]}}`)
 * and their answers. Every command goes through the contract (`call`, the runtime's dispatcher:
 * input validated, errors typed): status → app.status, pause-hosting / resume-hosting →
 * hosting.pause / hosting.resume, list-sessions → hosting.sessions, kick → hosting.kick,
 * reload-config → config.reload (what the file now says, nothing written), enqueue-ai-request →
 * requests.submitTest (a row in the AI queue) answered once requests.get says it was processed.
 *
 * A command's arguments are validated here; a bad one, an unknown command or a failed call is an
 * answer with `success: false` and why — never a throw (a throw would mean "not handled": no ACK).
 */
import { z } from 'zod'
import type { CallResult, ConfigUpdateResult } from '../../shared/contract'
import { describeIssues } from '../messaging/envelope'

export type Call = (method: string, input: unknown, client: string) => Promise<CallResult>

/** An answer's payload minus requestId. */
export type CommandAnswer = { success: true; result: unknown } | { success: false; result: { error: string; code: string; issues?: { path: string; message: string }[] } }

/**
 * What a command did when its handler returned: `answer` now, or `later` (the message is ACKed
 * first; the answer follows when the work is done — an AI request processed, a config reload that
 * may restart the inbox itself).
 */
export type CommandRun = { answer: CommandAnswer } | { later: (signal: AbortSignal) => Promise<CommandAnswer> }

export const OPERATOR_COMMANDS = ['status', 'pause-hosting', 'resume-hosting', 'list-sessions', 'kick', 'reload-config', 'enqueue-ai-request'] as const
export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number]

/** The inbox's command payload: the seed's, and an object instead of a one-element args array. */
export const InboxCommandPayloadSchema = z.object({
  command: z.string().min(1).max(64),
  args: z.union([z.array(z.unknown()).max(16), z.record(z.string(), z.unknown()).transform((o) => [o])]).default([])
})
export type InboxCommandPayload = z.output<typeof InboxCommandPayloadSchema>

const reasonText = z.string().trim().max(500)
const PauseArgs = z.union([z.tuple([]), z.tuple([reasonText]), z.tuple([z.object({ reason: reasonText.optional() }).strict()])])
const NoArgs = z.union([z.tuple([]), z.tuple([z.object({}).strict()])])
const id = z.string().trim().min(1).max(256)
const KickObject = z.object({ sessionId: id, peerId: id, reason: reasonText.optional() }).strict()
const KickArgs = z.union([z.tuple([KickObject]), z.tuple([id, id]), z.tuple([id, id, reasonText])])

export const EnqueueAiRequestSchema = z
  .object({
    request_type: z.string().trim().min(1).max(50),
    endpoint: z.string().max(255).optional(),
    /** As the NPC script sends it: a string (JSON or not); anything else is sent as JSON. */
    request_data: z.unknown().optional(),
    priority: z.number().int().min(1).max(10).optional(),
    source_npc: z.string().trim().min(1).max(100).optional(),
    source_map: z.string().trim().min(1).max(50).optional(),
    /** How long the request may wait in the queue (s). */
    expires_in_seconds: z.number().int().min(1).max(300).optional()
  })
  .strict()
const EnqueueArgs = z.tuple([EnqueueAiRequestSchema])

const SETTLED = new Set(['completed', 'failed', 'timeout', 'cancelled'])

export interface CommandDeps {
  call: Call
  /** Names the caller in the contract's logs, e.g. "inbox:main". */
  client: string
  /** Waits (the enqueue poll); rejects when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

function fail(code: string, error: string, issues?: { path: string; message: string }[]): { answer: CommandAnswer } {
  return { answer: { success: false, result: issues ? { error, code, issues } : { error, code } } }
}

function fromCall(r: CallResult): CommandAnswer {
  if (r.ok) return { success: true, result: r.value }
  const result: { error: string; code: string; issues?: { path: string; message: string }[] } = { error: r.error.message, code: r.error.code }
  if (r.error.issues) result.issues = r.error.issues
  return { success: false, result }
}

function badArgs(command: string, error: z.ZodError, usage: string): { answer: CommandAnswer } {
  return fail('bad_input', `${command}: invalid args (${describeIssues(error)}); expected ${usage}`)
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'))
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(new Error('aborted'))
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })

/** Runs one operator command. Never throws. */
export async function runCommand(payload: InboxCommandPayload, deps: CommandDeps): Promise<CommandRun> {
  const call = (method: string, input: unknown): Promise<CallResult> => deps.call(method, input, deps.client)
  const { command, args } = payload
  switch (command) {
    case 'status': {
      const a = NoArgs.safeParse(args)
      if (!a.success) return badArgs(command, a.error, 'no args')
      return { answer: fromCall(await call('app.status', undefined)) }
    }
    case 'pause-hosting': {
      const a = PauseArgs.safeParse(args)
      if (!a.success) return badArgs(command, a.error, '[] or ["reason"] or [{"reason": "…"}]')
      const first = a.data[0]
      const reason = typeof first === 'string' ? first : first?.reason
      return { answer: fromCall(await call('hosting.pause', reason !== undefined ? { reason } : {})) }
    }
    case 'resume-hosting': {
      const a = NoArgs.safeParse(args)
      if (!a.success) return badArgs(command, a.error, 'no args')
      return { answer: fromCall(await call('hosting.resume', undefined)) }
    }
    case 'list-sessions': {
      const a = NoArgs.safeParse(args)
      if (!a.success) return badArgs(command, a.error, 'no args')
      return { answer: fromCall(await call('hosting.sessions', undefined)) }
    }
    case 'kick': {
      const a = KickArgs.safeParse(args)
      if (!a.success) return badArgs(command, a.error, '[{"sessionId", "peerId", "reason"?}] or ["sessionId", "peerId", "reason"?]')
      const d = a.data
      const input = typeof d[0] === 'string' ? { sessionId: d[0], peerId: d[1] as string, ...(d[2] !== undefined ? { reason: d[2] } : {}) } : d[0]
      return { answer: fromCall(await call('hosting.kick', input)) }
    }
    case 'reload-config': {
      const a = NoArgs.safeParse(args)
      if (!a.success) return badArgs(command, a.error, 'no args')
      // Later: applying the change may restart the inbox itself, which waits for its handlers.
      return { later: () => reloadConfig(call) }
    }
    case 'enqueue-ai-request': {
      const a = EnqueueArgs.safeParse(args)
      if (!a.success) return badArgs(command, a.error, '[{"request_type", "endpoint"?, "request_data"?, "priority"?, "source_npc"?, "source_map"?}] (or that object)')
      const r = a.data[0]
      const data = r.request_data === undefined ? undefined : typeof r.request_data === 'string' ? r.request_data : JSON.stringify(r.request_data)
      const submitted = await call('requests.submitTest', {
        type: r.request_type,
        ...(r.endpoint !== undefined ? { endpoint: r.endpoint } : {}),
        ...(data !== undefined ? { data } : {}),
        ...(r.priority !== undefined ? { priority: r.priority } : {}),
        ...(r.expires_in_seconds !== undefined ? { expiresInSeconds: r.expires_in_seconds } : {}),
        sourceNpc: r.source_npc ?? 'WARP Host inbox',
        sourceMap: r.source_map ?? 'inbox',
        waitMs: 0
      })
      if (!submitted.ok) return { answer: fromCall(submitted) }
      const requestId = (submitted.value as { id: number }).id
      return { later: (signal) => awaitProcessed(call, requestId, signal, deps.sleep ?? defaultSleep) }
    }
    default:
      return fail('unknown_command', `unknown command "${command}"; known: ${OPERATOR_COMMANDS.join(', ')}`)
  }
}

/** Polls requests.get until the AI request is processed (completed, failed, timeout, cancelled). */
async function awaitProcessed(call: (m: string, i: unknown) => Promise<CallResult>, requestId: number, signal: AbortSignal, sleep: (ms: number, signal: AbortSignal) => Promise<void>): Promise<CommandAnswer> {
  let delay = 20
  for (;;) {
    const r = await call('requests.get', { id: requestId })
    if (!r.ok) return fromCall(r)
    const detail = r.value as { request: { status: string }; response: unknown }
    const status = detail.request.status
    if (SETTLED.has(status)) {
      const result = { id: requestId, status, response: detail.response }
      return status === 'completed' ? { success: true, result } : { success: false, result: { error: `AI request ${requestId} ${status}`, code: status, ...result } }
    }
    try {
      await sleep(delay, signal)
    } catch {
      return { success: false, result: { error: `WARP Host's inbox stopped before AI request ${requestId} was processed (it is ${status}; it stays in the queue)`, code: 'unavailable' } }
    }
    delay = Math.min(500, delay * 2)
  }
}

/**
 * reload-config: config.reload — the configuration file is read again and what it says now is
 * applied (a key taken out of it goes back to its default; keys set by environment variables and
 * secrets from the secret store win, as at start; the affected services restart). The file is
 * not written: the operator's file stays exactly as they left it.
 */
async function reloadConfig(call: (m: string, i: unknown) => Promise<CallResult>): Promise<CommandAnswer> {
  const reloaded = await call('config.reload', undefined)
  if (!reloaded.ok) return fromCall(reloaded)
  const u = reloaded.value as ConfigUpdateResult
  const unknownKeys = (u.view.unknownKeys ?? []).map((k) => (k.suggestion !== undefined ? `${k.key} (did you mean ${k.suggestion}?)` : k.key))
  return {
    success: true,
    result: { file: u.view.filePath, changed: u.changed, restarted: u.restarted, restartRequired: u.restartRequired, ...(unknownKeys.length > 0 ? { unknownKeys } : {}) }
  }
}
