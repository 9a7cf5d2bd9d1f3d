/**
 * The embedded coordinator registry's REST API against a real server on port 0 and a real SQLite
 * file: every endpoint with its status codes and `{"detail": …}` bodies (401, 404, 422, 429), the
 * quality formula, and the behaviours the real service lacks — working filters, `session-…` ids,
 * refresh tokens, heartbeat silence (fake clock + the real sweep timer), zone requirements, empty
 * and stale sessions, a player joining a second session leaving the first. Then the module in a
 * runtime: listed in app.status, disabled by COORDINATOR_URL, a busy port as a clear error.
 */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { boot, type Booted } from '../../../src/main/bootstrap'
import { coordinatorModule } from '../../../src/main/coordinator'
import { qualityScore } from '../../../src/main/coordinator/quality'
import type { CoordinatorService } from '../../../src/main/coordinator/service'
import { hostBody, startRegistry, until, zoneBody, type Registered } from './harness'

type Json = Record<string, unknown>

describe('quality score', () => {
  const base = { latency_ms: 20, packet_loss_percent: 0.5, current_players: 10, max_players: 50, cpu_cores: 8, memory_mb: 16384, network_speed_mbps: 1000 }
  it.each([
    ['the spec example: 28 + 19 + 20 + 25', base, 92],
    ['idle, perfect network, big machine', { ...base, latency_ms: 0, packet_loss_percent: 0, current_players: 0 }, 100],
    ['small machine: 2 cores, 4 GiB, 100 Mbps', { ...base, cpu_cores: 2, memory_mb: 4096, network_speed_mbps: 100, latency_ms: 0, packet_loss_percent: 0, current_players: 0 }, 90],
    ['full host', { ...base, current_players: 50 }, 72],
    ['max_players 0 counts as free capacity', { ...base, max_players: 0 }, 97],
    ['terrible latency and loss floor at 0', { ...base, latency_ms: 5000, packet_loss_percent: 100 }, 45],
    ['fractions round to 2 decimals', { ...base, latency_ms: 33.333, packet_loss_percent: 0.1234 }, 91.42],
    ['1 core, 1 MB, 1 Mbps, all players', { latency_ms: 400, packet_loss_percent: 15, current_players: 5, max_players: 5, cpu_cores: 1, memory_mb: 1, network_speed_mbps: 1 }, 2.55]
  ])('%s', (_name, input, expected) => {
    expect(qualityScore(input)).toBe(expected)
  })
})

