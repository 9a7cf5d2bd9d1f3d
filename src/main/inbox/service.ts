/**
 * The inbox service: the file channel (file-inbox.ts) in `<data dir>/ipc/`, its tables (store.ts),
 * the operator commands (commands.ts) answered in the sender group's responses/, the page's
 * snapshot (`inbox.status`, pushed as `inbox.changed`) and its metrics.
 */
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Config } from '../../shared/config-schema'
import type { InboxStatus } from '../../shared/contract'
import type { Clock } from '../clock'
import type { EventBus, ThrottledEmitter } from '../events'
import { errorFields, type Logger } from '../logging/logger'
import { EndpointClosedError, type MessageEndpoint } from '../messaging/endpoint'
import { createMessage, type Message } from '../messaging/envelope'
import { LifecycleService } from '../service'
import type { AppStore } from '../store/app-store'
import { InboxCommandPayloadSchema, runCommand, type Call, type CommandAnswer, type InboxCommandPayload } from './commands'
import { FileInbox } from './file-inbox'
import { groupDir, writeFileAtomic } from './files'
import { InboxStore } from './store'

/** The snapshot lists at most this many answers waiting for an ACK (the oldest); it counts them all. */
const PENDING_LISTED = 100

export interface InboxServiceOptions {
  config: Config
  log: Logger
  events: EventBus
  store: AppStore
  clock: Clock
  metrics: Registry
  call: Call
}

export class InboxService extends LifecycleService {
  private inbox: FileInbox | null = null
  private db: InboxStore | null = null
  private readonly changed: ThrottledEmitter<'inbox.changed'>
  /** Answers still being worked out (enqueue-ai-request, reload-config); aborted on stop. */
  private readonly later = new Set<AbortController>()
  private readonly messages: Counter<'outcome'>
  private readonly lastHeartbeat = new Map<string, number>()
  readonly root: string

  constructor(private readonly o: InboxServiceOptions) {
    super('inbox', 'Inbox')
    this.root = path.join(o.config.data_dir, 'ipc')
    this.changed = o.events.throttle('inbox.changed', 500)
    this.messages = new Counter({ name: 'warp_inbox_messages_total', help: 'Inbox frames by outcome', labelNames: ['outcome'], registers: [o.metrics] })
    const endpoints = (): MessageEndpoint[] => this.inbox?.endpoints() ?? []
    new Gauge({
      name: 'warp_inbox_pending_acks',
      help: 'Answers waiting for the sender’s ACK',
      registers: [o.metrics],
      collect() {
        this.set(endpoints().reduce((n, e) => n + e.pendingAcks().length, 0))
      }
    })
  }

  protected async onStart(): Promise<void> {
    const c = this.o.config.inbox
    const db = new InboxStore(this.o.store.database, () => this.o.clock.now())
    const pruned = db.prune(c.retention_hours * 3_600_000)
    if (pruned > 0) this.o.log.info(`forgot ${pruned} handled message ids older than ${c.retention_hours} h`)
    this.db = db
    const inbox = new FileInbox({
      root: this.root,
      settings: c,
      log: this.o.log,
      now: () => this.o.clock.now(),
      dedupe: (g) => db.dedupe(g),
      errors: (g) => db.errors(g, () => this.messages.inc({ outcome: 'error' })),
      recordError: (e) => {
        db.addError(e)
        this.messages.inc({ outcome: 'error' })
      },
      setupGroup: (group, endpoint) => this.setupGroup(group, endpoint),
      afterHandled: (group, endpoint, outcome) => {
        this.messages.inc({ outcome: 'handled' })
        this.afterHandled(group, endpoint, outcome.message, outcome.result)
      },
      afterRejected: (group, endpoint, message, reason) => {
        if (message.type === 'command') this.answer(group, endpoint, message, { success: false, result: { error: reason, code: 'bad_input' } })
      },
      onChange: () => this.changed.push(this.snapshot())
    })
    this.inbox = inbox
    await inbox.start()
    this.setDetail(`${this.root} (rescan every ${Math.round(c.rescan_ms / 100) / 10} s)`)
  }

  protected async onStop(): Promise<void> {
    for (const a of this.later) a.abort()
    await this.inbox?.close()
    this.inbox = null
    this.db?.flush()
    this.changed.cancel()
  }

  finalStats(): string[] {
    const figures = this.inbox?.figures() ?? []
    const handled = figures.reduce((n, g) => n + g.handled, 0)
    return [`inbox: ${handled} messages handled, ${figures.reduce((n, g) => n + g.failed, 0)} failed`]
  }

  /** The running file channel (tests, benchmarks). */
  get fileInbox(): FileInbox | null {
    return this.inbox
  }

