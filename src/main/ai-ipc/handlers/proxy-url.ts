/**
 * Where AI-service calls may go: joining `endpoint` to ai_service.base_url, and the proxy's
 * anti-open-relay rules. Only the base URL's origin plus ai_service.allowed_origins are reachable;
 * protocol-relative `//host`, other schemes (file:, javascript:, data:, gopher:, …), embedded
 * credentials, `..` path escapes (also percent-encoded, double-encoded or with backslashes), CR/LF
 * and other control characters or whitespace are refused with a message for a validation error.
 */
import type { HandlerConfig } from './types'

export const MAX_ENDPOINT_LENGTH = 2048

export interface ServiceTargets {
  /** base_url without a trailing slash: `baseJoin + "/path"` is a URL on the AI service. */
  baseJoin: string
  baseOrigin: string
  /** base origin + allowed_origins, normalized by the URL parser. */
  allowedOrigins: ReadonlySet<string>
}

const targetsCache = new WeakMap<HandlerConfig, ServiceTargets>()

/** Derived, cached per config object (configs are treated as immutable). */
export function serviceTargets(config: HandlerConfig): ServiceTargets {
  let t = targetsCache.get(config)
  if (t === undefined) {
    const base = new URL(config.baseUrl)
    const baseJoin = (base.origin + base.pathname).replace(/\/+$/, '')
    const allowed = new Set<string>([base.origin])
    for (const o of config.allowedOrigins) {
      try {
        allowed.add(new URL(o).origin)
      } catch {
        // invalid entries are ignored (the config schema already refuses them)
      }
    }
    t = { baseJoin, baseOrigin: base.origin, allowedOrigins: allowed }
    targetsCache.set(config, t)
  }
  return t
}

export type ResolvedUrl = { ok: true; url: string } | { ok: false; message: string }

const NEEDS_ENCODING = /[ \u0080-\uffff]/
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/
/** A `..` path segment, whatever separates it. */
const DOT_DOT_SEGMENT = /(^|[/\\])\.\.($|[/\\;])/

/**
 * Resolves a proxy `endpoint` against the config. A relative path is appended to base_url; an
 * absolute http(s) URL is accepted only for an allowed origin.
 */
export function resolveProxyUrl(endpoint: string | null | undefined, config: HandlerConfig): ResolvedUrl {
  if (endpoint === null || endpoint === undefined) return refuse('endpoint is required')
  let ep = endpoint.trim()
  if (ep === '') return refuse('endpoint is required')
  // Scripts build paths from NPC names: encode raw spaces and non-ASCII instead of refusing them.
  if (NEEDS_ENCODING.test(ep)) {
    const encoded = encodeLoose(ep)
    if (encoded === null) return refuse('endpoint contains invalid characters')
    ep = encoded
  }
  if (ep.length > MAX_ENDPOINT_LENGTH) return refuse(`endpoint is too long (max ${MAX_ENDPOINT_LENGTH} characters)`)

  const raw = checkCharacters(ep, false)
  if (raw !== null) return refuse(raw)

  // Inspect the decoded form too: servers decode before normalizing paths.
  const q = firstIndexOf(ep, '?', '#')
  const rawPath = q < 0 ? ep : ep.slice(0, q)
  const decodedPath = decodeFully(rawPath)
  if (decodedPath === null) return refuse('endpoint has invalid percent-encoding')
  if (DOT_DOT_SEGMENT.test(decodedPath)) return refuse("path traversal ('..') is not allowed in endpoint")
  const decodedPathProblem = checkCharacters(decodedPath, true)
  if (decodedPathProblem !== null) return refuse(decodedPathProblem)
  if (q >= 0) {
    const decodedRest = decodeFully(ep.slice(q))
    if (decodedRest === null) return refuse('endpoint has invalid percent-encoding')
    if (hasCrLfOrControl(decodedRest)) return refuse('endpoint contains encoded control characters (CR/LF)')
  }

  if (ep.startsWith('//')) return refuse("protocol-relative URLs ('//host') are not allowed")

  const targets = serviceTargets(config)
  const scheme = SCHEME.exec(ep)
  if (scheme !== null) {
    const name = scheme[1]!.toLowerCase()
    if (name !== 'http' && name !== 'https') return refuse(`URL scheme '${name}:' is not allowed`)
    let u: URL
    try {
      u = new URL(ep)
    } catch {
      return refuse('endpoint is not a valid URL')
    }
    if (u.username !== '' || u.password !== '') return refuse('credentials in URLs are not allowed')
    if (!targets.allowedOrigins.has(u.origin)) return refuse(`origin ${u.origin} is not allowed (only the AI service and ai_service.allowed_origins)`)
    return { ok: true, url: u.origin + u.pathname + u.search }
  }

  const hash = ep.indexOf('#')
  const rel = hash < 0 ? ep : ep.slice(0, hash)
  return { ok: true, url: targets.baseJoin + (rel.startsWith('/') ? rel : '/' + rel) }
}

function refuse(message: string): ResolvedUrl {
  return { ok: false, message }
}

/** A message for CR/LF, control characters, whitespace or backslashes in `s`, else null. */
function checkCharacters(s: string, decoded: boolean): string | null {
  const prefix = decoded ? 'endpoint contains encoded ' : 'endpoint contains '
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 13 || c === 10) return prefix + 'CR/LF characters'
    if (c < 0x20 || c === 0x7f) return prefix + 'control characters'
    if (!decoded && c === 0x20) return prefix + 'whitespace'
    if (c === 0x5c) return prefix + 'backslashes'
  }
  return null
}

function hasCrLfOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

/**
 * Percent-decodes until stable (max 4 rounds, catching double encoding). null when the input
 * itself is malformed or still decodes after 4 rounds; a later round that fails just means the
 * previous round produced a literal '%' (e.g. "50%25" → "50%"), which is fine.
 */
function decodeFully(s: string): string | null {
  let cur = s
  for (let round = 0; round < 4 && cur.includes('%'); round++) {
    let next: string
    try {
      next = decodeURIComponent(cur)
    } catch {
      return round === 0 ? null : cur
    }
    if (next === cur) return cur
    cur = next
  }
  if (cur.includes('%')) {
    try {
      if (decodeURIComponent(cur) !== cur) return null // encoded more than 4 times: refuse
    } catch {
      // a literal '%': fine
    }
  }
  return cur
}

/** Percent-encodes spaces and non-ASCII characters (UTF-8); null on lone surrogates. */
function encodeLoose(s: string): string | null {
  try {
    return s.replace(/[ \u0080-\uffff]+/g, (m) => encodeURIComponent(m))
  } catch {
    return null
  }
}

function firstIndexOf(s: string, a: string, b: string): number {
  const i = s.indexOf(a)
  const j = s.indexOf(b)
  if (i < 0) return j
  if (j < 0) return i
  return Math.min(i, j)
}
