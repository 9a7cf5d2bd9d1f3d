/**
 * The coordinator's signaling wire protocol (spec-coordinator.md, "Signaling WebSocket"), shared
 * by the embedded server and the client: paths, the frames both ways, and the zod schemas that
 * validate every frame that comes in. One protocol, two dialects:
 *
 * - **WebSocket** (`/api/v1/signaling/ws?peer_id=P[&session_id=S][&token=JWT]`): JSON text frames
 *   `{"type": …, …}`.
 * - **socket.io** (default `/socket.io/` path, same port): the frame's `type` is the event name and
 *   the frame itself is the event's argument (`socket.emit('offer', {target_peer_id, sdp})`).
 *
 * Destinations are accepted as `to` or `target_peer_id`; relayed frames carry `from` and
 * `from_peer_id` (both), `sdp` / `candidate` exactly as sent (string or object), and a
 * `timestamp` (ISO 8601).
 */
import { z } from 'zod'

export const SIGNALING_WS_PATH = '/api/v1/signaling/ws'
export const SOCKET_IO_PATH = '/socket.io/'

/** The one transport WARP Host offers in `protocol-negotiate` (it has no QUIC transport). */
export const SUPPORTED_PROTOCOLS = ['webrtc'] as const

/** Close codes of the WebSocket dialect. */
export const CLOSE_POLICY = 1008 // bad token, missing peer_id, message flood
export const CLOSE_TOO_BIG = 1009 // ws closes an oversized frame's sender with this
export const CLOSE_GOING_AWAY = 1001 // server shutting down
/** The same peer_id joined the same session from another connection: this one is replaced. */
export const CLOSE_REPLACED = 4001

/** Ids: non-empty, bounded strings (peer ids, session ids). */
export const idSchema = z.string().trim().min(1).max(256)

/** `sdp`: the raw SDP string, or `{type, sdp}` as browsers hand it out. Relayed unchanged. */
export const sdpSchema = z.union([z.string().min(1), z.looseObject({}).refine((o) => Object.keys(o).length > 0)])
/** `candidate`: a candidate string or `{candidate, sdpMid, sdpMLineIndex}`. Relayed unchanged. */
export const candidateSchema = sdpSchema

export type SdpPayload = z.infer<typeof sdpSchema>
export type CandidatePayload = z.infer<typeof candidateSchema>

/** Query of the WebSocket URL (and the socket.io handshake's `auth` / `query`). */
export const connectQuerySchema = z.object({
  peer_id: idSchema.optional(),
  session_id: idSchema.optional(),
  token: z.string().min(1).max(8192).optional()
})

/** The destination of a relay: `to` or `target_peer_id` (the real coordinator's tests and socket.io). */
const destination = { to: idSchema.optional(), target_peer_id: idSchema.optional() }

export const joinSchema = z.object({ session_id: idSchema, peer_id: idSchema.optional() })
export const sdpRelaySchema = z.object({ ...destination, sdp: sdpSchema })
export const candidateRelaySchema = z.object({ ...destination, candidate: candidateSchema })
export const negotiateSchema = z.object({ supported: z.array(z.string().max(64)).max(32) })

/** Client → server types. */
export const CLIENT_TYPES = ['join', 'leave', 'offer', 'answer', 'ice-candidate', 'protocol-negotiate'] as const
export type ClientType = (typeof CLIENT_TYPES)[number]

export function isClientType(t: unknown): t is ClientType {
  return typeof t === 'string' && (CLIENT_TYPES as readonly string[]).includes(t)
}

/** The error messages, worded as the real coordinator words them (spec). */
export const ERR = {
  invalidJson: 'Invalid JSON',
  typeRequired: 'type required',
  unknownType: (t: string) => `Unknown message type: ${t}`,
  sessionRequired: 'session_id required',
  peerRequired: 'peer_id required',
  sdpRequired: 'to and sdp required',
  candidateRequired: 'to and candidate required',
  supportedRequired: 'supported required',
  notInSession: 'Not in a session',
  undeliverable: (kind: string, to: string) => `Failed to deliver ${kind} to ${to}`,
  invalidToken: 'Invalid token',
  rateLimited: (perSecond: number) => `Rate limit exceeded: more than ${perSecond} messages per second; closing`,
  replaced: (peer: string, session: string) => `peer ${peer} joined session ${session} from another connection`
} as const

