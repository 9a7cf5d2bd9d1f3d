/**
 * Real local HTTP servers for the HTTP client and handler tests (127.0.0.1, port 0): a scripted
 * stub that records every request, a port that refuses connections, and helpers for time-free
 * tests (a fake clock whose sleep advances it).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

export type StubReply = (req: RecordedRequest, res: http.ServerResponse, index: number) => void | Promise<void>

export interface Stub {
  /** "http://127.0.0.1:PORT" */
  url: string
  port: number
  requests: RecordedRequest[]
  /** Replace the reply function. */
  reply(fn: StubReply): void
  /** Responses parked by `hang()` replies: release them (or they are destroyed on close). */
  held: http.ServerResponse[]
  close(): Promise<void>
}

export async function startStub(initial: StubReply = (_req, res) => json(res, 200, { ok: true })): Promise<Stub> {
  let replyFn = initial
  const requests: RecordedRequest[] = []
  const held: http.ServerResponse[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      requests.push(rec)
      void Promise.resolve(replyFn(rec, res, requests.length - 1)).catch((err: unknown) => {
        res.statusCode = 599
        res.end(String(err))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    held,
    reply(fn) {
      replyFn = fn
    },
    async close() {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(text)
}

export function text(res: http.ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType })
  res.end(body)
}

/** A reply that never answers (until the stub closes): for timeout tests. */
export function hang(stub: Stub): StubReply {
  return (_req, res) => {
    stub.held.push(res)
  }
}

/** A URL on 127.0.0.1 where nothing listens (a port just released). */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/** A manual monotonic clock; `sleep` advances it instead of waiting and records each delay. */
export class FakeClock {
  now = 0
  readonly sleeps: number[] = []
  readonly clock = (): number => this.now
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(new Error('aborted'))
    this.sleeps.push(ms)
    this.now += ms
    return Promise.resolve()
  }
  advance(ms: number): void {
    this.now += ms
  }
}
