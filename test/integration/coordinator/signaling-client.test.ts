/**
 * The SignalingClient (both dialects behind one interface) against real servers:
 * - against the embedded SignalingServer in each dialect and mixed (a ws client and a socket.io
 *   client in one session): join with peer lists, peer-joined / peer-left, offer / answer /
 *   candidate with string and object payloads, protocol negotiation, leave;
 * - the socket.io client against a plain socket.io Server written the way the WARP client's
 *   deployment notes describe the dialect (join, offer, answer, ice-candidate with
 *   target_peer_id / from_peer_id, no session-joined, bare acks);
 * - reconnect: the server is closed, the client reports reconnecting with its attempt number, the
 *   server comes back on the same port and the client rejoins its room by itself (both dialects);
 *   a client started while the server is down retries with backoff and joins once it is up;
 * - an HS256 JWT is presented on connect (asked from a function on each connect) and checked by
 *   the server's verifyToken hook; a refused token ends the client (state closed with the
 *   server's reason) instead of retrying.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { jwtVerify, SignJWT } from 'jose'
import { Server as IoServer } from 'socket.io'
import { afterEach, describe, expect, it } from 'vitest'
import { createSignalingClient, type SignalingClient, type SignalingClientState, type SignalingDialect, type SignalingMessage } from '../../../src/main/coordinator/signaling/client'
import { Inbox, startSignaling, when, WsPeer, type Running } from './signaling-support'

const FAST = { baseMs: 50, maxMs: 400, jitter: 0.1 }

let servers: { stop(): Promise<void> }[] = []
const clients: SignalingClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close()
  for (const s of servers.splice(0)) await s.stop()
})

function client(dialect: SignalingDialect, url: string, peerId: string, extra: { token?: string } = {}): { c: SignalingClient; inbox: Inbox<SignalingMessage> } {
  const c = createSignalingClient(dialect, { url, peerId, backoff: FAST, ...extra })
  clients.push(c)
  const inbox = new Inbox<SignalingMessage>()
  c.on((m) => inbox.push(m))
  return { c, inbox }
}

const stateIs = (c: SignalingClient, pred: (s: SignalingClientState) => boolean, what: string): Promise<SignalingClientState> =>
  when((l) => c.onState(l), () => c.state(), pred, what)

async function serve(port = 0): Promise<Running> {
  const s = await startSignaling({}, port)
  servers.push(s)
  return s
}

describe('SignalingClient against the embedded server', () => {
  const pairs: [SignalingDialect, SignalingDialect][] = [
    ['ws', 'ws'],
    ['socket.io', 'socket.io'],
    ['ws', 'socket.io']
  ]
  for (const [da, db] of pairs) {
    it(`${da} ↔ ${db}: join, peer lists, offer / answer / candidates, negotiate, leave`, async () => {
      const srv = await serve()
      const a = client(da, srv.base, 'host-1')
      const b = client(db, srv.base, 'player-1')
      const states: string[] = []
      a.c.onState((s) => states.push(s.state))
      await a.c.connect()
      expect(a.c.state()).toMatchObject({ state: 'connected', attempt: 0 })
      expect(states).toEqual(expect.arrayContaining(['connecting', 'connected']))
      expect(await a.c.join('session-0123456789abcdef')).toEqual([])
      expect(await b.c.join('session-0123456789abcdef')).toEqual(['host-1'])
      expect(await a.inbox.next((m) => m.type === 'peer-joined')).toMatchObject({ peer_id: 'player-1' })
      expect(a.c.peers()).toEqual(['player-1'])

      expect(a.c.sendOffer('player-1', { type: 'offer', sdp: 'v=0 offer' })).toBe(true)
      const offer = await b.inbox.next((m) => m.type === 'offer')
      expect(offer).toMatchObject({ from: 'host-1', from_peer_id: 'host-1', sdp: { type: 'offer', sdp: 'v=0 offer' } })
      b.c.sendAnswer('host-1', 'v=0 answer')
      expect(await a.inbox.next((m) => m.type === 'answer')).toMatchObject({ from: 'player-1', sdp: 'v=0 answer' })
      b.c.sendCandidate('host-1', { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 })
      a.c.sendCandidate('player-1', 'candidate:2')
      expect(await a.inbox.next((m) => m.type === 'ice-candidate')).toMatchObject({ candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 } })
      expect(await b.inbox.next((m) => m.type === 'ice-candidate')).toMatchObject({ from: 'host-1', candidate: 'candidate:2' })

      expect(await a.c.negotiate(['quic', 'webrtc'])).toBe('webrtc')
      await expect(b.c.negotiate(['quic'])).rejects.toThrow(/No supported protocol/)

      await b.c.leave()
      expect(await a.inbox.next((m) => m.type === 'peer-left')).toMatchObject({ peer_id: 'player-1' })
      expect(a.c.peers()).toEqual([])
      expect(b.c.state().sessionId).toBeNull()
    })
  }
})

describe('socket.io client against a plain socket.io server of the dialect', () => {
  it('joins and signals with target_peer_id / from_peer_id', async () => {
    // The dialect as a socket.io server of the deployment notes would write it.
    const httpServer = http.createServer()
    const io = new IoServer(httpServer)
    const sockets = new Map<string, string>() // peer id → socket id
    io.on('connection', (socket) => {
      socket.on('join', (data: { session_id: string; peer_id: string }, ack?: () => void) => {
        sockets.set(data.peer_id, socket.id)
        void socket.join(data.session_id)
        socket.to(data.session_id).emit('peer-joined', { peer_id: data.peer_id })
        ack?.()
      })
      for (const ev of ['offer', 'answer', 'ice-candidate']) {
        socket.on(ev, (data: { target_peer_id: string; sdp?: unknown; candidate?: unknown }) => {
          const from = [...sockets].find(([, id]) => id === socket.id)?.[0]
          const target = sockets.get(data.target_peer_id)
          if (target) io.to(target).emit(ev, { from_peer_id: from, sdp: data.sdp, candidate: data.candidate })
        })
      }
    })
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r))
    servers.push({
      stop: () => new Promise<void>((r) => void io.close(() => r()))
    })
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`

    const h = client('socket.io', url, 'host')
    const p = client('socket.io', url, 'player')
    expect(await h.c.join('zone-prontera')).toEqual([])
    await p.c.join('zone-prontera')
    expect(await h.inbox.next((m) => m.type === 'peer-joined')).toMatchObject({ peer_id: 'player' })
    h.c.sendOffer('player', 'v=0 from host')
    expect(await p.inbox.next((m) => m.type === 'offer')).toMatchObject({ from: 'host', from_peer_id: 'host', sdp: 'v=0 from host' })
    p.c.sendAnswer('host', { type: 'answer', sdp: 'v=0' })
    expect(await h.inbox.next((m) => m.type === 'answer')).toMatchObject({ from: 'player', sdp: { type: 'answer', sdp: 'v=0' } })
    p.c.sendCandidate('host', 'candidate:9')
    const cand = await h.inbox.next((m) => m.type === 'ice-candidate')
    expect(cand).toMatchObject({ from: 'player', candidate: 'candidate:9' })
    if (cand.type === 'ice-candidate') expect(typeof cand.timestamp).toBe('string')
  })
})

describe('SignalingClient reconnect', () => {
  for (const dialect of ['ws', 'socket.io'] as const) {
    it(`${dialect}: server closed and restarted on the same port → reconnecting with attempts, then rejoined`, async () => {
      let srv = await serve()
      const port = srv.port
      const { c, inbox } = client(dialect, srv.base, 'host-42')
      await c.join('S-reconnect')
      const watcher = await WsPeer.open(srv.base, { peer_id: 'watcher', session_id: 'S-reconnect' })
      expect(await watcher.next('session-joined')).toMatchObject({ peers: ['host-42'] })

      await srv.stop()
      servers = servers.filter((s) => s !== srv)
      const rec = await stateIs(c, (s) => s.state === 'reconnecting' && s.attempt >= 2, 'two reconnect attempts')
      expect(rec.sessionId).toBe('S-reconnect')
      expect(rec.lastError).toBeTruthy()
      expect(c.sendOffer('watcher', 'lost')).toBe(false)

      srv = await serve(port)
      await stateIs(c, (s) => s.state === 'connected', 'connected again')
      const fresh = await WsPeer.open(srv.base, { peer_id: 'player', session_id: 'S-reconnect' })
      // The client rejoins by itself; the newcomer sees it in the room (now or as it arrives).
      const joined = await fresh.next('session-joined')
      if (!(joined['peers'] as string[]).includes('host-42')) await fresh.next('peer-joined', (f) => f['peer_id'] === 'host-42')
      expect(srv.signaling.roomPeers('S-reconnect')).toContain('host-42')
      fresh.send({ type: 'offer', to: 'host-42', sdp: 'after restart' })
      expect(await inbox.next((m) => m.type === 'offer' && m.sdp === 'after restart')).toMatchObject({ from: 'player' })
      expect(c.sendAnswer('player', 'answer after restart')).toBe(true)
      expect(await fresh.next('answer')).toMatchObject({ from: 'host-42', sdp: 'answer after restart' })
      fresh.close()
      watcher.close()
    })
  }

  it('started while the server is down: retries with backoff, then connects and joins', async () => {
    const probe = await startSignaling()
    const port = probe.port
    await probe.stop()
    for (const dialect of ['ws', 'socket.io'] as const) {
      const { c } = client(dialect, `http://127.0.0.1:${port}`, `early-${dialect}`)
      const joined = c.join('S-early')
      const s = await stateIs(c, (x) => x.state === 'reconnecting' && x.attempt >= 1 && x.nextRetryAt !== undefined, 'retrying')
      expect(s.lastError).toMatch(/ECONNREFUSED|websocket error|xhr|refused/i)
      const srv = await serve(port)
      expect(await joined).toEqual([])
      expect(srv.signaling.roomPeers('S-early')).toEqual([`early-${dialect}`])
      await c.close()
      await srv.stop()
      servers = servers.filter((x) => x !== srv)
    }
  })

  it('an HS256 JWT (as /auth/token issues) is accepted as ?token= / handshake auth through the verifyToken hook', async () => {
    const secret = new TextEncoder().encode('test-secret-0123456789abcdef0123')
    const issued: string[] = []
    const token = async (): Promise<string> => {
      const t = await new SignJWT({ player_id: 'player-7', type: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject('player-7').setIssuedAt().setExpirationTime('15m').sign(secret)
      issued.push(t)
      return t
    }
    const verified: string[] = []
    const srv = await startSignaling({
      verifyToken: async (t) => {
        const { payload } = await jwtVerify(t, secret, { algorithms: ['HS256'] })
        verified.push(String(payload['player_id']))
        return payload['type'] === 'access'
      }
    })
    servers.push(srv)
    for (const dialect of ['ws', 'socket.io'] as const) {
      const c = createSignalingClient(dialect, { url: srv.base, peerId: `player-7-${dialect}`, token, backoff: FAST })
      clients.push(c)
      await c.join('S-jwt')
    }
    expect(srv.signaling.roomPeers('S-jwt').sort()).toEqual(['player-7-socket.io', 'player-7-ws'])
    expect(issued).toHaveLength(2)
    expect(verified).toEqual(['player-7', 'player-7'])
  })

  it('a refused token closes the client for good (no retry loop)', async () => {
    const srv = await startSignaling({ verifyToken: async (t) => t === 'valid' })
    servers.push(srv)
    for (const dialect of ['ws', 'socket.io'] as const) {
      const { c } = client(dialect, srv.base, `p-${dialect}`, { token: 'forged' })
      void c.connect().catch(() => undefined)
      const s = await stateIs(c, (x) => x.state === 'closed', 'closed')
      expect(s.lastError).toMatch(/Invalid token/)
      const ok = client(dialect, srv.base, `q-${dialect}`, { token: 'valid' })
      await ok.c.join('S')
      expect(ok.c.state().state).toBe('connected')
    }
  })
})
