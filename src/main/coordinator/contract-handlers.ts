/**
 * The coordinator domain's contract methods (coordinator.info, .hosts, .zones, .sessions; the Hosts
 * page's actions .setZoneP2p, .updateZone, .endSession through the registry store). They
 * read the running embedded registry; with a remote coordinator configured (the client is later
 * work) or the registry not running, `coordinator.info` says so and the lists answer `unavailable`.
 */
import { ContractCallError } from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import type { Handlers } from '../dispatch'
import { RegistryError, type RegistryStore } from './registry-store'
import type { CoordinatorService } from './service'

export type CoordinatorMethod =
  | 'coordinator.info'
  | 'coordinator.hosts'
  | 'coordinator.zones'
  | 'coordinator.sessions'
  | 'coordinator.setZoneP2p'
  | 'coordinator.updateZone'
  | 'coordinator.endSession'

/** A registry failure (404 unknown id, 400 refused) as the contract's error. */
function fromRegistry<T>(work: () => T): T {
  try {
    return work()
  } catch (err) {
    if (err instanceof RegistryError) throw new ContractCallError(err.status === 404 ? 'not_found' : 'conflict', err.detail)
    throw err
  }
}

export function coordinatorHandlers(service: () => CoordinatorService | undefined, config: () => Config): Pick<Handlers, CoordinatorMethod> {
  const registry = (): RegistryStore => {
    const c = config().coordinator
    if (c.url !== '') throw new ContractCallError('unavailable', `A remote coordinator is configured (${c.url}); browsing it from WARP Host is not available yet.`)
    const s = service()
    const store = s?.registryStore
    if (!store) {
      const st = s?.status()
      throw new ContractCallError('unavailable', `The embedded coordinator registry is not running${st ? ` (${st.state}${st.error ? `: ${st.error}` : ''})` : ''}.`)
    }
    return store
  }
  return {
    'coordinator.info': () => {
      const c = config().coordinator
      const s = service()
      if (c.url !== '') return { mode: 'remote', state: s?.status().state ?? 'disabled', url: c.url, apiKey: null, counts: null }
      const store = s?.registryStore ?? null
      const n = store?.counts() ?? null
      return {
        mode: 'embedded',
        state: s?.status().state ?? 'stopped',
        url: s?.registryServer ? `${s.registryServer.url}/api/v1` : null,
        apiKey: s && s.apiKey !== '' ? s.apiKey : null,
        counts: n
          ? {
              hostsTotal: n.hosts_total,
              hostsOnline: n.hosts_online,
              averageQualityScore: Math.round((n.quality_avg ?? 0) * 100) / 100,
              zonesTotal: n.zones_total,
              zonesP2pEnabled: n.zones_enabled,
              sessionsTotal: n.sessions_total,
              sessionsActive: n.sessions_active,
              playersInActiveSessions: n.players
            }
          : null
      }
    },
    'coordinator.hosts': (input) => ({ hosts: registry().hosts({ status: input?.status, minQuality: input?.minQualityScore }) }),
    'coordinator.zones': (input) => ({ zones: registry().zones({ p2pEnabled: input?.p2pEnabled }) }),
    'coordinator.sessions': (input) => ({ sessions: registry().sessions({ status: input.status, hostId: input.hostId, zoneId: input.zoneId, limit: input.limit }) }),
    'coordinator.setZoneP2p': (input) => ({ zone: fromRegistry(() => registry().setZoneP2p(input.zoneId, input.enabled)) }),
    'coordinator.updateZone': (input) =>
      fromRegistry(() => {
        const store = registry()
        const z = store.zone(input.zoneId)
        // The REST upsert with the zone's other fields unchanged.
        return {
          zone: store.upsertZone({
            zone_id: z.zone_id,
            zone_name: z.zone_name,
            zone_display_name: z.zone_display_name,
            map_name: z.map_name,
            p2p_enabled: z.p2p_enabled,
            fallback_enabled: z.fallback_enabled,
            status: z.status,
            ...input.requirements
          })
        }
      }),
    'coordinator.endSession': (input) =>
      fromRegistry(() => {
        const store = registry()
        const ended = store.endSession(input.sessionId, input.reason)
        return { ended, session: store.session(input.sessionId) }
      })
  }
}
