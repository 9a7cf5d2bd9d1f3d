/**
 * Every headless launch runs with the same V8 flags: the bin's shebang is the source, and
 * `npm run headless`, the README's systemd and Docker examples say the same.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { headlessNodeFlags } from '../../support/headless-flags'

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

  it("the README's systemd and Docker examples use them", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
    expect(readme).toContain(`ExecStart=/usr/bin/node ${flags.join(' ')} /opt/warp-host/bin/warp-host.mjs`)
    expect(readme).toContain(`CMD ["node", ${flags.map((f) => JSON.stringify(f)).join(', ')}, "bin/warp-host.mjs"`)
  })
})
