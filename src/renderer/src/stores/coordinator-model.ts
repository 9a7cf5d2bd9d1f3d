/**
 * The Hosts & Zones page's pure logic (no React, no store): sorting the hosts table, the quality
 * buckets of the distribution chart (the coordinator's own: excellent ≥ 90, good 70–89, fair
 * 50–69, poor < 50), the zone requirements form (strings in, the contract's schema validates), and
 * the order sessions are listed in.
 */
import {
  CoordinatorZoneRequirementsSchema,
  type CoordinatorHost,
  type CoordinatorSession,
  type CoordinatorZone,
  type CoordinatorZoneRequirements
} from '../../../shared/contract'

// ---- hosts: sorting -------------------------------------------------------------------------

export type HostSortKey = 'name' | 'quality' | 'status' | 'players' | 'zones' | 'heartbeat'
export type SortDir = 'asc' | 'desc'
export interface HostSort {
  key: HostSortKey
  dir: SortDir
}

/** The registry's own order: best quality first. */
export const DEFAULT_HOST_SORT: HostSort = { key: 'quality', dir: 'desc' }

/** Numbers read best biggest-first, names and statuses A→Z. */
const FIRST_DIR: Record<HostSortKey, SortDir> = { name: 'asc', quality: 'desc', status: 'asc', players: 'desc', zones: 'desc', heartbeat: 'desc' }

/** Clicking a column: the same column flips its direction, another starts at its natural one. */
export function nextHostSort(current: HostSort, key: HostSortKey): HostSort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
  return { key, dir: FIRST_DIR[key] }
}

/** Online first, then busy, maintenance, offline (the order an admin cares about). */
const STATUS_RANK: Record<CoordinatorHost['status'], number> = { online: 0, busy: 1, maintenance: 2, offline: 3 }

function timeOf(iso: string): number {
  const t = Date.parse(iso)
  return Number.isFinite(t) ? t : 0
}

function compareBy(key: HostSortKey, a: CoordinatorHost, b: CoordinatorHost): number {
  switch (key) {
    case 'name':
      return a.player_name.localeCompare(b.player_name) || a.host_id.localeCompare(b.host_id)
    case 'quality':
      return a.quality_score - b.quality_score
    case 'status':
      return STATUS_RANK[a.status] - STATUS_RANK[b.status]
    case 'players':
      return a.current_players - b.current_players || a.max_players - b.max_players
    case 'zones':
      return a.current_zones - b.current_zones
    case 'heartbeat':
      return timeOf(a.last_heartbeat) - timeOf(b.last_heartbeat)
  }
}

/** A sorted copy; ties keep a stable order (best quality, then host id). */
export function sortHosts(hosts: readonly CoordinatorHost[], sort: HostSort): CoordinatorHost[] {
  const sign = sort.dir === 'asc' ? 1 : -1
  return hosts
    .slice()
    .sort((a, b) => sign * compareBy(sort.key, a, b) || b.quality_score - a.quality_score || a.host_id.localeCompare(b.host_id))
}

// ---- quality buckets ------------------------------------------------------------------------

export type QualityBucket = 'excellent' | 'good' | 'fair' | 'poor'

export const QUALITY_BUCKETS: readonly { key: QualityBucket; label: string; range: string }[] = [
  { key: 'excellent', label: 'Excellent', range: '90–100' },
  { key: 'good', label: 'Good', range: '70–89' },
  { key: 'fair', label: 'Fair', range: '50–69' },
  { key: 'poor', label: 'Poor', range: '0–49' }
]

export function qualityBucket(score: number): QualityBucket {
  if (score >= 90) return 'excellent'
  if (score >= 70) return 'good'
  if (score >= 50) return 'fair'
  return 'poor'
}

export interface QualityBucketCount {
  key: QualityBucket
  label: string
  range: string
  /** Online hosts in the bucket (the ones a zone can be given to). */
  online: number
  /** Hosts in the bucket that are offline, busy or in maintenance. */
  other: number
}

