/**
 * The coordinator's request shapes (zod), with the real service's limits, and the FastAPI-style
 * 422 body a failed validation answers: `{"detail":[{"type","loc","msg","input"?}]}`. Unknown
 * fields are ignored (as pydantic does); ids are 1–128 printable characters without `/`.
 */
import { z } from 'zod'

const id = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[^\s/\\?#]+$/, 'must not contain spaces, slashes, ? or #')
const name = z.string().trim().min(1).max(128)
const address = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[^\s/]+$/, 'must be an IP address or host name')

export const HostRegisterSchema = z.object({
  host_id: id,
  player_id: id,
  player_name: name,
  ip_address: address,
  port: z.number().int().min(1).max(65535),
  public_ip: address.nullish(),
  cpu_cores: z.number().int().min(1).max(4096),
  cpu_frequency_mhz: z.number().min(1).max(1_000_000),
  memory_mb: z.number().int().min(1).max(1 << 30),
  network_speed_mbps: z.number().min(1).max(10_000_000),
  max_players: z.number().int().min(1).max(10_000).optional(),
  max_zones: z.number().int().min(1).max(1000).optional(),
  ice_servers: z.array(z.unknown()).max(32).nullish()
})
export type HostRegisterBody = z.infer<typeof HostRegisterSchema>

export const HeartbeatSchema = z.object({
  latency_ms: z.number().min(0).max(1_000_000).optional(),
  packet_loss_percent: z.number().min(0).max(100).optional(),
  bandwidth_usage_mbps: z.number().min(0).max(10_000_000).optional(),
  current_players: z.number().int().min(0).max(1_000_000).optional(),
  current_zones: z.number().int().min(0).max(100_000).optional()
})
export type HeartbeatBody = z.infer<typeof HeartbeatSchema>

const queryNumber = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema)
const queryBool = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean())

export const HostStatusSchema = z.enum(['online', 'offline', 'busy', 'maintenance'])
export const HostListQuery = z.object({
  status_filter: HostStatusSchema.optional(),
  min_quality_score: queryNumber(z.number().min(0).max(100)).optional()
})
export const AvailableQuery = z.object({ zone_id: id.optional() })
export const HostParams = z.object({ host_id: id })

export const ZoneStatusSchema = z.enum(['enabled', 'disabled', 'maintenance'])
export const ZoneUpsertSchema = z.object({
  zone_id: id,
  zone_name: name,
  zone_display_name: name.optional(),
  map_name: name.optional(),
  max_players: z.number().int().min(1).max(100_000).default(100),
  recommended_players: z.number().int().min(1).max(100_000).default(50),
  p2p_enabled: z.boolean().default(false),
  p2p_priority: z.number().int().min(1).max(10).default(5),
  fallback_enabled: z.boolean().default(true),
  min_host_quality_score: z.number().min(0).max(100).default(50),
  min_bandwidth_mbps: z.number().min(0).max(10_000_000).default(10),
  max_latency_ms: z.number().min(0).max(1_000_000).default(100),
  status: ZoneStatusSchema.default('enabled')
})
export type ZoneUpsertBody = z.infer<typeof ZoneUpsertSchema>
export const ZoneParams = z.object({ zone_id: id })
export const ZoneListQuery = z.object({ p2p_enabled: queryBool.optional() })
export const ZoneStatusQuery = z.object({ new_status: ZoneStatusSchema })

export const SessionStatusSchema = z.enum(['pending', 'active', 'paused', 'ended', 'failed'])
export const SessionCreateSchema = z.object({
  host_id: id,
  zone_id: id,
  player_ids: z.array(id).max(10_000).default([]),
  max_players: z.number().int().min(1).max(10_000).optional()
})
export type SessionCreateBody = z.infer<typeof SessionCreateSchema>
export const SessionParams = z.object({ session_id: id })
export const SessionPlayerParams = z.object({ session_id: id, player_id: id })
export const SessionListQuery = z.object({
  status_filter: SessionStatusSchema.optional(),
  host_id: id.optional(),
  zone_id: id.optional(),
  limit: queryNumber(z.number().int().min(1).max(10_000)).default(100)
})
export const SessionEndQuery = z.object({ reason: z.string().trim().min(1).max(200).default('ended by request') })
export const SessionMetricsSchema = z.object({
  avg_latency_ms: z.number().min(0).max(1_000_000).nullish(),
  packet_loss_percent: z.number().min(0).max(100).nullish(),
  bandwidth_usage_mbps: z.number().min(0).max(10_000_000).nullish()
})
export type SessionMetricsBody = z.infer<typeof SessionMetricsSchema>
export const AddPlayerSchema = z.object({ player_id: id })
export const CleanupQuery = z.object({ timeout_minutes: queryNumber(z.number().int().min(1).max(100_000)).default(30) })
export const HostedZoneQuery = z.object({ host_id: id })

export const TokenRequestSchema = z.object({
  player_id: id,
  user_id: z.union([id, z.number().int()]).nullish(),
  api_key: z.string().max(256).nullish()
})
export const RefreshRequestSchema = z.object({ refresh_token: z.string().min(1).max(4096) })

/** One FastAPI-style validation error entry. */
export interface ValidationDetail {
  type: string
  loc: (string | number)[]
  msg: string
}

/** A request part failed its schema: answered 422 with the field details. */
export class ValidationError extends Error {
  constructor(readonly details: ValidationDetail[]) {
    super(details.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '))
  }
}

/** Parses one part of a request (`body`, `query`, `path`) or throws ValidationError. */
export function parsePart<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}))
  if (r.success) return r.data
  throw new ValidationError(
    r.error.issues.map((i) => {
      const missing = i.code === 'invalid_type' && /received undefined/.test(i.message)
      return { type: missing ? 'missing' : i.code, loc: [where, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], msg: missing ? 'Field required' : i.message }
    })
  )
}
