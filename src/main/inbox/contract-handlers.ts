/**
 * The inbox domain's contract methods: the page's snapshot and the error store. While the service
 * is not running they answer `unavailable` (saying why when the config disables it).
 */
import type { Config } from '../../shared/config-schema'
import { ContractCallError } from '../../shared/contract'
import type { Handlers } from '../dispatch'
import type { InboxService } from './service'

export type InboxMethod = 'inbox.status' | 'inbox.errors'

export function inboxHandlers(service: () => InboxService | undefined, config: () => Config): Pick<Handlers, InboxMethod> {
  const running = (): InboxService => {
    const s = service()
    if (!s) throw new ContractCallError('unavailable', config().inbox.enabled ? 'The inbox is not running (restarting or could not start). Check Overview and the log.' : 'The inbox is disabled (inbox.enabled is false in the configuration).')
    return s
  }
  return {
    'inbox.status': () => running().snapshot(),
    'inbox.errors': ({ limit, group }) => running().errors(limit, group)
  }
}
