// The Hosts & Zones page's pure logic: host sorting (columns, direction toggling, stable ties),
// the quality buckets and distribution, the zone requirements form through the contract's schema,
// and the order sessions are listed in.
import { describe, expect, it } from 'vitest'
import type { CoordinatorHost, CoordinatorSession, CoordinatorZone } from '../../../src/shared/contract'
import {
  DEFAULT_HOST_SORT,
  nextHostSort,
  orderSessions,
  parseRequirements,
  qualityBucket,
  qualityDistribution,
  requirementsDraft,
  sortHosts
} from '../../../src/renderer/src/stores/coordinator-model'

function host(id: string, over: Partial<CoordinatorHost> = {}): CoordinatorHost {
  return {
    host_id: id,
    player_id: `p-${id}`,
    player_name: id.toUpperCase(),
    ip_address: '10.0.0.1',
    port: 7000,
    public_ip: null,
    cpu_cores: 8,
    cpu_frequency_mhz: 3000,
    memory_mb: 16384,
    network_speed_mbps: 1000,
    latency_ms: 20,
    packet_loss_percent: 0,
    bandwidth_usage_mbps: 0,
    status: 'online',
    max_players: 50,
    current_players: 0,
    max_zones: 5,
    current_zones: 0,
    quality_score: 80,
    ice_servers: null,
    created_at: '2026-12-01T10:00:00.000Z',
    updated_at: '2026-12-01T10:00:00.000Z',
    last_heartbeat: '2026-12-01T10:00:00.000Z',
    ...over
  }
}

const zone: CoordinatorZone = {
  zone_id: 'prontera',
  zone_name: 'prontera',
  zone_display_name: 'Prontera',
  map_name: 'prontera',
  max_players: 100,
  recommended_players: 50,
  p2p_enabled: true,
  p2p_priority: 5,
  fallback_enabled: true,
  min_host_quality_score: 50,
  min_bandwidth_mbps: 10,
  max_latency_ms: 100,
  status: 'enabled',
  total_sessions: 0,
  active_sessions: 0,
  total_players_served: 0,
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:00.000Z'
}

describe('host sorting', () => {
  const hosts = [
    host('a', { quality_score: 70, status: 'offline', current_players: 3, current_zones: 1, last_heartbeat: '2026-12-01T10:00:03.000Z' }),
    host('b', { quality_score: 95, status: 'online', current_players: 10, current_zones: 2, last_heartbeat: '2026-12-01T10:00:01.000Z' }),
    host('c', { quality_score: 40, status: 'busy', current_players: 0, current_zones: 4, last_heartbeat: '2026-12-01T10:00:02.000Z' })
  ]
  const ids = (hs: CoordinatorHost[]): string[] => hs.map((h) => h.host_id)

  it('sorts by every column, both directions, without touching the input', () => {
    expect(ids(sortHosts(hosts, DEFAULT_HOST_SORT))).toEqual(['b', 'a', 'c'])
    expect(ids(sortHosts(hosts, { key: 'quality', dir: 'asc' }))).toEqual(['c', 'a', 'b'])
    expect(ids(sortHosts(hosts, { key: 'players', dir: 'desc' }))).toEqual(['b', 'a', 'c'])
    expect(ids(sortHosts(hosts, { key: 'zones', dir: 'desc' }))).toEqual(['c', 'b', 'a'])
    expect(ids(sortHosts(hosts, { key: 'heartbeat', dir: 'desc' }))).toEqual(['a', 'c', 'b'])
    expect(ids(sortHosts(hosts, { key: 'status', dir: 'asc' }))).toEqual(['b', 'c', 'a'])
    expect(ids(sortHosts(hosts, { key: 'name', dir: 'desc' }))).toEqual(['c', 'b', 'a'])
    expect(ids(hosts)).toEqual(['a', 'b', 'c'])
  })

  it('breaks ties by quality (best first), then host id', () => {
    const tied = [host('z', { quality_score: 60 }), host('y', { quality_score: 90 }), host('x', { quality_score: 60 })]
    expect(ids(sortHosts(tied, { key: 'players', dir: 'asc' }))).toEqual(['y', 'x', 'z'])
    expect(ids(sortHosts(tied, { key: 'players', dir: 'desc' }))).toEqual(['y', 'x', 'z'])
  })

  it('a click on the sorted column flips it; another column starts at its natural direction', () => {
    expect(nextHostSort(DEFAULT_HOST_SORT, 'quality')).toEqual({ key: 'quality', dir: 'asc' })
    expect(nextHostSort({ key: 'quality', dir: 'asc' }, 'quality')).toEqual({ key: 'quality', dir: 'desc' })
    expect(nextHostSort(DEFAULT_HOST_SORT, 'name')).toEqual({ key: 'name', dir: 'asc' })
    expect(nextHostSort(DEFAULT_HOST_SORT, 'heartbeat')).toEqual({ key: 'heartbeat', dir: 'desc' })
  })
})