describe('embedded registry REST API', () => {
  let r: Registered
  beforeAll(async () => {
    r = await startRegistry()
  })
  afterAll(async () => {
    await r.close()
  })

  it('serves / and /health without a key, everything else needs X-API-Key', async () => {
    const root = await r.req('GET', '/', undefined, { 'x-api-key': '' })
    expect(root.status).toBe(200)
    expect(root.body).toMatchObject({ service: 'P2P Coordinator', status: 'running', version: expect.any(String) })
    const health = await r.req('GET', '/health', undefined, { 'x-api-key': '' })
    expect(health.status).toBe(200)
    expect(health.body).toMatchObject({ status: 'healthy', service: 'P2P Coordinator', database: { status: 'healthy', type: 'sqlite' } })
    expect((await r.req('GET', '/api/v1/monitoring/dashboard', undefined, { 'x-api-key': '' })).status).toBe(200)

    const missing = await r.req('GET', '/api/v1/hosts/', undefined, { 'x-api-key': '' })
    expect(missing.status).toBe(401)
    expect(missing.body).toEqual({ detail: 'Missing X-API-Key header', error: 'unauthorized' })
    const wrong = await r.req('GET', '/api/v1/hosts/', undefined, { 'x-api-key': 'nope' })
    expect(wrong.status).toBe(401)
    expect(wrong.body).toEqual({ detail: 'Invalid API key', error: 'unauthorized' })
    // Even an unknown route asks for the key first; with it, 404 {"detail"}.
    expect((await r.req('GET', '/api/v1/nothing', undefined, { 'x-api-key': '' })).status).toBe(401)
    expect(await r.req('GET', '/api/v1/nothing')).toMatchObject({ status: 404, body: { detail: 'Not Found' } })
    // The generated key is kept (0600) in the data folder.
    const file = path.join(r.dataDir, 'coordinator-api-key')
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(r.key)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  })

  it('registers hosts (201, upsert), heartbeats recompute quality, 404 and 422 bodies', async () => {
    const reg = await r.req('POST', '/api/v1/hosts/register', hostBody('h1'))
    expect(reg.status).toBe(201)
    const h = reg.body as Json
    expect(h).toMatchObject({
      host_id: 'h1', player_id: 'player-h1', port: 7000, public_ip: '203.0.113.7', status: 'online', max_players: 50, max_zones: 5,
      current_players: 0, current_zones: 0, quality_score: 100, last_heartbeat: '2026-12-01T10:00:00.000Z'
    })
    r.clock.advance(1000)
    const again = await r.req('POST', '/api/v1/hosts/register', hostBody('h1', { player_name: 'Renamed' }))
    expect(again.status).toBe(201)
    expect(again.body).toMatchObject({ player_name: 'Renamed', created_at: h.created_at, last_heartbeat: '2026-12-01T10:00:01.000Z' })

    const hb = await r.req('POST', '/api/v1/hosts/h1/heartbeat', { latency_ms: 20, packet_loss_percent: 0.5, bandwidth_usage_mbps: 12.5, current_players: 10, current_zones: 1 })
    expect(hb.status).toBe(200)
    expect(hb.body).toMatchObject({ status: 'online', quality_score: 92, latency_ms: 20, bandwidth_usage_mbps: 12.5, current_players: 10 })
    // A partial heartbeat keeps the other figures.
    expect((await r.req('POST', '/api/v1/hosts/h1/heartbeat', { latency_ms: 20 })).body).toMatchObject({ current_players: 10, quality_score: 92 })
    expect((await r.req('GET', '/api/v1/hosts/h1')).body).toMatchObject({ host_id: 'h1', quality_score: 92 })

    expect(await r.req('POST', '/api/v1/hosts/ghost/heartbeat', { latency_ms: 1 })).toMatchObject({ status: 404, body: { detail: 'Host not found' } })
    expect(await r.req('GET', '/api/v1/hosts/ghost')).toMatchObject({ status: 404, body: { detail: 'Host not found' } })

    const bad = await r.req('POST', '/api/v1/hosts/register', hostBody('h2', { port: 0, cpu_cores: 'eight' }))
    expect(bad.status).toBe(422)
    const details = (bad.body as { detail: { loc: unknown[]; msg: string; type: string }[] }).detail
    expect(details.map((d) => d.loc)).toEqual(expect.arrayContaining([['body', 'port'], ['body', 'cpu_cores']]))
    const missing = await r.req('POST', '/api/v1/hosts/register', { host_id: 'h2' })
    expect(missing.status).toBe(422)
    expect((missing.body as { detail: Json[] }).detail).toContainEqual({ type: 'missing', loc: ['body', 'player_id'], msg: 'Field required' })
    const loss = await r.req('POST', '/api/v1/hosts/h1/heartbeat', { packet_loss_percent: 101, latency_ms: -1 })
    expect(loss.status).toBe(422)
    expect((loss.body as { detail: Json[] }).detail.map((d) => d.loc)).toEqual([['body', 'latency_ms'], ['body', 'packet_loss_percent']])
    const notJson = await r.req('POST', '/api/v1/hosts/register', '{"host_id": ')
    expect(notJson.status).toBe(422)
    expect((notJson.body as { detail: Json[] }).detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body', 0] })
    const huge = await r.req('POST', '/api/v1/hosts/register', hostBody('h2', { player_name: 'x'.repeat(100), ice_servers: [{ urls: 'y'.repeat(70_000) }] }))
    expect(huge).toMatchObject({ status: 413, body: { detail: 'Request body too large' } })
    // Nothing was lost: h1 is intact, h2 was never stored.
    expect((await r.req('GET', '/api/v1/hosts/h1')).body).toMatchObject({ quality_score: 92 })
    expect((await r.req('GET', '/api/v1/hosts/h2')).status).toBe(404)
  })

  it('lists hosts with working filters, the available ones best first, and deletes (204)', async () => {
    await r.req('POST', '/api/v1/hosts/register', hostBody('f-good'))
    await r.req('POST', '/api/v1/hosts/register', hostBody('f-weak', { cpu_cores: 1, memory_mb: 1024, network_speed_mbps: 10 }))
    await r.req('POST', '/api/v1/hosts/f-weak/heartbeat', { latency_ms: 300, packet_loss_percent: 5 })
    await r.req('POST', '/api/v1/hosts/register', hostBody('f-full', { max_players: 2 }))
    await r.req('POST', '/api/v1/hosts/f-full/heartbeat', { current_players: 2 })

    const all = (await r.req('GET', '/api/v1/hosts/')).body as Json[]
    const scores = all.map((h) => h.quality_score as number)
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
    const weak = all.find((h) => h.host_id === 'f-weak')!.quality_score as number
    const filtered = (await r.req('GET', `/api/v1/hosts/?status_filter=online&min_quality_score=${weak + 1}`)).body as Json[]
    expect(filtered.map((h) => h.host_id)).not.toContain('f-weak')
    expect(filtered.length).toBe(all.length - 1)
    expect((await r.req('GET', '/api/v1/hosts/?status_filter=offline')).body).toEqual([])
    // With or without the trailing slash.
    expect(((await r.req('GET', '/api/v1/hosts?status_filter=online')).body as Json[]).length).toBe(all.length)
    const badFilter = await r.req('GET', '/api/v1/hosts/?status_filter=ONLINE')
    expect(badFilter.status).toBe(422)
    expect((badFilter.body as { detail: Json[] }).detail[0]).toMatchObject({ loc: ['query', 'status_filter'] })

    const available = ((await r.req('GET', '/api/v1/hosts/available/list')).body as Json[]).map((h) => h.host_id)
    expect(available).not.toContain('f-full')
    expect(available.at(-1)).toBe('f-weak')
    expect((await r.req('GET', '/api/v1/hosts/available/best')).body).toMatchObject({ quality_score: 100 })

    expect((await r.req('DELETE', '/api/v1/hosts/f-full')).status).toBe(204)
    expect(await r.req('DELETE', '/api/v1/hosts/f-full')).toMatchObject({ status: 404, body: { detail: 'Host not found' } })
  })

  it('zones: upsert, get, filters, P2P on/off, status, priority order', async () => {
    const z = await r.req('POST', '/api/v1/zones/', zoneBody('prontera', { p2p_priority: 3 }))
    expect(z.status).toBe(201)
    expect(z.body).toMatchObject({
      zone_id: 'prontera', zone_display_name: 'Zone prontera', max_players: 100, recommended_players: 50, p2p_enabled: true, p2p_priority: 3,
      fallback_enabled: true, min_host_quality_score: 50, min_bandwidth_mbps: 10, max_latency_ms: 100, status: 'enabled', total_sessions: 0, active_sessions: 0, total_players_served: 0
    })
    await r.req('POST', '/api/v1/zones/', zoneBody('geffen', { p2p_priority: 9 }))
    await r.req('POST', '/api/v1/zones/', zoneBody('morocc', { p2p_enabled: false }))
    expect(((await r.req('GET', '/api/v1/zones/p2p/enabled')).body as Json[]).map((x) => x.zone_id).filter((id) => ['prontera', 'geffen', 'morocc'].includes(id as string))).toEqual(['geffen', 'prontera'])
    expect(((await r.req('GET', '/api/v1/zones/?p2p_enabled=false')).body as Json[]).map((x) => x.zone_id)).toEqual(['morocc'])
    expect((await r.req('POST', '/api/v1/zones/morocc/enable-p2p')).body).toMatchObject({ p2p_enabled: true })
    expect((await r.req('POST', '/api/v1/zones/morocc/disable-p2p', {})).body).toMatchObject({ p2p_enabled: false })
    expect((await r.req('PATCH', '/api/v1/zones/morocc/status?new_status=maintenance')).body).toMatchObject({ status: 'maintenance' })
    expect((await r.req('PATCH', '/api/v1/zones/morocc/status?new_status=broken')).status).toBe(422)
    expect((await r.req('GET', '/api/v1/zones/prontera')).body).toMatchObject({ zone_id: 'prontera' })
    expect(await r.req('GET', '/api/v1/zones/nowhere')).toMatchObject({ status: 404, body: { detail: 'Zone not found' } })
    expect((await r.req('POST', '/api/v1/zones/nowhere/enable-p2p')).status).toBe(404)
    expect((await r.req('POST', '/api/v1/zones/', { zone_id: 'x', zone_name: 'x', p2p_priority: 11 })).status).toBe(422)
  })

  it('sessions: create (201, session-… id), activate, players ±1, metrics (PATCH and POST), end, lookups, 404s', async () => {
    await r.req('POST', '/api/v1/hosts/register', hostBody('s-host'))
    await r.req('POST', '/api/v1/zones/', zoneBody('payon'))
    const created = await r.req('POST', '/api/v1/sessions/', { host_id: 's-host', zone_id: 'payon', player_ids: ['p1'] })
    expect(created.status).toBe(201)
    const s = created.body as Json
    expect(s.session_id).toMatch(/^session-[0-9a-f]{16}$/)
    expect(s).toMatchObject({ host_id: 's-host', zone_id: 'payon', status: 'pending', connected_players: ['p1'], current_players: 1, max_players: 50 })
    expect(s).not.toHaveProperty('id')
    const id = s.session_id as string

    expect((await r.req('POST', `/api/v1/sessions/${id}/activate`)).body).toMatchObject({ status: 'active', started_at: expect.any(String) })
    expect(((await r.req('GET', '/api/v1/sessions/zone/payon/active')).body as Json[]).map((x) => x.session_id)).toEqual([id])
    expect(((await r.req('GET', '/api/v1/sessions/host/s-host/active')).body as Json[]).map((x) => x.session_id)).toEqual([id])

    const before = ((await r.req('GET', `/api/v1/sessions/${id}`)).body as Json).current_players as number
    expect((await r.req('POST', `/api/v1/sessions/${id}/players`, { player_id: 'p2' })).body).toMatchObject({ current_players: before + 1 })
    expect((await r.req('POST', `/api/v1/sessions/${id}/players`, { player_id: 'p3' })).body).toMatchObject({ current_players: before + 2 })
    expect((await r.req('DELETE', `/api/v1/sessions/${id}/players/p2`)).body).toMatchObject({ current_players: before + 1, connected_players: ['p1', 'p3'] })
    expect(await r.req('DELETE', `/api/v1/sessions/${id}/players/p2`)).toMatchObject({ status: 404, body: { detail: 'Player not in session' } })
    expect((await r.req('GET', '/api/v1/zones/payon')).body).toMatchObject({ total_sessions: 1, active_sessions: 1, total_players_served: 3 })

    expect((await r.req('PATCH', `/api/v1/sessions/${id}/metrics`, { avg_latency_ms: 35.5 })).body).toMatchObject({ average_latency_ms: 35.5 })
    expect((await r.req('POST', `/api/v1/sessions/${id}/metrics`, { packet_loss_percent: 1.5, bandwidth_usage_mbps: 4 })).body).toMatchObject({
      average_latency_ms: 35.5, average_packet_loss_percent: 1.5, bandwidth_usage_mbps: 4
    })
    expect((await r.req('PATCH', `/api/v1/sessions/${id}/metrics`, { packet_loss_percent: 200 })).status).toBe(422)

    const ended = await r.req('POST', `/api/v1/sessions/${id}/end?reason=maintenance`)
    expect(ended.status).toBe(200)
    expect((ended.body as { message: string }).message.toLowerCase()).toContain('ended')
    expect((ended.body as { session: Json }).session).toMatchObject({ status: 'ended', end_reason: 'maintenance', connected_players: [], ended_at: expect.any(String) })
    expect((await r.req('GET', '/api/v1/sessions/zone/payon/active')).body).toEqual([])
    expect((await r.req('POST', `/api/v1/sessions/${id}/activate`)).status).toBe(400)
    expect((await r.req('POST', `/api/v1/sessions/${id}/players`, { player_id: 'late' })).status).toBe(400)

    for (const [m, p, b] of [
      ['POST', '/api/v1/sessions/999999/activate', undefined],
      ['POST', '/api/v1/sessions/999999/players', { player_id: 'test_player' }],
      ['POST', '/api/v1/sessions/999999/end', undefined],
      ['GET', '/api/v1/sessions/session-0000000000000000', undefined],
      ['PATCH', '/api/v1/sessions/999999/metrics', {}]
    ] as const) {
      expect(await r.req(m, p, b)).toMatchObject({ status: 404, body: { detail: 'Session not found' } })
    }
    expect((await r.req('POST', '/api/v1/sessions/', { host_id: 'ghost', zone_id: 'payon' })).body).toEqual({ detail: 'Host not found' })
    expect((await r.req('POST', '/api/v1/sessions/', { host_id: 's-host', zone_id: 'nowhere' })).body).toEqual({ detail: 'Zone not found' })
    expect((await r.req('POST', '/api/v1/sessions/', { zone_id: 'payon' })).status).toBe(422)
    expect(((await r.req('GET', '/api/v1/sessions/?status_filter=ended&zone_id=payon')).body as Json[]).map((x) => x.session_id)).toEqual([id])
    expect((await r.req('GET', '/api/v1/sessions/?status_filter=active&host_id=s-host')).body).toEqual([])
    expect(((await r.req('GET', '/api/v1/sessions?host_id=s-host&limit=1')).body as Json[]).length).toBe(1)
    expect((await r.req('GET', '/api/v1/sessions/?limit=0')).status).toBe(422)
  })

  it('a player who joins a second session leaves the first', async () => {
    await r.req('POST', '/api/v1/hosts/register', hostBody('m-host'))
    await r.req('POST', '/api/v1/zones/', zoneBody('alberta'))
    const a = ((await r.req('POST', '/api/v1/sessions/', { host_id: 'm-host', zone_id: 'alberta', player_ids: ['wanderer', 'stay'] })).body as Json).session_id as string
    const b = ((await r.req('POST', '/api/v1/sessions/', { host_id: 'm-host', zone_id: 'alberta' })).body as Json).session_id as string
    expect((await r.req('POST', `/api/v1/sessions/${b}/players`, { player_id: 'wanderer' })).body).toMatchObject({ connected_players: ['wanderer'] })
    expect((await r.req('GET', `/api/v1/sessions/${a}`)).body).toMatchObject({ connected_players: ['stay'], current_players: 1 })
  })

  it('zone requirements are enforced when choosing a host and creating a session; offline hosts and disabled zones refused', async () => {
    await r.req('POST', '/api/v1/zones/', zoneBody('glast', { min_host_quality_score: 80, min_bandwidth_mbps: 100, max_latency_ms: 50 }))
    await r.req('POST', '/api/v1/hosts/register', hostBody('z-fast'))
    await r.req('POST', '/api/v1/hosts/register', hostBody('z-slow'))
    await r.req('POST', '/api/v1/hosts/z-slow/heartbeat', { latency_ms: 80 })
    await r.req('POST', '/api/v1/hosts/register', hostBody('z-thin', { network_speed_mbps: 50 }))
    const eligible = ((await r.req('GET', '/api/v1/hosts/available/list?zone_id=glast')).body as Json[]).map((h) => h.host_id)
    expect(eligible).toContain('z-fast')
    expect(eligible).not.toContain('z-slow')
    expect(eligible).not.toContain('z-thin')
    const slow = await r.req('POST', '/api/v1/sessions/', { host_id: 'z-slow', zone_id: 'glast' })
    expect(slow.status).toBe(400)
    expect((slow.body as { detail: string }).detail).toMatch(/latency 80 ms > 50 ms/)
    expect(((await r.req('POST', '/api/v1/sessions/', { host_id: 'z-thin', zone_id: 'glast' })).body as { detail: string }).detail).toMatch(/bandwidth/)
    expect((await r.req('POST', '/api/v1/sessions/', { host_id: 'z-fast', zone_id: 'glast' })).status).toBe(201)
    await r.req('POST', '/api/v1/zones/glast/disable-p2p')
    expect(((await r.req('POST', '/api/v1/sessions/', { host_id: 'z-fast', zone_id: 'glast' })).body as { detail: string }).detail).toMatch(/not P2P-enabled/)
    expect(await r.req('GET', '/api/v1/hosts/available/best?zone_id=nowhere')).toMatchObject({ status: 404, body: { detail: 'Zone not found' } })
    // A zone no registered host can serve: no best host for it.
    await r.req('POST', '/api/v1/zones/', zoneBody('niflheim', { min_bandwidth_mbps: 1_000_000 }))
    expect(await r.req('GET', '/api/v1/hosts/available/best?zone_id=niflheim')).toMatchObject({ status: 404, body: { detail: 'No available hosts found' } })
  })

  it('JWTs: /auth/token gives an HS256 pair, /refresh rotates it (the old one is refused), bad input 401/422', async () => {
    const tok = await r.req('POST', '/api/v1/auth/token', { player_id: 'test_player_123', user_id: 'test_user_456', api_key: r.key })
    expect(tok.status).toBe(200)
    const pair = tok.body as { access_token: string; refresh_token: string; token_type: string; expires_in: number }
    expect(pair).toMatchObject({ token_type: 'Bearer', expires_in: 3600 })
    expect(decodeProtectedHeader(pair.access_token).alg).toBe('HS256')
    const secret = new TextEncoder().encode(fs.readFileSync(path.join(r.dataDir, 'coordinator-jwt-secret'), 'utf8').trim())
    const { payload } = await jwtVerify(pair.access_token, secret, { currentDate: new Date(r.clock.now()) })
    expect(payload).toMatchObject({ sub: 'test_player_123', player_id: 'test_player_123', user_id: 'test_user_456', type: 'access' })
    expect(payload.exp! - payload.iat!).toBe(3600)
    expect(await r.svc.verifyToken(pair.access_token)).toMatchObject({ player_id: 'test_player_123' })
    expect(await r.svc.verifyToken(pair.refresh_token)).toBeNull()
    expect(await r.svc.verifyToken('not.a.jwt')).toBeNull()

    const refreshed = await r.req('POST', '/api/v1/auth/refresh', { refresh_token: pair.refresh_token })
    expect(refreshed.status).toBe(200)
    const next = refreshed.body as typeof pair
    expect(next.refresh_token).not.toBe(pair.refresh_token)
    expect(await r.svc.verifyToken(next.access_token)).toMatchObject({ player_id: 'test_player_123' })
    expect(await r.req('POST', '/api/v1/auth/refresh', { refresh_token: pair.refresh_token })).toMatchObject({ status: 401, body: { detail: 'Invalid or expired refresh token' } })
    expect((await r.req('POST', '/api/v1/auth/refresh', { refresh_token: next.access_token })).status).toBe(401)
    expect((await r.req('POST', '/api/v1/auth/refresh', {})).status).toBe(422)
    expect(await r.req('POST', '/api/v1/auth/token', { player_id: 'p', api_key: 'wrong' })).toMatchObject({ status: 401, body: { detail: 'Invalid API key' } })
    expect((await r.req('POST', '/api/v1/auth/token', { player_id: 'p' })).status).toBe(200)
    // Expired: the access token stops verifying after an hour, the refresh token after a week.
    r.clock.advance(3601_000)
    expect(await r.svc.verifyToken(next.access_token)).toBeNull()
    expect((await r.req('POST', '/api/v1/auth/refresh', { refresh_token: next.refresh_token })).status).toBe(200)
  })

  it('monitoring: dashboard, host stats, Prometheus text; the service metrics in its registry', async () => {
    // The clock moved an hour in the test before: a sweep now takes the silent hosts offline (and
    // nothing changes after it, the clock standing still); two hosts heartbeat back online.
    r.svc.sweep()
    await r.req('POST', '/api/v1/hosts/h1/heartbeat', {})
    await r.req('POST', '/api/v1/hosts/f-weak/heartbeat', {})
    const d = (await r.req('GET', '/api/v1/monitoring/dashboard')).body as Record<string, Json>
    const hosts = (await r.req('GET', '/api/v1/hosts/')).body as Json[]
    const online = hosts.filter((h) => h.status === 'online')
    expect(d.hosts).toMatchObject({ total: hosts.length, online: online.length, offline: hosts.length - online.length })
    expect(d.zones).toMatchObject({ total: expect.any(Number), enabled: expect.any(Number), disabled: expect.any(Number) })
    expect(d.sessions).toMatchObject({ total: expect.any(Number), active: expect.any(Number), inactive: expect.any(Number), total_players: expect.any(Number), average_latency_ms: expect.any(Number) })
    expect(d.system).toMatchObject({ status: 'healthy', database: { status: 'healthy' } })
    const stats = (await r.req('GET', '/api/v1/monitoring/hosts/stats')).body as { total_online: number; quality_distribution: Record<string, number> }
    expect(stats.total_online).toBe(online.length)
    const dist = stats.quality_distribution
    expect(dist.excellent! + dist.good! + dist.fair! + dist.poor!).toBe(online.length)
    expect(dist.excellent).toBe(online.filter((h) => (h.quality_score as number) >= 90).length)
    expect(online.map((h) => h.host_id).sort()).toEqual(['f-weak', 'h1'])
    expect(d.hosts!.offline).toBeGreaterThan(0)
    const prom = await r.req('GET', '/api/v1/monitoring/metrics')
    expect(prom.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(prom.text).toMatch(new RegExp(`^p2p_hosts_online ${online.length}$`, 'm'))
    for (const n of ['p2p_hosts_total', 'p2p_host_quality_score_avg', 'p2p_zones_total', 'p2p_zones_enabled', 'p2p_sessions_total', 'p2p_sessions_active', 'p2p_players_total', 'p2p_session_latency_ms_avg']) {
      expect(prom.text).toMatch(new RegExp(`^${n} \\d+(\\.\\d+)?$`, 'm'))
    }
    expect(prom.text).toMatch(/^p2p_coordinator_up 1$/m)
    const own = await r.metrics.metrics()
    expect(own).toMatch(/^warp_coordinator_requests_total\{route="\/api\/v1\/hosts\/register",method="POST",status="201"\} \d+$/m)
    expect(own).toMatch(/^warp_coordinator_requests_total\{route="\/api\/v1\/hosts\/:host_id",method="GET",status="404"\} \d+$/m)
    expect(own).toMatch(new RegExp(`^warp_coordinator_hosts_online ${online.length}$`, 'm'))
    expect(own).toMatch(/^warp_coordinator_sessions_active \d+$/m)
  })
})

describe('health sweep with a fake clock', () => {
  let r: Registered
  afterEach(async () => {
    await r.close()
  })

  it('a host silent for 90 s goes offline and its sessions end; a heartbeat brings it back', async () => {
    r = await startRegistry()
    await r.req('POST', '/api/v1/hosts/register', hostBody('quiet'))
    await r.req('POST', '/api/v1/hosts/register', hostBody('chatty'))
    await r.req('POST', '/api/v1/zones/', zoneBody('izlude'))
    const id = ((await r.req('POST', '/api/v1/sessions/', { host_id: 'quiet', zone_id: 'izlude', player_ids: ['a'] })).body as Json).session_id as string
    await r.req('POST', `/api/v1/sessions/${id}/activate`)
    const other = ((await r.req('POST', '/api/v1/sessions/', { host_id: 'chatty', zone_id: 'izlude', player_ids: ['b'] })).body as Json).session_id as string
    await r.req('POST', `/api/v1/sessions/${other}/activate`)

    r.clock.advance(60_000)
    await r.req('POST', '/api/v1/hosts/chatty/heartbeat', {})
    r.clock.advance(29_000)
    // 89 s of silence: a sweep (every 20 ms) must not take it offline.
    const sweepsBefore = r.svc.sweep()
    expect(sweepsBefore?.hostsOffline).toEqual([])
    expect((await r.req('GET', '/api/v1/hosts/quiet')).body).toMatchObject({ status: 'online' })

    r.clock.advance(2_000)
    await until(async () => ((await r.req('GET', '/api/v1/hosts/quiet')).body as Json).status === 'offline', 'the silent host to go offline')
    expect((await r.req('GET', `/api/v1/sessions/${id}`)).body).toMatchObject({ status: 'ended', end_reason: 'host offline (no heartbeat)', connected_players: [] })
    expect((await r.req('GET', '/api/v1/hosts/chatty')).body).toMatchObject({ status: 'online' })
    expect((await r.req('GET', `/api/v1/sessions/${other}`)).body).toMatchObject({ status: 'active' })
    expect(((await r.req('GET', '/api/v1/hosts/?status_filter=offline')).body as Json[]).map((h) => h.host_id)).toEqual(['quiet'])
    expect(((await r.req('GET', '/api/v1/hosts/available/list')).body as Json[]).map((h) => h.host_id)).toEqual(['chatty'])
    expect((await r.req('POST', '/api/v1/sessions/', { host_id: 'quiet', zone_id: 'izlude' })).status).toBe(400)
    expect(r.lines.join('\n')).toMatch(/1 host\(s\) went offline after 90 s without a heartbeat/)
    expect(await r.metrics.metrics()).toMatch(/^warp_coordinator_hosts_timed_out_total 1$/m)

    expect((await r.req('POST', '/api/v1/hosts/quiet/heartbeat', { latency_ms: 5 })).body).toMatchObject({ status: 'online' })
  })

  it('empty sessions end after the grace period, stale ones after 30 min; /cleanup ends stale ones on request', async () => {
    r = await startRegistry()
    await r.req('POST', '/api/v1/hosts/register', hostBody('keeper'))
    await r.req('POST', '/api/v1/zones/', zoneBody('juno'))
    const empty = ((await r.req('POST', '/api/v1/sessions/', { host_id: 'keeper', zone_id: 'juno' })).body as Json).session_id as string
    const kept = ((await r.req('POST', '/api/v1/sessions/', { host_id: 'keeper', zone_id: 'juno' })).body as Json).session_id as string
    const busy = ((await r.req('POST', '/api/v1/sessions/', { host_id: 'keeper', zone_id: 'juno', player_ids: ['x'] })).body as Json).session_id as string
    for (const s of [empty, kept, busy]) await r.req('POST', `/api/v1/sessions/${s}/activate`)
    // The host keeps heartbeating; the kept session reports metrics (activity), the empty one says nothing.
    for (let minute = 1; minute <= 11; minute++) {
      r.clock.advance(60_000)
      await r.req('POST', '/api/v1/hosts/keeper/heartbeat', {})
      await r.req('PATCH', `/api/v1/sessions/${kept}/metrics`, { avg_latency_ms: 10 })
    }
    await until(async () => ((await r.req('GET', `/api/v1/sessions/${empty}`)).body as Json).status === 'ended', 'the empty session to end')
    expect((await r.req('GET', `/api/v1/sessions/${empty}`)).body).toMatchObject({ end_reason: 'empty' })
    expect((await r.req('GET', `/api/v1/sessions/${kept}`)).body).toMatchObject({ status: 'active' })
    expect((await r.req('GET', `/api/v1/sessions/${busy}`)).body).toMatchObject({ status: 'active' })

    // /cleanup with a short timeout ends the busy session (no activity for 11 min) but not the kept one.
    const c = await r.req('POST', '/api/v1/sessions/cleanup?timeout_minutes=5')
    expect(c).toMatchObject({ status: 200, body: { cleaned_count: 1, timeout_minutes: 5 } })
    expect((await r.req('GET', `/api/v1/sessions/${busy}`)).body).toMatchObject({ status: 'ended', end_reason: 'stale' })
    expect((await r.req('POST', '/api/v1/sessions/cleanup?timeout_minutes=0')).status).toBe(422)

    // Stale: a session with a player but no activity for 30 min ends by itself.
    const lingering = ((await r.req('POST', '/api/v1/sessions/', { host_id: 'keeper', zone_id: 'juno', player_ids: ['y'] })).body as Json).session_id as string
    await r.req('POST', `/api/v1/sessions/${lingering}/activate`)
    // One-minute steps: the host's heartbeat silence never reaches 90 s whenever the sweep runs.
    for (let i = 0; i < 32; i++) {
      r.clock.advance(60_000)
      await r.req('POST', '/api/v1/hosts/keeper/heartbeat', {})
      await r.req('PATCH', `/api/v1/sessions/${kept}/metrics`, {})
    }
    await until(async () => ((await r.req('GET', `/api/v1/sessions/${lingering}`)).body as Json).status === 'ended', 'the stale session to end')
    expect((await r.req('GET', `/api/v1/sessions/${kept}`)).body).toMatchObject({ status: 'active' })
  })
})

describe('rate limits and restarts', () => {
  let r: Registered
  afterEach(async () => {
    await r.close()
  })

  it('answers 429 with Retry-After and X-RateLimit-* per client and path; /auth has its own smaller limit; the window resets', async () => {
    r = await startRegistry({ overrides: { rateLimits: { limit: 3, authLimit: 2, windowMs: 60_000 } } })
    const first = await r.req('GET', '/api/v1/hosts/')
    expect(first.headers.get('x-ratelimit-limit')).toBe('3')
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2')
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0)
    await r.req('GET', '/api/v1/hosts/')
    await r.req('GET', '/api/v1/hosts/')
    const refused = await r.req('GET', '/api/v1/hosts/')
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ detail: 'Rate limit exceeded. Try again later.' })
    expect(refused.headers.get('retry-after')).toBe('60')
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
    // Another path has its own window.
    expect((await r.req('GET', '/api/v1/zones/')).status).toBe(200)
    await r.req('POST', '/api/v1/auth/token', { player_id: 'p' })
    await r.req('POST', '/api/v1/auth/token', { player_id: 'p' })
    const authRefused = await r.req('POST', '/api/v1/auth/token', { player_id: 'p' })
    expect(authRefused.status).toBe(429)
    expect(authRefused.headers.get('x-ratelimit-limit')).toBe('2')
    expect(await r.metrics.metrics()).toMatch(/^warp_coordinator_rate_limited_total\{route="\/api\/v1\/hosts\/"\} 1$/m)
    r.clock.advance(30_000)
    expect((await r.req('GET', '/api/v1/hosts/')).headers.get('retry-after')).toBe('30')
    r.clock.advance(30_000)
    expect((await r.req('GET', '/api/v1/hosts/')).status).toBe(200)
  })

  it('lets another server attach to its http.Server: upgrades reach it, no route claims the signaling paths, it closes first', async () => {
    r = await startRegistry()
    const server = r.svc.registryServer!.server
    const upgrades: string[] = []
    server.on('upgrade', (req: { url?: string }, socket: net.Socket) => {
      upgrades.push(req.url ?? '')
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    })
    const order: string[] = []
    r.svc.registryServer!.beforeClose(() => {
      order.push(`signaling closed while listening=${server.listening}`)
    })
    const { port } = r.svc.registryServer!.address
    await new Promise<void>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => sock.write('GET /api/v1/signaling/ws?peer_id=a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'))
      sock.on('data', () => sock.destroy())
      sock.on('close', () => resolve())
      sock.on('error', reject)
    })
    expect(upgrades).toEqual(['/api/v1/signaling/ws?peer_id=a'])
    expect((await r.req('GET', '/api/v1/signaling/ws')).status).toBe(404)
    expect((await r.req('GET', '/socket.io/?EIO=4&transport=polling')).status).toBe(404)
    await r.svc.stop()
    expect(order).toEqual(['signaling closed while listening=true'])
  })

  it('keeps its data, API key and JWT secret across a restart; a configured api_key wins', async () => {
    r = await startRegistry()
    await r.req('POST', '/api/v1/hosts/register', hostBody('persist'))
    // Heartbeats are held in memory for a moment and written in one transaction: a stop writes them.
    await r.req('POST', '/api/v1/hosts/persist/heartbeat', { latency_ms: 42, current_players: 7 })
    const key = r.key
    const tok = ((await r.req('POST', '/api/v1/auth/token', { player_id: 'p' })).body as { access_token: string }).access_token
    await r.restart()
    expect(r.key).toBe(key)
    expect((await r.req('GET', '/api/v1/hosts/persist')).body).toMatchObject({ latency_ms: 42, current_players: 7 })
    expect(r.store.database.prepare("SELECT latency_ms FROM coord_hosts WHERE host_id = 'persist'").get()).toEqual({ latency_ms: 42 })
    expect(await r.svc.verifyToken(tok)).toMatchObject({ player_id: 'p' })
    const dir = r.dataDir
    await r.svc.stop()
    const r2 = await startRegistry({ apiKey: 'configured-key-0123456789', dataDir: dir })
    try {
      expect(r2.key).toBe('configured-key-0123456789')
      expect((await r2.req('GET', '/api/v1/hosts/persist')).status).toBe(200)
      expect((await r2.req('GET', '/api/v1/hosts/persist', undefined, { 'x-api-key': key })).status).toBe(401)
    } finally {
      await r2.close()
    }
  })
})

