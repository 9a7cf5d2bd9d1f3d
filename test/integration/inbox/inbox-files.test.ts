/**
 * The inbox's hot-path file operations on a real folder: SYNC_IO (the app's) answers exactly what
 * ASYNC_IO answers for every kind of file — a message, a file gone, a symlink, a folder, a FIFO,
 * a file too big, a file of another user — and both write through a temporary name (0600, no
 * temporary left) and remove a file already gone without complaint.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ASYNC_IO, currentUid, SYNC_IO, type FileIo } from '../../../src/main/inbox/files'
import { tempDir } from './harness'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function folder(): string {
  const d = tempDir('files')
  dirs.push(d)
  return d
}

describe.each([
  ['SYNC_IO', SYNC_IO],
  ['ASYNC_IO', ASYNC_IO]
] as [string, FileIo][])('%s', (_name, io) => {
  it('reads a message, and tells a file gone, a symlink, a folder, a FIFO and a file too big apart', async () => {
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
    const d = folder()
    fs.writeFileSync(path.join(d, 'm.json'), '{}')
    const other = (currentUid() ?? 0) + 1
    expect(await io.read(path.join(d, 'm.json'), 1024, other)).toEqual({ kind: 'refused', ownerUid: currentUid() })
  })

  it('writes through a temporary name (0600, none left behind) and removes a file, also one already gone', async () => {
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