  snapshot(): InboxStatus {
    const c = this.o.config.inbox
    const figures = this.inbox?.figures() ?? []
    const pending = (this.inbox?.endpoints() ?? []).flatMap((e) => e.pendingAcks().map((p) => ({ ...p, group: e.group }))).sort((a, b) => a.firstSentAt - b.firstSentAt)
    return {
      enabled: c.enabled,
      running: this.inbox !== null,
      root: this.root,
      groups: figures.map((f) => ({ group: f.group, handled: f.handled, failed: f.failed, lastMessageAt: f.lastMessageAt === null ? null : new Date(f.lastMessageAt).toISOString() })),
      handled: figures.reduce((n, g) => n + g.handled, 0),
      duplicates: this.inbox?.duplicates ?? 0,
      errorCount: this.db?.countErrors() ?? 0,
      errors: this.db?.listErrors(20) ?? [],
      pendingAckCount: pending.length,
      pendingAcks: pending.slice(0, PENDING_LISTED).map((p) => ({ id: p.id, group: p.group, type: p.type, attempts: p.attempts, firstSentAt: new Date(p.firstSentAt).toISOString() })),
      ackTimeoutMs: c.ack_timeout_ms,
      maxRetries: c.max_retries,
      retryDelayMs: c.retry_delay_ms,
      at: new Date(this.o.clock.now()).toISOString()
    }
  }

  private recordUnacked(group: string, answerId: string, requestId: string, reason: string): void {
    try {
      this.db?.addError({ at: this.o.clock.now(), stage: 'ack-timeout', group, messageId: answerId, type: 'response', error: `no ACK for the answer to ${requestId} before ${reason}; it is not resent (the answer is in responses/)` }, null)
      this.messages.inc({ outcome: 'error' })
    } catch (err) {
      this.o.log.warn('could not keep an unacknowledged answer in the error store', errorFields(err))
    }
  }

  errors(limit: number, group?: string): { total: number; errors: InboxStatus['errors'] } {
    return { total: this.db?.countErrors(group) ?? 0, errors: this.db?.listErrors(limit, group) ?? [] }
  }

  private setupGroup(group: string, endpoint: MessageEndpoint): void {
    // The command handler accepts (validates, runs or starts) the command; the answer is written
    // after the ACK (afterHandled), so an answer never comes for a message that was not ACKed.
    endpoint.on(
      'command',
      async (payload: InboxCommandPayload) => runCommand(payload, { call: this.o.call, client: `inbox:${group}` }),
      InboxCommandPayloadSchema
    )
    endpoint.on('heartbeat', (p) => {
      if (this.lastHeartbeat.size >= 1000) this.lastHeartbeat.clear()
      this.lastHeartbeat.set(`${group}/${p.processId}`, this.o.clock.now())
    })
  }

  private afterHandled(group: string, endpoint: MessageEndpoint, message: Message, result: unknown): void {
    if (message.type !== 'command' || typeof result !== 'object' || result === null) return
    if ('answer' in result) {
      this.answer(group, endpoint, message, result.answer as CommandAnswer)
      return
    }
    if ('later' in result && typeof result.later === 'function') {
      const later = result.later as (signal: AbortSignal) => Promise<CommandAnswer>
      const ctl = new AbortController()
      this.later.add(ctl)
      void later(ctl.signal)
        .catch((err: unknown): CommandAnswer => ({ success: false, result: { error: err instanceof Error ? err.message : String(err), code: 'internal' } }))
        .then((a) => this.answer(group, endpoint, message, a))
        .finally(() => this.later.delete(ctl))
    }
  }

  /** Writes the answer to the group's responses/ (asking for an ACK when inbox.ack_responses). */
  private answer(group: string, endpoint: MessageEndpoint, request: Message, a: CommandAnswer): void {
    const payload = { requestId: request.id, success: a.success, result: a.result }
    const requiresAck = this.o.config.inbox.ack_responses
    if (endpoint.closed) {
      // The inbox stopped (or restarted) meanwhile: the answer still goes out, without ACK tracking.
      const m = createMessage('response', group, payload)
      writeFileAtomic(groupDir(this.root, group, 'responses'), `${m.id}.json`, JSON.stringify(m)).catch((err: unknown) =>
        this.o.log.warn('could not write an answer', { group, requestId: request.id, ...errorFields(err) })
      )
      return
    }
    const answerId = randomUUID()
    const sent = endpoint.send('response', payload, { requiresAck, id: answerId })
    this.changed.push(this.snapshot())
    void sent
      .catch((err: unknown) => {
        this.o.log.warn(`answer to ${request.id} not delivered`, { group, ...errorFields(err) })
        // The endpoint keeps an answer it gave up on in the error store itself; one still waiting
        // for its ACK when the inbox stopped (a restart, quit) is not resent: keep it there too.
        if (err instanceof EndpointClosedError && requiresAck) this.recordUnacked(group, answerId, request.id, err.reason)
      })
      .finally(() => this.changed.push(this.snapshot()))
  }
}
