/**
 * The training domain's contract methods. The history (info, jobs, job) answers from the app
 * database whatever the broker's state — also with RabbitMQ off or unreachable; `training.submit`
 * answers `unavailable` without a broker connection.
 */
import { ContractCallError } from '../../shared/contract'
import type { Handlers } from '../dispatch'
import type { TrainingService } from './service'

export type TrainingMethod = 'training.info' | 'training.jobs' | 'training.job' | 'training.submit'

export function trainingHandlers(service: () => TrainingService | undefined): Pick<Handlers, TrainingMethod> {
  const get = (): TrainingService => {
    const s = service()
    if (!s) throw new ContractCallError('unavailable', 'The training service is not running.')
    return s
  }
  return {
    'training.info': () => get().info(),
    'training.jobs': (input) => ({ jobs: get().jobs(input.status, input.limit) }),
    'training.job': ({ jobId, afterEpoch }) => {
      const job = get().job(jobId, afterEpoch)
      if (!job) throw new ContractCallError('not_found', `No training job ${jobId}.`)
      return job
    },
    'training.submit': async (spec) => {
      const s = get()
      if (!s.canPublish) throw new ContractCallError('unavailable', `Cannot submit: ${s.info().enabled ? `not connected to RabbitMQ (${s.brokerState})` : 'RabbitMQ is off (ENABLE_RABBITMQ=false); turn it on in Settings › Training'}.`)
      try {
        return await s.submit(spec)
      } catch (err) {
        throw new ContractCallError('unavailable', err instanceof Error ? err.message : String(err))
      }
    }
  }
}
