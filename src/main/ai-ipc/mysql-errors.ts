/**
 * MySQL/MariaDB error classification, shared by the queue backend (what to retry, when the
 * database is down) and the Settings "test connection" (what exactly failed).
 */
import type { DB_CONNECTION_PROBLEMS } from '../../shared/contract'

export type DbProblem = (typeof DB_CONNECTION_PROBLEMS)[number]

interface ErrorLike {
  code?: unknown
  errno?: unknown
  message?: unknown
  fatal?: unknown
}

function fields(err: unknown): ErrorLike {
  return err !== null && typeof err === 'object' ? (err as ErrorLike) : {}
}

export function errorCode(err: unknown): string {
  const c = fields(err).code
  return typeof c === 'string' ? c : ''
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  const m = fields(err).message
  return typeof m === 'string' ? m : String(err)
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_CONNECTION_KILLED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_NET_READ_ERROR',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_QUERY_INTERRUPTED',
  'ER_SERVER_GONE_ERROR',
  'ER_UNKNOWN_COM_ERROR'
])

/** The server is unreachable or the connection broke: retry later, the request itself is fine. */
export function isConnectionError(err: unknown): boolean {
  const f = fields(err)
  if (CONNECTION_CODES.has(errorCode(err))) return true
  // Refused logins and unknown databases are "fatal" for mysql2 too, but waiting will not fix them.
  const problem = classifyProblem(err)
  if (problem === 'bad_credentials' || problem === 'unknown_database' || problem === 'missing_privilege') return false
  if (f.fatal === true) return true
  const msg = errorMessage(err)
  return /connection (is in closed state|lost)|Can't add new command when connection is in closed state|Pool is closed/i.test(msg)
}

/** A lock conflict the transaction should simply be run again for. */
export function isLockConflict(err: unknown): boolean {
  const code = errorCode(err)
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT'
}

/** Worth retrying later (vs a bug or a schema problem). */
export function isTransient(err: unknown): boolean {
  return isConnectionError(err) || isLockConflict(err)
}

/** What a connection attempt's failure means for the user. */
export function classifyProblem(err: unknown): DbProblem {
  const code = errorCode(err)
  switch (code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ECONNRESET':
      return 'host_unreachable'
    case 'ETIMEDOUT':
    case 'PROTOCOL_SEQUENCE_TIMEOUT':
      return 'timeout'
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
    case 'ER_NOT_SUPPORTED_AUTH_MODE':
      return 'bad_credentials'
    case 'ER_BAD_DB_ERROR':
      return 'unknown_database'
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
      return 'missing_privilege'
    default:
      return 'other'
  }
}

/** The server's version string → does it have FOR UPDATE SKIP LOCKED (MariaDB ≥ 10.6, MySQL ≥ 8.0.1)? */
export function versionHasSkipLocked(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version)
  if (!m) return false
  const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (/mariadb/i.test(version)) return maj > 10 || (maj === 10 && min >= 6)
  return maj > 8 || (maj === 8 && (min > 0 || patch >= 1))
}

/** Raised when the server cannot run the claim (old version): never retried. */
export class NoSkipLockedError extends Error {
  readonly code = 'NO_SKIP_LOCKED'
  constructor(readonly serverVersion: string) {
    super(
      `The database server (${serverVersion}) does not support SELECT … FOR UPDATE SKIP LOCKED, which the AI request ` +
        'poller needs to share the queue safely between pollers. Upgrade to MariaDB 10.6+ or MySQL 8.0.1+ ' +
        '(or use the embedded SQLite queue: database.driver = sqlite).'
    )
    this.name = 'NoSkipLockedError'
  }
}

/** Raised when existing tables cannot be used (missing columns): never retried. */
export class SchemaError extends Error {
  readonly code = 'SCHEMA'
  constructor(message: string) {
    super(message)
    this.name = 'SchemaError'
  }
}