describe('the coordinator module in a runtime', () => {
  let booted: Booted | null = null
  let dir = ''
  afterEach(async () => {
    await booted?.runtime.stop()
    booted?.sink.closeFile()
    booted = null
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const start = (env: Record<string, string>): Booted => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-coord-rt-'))
    booted = boot({ mode: 'headless', argv: [], env: { WARP_HOST_DATA_DIR: path.join(dir, 'data'), ...env }, write: () => undefined, modules: [coordinatorModule] })
    return booted
  }
  const status = (b: Booted) => b.runtime.status().services.find((s) => s.name === 'coordinator')
  const call = async (b: Booted, m: string, input?: unknown): Promise<unknown> => {
    const res = await b.runtime.dispatch(m, input, { transport: 'test', client: 't' })
    if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`)
    return res.value
  }

  it('runs the embedded registry when no COORDINATOR_URL is set and shows it in app.status; its metrics join the export', async () => {
    const b = start({ COORDINATOR_PORT: '0' })
    await b.runtime.start()
    const s = status(b)
    expect(s).toMatchObject({ state: 'running', label: 'Coordinator (embedded registry)', detail: expect.stringMatching(/^serving the coordinator API at http:\/\/127\.0\.0\.1:\d+\/api\/v1; not hosting \(HOST_ZONES is empty\)$/) })
    const svc = b.runtime.service<CoordinatorService>('coordinator')!
    const res = await fetch(`${svc.registryServer!.url}/api/v1/hosts/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': svc.apiKey },
      body: JSON.stringify(hostBody('rt'))
    })
    expect(res.status).toBe(201)
    const tables = b.runtime.store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'coord_%' ORDER BY name").all()
    expect(tables.map((t) => (t as { name: string }).name)).toEqual(['coord_hosts', 'coord_refresh_tokens', 'coord_session_players', 'coord_sessions', 'coord_zones'])
    const text = await b.runtime.metricsRegistry().metrics()
    // This host serves no zone (not hosting), so 'rt' is the only host.
    expect(text).toMatch(/^warp_coordinator_hosts_online 1$/m)
    expect(svc.hostAgent).toBeNull()

    // The contract: which registry, its address and key, its hosts, zones and sessions.
    expect(await call(b, 'coordinator.info')).toEqual({
      mode: 'embedded', state: 'running', url: `${svc.registryServer!.url}/api/v1`, apiKey: svc.apiKey,
      counts: { hostsTotal: 1, hostsOnline: 1, averageQualityScore: expect.any(Number), zonesTotal: 0, zonesP2pEnabled: 0, sessionsTotal: 0, sessionsActive: 0, playersInActiveSessions: 0 }
    })
    const online = ((await call(b, 'coordinator.hosts', { status: 'online' })) as { hosts: { host_id: string; quality_score: number }[] }).hosts
    expect(online.map((h) => h.host_id)).toEqual(['rt'])
    expect(online.find((h) => h.host_id === 'rt')).toMatchObject({ quality_score: 100 })
    expect(await call(b, 'coordinator.hosts', { status: 'offline' })).toEqual({ hosts: [] })
    expect(await call(b, 'coordinator.zones')).toEqual({ zones: [] })
    expect(await call(b, 'coordinator.sessions')).toEqual({ sessions: [] })
  })

  it('with a remote coordinator configured runs only the client: no registry, and reconnecting while the coordinator does not answer', async () => {
    const closed = net.createServer()
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res))
    const url = `http://127.0.0.1:${(closed.address() as net.AddressInfo).port}`
    await new Promise<void>((res) => closed.close(() => res()))
    const b = start({ COORDINATOR_URL: url, HOST_ZONES: 'prontera' })
    await b.runtime.start()
    expect(status(b)).toMatchObject({ state: 'reconnecting', label: 'Coordinator (remote)', error: expect.stringContaining('no answer from the coordinator') })
    expect(b.runtime.service<CoordinatorService>('coordinator')!.registryServer).toBeNull()
    expect(await call(b, 'coordinator.info')).toEqual({ mode: 'remote', state: 'reconnecting', url, apiKey: null, counts: null })
    await expect(call(b, 'coordinator.hosts')).rejects.toThrow(/^unavailable: A remote coordinator is configured/)
  })

  it('a busy port is a clear error in app.status, and the rest of the runtime runs', async () => {
    const blocker = net.createServer()
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const b = start({ COORDINATOR_PORT: String(port) })
      await b.runtime.start()
      expect(status(b)).toMatchObject({ state: 'error', error: expect.stringContaining(`127.0.0.1:${port} is already in use`) })
      await expect(call(b, 'coordinator.zones')).rejects.toThrow(/^unavailable: The embedded coordinator registry is not running \(error: 127\.0\.0\.1:\d+ is already in use/)
      expect(b.runtime.status().services.find((s) => s.name === 'store')).toMatchObject({ state: 'running' })
    } finally {
      await new Promise((res) => blocker.close(res))
    }
  })
})
