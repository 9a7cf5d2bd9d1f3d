/**
 * The `hosting` service: accepts players in every session this host serves and relays their game
 * packets (session-host.ts). The coordinator module opens the sessions for HOST_ZONES and keeps
 * their signaling rooms; this service follows its list of hosted rooms (a session re-created after
 * a coordinator restart gets a new session host), feeds the coordinator heartbeat with what it
 * measures (players connected, RTT, loss, bandwidth), pushes `hosting.changed` to the dashboard,
 * exports Prometheus figures and emits `hosting.session-full` and `hosting.backlog` notifications.
 *
 * Pause: joiners are refused (code `paused`), connected players stay; the pause survives a
 * restart (kept in the app store).
 */
import crypto from 'node:crypto'
import { Gauge, Counter, type Registry } from 'prom-client'
import type { HostingSnapshot } from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import type { Clock } from '../clock'
import type { HostingReport, SessionReport } from '../coordinator/client'
import type { CoordinatorService } from '../coordinator/service'
import type { EventBus, ThrottledEmitter } from '../events'
import { errorFields, type Logger } from '../logging/logger'
import { LifecycleService } from '../service'
import type { AppStore } from '../store/app-store'
import { hostCertificate, type PeerIceServer } from './peer-link'
import { noPublicStunFallback } from './werift-stun'
import { SessionHost, type SessionSettings, type SessionTraffic } from './session-host'

export const PAUSED_META_KEY = 'hosting.paused'
/** At most one "session full" notification per session per this period. */
const FULL_NOTICE_EVERY_MS = 10 * 60_000

export interface HostingServiceOptions {
  config: Config
  log: Logger
  events: EventBus
  store: AppStore
  clock: Clock
  metrics?: Registry
  coordinator: () => CoordinatorService | undefined
}

/** ICE servers from the settings; TURN URLs get the username and credential. No public fallback. */
export function iceServersOf(h: Config['hosting']): PeerIceServer[] {
  return h.ice_servers.map((urls) =>
    urls.startsWith('turn') && h.turn_username !== '' ? { urls, username: h.turn_username, credential: h.turn_credential } : { urls }
  )
}

export class HostingService extends LifecycleService {
  private readonly sessions = new Map<string, SessionHost>()
  private paused = false
  private pausedReason: string | null = null
  private unsubs: (() => void)[] = []
  private changed: ThrottledEmitter<'hosting.changed'> | null = null
  /** When each session-kind warning was last emitted ("<kind> <sessionId>"). */
  private readonly lastNotice = new Map<string, number>()
  private reconciling: Promise<void> = Promise.resolve()
  private readonly settings: SessionSettings
  /** Traffic of sessions already closed (the Prometheus counters never go back). */
  private readonly closedTotals: SessionTraffic = { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0, dropped: 0 }

  constructor(private readonly o: HostingServiceOptions) {
    super('hosting', 'Peer hosting')
    const h = o.config.hosting
    this.settings = {
      maxPlayers: h.max_players,
      tickMs: h.tick_ms,
      heartbeatMs: h.heartbeat_ms,
      maxBufferedBytes: h.max_buffered_bytes,
      iceServers: iceServersOf(h),
      ack: { timeoutMs: Math.max(1000, h.heartbeat_ms), retries: 3, delayMs: 500 }
    }
    if (o.metrics) this.registerMetrics(o.metrics)
  }

  protected async onStart(): Promise<void> {
    const saved = this.o.store.getMeta(PAUSED_META_KEY)
    if (saved !== null && saved !== '') {
      this.paused = true
      this.pausedReason = saved === '1' ? null : saved
    }
    this.changed = this.o.events.throttle('hosting.changed', 500)
    if (!noPublicStunFallback()) this.o.log.warn("werift's ICE agent is not the expected shape: without a STUN server in hosting.ice_servers it may ask stun.l.google.com")
    this.settings.certificate = await hostCertificate()
    const coordinator = this.o.coordinator()
    if (this.o.config.hosting.zones.length === 0 || !coordinator) {
      this.setDetail(this.o.config.hosting.zones.length === 0 ? 'not hosting (HOST_ZONES is empty)' : 'waiting for the coordinator')
      return
    }
    this.unsubs.push(coordinator.onRoomsChanged(() => this.reconcileSoon()))
    this.unsubs.push(coordinator.useHostingReport(() => this.report()))
    this.reconcileSoon()
    await this.reconciling
  }

