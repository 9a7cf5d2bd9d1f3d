/**
 * This WARP Host as a host of the coordinator (embedded or remote — the same code): registers with
 * the hardware read from the OS under a host_id generated once and kept in the app store, hosts
 * the configured zones (../hosting-zones.ts), heartbeats every 30 s with measured figures (the
 * round-trip of the coordinator calls, the share of calls without an answer, the machine's
 * network traffic, players in its rooms, zones hosted), reports each session's metrics, keeps
 * the CPU load and memory in use for its status (the wire has no fields for them), and on stop
 * ends its sessions and deregisters.
 *
 * Recovery while running: a heartbeat without an answer reports `reconnecting` (onHealth) and is
 * retried with the shared backoff instead of the 30 s interval; a 404 (the coordinator forgot
 * this host, e.g. it restarted with an empty store) re-registers; a session no longer active is
 * created again and its room rejoined. A signaling room connection that drops triggers a
 * heartbeat at once, so a restarted coordinator is noticed without waiting for the interval.
 */
import crypto from 'node:crypto'
import os from 'node:os'
import { backoffDelay, type BackoffOptions } from '../../../shared/backoff'
import type { Logger } from '../../logging/logger'
import { DEFAULT_START_RETRY } from '../../service'
import { HostedZone, ZoneNotHostable, type HostedRoom } from '../hosting-zones'
import type { SignalingDialect } from '../signaling'
import { BandwidthMeter, hostAddressFor, liveLoad, readHardware } from './hardware'
import { CoordinatorCallError, type CoordinatorRest } from './rest'

export const HOST_ID_META_KEY = 'coordinator.host_id'
export const DEFAULT_HEARTBEAT_MS = 30_000
/** Nominal port in the registration: players reach this host through signaling (WebRTC), not a listening port. */
export const NOMINAL_HOST_PORT = 7000

export interface HostMeta {
  getMeta(key: string): string | null
  setMeta(key: string, value: string): void
}

/**
 * What peer hosting reports for the heartbeat: players actually connected and each session's
 * figures (replaces the signaling room's head count and the coordinator round trip when present).
 */
export interface HostingReport {
  players: number
  sessions: ReadonlyMap<string, SessionReport>
}

/** One session's figures for the heartbeat and `PATCH /sessions/{id}/metrics`. */
export interface SessionReport {
  players: number
  /** Mean RTT of its players (null before the first pong). */
  latencyMs: number | null
  packetLossPercent: number
  bandwidthMbps: number
}

export interface HostAgentOptions {
  rest: CoordinatorRest
  store: HostMeta
  zones: readonly string[]
  log: Logger
  heartbeatMs?: number
  /** Heartbeat retries while the coordinator does not answer (default 1 s doubling to 30 s). */
  backoff?: BackoffOptions
  dialect?: SignalingDialect
  joinWaitMs?: number
  /** undefined = healthy again; a message = the coordinator is not answering (reconnecting). */
  onHealth?: (error: string | undefined) => void
  /** Something to show changed (registration, sessions). */
  onChange?: () => void
  /** Peer hosting's figures for the heartbeat (when it runs). */
  hostingReport?: () => HostingReport | null
}

export interface HostAgentView {
  hostId: string
  coordinator: string
  registered: boolean
  qualityScore: number | null
  heartbeats: number
  lastHeartbeatAt: string | null
  zones: { zoneId: string; sessionId: string | null; players: number; inRoom: boolean }[]
  /** This machine's load at the last heartbeat (shown in the status; the wire has no fields for it). */
  load: { cpuLoad: number; memoryUsedMb: number } | null
}

export class HostAgent {
  readonly hostId: string
  private readonly zones: HostedZone[]
  private readonly skipped = new Set<string>()
  private registered = false
  private quality: number | null = null
  private heartbeats = 0
  private lastHeartbeatAt: string | null = null
  private failures = 0
  private timer: NodeJS.Timeout | null = null
  private stopped = false
  private queue: Promise<void> = Promise.resolve()
  private readonly unsubs: (() => void)[] = []
  private readonly bandwidth = new BandwidthMeter()
  private load: HostAgentView['load'] = null

