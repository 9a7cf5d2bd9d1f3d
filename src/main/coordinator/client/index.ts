/**
 * The coordinator client: this host registered with a coordinator (remote via COORDINATOR_URL,
 * or the embedded registry), heartbeats, HOST_ZONES sessions. `startCoordinatorClient` builds the
 * HTTP client (registered as "coordinator" so its figures show in metrics.http), the REST client
 * and the host agent, and starts it; the returned handle stops it (ends sessions, deregisters).
 */
import type { BackoffOptions } from '../../../shared/backoff'
import { HttpClient } from '../../http/http-client'
import type { HttpClientRegistry } from '../../http/registry'
import type { Logger } from '../../logging/logger'
import type { SignalingDialect } from '../signaling'
import { HostAgent, type HostingReport, type HostMeta } from './host-agent'
import { CoordinatorRest } from './rest'

export { HostAgent, HOST_ID_META_KEY, DEFAULT_HEARTBEAT_MS, type HostAgentView, type HostingReport, type SessionReport } from './host-agent'
export { CoordinatorCallError, CoordinatorRest } from './rest'

/** Test and bench overrides of the client's timing. */
export interface CoordinatorClientSettings {
  heartbeatMs?: number
  backoff?: BackoffOptions
  joinWaitMs?: number
  dialect?: SignalingDialect
}

export interface CoordinatorClientHandle {
  agent: HostAgent
  stop(): Promise<void>
}

export async function startCoordinatorClient(o: {
  baseUrl: string
  apiKey: string
  zones: readonly string[]
  store: HostMeta
  log: Logger
  httpClients?: HttpClientRegistry
  settings?: CoordinatorClientSettings
  onHealth?: (error: string | undefined) => void
  onChange?: () => void
  hostingReport?: () => HostingReport | null
}): Promise<CoordinatorClientHandle> {
  const http = new HttpClient({ timeoutMs: 5000, maxRetries: 0, rateLimit: false, cache: false, log: o.log })
  const unregister = o.httpClients?.register('coordinator', http) ?? (() => undefined)
  const rest = new CoordinatorRest({ baseUrl: o.baseUrl, apiKey: o.apiKey, http })
  const agent = new HostAgent({ rest, store: o.store, zones: o.zones, log: o.log, ...o.settings, onHealth: o.onHealth, onChange: o.onChange, hostingReport: o.hostingReport })
  const stop = async (): Promise<void> => {
    try {
      await agent.stop()
    } finally {
      unregister()
      await http.close().catch(() => undefined)
    }
  }
  try {
    await agent.start()
  } catch (err) {
    await stop()
    throw err
  }
  return { agent, stop }
}