  protected async onStop(): Promise<void> {
    for (const u of this.unsubs.splice(0)) u()
    await this.reconciling.catch(() => undefined)
    const all = [...this.sessions.values()]
    this.sessions.clear()
    for (const s of all) this.addClosed(s)
    await Promise.all(all.map((s) => s.close()))
    this.changed?.cancel()
    this.changed = null
  }

  /** Follows the coordinator's hosted rooms: a session host per room, closed when its room goes. */
  private reconcileSoon(): void {
    this.reconciling = this.reconciling.then(() => this.reconcile()).catch((err: unknown) => this.o.log.error('cannot follow the hosted sessions', errorFields(err)))
  }

  private async reconcile(): Promise<void> {
    const rooms = this.o.coordinator()?.hostedRooms() ?? []
    const live = new Set(rooms.map((r) => r.sessionId))
    for (const [sid, host] of [...this.sessions]) {
      if (live.has(sid)) continue
      this.sessions.delete(sid)
      // The zone got a new session (the coordinator restarted or ended the old one): its players
      // are told where to go (zone-change, ACKed) before the old session's connections close.
      const next = rooms.find((r) => r.zoneId === host.zoneId)
      if (next && host.players() > 0) {
        const moved = await host.zoneChange(next.zoneId, next.sessionId)
        this.o.log.info(`session ${sid} of zone ${host.zoneId} was replaced by ${next.sessionId}: ${moved} of ${host.players()} players acknowledged the move`)
      } else {
        this.o.log.info(`session ${sid} (zone ${host.zoneId}) is no longer hosted: closing its peers`)
      }
      this.addClosed(host)
      await host.close()
    }
    for (const room of rooms) {
      if (this.sessions.has(room.sessionId)) continue
      const host = new SessionHost({
        room,
        settings: this.settings,
        log: this.o.log,
        now: () => this.o.clock.now(),
        paused: () => this.paused,
        onChange: () => this.touch(),
        onFull: (sid, max) => this.notifyFull(sid, room.zoneId, max),
        onBacklog: (sid, players, of) => this.notifyBacklog(sid, room.zoneId, players, of)
      })
      this.sessions.set(room.sessionId, host)
      host.start()
      this.o.log.info(`accepting players in session ${room.sessionId} (zone ${room.zoneId}, up to ${host.maxPlayers})`)
    }
    this.describe()
    this.touch()
  }

  private addClosed(host: SessionHost): void {
    const t = host.traffic()
    for (const k of Object.keys(this.closedTotals) as (keyof SessionTraffic)[]) this.closedTotals[k] += t[k]
  }

  private describe(): void {
    const n = this.sessions.size
    const players = [...this.sessions.values()].reduce((a, s) => a + s.players(), 0)
    const state = this.paused ? 'paused' : 'hosting'
    this.setDetail(n === 0 ? 'waiting for the coordinator to open the sessions' : `${state} ${n} session${n === 1 ? '' : 's'}, ${players} player${players === 1 ? '' : 's'}`)
  }

  private touch(): void {
    this.describe()
    this.changed?.push(this.snapshot())
  }

  private notifyFull(sessionId: string, zoneId: string, max: number): void {
    this.notifySession('hosting.session-full', sessionId, `Zone ${zoneId} is full`, `A player was refused: the session has ${max} of ${max} players.`)
  }

  private notifyBacklog(sessionId: string, zoneId: string, players: number, of: number): void {
    this.notifySession(
      'hosting.backlog',
      sessionId,
      `Zone ${zoneId}: this host cannot keep up`,
      `${players} of ${of} players are behind: their packets are dropped and new players refused until it catches up. Fewer players per session (Settings → Hosting) avoids it.`
    )
  }

  /** A warning about one session, at most once per FULL_NOTICE_EVERY_MS for each kind and session. */
  private notifySession(kind: 'hosting.session-full' | 'hosting.backlog', sessionId: string, title: string, body: string): void {
    const now = this.o.clock.now()
    const key = `${kind} ${sessionId}`
    const last = this.lastNotice.get(key)
    if (last !== undefined && now - last < FULL_NOTICE_EVERY_MS) return
    this.lastNotice.set(key, now)
    this.o.events.emit('app.notification', { id: crypto.randomUUID(), kind, level: 'warning', title, body, at: new Date(now).toISOString(), target: { page: 'sessions', id: sessionId } })
  }

