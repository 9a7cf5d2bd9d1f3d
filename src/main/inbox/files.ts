/**
 * The inbox's folder layout and its file operations, shared by the app (file-inbox.ts) and the
 * `warp-host send` client (send-client.ts):
 *
 *   <root>/<group>/messages/<uuid>.json   frames for WARP Host (messages, and ACKs of its answers)
 *   <root>/<group>/acks/<uuid>.ack        WARP Host's ACKs
 *   <root>/<group>/responses/<uuid>.json  WARP Host's answers (payload.requestId)
 *   <root>/<group>/errors/<stamp>-<id>.json  failed frames with why
 *
 * Every writer writes a temporary name (a dot name ending in .tmp) in the same folder and renames
 * it, so a reader never sees half a file; readers skip temporary names. Folders are created 0700,
 * files 0600; a file not owned by the reading user is refused unread.
 */
import fs, { constants as fsc, promises as fsp } from 'node:fs'
import path from 'node:path'
import type { StoredError } from '../messaging/endpoint'

export const GROUP_SUBFOLDERS = ['messages', 'acks', 'responses', 'errors'] as const
export type GroupSubfolder = (typeof GROUP_SUBFOLDERS)[number]

/** A group (folder) name: letters, digits, dot, dash, underscore; not starting with a dot. */
export const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/

export function isGroupName(name: string): boolean {
  return GROUP_NAME.test(name)
}

export function groupDir(root: string, group: string, sub?: GroupSubfolder): string {
  return sub ? path.join(root, group, sub) : path.join(root, group)
}

/** A name a writer is still writing (skipped by readers). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.tmp')
}

/** The current user's id (null where there is none: Windows). */
export function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null
}

/** Creates a folder 0700 (and its parents); an existing folder of ours that is wider is narrowed. */
export async function ensurePrivateDir(dir: string, uid: number | null): Promise<{ narrowed: boolean }> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 })
  const st = await fsp.lstat(dir)
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`)
  if (uid !== null && st.uid !== uid) throw new Error(`${dir} belongs to user ${st.uid}, not to this app's user (${uid})`)
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    await fsp.chmod(dir, 0o700)
    return { narrowed: true }
  }
  return { narrowed: false }
}

/** Creates a group's folders (0700). */
export async function ensureGroupDirs(root: string, group: string, uid: number | null): Promise<void> {
  await ensurePrivateDir(groupDir(root, group), uid)
  for (const sub of GROUP_SUBFOLDERS) await fsp.mkdir(groupDir(root, group, sub), { recursive: true, mode: 0o700 })
}

let tempSeq = 0

/** Writes `data` to `dir/name` through a temporary name and a rename (never a half file). */
export function writeFileAtomic(dir: string, name: string, data: string): Promise<void> {
  const tmp = path.join(dir, `.${name}.${process.pid}.${++tempSeq}.tmp`)
  return new Promise((resolve, reject) => {
    const failed = (err: Error): void => fs.unlink(tmp, () => reject(err))
    fs.writeFile(tmp, data, { mode: 0o600 }, (err) => {
      if (err) return failed(err)
      fs.rename(tmp, path.join(dir, name), (err2) => (err2 ? failed(err2) : resolve()))
    })
  })
}

export type ReadResult =
  | { kind: 'ok'; text: string; mtimeMs: number }
  | { kind: 'gone' }
  | { kind: 'not-a-file' }
  | { kind: 'refused'; ownerUid: number }
  | { kind: 'too-big'; size: number }

const OPEN_FLAGS = fsc.O_RDONLY | (fsc.O_NOFOLLOW ?? 0) | (fsc.O_NONBLOCK ?? 0)

/**
 * Reads a message file: not through a symlink, only a regular file owned by `uid` (when known),
 * at most `maxBytes`. Never throws for a file that went away (another reader, a sender's cleanup).
 * Callback fs calls chained under one promise: this runs once per message, and FileHandle's
 * per-call promises cost more than the file system here.
 */
