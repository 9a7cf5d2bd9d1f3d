/**
 * The local inbox as a service module: typed messages with ACK from local programs through
 * `<data dir>/ipc/<group>/` (file-inbox.ts on the messaging layer), operator commands answered in
 * responses/ (commands.ts, through the contract), de-duplication and the error store in the app
 * database (store.ts). Contract: inbox.* (contract-handlers.ts). `warp-host send` is send-client.ts.
 */
import { defineModule } from '../service-module'
import { inboxHandlers } from './contract-handlers'
import { InboxService } from './service'
import { INBOX_MIGRATIONS } from './store'

export const inboxModule = defineModule({
  name: 'inbox',
  label: 'Inbox',
  sections: ['inbox'],
  dependsOn: [],
  enabled: (config) => (config.inbox.enabled ? true : { disabled: 'inbox.enabled is false in the configuration' }),
  create: (ctx) =>
    new InboxService({ config: ctx.config, log: ctx.log, events: ctx.events, store: ctx.store, clock: ctx.clock, metrics: ctx.metrics, call: ctx.call }),
  handlers: inboxHandlers,
  migrations: INBOX_MIGRATIONS
})
