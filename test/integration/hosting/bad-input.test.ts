/**
 * Bad input on every channel of a hosted session (a real WARP Host process): malformed signaling
 * frames (from a bare WebSocket peer in the room and from a connected player), garbage, invalid
 * envelopes and an oversized frame on the control channel, an oversized data message (the player
 * pretends the host's max-message-size is larger so its stack lets it out). The offender gets an
 * error or is dropped; the host process lives, and the well-behaved players go on relaying and
 * new players can still join.
 */
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import type { HostingHost } from '../../support/peers/hosting-host'
import { spawnPlayer, waitFor, type ProcessPlayer } from '../../support/peers/players'
import { expectFullRelay, joinAll, summary, waitHostForgets, hostForFile } from './support'

let host: HostingHost
let good: ProcessPlayer[] = []

hostForFile({}, (h) => (host = h))

async function joinGood(): Promise<void> {
  good = [await spawnPlayer('ndc', `good-ldc-${Date.now()}`), await spawnPlayer('werift', `good-werift-${Date.now()}`)]
  await joinAll(host, [
    { p: good[0]!, offerFirst: false, index: 1 },
    { p: good[1]!, offerFirst: true, index: 2 }
  ])
}

/** The host lives, its session is open, the good players still relay and a newcomer can join. */
async function sessionGoesOn(): Promise<void> {
  expect(host.process.child.exitCode).toBeNull()
  expect((await host.session()).state).toBe('open')
  await expectFullRelay(
    [
      { p: good[0]!, index: 1 },
      { p: good[1]!, index: 2 }
    ],
    20
  )
  const late = await spawnPlayer('ndc', `late-${Date.now()}`)
  await joinAll(host, [{ p: late, offerFirst: true, index: 3 }])
  await expectFullRelay(
    [
      { p: good[0]!, index: 1 },
      { p: good[1]!, index: 2 },
      { p: late, index: 3 }
    ],
    10
  )
}

