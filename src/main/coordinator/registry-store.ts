/**
 * The embedded registry's data: hosts, zones, sessions and their players in the app's SQLite
 * store (better-sqlite3, synchronous, prepared statements). Owns the rules the real coordinator
 * stores but never applies: zone requirements when choosing a host and creating a session, a peer
 * in at most one open session, hosts going offline after heartbeat silence (their sessions end),
 * stale and empty sessions ended. Rows leave as the wire's JSON shapes (ISO timestamps).
 */
import { randomBytes } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { CoordinatorHost, CoordinatorSession, CoordinatorZone } from '../../shared/contract'
import type { Clock } from '../clock'
import { qualityScore } from './quality'
import type { HeartbeatBody, HostRegisterBody, SessionCreateBody, SessionMetricsBody, ZoneUpsertBody } from './wire'

export type HostStatus = 'online' | 'offline' | 'busy' | 'maintenance'
export type ZoneStatus = 'enabled' | 'disabled' | 'maintenance'
export type SessionStatus = 'pending' | 'active' | 'paused' | 'ended' | 'failed'

/** A failure with an HTTP status and the `detail` the wire carries. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string
  ) {
    super(detail)
  }
}

interface HostRow {
  host_id: string
  player_id: string
  player_name: string
  ip_address: string
  port: number
  public_ip: string | null
  cpu_cores: number
  cpu_frequency_mhz: number
  memory_mb: number
  network_speed_mbps: number
  latency_ms: number
  packet_loss_percent: number
  bandwidth_usage_mbps: number
  status: HostStatus
  max_players: number
  current_players: number
  max_zones: number
  current_zones: number
  quality_score: number
  ice_servers: string | null
  created_at: number
  updated_at: number
  last_heartbeat: number
}

interface ZoneRow {
  zone_id: string
  zone_name: string
  zone_display_name: string
  map_name: string
  max_players: number
  recommended_players: number
  p2p_enabled: number
  p2p_priority: number
  fallback_enabled: number
  min_host_quality_score: number
  min_bandwidth_mbps: number
  max_latency_ms: number
  status: ZoneStatus
  total_players_served: number
  created_at: number
  updated_at: number
  total_sessions: number
  active_sessions: number
}

interface SessionRow {
  session_id: string
  host_id: string
  zone_id: string
  max_players: number
  status: SessionStatus
  average_latency_ms: number
  average_packet_loss_percent: number
  bandwidth_usage_mbps: number
  end_reason: string | null
  started_at: number | null
  ended_at: number | null
  created_at: number
  updated_at: number
}

const iso = (ms: number): string => new Date(ms).toISOString()
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))

export function hostJson(r: HostRow): CoordinatorHost {
  return {
    host_id: r.host_id,
    player_id: r.player_id,
    player_name: r.player_name,
    ip_address: r.ip_address,
    port: r.port,
    public_ip: r.public_ip,
    cpu_cores: r.cpu_cores,
    cpu_frequency_mhz: r.cpu_frequency_mhz,
    memory_mb: r.memory_mb,
    network_speed_mbps: r.network_speed_mbps,
    latency_ms: r.latency_ms,
    packet_loss_percent: r.packet_loss_percent,
    bandwidth_usage_mbps: r.bandwidth_usage_mbps,
    status: r.status,
    max_players: r.max_players,
    current_players: r.current_players,
    max_zones: r.max_zones,
    current_zones: r.current_zones,
    quality_score: r.quality_score,
    ice_servers: r.ice_servers === null ? null : (JSON.parse(r.ice_servers) as unknown[]),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    last_heartbeat: iso(r.last_heartbeat)
  }
}
export type HostJson = CoordinatorHost

function zoneJson(r: ZoneRow): CoordinatorZone {
  return {
    zone_id: r.zone_id,
    zone_name: r.zone_name,
    zone_display_name: r.zone_display_name,
    map_name: r.map_name,
    max_players: r.max_players,
    recommended_players: r.recommended_players,
    p2p_enabled: r.p2p_enabled === 1,
    p2p_priority: r.p2p_priority,
    fallback_enabled: r.fallback_enabled === 1,
    min_host_quality_score: r.min_host_quality_score,
    min_bandwidth_mbps: r.min_bandwidth_mbps,
    max_latency_ms: r.max_latency_ms,
    status: r.status,
    total_sessions: r.total_sessions,
    active_sessions: r.active_sessions,
    total_players_served: r.total_players_served,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at)
  }
}
export type ZoneJson = CoordinatorZone

export type SessionJson = CoordinatorSession

/** Sessions that still hold a host and players. */
const OPEN = `('pending','active','paused')`

