/**
 * The hosting domain's contract methods: the snapshot of the sessions this host serves, kick,
 * notice, pause and resume. While the service is not running they answer `unavailable`.
 */
import { ContractCallError } from '../../shared/contract'
import type { Handlers } from '../dispatch'
import type { HostingService } from './service'

export type HostingMethod = 'hosting.sessions' | 'hosting.kick' | 'hosting.notice' | 'hosting.pause' | 'hosting.resume'

export function hostingHandlers(service: () => HostingService | undefined): Pick<Handlers, HostingMethod> {
  const running = (): HostingService => {
    const s = service()
    if (!s) throw new ContractCallError('unavailable', 'Peer hosting is not running.')
    return s
  }
  return {
    'hosting.sessions': () => running().snapshot(),
    'hosting.kick': ({ sessionId, peerId, reason }) => {
      if (!running().kick(sessionId, peerId, reason)) throw new ContractCallError('not_found', `No peer ${peerId} in session ${sessionId}.`)
      return { kicked: true }
    },
    'hosting.notice': ({ sessionId, peerId, text }) => running().notice(text, sessionId, peerId),
    'hosting.pause': ({ reason }) => running().pause(reason),
    'hosting.resume': () => running().resume()
  }
}
