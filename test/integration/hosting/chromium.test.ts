/**
 * Real Chromium pages as players of a WARP Host session (the built headless runtime as a separate
 * process): the system Chromium through playwright-core, the page's own RTCPeerConnection and
 * WebSocket to the embedded signaling, in both offer directions, next to libdatachannel players.
 * Packets are relayed between the browsers and the libdatachannel players, never echoed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chromiumMissing, startChromiumPlayers, type ChromiumPlayers } from '../../support/peers/browser-player'
import { startHostingHost, type HostingHost } from '../../support/peers/hosting-host'
import { spawnPlayer, stopAllPlayerProcesses, waitFor } from '../../support/peers/players'
import { expectFullRelay, joinAll, waitHostForgets, waitHostPeers } from './support'

const missing = chromiumMissing()
let host: HostingHost
let chrome: ChromiumPlayers | undefined

beforeAll(async () => {
  if (missing) return
  host = await startHostingHost()
  chrome = await startChromiumPlayers()
}, 120_000)
afterEach(async () => {
  await stopAllPlayerProcesses()
})
afterAll(async () => {
  await chrome?.stop()
  await host?.stop()
})

describe('peer hosting: Chromium pages as players', () => {
  it.skipIf(missing)(`Chromium (both offer directions) and libdatachannel players relay to each other, nothing echoed${missing ? ` — skipped: ${missing}` : ''}`, async () => {
    const browserOffers = await chrome!.player('chromium-offers')
    const browserWaits = await chrome!.player('chromium-waits')
    const ldcOffers = await spawnPlayer('ndc', 'ldc-offers')
    const ldcWaits = await spawnPlayer('ndc', 'ldc-waits')
    const players = [
      { p: browserOffers, offerFirst: true, index: 1 },
      { p: browserWaits, offerFirst: false, index: 2 },
      { p: ldcOffers, offerFirst: true, index: 3 },
      { p: ldcWaits, offerFirst: false, index: 4 }
    ]
    await joinAll(host, players)
    const peers = await waitHostPeers(
      host,
      players.map(({ p }) => p.peerId)
    )
    expect(peers.map((p) => p.offeredBy)).toEqual(['peer', 'host', 'peer', 'host'])

    await expectFullRelay(players, 80)
    // The browsers answer the host's heartbeats too.
    for (const b of [browserOffers, browserWaits]) await waitFor(async () => (await b.stats()).pongs > 0, `${b.peerId} to answer a heartbeat`, 15_000)

    // A browser that closes its page's connection is let go; the others go on.
    await browserWaits.close()
    await waitHostForgets(host, 'chromium-waits')
    await expectFullRelay(
      players.filter(({ p }) => p !== browserWaits),
      20
    )
  }, 120_000)
})
