/**
 * The inbox's hot-path file operations on a real folder: the worker thread (WorkerFileIo, the
 * app's) answers exactly what ASYNC_IO answers for every kind of file — a message, a file gone, a
 * symlink, a folder, a FIFO, a file too big, a file of another user — both write through a
 * temporary name (0600, no temporary left) and remove a file already gone without complaint; the
 * worker writes and removes in the order asked without waiting in between, and after close() its
 * calls run on libuv's pool.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WorkerFileIo } from '../../../src/main/inbox/file-worker'
import { ASYNC_IO, currentUid, type FileIo } from '../../../src/main/inbox/files'
import { tempDir } from './harness'

const dirs: string[] = []
const workers: WorkerFileIo[] = []
afterEach(async () => {
  for (const w of workers.splice(0)) await w.close()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** A worker of its own for the test (closed after it). */
function worker(): WorkerFileIo {
  const w = new WorkerFileIo()
  workers.push(w)
  return w
}

function folder(): string {
  const d = tempDir('files')
  dirs.push(d)
  return d
}

describe.each([
  ['WorkerFileIo', worker],
  ['ASYNC_IO', () => ASYNC_IO]
] as [string, () => FileIo][])('%s', (_name, make) => {
  it('reads a message, and tells a file gone, a symlink, a folder, a FIFO and a file too big apart', async () => {
    const io = make()
    const d = folder()
    const uid = currentUid()
    fs.writeFileSync(path.join(d, 'm.json'), '{"a":1}')
    const ok = await io.read(path.join(d, 'm.json'), 1024, uid)
    expect(ok).toMatchObject({ kind: 'ok', text: '{"a":1}' })
    expect(ok.kind === 'ok' && ok.mtimeMs).toBeGreaterThan(0)
    expect(await io.read(path.join(d, 'gone.json'), 1024, uid)).toEqual({ kind: 'gone' })
    fs.symlinkSync(path.join(d, 'm.json'), path.join(d, 'link.json'))
    expect(await io.read(path.join(d, 'link.json'), 1024, uid)).toEqual({ kind: 'not-a-file' })
    fs.mkdirSync(path.join(d, 'dir.json'))
    expect(await io.read(path.join(d, 'dir.json'), 1024, uid)).toEqual({ kind: 'not-a-file' })
    if (process.platform !== 'win32') {
      execFileSync('mkfifo', [path.join(d, 'fifo.json')])
      expect(await io.read(path.join(d, 'fifo.json'), 1024, uid)).toEqual({ kind: 'not-a-file' }) // and it did not block
    }
    expect(await io.read(path.join(d, 'm.json'), 3, uid)).toEqual({ kind: 'too-big', size: 7 })
  })

  it.skipIf(currentUid() === null)('refuses a file whose owner is not the given user, unread', async () => {
    const io = make()
    const d = folder()
    fs.writeFileSync(path.join(d, 'm.json'), '{}')
    const other = (currentUid() ?? 0) + 1
    expect(await io.read(path.join(d, 'm.json'), 1024, other)).toEqual({ kind: 'refused', ownerUid: currentUid() })
  })

  it('writes through a temporary name (0600, none left behind) and removes a file, also one already gone', async () => {
    const io = make()
    const d = folder()
    await io.writeAtomic(d, 'x.ack', '{"ack":"x"}')
    expect(fs.readFileSync(path.join(d, 'x.ack'), 'utf8')).toBe('{"ack":"x"}')
    if (process.platform !== 'win32') expect(fs.statSync(path.join(d, 'x.ack')).mode & 0o777).toBe(0o600)
    expect(fs.readdirSync(d)).toEqual(['x.ack'])
    await io.remove(path.join(d, 'x.ack'))
    await io.remove(path.join(d, 'x.ack'))
    expect(fs.readdirSync(d)).toEqual([])
    await expect(io.writeAtomic(path.join(d, 'no-such-folder'), 'y.ack', '{}')).rejects.toThrow(/ENOENT/)
    expect(fs.readdirSync(d)).toEqual([])
  })
})

describe('WorkerFileIo', () => {
  it('writes and removes in the order asked without waiting in between (an ACK, then the removal of its message)', async () => {
    const io = worker()
    expect(io.ordered).toBe(true)
    const d = folder()
    fs.writeFileSync(path.join(d, 'm.json'), '{}')
    // Asked together, done in order: a write, a removal, the same name written again and removed.
    const asked = [io.writeAtomic(d, 'm.ack', '{"ack":"m"}'), io.remove(path.join(d, 'm.json')), io.writeAtomic(d, 'again', '1'), io.remove(path.join(d, 'again'))]
    expect(fs.existsSync(path.join(d, 'm.json'))).toBe(true) // nothing done on this thread
    await Promise.all(asked)
    expect(await io.read(path.join(d, 'm.json'), 1024, currentUid())).toEqual({ kind: 'gone' })
    expect(await io.read(path.join(d, 'm.ack'), 1024, currentUid())).toMatchObject({ kind: 'ok', text: '{"ack":"m"}' })
    expect(fs.readdirSync(d)).toEqual(['m.ack'])
    // Many at once: every one answered, none lost.
    const names = Array.from({ length: 500 }, (_, i) => `n${i}.json`)
    await Promise.all(names.map((n) => io.writeAtomic(d, n, n)))
    const texts = await Promise.all(names.map((n) => io.read(path.join(d, n), 1024, currentUid())))
    expect(texts.map((t) => (t.kind === 'ok' ? t.text : t.kind))).toEqual(names)
  })

  it('if its thread dies with a batch out, that batch is done on libuv’s pool: nothing asked is lost', async () => {
    const io = worker()
    const d = folder()
    fs.writeFileSync(path.join(d, 'm.json'), '{}')
    const asked = [io.writeAtomic(d, 'm.ack', '{"ack":"m"}'), io.remove(path.join(d, 'm.json'))]
    // The batch goes out after this turn; the thread is ended right after it was posted.
    await new Promise((r) => setImmediate(r))
    await (io as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate()
    await Promise.all(asked)
    expect(io.ordered).toBe(false)
    expect(fs.readdirSync(d)).toEqual(['m.ack'])
    expect(fs.readFileSync(path.join(d, 'm.ack'), 'utf8')).toBe('{"ack":"m"}')
  })

  it('after close() its calls run on libuv’s pool', async () => {
    const io = worker()
    const d = folder()
    await io.close()
    expect(io.ordered).toBe(false)
    await io.writeAtomic(d, 'late.ack', 'x')
    expect(await io.read(path.join(d, 'late.ack'), 1024, currentUid())).toMatchObject({ kind: 'ok', text: 'x' })
    await io.remove(path.join(d, 'late.ack'))
    expect(fs.readdirSync(d)).toEqual([])
  })
})