describe('peer hosting: bad input', { timeout: 120_000 }, () => {
  it('malformed signaling frames from a bare WebSocket peer in the room and from a connected player', async () => {
    await joinGood()
    const { hostId, sessionId, signalingUrl } = host.target
    // A peer in the room that never does WebRTC properly: garbage SDPs and candidates to the host.
    const ws = new WebSocket(`${signalingUrl}?peer_id=bad-signaling&session_id=${sessionId}`)
    const frames: Record<string, unknown>[] = []
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>))
    await waitFor(() => frames.some((f) => f.type === 'session-joined'), 'the bad peer to join the room', 10_000)
    const garbage: string[] = [
      'this is not JSON',
      '[1,2,3]',
      'null',
      '{"type":42}',
      JSON.stringify({ type: 'offer' }),
      JSON.stringify({ type: 'offer', to: hostId, sdp: 'not an SDP at all' }),
      JSON.stringify({ type: 'offer', to: hostId, sdp: { type: 'offer' } }),
      JSON.stringify({ type: 'answer', to: hostId, sdp: 'v=0\r\nbroken' }),
      JSON.stringify({ type: 'ice-candidate', to: hostId, candidate: 'candidate:garbage' }),
      JSON.stringify({ type: 'ice-candidate', to: hostId, candidate: { candidate: 'x'.repeat(3000), sdpMid: 7 } }),
      JSON.stringify({ type: 'ice-candidate', to: hostId, candidate: { sdpMid: '0' } }),
      JSON.stringify({ type: 'ice-candidate', to: hostId, candidate: 'a=candidate:1 1 UDP 1 999.1.1.1 99999 typ host' })
    ]
    for (const g of garbage) ws.send(g)
    // The signaling server refuses the ill-formed frames with errors; the rest reach the host.
    await waitFor(() => frames.filter((f) => f.type === 'error').length >= 3, 'signaling errors for the malformed frames', 10_000, () => frames)
    // A connected player sends garbage renegotiation too.
    const offender = await spawnPlayer('ndc', 'bad-renegotiation')
    await joinAll(host, [{ p: offender, offerFirst: false, index: 7 }])
    for (const g of garbage.slice(5)) await offender.rawSignaling(g)
    await offender.rawSignaling('{"type":"offer","to":"' + hostId + '","sdp":"v=0\\r\\no=- 0 0 IN IP4 0.0.0.0\\r\\n"}')
    // The bare peer leaves; whatever the host did with the garbage, it lets the peer go.
    ws.close()
    await waitHostForgets(host, 'bad-signaling')
    await sessionGoesOn()
    const offenderStats = await offender.stats()
    // The offender was either dropped or still works (it sent nothing but garbage signaling).
    if (offenderStats.state === 'open') expect(offenderStats.received.echoed).toBe(0)
  })

  it('garbage, invalid envelopes and an oversized frame on the control channel get errors (or the offender is dropped)', async () => {
    await joinGood()
    const offender = await spawnPlayer('ndc', 'bad-control')
    await joinAll(host, [{ p: offender, offerFirst: true, index: 8 }])
    const frames = [
      'garbage that is not JSON',
      '{}',
      '[]',
      '{"id":"not-a-uuid","type":"nonsense","group":"control","payload":{},"timestamp":"yesterday"}',
      '{"id":"4b0f6a6e-0c7e-4a53-9b55-0ad1f3c3c0a1","type":"command","group":"control","payload":{"command":"kick","args":[{"peer":"good"}]},"timestamp":"2026-12-01T00:00:00Z","requiresAck":true}',
      '{"ack":"no-such-message"}',
      '{"ack":12}'
    ]
    for (const f of frames) await offender.rawControl(f)
    const s1 = await waitFor(
      async () => {
        const s = await offender.stats()
        return s.errors.length > 0 || s.state === 'closed' ? s : null
      },
      'an error (or a drop) for the garbage',
      15_000,
      async () => summary(await offender.stats())
    )
    if (s1.state !== 'closed') {
      expect(s1.errors.map((e) => e.code)).toContain('invalid_message')
      // An oversized frame (over the host's control limit, within the channel's max message size).
      await offender.rawControl(JSON.stringify({ id: crypto.randomUUID(), type: 'response', group: 'control', payload: { blob: 'x'.repeat(40_000) }, timestamp: new Date().toISOString() }))
      const s2 = await waitFor(
        async () => {
          const s = await offender.stats()
          return s.errors.some((e) => e.code === 'oversized') || s.state === 'closed' ? s : null
        },
        'an oversized error (or a drop)',
        15_000,
        async () => summary(await offender.stats())
      )
      expect(s2.errors.some((e) => e.code === 'oversized') || s2.state === 'closed').toBe(true)
    }
    // The good players never saw any of it on their control channels as commands.
    for (const g of good) expect((await g.stats()).commands.filter((c) => c.command === 'kick')).toEqual([])
    await sessionGoesOn()
  })

  it('an oversized data message is refused and never relayed; garbage data is not echoed', async () => {
    await joinGood()
    const offender = await spawnPlayer('ndc', 'bad-data')
    // Pretend the host takes 1 MiB messages, so libdatachannel lets a 100 KB message out.
    await joinAll(host, [{ p: offender, offerFirst: false, index: 9, remoteMaxMessageSize: 1024 * 1024 }])
    const before = await Promise.all(good.map((g) => g.stats()))
    expect(await offender.rawData(new Uint8Array(100_000).fill(0x41))).toBe(true)
    const s = await waitFor(
      async () => {
        const st = await offender.stats()
        return st.errors.some((e) => e.code === 'oversized') || st.state === 'closed' ? st : null
      },
      'an oversized error (or a drop) for the 100 KB message',
      15_000,
      async () => summary(await offender.stats())
    )
    expect(s.errors.some((e) => e.code === 'oversized') || s.state === 'closed').toBe(true)
    // The good players go on and got none of the 100 KB (their byte counts grow by test packets only).
    await sessionGoesOn()
    const after = await Promise.all(good.map((g) => g.stats()))
    after.forEach((a, i) => {
      expect(a.received.malformed).toBe(before[i]!.received.malformed)
      expect(a.received.bytes - before[i]!.received.bytes).toBeLessThan(100_000)
    })
  })
})
