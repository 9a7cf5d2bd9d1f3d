/**
 * The coordinator's host quality score (0–100), exactly as the real service computes it: latency
 * (30), packet loss (20), free player capacity (25) and hardware (25), rounded to 2 decimals.
 * Recomputed on register and on every heartbeat.
 */
export interface QualityInputs {
  latency_ms: number
  packet_loss_percent: number
  current_players: number
  max_players: number
  cpu_cores: number
  memory_mb: number
  network_speed_mbps: number
}

export function qualityScore(h: QualityInputs): number {
  const latency = Math.max(0, 30 - h.latency_ms / 10)
  const loss = Math.max(0, 20 - h.packet_loss_percent * 2)
  const capacity = h.max_players > 0 ? ((100 - (h.current_players / h.max_players) * 100) / 100) * 25 : 25
  const hardware = Math.min(10, (h.cpu_cores / 4) * 10) + Math.min(10, (h.memory_mb / 8192) * 10) + Math.min(5, (h.network_speed_mbps / 100) * 5)
  const total = Math.min(100, Math.max(0, latency + loss + capacity + hardware))
  return Math.round(total * 100) / 100
}

/** The monitoring buckets: excellent ≥ 90, good 70–89, fair 50–69, poor < 50. */
export function qualityBucket(score: number): 'excellent' | 'good' | 'fair' | 'poor' {
  if (score >= 90) return 'excellent'
  if (score >= 70) return 'good'
  if (score >= 50) return 'fair'
  return 'poor'
}
