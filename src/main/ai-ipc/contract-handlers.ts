/**
 * The contract methods of the AI request queue (requests.*, ai.testConnection, ai.testService).
 * They delegate to the running `ai-ipc` service; when it is disabled or not running they fail
 * with a clear `unavailable` error. ai.testConnection and ai.testService work without the
 * service (they open their own short-lived connections).
 */
import { ContractCallError } from '../../shared/contract'
import type { Config } from '../../shared/config-schema'
import type { Handlers } from '../dispatch'
import { testQueueConnection } from './connection-test'
import type { AiIpcService } from './service'
import { testAiService } from './service-probe'
import { version as packageVersion } from '../../../package.json'
import type { Logger } from '../logging/logger'

/** The probe logs nothing of its own (its result is the answer). */
const QUIET: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, scope: () => QUIET }

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
  | 'ai.testService'

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
    },
    'ai.testService': (input) => testAiService(config(), input.baseUrl, packageVersion, QUIET)
  }
}
