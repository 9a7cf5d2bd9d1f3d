/**
 * A shared one-second clock for things that tick between pushes (uptime, "5 s ago", retry
 * countdowns): one interval for the whole page, running only while something shows it.
 */
import { useSyncExternalStore } from 'react'

let now = Date.now()
let timer: ReturnType<typeof setInterval> | null = null
const subscribers = new Set<() => void>()

function subscribe(onChange: () => void): () => void {
  subscribers.add(onChange)
  if (!timer) {
    now = Date.now()
    timer = setInterval(() => {
      now = Date.now()
      for (const s of subscribers) s()
    }, 1000)
  }
  return () => {
    subscribers.delete(onChange)
    if (subscribers.size === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  }
}

/** Epoch ms, updated every second while the calling component is mounted. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now)
}
