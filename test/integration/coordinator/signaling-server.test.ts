/**
 * The embedded signaling server with REAL clients — `ws` WebSockets and socket.io-client sockets —
 * against a SignalingServer attached to a plain http.Server on 127.0.0.1:0:
 * - join by query and by message; peer lists (session-joined peers, peer-joined to the others);
 * - relay of offer / answer / ice-candidate addressed with `to` and with `target_peer_id`, string
 *   and object payloads relayed unchanged, with `from`, `from_peer_id` and an ISO `timestamp`;
 * - errors worded as the spec: invalid JSON, unknown type, missing fields, undeliverable — the
 *   connection stays usable after each;
 * - leave (session-left / peer-left, the room disappears with its last peer), disconnect →
 *   peer-left, switching session leaves the first room, the same peer_id joining the same room
 *   from a second connection replaces the first (4001);
 * - a host in several sessions (one connection per session, same peer_id): offers addressed to it
 *   reach the connection in the sender's room;
 * - protocol-negotiate → protocol-selected webrtc / protocol-error;
 * - an oversized frame closes only its sender (1009); a flood from one client closes that client
 *   (1008 with an error saying why) while two others keep signaling;
 * - a peer that stops answering pings is dropped (peer-left to its room);
 * - token hook (bad token → error + 1008), missing peer_id → error + 1008; metrics counters;
 * - socket.io dialect: a real socket.io-client peer and a ws peer in the same session signal each
 *   other (`target_peer_id` / `from_peer_id`); errors as `error` events; a bad token is refused at
 *   the handshake; clients that start on long-polling work too; a flooding or oversized socket.io peer is closed, the others carry on.
 */
import { Registry } from 'prom-client'
import { io as ioConnect } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { IoPeer, startSignaling, WsPeer, type Frame, type Running } from './signaling-support'

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

let srv: Running | null = null
const peers: { close(): void }[] = []

async function ws(query: Record<string, string>): Promise<WsPeer> {
  const p = await WsPeer.open(srv!.base, query)
  peers.push(p)
  return p
}

async function sio(auth: Record<string, string> = {}): Promise<IoPeer> {
  const p = await IoPeer.open(srv!.base, auth)
  peers.push(p)
  return p
}

afterEach(async () => {
  for (const p of peers.splice(0)) p.close()
  await srv?.stop()
  srv = null
})

