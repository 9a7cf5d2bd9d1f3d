/**
 * The Sessions page's and the Overview hosting card's pure logic (no React, no store): how a
 * session's and a peer's state read, the order peers are listed in, the one-line summary of
 * hosting (hosting / paused / waiting / not configured / unavailable), how a notice's result reads,
 * and the kick / notice / pause inputs checked with the contract's own schemas.
 */
import {
  KickInputSchema,
  methods,
  NoticeInputSchema,
  type HostedPeer,
  type HostedSession,
  type HostingSnapshot
} from '../../../shared/contract'
import type { Tone } from '../components/StateBadge'

// ---- input limits, read from the contract's schemas (never re-typed here) ----------------------

const pauseInput = methods['hosting.pause'].input.unwrap().shape

export const HOSTING_LIMITS = {
  kickReason: KickInputSchema.shape.reason.unwrap().maxLength ?? undefined,
  noticeText: NoticeInputSchema.shape.text.maxLength ?? undefined,
  pauseReason: pauseInput.reason.unwrap().maxLength ?? undefined
} as const

/** What the player is told when the operator gives no reason (the contract's default). */
export const DEFAULT_KICK_REASON = KickInputSchema.shape.reason.parse(undefined)

/** A kick's reason as typed: trimmed, the default when empty; null when too long. */
export function kickReason(text: string): string | null {
  const r = KickInputSchema.shape.reason.safeParse(text.trim() === '' ? undefined : text)
  return r.success ? r.data : null
}

/** A notice's text as typed: trimmed; null when empty or too long. */
export function noticeText(text: string): string | null {
  const r = NoticeInputSchema.shape.text.safeParse(text)
  return r.success ? r.data : null
}

/** A pause reason as typed: undefined when empty (no reason), null when too long. */
export function pauseReason(text: string): string | undefined | null {
  if (text.trim() === '') return undefined
  const r = pauseInput.reason.safeParse(text)
  return r.success ? (r.data ?? undefined) : null
}

// ---- states ------------------------------------------------------------------------------------

export const SESSION_STATE: Record<HostedSession['state'], { text: string; tone: Tone }> = {
  open: { text: 'Open', tone: 'ok' },
  paused: { text: 'Paused', tone: 'busy' },
  waiting: { text: 'Waiting', tone: 'idle' }
}

export const PEER_STATE: Record<HostedPeer['state'], { text: string; tone: Tone }> = {
  open: { text: 'Connected', tone: 'ok' },
  connecting: { text: 'Connecting', tone: 'busy' },
  closing: { text: 'Leaving', tone: 'idle' }
}

const PEER_RANK: Record<HostedPeer['state'], number> = { open: 0, connecting: 1, closing: 2 }

function timeOf(iso: string | null): number {
  if (iso === null) return Number.POSITIVE_INFINITY
  const t = Date.parse(iso)
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY
}

/** Connected players first (longest connected first), then connecting, then leaving; ties by id. */
export function orderPeers(peers: readonly HostedPeer[]): HostedPeer[] {
  return peers
    .slice()
    .sort((a, b) => PEER_RANK[a.state] - PEER_RANK[b.state] || timeOf(a.connectedSince) - timeOf(b.connectedSince) || a.peerId.localeCompare(b.peerId))
}

/** Sessions by zone, then session id (a stable order while figures move). */
export function orderSessions(sessions: readonly HostedSession[]): HostedSession[] {
  return sessions.slice().sort((a, b) => a.zoneId.localeCompare(b.zoneId) || a.sessionId.localeCompare(b.sessionId))
}

/** "12 / 50 ms" (p50 / p95), "—" before the first heartbeat answer. */
export function formatRtt(p50: number | null, p95: number | null): string {
  if (p50 === null) return '—'
  const r = (ms: number): string => (ms < 10 ? (Math.round(ms * 10) / 10).toString() : Math.round(ms).toString())
  return p95 === null ? `${r(p50)} ms` : `${r(p50)} / ${r(p95)} ms`
}

// ---- the hosting summary (Overview card, page header) -------------------------------------------

export type HostingStatusKind = 'hosting' | 'paused' | 'waiting' | 'not-configured' | 'unavailable' | 'loading'

export interface HostingSummary {
  kind: HostingStatusKind
  /** One word for the badge. */
  label: string
  tone: Tone
  sessions: number
  /** The zones of the sessions served (sorted, once each). */
  zones: string[]
  players: number
  /** Seats over every session (each session's max). */
  capacity: number
  inPerSecond: number
  outPerSecond: number
  bytesIn: number
  bytesOut: number
  /** Zones whose session has a relay backlog (the host cannot send that much; packets are dropped). */
  backlogZones: string[]
  /** A sentence under the figures. */
  detail: string
}

