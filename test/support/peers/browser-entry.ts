/**
 * The Chromium player page's script (bundled by browser-player.ts with esbuild): the same player
 * core as the Node players over the browser's own RTCPeerConnection and WebSocket. The test drives
 * it through `window.warpPlayers` with page.evaluate.
 */
import { Player, type JoinOptions, type PlayerEvent, type SendOptions, type SocketLike } from './player-core'
import { w3cRtc } from './rtc-w3c'

const players = new Map<string, Player>()
const events: (PlayerEvent & { player: string })[] = []

function get(peerId: string): Player {
  let p = players.get(peerId)
  if (!p) {
    const WS = (globalThis as unknown as { WebSocket: new (url: string) => SocketLike }).WebSocket
    p = new Player({ peerId, rtc: w3cRtc, socket: (url) => new WS(url), emit: (e) => events.push({ ...e, player: peerId }) })
    players.set(peerId, p)
  }
  return p
}

const api = {
  join: (peerId: string, opts: JoinOptions) => get(peerId).join(opts),
  send: (peerId: string, o: SendOptions) => get(peerId).send(o),
  stats: (peerId: string) => get(peerId).stats(),
  set: (peerId: string, o: { answerPongs?: boolean; ackCommands?: boolean }) => get(peerId).set(o),
  rawSignaling: (peerId: string, text: string) => get(peerId).rawSignaling(text),
  rawControl: (peerId: string, text: string) => get(peerId).rawControl(text),
  rawData: (peerId: string, bytes: readonly number[]) => get(peerId).rawData(new Uint8Array(bytes)),
  close: (peerId: string) => get(peerId).close(),
  events: () => events.slice()
}
export type BrowserPlayersApi = typeof api
;(globalThis as unknown as { warpPlayers: BrowserPlayersApi }).warpPlayers = api
