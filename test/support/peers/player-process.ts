/**
 * A player process: one or more test players (libdatachannel or werift) in their own process and
 * event loop, driven by JSON lines on stdin; answers and events are JSON lines on stdout.
 *
 *   tsx test/support/peers/player-process.ts ndc|werift
 *
 * In:  {"id":1,"cmd":"join","player":"p1","opts":{signalingUrl,sessionId,hostId,offerFirst,index}}
 *      cmd: join | send {count,rate,size} | stop-sending | stats | stats-all | set {answerPongs?,ackCommands?}
 *           | raw {channel:'signaling'|'control'|'data', text?|base64?} | control {type,payload,requiresAck?}
 *           | close | usage | exit
 * Out: {"id":1,"ok":true,"result":…} · {"id":1,"ok":false,"error":"…"} · {"event":"open","player":"p1",…}
 * The first line is {"event":"ready","impl":…,"pid":…}. SIGKILL it to make its players vanish.
 */
import readline from 'node:readline'
import nodeDataChannel from 'node-datachannel'
import WebSocket from 'ws'
import { Player, type RtcFactory, type SocketLike } from './player-core'
import { ndcRtc } from './rtc-ndc'
import { weriftRtc } from './rtc-werift'

export type PlayerImpl = 'ndc' | 'werift'

const impl = (process.argv[2] ?? 'ndc') as PlayerImpl
if (impl !== 'ndc' && impl !== 'werift') {
  process.stderr.write(`unknown player implementation ${impl} (ndc | werift)\n`)
  process.exit(2)
}
const rtc: RtcFactory = impl === 'ndc' ? ndcRtc : weriftRtc
const players = new Map<string, Player>()

function out(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

function get(name: unknown): Player {
  if (typeof name !== 'string' || name === '') throw new Error('player required')
  let p = players.get(name)
  if (!p) {
    p = new Player({
      peerId: name,
      rtc,
      socket: (url) => new WebSocket(url, { perMessageDeflate: false }) as unknown as SocketLike,
      emit: (e) => out({ ...e, player: name })
    })
    players.set(name, p)
  }
  return p
}

type Cmd = { id: number; cmd: string; player?: string } & Record<string, unknown>

async function handle(c: Cmd): Promise<unknown> {
  switch (c.cmd) {
    case 'join':
      return await get(c.player).join(c.opts as Parameters<Player['join']>[0])
    case 'send':
      return await get(c.player).send({ count: Number(c.count), rate: Number(c.rate), size: Number(c.size), ...(c.maxBuffered !== undefined ? { maxBuffered: Number(c.maxBuffered) } : {}) })
    case 'stop-sending':
      get(c.player).stopSending()
      return true
    case 'stats':
      return get(c.player).stats()
    case 'stats-all':
      return [...players.values()].map((p) => p.stats())
    case 'set':
      get(c.player).set(c as { answerPongs?: boolean; ackCommands?: boolean })
      return true
    case 'raw': {
      const p = get(c.player)
      if (c.channel === 'signaling') return p.rawSignaling(String(c.text))
      if (c.channel === 'control') return p.rawControl(typeof c.text === 'string' ? c.text : Buffer.from(String(c.base64), 'base64').toString('latin1'))
      if (c.channel === 'data') return p.rawData(typeof c.base64 === 'string' ? new Uint8Array(Buffer.from(c.base64, 'base64')) : new TextEncoder().encode(String(c.text)))
      throw new Error(`unknown channel ${String(c.channel)}`)
    }
    case 'control':
      return get(c.player).sendControl(String(c.type), c.payload, c.requiresAck === true)
    case 'close':
      get(c.player).close()
      return true
    case 'usage':
      return { cpu: process.cpuUsage(), rss: process.memoryUsage().rss }
    case 'exit':
      for (const p of players.values()) p.close('process exit')
      setTimeout(() => {
        if (impl === 'ndc') nodeDataChannel.cleanup()
        process.exit(0)
      }, 50)
      return true
    default:
      throw new Error(`unknown command ${c.cmd}`)
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return
  let c: Cmd
  try {
    c = JSON.parse(line) as Cmd
  } catch {
    out({ event: 'bad-command', line: line.slice(0, 200) })
    return
  }
  handle(c).then(
    (result) => out({ id: c.id, ok: true, result }),
    (err: unknown) => out({ id: c.id, ok: false, error: err instanceof Error ? err.message : String(err) })
  )
})
process.stdin.on('end', () => {
  // The driver went away: leave nothing behind.
  for (const p of players.values()) p.close('driver gone')
  if (impl === 'ndc') nodeDataChannel.cleanup()
  process.exit(0)
})
process.on('uncaughtException', (err) => process.stderr.write(`uncaught: ${err.stack ?? String(err)}\n`))
process.on('unhandledRejection', (err) => process.stderr.write(`unhandled rejection: ${String(err)}\n`))
/**
 * werift: one throw-away offer before `ready` (loads the stack, JIT-warms it, makes its DTLS
 * certificate), so a join does not start with ~1 s of CPU while the host's ICE checks are timing:
 * werift gives ICE up after ~1.5 s of unanswered checks (4 retransmissions).
 */
async function warmUp(): Promise<void> {
  if (impl !== 'werift') return
  const { RTCPeerConnection } = await import('werift')
  const pc = new RTCPeerConnection({ iceServers: [] })
  pc.createDataChannel('warm-up')
  await pc.setLocalDescription(await pc.createOffer())
  await pc.close()
}
warmUp().then(
  () => out({ event: 'ready', impl, pid: process.pid }),
  (err: unknown) => {
    process.stderr.write(`warm-up failed: ${String(err)}\n`)
    out({ event: 'ready', impl, pid: process.pid })
  }
)