describe('signaling server: WebSocket dialect', () => {
  it('joins by query and by message, with peer lists both ways', async () => {
    srv = await startSignaling()
    const a = await ws({ peer_id: 'A', session_id: 'S1' })
    expect(await a.next('session-joined')).toEqual({ type: 'session-joined', session_id: 'S1', peers: [] })
    const b = await ws({ peer_id: 'B', session_id: 'S1' })
    expect(await b.next('session-joined')).toMatchObject({ session_id: 'S1', peers: ['A'] })
    expect(await a.next('peer-joined')).toMatchObject({ peer_id: 'B' })

    const c = await ws({ peer_id: 'C' })
    c.send({ type: 'join', session_id: 'S1' })
    const joined = await c.next('session-joined')
    expect(joined['session_id']).toBe('S1')
    expect([...(joined['peers'] as string[])].sort()).toEqual(['A', 'B'])
    expect(await a.next('peer-joined')).toMatchObject({ peer_id: 'C' })
    expect(await b.next('peer-joined')).toMatchObject({ peer_id: 'C' })
    expect(srv.signaling.roomPeers('S1').sort()).toEqual(['A', 'B', 'C'])
    expect(srv.signaling.stats()).toMatchObject({ peers: 3, rooms: 1 })
  })

  it('relays offer, answer and ice-candidate (to / target_peer_id; string and object payloads) unchanged with from and timestamp', async () => {
    srv = await startSignaling()
    const a = await ws({ peer_id: 'A', session_id: 'S' })
    const b = await ws({ peer_id: 'B', session_id: 'S' })
    await b.next('session-joined')

    a.send({ type: 'offer', to: 'B', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' })
    const offer = await b.next('offer')
    expect(offer).toMatchObject({ type: 'offer', from: 'A', from_peer_id: 'A', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' })
    expect(offer['timestamp']).toMatch(ISO)

    const objSdp = { type: 'answer', sdp: 'v=0\r\ns=-\r\n' }
    b.send({ type: 'answer', target_peer_id: 'A', sdp: objSdp })
    const answer = await a.next('answer')
    expect(answer['sdp']).toEqual(objSdp)
    expect(answer).toMatchObject({ from: 'B', from_peer_id: 'B' })
    expect(answer['timestamp']).toMatch(ISO)

    const objCand = { candidate: 'candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 }
    a.send({ type: 'ice-candidate', target_peer_id: 'B', candidate: objCand })
    const c1 = await b.next('ice-candidate')
    expect(c1['candidate']).toEqual(objCand)
    expect(c1).toMatchObject({ from: 'A', from_peer_id: 'A' })
    b.send({ type: 'ice-candidate', to: 'A', candidate: 'candidate:2 1 udp 1 10.0.0.1 9 typ host' })
    expect(await a.next('ice-candidate')).toMatchObject({ from: 'B', candidate: 'candidate:2 1 udp 1 10.0.0.1 9 typ host' })
    expect(srv.signaling.stats().relayed).toBe(4)
  })

  it('answers errors as the spec words them and stays usable', async () => {
    srv = await startSignaling()
    const a = await ws({ peer_id: 'A', session_id: 'S' })
    const b = await ws({ peer_id: 'B', session_id: 'S' })
    await b.next('session-joined')
    const err = async (): Promise<string> => String((await a.next('error'))['message'])

    a.send('{not json')
    expect(await err()).toBe('Invalid JSON')
    a.send({ type: 'dance' })
    expect(await err()).toBe('Unknown message type: dance')
    a.send({ type: 'join' })
    expect(await err()).toBe('session_id required')
    a.send({ type: 'offer', sdp: 'x' })
    expect(await err()).toBe('to and sdp required')
    a.send({ type: 'answer', to: 'B' })
    expect(await err()).toBe('to and sdp required')
    a.send({ type: 'ice-candidate', to: 'B' })
    expect(await err()).toBe('to and candidate required')
    a.send({ type: 'offer', to: 'nobody', sdp: 'x' })
    expect(await err()).toBe('Failed to deliver offer to nobody')
    a.send({ sdp: 'x' })
    expect(await err()).toBe('type required')

    a.send({ type: 'offer', to: 'B', sdp: 'still works' })
    expect(await b.next('offer')).toMatchObject({ sdp: 'still works' })
    expect(b.inbox.count((f) => f.type === 'error')).toBe(0)
  })

  it('leave, disconnect and session switch tell the room; rooms vanish with their last peer', async () => {
    srv = await startSignaling()
    const a = await ws({ peer_id: 'A', session_id: 'S1' })
    const b = await ws({ peer_id: 'B', session_id: 'S1' })
    const c = await ws({ peer_id: 'C', session_id: 'S1' })
    await c.next('session-joined')

    a.send({ type: 'leave' })
    expect(await a.next('session-left')).toEqual({ type: 'session-left', session_id: 'S1' })
    expect(await b.next('peer-left')).toMatchObject({ peer_id: 'A' })
    expect(await c.next('peer-left')).toMatchObject({ peer_id: 'A' })
    a.send({ type: 'leave' })
    expect((await a.next('error'))['message']).toBe('Not in a session')

    // B switches to S2: leaves S1 (C is told), is told itself, joins S2.
    b.send({ type: 'join', session_id: 'S2' })
    expect(await b.next('session-left')).toMatchObject({ session_id: 'S1' })
    expect(await b.next('session-joined', (f) => f['session_id'] === 'S2')).toMatchObject({ peers: [] })
    expect(await c.next('peer-left')).toMatchObject({ peer_id: 'B' })
    expect(srv.signaling.roomPeers('S1')).toEqual(['C'])
    expect(srv.signaling.roomPeers('S2')).toEqual(['B'])
    // Not reachable through the old room's membership any more: relays resolve by id only.
    c.send({ type: 'offer', to: 'B', sdp: 'cross' })
    expect(await b.next('offer')).toMatchObject({ from: 'C', sdp: 'cross' })

    a.send({ type: 'join', session_id: 'S2' })
    expect(await a.next('session-joined', (f) => f['session_id'] === 'S2')).toMatchObject({ peers: ['B'] })
    await b.next('peer-joined', (f) => f['peer_id'] === 'A')
    b.close() // disconnect without leave
    expect(await a.next('peer-left')).toMatchObject({ peer_id: 'B', session_id: 'S2' })

    c.close()
    await c.closed
    a.close()
    await a.closed
    // The server sees both closes before its room list empties; wait on a frame-free condition.
    const probe = await ws({ peer_id: 'P', session_id: 'S1' })
    expect(await probe.next('session-joined')).toMatchObject({ peers: [] })
    probe.send({ type: 'leave' })
    await probe.next('session-left')
    expect(srv.signaling.roomIds()).not.toContain('S1')
  })

  it('the same peer_id joining the same session from a new connection replaces the old one (4001)', async () => {
    srv = await startSignaling()
    const other = await ws({ peer_id: 'O', session_id: 'S' })
    const old = await ws({ peer_id: 'H', session_id: 'S' })
    await other.next('peer-joined', (f) => f['peer_id'] === 'H')
    const fresh = await ws({ peer_id: 'H', session_id: 'S' })
    expect(await fresh.next('session-joined')).toMatchObject({ peers: ['O'] })
    expect((await old.closed).code).toBe(4001)
    expect(await other.next('peer-left')).toMatchObject({ peer_id: 'H' })
    expect(await other.next('peer-joined')).toMatchObject({ peer_id: 'H' })
    other.send({ type: 'offer', to: 'H', sdp: 'to the new one' })
    expect(await fresh.next('offer')).toMatchObject({ sdp: 'to the new one' })
  })

  it('a peer that stops answering pings is dropped and its room told', async () => {
    srv = await startSignaling({ pingIntervalMs: 50 })
    const a = await ws({ peer_id: 'A', session_id: 'S' })
    const dead = await ws({ peer_id: 'D', session_id: 'S' })
    await a.next('peer-joined', (f) => f['peer_id'] === 'D')
    // The peer's process hangs: its socket is no longer read, so no pong goes back.
    ;(dead.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    expect(await a.next('peer-left')).toMatchObject({ peer_id: 'D', session_id: 'S' })
    expect(srv.signaling.roomPeers('S')).toEqual(['A'])
  })

  it('a host in two sessions (one connection each, same peer_id) gets each room\'s offers on that room\'s connection', async () => {
    srv = await startSignaling()
    const h1 = await ws({ peer_id: 'host', session_id: 'zone-1' })
    const h2 = await ws({ peer_id: 'host', session_id: 'zone-2' })
    await h2.next('session-joined')
    const p1 = await ws({ peer_id: 'p1', session_id: 'zone-1' })
    const p2 = await ws({ peer_id: 'p2', session_id: 'zone-2' })
    expect(await p1.next('session-joined')).toMatchObject({ peers: ['host'] })
    expect(await p2.next('session-joined')).toMatchObject({ peers: ['host'] })
    expect(await h1.next('peer-joined')).toMatchObject({ peer_id: 'p1' })
    expect(await h2.next('peer-joined')).toMatchObject({ peer_id: 'p2' })
    p1.send({ type: 'offer', to: 'host', sdp: 'for zone 1' })
    p2.send({ type: 'offer', to: 'host', sdp: 'for zone 2' })
    expect(await h1.next('offer')).toMatchObject({ from: 'p1', sdp: 'for zone 1', session_id: 'zone-1' })
    expect(await h2.next('offer')).toMatchObject({ from: 'p2', sdp: 'for zone 2', session_id: 'zone-2' })
    expect(h1.inbox.count((f) => f.type === 'offer') + h2.inbox.count((f) => f.type === 'offer')).toBe(0)
  })

  it('protocol-negotiate selects webrtc or says none is supported', async () => {
    srv = await startSignaling()
    const a = await ws({ peer_id: 'A' })
    a.send({ type: 'protocol-negotiate', supported: ['quic', 'webrtc'] })
    expect(await a.next('protocol-selected')).toEqual({ type: 'protocol-selected', protocol: 'webrtc' })
    a.send({ type: 'protocol-negotiate', supported: ['quic'] })
    expect(String((await a.next('protocol-error'))['message'])).toMatch(/^No supported protocol/)
    a.send({ type: 'protocol-negotiate' })
    expect((await a.next('error'))['message']).toBe('supported required')
  })

  it('an oversized frame closes only its sender', async () => {
    srv = await startSignaling({ maxPayloadBytes: 16 * 1024 })
    const a = await ws({ peer_id: 'A', session_id: 'S' })
    const b = await ws({ peer_id: 'B', session_id: 'S' })
    const big = await ws({ peer_id: 'BIG', session_id: 'S' })
    await a.next('peer-joined', (f) => f['peer_id'] === 'BIG')
    big.send({ type: 'offer', to: 'A', sdp: 'x'.repeat(32 * 1024) })
    expect((await big.closed).code).toBe(1009)
    expect(await a.next('peer-left')).toMatchObject({ peer_id: 'BIG' })
    a.send({ type: 'offer', to: 'B', sdp: 'y'.repeat(8 * 1024) })
    expect(String((await b.next('offer'))['sdp'])).toHaveLength(8 * 1024)
    expect(a.inbox.count((f) => f.type === 'offer')).toBe(0)
  })

  it('a flood from one client closes that client while the others keep signaling', async () => {
    const metrics = new Registry()
    srv = await startSignaling({ ratePerSecond: 200, metrics })
    const a = await ws({ peer_id: 'A', session_id: 'S' })
    const b = await ws({ peer_id: 'B', session_id: 'S' })
    const f = await ws({ peer_id: 'F', session_id: 'S' })
    await a.next('peer-joined', (x) => x['peer_id'] === 'F')
    await b.next('peer-joined', (x) => x['peer_id'] === 'F')

    const frame = JSON.stringify({ type: 'offer', to: 'B', sdp: 'flood' })
    for (let i = 0; i < 20_000; i++) f.send(frame)
    a.send({ type: 'offer', to: 'B', sdp: 'real offer' })
    expect(await b.next('offer', (x) => x['sdp'] === 'real offer')).toMatchObject({ from: 'A' })
    b.send({ type: 'answer', to: 'A', sdp: 'real answer' })
    expect(await a.next('answer')).toMatchObject({ from: 'B', sdp: 'real answer' })

    const closed = await f.closed
    expect(closed.code).toBe(1008)
    expect(String((await f.next('error', (x) => /Rate limit/.test(String(x['message']))))['message'])).toMatch(/more than 200 messages per second/)
    expect(await b.next('peer-left')).toMatchObject({ peer_id: 'F' })
    // B got about one burst of the flood (200, plus what refilled while it was read), not 20,000.
    expect(b.inbox.count((x) => x['sdp'] === 'flood')).toBeLessThanOrEqual(400)
    const text = await metrics.metrics()
    expect(text).toMatch(/warp_signaling_rejected_messages_total\{reason="rate_limited"\} 1/)
    expect(text).toMatch(/warp_signaling_relayed_messages_total\{type="offer",dialect="ws"\} \d+/)
    expect(text).toMatch(/warp_signaling_peers_connected\{dialect="ws"\} 2/)
    expect(text).toMatch(/warp_signaling_rooms 1/)
  })

  it('checks tokens with the hook and requires peer_id', async () => {
    const seen: string[] = []
    srv = await startSignaling({
      verifyToken: async (t) => {
        seen.push(t)
        return t === 'good.jwt.token'
      }
    })
    const bad = await ws({ peer_id: 'X', session_id: 'S', token: 'forged' })
    expect((await bad.next('error'))['message']).toBe('Invalid token')
    expect((await bad.closed).code).toBe(1008)
    expect(srv.signaling.roomPeers('S')).toEqual([])

    const good = await ws({ peer_id: 'Y', session_id: 'S', token: 'good.jwt.token' })
    expect(await good.next('session-joined')).toMatchObject({ peers: [] })
    const anon = await ws({ peer_id: 'Z', session_id: 'S' })
    expect(await anon.next('session-joined')).toMatchObject({ peers: ['Y'] })
    expect(seen).toEqual(['forged', 'good.jwt.token'])

    const nobody = await ws({ session_id: 'S' })
    expect((await nobody.next('error'))['message']).toBe('peer_id required')
    expect((await nobody.closed).code).toBe(1008)
  })
})

describe('signaling server: socket.io dialect', () => {
  it('a socket.io peer and a ws peer in one session signal each other', async () => {
    srv = await startSignaling()
    const w = await ws({ peer_id: 'W', session_id: 'MIX' })
    await w.next('session-joined')
    const s = await sio()
    const ack = (await s.emitWithAck('join', { session_id: 'MIX', peer_id: 'IO' })) as Frame
    expect(ack).toMatchObject({ ok: true, session_id: 'MIX', peers: ['W'] })
    expect(await s.next('session-joined')).toMatchObject({ session_id: 'MIX', peers: ['W'] })
    expect(await w.next('peer-joined')).toMatchObject({ peer_id: 'IO' })

    w.send({ type: 'offer', to: 'IO', sdp: { type: 'offer', sdp: 'v=0' } })
    const offer = await s.next('offer')
    expect(offer).toMatchObject({ from_peer_id: 'W', from: 'W', sdp: { type: 'offer', sdp: 'v=0' } })
    expect(offer['timestamp']).toMatch(ISO)
    s.emit('answer', { target_peer_id: 'W', sdp: 'v=0 answer' })
    expect(await w.next('answer')).toMatchObject({ from: 'IO', from_peer_id: 'IO', sdp: 'v=0 answer' })
    s.emit('ice-candidate', { target_peer_id: 'W', candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } })
    expect(await w.next('ice-candidate')).toMatchObject({ from: 'IO', candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } })
    w.send({ type: 'ice-candidate', target_peer_id: 'IO', candidate: 'cand-str' })
    expect(await s.next('ice-candidate')).toMatchObject({ from_peer_id: 'W', candidate: 'cand-str' })

    // A second socket.io peer named in the handshake, joined by handshake too.
    const s2 = await sio({ peer_id: 'IO2', session_id: 'MIX' })
    expect((await s2.next('session-joined'))['peers']).toEqual(expect.arrayContaining(['W', 'IO']))
    s2.emit('offer', { target_peer_id: 'IO', sdp: 'io to io' })
    expect(await s.next('offer', (f) => f['sdp'] === 'io to io')).toMatchObject({ from_peer_id: 'IO2' })

    s.emit('leave', {})
    expect(await s.next('session-left')).toMatchObject({ session_id: 'MIX' })
    expect(await w.next('peer-left')).toMatchObject({ peer_id: 'IO' })
    s2.close()
    expect(await w.next('peer-left')).toMatchObject({ peer_id: 'IO2' })
    expect(srv.signaling.stats().peersByDialect).toEqual({ ws: 1, 'socket.io': 1 })
  })

  it('serves socket.io clients that start on HTTP long-polling (the client default)', async () => {
    srv = await startSignaling()
    const w = await ws({ peer_id: 'W', session_id: 'P' })
    const socket = ioConnect(srv.base, { forceNew: true, reconnection: false, auth: { peer_id: 'POLL', session_id: 'P' } })
    peers.push({ close: () => socket.disconnect() })
    const offer = new Promise<Frame>((resolve) => socket.on('offer', (f: Frame) => resolve(f)))
    await new Promise<void>((resolve) => socket.on('session-joined', () => resolve()))
    expect(await w.next('peer-joined')).toMatchObject({ peer_id: 'POLL' })
    w.send({ type: 'offer', to: 'POLL', sdp: 'over polling or upgraded' })
    expect(await offer).toMatchObject({ from_peer_id: 'W', sdp: 'over polling or upgraded' })
  })

  it('answers errors with error events and acks; refuses a bad token at the handshake', async () => {
    srv = await startSignaling({ verifyToken: async (t) => t === 'ok' })
    const s = await sio({ peer_id: 'A', token: 'ok' })
    s.emit('dance', {})
    expect(await s.next('error')).toMatchObject({ message: 'Unknown message type: dance' })
    expect(await s.emitWithAck('offer', { sdp: 'x' })).toEqual({ ok: false, message: 'to and sdp required' })
    expect(await s.next('error')).toMatchObject({ message: 'to and sdp required' })
    expect(await s.emitWithAck('join', {})).toEqual({ ok: false, message: 'session_id required' })
    s.socket.emit('offer', '{broken')
    expect(await s.next('error', (f) => f['message'] === 'Invalid JSON')).toBeTruthy()

    await expect(IoPeer.open(srv.base, { peer_id: 'B', token: 'forged' })).rejects.toThrow('Invalid token')
    const anonymous = await sio({ session_id: 'S' })
    expect(await anonymous.next('error')).toMatchObject({ message: 'peer_id required' })
  })

  it('closes a flooding or oversized socket.io peer only', async () => {
    srv = await startSignaling({ ratePerSecond: 100, maxPayloadBytes: 16 * 1024 })
    const w = await ws({ peer_id: 'W', session_id: 'S' })
    const flooder = await sio({ peer_id: 'F', session_id: 'S' })
    const big = await sio({ peer_id: 'BIG', session_id: 'S' })
    await w.next('peer-joined', (f) => f['peer_id'] === 'BIG')
    const gone = (p: IoPeer): Promise<string> => new Promise((r) => p.socket.once('disconnect', (reason) => r(reason)))

    const flooderGone = gone(flooder)
    for (let i = 0; i < 5000; i++) flooder.emit('offer', { target_peer_id: 'W', sdp: 'flood' })
    expect(await flooderGone).toBe('io server disconnect')
    expect(String((await flooder.next('error', (f) => /Rate limit/.test(String(f['message']))))['message'])).toMatch(/more than 100/)
    expect(await w.next('peer-left', (f) => f['peer_id'] === 'F')).toBeTruthy()

    const bigGone = gone(big)
    big.emit('offer', { target_peer_id: 'W', sdp: 'x'.repeat(64 * 1024) })
    await bigGone
    expect(await w.next('peer-left', (f) => f['peer_id'] === 'BIG')).toBeTruthy()

    const s = await sio({ peer_id: 'OK', session_id: 'S' })
    await s.next('session-joined')
    w.send({ type: 'offer', to: 'OK', sdp: 'still fine' })
    expect(await s.next('offer')).toMatchObject({ from_peer_id: 'W', sdp: 'still fine' })
    expect(w.inbox.count((f) => f['sdp'] === 'flood')).toBeLessThanOrEqual(200) // one burst (+ refill), not 5,000
  })
})
