/**
 * The pure parts of peer hosting: ICE servers from the settings (no public fallback), candidate
 * normalisation (strings without a mid as libdatachannel sends them, browser objects, garbage),
 * mDNS detection, the data section's mid, and the relay's batching at message boundaries.
 */
import { describe, expect, it } from 'vitest'
import { RTCPeerConnection } from 'werift'
import { dataMid, isMdnsCandidate, normaliseCandidate } from '../../../src/main/hosting/peer-link'
import { iceServersOf } from '../../../src/main/hosting/service'
import { batches, MAX_BATCH_BYTES } from '../../../src/main/hosting/session-host'
import { noPublicStunFallback } from '../../../src/main/hosting/werift-stun'
import { ConfigSchema } from '../../../src/shared/config-schema'

/** The ICE agents (werift's Connection) behind a peer connection: internals, read for the test. */
const iceAgents = (pc: RTCPeerConnection): { stunServer?: unknown }[] =>
  (pc as unknown as { dtlsTransports: { iceTransport: { connection: { stunServer?: unknown } } }[] }).dtlsTransports.map((t) => t.iceTransport.connection)

const hosting = (h: Record<string, unknown>) => ConfigSchema.parse({ hosting: h }).hosting

describe('ICE servers', () => {
  it('none by default, and werift then gathers without any STUN server (no public fallback)', async () => {
    const servers = iceServersOf(hosting({}))
    expect(servers).toEqual([])
    expect(noPublicStunFallback()).toBe(true)
    const pc = new RTCPeerConnection({ iceServers: servers })
    expect(pc.getConfiguration().iceServers).toEqual([])
    pc.createDataChannel('data')
    // The ICE agent itself has no STUN server: werift 0.25.2 alone would fall back to Google's.
    expect(iceAgents(pc).map((c) => c.stunServer)).toEqual([undefined])
    await pc.setLocalDescription(await pc.createOffer())
    expect(pc.localDescription!.sdp).not.toContain('typ srflx')
    await pc.close()
  })

  it('a configured STUN server is still the one the ICE agent asks', async () => {
    noPublicStunFallback()
    const pc = new RTCPeerConnection({ iceServers: iceServersOf(hosting({ ice_servers: ['stun:stun.lan:3478'] })) })
    pc.createDataChannel('data')
    expect(iceAgents(pc).map((c) => c.stunServer)).toEqual([['stun.lan', 3478]])
    await pc.close()
  })

  it('TURN URLs carry the username and credential; STUN URLs do not; bad URLs are refused by the schema', () => {
    expect(iceServersOf(hosting({ ice_servers: ['stun:stun.lan:3478', 'turn:turn.lan:3478?transport=udp'], turn_username: 'u', turn_credential: 'p' }))).toEqual([
      { urls: 'stun:stun.lan:3478' },
      { urls: 'turn:turn.lan:3478?transport=udp', username: 'u', credential: 'p' }
    ])
    const bad = ConfigSchema.safeParse({ hosting: { ice_servers: ['http://stun.example.com'] } })
    expect(bad.success).toBe(false)
    expect(JSON.stringify(bad.error?.issues)).toContain('must be a stun:, stuns:, turn: or turns: URL')
  })
})

describe('candidates', () => {
  const c = 'candidate:1 1 UDP 2122317823 192.168.1.20 50000 typ host'
  it('strings with or without a=, objects with sdpMid/mid, end-of-candidates', () => {
    expect(normaliseCandidate(`a=${c}`)).toEqual({ candidate: c })
    expect(normaliseCandidate(c)).toEqual({ candidate: c })
    expect(normaliseCandidate({ candidate: c, sdpMid: '0', sdpMLineIndex: 0 })).toEqual({ candidate: c, sdpMid: '0', sdpMLineIndex: 0 })
    expect(normaliseCandidate({ candidate: c, mid: 'data' })).toEqual({ candidate: c, sdpMid: 'data' })
    expect(normaliseCandidate({ candidate: '' })).toEqual({ candidate: '' })
  })
  it('garbage is null', () => {
    for (const bad of [null, 42, [], {}, { candidate: 5 }, 'x'.repeat(2000), { candidate: 'x'.repeat(2000) }]) expect(normaliseCandidate(bad)).toBeNull()
  })
  it('.local host candidates are mDNS', () => {
    expect(isMdnsCandidate('candidate:1 1 udp 2113937151 0b9f7c1e-1c1e-4a0e-9d3c-4f6b8a1c2d3e.local 54321 typ host')).toBe(true)
    expect(isMdnsCandidate(c)).toBe(false)
    expect(isMdnsCandidate('candidate:1')).toBe(false)
  })
})

describe('the data section mid', () => {
  it('is read from the m=application section, whatever its name', () => {
    expect(dataMid('v=0\r\nm=audio 9 UDP 0\r\na=mid:a\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:data\r\n')).toBe('data')
    expect(dataMid('v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\na=mid:0\r\n')).toBe('0')
    expect(dataMid('v=0\r\n')).toBeNull()
  })
})

describe('relay batches', () => {
  const part = (n: number, fill: number) => Buffer.alloc(n, fill)
  it('one message stays as it is; several are concatenated in order', () => {
    const one = part(120, 1)
    expect(batches([one], 120)[0]).toBe(one)
    const b = batches([part(120, 1), part(80, 2)], 200)
    expect(b).toHaveLength(1)
    expect(b[0]!.length).toBe(200)
    expect(b[0]![119]).toBe(1)
    expect(b[0]![120]).toBe(2)
  })
  it('beyond MAX_BATCH_BYTES they are split at message boundaries, never inside one', () => {
    const parts = Array.from({ length: 40 }, (_, i) => part(1000, i))
    const out = batches(parts, 40_000)
    expect(out.length).toBeGreaterThan(2)
    expect(out.every((b) => b.length <= MAX_BATCH_BYTES && b.length % 1000 === 0)).toBe(true)
    expect(Buffer.concat(out).equals(Buffer.concat(parts))).toBe(true)
    // a single message larger than a batch goes alone
    const big = batches([part(100, 1), part(MAX_BATCH_BYTES + 10, 2), part(100, 3)], MAX_BATCH_BYTES + 210)
    expect(big.map((b) => b.length)).toEqual([100, MAX_BATCH_BYTES + 10, 100])
  })
})
