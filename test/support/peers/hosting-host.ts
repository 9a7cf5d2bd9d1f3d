/**
 * A WARP Host that hosts a zone, as a separate process: the BUILT headless runtime (out/, `npm run
 * build`) with the embedded coordinator, HOST_ZONES=<zone> and a known coordinator API key. It
 * finds the coordinator's address in the log, the zone's active session over REST (as a player
 * does) and waits until peer hosting shows the session open. The contract (`hosting.sessions`,
 * `hosting.kick` …) is called over the dashboard's WebSocket bridge.
 */
import fs from 'node:fs'
import type { HostedPeer, HostedSession, HostingSnapshot } from '../../../src/shared/contract'
import { bridgeCall, startHeadlessHost, type HeadlessHost } from '../../e2e/helpers/headless-host'
import { spawnPlayer, waitFor, type SessionTarget } from './players'

export const API_KEY = 'peer-hosting-test-key-0123456789'

export interface HostingHost {
  process: HeadlessHost
  pid: number
  /** http://127.0.0.1:PORT of the embedded coordinator. */
  coordinator: string
  zoneId: string
  target: SessionTarget
  output(): string
  /** A contract method over the bridge; throws on an error result. */
  call<T>(method: string, input?: unknown): Promise<T>
  snapshot(): Promise<HostingSnapshot>
  /** The hosted session of the target (throws if the host no longer lists it). */
  session(): Promise<HostedSession>
  peer(peerId: string): Promise<HostedPeer | undefined>
  stop(): Promise<void>
}

export async function startHostingHost(opts: { zoneId?: string; maxPlayers?: number; env?: Record<string, string>; warmUp?: boolean } = {}): Promise<HostingHost> {
  const zoneId = opts.zoneId ?? 'zone1'
  const proc = await startHeadlessHost({
    env: {
      HOST_ZONES: zoneId,
      COORDINATOR_API_KEY: API_KEY,
      COORDINATOR_HOST: '127.0.0.1',
      ...(opts.maxPlayers !== undefined ? { HOST_MAX_PLAYERS: String(opts.maxPlayers) } : {}),
      ...opts.env
    },
    readyTimeoutMs: 60_000
  })
  // If this process exits without stopping the host (an error, process.exit), the host goes too.
  const orphanGuard = (): void => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL')
  }
  process.once('exit', orphanGuard)
  const stop = async (): Promise<void> => {
    const t = setTimeout(() => proc.child.kill('SIGKILL'), 15_000)
    await proc.stop()
    clearTimeout(t)
    process.off('exit', orphanGuard)
    fs.rmSync(proc.dataDir, { recursive: true, force: true })
  }
  try {
    const coordinator = await waitFor(
      () => /(?:embedded coordinator registry at|serving the coordinator API at) (http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(proc.output())?.[1],
      'the embedded coordinator address in the log',
      30_000,
      () => proc.output().slice(-4000),
      200
    )
    // The registry allows ~100 requests a minute per client and path: poll gently.
    const active = await waitFor(
      async () => {
        const res = await fetch(`${coordinator}/api/v1/sessions/zone/${zoneId}/active`, { headers: { 'X-API-Key': API_KEY } }).catch(() => null)
        if (!res || res.status !== 200) return null
        const list = (await res.json()) as { session_id: string; host_id: string; status: string }[]
        return list.find((s) => s.status === 'active') ?? null
      },
      `an active session for ${zoneId}`,
      30_000,
      () => proc.output().slice(-4000),
      750
    )
    const call = async <T>(method: string, input?: unknown): Promise<T> => {
      const r = await bridgeCall(proc, method, input as never)
      if (!r.ok) throw new Error(`${method} failed: ${JSON.stringify(r.error)}`)
      return r.value as T
    }
    const snapshot = (): Promise<HostingSnapshot> => call<HostingSnapshot>('hosting.sessions')
    const session = async (): Promise<HostedSession> => {
      const s = (await snapshot()).sessions.find((x) => x.sessionId === active.session_id)
      if (!s) throw new Error(`the host does not list session ${active.session_id}`)
      return s
    }
    await waitFor(
      async () => (await snapshot()).sessions.some((s) => s.sessionId === active.session_id && s.state === 'open'),
      'peer hosting to show the session open',
      30_000,
      async () => ({ snapshot: await snapshot().catch(String), log: proc.output().slice(-3000) }),
      250
    )
    const url = new URL(coordinator)
    const target = { signalingUrl: `ws://${url.host}/api/v1/signaling/ws`, sessionId: active.session_id, hostId: active.host_id }
    if (opts.warmUp !== false) {
      // One libdatachannel player joins and leaves first. A cold host (JIT, first DTLS certificate)
      // answers STUN checks slowly, and werift players give ICE up after ~1.5 s of unanswered
      // checks ("connection failed" of the first werift player now and then otherwise).
      const warm = await spawnPlayer('ndc', 'warm-up')
      try {
        await warm.join(target, { offerFirst: false, index: 0xfffe })
        await waitFor(async () => (await warm.stats()).state === 'open', 'the warm-up player to connect', 30_000, () => warm.stats(), 100)
        await warm.close()
      } finally {
        await warm.proc.stop()
      }
      await waitFor(
        async () => !(await snapshot()).sessions.some((s) => s.peers.some((p) => p.peerId === 'warm-up')),
        'the host to let the warm-up player go',
        30_000,
        () => snapshot(),
        200
      )
    }
    return {
      process: proc,
      pid: proc.child.pid ?? -1,
      coordinator,
      zoneId,
      target,
      output: proc.output,
      call,
      snapshot,
      session,
      peer: async (peerId) => (await session()).peers.find((p) => p.peerId === peerId),
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** CPU time (user + system, in clock ticks → ms) and RSS (bytes) of a process, from /proc/<pid>/stat. */
export function procStat(pid: number): { cpuMs: number; rssBytes: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state): utime is field 14, stime 15, rss 24 (pages).
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    const rssPages = Number(fields[21])
    const ticks = 100 // sysconf(_SC_CLK_TCK) on Linux
    return { cpuMs: ((utime + stime) * 1000) / ticks, rssBytes: rssPages * 4096 }
  } catch {
    return null
  }
}
