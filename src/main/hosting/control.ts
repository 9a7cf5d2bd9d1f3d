/**
 * The `control` data channel of one player, spoken through the message layer (../messaging):
 * JSON text frames, each a message envelope `{id, type, group: "control", payload, timestamp,
 * requiresAck?}` or an ACK frame `{"ack": id}`.
 *
 * Host → player
 * - `heartbeat` every heartbeat period: `{processId: hostId, status: "ping", seq, sentAt}`; the
 *   player answers `heartbeat` `{processId: playerId, status: "pong", seq, sentAt}` (sentAt
 *   echoed) — the round trip is the peer's RTT.
 * - `command` with ACK and retry: `{command: "notice", args: [{text}]}`, `{command: "kick",
 *   args: [{reason}]}`, `{command: "zone-change", args: [{zoneId, sessionId}]}`.
 * - `error` `{error, recoverable, code}` before the host closes the connection or drops a packet:
 *   codes `session_full`, `paused`, `kicked`, `too_slow`, `invalid_message`, `oversized`,
 *   `host_closing`.
 * Player → host
 * - `heartbeat` pong (above) or its own ping (the host answers with a pong);
 * - `command` `{command: "leave"}`: the player leaves cleanly;
 * - anything else is answered with an `error` (`invalid_message`); a player that keeps sending
 *   garbage (more than 20 bad frames in a minute) or a frame over 16 KiB is dropped.
 */
import { z } from 'zod'
import type { Logger } from '../logging/logger'
import { MessageEndpoint, type EndpointErrorEvent } from '../messaging/endpoint'

export type RefusalCode = 'session_full' | 'paused' | 'kicked' | 'too_slow' | 'invalid_message' | 'oversized' | 'host_closing'

export const CONTROL_GROUP = 'control'
/** A control frame larger than this is refused and its sender dropped. */
export const MAX_CONTROL_FRAME_BYTES = 16 * 1024
const MAX_BAD_FRAMES_PER_MINUTE = 20

export interface ControlLinkOptions {
  hostId: string
  peerId: string
  /** Sends one text frame on the control channel; false when it is not open. */
  send(text: string): boolean
  ack: { timeoutMs: number; retries: number; delayMs: number }
  now: () => number
  log: Logger
  onPong(rttMs: number): void
  /** A bad frame; `fatal` when the player is to be dropped for it. */
  onInvalid(reason: string, fatal: boolean): void
  onLeave(): void
}

const PeerCommandSchema = z.object({ command: z.string().min(1).max(64), args: z.array(z.unknown()).max(16).default([]) })

export class ControlLink {
  private readonly endpoint: MessageEndpoint
  private seq = 0
  private readonly sent = new Map<number, number>()
  private bad: number[] = []
  private closed = false

  constructor(private readonly o: ControlLinkOptions) {
    this.endpoint = new MessageEndpoint({
      group: CONTROL_GROUP,
      send: (frame) => o.send(JSON.stringify(frame)),
      ackTimeoutMs: o.ack.timeoutMs,
      maxRetries: o.ack.retries,
      retryDelayMs: o.ack.delayMs,
      now: o.now,
      onError: (e) => this.onEndpointError(e)
    })
    this.endpoint.on('heartbeat', (p) => {
      if (p.status === 'pong') {
        const sentAt = typeof p.seq === 'number' ? this.sent.get(p.seq) : undefined
        if (sentAt !== undefined && typeof p.seq === 'number') {
          this.sent.delete(p.seq)
          this.o.onPong(Math.max(0, this.o.now() - sentAt))
        }
      } else if (p.status === 'ping') {
        void this.endpoint.send('heartbeat', { processId: this.o.hostId, status: 'pong', ...(p.seq !== undefined ? { seq: p.seq } : {}), ...(p.sentAt !== undefined ? { sentAt: p.sentAt } : {}) }).catch(() => undefined)
      }
    })
    this.endpoint.on(
      'command',
      (p) => {
        if (p.command === 'leave') {
          this.o.onLeave()
          return
        }
        throw new Error(`unknown command "${p.command}" (players may send: leave)`)
      },
      PeerCommandSchema
    )
    // A player's response/error to the host is only logged.
    this.endpoint.on('error', (p) => this.o.log.debug(`control error from ${this.o.peerId}: ${p.error}`))
    this.endpoint.on('response', () => undefined)
  }

  /** One text frame from the player. */
  receive(text: string): void {
    if (this.closed) return
    if (Buffer.byteLength(text) > MAX_CONTROL_FRAME_BYTES) {
      this.error('oversized', `control frame over ${MAX_CONTROL_FRAME_BYTES} bytes`)
      this.o.onInvalid(`control frame over ${MAX_CONTROL_FRAME_BYTES} bytes`, true)
      return
    }
    void this.endpoint.receive(text)
  }

  /** Sends a heartbeat ping (the pong gives the RTT). */
  ping(): void {
    if (this.closed) return
    const seq = ++this.seq
    const now = this.o.now()
    this.sent.set(seq, now)
    // Only the last few pings can still be answered in time.
    if (this.sent.size > 8) this.sent.delete(seq - 8)
    void this.endpoint.send('heartbeat', { processId: this.o.hostId, status: 'ping', seq, sentAt: now }).catch(() => undefined)
  }

  /** A command the player must ACK (retried per the ack settings); rejects without an ACK. */
  command(name: 'notice' | 'kick' | 'zone-change', arg: Record<string, unknown>): Promise<unknown> {
    return this.endpoint.send('command', { command: name, args: [arg] }, { requiresAck: true })
  }

  /** Tells the player why it is refused or what went wrong (no ACK expected). */
  error(code: RefusalCode, message: string): void {
    if (this.closed) return
    void this.endpoint.send('error', { error: message, recoverable: code === 'oversized' || code === 'invalid_message', code }).catch(() => undefined)
  }

  close(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.sent.clear()
    this.endpoint.close(reason)
  }

  private onEndpointError(e: EndpointErrorEvent): void {
    if (this.closed || e.stage === 'ack-timeout' || e.stage === 'send') return
    const now = this.o.now()
    this.bad = this.bad.filter((t) => now - t < 60_000)
    this.bad.push(now)
    const reason = `${e.stage === 'handler' ? 'refused' : 'invalid'} control message: ${e.error.slice(0, 200)}`
    if (this.bad.length > MAX_BAD_FRAMES_PER_MINUTE) {
      this.error('invalid_message', `too many invalid control messages (${this.bad.length} in a minute)`)
      this.o.onInvalid(`too many invalid control messages`, true)
      return
    }
    this.error('invalid_message', reason)
    this.o.onInvalid(reason, false)
  }
}
