/**
 * Shared steps of the peer-hosting integration tests (test/support/peers/ has the players and the
 * host process): join players and wait until their channels are open and the host lists them,
 * make them send, wait until every packet arrived, and wait for the host to let a peer go.
 * Everything waits for a condition; nothing sleeps a fixed time.
 */
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { HostedPeer } from '../../../src/shared/contract'
import { startHostingHost, type HostingHost } from '../../support/peers/hosting-host'
import type { PlayerStats } from '../../support/peers/player-core'
import { stopAllPlayerProcesses, waitFor, type JoinExtras, type TestPlayer } from '../../support/peers/players'

export const OPEN_TIMEOUT_MS = 30_000

/**
 * One WARP Host process for the file's tests (handed to `use` once it runs): after each test the
 * player processes are stopped and the host has let every player go, so each test starts from an
 * empty session; after the file the host stops.
 */
export function hostForFile(opts: Parameters<typeof startHostingHost>[0], use: (host: HostingHost) => void): void {
  let host: HostingHost | undefined
  beforeAll(async () => {
    host = await startHostingHost(opts)
    use(host)
  }, 90_000)
  afterEach(async () => {
    await stopAllPlayerProcesses()
    const h = host!
    await waitFor(async () => (await h.session()).peers.length === 0, 'the session to be empty again', 30_000, () => h.session(), 200)
  }, 60_000)
  afterAll(async () => {
    await host?.stop()
  })
}

/** Joins each player (offer direction per player) and waits until its channels are open and the host lists it open. */
export async function joinAll(host: HostingHost, players: ({ p: TestPlayer } & JoinExtras)[]): Promise<void> {
  await Promise.all(players.map(({ p, ...o }) => p.join(host.target, o)))
  for (const { p } of players) {
    await waitFor(async () => (await p.stats()).state === 'open', `${p.peerId} (${p.kind}) to have both channels open`, OPEN_TIMEOUT_MS, () => p.stats(), 100)
  }
  await waitHostPeers(
    host,
    players.map(({ p }) => p.peerId)
  )
}

/** Waits until the host lists every one of `peerIds` as open in the session. */
export async function waitHostPeers(host: HostingHost, peerIds: string[], timeoutMs = OPEN_TIMEOUT_MS): Promise<HostedPeer[]> {
  return await waitFor(
    async () => {
      const peers = (await host.session()).peers
      const found = peerIds.map((id) => peers.find((p) => p.peerId === id && p.state === 'open'))
      return found.every((p) => p !== undefined) ? (found as HostedPeer[]) : null
    },
    `the host to list ${peerIds.join(', ')} open`,
    timeoutMs,
    () => host.session(),
    200
  )
}

/** Waits until the host no longer lists `peerId`. */
export async function waitHostForgets(host: HostingHost, peerId: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => !(await host.session()).peers.some((p) => p.peerId === peerId), `the host to remove ${peerId}`, timeoutMs, () => host.session(), 200)
}

/** Waits until `p` received `expected[sender index] ` packets from each sender (at least). */
export async function waitReceived(p: TestPlayer, expected: Record<number, number>, timeoutMs = 30_000): Promise<PlayerStats> {
  return await waitFor(
    async () => {
      const s = await p.stats()
      return Object.entries(expected).every(([idx, n]) => (s.received.bySender[idx] ?? 0) >= n) ? s : null
    },
    `${p.peerId} to receive ${JSON.stringify(expected)}`,
    timeoutMs,
    async () => summary(await p.stats()),
    100
  )
}

/** Stats without the latency bins (for failure messages). */
export function summary(s: PlayerStats): unknown {
  return { ...s, received: { ...s.received, latency: { count: s.received.latency.count, max: s.received.latency.max } } }
}

/** Every player sends `count` packets; each then receives exactly `count` from every other one, never its own. */
export async function expectFullRelay(players: { p: TestPlayer; index: number }[], count: number, rate = 50, size = 120): Promise<void> {
  const before = await Promise.all(players.map(({ p }) => p.stats()))
  await Promise.all(players.map(({ p }) => p.send({ count, rate, size })))
  await Promise.all(
    players.map(async ({ p, index }, i) => {
      const expected: Record<number, number> = {}
      for (const o of players) if (o.index !== index) expected[o.index] = (before[i]!.received.bySender[o.index] ?? 0) + count
      const s = await waitReceived(p, expected)
      for (const [idx, n] of Object.entries(expected)) {
        if (s.received.bySender[idx] !== n) throw new Error(`${p.peerId} received ${s.received.bySender[idx]} packets from sender ${idx}, expected exactly ${n}`)
      }
      if (s.received.echoed !== 0) throw new Error(`${p.peerId} got ${s.received.echoed} of its own packets back`)
      if (s.received.outOfOrder !== 0 || s.received.malformed !== 0) throw new Error(`${p.peerId}: ${s.received.outOfOrder} out of order, ${s.received.malformed} malformed`)
    })
  )
}
