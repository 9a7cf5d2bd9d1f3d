/**
 * The coordinator domain: the host registry a Hosts page shows — which registry this is (the
 * embedded one or a remote coordinator), its address and API key, and its hosts, zones and
 * sessions in the coordinator's own wire shapes (snake_case, as `/api/v1` sends them; the same
 * schemas validate a remote coordinator's answers).
 */
import { z } from 'zod'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { COORDINATOR_EVENTS, COORDINATOR_METHODS } from './names'

export const CoordinatorHostStatusSchema = z.enum(['online', 'offline', 'busy', 'maintenance'])
export const CoordinatorZoneStatusSchema = z.enum(['enabled', 'disabled', 'maintenance'])
export const CoordinatorSessionStatusSchema = z.enum(['pending', 'active', 'paused', 'ended', 'failed'])

/** A host as `/api/v1/hosts` answers it. */
export const CoordinatorHostSchema = z.object({
  host_id: z.string(),
  player_id: z.string(),
  player_name: z.string(),
  ip_address: z.string(),
  port: z.number().int(),
  public_ip: z.string().nullable(),
  cpu_cores: z.number().int(),
  cpu_frequency_mhz: z.number(),
  memory_mb: z.number().int(),
  network_speed_mbps: z.number(),
  latency_ms: z.number(),
  packet_loss_percent: z.number(),
  bandwidth_usage_mbps: z.number(),
  status: CoordinatorHostStatusSchema,
  max_players: z.number().int(),
  current_players: z.number().int(),
  max_zones: z.number().int(),
  current_zones: z.number().int(),
  quality_score: z.number(),
  ice_servers: z.array(z.unknown()).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  last_heartbeat: z.string()
})
export type CoordinatorHost = z.infer<typeof CoordinatorHostSchema>

/** A zone as `/api/v1/zones` answers it. */
export const CoordinatorZoneSchema = z.object({
  zone_id: z.string(),
  zone_name: z.string(),
  zone_display_name: z.string(),
  map_name: z.string(),
  max_players: z.number().int(),
  recommended_players: z.number().int(),
  p2p_enabled: z.boolean(),
  p2p_priority: z.number().int(),
  fallback_enabled: z.boolean(),
  min_host_quality_score: z.number(),
  min_bandwidth_mbps: z.number(),
  max_latency_ms: z.number(),
  status: CoordinatorZoneStatusSchema,
  total_sessions: z.number().int(),
  active_sessions: z.number().int(),
  total_players_served: z.number().int(),
  created_at: z.string(),
  updated_at: z.string()
})
export type CoordinatorZone = z.infer<typeof CoordinatorZoneSchema>

/** A session as `/api/v1/sessions` answers it (`session_id` = "session-" + 16 hex). */
export const CoordinatorSessionSchema = z.object({
  session_id: z.string(),
  host_id: z.string(),
  zone_id: z.string(),
  connected_players: z.array(z.string()),
  current_players: z.number().int(),
  max_players: z.number().int(),
  status: CoordinatorSessionStatusSchema,
  average_latency_ms: z.number(),
  average_packet_loss_percent: z.number(),
  bandwidth_usage_mbps: z.number(),
  end_reason: z.string().nullable(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string()
})
export type CoordinatorSession = z.infer<typeof CoordinatorSessionSchema>

export const CoordinatorInfoSchema = z.object({
  /** `embedded`: WARP Host serves the registry; `remote`: COORDINATOR_URL points at another one. */
  mode: z.enum(['embedded', 'remote']),
  /** The coordinator service's state (app.status). */
  state: z.string(),
  /** The registry's base URL (embedded: where it listens, once running; remote: COORDINATOR_URL). */
  url: z.string().nullable(),
  /** The X-API-Key players' hosts send to the embedded registry (null for a remote one or before the first start). */
  apiKey: z.string().nullable(),
  /** The monitoring dashboard's counts (null while the registry is not running). */
  counts: z
    .object({
      hostsTotal: z.number().int(),
      hostsOnline: z.number().int(),
      averageQualityScore: z.number(),
      zonesTotal: z.number().int(),
      zonesP2pEnabled: z.number().int(),
      sessionsTotal: z.number().int(),
      sessionsActive: z.number().int(),
      playersInActiveSessions: z.number().int()
    })
    .nullable()
})
export type CoordinatorInfo = z.infer<typeof CoordinatorInfoSchema>

/**
 * A zone's requirements and capacity as the Hosts page edits them (the zone's own wire field
 * names, the registry's limits): a host must meet them to be chosen for the zone.
 */
export const CoordinatorZoneRequirementsSchema = z
  .object({
    min_host_quality_score: z.number().min(0).max(100),
    min_bandwidth_mbps: z.number().min(0).max(10_000_000),
    max_latency_ms: z.number().min(0).max(1_000_000),
    p2p_priority: z.number().int().min(1).max(10),
    max_players: z.number().int().min(1).max(100_000),
    recommended_players: z.number().int().min(1).max(100_000)
  })
  .strict()
  .refine((r) => r.recommended_players <= r.max_players, { message: 'must not exceed the maximum players', path: ['recommended_players'] })
export type CoordinatorZoneRequirements = z.infer<typeof CoordinatorZoneRequirementsSchema>

const RegistryId = z.string().min(1).max(128)

export const coordinatorMethods = {
  'coordinator.info': method(NoInput, CoordinatorInfoSchema, 'Which registry this is (embedded or remote), its address, API key and counts'),
  'coordinator.hosts': method(
    z.object({ status: CoordinatorHostStatusSchema.optional(), minQualityScore: z.number().min(0).max(100).optional() }).strict().optional(),
    z.object({ hosts: z.array(CoordinatorHostSchema) }),
    'Registered hosts, best quality first (filters: status, minimum quality score)'
  ),
  'coordinator.zones': method(
    z.object({ p2pEnabled: z.boolean().optional() }).strict().optional(),
    z.object({ zones: z.array(CoordinatorZoneSchema) }),
    'Zones, highest P2P priority first (filter: P2P enabled)'
  ),
  'coordinator.sessions': method(
    z
      .object({
        status: CoordinatorSessionStatusSchema.optional(),
        hostId: z.string().min(1).max(128).optional(),
        zoneId: z.string().min(1).max(128).optional(),
        limit: z.number().int().min(1).max(10_000).default(200)
      })
      .strict()
      .prefault({}),
    z.object({ sessions: z.array(CoordinatorSessionSchema) }),
    'Sessions, newest first (filters: status, host, zone)'
  ),
  'coordinator.setZoneP2p': method(
    z.object({ zoneId: RegistryId, enabled: z.boolean() }).strict(),
    z.object({ zone: CoordinatorZoneSchema }),
    'Enables or disables P2P hosting for a zone (embedded registry)'
  ),
  'coordinator.updateZone': method(
    z.object({ zoneId: RegistryId, requirements: CoordinatorZoneRequirementsSchema }).strict(),
    z.object({ zone: CoordinatorZoneSchema }),
    "Sets a zone's host requirements, P2P priority and player limits (embedded registry)"
  ),
  'coordinator.endSession': method(
    z.object({ sessionId: RegistryId, reason: z.string().trim().min(1).max(200).default('ended from the Hosts page') }).strict(),
    z.object({ ended: z.boolean(), session: CoordinatorSessionSchema }),
    'Ends a session (its players leave it); ended is false when it had already ended (embedded registry)'
  )
} as const satisfies MethodTableOf<typeof COORDINATOR_METHODS>

export const coordinatorEvents = {} as const satisfies EventTableOf<typeof COORDINATOR_EVENTS>
