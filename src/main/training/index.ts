/**
 * Training jobs over RabbitMQ as a service module (spec-training.md): publishes job requests,
 * ingests epoch updates and results into the app database (tracker.ts) and pushes them to the
 * Training page. Runs without RabbitMQ too (history only). Contract: training.* (contract-handlers.ts).
 */
import { defineModule } from '../service-module'
import { trainingHandlers } from './contract-handlers'
import { TRAINING_MIGRATIONS } from './migrations'
import { TrainingService } from './service'

export const trainingModule = defineModule({
  name: 'training',
  label: 'Training jobs (RabbitMQ)',
  sections: ['training'],
  dependsOn: [],
  enabled: () => true,
  create: (ctx) => new TrainingService({ config: ctx.config, log: ctx.log, events: ctx.events, store: ctx.store, clock: ctx.clock, metrics: ctx.metrics }),
  handlers: trainingHandlers,
  migrations: TRAINING_MIGRATIONS
})
