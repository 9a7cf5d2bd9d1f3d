/**
 * Hash routing (`#/logs`): works the same from app:// in the desktop app and from the headless
 * host's static server, with no router dependency.
 */
import { useSyncExternalStore } from 'react'

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange)
  return () => window.removeEventListener('hashchange', onChange)
}

function currentPath(): string {
  return window.location.hash.replace(/^#\/?/, '').split(/[?/]/)[0] ?? ''
}

/** The first path segment after `#/` ("" on the start page). */
export function useRoutePath(): string {
  return useSyncExternalStore(subscribe, currentPath)
}

export function hrefFor(path: string): string {
  return `#/${path}`
}
