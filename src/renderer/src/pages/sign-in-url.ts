/**
 * The dashboard link the host prints in its log, as this page would see it: built from the origin
 * that served the page (the host's real address and port), never a hard-coded one.
 */

/** "http://10.0.0.5:9000/?token=…" for the page's origin; the default address when the origin is not http(s). */
export function dashboardLinkExample(origin: string): string {
  const base = /^https?:\/\//.test(origin) ? origin.replace(/\/+$/, '') : 'http://127.0.0.1:8787'
  return `${base}/?token=…`
}
