/**
 * The coordinator as a service module. For now it is the embedded registry (REST API under
 * /api/v1, see service.ts and registry-server.ts), run when no remote coordinator is configured;
 * the client for a remote coordinator (COORDINATOR_URL) is later work. Contract: coordinator.*
 * (contract-handlers.ts).
 */
import { defineModule } from '../service-module'
import { coordinatorHandlers } from './contract-handlers'
import { COORDINATOR_MIGRATIONS } from './migrations'
import { CoordinatorService } from './service'

export const coordinatorModule = defineModule({
  name: 'coordinator',
  label: 'Coordinator (embedded registry)',
  sections: ['coordinator'],
  dependsOn: [],
  enabled: (config) => (config.coordinator.url === '' ? true : { disabled: 'a remote coordinator is configured (COORDINATOR_URL)' }),
  create: (ctx) => new CoordinatorService({ config: ctx.config, log: ctx.log, store: ctx.store, clock: ctx.clock, metrics: ctx.metrics }),
  handlers: coordinatorHandlers,
  migrations: COORDINATOR_MIGRATIONS
})
