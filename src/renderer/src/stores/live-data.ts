/**
 * Binds the domain stores to a client: subscribes every store to its events, and each time the
 * connection opens (first load and every reconnect) fetches the current status, the logs missed
 * meanwhile (or the whole tail when the host process changed), the config and the shell state. A fetch that fails
 * while the connection stays open (e.g. the desktop app's main process still starting) is retried
 * with the shared backoff (the live resources' DEFAULT_RETRY).
 */
import { backoffDelay } from '../../../shared/backoff'
import type { LiveClient } from '../api/live-client'
import { errorMessage } from '../api/call-result'
import { attachConfigStore, useConfigStore } from './config'
import { attachConnectionStore } from './connection'
import { LOG_BUFFER_SIZE, attachLogsStore, useLogsStore } from './logs'
import { DEFAULT_RETRY } from './live-resource'
import { attachShellStore, loadShellInfo } from './shell'
import { attachStatusStore, useStatusStore } from './status'

export function attachStores(client: LiveClient): () => void {
  const detach = [attachConnectionStore(client), attachStatusStore(client), attachLogsStore(client), attachConfigStore(client), attachShellStore(client)]
  let generation = 0
  let wasOpen = false
  let retryTimer: ReturnType<typeof setTimeout> | null = null

  const run = (mine: number, attempt: number): void => {
    void sync(client, mine, () => generation).then((ok) => {
      if (ok || mine !== generation) return
      retryTimer = setTimeout(() => run(mine, attempt + 1), backoffDelay(attempt, DEFAULT_RETRY))
    })
  }

  const onConnection = (): void => {
    const open = client.getConnection().state === 'open'
    if (open !== wasOpen) {
      generation++
      if (retryTimer) clearTimeout(retryTimer)
      retryTimer = null
      if (open) run(generation, 0)
      else useLogsStore.getState().unsync()
    }
    wasOpen = open
  }
  detach.push(client.onConnection(onConnection))
  onConnection()
  return () => {
    generation++
    if (retryTimer) clearTimeout(retryTimer)
    detach.forEach((d) => d())
  }
}

/** Fetches everything a (re)connect needs; false when something failed and is worth retrying. */
async function sync(client: LiveClient, mine: number, current: () => number): Promise<boolean> {
  const configLoad = useConfigStore.getState().load()
  void loadShellInfo(client)
  let ok = true
  try {
    const status = await client.call('app.status')
    if (mine !== current()) return true
    useStatusStore.getState().receive(status)
    const logs = useLogsStore.getState()
    const sameHost = logs.hostStartedAt === status.startedAt
    const lastSeq = sameHost ? logs.entries[logs.entries.length - 1]?.seq : undefined
    const tail = await client.call('logs.tail', { limit: LOG_BUFFER_SIZE, ...(lastSeq !== undefined ? { afterSeq: lastSeq } : {}) })
    if (mine !== current()) return true
    useLogsStore.getState().applyTail(status.startedAt, tail)
  } catch (err) {
    if (mine !== current()) return true
    useStatusStore.getState().fail(errorMessage(err))
    useLogsStore.getState().fail(errorMessage(err))
    ok = false
  }
  return (await configLoad) && ok
}
