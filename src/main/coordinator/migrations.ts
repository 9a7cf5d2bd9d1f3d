/**
 * The embedded registry's tables in the app database (module `coordinator`, numbered per module;
 * append only). Times are epoch milliseconds from the service's clock.
 */
import type { Migration } from '../store/migrations'

export const COORDINATOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'hosts, zones, sessions, session players, refresh tokens',
    sql: `
      CREATE TABLE coord_hosts (
        host_id TEXT PRIMARY KEY,
        player_id TEXT NOT NULL,
        player_name TEXT NOT NULL,
        ip_address TEXT NOT NULL,
        port INTEGER NOT NULL,
        public_ip TEXT,
        cpu_cores INTEGER NOT NULL,
        cpu_frequency_mhz REAL NOT NULL,
        memory_mb INTEGER NOT NULL,
        network_speed_mbps REAL NOT NULL,
        latency_ms REAL NOT NULL DEFAULT 0,
        packet_loss_percent REAL NOT NULL DEFAULT 0,
        bandwidth_usage_mbps REAL NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        max_players INTEGER NOT NULL DEFAULT 50,
        current_players INTEGER NOT NULL DEFAULT 0,
        max_zones INTEGER NOT NULL DEFAULT 5,
        current_zones INTEGER NOT NULL DEFAULT 0,
        quality_score REAL NOT NULL DEFAULT 0,
        ice_servers TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_heartbeat INTEGER NOT NULL
      );
      CREATE INDEX coord_hosts_status ON coord_hosts (status, last_heartbeat);
      CREATE TABLE coord_zones (
        zone_id TEXT PRIMARY KEY,
        zone_name TEXT NOT NULL,
        zone_display_name TEXT NOT NULL,
        map_name TEXT NOT NULL,
        max_players INTEGER NOT NULL,
        recommended_players INTEGER NOT NULL,
        p2p_enabled INTEGER NOT NULL,
        p2p_priority INTEGER NOT NULL,
        fallback_enabled INTEGER NOT NULL,
        min_host_quality_score REAL NOT NULL,
        min_bandwidth_mbps REAL NOT NULL,
        max_latency_ms REAL NOT NULL,
        status TEXT NOT NULL,
        total_players_served INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE coord_sessions (
        session_id TEXT PRIMARY KEY,
        host_id TEXT NOT NULL,
        zone_id TEXT NOT NULL,
        max_players INTEGER NOT NULL,
        status TEXT NOT NULL,
        average_latency_ms REAL NOT NULL DEFAULT 0,
        average_packet_loss_percent REAL NOT NULL DEFAULT 0,
        bandwidth_usage_mbps REAL NOT NULL DEFAULT 0,
        end_reason TEXT,
        started_at INTEGER,
        ended_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX coord_sessions_host ON coord_sessions (host_id, status);
      CREATE INDEX coord_sessions_zone ON coord_sessions (zone_id, status);
      CREATE INDEX coord_sessions_status ON coord_sessions (status, updated_at);
      CREATE TABLE coord_session_players (
        session_id TEXT NOT NULL REFERENCES coord_sessions (session_id) ON DELETE CASCADE,
        player_id TEXT NOT NULL,
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, player_id)
      );
      CREATE INDEX coord_session_players_player ON coord_session_players (player_id);
      CREATE TABLE coord_refresh_tokens (
        jti TEXT PRIMARY KEY,
        player_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        created_at INTEGER NOT NULL
      );
    `
  }
]
