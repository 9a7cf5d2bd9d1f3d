/**
 * The Hosts page's contract actions against the embedded registry in a runtime (real SQLite file,
 * real REST server on port 0): coordinator.setZoneP2p, .updateZone (the other zone fields kept,
 * the requirements then enforced by the REST API), .endSession (players leave; a second end says
 * it had already ended); unknown ids are not_found, a remote coordinator is unavailable.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { boot, type Booted } from '../../../src/main/bootstrap'
import { coordinatorModule } from '../../../src/main/coordinator'
import type { CoordinatorService } from '../../../src/main/coordinator/service'
import type { CallResult } from '../../../src/shared/contract'
import { hostBody, zoneBody } from './harness'

describe('the Hosts page’s coordinator actions', () => {
  let booted: Booted | null = null
  let dir = ''
  afterEach(async () => {
    await booted?.runtime.stop()
    booted?.sink.closeFile()
    booted = null
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const start = async (env: Record<string, string>): Promise<Booted> => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-actions-'))
    booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: path.join(dir, 'data'), ...env }, write: () => undefined, modules: [coordinatorModule] })
    await booted.runtime.start()
    return booted
  }
  const dispatch = (b: Booted, m: string, input?: unknown): Promise<CallResult> => b.runtime.dispatch(m, input, { transport: 'test', client: 't' })
  const call = async (b: Booted, m: string, input?: unknown): Promise<Record<string, unknown>> => {
    const res = await dispatch(b, m, input)
    if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`)
    return res.value as Record<string, unknown>
  }

  it('switches P2P, edits requirements (enforced afterwards) and ends a session', async () => {
    const b = await start({ COORDINATOR_PORT: '0' })
    const svc = b.runtime.service<CoordinatorService>('coordinator')!
    const rest = async (method: string, p: string, body?: unknown): Promise<Response> =>
      fetch(`${svc.registryServer!.url}/api/v1${p}`, {
        method,
        headers: { 'x-api-key': svc.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    expect((await rest('POST', '/hosts/register', hostBody('h1'))).status).toBe(201)
    expect((await rest('POST', '/zones/', zoneBody('z1', { zone_display_name: 'Zone One', p2p_enabled: true, min_host_quality_score: 0 }))).status).toBe(201)

    expect(await call(b, 'coordinator.setZoneP2p', { zoneId: 'z1', enabled: false })).toMatchObject({ zone: { zone_id: 'z1', p2p_enabled: false } })
    expect((await rest('POST', '/sessions/', { host_id: 'h1', zone_id: 'z1', player_ids: [] })).status).toBe(400)
    await call(b, 'coordinator.setZoneP2p', { zoneId: 'z1', enabled: true })

    const requirements = { min_host_quality_score: 100.5, min_bandwidth_mbps: 1, max_latency_ms: 500, p2p_priority: 9, max_players: 40, recommended_players: 20 }
    expect(await dispatch(b, 'coordinator.updateZone', { zoneId: 'z1', requirements })).toMatchObject({ ok: false, error: { code: 'bad_input' } })
    const updated = await call(b, 'coordinator.updateZone', { zoneId: 'z1', requirements: { ...requirements, min_host_quality_score: 10, min_bandwidth_mbps: 2000 } })
    expect(updated.zone).toMatchObject({ zone_display_name: 'Zone One', p2p_enabled: true, status: 'enabled', min_host_quality_score: 10, min_bandwidth_mbps: 2000, p2p_priority: 9, max_players: 40 })
    // The host (1000 Mbps) no longer meets the zone's requirements.
    const refused = await rest('POST', '/sessions/', { host_id: 'h1', zone_id: 'z1', player_ids: [] })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('does not meet the requirements')
    await call(b, 'coordinator.updateZone', { zoneId: 'z1', requirements: { ...requirements, min_host_quality_score: 10 } })

    const created = (await (await rest('POST', '/sessions/', { host_id: 'h1', zone_id: 'z1', player_ids: ['p1', 'p2'] })).json()) as { session_id: string }
    const ended = await call(b, 'coordinator.endSession', { sessionId: created.session_id })
    expect(ended).toMatchObject({ ended: true, session: { session_id: created.session_id, status: 'ended', connected_players: [], end_reason: 'ended from the Hosts page' } })
    expect(await call(b, 'coordinator.endSession', { sessionId: created.session_id, reason: 'again' })).toMatchObject({ ended: false, session: { status: 'ended' } })

    expect(await dispatch(b, 'coordinator.endSession', { sessionId: 'session-0000000000000000' })).toMatchObject({ ok: false, error: { code: 'not_found' } })
    expect(await dispatch(b, 'coordinator.setZoneP2p', { zoneId: 'nope', enabled: true })).toMatchObject({ ok: false, error: { code: 'not_found', message: 'Zone not found' } })
    expect(await dispatch(b, 'coordinator.updateZone', { zoneId: 'nope', requirements })).toMatchObject({ ok: false })
  })

  it('answers unavailable with a remote coordinator configured', async () => {
    const b = await start({ COORDINATOR_URL: 'http://coordinator.example:8001' })
    expect(await dispatch(b, 'coordinator.setZoneP2p', { zoneId: 'z1', enabled: true })).toMatchObject({ ok: false, error: { code: 'unavailable' } })
    expect(await dispatch(b, 'coordinator.endSession', { sessionId: 'session-0000000000000000' })).toMatchObject({ ok: false, error: { code: 'unavailable' } })
  })
})
