/**
 * The V8 flags of a headless launch, read from the `warp-host` bin's shebang (the one place they
 * are written; see bin/warp-host.mjs for why they are there).
 */
import fs from 'node:fs'
import path from 'node:path'

export const BIN_PATH = path.resolve(__dirname, '../../bin/warp-host.mjs')

export function headlessNodeFlags(): string[] {
  const shebang = fs.readFileSync(BIN_PATH, 'utf8').split('\n', 1)[0] ?? ''
  const m = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(shebang)
  if (!m) throw new Error(`bin/warp-host.mjs: unexpected shebang ${JSON.stringify(shebang)}`)
  return m[1]!.split(' ').filter((a) => a !== '')
}