/** Server → client frames. */
export type ServerFrame =
  | { type: 'session-joined'; session_id: string; peers: string[] }
  | { type: 'session-left'; session_id: string }
  | { type: 'peer-joined'; peer_id: string; session_id?: string }
  | { type: 'peer-left'; peer_id: string; session_id?: string }
  | { type: 'offer' | 'answer'; from: string; from_peer_id: string; sdp: SdpPayload; timestamp: string; session_id?: string }
  | { type: 'ice-candidate'; from: string; from_peer_id: string; candidate: CandidatePayload; timestamp: string; session_id?: string }
  | { type: 'protocol-selected'; protocol: string }
  | { type: 'protocol-error'; message: string }
  | { type: 'error'; message: string }

/**
 * What a client accepts from a server: lenient (other servers of either dialect may leave out
 * `type` — taken from the event name — or send only `from_peer_id`), normalised to `ServerFrame`.
 */
const loose = z.looseObject({})
const serverFrameSchemas = {
  'session-joined': z.object({ session_id: idSchema, peers: z.array(z.string()).default([]) }),
  'session-left': z.object({ session_id: idSchema.optional() }),
  'peer-joined': z.object({ peer_id: idSchema, session_id: idSchema.optional() }),
  'peer-left': z.object({ peer_id: idSchema, session_id: idSchema.optional() }),
  offer: z.object({ from: idSchema.optional(), from_peer_id: idSchema.optional(), sdp: sdpSchema, timestamp: z.string().optional(), session_id: idSchema.optional() }),
  'ice-candidate': z.object({
    from: idSchema.optional(),
    from_peer_id: idSchema.optional(),
    candidate: candidateSchema,
    timestamp: z.string().optional(),
    session_id: idSchema.optional()
  }),
  'protocol-selected': z.object({ protocol: z.string() }),
  'protocol-error': z.object({ message: z.string().default('') }),
  error: z.object({ message: z.string().default('') })
} as const

export const SERVER_TYPES = ['session-joined', 'session-left', 'peer-joined', 'peer-left', 'offer', 'answer', 'ice-candidate', 'protocol-selected', 'protocol-error', 'error'] as const

/** Parses a frame a server sent (type from the frame or, for socket.io, the event); null if it is not one. */
export function parseServerFrame(raw: unknown, eventType?: string): ServerFrame | null {
  const obj = loose.safeParse(raw)
  if (!obj.success) return null
  const type = eventType ?? obj.data['type']
  if (typeof type !== 'string') return null
  const now = (): string => new Date().toISOString()
  switch (type) {
    case 'offer':
    case 'answer': {
      const r = serverFrameSchemas.offer.safeParse(raw)
      const from = r.success ? (r.data.from ?? r.data.from_peer_id) : undefined
      if (!r.success || from === undefined) return null
      return { type, from, from_peer_id: from, sdp: r.data.sdp, timestamp: r.data.timestamp ?? now(), ...(r.data.session_id ? { session_id: r.data.session_id } : {}) }
    }
    case 'ice-candidate': {
      const r = serverFrameSchemas['ice-candidate'].safeParse(raw)
      const from = r.success ? (r.data.from ?? r.data.from_peer_id) : undefined
      if (!r.success || from === undefined) return null
      return { type, from, from_peer_id: from, candidate: r.data.candidate, timestamp: r.data.timestamp ?? now(), ...(r.data.session_id ? { session_id: r.data.session_id } : {}) }
    }
    case 'session-joined': {
      const r = serverFrameSchemas[type].safeParse(raw)
      return r.success ? { type, session_id: r.data.session_id, peers: r.data.peers } : null
    }
    case 'session-left': {
      const r = serverFrameSchemas[type].safeParse(raw)
      return r.success ? { type, session_id: r.data.session_id ?? '' } : null
    }
    case 'peer-joined':
    case 'peer-left': {
      const r = serverFrameSchemas[type].safeParse(raw)
      return r.success ? { type, peer_id: r.data.peer_id, ...(r.data.session_id ? { session_id: r.data.session_id } : {}) } : null
    }
    case 'protocol-selected': {
      const r = serverFrameSchemas[type].safeParse(raw)
      return r.success ? { type, protocol: r.data.protocol } : null
    }
    case 'protocol-error':
    case 'error': {
      const r = serverFrameSchemas[type].safeParse(raw)
      return r.success ? { type, message: r.data.message } : null
    }
    default:
      return null
  }
}
