/**
 * The admin token in the browser: taken from `?token=` once (then removed from the address bar so
 * it does not linger in history, bookmarks or screenshots) and kept in sessionStorage for this tab.
 */

const STORAGE_KEY = 'warp-host.admin-token'

function storage(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null // storage disabled by the browser
  }
}

/** Reads `?token=` (removing it from the address bar) or the token kept for this tab. */
export function takeToken(): string | null {
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl !== null) {
    url.searchParams.delete('token')
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
    const token = fromUrl.trim()
    if (token) {
      saveToken(token)
      return token
    }
  }
  try {
    return storage()?.getItem(STORAGE_KEY) ?? null
  } catch {
    return null
  }
}

export function saveToken(token: string): void {
  try {
    storage()?.setItem(STORAGE_KEY, token)
  } catch {
    // not kept: the user signs in again after a reload
  }
}

export function forgetToken(): void {
  try {
    storage()?.removeItem(STORAGE_KEY)
  } catch {
    // nothing kept
  }
}
