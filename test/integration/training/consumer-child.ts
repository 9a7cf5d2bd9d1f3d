/**
 * The training service in a process of its own, for the crash test: the app database in DATA_DIR,
 * the `training` section as JSON in TRAINING_CONFIG. With HOLD=before (or after) the first batch
 * stops before it is stored (or after it is stored, before its ack): the process prints
 * `HOLD <phase> <size>` and waits to be killed. Prints `CONSUMER READY` once consuming.
 */
import { Registry } from 'prom-client'
import { ConfigSchema } from '../../../src/shared/config-schema'
import { systemClock } from '../../../src/main/clock'
import { EventBus } from '../../../src/main/events'
import { LogSink } from '../../../src/main/logging/logger'
import { AppStore } from '../../../src/main/store/app-store'
import { TRAINING_MIGRATIONS } from '../../../src/main/training/migrations'
import { TrainingService } from '../../../src/main/training/service'

async function main(): Promise<void> {
  const dataDir = process.env.DATA_DIR!
  const hold = process.env.HOLD
  const sink = new LogSink({ level: 'info', format: 'text', dir: null, write: (l) => process.stderr.write(`${l}\n`) })
  const store = new AppStore(dataDir, sink.logger('store'))
  await store.start()
  store.migrateModule('training', TRAINING_MIGRATIONS)
  const config = ConfigSchema.parse({ data_dir: dataDir, training: JSON.parse(process.env.TRAINING_CONFIG!) as unknown })
  const never = new Promise<void>(() => undefined)
  let held = false
  const holdAt = (phase: string) => (size: number) => {
    if (hold !== phase || held) return
    held = true
    process.stdout.write(`HOLD ${phase} ${size}\n`)
    return never
  }
  const svc = new TrainingService({
    config,
    log: sink.logger('training'),
    events: new EventBus(),
    store,
    clock: systemClock,
    metrics: new Registry(),
    connectionName: process.env.CONNECTION_NAME ?? 'warp-training-test-child',
    hooks: { beforeStore: holdAt('before'), afterStore: holdAt('after') }
  })
  await svc.start()
  process.stdout.write('CONSUMER READY\n')
  process.on('SIGTERM', () => {
    void svc
      .stop()
      .then(() => store.stop())
      .finally(() => process.exit(0))
  })
}

main().catch((err: unknown) => {
  process.stderr.write(`consumer failed: ${String(err)}\n`)
  process.exit(1)
})
