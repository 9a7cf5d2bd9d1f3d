/**
 * The app's own metrics beside prom-client's default process metrics (collectDefaultMetrics with
 * the `warp_` prefix: CPU, memory, handles, GC, event-loop lag …): build info, uptime and every
 * service's state, computed at scrape time from app.status.
 */
import { collectDefaultMetrics, type Registry } from 'prom-client'
import { SERVICE_STATES, type AppStatus } from '../../shared/contract'
import { snapshotGauge } from './prometheus'

export function registerRuntimeMetrics(registry: Registry, status: () => AppStatus): void {
  collectDefaultMetrics({ register: registry, prefix: 'warp_' })
  snapshotGauge(registry, 'warp_build_info', 'WARP Host version and runtime; always 1', ['version', 'mode', 'node_version', 'platform'], () => {
    const s = status()
    return [[{ version: s.version, mode: s.mode, node_version: s.nodeVersion, platform: s.platform }, 1]]
  })
  snapshotGauge(registry, 'warp_process_uptime_seconds', 'Seconds since the WARP Host runtime started', [], () => [[{}, status().uptimeSeconds]])
  snapshotGauge(
    registry,
    'warp_service_up',
    'Whether the service is running (1) or not (0: any other state, e.g. stopped, error or disabled)',
    ['service'],
    () => status().services.map((s): [{ service: string }, number] => [{ service: s.name }, s.state === 'running' ? 1 : 0])
  )
  snapshotGauge(registry, 'warp_service_state', 'The state of the service: 1 for its current state, 0 for the others', ['service', 'state'], () =>
    status().services.flatMap((s) => SERVICE_STATES.map((state): [{ service: string; state: string }, number] => [{ service: s.name, state }, s.state === state ? 1 : 0]))
  )
}
