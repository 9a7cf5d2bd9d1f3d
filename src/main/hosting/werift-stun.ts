/**
 * werift 0.25.2 asks Google's public STUN server when none is configured.
 *
 * Its ICE agent (`Connection`) falls back to `stun.l.google.com:19302` whenever the STUN server of
 * its options is missing — even for `iceServers: []`. For every connection the host would then look
 * up a public name and send a binding request to it: on a machine without internet (a LAN party, a
 * locked-down server) the lookup waits, and gathering waits for it up to werift's 5 s STUN timeout.
 * Measured here: 100 connections gathering at once, half of them took 5.1 s to set their local
 * description (the rest ~0.1 s); in bench:hosting a few of 50 players joining at once opened after
 * ~6.5 s instead of ~2 s. And a host must not tell a third party about every player without being
 * asked to. ICE servers come from Settings (`hosting.ice_servers`) and nowhere else.
 *
 * The fix keeps werift's own derivation of the STUN/TURN servers from its options and only drops
 * the fallback: with no STUN server configured there is none. It is applied once, to werift's
 * exported `Connection` class, before the first connection is made; the werift version is pinned
 * exactly, and a unit test fails if the method it wraps is gone.
 */
import { Connection, validateAddress } from 'werift'

interface ConnectionInternals {
  options: { stunServer?: unknown }
  stunServer?: unknown
}

type Derive = (this: ConnectionInternals) => void

const MARK = Symbol.for('warp-host.werift.noPublicStun')

/** True once werift's connections derive no STUN server from options without one. */
export function noPublicStunFallback(): boolean {
  const proto = Connection.prototype as unknown as Record<string | symbol, unknown>
  if (proto[MARK] === true) return true
  const original = proto['applyStunTurnServersFromOptions']
  if (typeof original !== 'function') return false
  const derive: Derive = function (this: ConnectionInternals) {
    ;(original as Derive).call(this)
    if (validateAddress(this.options.stunServer as never) === undefined) this.stunServer = undefined
  }
  proto['applyStunTurnServersFromOptions'] = derive
  proto[MARK] = true
  return true
}
