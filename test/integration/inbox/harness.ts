/**
 * A FileInbox on a real temp folder with the real app database (AppStore + the inbox's migration),
 * as the inbox service builds it; helpers to write frames the way a sender does (temporary name +
 * rename) and to wait for conditions (no fixed sleeps).
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { vi } from 'vitest'
import { InboxConfigSchema, type InboxConfig } from '../../../src/shared/config-schema'
import { FileInbox, type FileInboxOptions } from '../../../src/main/inbox/file-inbox'
import { groupDir, writeFileAtomic } from '../../../src/main/inbox/files'
import { InboxStore, INBOX_MIGRATIONS } from '../../../src/main/inbox/store'
import { LogSink } from '../../../src/main/logging/logger'
import { createMessage, type Message } from '../../../src/main/messaging/envelope'
import { AppStore } from '../../../src/main/store/app-store'

export const quietSink = (): LogSink => new LogSink({ level: 'error', format: 'text', dir: null, write: () => {} })

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `warp-inbox-${prefix}-`))
}

export interface Harness {
  dataDir: string
  root: string
  store: AppStore
  db: InboxStore
  inbox: FileInbox
  settings: InboxConfig
  /** Starts another FileInbox on the same folder and database (after `inbox.close()`). */
  restart(extra?: Partial<FileInboxOptions>): Promise<FileInbox>
  close(): Promise<void>
}

export async function startHarness(opts: { settings?: Partial<InboxConfig>; dataDir?: string; setup?: FileInboxOptions['setupGroup']; extra?: Partial<FileInboxOptions> } = {}): Promise<Harness> {
  const dataDir = opts.dataDir ?? tempDir('data')
  const log = quietSink().logger('inbox')
  const store = new AppStore(dataDir, log)
  await store.start()
  store.migrateModule('inbox', INBOX_MIGRATIONS)
  const db = new InboxStore(store.database)
  const settings = InboxConfigSchema.parse({ rescan_ms: 1000, settle_ms: 300, ...opts.settings })
  const root = path.join(dataDir, 'ipc')
  const make = (extra: Partial<FileInboxOptions> = {}): FileInbox =>
    new FileInbox({
      root,
      settings,
      log,
      dedupe: (g) => db.dedupe(g),
      errors: (g) => db.errors(g),
      recordError: (e) => db.addError(e),
      setupGroup: opts.setup ?? (() => undefined),
      ...opts.extra,
      ...extra
    })
  const h: Harness = {
    dataDir,
    root,
    store,
    db,
    settings,
    inbox: make(),
    async restart(extra) {
      h.inbox = make(extra)
      await h.inbox.start()
      return h.inbox
    },
    async close() {
      await h.inbox.close()
      db.flush()
      await store.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
  await h.inbox.start()
  return h
}

/** Writes a frame as a well-behaved sender does: a temporary name, then a rename. */
export async function dropFrame(root: string, group: string, frame: object, name = `${'id' in frame ? String(frame.id) : randomUUID()}.json`): Promise<string> {
  const dir = groupDir(root, group, 'messages')
  await fs.promises.mkdir(dir, { recursive: true })
  await writeFileAtomic(dir, name, JSON.stringify(frame))
  return path.join(dir, name)
}

export function command(group: string, cmd: string, args: unknown[] = [], requiresAck = true): Message {
  return createMessage('command', group, { command: cmd, args }, { requiresAck })
}

export function list(root: string, group: string, sub: 'messages' | 'acks' | 'responses' | 'errors'): string[] {
  try {
    return fs.readdirSync(groupDir(root, group, sub)).filter((n) => !n.startsWith('.'))
  } catch {
    return []
  }
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T
}

/** Waits for a condition (polled), failing with `what` after `timeout` ms. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeout = 15_000, interval = 10): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await cond())) throw new Error(`timed out waiting for ${what}`)
    },
    { timeout, interval }
  )
}