  // ---- contract -------------------------------------------------------------------------------

  snapshot(): HostingSnapshot {
    const h = this.o.config.hosting
    const sessions = [...this.sessions.values()].map((s) => s.view(this.paused))
    return {
      configured: h.zones.length > 0,
      paused: this.paused,
      pausedReason: this.pausedReason,
      tickMs: h.tick_ms,
      maxPlayers: h.max_players,
      sessions,
      players: sessions.reduce((a, s) => a + s.players, 0),
      bytesIn: sessions.reduce((a, s) => a + s.bytesIn, 0),
      bytesOut: sessions.reduce((a, s) => a + s.bytesOut, 0),
      at: new Date(this.o.clock.now()).toISOString()
    }
  }

  kick(sessionId: string, peerId: string, reason: string): boolean {
    const s = this.sessions.get(sessionId)
    const done = s ? s.kick(peerId, reason) : false
    if (done) this.o.log.info(`kicked ${peerId} from session ${sessionId}: ${reason}`)
    return done
  }

  async notice(text: string, sessionId?: string, peerId?: string): Promise<{ sent: number; acked: number; failed: number }> {
    const targets = [...this.sessions.values()].filter((s) => sessionId === undefined || s.sessionId === sessionId)
    const results = await Promise.all(targets.map((s) => s.notice(text, peerId)))
    return results.reduce((a, r) => ({ sent: a.sent + r.sent, acked: a.acked + r.acked, failed: a.failed + r.failed }), { sent: 0, acked: 0, failed: 0 })
  }

  pause(reason?: string): HostingSnapshot {
    this.paused = true
    this.pausedReason = reason ?? null
    this.o.store.setMeta(PAUSED_META_KEY, reason ?? '1')
    this.o.log.info(`hosting paused${reason ? `: ${reason}` : ''} (new players are refused)`)
    this.touch()
    return this.snapshot()
  }

  resume(): HostingSnapshot {
    this.paused = false
    this.pausedReason = null
    this.o.store.setMeta(PAUSED_META_KEY, '')
    this.o.log.info('hosting resumed')
    this.touch()
    return this.snapshot()
  }

  /** What the coordinator heartbeat reports. */
  report(): HostingReport {
    const sessions = new Map<string, SessionReport>()
    let players = 0
    for (const [sid, s] of this.sessions) {
      const r = s.report()
      sessions.set(sid, r)
      players += r.players
    }
    return { players, sessions }
  }

  private registerMetrics(registry: Registry): void {
    const sessions = (): SessionHost[] => [...this.sessions.values()]
    new Gauge({
      name: 'warp_hosting_players',
      help: 'Players connected to the sessions this host serves',
      registers: [registry],
      collect() {
        this.set(sessions().reduce((a, s) => a + s.players(), 0))
      }
    })
    new Gauge({
      name: 'warp_hosting_sessions',
      help: 'Sessions this host serves',
      registers: [registry],
      collect() {
        this.set(sessions().length)
      }
    })
    const paused = (): boolean => this.paused
    new Gauge({
      name: 'warp_hosting_paused',
      help: '1 while hosting is paused (joiners refused)',
      registers: [registry],
      collect() {
        this.set(paused() ? 1 : 0)
      }
    })
    const closed = this.closedTotals
    const totals = (key: keyof SessionTraffic): number => sessions().reduce((a, s) => a + s.traffic()[key], closed[key])
    for (const [name, key, help] of [
      ['warp_hosting_bytes_in_total', 'bytesIn', 'Game data bytes received from players'],
      ['warp_hosting_bytes_out_total', 'bytesOut', 'Game data bytes relayed to players'],
      ['warp_hosting_packets_in_total', 'packetsIn', 'Game data messages received from players'],
      ['warp_hosting_packets_out_total', 'packetsOut', 'Game data messages relayed to players'],
      ['warp_hosting_dropped_total', 'dropped', 'Game data messages not delivered (slow or refused players, oversized)']
    ] as const) {
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset()
          this.inc(totals(key))
        }
      })
    }
  }
}
