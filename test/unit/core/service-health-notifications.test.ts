/**
 * `app.notification` from the runtime when a service stops working and when it works again: a
 * running service that falls into `error` emits one `service.failed` (with its error); back to
 * `running` emits one `service.recovered`; a failure while starting, a repeat error, or a
 * transient `reconnecting` emits nothing. Plain Node, a real runtime with a module of the test's own.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { boot, type Booted } from '../../../src/main/bootstrap'
import { LifecycleService } from '../../../src/main/service'
import { defineModule } from '../../../src/main/service-module'
import { AppNotificationSchema, type AppNotification } from '../../../src/shared/contract'

class FlakyService extends LifecycleService {
  static last: FlakyService | null = null
  constructor(private readonly failStart: boolean) {
    super('flaky', 'Flaky service')
    FlakyService.last = this
  }
  protected async onStart(): Promise<void> {
    if (this.failStart) throw new Error('Access denied for user')
  }
  protected async onStop(): Promise<void> {}
  fail(message: string): void {
    this.markError(message)
  }
  blip(message: string): void {
    this.markReconnecting(message)
  }
  recover(): void {
    this.markRecovered()
  }
}

let booted: Booted | null = null
let dir = ''
afterEach(async () => {
  await booted?.runtime.stop()
  booted?.sink.closeFile()
  booted = null
  FlakyService.last = null
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

async function start(failStart = false): Promise<{ seen: AppNotification[]; svc: FlakyService }> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-health-'))
  const module = defineModule({
    name: 'flaky',
    label: 'Flaky service',
    sections: [],
    dependsOn: [],
    enabled: () => true,
    create: () => new FlakyService(failStart),
    handlers: () => ({}),
    migrations: []
  })
  booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: dir }, write: () => undefined, modules: [module] })
  const seen: AppNotification[] = []
  booted.runtime.events.on('app.notification', (n) => seen.push(AppNotificationSchema.parse(n)))
  await booted.runtime.start()
  const svc = FlakyService.last
  if (!svc) throw new Error('service not built')
  return { seen, svc }
}

describe('service failed / recovered notifications', () => {
  it('running → error emits service.failed once; → running emits service.recovered once', async () => {
    const { seen, svc } = await start()
    expect(svc.status().state).toBe('running')
    expect(seen).toEqual([])

    svc.fail('ECONNREFUSED 127.0.0.1:3306')
    svc.fail('still ECONNREFUSED')
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({
      kind: 'service.failed',
      level: 'error',
      title: 'Flaky service stopped working',
      body: 'ECONNREFUSED 127.0.0.1:3306',
      target: { page: 'overview', id: 'flaky' }
    })

    svc.recover()
    expect(seen).toHaveLength(2)
    expect(seen[1]).toMatchObject({ kind: 'service.recovered', level: 'info', title: 'Flaky service works again' })
    expect(seen[0]?.id).not.toBe(seen[1]?.id)

    // …and again on the next failure.
    svc.fail('gone again')
    expect(seen.map((n) => n.kind)).toEqual(['service.failed', 'service.recovered', 'service.failed'])
  })

  it('a transient reconnecting is not a failure', async () => {
    const { seen, svc } = await start()
    svc.blip('connection reset')
    expect(svc.status().state).toBe('reconnecting')
    svc.recover()
    expect(seen).toEqual([])
  })

  it('a service that fails while starting is not "stopped working"', async () => {
    const { seen, svc } = await start(true)
    expect(svc.status().state).toBe('error')
    expect(seen).toEqual([])
  })
})
