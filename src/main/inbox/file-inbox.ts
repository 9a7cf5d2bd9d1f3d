/**
 * The file channel, the app's side: one MessageEndpoint per group folder of `<root>` (see
 * files.ts for the layout), fed by fs.watch on every `messages/` folder (immediacy) and a slow
 * rescan (the safety net: dropped watch events, new group folders, files written while the app
 * was down — the start is a rescan).
 *
 * A message file is read (not through a symlink, owned by the app's user, bounded size), handed to
 * the group's endpoint, and then:
 * - handled / duplicate / an ACK frame: removed (the endpoint wrote the ACK to acks/ when asked);
 * - not JSON yet and younger than the settle time: looked at again when it is that old (a writer
 *   that does not rename is not punished), then to errors/ with why;
 * - invalid (envelope, payload, unknown type), or its handler threw: to errors/ with why, the
 *   original removed — a command is answered with an error too when it can be (valid envelope);
 * - not owned by the app's user: refused unread, moved to errors/ and logged.
 * Up to `concurrency` files are handled at once: a file is read on the event loop, its ACK and
 * its removal go to the inbox's worker thread together, in one batch (file-worker.ts says why):
 * one round trip to the worker per message. The rare paths (errors/, refused files) go through
 * libuv's pool.
 * WARP Host's answers go to responses/, its ACKs to acks/; it never reads either.
 */