describe('quality buckets', () => {
  it('uses the coordinator’s bounds: excellent ≥ 90, good 70–89, fair 50–69, poor < 50', () => {
    expect([100, 90, 89.99, 70, 69.99, 50, 49.99, 0].map(qualityBucket)).toEqual(['excellent', 'excellent', 'good', 'good', 'fair', 'fair', 'poor', 'poor'])
  })

  it('counts online and other hosts per bucket, every bucket present, best first', () => {
    const dist = qualityDistribution([
      host('a', { quality_score: 92 }),
      host('b', { quality_score: 95, status: 'offline' }),
      host('c', { quality_score: 75 }),
      host('d', { quality_score: 10, status: 'maintenance' })
    ])
    expect(dist.map((b) => [b.key, b.online, b.other])).toEqual([
      ['excellent', 1, 1],
      ['good', 1, 0],
      ['fair', 0, 0],
      ['poor', 0, 1]
    ])
    expect(qualityDistribution([]).every((b) => b.online === 0 && b.other === 0)).toBe(true)
  })
})

describe('zone requirements form', () => {
  it('starts from the zone and sends numbers that pass the contract schema', () => {
    const draft = requirementsDraft(zone)
    expect(draft.min_host_quality_score).toBe('50')
    expect(parseRequirements({ ...draft, min_host_quality_score: ' 72.5 ', p2p_priority: '8' })).toEqual({
      ok: true,
      value: { min_host_quality_score: 72.5, min_bandwidth_mbps: 10, max_latency_ms: 100, p2p_priority: 8, max_players: 100, recommended_players: 50 }
    })
  })

  it('names each field that is wrong', () => {
    const draft = requirementsDraft(zone)
    const bad = parseRequirements({ ...draft, min_host_quality_score: '101', p2p_priority: '2.5', max_latency_ms: '', min_bandwidth_mbps: 'fast' })
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    expect(bad.errors).toEqual({ max_latency_ms: 'Enter a number', min_bandwidth_mbps: 'Enter a number' })
    const bounds = parseRequirements({ ...draft, min_host_quality_score: '101', p2p_priority: '2.5', max_players: '0' })
    expect(bounds.ok ? {} : bounds.errors).toEqual({ min_host_quality_score: 'Must be at most 100', p2p_priority: 'Must be a whole number', max_players: 'Must be at least 1' })
    const recommended = parseRequirements({ ...draft, max_players: '20', recommended_players: '30' })
    expect(recommended.ok ? {} : recommended.errors).toEqual({ recommended_players: 'Must not exceed the maximum players' })
  })
})

describe('session order', () => {
  const s = (id: string, status: CoordinatorSession['status']): CoordinatorSession => ({
    session_id: id,
    host_id: 'h',
    zone_id: 'z',
    connected_players: [],
    current_players: 0,
    max_players: 10,
    status,
    average_latency_ms: 0,
    average_packet_loss_percent: 0,
    bandwidth_usage_mbps: 0,
    end_reason: null,
    started_at: null,
    ended_at: null,
    created_at: '2026-12-01T10:00:00.000Z',
    updated_at: '2026-12-01T10:00:00.000Z'
  })
  const list = [s('1', 'ended'), s('2', 'active'), s('3', 'failed'), s('4', 'pending'), s('5', 'paused')]

  it('lists open sessions first, the ended and failed ones only when asked', () => {
    expect(orderSessions(list, false).map((x) => x.session_id)).toEqual(['2', '4', '5'])
    expect(orderSessions(list, true).map((x) => x.session_id)).toEqual(['2', '4', '5', '1', '3'])
  })
})
