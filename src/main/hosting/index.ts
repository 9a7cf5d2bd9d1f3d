/**
 * WebRTC peer hosting as a service module: for every session this host serves (HOST_ZONES, opened
 * by the coordinator module), players connect over werift and their game packets are relayed to
 * each other (service.ts, session-host.ts, peer-link.ts, relay.ts, control.ts).
 * Contract: hosting.* (contract-handlers.ts).
 */
import { defineModule } from '../service-module'
import type { CoordinatorService } from '../coordinator/service'
import { hostingHandlers } from './contract-handlers'
import { HostingService } from './service'

export const hostingModule = defineModule({
  name: 'hosting',
  label: 'Peer hosting',
  sections: ['hosting'],
  dependsOn: ['coordinator'],
  enabled: () => true,
  create: (ctx) =>
    new HostingService({
      config: ctx.config,
      log: ctx.log,
      events: ctx.events,
      store: ctx.store,
      clock: ctx.clock,
      metrics: ctx.metrics,
      coordinator: () => ctx.service<CoordinatorService>('coordinator')
    }),
  handlers: hostingHandlers,
  migrations: []
})
