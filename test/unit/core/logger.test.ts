import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LogSink } from '../../../src/main/logging/logger'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })))

describe('LogSink', () => {
  it('filters by level and formats text and json', () => {
    const lines: string[] = []
    const sink = new LogSink({ level: 'info', format: 'text', dir: null, write: (l) => lines.push(l) })
    const log = sink.logger('ai-ipc')
    log.debug('hidden')
    log.info('claimed batch', { rows: 50 })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/INFO +\[ai-ipc\] claimed batch rows=50$/)
    sink.setFormat('json')
    log.warn('slow', { ms: 12, err: new Error('boom') })
    const parsed = JSON.parse(lines[1]!) as Record<string, unknown>
    expect(parsed).toMatchObject({ level: 'warn', scope: 'ai-ipc', msg: 'slow', fields: { ms: 12, err: { error: 'boom' } } })
  })

  it('tails with level, search and afterSeq, and notifies listeners', () => {
    const sink = new LogSink({ level: 'debug', format: 'text', dir: null, write: () => {}, ringSize: 10 })
    const got: number[] = []
    sink.onEntry((e) => got.push(e.seq))
    const log = sink.logger('x')
    for (let i = 0; i < 25; i++) (i % 5 === 0 ? log.error : log.info)(`line ${i}`, { i })
    expect(got).toHaveLength(25)
    const tail = sink.tail({ limit: 100 })
    expect(tail.map((e) => e.msg)).toEqual(Array.from({ length: 10 }, (_, k) => `line ${15 + k}`))
    expect(sink.tail({ level: 'error' }).map((e) => e.msg)).toEqual(['line 15', 'line 20'])
    expect(sink.tail({ search: 'LINE 2' }).map((e) => e.msg)).toEqual(['line 20', 'line 21', 'line 22', 'line 23', 'line 24'])
    expect(sink.tail({ afterSeq: 23 }).map((e) => e.seq)).toEqual([24, 25])
    expect(sink.tail({ limit: 2 }).map((e) => e.seq)).toEqual([24, 25])
  })

  it('writes a rotating file with a size cap', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-log-'))
    dirs.push(dir)
    const sink = new LogSink({ level: 'info', format: 'text', dir, write: () => {}, maxFileBytes: 2000, maxFiles: 2 })
    const log = sink.logger('rot')
    for (let i = 0; i < 200; i++) log.info('x'.repeat(50), { i })
    sink.closeFile()
    const files = fs.readdirSync(dir).sort()
    expect(files).toEqual(['warp-host.log', 'warp-host.log.1', 'warp-host.log.2'])
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(2000)
    const last = fs.readFileSync(path.join(dir, 'warp-host.log'), 'utf8').trim().split('\n').pop()!
    expect(JSON.parse(last)).toMatchObject({ scope: 'rot', fields: { i: 199 } })
  })
})
