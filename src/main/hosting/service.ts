/**
 * The `hosting` service: accepts players in every session this host serves (the coordinator
 * module opens them for HOST_ZONES) and relays their game packets. Work in progress: the session
 * hosts (werift peers, relay, control channel) come next; this holds the state the contract shows.
 */
import type { Registry } from 'prom-client'
import type { HostingSnapshot } from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import type { Clock } from '../clock'
import type { CoordinatorService } from '../coordinator/service'
import type { EventBus } from '../events'
import type { Logger } from '../logging/logger'
import { LifecycleService } from '../service'
import type { AppStore } from '../store/app-store'

export interface HostingServiceOptions {
  config: Config
  log: Logger
  events: EventBus
  store: AppStore
  clock: Clock
  metrics?: Registry
  coordinator: () => CoordinatorService | undefined
}

export class HostingService extends LifecycleService {
  private paused = false
  private pausedReason: string | null = null

  constructor(private readonly o: HostingServiceOptions) {
    super('hosting', 'Peer hosting')
  }

  protected async onStart(): Promise<void> {
    this.setDetail(this.o.config.hosting.zones.length === 0 ? 'not hosting (HOST_ZONES is empty)' : `hosting ${this.o.config.hosting.zones.join(', ')}`)
  }

  protected async onStop(): Promise<void> {}

  snapshot(): HostingSnapshot {
    const h = this.o.config.hosting
    return {
      configured: h.zones.length > 0,
      paused: this.paused,
      pausedReason: this.pausedReason,
      tickMs: h.tick_ms,
      maxPlayers: h.max_players,
      sessions: [],
      players: 0,
      bytesIn: 0,
      bytesOut: 0,
      at: new Date(this.o.clock.now()).toISOString()
    }
  }

  kick(_sessionId: string, _peerId: string, _reason: string): boolean {
    return false
  }

  async notice(_text: string, _sessionId?: string, _peerId?: string): Promise<{ sent: number; acked: number; failed: number }> {
    return { sent: 0, acked: 0, failed: 0 }
  }

  pause(reason?: string): HostingSnapshot {
    this.paused = true
    this.pausedReason = reason ?? null
    return this.snapshot()
  }

  resume(): HostingSnapshot {
    this.paused = false
    this.pausedReason = null
    return this.snapshot()
  }
}