import fs, { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { InboxConfig } from '../../shared/config-schema'
import type { Logger } from '../logging/logger'
import { ThrottledLog } from '../logging/throttled-log'
import { MessageEndpoint, type DedupeStore, type DeliveryOutcome, type ErrorStore, type StoredError, type Timers } from '../messaging/endpoint'
import type { Message } from '../messaging/envelope'
import { ASYNC_IO, currentUid, ensureGroupDirs, ensurePrivateDir, errorFileName, groupDir, isGroupName, isTempName, removeFile, writeFileAtomic, type FileIo } from './files'
import { WorkerFileIo } from './file-worker'
import type { InboxErrorStage } from './store'

export type InboxSettings = Pick<
  InboxConfig,
  'ack_timeout_ms' | 'max_retries' | 'retry_delay_ms' | 'rescan_ms' | 'settle_ms' | 'max_message_bytes' | 'concurrency' | 'retention_hours'
>

export interface FileInboxOptions {
  /** <data dir>/ipc */
  root: string
  settings: InboxSettings
  log: Logger
  dedupe(group: string): DedupeStore
  errors(group: string): ErrorStore
  /** Records an error the endpoint did not see (a refused file). */
  recordError(e: Omit<StoredError, 'stage'> & { stage: InboxErrorStage }): void
  /** Registers the group's handlers on its new endpoint. */
  setupGroup(group: string, endpoint: MessageEndpoint): void
  /** After a handled message's file is gone: e.g. answer a command. */
  afterHandled?(group: string, endpoint: MessageEndpoint, outcome: Extract<DeliveryOutcome, { kind: 'handled' }>): void
  /** After a rejected message (valid envelope): e.g. answer a command with why. */
  afterRejected?(group: string, endpoint: MessageEndpoint, message: Message, reason: string): void
  /** Something the page shows changed. */
  onChange?(): void
  /** Groups created at start (default ["main"]). */
  initialGroups?: readonly string[]
  /** Default the process's user id (null: no ownership check). */
  uid?: number | null
  /** fs.watch the folders (default true; false = the rescan alone: the benchmark's polling baseline). */
  watch?: boolean
  /** The hot path's file operations (default a WorkerFileIo of its own, started and closed with it). */
  io?: FileIo
  timers?: Timers
  now?: () => number
}

export interface GroupFigures {
  group: string
  handled: number
  failed: number
  lastMessageAt: number | null
}

interface Group {
  name: string
  endpoint: MessageEndpoint
  errors: ErrorStore
  messagesDir: string
  watcher: fs.FSWatcher | null
  handled: number
  failed: number
  lastMessageAt: number | null
}

/** Sweep stale acks/ and responses/ files at most this often. */
const SWEEP_EVERY_MS = 60 * 60 * 1000

export class FileInbox {
  private readonly groups = new Map<string, Group>()
  /** FIFO of files to handle (an array with a moving head: shift() on 10,000 entries is slow). */
  private queue: { group: string; name: string }[] = []
  private head = 0
  private readonly queued = new Set<string>()
  private readonly deferred = new Map<string, unknown>()
  /** Files this inbox just removed: the watch event of the removal is not worth an open(). */
  private readonly removed = new Set<string>()
  private active = 0
  private readonly idleWaiters: (() => void)[] = []
  private rootWatcher: fs.FSWatcher | null = null
  private rescanTimer: unknown = null
  private rescanning: Promise<void> | null = null
  private lastSweep = 0
  private closed = false
  private readonly uid: number | null
  private readonly timers: Timers
  private readonly now: () => number
  private readonly log: Logger
  private readonly throttled: ThrottledLog
  private io: FileIo
  /** The io is this inbox's own worker (closed with it). */
  private ownsIo = false
  /**
   * Messages being delivered from a file, by `group/id`: the endpoint's ACK for one is held here
   * and written with the removal of the file (finish), not on its own.
   */
  private readonly heldAcks = new Map<string, { ack: string | null }>()
  duplicates = 0

  constructor(private readonly opts: FileInboxOptions) {
    this.uid = opts.uid === undefined ? currentUid() : opts.uid
    this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }
    this.now = opts.now ?? Date.now
    this.log = opts.log
    this.throttled = new ThrottledLog(opts.log, 10_000)
    this.io = opts.io ?? ASYNC_IO // replaced by a worker of its own at start when none is given
  }

  get root(): string {
    return this.opts.root
  }

  /** Creates the root (0700) and the initial groups, watches, and handles what is already there. */
  async start(): Promise<void> {
    const { narrowed } = await ensurePrivateDir(this.opts.root, this.uid)
    if (narrowed) this.log.warn(`${this.opts.root} was readable by other users; narrowed to 0700`)
    for (const g of this.opts.initialGroups ?? ['main']) await ensureGroupDirs(this.opts.root, g, this.uid)
    if (!this.opts.io && !this.ownsIo) {
      this.io = new WorkerFileIo(this.log)
      this.ownsIo = true
    }
    if (this.opts.watch !== false) this.watchRoot()
    await this.rescan()
    this.armRescan()
  }

  private watchRoot(): void {
    try {
      this.rootWatcher = fs.watch(this.opts.root, (_event, name) => {
        if (typeof name === 'string' && isGroupName(name) && !this.groups.has(name)) void this.addGroup(name).catch((err: unknown) => this.warnGroup(name, err))
      })
      this.rootWatcher.on('error', (err) => {
        this.log.warn('watching the inbox folder failed; new groups are found by the rescan', { error: String(err) })
        this.rootWatcher?.close()
        this.rootWatcher = null
      })
    } catch (err) {
      this.log.warn('cannot watch the inbox folder; new groups are found by the rescan', { error: String(err) })
    }
  }

  /** Stops watching; waits (at most `withinMs`) for the files being handled; closes the endpoints. */
  async close(withinMs = 5000): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.rescanTimer !== null) this.timers.clearTimeout(this.rescanTimer)
    this.rescanTimer = null
    for (const t of this.deferred.values()) this.timers.clearTimeout(t)
    this.deferred.clear()
    this.rootWatcher?.close()
    this.rootWatcher = null
    for (const g of this.groups.values()) {
      g.watcher?.close()
      g.watcher = null
    }
    this.queue = []
    this.head = 0
    this.queued.clear()
    if (this.active > 0) {
      let timer: unknown = null
      await Promise.race([
        new Promise<void>((r) => this.idleWaiters.push(r)),
        new Promise<void>((r) => {
          timer = this.timers.setTimeout(r, withinMs)
        })
      ])
      if (timer !== null) this.timers.clearTimeout(timer)
    }
    for (const g of this.groups.values()) g.endpoint.close('the inbox stopped')
    if (this.ownsIo) await this.io.close?.()
  }

  figures(): GroupFigures[] {
    return [...this.groups.values()].map((g) => ({ group: g.name, handled: g.handled, failed: g.failed, lastMessageAt: g.lastMessageAt })).sort((a, b) => a.group.localeCompare(b.group))
  }

  endpoints(): MessageEndpoint[] {
    return [...this.groups.values()].map((g) => g.endpoint)
  }

  /** Resolves once nothing is queued or being handled (tests, benchmarks). */
  async idle(): Promise<void> {
    if (this.active === 0 && this.queueLength() === 0) return
    await new Promise<void>((r) => this.idleWaiters.push(r))
  }

  /** Looks at every group folder and every message file now (also what the timer does). */
  rescan(): Promise<void> {
    this.rescanning ??= this.doRescan().finally(() => {
      this.rescanning = null
    })
    return this.rescanning
  }

  private async doRescan(): Promise<void> {
    if (this.closed) return
    let names: string[] = []
    try {
      names = await fsp.readdir(this.opts.root)
    } catch (err) {
      this.throttled.write('warn', 'rescan', 'cannot list the inbox folder', { error: String(err) })
    }
    for (const name of names) {
      if (this.closed) return
      if (!isGroupName(name)) continue
      try {
        if (!this.groups.has(name)) await this.addGroup(name)
        const g = this.groups.get(name)
        if (!g) continue
        if (!g.watcher && this.opts.watch !== false) this.watch(g)
        for (const file of await fsp.readdir(g.messagesDir)) this.enqueue(g.name, file)
      } catch (err) {
        this.warnGroup(name, err)
      }
    }
    if (this.now() - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = this.now()
      await this.sweep().catch((err: unknown) => this.log.warn('sweeping old ACK and response files failed', { error: String(err) }))
    }
  }

  private armRescan(): void {
    if (this.closed) return
    this.rescanTimer = this.timers.setTimeout(() => {
      this.rescanTimer = null
      void this.rescan().finally(() => this.armRescan())
    }, this.opts.settings.rescan_ms)
  }

  private warnGroup(name: string, err: unknown): void {
    this.throttled.write('warn', `group:${name}`, `inbox group folder ${name} is not usable: ${err instanceof Error ? err.message : String(err)}`, { group: name })
  }

  private async addGroup(name: string): Promise<void> {
    if (this.closed || this.groups.has(name)) return
    const dir = groupDir(this.opts.root, name)
    const st = await fsp.lstat(dir).catch(() => null)
    if (!st?.isDirectory()) return
    if (this.uid !== null && st.uid !== this.uid) throw new Error(`it belongs to user ${st.uid}, not to this app's user (${this.uid}); refused`)
    await ensureGroupDirs(this.opts.root, name, this.uid)
    if (this.closed || this.groups.has(name)) return
    const s = this.opts.settings
    const acks = groupDir(this.opts.root, name, 'acks')
    const responses = groupDir(this.opts.root, name, 'responses')
    const errors = this.opts.errors(name)
    const endpoint = new MessageEndpoint({
      group: name,
      strictGroup: true,
      ackTimeoutMs: s.ack_timeout_ms,
      maxRetries: s.max_retries,
      retryDelayMs: s.retry_delay_ms,
      dedupe: this.opts.dedupe(name),
      errors,
      timers: this.timers,
      now: this.now,
      log: this.log.scope(`inbox:${name}`),
      send: async (frame) => {
        if ('ack' in frame && typeof frame.ack === 'string') {
          const held = this.heldAcks.get(`${name}/${frame.ack}`)
          if (held && held.ack === null) held.ack = JSON.stringify(frame) // written by finish(), with the removal of its file
          else await this.io.writeAtomic(acks, `${frame.ack}.ack`, JSON.stringify(frame))
        }
        else if ('id' in frame && typeof frame.id === 'string') await this.io.writeAtomic(responses, `${frame.id}.json`, JSON.stringify(frame))
        else return false
      },
      onError: () => this.opts.onChange?.()
    })
    const g: Group = { name, endpoint, errors, messagesDir: groupDir(this.opts.root, name, 'messages'), watcher: null, handled: 0, failed: 0, lastMessageAt: null }
    this.opts.setupGroup(name, endpoint)
    this.groups.set(name, g)
    if (this.opts.watch !== false) this.watch(g)
    this.log.info(`inbox group ${name}: watching ${g.messagesDir}`)
    for (const file of await fsp.readdir(g.messagesDir)) this.enqueue(name, file)
    this.opts.onChange?.()
  }

  private watch(g: Group): void {
    try {
      const w = fs.watch(g.messagesDir, (_event, name) => {
        if (typeof name === 'string') this.enqueue(g.name, name)
      })
      w.on('error', (err) => {
        this.throttled.write('warn', `watch:${g.name}`, `watching ${g.messagesDir} failed; the rescan takes over until it can be watched again`, { error: String(err) })
        w.close()
        if (g.watcher === w) g.watcher = null
      })
      g.watcher = w
    } catch (err) {
      this.throttled.write('warn', `watch:${g.name}`, `cannot watch ${g.messagesDir}; the rescan takes over`, { error: String(err) })
    }
  }

  private enqueue(group: string, name: string): void {
    if (this.closed || isTempName(name) || !name.endsWith('.json')) return
    const key = `${group}/${name}`
    if (this.removed.delete(key) || this.queued.has(key)) return
    const t = this.deferred.get(key)
    if (t !== undefined) return // waiting out its settle time
    this.queued.add(key)
    this.queue.push({ group, name })
    this.pump()
  }

  private queueLength(): number {
    return this.queue.length - this.head
  }

  private pump(): void {
    while (!this.closed && this.active < this.opts.settings.concurrency && this.queueLength() > 0) {
      const next = this.queue[this.head++]!
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head)
        this.head = 0
      }
      this.active++
      void this.handleFile(next.group, next.name)
        .catch((err: unknown) => this.throttled.write('error', 'handle', 'handling an inbox file failed', { group: next.group, file: next.name, error: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          this.queued.delete(`${next.group}/${next.name}`)
          this.active--
          this.pump()
          if (this.active === 0 && this.queueLength() === 0) this.idleWaiters.splice(0).forEach((r) => r())
        })
    }
  }

  private async handleFile(group: string, name: string): Promise<void> {
    const g = this.groups.get(group)
    if (!g || this.closed) return
    const file = path.join(g.messagesDir, name)
    const read = await this.io.read(file, this.opts.settings.max_message_bytes, this.uid)
    if (read.kind === 'gone' || read.kind === 'not-a-file') return
    if (read.kind === 'refused') {
      const e = { at: this.now(), stage: 'refused' as const, error: `file owned by user ${read.ownerUid}, not by this app's user (${this.uid ?? '?'}): refused unread`, group, source: name }
      this.log.warn(`inbox ${group}: refused ${name}: ${e.error}`)
      this.opts.recordError(e)
      g.failed++
      await fsp.rename(file, path.join(groupDir(this.opts.root, group, 'errors'), errorFileName(e))).catch(() => removeFile(file))
      this.opts.onChange?.()
      return
    }
    if (read.kind === 'too-big') {
      const e = { at: this.now(), stage: 'invalid' as const, error: `message file is ${read.size} bytes, more than inbox.max_message_bytes (${this.opts.settings.max_message_bytes})`, group, source: name }
      this.opts.recordError(e)
      g.failed++
      await fsp.rename(file, path.join(groupDir(this.opts.root, group, 'errors'), errorFileName(e))).catch(() => removeFile(file))
      this.opts.onChange?.()
      return
    }
    let frame: unknown = read.text
    try {
      frame = JSON.parse(read.text) as unknown
    } catch {
      // Not JSON (yet?): a writer that does not rename may still be writing it.
      const age = this.now() - read.mtimeMs
      if (age < this.opts.settings.settle_ms) {
        this.defer(group, name, this.opts.settings.settle_ms - age + 10)
        return
      }
    }
    const id = typeof frame === 'object' && frame !== null && 'id' in frame && typeof frame.id === 'string' ? frame.id : null
    const holdKey = id !== null && !this.heldAcks.has(`${group}/${id}`) ? `${group}/${id}` : null
    const held = { ack: null as string | null }
    if (holdKey !== null) this.heldAcks.set(holdKey, held)
    let outcome: DeliveryOutcome
    try {
      outcome = await g.endpoint.deliver(frame, { source: name })
    } finally {
      if (holdKey !== null) this.heldAcks.delete(holdKey)
    }
    switch (outcome.kind) {
      case 'closed':
        return // left for the next start
      case 'handled':
        g.handled++
        g.lastMessageAt = this.now()
        await this.finish(g, name, file, held.ack, outcome.message)
        this.opts.afterHandled?.(group, g.endpoint, outcome)
        this.opts.onChange?.()
        return
      case 'duplicate':
        this.duplicates++
        await this.finish(g, name, file, held.ack, outcome.message)
        return
      case 'ack':
        await this.remove(group, name, file)
        if (outcome.matched) this.opts.onChange?.()
        return
      case 'invalid':
      case 'failed': {
        g.failed++
        await this.toErrors(group, file, outcome.record, read.text)
        if (outcome.kind === 'invalid' && outcome.message) this.opts.afterRejected?.(group, g.endpoint, outcome.message, outcome.reason)
        this.opts.onChange?.()
        return
      }
    }
  }

  /**
   * A handled or re-delivered message's file: its ACK (when the endpoint sent one) is written, then
   * the file removed — asked together, so an ordered io (the worker) does both in one batch, in
   * that order. An ACK that cannot be written is an error record, as the endpoint would keep it.
   */
  private async finish(g: Group, name: string, file: string, ack: string | null, message: Message): Promise<void> {
    if (ack === null) return this.remove(g.name, name, file)
    const wrote = this.io.writeAtomic(groupDir(this.opts.root, g.name, 'acks'), `${message.id}.ack`, ack).then(
      () => null,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err)))
    )
    if (!this.io.ordered) await wrote
    const removed = this.remove(g.name, name, file)
    const failed = await wrote
    if (failed) {
      const e: StoredError = { at: this.now(), stage: 'send', error: `could not send the ACK: ${failed.message}`, group: g.name, messageId: message.id, type: message.type, message }
      try {
        g.errors.add(e)
      } catch (err) {
        this.log.error('could not store a message error', { error: err instanceof Error ? err.message : String(err) })
      }
      this.log.warn(`message failed: ${e.error}`, { id: message.id, type: message.type, stage: 'send' })
      this.opts.onChange?.()
    }
    await removed
  }

  private async remove(group: string, name: string, file: string): Promise<void> {
    if (this.opts.watch !== false) {
      if (this.removed.size >= 10_000) this.removed.clear()
      this.removed.add(`${group}/${name}`)
    }
    await this.io.remove(file)
  }

  private defer(group: string, name: string, ms: number): void {
    const key = `${group}/${name}`
    const old = this.deferred.get(key)
    if (old !== undefined) this.timers.clearTimeout(old)
    this.deferred.set(
      key,
      this.timers.setTimeout(() => {
        this.deferred.delete(key)
        this.enqueue(group, name)
      }, ms)
    )
  }

  /** errors/<stamp>-<id>.json: why, when, and the frame (parsed when it was JSON, else its text). */
  private async toErrors(group: string, file: string, e: StoredError, text: string): Promise<void> {
    let frame: unknown
    try {
      frame = JSON.parse(text) as unknown
    } catch {
      frame = null
    }
    const body = {
      error: e.error,
      stage: e.stage,
      at: new Date(e.at).toISOString(),
      file: path.basename(file),
      ...(e.stack !== undefined ? { stack: e.stack } : {}),
      ...(frame !== null ? { frame } : { raw: text.slice(0, 64 * 1024) })
    }
    await writeFileAtomic(groupDir(this.opts.root, group, 'errors'), errorFileName(e), JSON.stringify(body, null, 2))
    await removeFile(file)
  }

  /** Removes acks/ and responses/ files older than the retention period (nobody collected them). */
  private async sweep(): Promise<void> {
    const cutoff = this.now() - this.opts.settings.retention_hours * 3_600_000
    let removed = 0
    for (const g of this.groups.values()) {
      for (const sub of ['acks', 'responses'] as const) {
        const dir = groupDir(this.opts.root, g.name, sub)
        for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
          const st = await fsp.lstat(path.join(dir, name)).catch(() => null)
          if (st?.isFile() && st.mtimeMs < cutoff) {
            await removeFile(path.join(dir, name))
            removed++
          }
        }
      }
    }
    if (removed > 0) this.log.info(`removed ${removed} ACK and response files nobody collected within ${this.opts.settings.retention_hours} h`)
  }
}
