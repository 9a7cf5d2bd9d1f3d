/**
 * The one structured logger of the main process (and of headless mode).
 *
 * Owns: level filtering, json|text formatting to stdout, a size-capped rotating file in the data
 * folder, an in-memory ring buffer that backs `logs.tail`, and a listener list that backs the
 * `logs.entry` pushed event. Services get a scoped child with `logger.scope('ai-ipc')`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { levelRank, type LogEntry, type LogLevel } from '../../shared/log'

export type LogFormat = 'json' | 'text'

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  scope(name: string): Logger
}

export interface LogSinkOptions {
  level: LogLevel
  format: LogFormat
  /** Folder for warp-host.log; null = no file. */
  dir: string | null
  /** Rotate when the file passes this many bytes (default 5 MiB). */
  maxFileBytes?: number
  /** Keep this many rotated files (warp-host.log.1 … .N), default 3. */
  maxFiles?: number
  /** Entries kept in memory for the Logs page (default 5,000). */
  ringSize?: number
  /** Where console lines go (default process.stdout); tests pass a collector. */
  write?: (line: string) => void
}

type Listener = (entry: LogEntry) => void

const streamStates = new WeakMap<NodeJS.WritableStream, { closed: boolean }>()

/**
 * A console writer that survives a closed stdout/stderr (`… | head -2`, a terminal that went
 * away): the first write error (EPIPE and friends) marks the stream closed and every later line
 * is dropped, instead of an unhandled 'error' event crashing the process — or, worse, an
 * uncaught-exception handler logging about it, failing again, and looping. The file log and the
 * ring buffer are unaffected.
 */
export function consoleWriter(stream: NodeJS.WritableStream = process.stdout): (line: string) => void {
  let state = streamStates.get(stream)
  if (!state) {
    const s = { closed: false }
    state = s
    streamStates.set(stream, s)
    stream.on('error', () => {
      // EPIPE / EBADF / ERR_STREAM_DESTROYED: the reader is gone; there is nobody to tell.
      s.closed = true
    })
  }
  const st = state
  return (line) => {
    const w = stream as NodeJS.WritableStream & { destroyed?: boolean }
    if (st.closed || w.destroyed === true || !stream.writable) return
    try {
      stream.write(line + '\n')
    } catch {
      st.closed = true
    }
  }
}

/** Keeps a closed stdout/stderr from ever raising an uncaught 'error' (idempotent). */
export function guardStdio(): void {
  consoleWriter(process.stdout)
  consoleWriter(process.stderr)
}

