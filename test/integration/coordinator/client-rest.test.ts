/**
 * The coordinator REST client against a plain HTTP server that answers what a broken or foreign
 * coordinator might: every answer is checked with the shared schemas, failures carry the status,
 * the `detail` and whether they are worth retrying; X-API-Key is sent on every call.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CoordinatorCallError, CoordinatorRest } from '../../../src/main/coordinator/client'
import { HttpClient } from '../../../src/main/http/http-client'

let server: http.Server | null = null
let client: HttpClient | null = null
afterEach(async () => {
  await client?.close()
  client = null
  await new Promise<void>((res) => (server ? server.close(() => res()) : res()))
  server = null
})

async function serve(handler: (req: http.IncomingMessage, body: string) => { status: number; body?: unknown }): Promise<CoordinatorRest> {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      const a = handler(req, body)
      res.writeHead(a.status, { 'content-type': 'application/json' })
      res.end(a.body === undefined ? '' : JSON.stringify(a.body))
    })
  })
  await new Promise<void>((res) => server!.listen(0, '127.0.0.1', res))
  client = new HttpClient({ maxRetries: 0, rateLimit: false, cache: false })
  return new CoordinatorRest({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/`, apiKey: 'k-123', http: client })
}

const err = async (p: Promise<unknown>): Promise<CoordinatorCallError> => {
  try {
    await p
  } catch (e) {
    if (e instanceof CoordinatorCallError) return e
    throw e
  }
  throw new Error('expected a CoordinatorCallError')
}

describe('CoordinatorRest', () => {
  it('sends X-API-Key and the checked body; an answer of the wrong shape is refused, not retried', async () => {
    const seen: { url?: string; key?: string | string[]; body: string }[] = []
    const rest = await serve((req, body) => {
      seen.push({ url: req.url, key: req.headers['x-api-key'], body })
      return { status: 201, body: { host_id: 'h1', status: 'online' } } // quality_score missing
    })
    const e = await err(rest.heartbeat('h1', { current_players: 2 }))
    expect(seen).toEqual([{ url: '/api/v1/hosts/h1/heartbeat', key: 'k-123', body: '{"current_players":2}' }])
    expect(e).toMatchObject({ status: 201, transient: false, message: expect.stringContaining('unexpected answer (quality_score:') })
  })

  it('a 401 carries the detail and is final; a 503 and no answer are transient; a 404 zone is null', async () => {
    let status = 401
    const rest = await serve((req) => (req.url?.startsWith('/api/v1/zones/') ? { status: 404, body: { detail: 'Zone not found' } } : { status, body: { detail: status === 401 ? 'Invalid API key' : 'down' } }))
    expect(await err(rest.activeSessionsOfHost('h1'))).toMatchObject({ status: 401, transient: false, message: 'GET /api/v1/sessions/host/h1/active: 401 Invalid API key' })
    status = 503
    expect(await err(rest.deregister('h1'))).toMatchObject({ status: 503, transient: true })
    expect(await rest.zone('nowhere')).toBeNull()
    await new Promise<void>((res) => server!.close(() => res()))
    server = null
    expect(await err(rest.endSession('session-0123456789abcdef', 'bye'))).toMatchObject({ status: 0, transient: true, message: expect.stringContaining('no answer from the coordinator') })
    expect(rest.lossPercent()).toBe(25)
  })

  it('refuses to send a body the wire would refuse', async () => {
    const rest = await serve(() => ({ status: 200, body: {} }))
    expect(() => rest.createSession({ host_id: 'a/b', zone_id: 'z', player_ids: [] })).toThrow()
  })
})