const LABEL: Record<HostingStatusKind, { label: string; tone: Tone }> = {
  hosting: { label: 'Hosting', tone: 'ok' },
  paused: { label: 'Paused', tone: 'busy' },
  waiting: { label: 'Waiting', tone: 'busy' },
  'not-configured': { label: 'Not hosting', tone: 'idle' },
  unavailable: { label: 'Unavailable', tone: 'bad' },
  loading: { label: 'Loading', tone: 'idle' }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** What hosting is doing, from the snapshot (null while none) and why there is none (an error message). */
export function hostingSummary(snapshot: HostingSnapshot | null, errorMessage: string | null = null): HostingSummary {
  const base = { sessions: 0, zones: [], players: 0, capacity: 0, inPerSecond: 0, outPerSecond: 0, bytesIn: 0, bytesOut: 0, backlogZones: [] }
  if (!snapshot) {
    const kind: HostingStatusKind = errorMessage !== null ? 'unavailable' : 'loading'
    return { kind, ...LABEL[kind], ...base, detail: errorMessage ?? 'Loading the hosted sessions…' }
  }
  const figures = {
    sessions: snapshot.sessions.length,
    zones: [...new Set(snapshot.sessions.map((s) => s.zoneId))].sort(),
    players: snapshot.players,
    capacity: snapshot.sessions.reduce((a, s) => a + s.maxPlayers, 0),
    inPerSecond: round1(snapshot.sessions.reduce((a, s) => a + s.inPerSecond, 0)),
    outPerSecond: round1(snapshot.sessions.reduce((a, s) => a + s.outPerSecond, 0)),
    bytesIn: snapshot.bytesIn,
    bytesOut: snapshot.bytesOut,
    backlogZones: [...new Set(snapshot.sessions.filter((s) => s.backlog !== null).map((s) => s.zoneId))].sort()
  }
  if (!snapshot.configured) {
    return { kind: 'not-configured', ...LABEL['not-configured'], ...figures, detail: 'No zone to host: add zone ids in Settings → Hosting → Zones (HOST_ZONES).' }
  }
  if (snapshot.paused) {
    const why = snapshot.pausedReason ? `: ${snapshot.pausedReason}` : ''
    return { kind: 'paused', ...LABEL.paused, ...figures, detail: `New players are refused${why}. ${plural(figures.players, 'player')} still connected.` }
  }
  if (figures.sessions === 0 || snapshot.sessions.every((s) => s.state === 'waiting')) {
    return { kind: 'waiting', ...LABEL.waiting, ...figures, detail: 'Waiting for the coordinator to open the sessions.' }
  }
  const detail = `${plural(figures.sessions, 'session')}, ${plural(figures.players, 'player')} of ${figures.capacity}`
  if (figures.backlogZones.length > 0) {
    // Still hosting, but the relay cannot keep up: packets are being dropped.
    return { kind: 'hosting', label: 'Behind', tone: 'busy', ...figures, detail: `${detail} — relay backlog in ${figures.backlogZones.join(', ')}: packets are dropped` }
  }
  return { kind: 'hosting', ...LABEL.hosting, ...figures, detail }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10
}

// ---- notices -----------------------------------------------------------------------------------

export interface NoticeResult {
  sent: number
  acked: number
  failed: number
}

/** Who a notice goes to, in words. */
export function noticeTargetText(target: { sessionId?: string | undefined; zoneId?: string | undefined; peerId?: string | undefined }): string {
  if (target.peerId !== undefined) return `player ${target.peerId}`
  if (target.sessionId !== undefined) return `every player of ${target.zoneId !== undefined ? `zone ${target.zoneId}` : `session ${target.sessionId}`}`
  return 'every player of every session'
}

/** How a notice's delivery reads, and whether it all went well. */
export function noticeResultText(r: NoticeResult): { text: string; tone: 'ok' | 'warn' } {
  if (r.sent === 0) return { text: 'No connected player to send the notice to.', tone: 'warn' }
  const who = plural(r.sent, 'player')
  if (r.failed === 0) return { text: `Notice sent to ${who}: ${r.acked} acknowledged.`, tone: 'ok' }
  return { text: `Notice sent to ${who}: ${r.acked} acknowledged, ${r.failed} failed (no acknowledgement).`, tone: 'warn' }
}