/** Turns an Error (or anything thrown) into plain, JSON-safe fields. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return { error: err.message, ...(code !== undefined ? { code } : {}) }
  }
  return { error: String(err) }
}

function safeFields(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? errorFields(v) : v
  }
  return out
}

export class LogSink {
  private opts: Required<Omit<LogSinkOptions, 'dir' | 'write'>> & Pick<LogSinkOptions, 'dir'>
  private writeLine: (line: string) => void
  private ring: LogEntry[] = []
  private ringStart = 0
  private seq = 0
  private listeners = new Set<Listener>()
  private fd: number | null = null
  private fileBytes = 0
  private filePath: string | null = null

  constructor(options: LogSinkOptions) {
    this.opts = {
      level: options.level,
      format: options.format,
      dir: options.dir,
      maxFileBytes: options.maxFileBytes ?? 5 * 1024 * 1024,
      maxFiles: options.maxFiles ?? 3,
      ringSize: options.ringSize ?? 5000
    }
    this.writeLine = options.write ?? consoleWriter(process.stdout)
    if (options.dir) this.openFile(options.dir)
  }

  get level(): LogLevel {
    return this.opts.level
  }

  get file(): string | null {
    return this.filePath
  }

  setLevel(level: LogLevel): void {
    this.opts.level = level
  }

  setFormat(format: LogFormat): void {
    this.opts.format = format
  }

  /** Starts writing the rotating file in `dir` (used once the data folder is known). */
  openFile(dir: string): void {
    this.closeFile()
    fs.mkdirSync(dir, { recursive: true })
    this.filePath = path.join(dir, 'warp-host.log')
    this.fd = fs.openSync(this.filePath, 'a', 0o600)
    this.fileBytes = fs.fstatSync(this.fd).size
    this.opts.dir = dir
  }

  closeFile(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd)
      this.fd = null
    }
  }

  logger(scope = 'app'): Logger {
    const make = (name: string): Logger => ({
      debug: (msg, fields) => this.log('debug', name, msg, fields),
      info: (msg, fields) => this.log('info', name, msg, fields),
      warn: (msg, fields) => this.log('warn', name, msg, fields),
      error: (msg, fields) => this.log('error', name, msg, fields),
      scope: (child) => make(child)
    })
    return make(scope)
  }

  onEntry(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The newest entries (oldest first), optionally filtered, at most `limit`. */
  tail(opts: { limit?: number; level?: LogLevel; search?: string; afterSeq?: number } = {}): LogEntry[] {
    const limit = opts.limit ?? 500
    const minRank = opts.level ? levelRank(opts.level) : 0
    const needle = opts.search?.toLowerCase()
    const out: LogEntry[] = []
    const all = this.ordered()
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const e = all[i]!
      if (opts.afterSeq !== undefined && e.seq <= opts.afterSeq) break
      if (levelRank(e.level) < minRank) continue
      if (needle && !matches(e, needle)) continue
      out.push(e)
    }
    return out.reverse()
  }

  /**
   * Writes one line to the console only — never to the file, the ring buffer (Logs page) or the
   * listeners. For what must not be kept, e.g. the dashboard URL with its token.
   */
  print(level: LogLevel, scope: string, msg: string, fields?: Record<string, unknown>): void {
    const entry: LogEntry = { seq: 0, time: new Date().toISOString(), level, scope, msg }
    const clean = safeFields(fields)
    if (clean && Object.keys(clean).length > 0) entry.fields = clean
    this.writeConsole(this.format(entry))
  }

  /** `opts.console: false` keeps the line off the console (it still goes to the file and ring). */
  log(level: LogLevel, scope: string, msg: string, fields?: Record<string, unknown>, opts: { console?: boolean } = {}): void {
    if (levelRank(level) < levelRank(this.opts.level)) return
    const entry: LogEntry = { seq: ++this.seq, time: new Date().toISOString(), level, scope, msg }
    const clean = safeFields(fields)
    if (clean && Object.keys(clean).length > 0) entry.fields = clean
    this.remember(entry)
    const line = this.format(entry)
    if (opts.console !== false) this.writeConsole(line)
    this.writeFile(this.opts.format === 'json' ? line : JSON.stringify(entry))
    for (const l of this.listeners) {
      try {
        l(entry)
      } catch {
        // a listener must never break logging
      }
    }
  }

  private writeConsole(line: string): void {
    try {
      this.writeLine(line)
    } catch {
      // stdout closed (e.g. piped to a process that exited): keep file and ring going.
    }
  }

  private format(e: LogEntry): string {
    if (this.opts.format === 'json') return JSON.stringify(e)
    const extra = e.fields
      ? ' ' +
        Object.entries(e.fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')
      : ''
    return `${e.time} ${e.level.toUpperCase().padEnd(5)} [${e.scope}] ${e.msg}${extra}`
  }

  private remember(entry: LogEntry): void {
    if (this.ring.length < this.opts.ringSize) {
      this.ring.push(entry)
    } else {
      this.ring[this.ringStart] = entry
      this.ringStart = (this.ringStart + 1) % this.opts.ringSize
    }
  }

  private ordered(): LogEntry[] {
    return this.ringStart === 0 ? this.ring : [...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)]
  }

  private writeFile(line: string): void {
    if (this.fd === null || !this.filePath) return
    const data = line + '\n'
    try {
      if (this.fileBytes + Buffer.byteLength(data) > this.opts.maxFileBytes) this.rotate()
      fs.writeSync(this.fd, data)
      this.fileBytes += Buffer.byteLength(data)
    } catch (err) {
      // Disk full or folder removed: report once on the console, stop file logging.
      this.closeFile()
      this.writeConsole(`log file disabled: ${(err as Error).message}`)
    }
  }

  private rotate(): void {
    if (!this.filePath) return
    this.closeFile()
    const last = `${this.filePath}.${this.opts.maxFiles}`
    if (fs.existsSync(last)) fs.rmSync(last)
    for (let i = this.opts.maxFiles - 1; i >= 1; i--) {
      const from = `${this.filePath}.${i}`
      if (fs.existsSync(from)) fs.renameSync(from, `${this.filePath}.${i + 1}`)
    }
    fs.renameSync(this.filePath, `${this.filePath}.1`)
    this.fd = fs.openSync(this.filePath, 'a', 0o600)
    this.fileBytes = 0
  }
}

function matches(e: LogEntry, needle: string): boolean {
  if (e.msg.toLowerCase().includes(needle) || e.scope.toLowerCase().includes(needle)) return true
  return e.fields ? JSON.stringify(e.fields).toLowerCase().includes(needle) : false
}
