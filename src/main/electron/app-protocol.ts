/**
 * The renderer's own origin: the built dashboard is served over the privileged custom scheme
 * `app://warp-host/…` instead of file:// (the packaged binary turns the file protocol's extra
 * privileges off with the GrantFileProtocolExtraPrivileges fuse). Every request is mapped to a
 * file under the renderer folder with a path-traversal check — `..` segments, encoded separators,
 * backslashes, drive letters, NUL bytes and anything resolving outside the folder are refused —
 * and answered with the one CSP (src/shared/csp.ts) and nosniff.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { protocol } from 'electron'
import { CONTENT_SECURITY_POLICY } from '../../shared/csp'
import { contentTypeOf } from '../bridge/content-types'
import type { Logger } from '../logging/logger'

export const APP_SCHEME = 'app'
export const APP_HOST = 'warp-host'
/** Our origin as Chromium reports it (a standard scheme has a real origin). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`


/**
 * Registers app:// as a standard, secure scheme with fetch support. Electron requires this before
 * the app is ready; call it at module load of the entry. Deliberately NOT corsEnabled (that would
 * make app:// readable cross-origin) nor bypassCSP: the dashboard's own module scripts are
 * same-origin requests and need neither.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } }
  ])
}

/**
 * The file under `root` that an app:// URL names, or null when the URL is not ours or tries to
 * leave `root`. `/` is index.html.
 */
export function resolveAppFile(url: string, root: string): string | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return null
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password || u.port) return null
  let rel: string
  try {
    rel = decodeURIComponent(u.pathname)
  } catch {
    return null // malformed %-encoding
  }
  // The raw path must not smuggle separators or dot segments past URL parsing (%2F, %5C, %2e%2e).
  if (rel.includes('\0') || rel.includes('\\')) return null
  const segments = rel.split('/').filter((s) => s !== '')
  if (segments.some((s) => s === '..' || s === '.' || /^[a-zA-Z]:/.test(s))) return null
  if (segments.length === 0) segments.push('index.html')
  const base = path.resolve(root)
  const file = path.resolve(base, ...segments)
  const inside = path.relative(base, file)
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return null
  return file
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } })
}

/** Answers one app:// request from `root` (GET/HEAD only). */
export async function serveAppRequest(request: { url: string; method: string }, root: string, log: Logger): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'method not allowed')
  const file = resolveAppFile(request.url, root)
  if (!file) {
    log.warn('refused an app:// request outside the dashboard folder', { url: request.url.slice(0, 200) })
    return textResponse(403, 'forbidden')
  }
  let body: Buffer
  try {
    body = await fs.readFile(file)
  } catch {
    return textResponse(404, 'not found')
  }
  const ext = path.extname(file).toLowerCase()
  const headers: Record<string, string> = {
    'Content-Type': contentTypeOf(file),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache'
  }
  if (ext === '.html') headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers })
}

/** Serves app:// from `root` (after app ready); returns the function that stops serving it. */
export function handleAppScheme(root: string, log: Logger): () => void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, root, log))
  return () => protocol.unhandle(APP_SCHEME)
}
