/**
 * The hosting domain: the zone sessions this WARP Host serves over WebRTC (spec-peer-hosting.md)
 * and their peers — state, RTT, traffic — plus the operator's actions: kick a peer, send a notice,
 * pause and resume hosting. `hosting.changed` pushes the same snapshot `hosting.sessions` answers
 * (throttled), so the Sessions page and the Overview card stay live.
 */
import { z } from 'zod'
import { method, NoInput, type EventTableOf, type MethodTableOf } from './define'
import type { HOSTING_EVENTS, HOSTING_METHODS } from './names'

export const PEER_STATES = ['connecting', 'open', 'closing'] as const
export const PeerStateSchema = z.enum(PEER_STATES)

/** Traffic counters of a peer or a session (game data, both channels' bytes). */
const TrafficSchema = z.object({
  bytesIn: z.number().nonnegative(),
  bytesOut: z.number().nonnegative(),
  packetsIn: z.number().int().nonnegative(),
  packetsOut: z.number().int().nonnegative(),
  /** Game packets per second over the last few seconds. */
  inPerSecond: z.number().nonnegative(),
  outPerSecond: z.number().nonnegative(),
  /** Packets not delivered to this peer (dropped with the peer, refused, oversized). */
  dropped: z.number().int().nonnegative()
})

export const HostedPeerSchema = TrafficSchema.extend({
  peerId: z.string(),
  state: PeerStateSchema,
  /** Which side offered: the host (on peer-joined) or the peer. */
  offeredBy: z.enum(['host', 'peer']),
  /** ISO time the peer's data channel opened (null while connecting). */
  connectedSince: z.string().nullable(),
  /** Control-channel heartbeat round trip, ms (null before the first pong). */
  rttP50Ms: z.number().nullable(),
  rttP95Ms: z.number().nullable(),
  /** Bytes waiting in the data channel's send buffer right now. */
  bufferedBytes: z.number().int().nonnegative(),
  /** The ICE connection state as the peer connection reports it. */
  iceState: z.string()
})
export type HostedPeer = z.infer<typeof HostedPeerSchema>

export const HostedSessionSchema = TrafficSchema.extend({
  sessionId: z.string(),
  zoneId: z.string(),
  /** open: accepting players; paused: hosting paused (joiners refused); waiting: no signaling room yet. */
  state: z.enum(['open', 'paused', 'waiting']),
  maxPlayers: z.number().int().positive(),
  players: z.number().int().nonnegative(),
  /** Players refused since the session opened (full or paused). */
  refused: z.number().int().nonnegative(),
  since: z.string(),
  /**
   * A relay backlog going on: most players (at least 3) have more than a sixteenth of
   * max_buffered_bytes waiting at once — the host cannot send that much — so their packets are
   * dropped instead of the players being removed. Null when there is none (2 s after the last
   * tick that dropped packets for it).
   */
  backlog: z
    .object({
      since: z.string(),
      /** Players behind in the latest such tick, of `of` connected. */
      players: z.number().int().nonnegative(),
      of: z.number().int().nonnegative(),
      /** Packets not relayed since it began. */
      dropped: z.number().int().nonnegative()
    })
    .nullable(),
  peers: z.array(HostedPeerSchema)
})
export type HostedSession = z.infer<typeof HostedSessionSchema>

export const HostingSnapshotSchema = z.object({
  /** Whether HOST_ZONES names any zone (false: the page explains how to start hosting). */
  configured: z.boolean(),
  paused: z.boolean(),
  pausedReason: z.string().nullable(),
  tickMs: z.number().int().positive(),
  maxPlayers: z.number().int().positive(),
  sessions: z.array(HostedSessionSchema),
  /** Totals over every session. */
  players: z.number().int().nonnegative(),
  bytesIn: z.number().nonnegative(),
  bytesOut: z.number().nonnegative(),
  at: z.string()
})
export type HostingSnapshot = z.infer<typeof HostingSnapshotSchema>

const id = z.string().trim().min(1).max(256)

export const KickInputSchema = z.object({
  sessionId: id,
  peerId: id,
  /** Shown to the player in the kick message. */
  reason: z.string().trim().max(500).default('kicked by the host')
})

export const NoticeInputSchema = z.object({
  /** Omit for every session. */
  sessionId: id.optional(),
  /** Omit for every peer of the session(s). */
  peerId: id.optional(),
  text: z.string().trim().min(1, 'must not be empty').max(1000)
})

export const hostingMethods = {
  'hosting.sessions': method(NoInput, HostingSnapshotSchema, 'The sessions this host serves, with their peers and figures'),
  'hosting.kick': method(
    KickInputSchema,
    z.object({ kicked: z.boolean() }),
    'Removes a peer from a session (it is told why on the control channel); not_found for an unknown peer'
  ),
  'hosting.notice': method(
    NoticeInputSchema,
    z.object({ sent: z.number().int().nonnegative(), acked: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }),
    'Sends a notice to peers over the control channel and waits for their ACKs'
  ),
  'hosting.pause': method(
    z.object({ reason: z.string().trim().max(500).optional() }).default({}),
    HostingSnapshotSchema,
    'Pauses hosting: new players are refused, connected players stay'
  ),
  'hosting.resume': method(NoInput, HostingSnapshotSchema, 'Resumes hosting: players may join again')
} as const satisfies MethodTableOf<typeof HOSTING_METHODS>

export const hostingEvents = {
  /** The hosting snapshot, pushed at most every 500 ms while something changes. */
  'hosting.changed': HostingSnapshotSchema
} as const satisfies EventTableOf<typeof HOSTING_EVENTS>