export function readMessageFile(file: string, maxBytes: number, uid: number | null): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    fs.open(file, OPEN_FLAGS, (err, fd) => {
      if (err) {
        if (err.code === 'ENOENT') return resolve({ kind: 'gone' })
        if (err.code === 'ELOOP' || err.code === 'EISDIR') return resolve({ kind: 'not-a-file' })
        return reject(err)
      }
      const done = (result: ReadResult | Error): void => {
        fs.close(fd, () => (result instanceof Error ? reject(result) : resolve(result)))
      }
      fs.fstat(fd, (err2, st) => {
        if (err2) return done(err2)
        if (!st.isFile()) return done({ kind: 'not-a-file' })
        if (uid !== null && st.uid !== uid) return done({ kind: 'refused', ownerUid: st.uid })
        if (st.size > maxBytes) return done({ kind: 'too-big', size: st.size })
        // The size fstat saw (a writer that does not rename may still be writing: the JSON check catches it).
        const buf = Buffer.allocUnsafe(st.size)
        let n = 0
        const more = (): void => {
          if (n >= st.size) return done({ kind: 'ok', text: buf.toString('utf8', 0, n), mtimeMs: st.mtimeMs })
          fs.read(fd, buf, n, st.size - n, n, (err3, bytesRead) => {
            if (err3) return done(err3)
            if (bytesRead === 0) return done({ kind: 'ok', text: buf.toString('utf8', 0, n), mtimeMs: st.mtimeMs })
            n += bytesRead
            more()
          })
        }
        more()
      })
    })
  })
}

/**
 * readMessageFile with synchronous calls (the same checks and results): what the inbox uses. A
 * read opens an existing file and allocates nothing on disk — a few µs of kernel time, less than
 * a round trip to another thread would cost; the writes and removals (inode allocation, directory
 * changes: the expensive calls) go to the worker (file-worker.ts).
 */
export function readMessageFileSync(file: string, maxBytes: number, uid: number | null): ReadResult {
  let fd: number
  try {
    fd = fs.openSync(file, OPEN_FLAGS)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { kind: 'gone' }
    if (code === 'ELOOP' || code === 'EISDIR') return { kind: 'not-a-file' }
    throw err
  }
  try {
    const st = fs.fstatSync(fd)
    if (!st.isFile()) return { kind: 'not-a-file' }
    if (uid !== null && st.uid !== uid) return { kind: 'refused', ownerUid: st.uid }
    if (st.size > maxBytes) return { kind: 'too-big', size: st.size }
    const buf = Buffer.allocUnsafe(st.size)
    let n = 0
    while (n < st.size) {
      const got = fs.readSync(fd, buf, n, st.size - n, n)
      if (got === 0) break
      n += got
    }
    return { kind: 'ok', text: buf.toString('utf8', 0, n), mtimeMs: st.mtimeMs }
  } finally {
    fs.closeSync(fd)
  }
}

/** Removes a file; a file already gone is fine. */
export function removeFile(file: string): Promise<void> {
  return new Promise((resolve, reject) => fs.unlink(file, (err) => (err && err.code !== 'ENOENT' ? reject(err) : resolve())))
}

/** `2026-12-01T12-00-00-000Z`: an ISO time usable in a file name on every OS. */
export function fileStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[:.]/g, '-')
}

/** The errors/ file of an error record: `<stamp>-<message id, else the source file's name>.json`. */
export function errorFileName(e: Pick<StoredError, 'at' | 'messageId' | 'source'>): string {
  const base = e.messageId !== undefined && /^[A-Za-z0-9-]{1,64}$/.test(e.messageId) ? e.messageId : (e.source ?? 'frame').replace(/\.json$/, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)
  return `${fileStamp(e.at)}-${base}.json`
}

/** The file operations of the inbox's hot path (swappable: the benchmark compares variants). */
export interface FileIo {
  read(file: string, maxBytes: number, uid: number | null): Promise<ReadResult>
  writeAtomic(dir: string, name: string, data: string): Promise<void>
  remove(file: string): Promise<void>
  /**
   * Writes and removals asked for one after the other are done in that order without waiting for
   * the first to finish (WorkerFileIo): an ACK write and the removal of its message go together.
   */
  readonly ordered?: boolean
  /** Releases what it holds (the thread of WorkerFileIo). */
  close?(): Promise<void>
}

/** Each operation on libuv's thread pool: WorkerFileIo's fallback, and a bench comparison. */
export const ASYNC_IO: FileIo = { read: readMessageFile, writeAtomic: writeFileAtomic, remove: removeFile }
