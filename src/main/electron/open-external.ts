/**
 * The one way the app opens something outside itself: http(s) URLs in the user's browser.
 * Every other scheme (file:, javascript:, smb:, custom protocol handlers…) is refused and logged,
 * so a compromised page cannot launch local programs through shell.openExternal.
 */
import { shell } from 'electron'
import type { Logger } from '../logging/logger'

/** True for well-formed http: and https: URLs only. */
export function isExternalUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== ''
  } catch {
    return false
  }
}

/** Opens `url` in the default browser if it is http(s); returns whether it was opened. */
export async function openExternal(url: string, log: Logger): Promise<boolean> {
  if (!isExternalUrlAllowed(url)) {
    log.warn('refused to open a non-http(s) URL outside the app', { url: String(url).slice(0, 200) })
    return false
  }
  try {
    await shell.openExternal(url)
    return true
  } catch (err) {
    log.warn('could not open the URL in the browser', { url: url.slice(0, 200), error: err instanceof Error ? err.message : String(err) })
    return false
  }
}
