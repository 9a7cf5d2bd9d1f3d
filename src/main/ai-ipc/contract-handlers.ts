/**
 * The contract methods of the AI request queue (requests.*, ai.testConnection). They delegate to
 * the running `ai-ipc` service; when it is disabled or not running they fail with a clear
 * `unavailable` error. ai.testConnection works without the service (it opens its own
 * short-lived connection).
 */
import { ContractCallError } from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import type { Handlers } from '../dispatch'
import { testQueueConnection } from './connection-test'
import type { AiIpcService } from './service'

export type AiIpcMethod =
  | 'requests.stats'
  | 'requests.list'
  | 'requests.get'
  | 'requests.retry'
  | 'requests.cancel'
  | 'requests.resetStuck'
  | 'requests.purge'
  | 'requests.submitTest'
  | 'ai.testConnection'

export function aiIpcHandlers(service: () => AiIpcService | undefined, config: () => Config): Pick<Handlers, AiIpcMethod> {
  const poller = (): AiIpcService => {
    const s = service()
    if (!s) {
      throw new ContractCallError(
        'unavailable',
        config().polling.enabled
          ? 'The AI request poller is not running (restarting or could not be built). Check Overview and the log.'
          : 'The AI request poller is disabled (polling.enabled is false in the configuration).'
      )
    }
    s.assertAvailable()
    return s
  }
  return {
    'requests.stats': () => poller().stats(),
    'requests.list': (input) => poller().list(input),
    'requests.get': (input) => poller().get(input.id),
    'requests.retry': (input) => poller().retry(input),
    'requests.cancel': (input) => poller().cancel(input.ids),
    'requests.resetStuck': (input) => poller().resetStuck(input.olderThanSeconds),
    'requests.purge': (input) => poller().purge(input),
    'requests.submitTest': (input) => poller().submitTest(input),
    'ai.testConnection': (input) => {
      const current = config()
      const override = input.database ?? {}
      const password = override.password !== undefined && override.password !== '' ? override.password : current.database.password
      return testQueueConnection({ ...current.database, ...override, password }, current.data_dir)
    }
  }
}
