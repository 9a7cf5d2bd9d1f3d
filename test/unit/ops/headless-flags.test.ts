/**
 * Every headless launch runs with the same V8 flags: the bin's shebang is the source, and
 * `npm run headless`, the README's systemd and Docker examples say the same.
 */
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { BIN_PATH, headlessEnv, headlessNodeFlags } from '../../support/headless-flags'

const root = path.resolve(__dirname, '../../..')

describe('headless launch flags', () => {
  const flags = headlessNodeFlags()

  it('the bin names the young-generation cap', () => {
    expect(flags).toContain('--max-semi-space-size=8')
  })

  it('npm run headless uses them', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts['headless']).toBe(`node ${flags.join(' ')} scripts/headless.mjs`)
  })

  it('the bin sets glibc to give freed memory back', () => {
    expect(headlessEnv()).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' })
  })

  it("the README's systemd and Docker examples use them", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
    const vars = Object.entries(headlessEnv())
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
    expect(readme).toContain(`ExecStart=/usr/bin/node ${flags.join(' ')} /opt/warp-host/bin/warp-host.mjs`)
    expect(readme).toContain(`Environment=${vars}\n`)
    expect(readme).toContain(`CMD ["node", ${flags.map((f) => JSON.stringify(f)).join(', ')}, "bin/warp-host.mjs"`)
    expect(readme).toContain(`ENV ${vars}\n`)
  })

  it.skipIf(process.platform === 'win32')('the shebang line, as env runs it, gives node those flags and that environment', () => {
    const line = fs.readFileSync(BIN_PATH, 'utf8').split('\n', 1)[0]!.slice('#!/usr/bin/env -S '.length)
    const probe = 'console.log(JSON.stringify([process.execArgv, process.env.MALLOC_MMAP_THRESHOLD_, process.env.MALLOC_TRIM_THRESHOLD_]))'
    const out = execFileSync('/usr/bin/env', ['-S', `${line} -e '${probe}'`], { encoding: 'utf8' })
    const [execArgv, ...vars] = JSON.parse(out) as [string[], string, string]
    // (execArgv also holds the -e and its script after the flags)
    expect([execArgv.slice(0, flags.length), ...vars]).toEqual([flags, '131072', '131072'])
  })
})
