/**
 * Peer hosting against a real WARP Host process (the built headless runtime, embedded coordinator,
 * HOST_ZONES=zone1): werift and libdatachannel players, each in its own process, join the zone's
 * session through the embedded signaling in both offer directions; game packets are relayed to
 * every other player and never echoed; a player that leaves is let go and the others go on;
 * 10,000 small messages all arrive (a stall would show as a timeout of the generous bound).
 */
import { describe, expect, it } from 'vitest'
import type { HostingHost } from '../../support/peers/hosting-host'
import { spawnPlayer, waitFor } from '../../support/peers/players'
import { expectFullRelay, joinAll, summary, waitHostForgets, waitHostPeers, waitReceived, hostForFile } from './support'

let host: HostingHost

hostForFile({}, (h) => (host = h))

describe('peer hosting: relay between player processes', { timeout: 120_000 }, () => {
  it('werift players in separate processes join (both offer directions), relay to each other, and one leaves while the others go on', async () => {
    const a = await spawnPlayer('werift', 'werift-a')
    const b = await spawnPlayer('werift', 'werift-b')
    const c = await spawnPlayer('werift', 'werift-c')
    await joinAll(host, [
      { p: a, offerFirst: false, index: 1 },
      { p: b, offerFirst: true, index: 2 },
      { p: c, offerFirst: false, index: 3 }
    ])
    const peers = await waitHostPeers(host, ['werift-a', 'werift-b', 'werift-c'])
    expect(peers.map((p) => p.offeredBy)).toEqual(['host', 'peer', 'host'])
    expect((await host.session()).players).toBe(3)

    await expectFullRelay(
      [
        { p: a, index: 1 },
        { p: b, index: 2 },
        { p: c, index: 3 }
      ],
      60
    )
    // The host's counters saw every packet.
    await waitFor(async () => (await host.peer('werift-a'))!.packetsIn >= 1, 'the host to count packets in', 10_000)

    // c leaves; the host lets it go and a and b go on.
    await c.close()
    await waitHostForgets(host, 'werift-c')
    await waitFor(async () => (await host.session()).players === 2, 'the player count to follow', 10_000, () => host.session())
    const cBefore = (await c.stats()).received.packets
    await expectFullRelay(
      [
        { p: a, index: 1 },
        { p: b, index: 2 }
      ],
      30
    )
    expect((await c.stats()).received.packets).toBe(cBefore)
  })

  it('libdatachannel players join in both offer directions and relay to each other', async () => {
    const offers = await spawnPlayer('ndc', 'ldc-offers')
    const waits = await spawnPlayer('ndc', 'ldc-waits')
    await joinAll(host, [
      { p: offers, offerFirst: true, index: 11 },
      { p: waits, offerFirst: false, index: 12 }
    ])
    const [po, pw] = await waitHostPeers(host, ['ldc-offers', 'ldc-waits'])
    expect(po!.offeredBy).toBe('peer')
    expect(pw!.offeredBy).toBe('host')
    await expectFullRelay(
      [
        { p: offers, index: 11 },
        { p: waits, index: 12 }
      ],
      100
    )
    // Both answer the host's heartbeats: the host measures their RTT.
    await waitFor(async () => (await host.peer('ldc-offers'))?.rttP50Ms != null && (await host.peer('ldc-waits'))?.rttP50Ms != null, 'RTT from heartbeats', 15_000, () =>
      host.session()
    )
    expect((await offers.stats()).pongs).toBeGreaterThan(0)
    expect((await waits.stats()).pongs).toBeGreaterThan(0)
  })

  it('10,000 small messages from a libdatachannel and from a werift player all arrive, in order, at a werift and a libdatachannel player', async () => {
    const ldcSender = await spawnPlayer('ndc', 'bulk-ldc-sender')
    const weriftSender = await spawnPlayer('werift', 'bulk-werift-sender')
    const rw = await spawnPlayer('werift', 'bulk-werift')
    const rl = await spawnPlayer('ndc', 'bulk-ldc')
    await joinAll(host, [
      { p: ldcSender, offerFirst: true, index: 21 },
      { p: weriftSender, offerFirst: false, index: 22 },
      { p: rw, offerFirst: false, index: 23 },
      { p: rl, offerFirst: true, index: 24 }
    ])
    const COUNT = 10_000
    // werift 0.25.2 as a sender stalls on a deep queue of small messages (its own send path, not the
    // host's): the werift player keeps at most 16 KiB buffered, as a well-behaved sender does.
    const sent = await Promise.all([ldcSender.send({ count: COUNT, rate: 2000, size: 40 }), weriftSender.send({ count: COUNT, rate: 2000, size: 40, maxBuffered: 16 * 1024 })])
    expect(sent).toEqual([COUNT, COUNT])
    // Liveness bound, not a timing goal: generous enough never to flake, short enough to catch a stall.
    for (const r of [rw, rl]) {
      const s = await waitReceived(r, { 21: COUNT, 22: COUNT }, 90_000)
      expect(s.received.bySender, JSON.stringify(summary(s))).toEqual({ 21: COUNT, 22: COUNT })
      expect(s.received.outOfOrder).toBe(0)
      expect(s.received.echoed).toBe(0)
      // Batched per tick: fewer messages than packets.
      expect(s.received.messages).toBeLessThan(2 * COUNT)
    }
    // Each sender gets the other's 10,000 too (the werift one while it sends its own).
    expect((await waitReceived(ldcSender, { 22: COUNT }, 90_000)).received.bySender).toEqual({ 22: COUNT })
    expect((await waitReceived(weriftSender, { 21: COUNT }, 90_000)).received.bySender).toEqual({ 21: COUNT })
  }, 180_000)
})
