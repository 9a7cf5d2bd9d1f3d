/**
 * Who may stay in a hosted session (a real WARP Host process, HOST_MAX_PLAYERS=3): a player that
 * vanishes (its process SIGKILLed) or falls silent (stops answering heartbeats) is removed within
 * the heartbeat timeout while the others go on; a fourth joiner is refused with `session_full` and
 * closed; `hosting.kick` closes that player; `hosting.notice` reaches every player, which ACK it.
 */
import { describe, expect, it } from 'vitest'
import type { HostingHost } from '../../support/peers/hosting-host'
import { spawnPlayer, waitFor } from '../../support/peers/players'
import { expectFullRelay, joinAll, summary, waitHostForgets, hostForFile } from './support'

const MAX = 3
/** 3 missed heartbeats of 2 s, plus room for a loaded machine: a liveness bound, not a timing goal. */
const HEARTBEAT_TIMEOUT_BOUND_MS = 25_000
let host: HostingHost

hostForFile({ maxPlayers: MAX }, (h) => (host = h))

describe('peer hosting: membership', { timeout: 120_000 }, () => {
  it('a player whose process is SIGKILLed is removed, and the player count follows', async () => {
    const gone = await spawnPlayer('ndc', 'vanishing')
    const stays = await spawnPlayer('werift', 'staying')
    const other = await spawnPlayer('ndc', 'other')
    await joinAll(host, [
      { p: gone, offerFirst: false, index: 1 },
      { p: stays, offerFirst: true, index: 2 },
      { p: other, offerFirst: false, index: 3 }
    ])
    await gone.proc.kill()
    await waitHostForgets(host, 'vanishing', HEARTBEAT_TIMEOUT_BOUND_MS)
    await waitFor(async () => (await host.session()).players === 2, 'the player count to drop to 2', 10_000, () => host.session())
    await expectFullRelay(
      [
        { p: stays, index: 2 },
        { p: other, index: 3 }
      ],
      20
    )
  })

  it('a player that stops answering heartbeats (connection kept open) is removed after 3 missed ones', async () => {
    const silent = await spawnPlayer('ndc', 'silent')
    const talks = await spawnPlayer('ndc', 'talks')
    await joinAll(host, [
      { p: silent, offerFirst: true, index: 1 },
      { p: talks, offerFirst: false, index: 2 }
    ])
    await waitFor(async () => (await silent.stats()).pongs > 0, 'a first pong', 15_000)
    await silent.set({ answerPongs: false })
    await waitHostForgets(host, 'silent', HEARTBEAT_TIMEOUT_BOUND_MS)
    // The silent player is closed by the host (its connection goes), the other stays.
    await waitFor(async () => (await silent.stats()).state === 'closed', 'the silent player to be closed', 20_000, async () => summary(await silent.stats()))
    expect((await host.session()).peers.map((p) => p.peerId)).toEqual(['talks'])
    expect((await talks.stats()).state).toBe('open')
  })

  it(`the ${MAX + 1}th joiner is refused with session_full and let go; the ${MAX} players stay`, async () => {
    const players = await Promise.all([1, 2, 3].map((i) => spawnPlayer(i === 2 ? 'werift' : 'ndc', `member-${i}`)))
    await joinAll(
      host,
      players.map((p, i) => ({ p, offerFirst: i === 1, index: i + 1 }))
    )
    const refusedBefore = (await host.session()).refused
    for (const [name, offerFirst] of [
      ['extra-waits', false],
      ['extra-offers', true]
    ] as const) {
      const extra = await spawnPlayer('ndc', name)
      await extra.join(host.target, { offerFirst, index: 9 })
      const s = await waitFor(
        async () => {
          const st = await extra.stats()
          return st.errors.some((e) => e.code === 'session_full') ? st : null
        },
        `${name} to be refused with session_full`,
        30_000,
        async () => summary(await extra.stats())
      )
      expect(s.errors.find((e) => e.code === 'session_full')?.recoverable).toBe(false)
      // The host closes it. (Its werift close does not always reach libdatachannel at once: the
      // player may still see its connection open for a while; the host must have let it go.)
      await waitHostForgets(host, name)
    }
    const session = await host.session()
    expect(session.players).toBe(MAX)
    expect(session.refused).toBeGreaterThanOrEqual(refusedBefore + 2)
    await expectFullRelay(
      players.map((p, i) => ({ p, index: i + 1 })),
      20
    )
  })

  it('hosting.notice reaches every player (ACKed); hosting.kick closes that player and the others go on', async () => {
    const players = await Promise.all([1, 2, 3].map((i) => spawnPlayer(i === 3 ? 'werift' : 'ndc', `kick-${i}`)))
    await joinAll(
      host,
      players.map((p, i) => ({ p, offerFirst: i === 0, index: i + 1 }))
    )
    const sessionId = host.target.sessionId
    const notice = await host.call<{ sent: number; acked: number; failed: number }>('hosting.notice', { sessionId, text: 'server restarts soon' })
    expect(notice).toEqual({ sent: 3, acked: 3, failed: 0 })
    for (const p of players) {
      const s = await p.stats()
      expect(s.commands.find((c) => c.command === 'notice')?.acked, p.peerId).toBe(true)
    }

    expect(await host.call('hosting.kick', { sessionId, peerId: 'kick-2', reason: 'test kick' })).toEqual({ kicked: true })
    const kicked = await waitFor(
      async () => {
        const s = await players[1]!.stats()
        return s.state === 'closed' ? s : null
      },
      'the kicked player to be closed',
      20_000,
      async () => summary(await players[1]!.stats())
    )
    // It was told why: a kick command or a `kicked` error on the control channel.
    expect(kicked.commands.some((c) => c.command === 'kick') || kicked.errors.some((e) => e.code === 'kicked')).toBe(true)
    await waitHostForgets(host, 'kick-2')
    const unknown = await host.call('hosting.kick', { sessionId, peerId: 'nobody-here', reason: 'x' }).then(
      (v) => JSON.stringify(v),
      (e: Error) => e.message
    )
    expect(unknown).toMatch(/not_found/)
    await expectFullRelay(
      [
        { p: players[0]!, index: 1 },
        { p: players[2]!, index: 3 }
      ],
      20
    )
  })
})
