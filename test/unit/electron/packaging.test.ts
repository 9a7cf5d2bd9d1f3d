/**
 * Packaging, checked without building installers (no Electron download here): electron-builder.yml
 * passes electron-builder's own schema validation and keeps the security-relevant settings (fuses,
 * asar, better-sqlite3 unpacked, native rebuild, targets per OS, update feed); the icons are real
 * PNGs of the right sizes; the CI workflow builds each OS on its own runner; npm install never
 * downloads anything.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import YAML from 'yaml'
import type { Configuration } from 'electron-builder'

const root = path.resolve(__dirname, '../../..')
const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8')

function loadBuilderConfig(): Configuration {
  return YAML.parse(read('electron-builder.yml')) as Configuration
}

/** Width and height from a PNG's IHDR chunk (and a check that it is a PNG at all). */
function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file)
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is a PNG`).toBe(true)
  expect(b.subarray(12, 16).toString('ascii')).toBe('IHDR')
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's schema validation", async () => {
    const { getConfig, validateConfiguration } = await import('app-builder-lib/out/util/config/config')
    const { DebugLogger } = await import('builder-util')
    const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null)
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('sets the fuses: no run-as-node, NODE_OPTIONS or --inspect; asar only, integrity checked; cookies encrypted', () => {
    expect(loadBuilderConfig().electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true
    })
  })

  it('ships the build output in asar with better-sqlite3 unpacked and rebuilt for Electron', () => {
    const c = loadBuilderConfig()
    expect(c.appId).toBeTruthy()
    expect(c.productName).toBe('WARP Host')
    expect(c.files).toContain('out/**')
    expect(c.asar).not.toBe(false)
    expect(c.asarUnpack).toContain('**/node_modules/better-sqlite3/**')
    expect(c.npmRebuild).toBe(true)
  })

  it('builds NSIS on Windows, dmg+zip (hardened) on macOS, AppImage+deb on Linux', () => {
    const c = loadBuilderConfig()
    const targets = (t: unknown): string[] => (Array.isArray(t) ? t : [t]).map((x) => (typeof x === 'string' ? x : (x as { target: string }).target))
    expect(targets(c.win?.target)).toEqual(['nsis'])
    expect(targets(c.mac?.target)).toEqual(['dmg', 'zip'])
    expect(c.mac?.hardenedRuntime).toBe(true)
    expect(c.mac?.category).toMatch(/^public\.app-category\./)
    expect(fs.existsSync(path.join(root, String(c.mac?.entitlements)))).toBe(true)
    expect(targets(c.linux?.target)).toEqual(['AppImage', 'deb'])
    expect(c.linux?.category).toBeTruthy()
    expect(c.linux?.maintainer).toMatch(/<.+@.+>/) // deb needs a maintainer with an email
  })

  it('publishes a generic update feed whose URL comes from the environment', () => {
    const publish = loadBuilderConfig().publish as { provider: string; url: string }
    expect(publish.provider).toBe('generic')
    expect(publish.url).toBe('${env.WARP_HOST_UPDATE_URL}')
  })

  it('the appId is the Windows AppUserModelID the app sets (notifications need them equal)', () => {
    const m = /APP_USER_MODEL_ID = '([^']+)'/.exec(read('src/main/index.ts'))
    expect(m?.[1]).toBe(loadBuilderConfig().appId)
  })

  it('ships the tray icons next to the app (extraResources → <resources>/resources)', () => {
    const extra = loadBuilderConfig().extraResources as { from: string; to: string; filter: string[] }[]
    expect(extra).toContainEqual({ from: 'resources', to: 'resources', filter: expect.arrayContaining(['icon.png', 'tray-*.png']) })
  })
})

describe('icons', () => {
  it('the app icon is a 512x512 PNG', () => {
    expect(pngSize(path.join(root, 'resources/icon.png'))).toEqual({ width: 512, height: 512 })
  })

  it.each(['idle', 'active', 'error'])('tray-%s is 32x32 with a 64x64 @2x', (state) => {
    expect(pngSize(path.join(root, `resources/tray-${state}.png`))).toEqual({ width: 32, height: 32 })
    expect(pngSize(path.join(root, `resources/tray-${state}@2x.png`))).toEqual({ width: 64, height: 64 })
  })
})

describe('CI workflow', () => {
  interface Workflow {
    jobs: Record<string, { 'runs-on': string; strategy: { matrix: { include: { os: string; target: string }[] } }; steps: { run?: string; uses?: string }[] }>
  }

  it('builds each OS on its own runner: install, build, native rebuild, electron-builder, upload', () => {
    const wf = YAML.parse(read('.github/workflows/build.yml')) as Workflow
    const job = Object.values(wf.jobs)[0]
    if (!job) throw new Error('no job')
    expect(job.strategy.matrix.include.map((i) => i.os).sort()).toEqual(['macos-latest', 'ubuntu-latest', 'windows-latest'])
    const runs = job.steps.map((s) => s.run ?? s.uses ?? '').join('\n')
    for (const step of ['npm ci', 'npm run build', 'rebuild-native.mjs electron', 'electron-builder ${{ matrix.target }}', 'actions/upload-artifact']) {
      expect(runs).toContain(step)
    }
  })
})

describe('npm install stays offline', () => {
  it('has no install/postinstall script (nothing that downloads Electron or its headers)', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[hook], hook).toBeUndefined()
    expect(pkg.scripts.start).toBe('node scripts/start-desktop.mjs')
    expect(pkg.scripts['rebuild:electron']).toBe('node scripts/rebuild-native.mjs electron')
  })
})
