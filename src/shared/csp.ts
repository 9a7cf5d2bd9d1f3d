/**
 * The one Content-Security-Policy of the dashboard, used by all three places that serve it: the
 * Electron window (app:// responses), the headless dashboard server (HTTP header) and the HTML
 * itself (a <meta> tag injected at build time by electron.vite.config.ts). No inline or remote
 * script, no inline style (React sets styles through the CSSOM, which CSP allows), no frames,
 * no plugins; the page talks only to its own origin (the headless bridge's ws:// is same-host).
 * No Node, Electron or DOM APIs here.
 */

/** Directive → sources. Order is the order of the serialized policy. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'worker-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"]
})

/** Directives a <meta> CSP cannot carry (browsers ignore them there and warn). */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'report-to', 'sandbox'])

function serialize(directives: Readonly<Record<string, readonly string[]>>, skip: ReadonlySet<string> = new Set()): string {
  return Object.entries(directives)
    .filter(([name]) => !skip.has(name))
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ')
}

/** The policy as an HTTP response header (Electron window, headless dashboard). */
export const CONTENT_SECURITY_POLICY = serialize(CSP_DIRECTIVES)

/** The same policy for the HTML's <meta http-equiv> (without the header-only directives). */
export const CONTENT_SECURITY_POLICY_META = serialize(CSP_DIRECTIVES, HEADER_ONLY)

/**
 * The dev server's relaxation (`electron-vite dev` only, never a build): its react-refresh
 * preamble is an inline script, it injects <style> tags, and HMR talks over ws:// to `devOrigin`.
 */
export function devContentSecurityPolicy(devOrigin: string, opts: { meta?: boolean } = {}): string {
  const ws = devOrigin.replace(/^http/, 'ws')
  return serialize(
    {
      ...CSP_DIRECTIVES,
      'script-src': ["'self'", "'unsafe-inline'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'connect-src': ["'self'", ws]
    },
    opts.meta ? HEADER_ONLY : new Set()
  )
}
