// The Sessions page's pure logic: peer and session order, RTT text, the hosting summary (hosting /
// paused / waiting / not configured / unavailable / loading), notice texts, and the kick / notice /
// pause inputs checked with the contract's schemas.
import { describe, expect, it } from 'vitest'
import type { HostedPeer, HostedSession, HostingSnapshot } from '../../../src/shared/contract'
import {
  DEFAULT_KICK_REASON,
  HOSTING_LIMITS,
  formatRtt,
  hostingSummary,
  kickReason,
  noticeResultText,
  noticeTargetText,
  noticeText,
  orderPeers,
  orderSessions,
  pauseReason
} from '../../../src/renderer/src/stores/hosting-model'

const traffic = { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0, inPerSecond: 0, outPerSecond: 0, dropped: 0 }

function peer(id: string, over: Partial<HostedPeer> = {}): HostedPeer {
  return {
    ...traffic,
    peerId: id,
    state: 'open',
    offeredBy: 'host',
    connectedSince: '2026-12-01T10:00:00.000Z',
    rttP50Ms: 2,
    rttP95Ms: 4,
    bufferedBytes: 0,
    iceState: 'connected',
    ...over
  }
}

function session(id: string, over: Partial<HostedSession> = {}): HostedSession {
  return { ...traffic, sessionId: id, zoneId: 'prontera', state: 'open', maxPlayers: 50, players: 0, refused: 0, since: '2026-12-01T10:00:00.000Z', backlog: null, peers: [], ...over }
}

function snapshot(over: Partial<HostingSnapshot> = {}): HostingSnapshot {
  return { configured: true, paused: false, pausedReason: null, tickMs: 20, maxPlayers: 50, sessions: [], players: 0, bytesIn: 0, bytesOut: 0, at: '2026-12-01T10:00:00.000Z', ...over }
}

describe('orderPeers / orderSessions', () => {
  it('lists connected players first (longest connected first), then connecting, then leaving', () => {
    const peers = [
      peer('zed', { state: 'closing' }),
      peer('carol', { state: 'connecting', connectedSince: null }),
      peer('bob', { connectedSince: '2026-12-01T10:05:00.000Z' }),
      peer('alice', { connectedSince: '2026-12-01T10:01:00.000Z' }),
      peer('aaron', { connectedSince: '2026-12-01T10:01:00.000Z' })
    ]
    expect(orderPeers(peers).map((p) => p.peerId)).toEqual(['aaron', 'alice', 'bob', 'carol', 'zed'])
    expect(peers[0]!.peerId).toBe('zed') // a copy: the input keeps its order
  })

  it('orders sessions by zone, then id', () => {
    const s = [session('s2', { zoneId: 'prontera' }), session('s3', { zoneId: 'geffen' }), session('s1', { zoneId: 'prontera' })]
    expect(orderSessions(s).map((x) => x.sessionId)).toEqual(['s3', 's1', 's2'])
  })
})

describe('formatRtt', () => {
  it('writes p50 / p95, one decimal under 10 ms, a dash before the first pong', () => {
    expect(formatRtt(null, null)).toBe('—')
    expect(formatRtt(1.234, 4.56)).toBe('1.2 / 4.6 ms')
    expect(formatRtt(12.4, 80.6)).toBe('12 / 81 ms')
    expect(formatRtt(3, null)).toBe('3 ms')
  })
})

