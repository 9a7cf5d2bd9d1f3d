/**
 * This machine's hardware and load, read from the OS, for the host registration and heartbeats.
 * The network speed is the link speed Linux reports for the up interfaces
 * (/sys/class/net/<if>/speed, the fastest one); where the OS does not say (other platforms,
 * virtual interfaces) it is an estimate of 100 Mbps, flagged as such.
 */
import fs from 'node:fs'
import os from 'node:os'

export interface Hardware {
  cpuCores: number
  cpuFrequencyMhz: number
  memoryMb: number
  networkSpeedMbps: number
  /** False when networkSpeedMbps is the 100 Mbps estimate. */
  networkSpeedMeasured: boolean
}

export const ESTIMATED_NETWORK_MBPS = 100

export function readHardware(): Hardware {
  const cpus = os.cpus()
  const speeds = cpus.map((c) => c.speed).filter((s) => s > 0)
  const link = linkSpeedMbps()
  return {
    cpuCores: Math.max(1, cpus.length || os.availableParallelism()),
    // Some VMs and containers report 0 MHz: the wire needs ≥ 1, so the value is then 1 (unknown).
    cpuFrequencyMhz: speeds.length > 0 ? Math.max(...speeds) : 1,
    memoryMb: Math.max(1, Math.floor(os.totalmem() / (1024 * 1024))),
    networkSpeedMbps: link ?? ESTIMATED_NETWORK_MBPS,
    networkSpeedMeasured: link !== null
  }
}

function linkSpeedMbps(): number | null {
  if (process.platform !== 'linux') return null
  let best: number | null = null
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (!addrs || addrs.every((a) => a.internal)) continue
    try {
      const speed = Number(fs.readFileSync(`/sys/class/net/${name}/speed`, 'utf8').trim())
      if (Number.isFinite(speed) && speed > 0 && (best === null || speed > best)) best = speed
    } catch {
      // Virtual or down interfaces have no readable speed.
    }
  }
  return best
}

/** The address peers on the coordinator's side reach this host at: loopback for a local coordinator, else the first LAN IPv4. */
export function hostAddressFor(coordinatorHost: string): string {
  if (coordinatorHost === 'localhost' || coordinatorHost.startsWith('127.') || coordinatorHost === '[::1]' || coordinatorHost === '::1') return '127.0.0.1'
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '127.0.0.1'
}

/** CPU load (1-minute load average per core, 0–1+) and memory in use (MB), for the service's status. */
export function liveLoad(): { cpuLoad: number; memoryUsedMb: number } {
  const cores = Math.max(1, os.cpus().length)
  return {
    cpuLoad: Math.round((os.loadavg()[0]! / cores) * 100) / 100,
    memoryUsedMb: Math.round((os.totalmem() - os.freemem()) / (1024 * 1024))
  }
}

/**
 * Network traffic of this machine (all non-loopback interfaces, received + sent) in Mbps since the
 * previous call, from /proc/net/dev (Linux); null where the OS does not say or on the first call.
 */
export class BandwidthMeter {
  private last: { bytes: number; at: number } | null = null

  constructor(private readonly read: () => number | null = readNetBytes) {}

  sample(now = performance.now()): number | null {
    const bytes = this.read()
    if (bytes === null) return null
    const prev = this.last
    this.last = { bytes, at: now }
    if (!prev || now <= prev.at || bytes < prev.bytes) return null
    return Math.round((((bytes - prev.bytes) * 8) / ((now - prev.at) / 1000) / 1_000_000) * 1000) / 1000
  }
}

function readNetBytes(): number | null {
  if (process.platform !== 'linux') return null
  try {
    let total = 0
    for (const line of fs.readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
      const [name, rest] = line.split(':')
      if (!rest || name === undefined || name.trim() === 'lo') continue
      const f = rest.trim().split(/\s+/).map(Number)
      total += (f[0] ?? 0) + (f[8] ?? 0)
    }
    return total
  } catch {
    return null
  }
}