export interface SweepSettings {
  /** Heartbeat silence after which an online host goes offline (ms). */
  hostTimeoutMs: number
  /** A pending session never activated, or an open session with no players, ends after this long without activity (ms). */
  emptySessionGraceMs: number
  /** An open session with no activity (metrics, players, activation) for this long ends (ms). */
  staleSessionMs: number
}

export interface SweepResult {
  hostsOffline: string[]
  sessionsEnded: number
}

/** A statement that first writes the heartbeats still held in memory (so every read sees them). */
interface Guarded {
  run(...params: unknown[]): Database.RunResult
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
}

/** How long heartbeats are held in memory before one transaction writes them all. */
export const HEARTBEAT_FLUSH_MS = 50

export class RegistryStore {
  private readonly s
  /** The heartbeat hot path's own statements (they do not flush). */
  private readonly beatGet: Database.Statement
  private readonly beatWrite: Database.Statement
  /** Hosts whose last heartbeats are not written yet: the newest row of each. */
  private readonly pendingBeats = new Map<string, HostRow>()
  private flushTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock
  ) {
    const guard = (stmt: Database.Statement): Guarded => ({
      run: (...p) => {
        this.flush()
        return stmt.run(...p)
      },
      get: (...p) => {
        this.flush()
        return stmt.get(...p)
      },
      all: (...p) => {
        this.flush()
        return stmt.all(...p)
      }
    })
    const zoneSelect = `SELECT z.*,
        (SELECT COUNT(*) FROM coord_sessions s WHERE s.zone_id = z.zone_id) AS total_sessions,
        (SELECT COUNT(*) FROM coord_sessions s WHERE s.zone_id = z.zone_id AND s.status = 'active') AS active_sessions
      FROM coord_zones z`
    this.beatGet = db.prepare('SELECT * FROM coord_hosts WHERE host_id = ?')
    this.beatWrite = db.prepare(`UPDATE coord_hosts SET latency_ms = @latency_ms, packet_loss_percent = @packet_loss_percent,
        bandwidth_usage_mbps = @bandwidth_usage_mbps, current_players = @current_players, current_zones = @current_zones,
        quality_score = @quality_score, status = @status, updated_at = @updated_at, last_heartbeat = @last_heartbeat
      WHERE host_id = @host_id`)
    const s = {
      hostGet: db.prepare('SELECT * FROM coord_hosts WHERE host_id = ?'),
      hostInsert: db.prepare(`INSERT INTO coord_hosts (host_id, player_id, player_name, ip_address, port, public_ip, cpu_cores, cpu_frequency_mhz, memory_mb,
          network_speed_mbps, status, max_players, max_zones, quality_score, ice_servers, created_at, updated_at, last_heartbeat)
        VALUES (@host_id, @player_id, @player_name, @ip_address, @port, @public_ip, @cpu_cores, @cpu_frequency_mhz, @memory_mb,
          @network_speed_mbps, 'online', @max_players, @max_zones, @quality_score, @ice_servers, @now, @now, @now)
        ON CONFLICT (host_id) DO UPDATE SET player_id = excluded.player_id, player_name = excluded.player_name, ip_address = excluded.ip_address,
          port = excluded.port, public_ip = excluded.public_ip, cpu_cores = excluded.cpu_cores, cpu_frequency_mhz = excluded.cpu_frequency_mhz,
          memory_mb = excluded.memory_mb, network_speed_mbps = excluded.network_speed_mbps, status = 'online', max_players = excluded.max_players,
          max_zones = excluded.max_zones, quality_score = @quality_score, ice_servers = excluded.ice_servers, updated_at = @now, last_heartbeat = @now`),
      hostDelete: db.prepare('DELETE FROM coord_hosts WHERE host_id = ?'),
      hostsAll: db.prepare(`SELECT * FROM coord_hosts WHERE (@status IS NULL OR status = @status) AND (@min_quality IS NULL OR quality_score >= @min_quality)
        ORDER BY quality_score DESC, host_id`),
      hostsAvailable: db.prepare(`SELECT * FROM coord_hosts WHERE status = 'online' AND current_players < max_players AND current_zones < max_zones
        ORDER BY quality_score DESC, host_id`),
      hostsSilent: db.prepare(`SELECT host_id FROM coord_hosts WHERE status != 'offline' AND last_heartbeat < ?`),
      hostSetOffline: db.prepare(`UPDATE coord_hosts SET status = 'offline', current_players = 0, current_zones = 0, updated_at = ? WHERE host_id = ?`),
      zoneGet: db.prepare(`${zoneSelect} WHERE z.zone_id = ?`),
      zonesAll: db.prepare(`${zoneSelect} ORDER BY z.p2p_priority DESC, z.zone_id`),
      zoneUpsert: db.prepare(`INSERT INTO coord_zones (zone_id, zone_name, zone_display_name, map_name, max_players, recommended_players, p2p_enabled,
          p2p_priority, fallback_enabled, min_host_quality_score, min_bandwidth_mbps, max_latency_ms, status, created_at, updated_at)
        VALUES (@zone_id, @zone_name, @zone_display_name, @map_name, @max_players, @recommended_players, @p2p_enabled,
          @p2p_priority, @fallback_enabled, @min_host_quality_score, @min_bandwidth_mbps, @max_latency_ms, @status, @now, @now)
        ON CONFLICT (zone_id) DO UPDATE SET zone_name = excluded.zone_name, zone_display_name = excluded.zone_display_name, map_name = excluded.map_name,
          max_players = excluded.max_players, recommended_players = excluded.recommended_players, p2p_enabled = excluded.p2p_enabled,
          p2p_priority = excluded.p2p_priority, fallback_enabled = excluded.fallback_enabled, min_host_quality_score = excluded.min_host_quality_score,
          min_bandwidth_mbps = excluded.min_bandwidth_mbps, max_latency_ms = excluded.max_latency_ms, status = excluded.status, updated_at = @now`),
      zoneSetP2p: db.prepare('UPDATE coord_zones SET p2p_enabled = ?, updated_at = ? WHERE zone_id = ?'),
      zoneSetStatus: db.prepare('UPDATE coord_zones SET status = ?, updated_at = ? WHERE zone_id = ?'),
      zoneServed: db.prepare('UPDATE coord_zones SET total_players_served = total_players_served + ? WHERE zone_id = ?'),
      sessionGet: db.prepare('SELECT * FROM coord_sessions WHERE session_id = ?'),
      sessionInsert: db.prepare(`INSERT INTO coord_sessions (session_id, host_id, zone_id, max_players, status, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'pending', ?, ?)`),
      sessionActivate: db.prepare(`UPDATE coord_sessions SET status = 'active', started_at = ?, updated_at = ? WHERE session_id = ?`),
      sessionEnd: db.prepare(`UPDATE coord_sessions SET status = 'ended', end_reason = ?, ended_at = ?, updated_at = ? WHERE session_id = ? AND status IN ${OPEN}`),
      sessionTouch: db.prepare('UPDATE coord_sessions SET updated_at = ? WHERE session_id = ?'),
      sessionMetrics: db.prepare(`UPDATE coord_sessions SET average_latency_ms = COALESCE(@avg_latency_ms, average_latency_ms),
          average_packet_loss_percent = COALESCE(@packet_loss_percent, average_packet_loss_percent),
          bandwidth_usage_mbps = COALESCE(@bandwidth_usage_mbps, bandwidth_usage_mbps), updated_at = @now WHERE session_id = @session_id`),
      sessionsOpenOfHost: db.prepare(`SELECT session_id FROM coord_sessions WHERE host_id = ? AND status IN ${OPEN}`),
      sessionsActiveOfHost: db.prepare(`SELECT * FROM coord_sessions WHERE host_id = ? AND status = 'active' ORDER BY created_at`),
      sessionsActiveOfZone: db.prepare(`SELECT s.* FROM coord_sessions s LEFT JOIN coord_hosts h ON h.host_id = s.host_id
        WHERE s.zone_id = ? AND s.status = 'active' ORDER BY h.quality_score DESC, s.created_at`),
      sessionsAll: db.prepare(`SELECT * FROM coord_sessions WHERE (@status IS NULL OR status = @status) AND (@host_id IS NULL OR host_id = @host_id)
        AND (@zone_id IS NULL OR zone_id = @zone_id) ORDER BY created_at DESC, session_id LIMIT @limit`),
      sessionsStale: db.prepare(`SELECT session_id FROM coord_sessions WHERE status IN ${OPEN} AND updated_at < ?`),
      sessionsEmpty: db.prepare(`SELECT s.session_id FROM coord_sessions s WHERE s.status IN ${OPEN} AND s.updated_at < ?
        AND NOT EXISTS (SELECT 1 FROM coord_session_players p WHERE p.session_id = s.session_id)`),
      playersOf: db.prepare('SELECT player_id FROM coord_session_players WHERE session_id = ? ORDER BY joined_at, player_id'),
      playerCount: db.prepare('SELECT COUNT(*) AS n FROM coord_session_players WHERE session_id = ?'),
      playerAdd: db.prepare('INSERT OR IGNORE INTO coord_session_players (session_id, player_id, joined_at) VALUES (?, ?, ?)'),
      playerRemove: db.prepare('DELETE FROM coord_session_players WHERE session_id = ? AND player_id = ?'),
      playerOtherOpen: db.prepare(`SELECT p.session_id FROM coord_session_players p JOIN coord_sessions s ON s.session_id = p.session_id
        WHERE p.player_id = ? AND p.session_id != ? AND s.status IN ${OPEN}`),
      playersClear: db.prepare('DELETE FROM coord_session_players WHERE session_id = ?'),
      counts: db.prepare(`SELECT
          (SELECT COUNT(*) FROM coord_hosts) AS hosts_total,
          (SELECT COUNT(*) FROM coord_hosts WHERE status = 'online') AS hosts_online,
          (SELECT AVG(quality_score) FROM coord_hosts WHERE status = 'online') AS quality_avg,
          (SELECT COUNT(*) FROM coord_zones) AS zones_total,
          (SELECT COUNT(*) FROM coord_zones WHERE p2p_enabled = 1) AS zones_enabled,
          (SELECT COUNT(*) FROM coord_sessions) AS sessions_total,
          (SELECT COUNT(*) FROM coord_sessions WHERE status = 'active') AS sessions_active,
          (SELECT COUNT(*) FROM coord_session_players p JOIN coord_sessions s ON s.session_id = p.session_id WHERE s.status = 'active') AS players,
          (SELECT AVG(average_latency_ms) FROM coord_sessions WHERE status = 'active') AS latency_avg`),
      qualityOnline: db.prepare(`SELECT quality_score FROM coord_hosts WHERE status = 'online'`),
      ping: db.prepare('SELECT 1 AS ok')
    }
    this.s = Object.fromEntries(Object.entries(s).map(([k, stmt]) => [k, guard(stmt)])) as Record<keyof typeof s, Guarded>
  }

  /** Writes the heartbeats held in memory, in one transaction (every other statement does this first). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (this.pendingBeats.size === 0) return
    const rows = [...this.pendingBeats.values()]
    this.pendingBeats.clear()
    this.db.transaction(() => {
      for (const r of rows) this.beatWrite.run(r)
    })()
  }

  /** Writes what is pending and stops the flush timer (the service stops). */
  close(): void {
    this.flush()
  }

  private now(): number {
    return this.clock.now()
  }

  // ---- hosts -----------------------------------------------------------------------------------

  private hostRow(hostId: string): HostRow | undefined {
    return this.s.hostGet.get(hostId) as HostRow | undefined
  }

  private requireHost(hostId: string): HostRow {
    const h = this.hostRow(hostId)
    if (!h) throw new RegistryError(404, 'Host not found')
    return h
  }

  host(hostId: string): HostJson {
    return hostJson(this.requireHost(hostId))
  }

  register(b: HostRegisterBody): HostJson {
    const prev = this.hostRow(b.host_id)
    const maxPlayers = b.max_players ?? prev?.max_players ?? 50
    const quality = qualityScore({
      latency_ms: prev?.latency_ms ?? 0,
      packet_loss_percent: prev?.packet_loss_percent ?? 0,
      current_players: prev?.current_players ?? 0,
      max_players: maxPlayers,
      cpu_cores: b.cpu_cores,
      memory_mb: b.memory_mb,
      network_speed_mbps: b.network_speed_mbps
    })
    this.s.hostInsert.run({
      host_id: b.host_id,
      player_id: b.player_id,
      player_name: b.player_name,
      ip_address: b.ip_address,
      port: b.port,
      public_ip: b.public_ip ?? null,
      cpu_cores: b.cpu_cores,
      cpu_frequency_mhz: b.cpu_frequency_mhz,
      memory_mb: b.memory_mb,
      network_speed_mbps: b.network_speed_mbps,
      max_players: maxPlayers,
      max_zones: b.max_zones ?? prev?.max_zones ?? 5,
      quality_score: quality,
      ice_servers: b.ice_servers === undefined || b.ice_servers === null ? null : JSON.stringify(b.ice_servers),
      now: this.now()
    })
    return this.host(b.host_id)
  }

  /**
   * The hot path: the host's newest row (held in memory or one SELECT), the quality score, and the
   * new row held in memory; one transaction writes the heartbeats of HEARTBEAT_FLUSH_MS at once.
   */
  heartbeat(hostId: string, b: HeartbeatBody): HostJson {
    const h = this.pendingBeats.get(hostId) ?? (this.beatGet.get(hostId) as HostRow | undefined)
    if (!h) throw new RegistryError(404, 'Host not found')
    const now = this.now()
    const next: HostRow = {
      ...h,
      latency_ms: b.latency_ms ?? h.latency_ms,
      packet_loss_percent: b.packet_loss_percent ?? h.packet_loss_percent,
      bandwidth_usage_mbps: b.bandwidth_usage_mbps ?? h.bandwidth_usage_mbps,
      current_players: b.current_players ?? h.current_players,
      current_zones: b.current_zones ?? h.current_zones,
      status: h.status === 'offline' ? 'online' : h.status,
      updated_at: now,
      last_heartbeat: now
    }
    next.quality_score = qualityScore(next)
    this.pendingBeats.set(hostId, next)
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), HEARTBEAT_FLUSH_MS)
      this.flushTimer.unref()
    }
    return hostJson(next)
  }

  /** Removes a host and ends its open sessions. */
  deleteHost(hostId: string): void {
    this.requireHost(hostId)
    this.db.transaction(() => {
      this.endSessionsOfHost(hostId, 'host deregistered')
      this.s.hostDelete.run(hostId)
    })()
  }

  hosts(filter: { status?: HostStatus | undefined; minQuality?: number | undefined }): HostJson[] {
    return (this.s.hostsAll.all({ status: filter.status ?? null, min_quality: filter.minQuality ?? null }) as HostRow[]).map(hostJson)
  }

  /** Online hosts with room, best first; with a zone, only those meeting its requirements. */
  availableHosts(zoneId?: string): HostJson[] {
    const zone = zoneId === undefined ? undefined : this.requireZone(zoneId)
    return (this.s.hostsAvailable.all() as HostRow[]).filter((h) => zone === undefined || meetsZone(h, zone) === null).map(hostJson)
  }

  // ---- zones -----------------------------------------------------------------------------------

  private requireZone(zoneId: string): ZoneRow {
    const z = this.s.zoneGet.get(zoneId) as ZoneRow | undefined
    if (!z) throw new RegistryError(404, 'Zone not found')
    return z
  }

  zone(zoneId: string): ZoneJson {
    return zoneJson(this.requireZone(zoneId))
  }

  upsertZone(b: ZoneUpsertBody): ZoneJson {
    this.s.zoneUpsert.run({
      zone_id: b.zone_id,
      zone_name: b.zone_name,
      zone_display_name: b.zone_display_name ?? b.zone_name,
      map_name: b.map_name ?? b.zone_name,
      max_players: b.max_players,
      recommended_players: b.recommended_players,
      p2p_enabled: b.p2p_enabled ? 1 : 0,
      p2p_priority: b.p2p_priority,
      fallback_enabled: b.fallback_enabled ? 1 : 0,
      min_host_quality_score: b.min_host_quality_score,
      min_bandwidth_mbps: b.min_bandwidth_mbps,
      max_latency_ms: b.max_latency_ms,
      status: b.status,
      now: this.now()
    })
    return this.zone(b.zone_id)
  }

  zones(filter: { p2pEnabled?: boolean | undefined }): ZoneJson[] {
    return (this.s.zonesAll.all() as ZoneRow[]).filter((z) => filter.p2pEnabled === undefined || (z.p2p_enabled === 1) === filter.p2pEnabled).map(zoneJson)
  }

  setZoneP2p(zoneId: string, enabled: boolean): ZoneJson {
    this.requireZone(zoneId)
    this.s.zoneSetP2p.run(enabled ? 1 : 0, this.now(), zoneId)
    return this.zone(zoneId)
  }

  setZoneStatus(zoneId: string, status: ZoneStatus): ZoneJson {
    this.requireZone(zoneId)
    this.s.zoneSetStatus.run(status, this.now(), zoneId)
    return this.zone(zoneId)
  }

  // ---- sessions --------------------------------------------------------------------------------

  private requireSession(sessionId: string): SessionRow {
    const s = this.s.sessionGet.get(sessionId) as SessionRow | undefined
    if (!s) throw new RegistryError(404, 'Session not found')
    return s
  }

  private sessionJson(r: SessionRow): SessionJson {
    const players = (this.s.playersOf.all(r.session_id) as { player_id: string }[]).map((p) => p.player_id)
    return {
      session_id: r.session_id,
      host_id: r.host_id,
      zone_id: r.zone_id,
      connected_players: players,
      current_players: players.length,
      max_players: r.max_players,
      status: r.status,
      average_latency_ms: r.average_latency_ms,
      average_packet_loss_percent: r.average_packet_loss_percent,
      bandwidth_usage_mbps: r.bandwidth_usage_mbps,
      end_reason: r.end_reason,
      started_at: isoOrNull(r.started_at),
      ended_at: isoOrNull(r.ended_at),
      created_at: iso(r.created_at),
      updated_at: iso(r.updated_at)
    }
  }

  session(sessionId: string): SessionJson {
    return this.sessionJson(this.requireSession(sessionId))
  }

  sessions(filter: { status?: SessionStatus | undefined; hostId?: string | undefined; zoneId?: string | undefined; limit: number }): SessionJson[] {
    const rows = this.s.sessionsAll.all({ status: filter.status ?? null, host_id: filter.hostId ?? null, zone_id: filter.zoneId ?? null, limit: filter.limit }) as SessionRow[]
    return rows.map((r) => this.sessionJson(r))
  }

  /** A new pending session: the host must be online and meet the zone's requirements, the zone P2P-enabled. */
  createSession(b: SessionCreateBody): SessionJson {
    const host = this.requireHost(b.host_id)
    const zone = this.requireZone(b.zone_id)
    if (host.status !== 'online') throw new RegistryError(400, `Host ${host.host_id} is not online (${host.status})`)
    if (zone.p2p_enabled !== 1) throw new RegistryError(400, `Zone ${zone.zone_id} is not P2P-enabled`)
    if (zone.status !== 'enabled') throw new RegistryError(400, `Zone ${zone.zone_id} is ${zone.status}`)
    const unmet = meetsZone(host, zone)
    if (unmet) throw new RegistryError(400, `Host ${host.host_id} does not meet the requirements of zone ${zone.zone_id}: ${unmet}`)
    const maxPlayers = b.max_players ?? Math.min(zone.max_players, host.max_players)
    const players = [...new Set(b.player_ids)]
    if (players.length > maxPlayers) throw new RegistryError(400, `Too many players for the session (${players.length} > ${maxPlayers})`)
    const id = `session-${randomBytes(8).toString('hex')}`
    const now = this.now()
    this.db.transaction(() => {
      this.s.sessionInsert.run(id, host.host_id, zone.zone_id, maxPlayers, now, now)
      for (const p of players) this.addPlayerRow(id, p, now)
      if (players.length > 0) this.s.zoneServed.run(players.length, zone.zone_id)
    })()
    return this.session(id)
  }

  activate(sessionId: string): SessionJson {
    const s = this.requireSession(sessionId)
    if (s.status === 'active') return this.sessionJson(s)
    if (s.status !== 'pending' && s.status !== 'paused') throw new RegistryError(400, `Session ${sessionId} is ${s.status} and cannot be activated`)
    const now = this.now()
    this.s.sessionActivate.run(s.started_at ?? now, now, sessionId)
    return this.session(sessionId)
  }

  /** Ends a session (its players leave it); false when it had already ended. */
  endSession(sessionId: string, reason: string): boolean {
    this.requireSession(sessionId)
    return this.endRow(sessionId, reason)
  }

  private endRow(sessionId: string, reason: string): boolean {
    const now = this.now()
    return this.db.transaction(() => {
      const changed = this.s.sessionEnd.run(reason, now, now, sessionId).changes > 0
      if (changed) this.s.playersClear.run(sessionId)
      return changed
    })()
  }

  private endSessionsOfHost(hostId: string, reason: string): number {
    let n = 0
    for (const { session_id } of this.s.sessionsOpenOfHost.all(hostId) as { session_id: string }[]) if (this.endRow(session_id, reason)) n++
    return n
  }

  updateMetrics(sessionId: string, b: SessionMetricsBody): SessionJson {
    const s = this.requireSession(sessionId)
    if (s.status === 'ended' || s.status === 'failed') throw new RegistryError(400, `Session ${sessionId} has ${s.status}`)
    this.s.sessionMetrics.run({
      session_id: sessionId,
      avg_latency_ms: b.avg_latency_ms ?? null,
      packet_loss_percent: b.packet_loss_percent ?? null,
      bandwidth_usage_mbps: b.bandwidth_usage_mbps ?? null,
      now: this.now()
    })
    return this.session(sessionId)
  }

  /** Adds a player; a player in another open session leaves it first. */
  addPlayer(sessionId: string, playerId: string): SessionJson {
    const s = this.requireSession(sessionId)
    if (s.status === 'ended' || s.status === 'failed') throw new RegistryError(400, `Session ${sessionId} has ${s.status}`)
    const count = (this.s.playerCount.get(sessionId) as { n: number }).n
    const already = (this.s.playersOf.all(sessionId) as { player_id: string }[]).some((p) => p.player_id === playerId)
    if (!already && count >= s.max_players) throw new RegistryError(400, `Session ${sessionId} is full (${s.max_players} players)`)
    if (!already) {
      this.db.transaction(() => {
        this.addPlayerRow(sessionId, playerId, this.now())
        this.s.zoneServed.run(1, s.zone_id)
      })()
    }
    return this.session(sessionId)
  }

  private addPlayerRow(sessionId: string, playerId: string, now: number): void {
    for (const { session_id } of this.s.playerOtherOpen.all(playerId, sessionId) as { session_id: string }[]) {
      this.s.playerRemove.run(session_id, playerId)
      this.s.sessionTouch.run(now, session_id)
    }
    this.s.playerAdd.run(sessionId, playerId, now)
    this.s.sessionTouch.run(now, sessionId)
  }

  removePlayer(sessionId: string, playerId: string): SessionJson {
    this.requireSession(sessionId)
    if (this.s.playerRemove.run(sessionId, playerId).changes === 0) throw new RegistryError(404, 'Player not in session')
    this.s.sessionTouch.run(this.now(), sessionId)
    return this.session(sessionId)
  }

  activeSessionsOfHost(hostId: string): SessionJson[] {
    return (this.s.sessionsActiveOfHost.all(hostId) as SessionRow[]).map((r) => this.sessionJson(r))
  }

  activeSessionsOfZone(zoneId: string): SessionJson[] {
    return (this.s.sessionsActiveOfZone.all(zoneId) as SessionRow[]).map((r) => this.sessionJson(r))
  }

  /** Ends open sessions without activity for `olderThanMs`; returns how many. */
  cleanupStale(olderThanMs: number): number {
    let n = 0
    for (const { session_id } of this.s.sessionsStale.all(this.now() - olderThanMs) as { session_id: string }[]) if (this.endRow(session_id, 'stale')) n++
    return n
  }

  /**
   * The health sweep: silent hosts go offline and their sessions end; sessions with no players
   * and no activity for the grace period end; stale sessions end.
   */
  sweep(settings: SweepSettings): SweepResult {
    const now = this.now()
    const hostsOffline: string[] = []
    let sessionsEnded = 0
    this.db.transaction(() => {
      for (const { host_id } of this.s.hostsSilent.all(now - settings.hostTimeoutMs) as { host_id: string }[]) {
        this.s.hostSetOffline.run(now, host_id)
        hostsOffline.push(host_id)
        sessionsEnded += this.endSessionsOfHost(host_id, 'host offline (no heartbeat)')
      }
      for (const { session_id } of this.s.sessionsEmpty.all(now - settings.emptySessionGraceMs) as { session_id: string }[]) {
        if (this.endRow(session_id, 'empty')) sessionsEnded++
      }
      sessionsEnded += this.cleanupStale(settings.staleSessionMs)
    })()
    return { hostsOffline, sessionsEnded }
  }

  // ---- monitoring ------------------------------------------------------------------------------

  counts(): {
    hosts_total: number
    hosts_online: number
    quality_avg: number | null
    zones_total: number
    zones_enabled: number
    sessions_total: number
    sessions_active: number
    players: number
    latency_avg: number | null
  } {
    return this.s.counts.get() as ReturnType<RegistryStore['counts']>
  }

  onlineQualities(): number[] {
    return (this.s.qualityOnline.all() as { quality_score: number }[]).map((r) => r.quality_score)
  }

  ping(): boolean {
    return (this.s.ping.get() as { ok: number }).ok === 1
  }
}

/** Why a host does not meet a zone's requirements (null when it does). */
function meetsZone(h: HostRow, z: ZoneRow): string | null {
  if (h.quality_score < z.min_host_quality_score) return `quality score ${h.quality_score} < ${z.min_host_quality_score}`
  if (h.network_speed_mbps < z.min_bandwidth_mbps) return `bandwidth ${h.network_speed_mbps} Mbps < ${z.min_bandwidth_mbps} Mbps`
  if (h.latency_ms > z.max_latency_ms) return `latency ${h.latency_ms} ms > ${z.max_latency_ms} ms`
  return null
}