describe('hostingSummary', () => {
  it('is loading without a snapshot, unavailable with an error', () => {
    expect(hostingSummary(null)).toMatchObject({ kind: 'loading', players: 0 })
    expect(hostingSummary(null, 'Peer hosting is not running.')).toMatchObject({ kind: 'unavailable', tone: 'bad', detail: 'Peer hosting is not running.' })
  })

  it('says how to start hosting when no zone is configured', () => {
    const s = hostingSummary(snapshot({ configured: false }))
    expect(s.kind).toBe('not-configured')
    expect(s.detail).toContain('Settings → Hosting → Zones')
    expect(s.detail).toContain('HOST_ZONES')
  })

  it('is waiting until the coordinator opened a session', () => {
    expect(hostingSummary(snapshot()).kind).toBe('waiting')
    expect(hostingSummary(snapshot({ sessions: [session('s1', { state: 'waiting' })] })).kind).toBe('waiting')
  })

  it('adds up sessions, players, seats and rates while hosting', () => {
    const s = hostingSummary(
      snapshot({
        sessions: [session('s1', { players: 2, maxPlayers: 50, inPerSecond: 10.04, outPerSecond: 20.02 }), session('s2', { zoneId: 'geffen', players: 1, maxPlayers: 10, inPerSecond: 0.1, outPerSecond: 0 })],
        players: 3,
        bytesIn: 1000,
        bytesOut: 2000
      })
    )
    expect(s).toMatchObject({ kind: 'hosting', label: 'Hosting', tone: 'ok', sessions: 2, zones: ['geffen', 'prontera'], players: 3, capacity: 60, inPerSecond: 10.1, outPerSecond: 20, bytesIn: 1000, bytesOut: 2000 })
    expect(s.detail).toBe('2 sessions, 3 players of 60')
  })

  it('is behind (busy) while a session has a relay backlog, naming its zone', () => {
    const backlog = { since: '2026-12-01T10:00:00.000Z', players: 60, of: 100, dropped: 1234 }
    const s = hostingSummary(snapshot({ sessions: [session('s1', { players: 100, maxPlayers: 100, backlog }), session('s2', { zoneId: 'geffen', players: 1 })], players: 101 }))
    expect(s).toMatchObject({ kind: 'hosting', label: 'Behind', tone: 'busy', players: 101, backlogZones: ['prontera'] })
    expect(s.detail).toBe('2 sessions, 101 players of 150 — relay backlog in prontera: packets are dropped')
  })

  it('is paused (with its reason) even with sessions open', () => {
    const s = hostingSummary(snapshot({ paused: true, pausedReason: 'maintenance', sessions: [session('s1', { state: 'paused', players: 1 })], players: 1 }))
    expect(s).toMatchObject({ kind: 'paused', tone: 'busy', players: 1 })
    expect(s.detail).toBe('New players are refused: maintenance. 1 player still connected.')
  })
})

describe('notices', () => {
  it('names who a notice goes to', () => {
    expect(noticeTargetText({})).toBe('every player of every session')
    expect(noticeTargetText({ sessionId: 's1', zoneId: 'prontera' })).toBe('every player of zone prontera')
    expect(noticeTargetText({ sessionId: 's1' })).toBe('every player of session s1')
    expect(noticeTargetText({ sessionId: 's1', peerId: 'alice' })).toBe('player alice')
  })

  it('reads the delivery: all acknowledged, some failed, nobody to send to', () => {
    expect(noticeResultText({ sent: 2, acked: 2, failed: 0 })).toEqual({ text: 'Notice sent to 2 players: 2 acknowledged.', tone: 'ok' })
    expect(noticeResultText({ sent: 1, acked: 0, failed: 1 })).toEqual({ text: 'Notice sent to 1 player: 0 acknowledged, 1 failed (no acknowledgement).', tone: 'warn' })
    expect(noticeResultText({ sent: 0, acked: 0, failed: 0 }).tone).toBe('warn')
  })
})

describe('inputs through the contract’s schemas', () => {
  it('kick reason: trimmed, the default when empty, refused when too long', () => {
    expect(DEFAULT_KICK_REASON).toBe('kicked by the host')
    expect(kickReason('')).toBe(DEFAULT_KICK_REASON)
    expect(kickReason('   ')).toBe(DEFAULT_KICK_REASON)
    expect(kickReason('  spamming ')).toBe('spamming')
    expect(HOSTING_LIMITS.kickReason).toBe(500)
    expect(kickReason('x'.repeat(501))).toBeNull()
  })

  it('notice text: required, trimmed, at most the contract’s length', () => {
    expect(noticeText('  ')).toBeNull()
    expect(noticeText(' hello ')).toBe('hello')
    expect(HOSTING_LIMITS.noticeText).toBe(1000)
    expect(noticeText('x'.repeat(1001))).toBeNull()
  })

  it('pause reason: optional, trimmed, refused when too long', () => {
    expect(pauseReason('')).toBeUndefined()
    expect(pauseReason(' maintenance ')).toBe('maintenance')
    expect(HOSTING_LIMITS.pauseReason).toBe(500)
    expect(pauseReason('x'.repeat(501))).toBeNull()
  })
})
