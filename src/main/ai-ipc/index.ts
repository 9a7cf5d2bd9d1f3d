/**
 * The AI IPC poller as a service module: rAthena's `ai_requests` → handlers → `ai_responses`,
 * on MariaDB/MySQL or the embedded SQLite file (see service.ts, poller.ts and the queue backends).
 */
import { defineModule } from '../service-module'
import { aiIpcHandlers } from './contract-handlers'
import { AiIpcService } from './service'

export const aiIpcModule = defineModule({
  name: 'ai-ipc',
  label: 'AI request poller',
  sections: ['database', 'polling', 'ai_service'],
  dependsOn: [],
  enabled: (config) => (config.polling.enabled ? true : { disabled: 'polling.enabled is false in the configuration' }),
  create: (ctx) => new AiIpcService({ config: ctx.config, log: ctx.log, events: ctx.events, httpClients: ctx.http, metrics: ctx.metrics }),
  handlers: aiIpcHandlers,
  migrations: []
})
