/**
 * The coordinator as a service module: without COORDINATOR_URL the embedded registry (REST API
 * under /api/v1 and signaling, see service.ts and registry-server.ts) plus this host as its
 * client; with COORDINATOR_URL only the client (client/, hosting-zones.ts). Contract:
 * coordinator.* (contract-handlers.ts).
 */
import { defineModule } from '../service-module'
import { coordinatorHandlers } from './contract-handlers'
import { COORDINATOR_MIGRATIONS } from './migrations'
import { CoordinatorService } from './service'

export const coordinatorModule = defineModule({
  name: 'coordinator',
  label: 'Coordinator',
  sections: ['coordinator', 'hosting'],
  dependsOn: [],
  enabled: () => true,
  create: (ctx) => new CoordinatorService({ config: ctx.config, log: ctx.log, store: ctx.store, clock: ctx.clock, metrics: ctx.metrics, httpClients: ctx.http, client: {}, signaling: true }),
  handlers: coordinatorHandlers,
  migrations: COORDINATOR_MIGRATIONS
})
