/**
 * The settings of a headless launch, read from the `warp-host` bin's shebang (the one place they
 * are written; see bin/warp-host.mjs for why they are there): environment variables, then node
 * flags — `#!/usr/bin/env -S NAME=value … node --flag …`.
 */
import fs from 'node:fs'
import path from 'node:path'

export const BIN_PATH = path.resolve(__dirname, '../../bin/warp-host.mjs')

function shebang(): { env: Record<string, string>; flags: string[] } {
  const line = fs.readFileSync(BIN_PATH, 'utf8').split('\n', 1)[0] ?? ''
  const m = /^#!\/usr\/bin\/env -S((?: [A-Z_]+=\S+)*) node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(line)
  if (!m) throw new Error(`bin/warp-host.mjs: unexpected shebang ${JSON.stringify(line)}`)
  const words = (s: string): string[] => s.split(' ').filter((a) => a !== '')
  return { env: Object.fromEntries(words(m[1]!).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)])), flags: words(m[2]!) }
}

export function headlessNodeFlags(): string[] {
  return shebang().flags
}

export function headlessEnv(): Record<string, string> {
  return shebang().env
}