/** Hosts per quality bucket, online and not, best bucket first. */
export function qualityDistribution(hosts: readonly CoordinatorHost[]): QualityBucketCount[] {
  const counts = new Map<QualityBucket, { online: number; other: number }>(QUALITY_BUCKETS.map((b) => [b.key, { online: 0, other: 0 }]))
  for (const h of hosts) {
    const c = counts.get(qualityBucket(h.quality_score))!
    if (h.status === 'online') c.online++
    else c.other++
  }
  return QUALITY_BUCKETS.map((b) => ({ ...b, ...counts.get(b.key)! }))
}

// ---- zone requirements form -----------------------------------------------------------------

export type RequirementField = keyof CoordinatorZoneRequirements
export type RequirementsDraft = Record<RequirementField, string>

export const REQUIREMENT_FIELDS: readonly { key: RequirementField; label: string; unit?: string; step: string }[] = [
  { key: 'min_host_quality_score', label: 'Minimum host quality', unit: '0–100', step: '0.1' },
  { key: 'min_bandwidth_mbps', label: 'Minimum bandwidth', unit: 'Mbps', step: '1' },
  { key: 'max_latency_ms', label: 'Maximum latency', unit: 'ms', step: '1' },
  { key: 'p2p_priority', label: 'P2P priority', unit: '1–10', step: '1' },
  { key: 'max_players', label: 'Maximum players', step: '1' },
  { key: 'recommended_players', label: 'Recommended players', step: '1' }
]

export function requirementsDraft(zone: CoordinatorZone): RequirementsDraft {
  return {
    min_host_quality_score: String(zone.min_host_quality_score),
    min_bandwidth_mbps: String(zone.min_bandwidth_mbps),
    max_latency_ms: String(zone.max_latency_ms),
    p2p_priority: String(zone.p2p_priority),
    max_players: String(zone.max_players),
    recommended_players: String(zone.recommended_players)
  }
}

export type ParsedRequirements = { ok: true; value: CoordinatorZoneRequirements } | { ok: false; errors: Partial<Record<RequirementField, string>> }

/** The form's strings through the contract's schema: the values to send, or a message per field. */
export function parseRequirements(draft: RequirementsDraft): ParsedRequirements {
  const errors: Partial<Record<RequirementField, string>> = {}
  const raw: Record<string, number> = {}
  for (const { key } of REQUIREMENT_FIELDS) {
    const text = draft[key].trim()
    const n = text === '' ? Number.NaN : Number(text)
    if (!Number.isFinite(n)) errors[key] = 'Enter a number'
    else raw[key] = n
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  const parsed = CoordinatorZoneRequirementsSchema.safeParse(raw)
  if (parsed.success) return { ok: true, value: parsed.data }
  for (const issue of parsed.error.issues) {
    const key = issue.path[0] as RequirementField | undefined
    if (key && !errors[key]) errors[key] = issueText(issue)
  }
  return { ok: false, errors }
}

function issueText(issue: { code: string; message: string; minimum?: unknown; maximum?: unknown; expected?: unknown }): string {
  if (issue.code === 'too_small' && typeof issue.minimum !== 'undefined') return `Must be at least ${String(issue.minimum)}`
  if (issue.code === 'too_big' && typeof issue.maximum !== 'undefined') return `Must be at most ${String(issue.maximum)}`
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'Must be a whole number'
  return issue.message.charAt(0).toUpperCase() + issue.message.slice(1)
}

// ---- sessions -------------------------------------------------------------------------------

export function isOpenSession(s: CoordinatorSession): boolean {
  return s.status === 'pending' || s.status === 'active' || s.status === 'paused'
}

/** Open sessions first (newest first within each group, as the registry sends them). */
export function orderSessions(sessions: readonly CoordinatorSession[], showEnded: boolean): CoordinatorSession[] {
  const open = sessions.filter(isOpenSession)
  return showEnded ? open.concat(sessions.filter((s) => !isOpenSession(s))) : open
}