  constructor(private readonly o: HostAgentOptions) {
    let id = o.store.getMeta(HOST_ID_META_KEY)
    if (id === null || id === '') {
      id = `host-${crypto.randomUUID()}`
      o.store.setMeta(HOST_ID_META_KEY, id)
    }
    this.hostId = id
    this.zones = [...new Set(o.zones)].map(
      (zoneId) => new HostedZone({ zoneId, hostId: this.hostId, rest: o.rest, signalingUrl: o.rest.baseUrl, log: o.log, dialect: o.dialect, joinWaitMs: o.joinWaitMs })
    )
  }

  /** Registers and opens the zones; throws a CoordinatorCallError (transient when the coordinator did not answer). */
  async start(): Promise<void> {
    this.stopped = false
    await this.serial(async () => {
      await this.register()
      await this.openZones()
    })
    for (const z of this.zones) {
      // A room connection that drops (from connected) is the first sign of a restarted coordinator.
      let last = ''
      this.unsubs.push(
        z.onSignalingState((state) => {
          if (state === 'reconnecting' && last === 'connected') this.heartbeatSoon()
          last = state
        })
      )
    }
    this.schedule(this.o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
  }

  /** Ends the sessions and deregisters (best effort: the coordinator may be gone). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    for (const u of this.unsubs.splice(0)) u()
    await this.queue.catch(() => undefined)
    await Promise.all(this.zones.map((z) => z.close('host stopped')))
    if (this.registered) {
      try {
        await this.o.rest.deregister(this.hostId)
        this.o.log.info(`deregistered host ${this.hostId}`)
      } catch (err) {
        this.o.log.warn(`cannot deregister host ${this.hostId}: ${message(err)}`)
      }
    }
    this.registered = false
  }

  /** One heartbeat now (tests; the timer runs it every heartbeatMs). */
  heartbeatNow(): Promise<void> {
    return this.serial(() => this.tick())
  }

  view(): HostAgentView {
    return {
      hostId: this.hostId,
      coordinator: this.o.rest.baseUrl,
      registered: this.registered,
      qualityScore: this.quality,
      heartbeats: this.heartbeats,
      lastHeartbeatAt: this.lastHeartbeatAt,
      zones: this.zones.map((z) => ({ zoneId: z.zoneId, sessionId: z.sessionId, players: z.players().length, inRoom: z.inRoom() })),
      load: this.load
    }
  }

  /** The sessions this host serves with their signaling rooms (what peer hosting accepts players in). */
  rooms(): HostedRoom[] {
    return this.zones.map((z) => z.room()).filter((r): r is HostedRoom => r !== null)
  }

  describe(): string {
    const v = this.view()
    const hosted = v.zones.filter((z) => z.sessionId !== null)
    const zones = this.zones.length === 0 ? 'not hosting (no HOST_ZONES)' : `hosting ${hosted.map((z) => `${z.zoneId} (${z.sessionId}, ${z.players} players)`).join(', ') || 'no zone yet'}`
    const load = v.load ? `; cpu load ${v.load.cpuLoad}, memory used ${v.load.memoryUsedMb} MB` : ''
    return `host ${v.hostId} at ${v.coordinator}: ${v.registered ? 'registered' : 'not registered'}, ${zones}${load}`
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      void this.serial(() => this.tick()).catch(() => undefined)
    }, ms)
    this.timer.unref()
  }

  private heartbeatSoon(): void {
    if (this.stopped) return
    this.schedule(0)
  }

  private async register(): Promise<void> {
    const hw = readHardware()
    const host = await this.o.rest.registerHost({
      host_id: this.hostId,
      player_id: this.hostId,
      player_name: os.hostname().slice(0, 128) || 'warp-host',
      ip_address: hostAddressFor(new URL(this.o.rest.baseUrl).hostname),
      port: NOMINAL_HOST_PORT,
      cpu_cores: hw.cpuCores,
      cpu_frequency_mhz: hw.cpuFrequencyMhz,
      memory_mb: hw.memoryMb,
      network_speed_mbps: hw.networkSpeedMbps,
      max_zones: Math.max(5, this.zones.length)
    })
    this.registered = true
    this.quality = host.quality_score
    this.o.log.info(`registered host ${this.hostId} at ${this.o.rest.baseUrl} (quality ${host.quality_score})`, {
      cpuCores: hw.cpuCores,
      memoryMb: hw.memoryMb,
      networkSpeedMbps: hw.networkSpeedMbps,
      networkSpeed: hw.networkSpeedMeasured ? 'link speed' : 'estimate'
    })
    this.o.onChange?.()
  }

  /** Opens every zone without a session; a zone the coordinator refuses is skipped, not fatal. */
  private async openZones(): Promise<void> {
    for (const z of this.zones) {
      if (z.sessionId !== null || this.skipped.has(z.zoneId)) continue
      try {
        await z.open()
      } catch (err) {
        if (err instanceof ZoneNotHostable || (err instanceof CoordinatorCallError && !err.transient && err.status !== 404)) {
          this.skipped.add(z.zoneId)
          this.o.log.warn(`not hosting zone ${z.zoneId}: ${message(err)}`)
          continue
        }
        throw err
      }
    }
    this.o.onChange?.()
  }

  private async tick(): Promise<void> {
    if (this.stopped) return
    try {
      await this.beat()
      if (this.stopped) return
      if (this.failures > 0) this.o.log.info(`the coordinator at ${this.o.rest.baseUrl} answers again`)
      this.failures = 0
      this.o.onHealth?.(undefined)
      this.schedule(this.o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
    } catch (err) {
      if (this.stopped) return
      const transient = err instanceof CoordinatorCallError ? err.transient : false
      const delay = backoffDelay(this.failures, this.o.backoff ?? DEFAULT_START_RETRY)
      this.failures++
      const msg = `${message(err)}; retrying in ${Math.round(delay / 100) / 10} s`
      if (this.failures === 1 || !transient) this.o.log.warn(`coordinator heartbeat failed: ${msg}`)
      this.o.onHealth?.(msg)
      this.schedule(delay)
    }
  }

  /** Heartbeat; re-register on 404; re-create sessions that are no longer active; session metrics. */
  private async beat(): Promise<void> {
    const rest = this.o.rest
    const report = this.o.hostingReport?.() ?? null
    const players = report ? report.players : this.zones.reduce((n, z) => n + z.players().length, 0)
    const mbps = this.bandwidth.sample()
    const peerLatencies = report ? [...report.sessions.values()].map((s) => s.latencyMs).filter((v): v is number => v !== null) : []
    const body = {
      latency_ms: Math.round((peerLatencies.length > 0 ? peerLatencies.reduce((a, b) => a + b, 0) / peerLatencies.length : (rest.lastLatencyMs ?? 0)) * 100) / 100,
      packet_loss_percent: rest.lossPercent(),
      ...(mbps !== null ? { bandwidth_usage_mbps: mbps } : {}),
      current_players: players,
      current_zones: this.zones.filter((z) => z.sessionId !== null).length
    }
    this.load = liveLoad()
    try {
      const host = await rest.heartbeat(this.hostId, body)
      this.quality = host.quality_score
    } catch (err) {
      if (!(err instanceof CoordinatorCallError && err.status === 404)) throw err
      this.o.log.warn(`the coordinator does not know host ${this.hostId} (restarted?): registering again`)
      this.registered = false
      await this.register()
      await rest.heartbeat(this.hostId, body)
    }
    this.heartbeats++
    this.lastHeartbeatAt = new Date().toISOString()
    this.o.log.debug(`heartbeat ${this.heartbeats} sent`, { ...body, qualityScore: this.quality, ...this.load })
    if (this.zones.length === 0) return
    const active = new Set((await rest.activeSessionsOfHost(this.hostId)).map((s) => s.session_id))
    for (const z of this.zones) {
      const sid = z.sessionId
      if (sid !== null && !active.has(sid)) {
        this.o.log.warn(`session ${sid} of zone ${z.zoneId} is no longer active on the coordinator: opening a new one`)
        z.forgetSession()
      }
    }
    await this.openZones()
    for (const z of this.zones) {
      const sid = z.sessionId
      if (sid === null) continue
      if (!z.inRoom()) await z.joinRoom()
      const figures = report?.sessions.get(sid)
      if (figures) {
        await rest.reportSessionMetrics(sid, {
          avg_latency_ms: Math.round((figures.latencyMs ?? body.latency_ms) * 100) / 100,
          packet_loss_percent: figures.packetLossPercent,
          bandwidth_usage_mbps: figures.bandwidthMbps
        })
      } else {
        await rest.reportSessionMetrics(sid, { avg_latency_ms: body.latency_ms, packet_loss_percent: body.packet_loss_percent, ...(mbps !== null ? { bandwidth_usage_mbps: mbps } : {}) })
      }
    }
    this.o.onChange?.()
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
