/**
 * Packaging, checked by what electron-builder would do with electron-builder.yml — without building
 * installers (no Electron download here): the config passes electron-builder's schema validation;
 * its fuse settings, turned into a fuse config by electron-builder and flipped by @electron/fuses
 * into a stand-in Electron binary, leave RunAsNode, NODE_OPTIONS and --inspect off and asar
 * integrity, asar-only loading and cookie encryption on; electron-builder's own file matchers put
 * the build output in the app, leave sources and source maps out, and unpack better-sqlite3's
 * native addon from asar; each OS gets its installer targets and architectures; the tray icons
 * are shipped; every production dependency with a native addon is unpacked; artifact names carry
 * version and arch; the update feed is consumed by electron-updater; one CSP everywhere (and in the
 * built HTML). Also: the icons are real PNGs of the right sizes; the CI workflow builds each OS on
 * its own runner, smoke-tests the packaged app and runs the security scan (whose gate is checked
 * here with made-up reports); npm install never downloads anything.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import YAML from 'yaml'
import type { Configuration } from 'electron-builder'
import type * as Fuses from '@electron/fuses'
import type { FuseConfig } from '@electron/fuses'
import { getFileMatchers } from 'app-builder-lib/out/fileMatcher'
import { PlatformPackager } from 'app-builder-lib'

const root = path.resolve(__dirname, '../../..')
const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8')
const tmpDirs: string[] = []
afterEach(() => tmpDirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })))

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

// ---- fuses -------------------------------------------------------------------------------------

/** @electron/fuses as electron-builder loads it (its own dependency). */
const fuses = createRequire(require.resolve('app-builder-lib/package.json'))('@electron/fuses') as typeof Fuses

/** The fuse wire of a stock Electron binary (Electron's documented defaults), by FuseV1Options name. */
const STOCK_WIRE: Record<string, boolean> = {
  RunAsNode: true,
  EnableCookieEncryption: false,
  EnableNodeOptionsEnvironmentVariable: true,
  EnableNodeCliInspectArguments: true,
  EnableEmbeddedAsarIntegrityValidation: false,
  OnlyLoadAppFromAsar: false,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: true
}
const FUSE_NAMES = Object.keys(STOCK_WIRE)
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX' // @electron/fuses' marker before the wire

/** A stand-in for the Electron executable: some bytes, the sentinel, version 1, the stock wire. */
function fakeElectronBinary(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-fuses-'))
  tmpDirs.push(dir)
  const wire = FUSE_NAMES.map((name) => (STOCK_WIRE[name] ? 0x31 : 0x30))
  const file = path.join(dir, 'electron')
  fs.writeFileSync(file, Buffer.concat([Buffer.alloc(64, 0xcc), Buffer.from(SENTINEL, 'ascii'), Buffer.from([1, wire.length, ...wire]), Buffer.alloc(64, 0xcc)]))
  return file
}

/** The fuse wire of a binary by name: true = enabled, false = disabled. */
async function readWire(file: string): Promise<Record<string, boolean>> {
  const wire = (await fuses.getCurrentFuseWire(file)) as unknown as Record<number, number>
  return Object.fromEntries(FUSE_NAMES.map((name) => [name, wire[fuses.FuseV1Options[name as keyof typeof fuses.FuseV1Options]] === 0x31]))
}

/** What electron-builder flips into the packaged binary for `electronFuses` (its own translation). */
async function fuseConfigFor(config: Configuration): Promise<FuseConfig> {
  const packager = PlatformPackager.prototype as unknown as { generateFuseConfig(f: Configuration['electronFuses']): Promise<FuseConfig> }
  return packager.generateFuseConfig(config.electronFuses)
}

// ---- files ---------------------------------------------------------------------------------------

const STAT_FILE = { isDirectory: () => false } as fs.Stats

/** electron-builder's filter for a file-set option ('files', 'asarUnpack', …) of this project. */
function matcherFor(config: Configuration, name: 'files' | 'asarUnpack' | 'extraResources'): (file: string) => boolean {
  const matchers = getFileMatchers(config, name, path.join(root, 'app'), {
    macroExpander: (p) => p,
    customBuildOptions: {},
    globalOutDir: path.join(root, 'release'),
    defaultSrc: root
  })
  const matcher = matchers?.[0]
  if (!matcher) throw new Error(`electron-builder.yml has no ${name}`)
  const filter = matcher.createFilter()
  return (rel) => filter(path.join(matcher.from, rel), STAT_FILE)
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's schema validation", async () => {
    const { getConfig, validateConfiguration } = await import('app-builder-lib/out/util/config/config')
    const { DebugLogger } = await import('builder-util')
    const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null)
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('flips the fuses of the packaged binary: no run-as-node, NODE_OPTIONS or --inspect; asar only, integrity checked; cookies encrypted; no file:// privileges', async () => {
    const binary = fakeElectronBinary()
    expect(await readWire(binary)).toEqual(STOCK_WIRE)
    await fuses.flipFuses(binary, await fuseConfigFor(loadBuilderConfig()))
    expect(await readWire(binary)).toEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      // the renderer is served over app://: file:// gets no extra privileges
      GrantFileProtocolExtraPrivileges: false,
      // not configured: Electron's default stays
      LoadBrowserProcessSpecificV8Snapshot: false
    })
  })

  it('the fuse check notices a config that leaves a fuse alone', async () => {
    const config = loadBuilderConfig()
    const { runAsNode: _dropped, ...rest } = config.electronFuses ?? {}
    const binary = fakeElectronBinary()
    await fuses.flipFuses(binary, await fuseConfigFor({ ...config, electronFuses: rest }))
    expect((await readWire(binary)).RunAsNode).toBe(true)
  })

  it('packs the build output (not sources or source maps) into asar', () => {
    const c = loadBuilderConfig()
    expect(c.asar).not.toBe(false)
    expect(c.productName).toBe('WARP Host')
    const packed = matcherFor(c, 'files')
    for (const f of ['out/main/index.js', 'out/main/headless.js', 'out/main/chunks/bootstrap-abc.js', 'out/preload/index.js', 'out/renderer/index.html', 'out/renderer/assets/index-abc.js']) {
      expect(packed(f), f).toBe(true)
    }
    for (const f of ['out/main/index.js.map', 'src/main/index.ts', 'test/unit/electron/packaging.test.ts', 'scripts/start-desktop.mjs', 'electron-builder.yml', 'README.md']) {
      expect(packed(f), f).toBe(false)
    }
  })

  it("unpacks better-sqlite3 from asar (its native addon must be a real file) and rebuilds it for Electron's ABI", () => {
    const c = loadBuilderConfig()
    const unpacked = matcherFor(c, 'asarUnpack')
    const addons = filesUnder(path.join(root, 'node_modules/better-sqlite3')).filter((f) => f.endsWith('.node'))
    expect(addons.length).toBeGreaterThan(0)
    for (const f of [...addons.map((a) => path.relative(root, a)), 'node_modules/better-sqlite3/package.json', 'node_modules/better-sqlite3/lib/index.js']) {
      expect(unpacked(f), f).toBe(true)
    }
    for (const f of ['node_modules/mysql2/index.js', 'node_modules/ws/index.js', 'out/main/index.js']) expect(unpacked(f), f).toBe(false)
    expect(c.npmRebuild).toBe(true)
  })

  it('builds NSIS (x64) on Windows, dmg+zip (x64 and arm64, hardened) on macOS, AppImage+deb (x64) on Linux', () => {
    const c = loadBuilderConfig()
    type T = { target: string; arch?: string[] }
    const targets = (t: unknown): Record<string, string[]> =>
      Object.fromEntries((Array.isArray(t) ? (t as (string | T)[]) : [t as string | T]).map((x) => (typeof x === 'string' ? [x, ['x64']] : [x.target, x.arch ?? ['x64']])))
    expect(targets(c.win?.target)).toEqual({ nsis: ['x64'] })
    expect(targets(c.mac?.target)).toEqual({ dmg: ['x64', 'arm64'], zip: ['x64', 'arm64'] })
    expect(c.mac?.hardenedRuntime).toBe(true)
    expect(c.mac?.category).toMatch(/^public\.app-category\./)
    expect(fs.existsSync(path.join(root, String(c.mac?.entitlements)))).toBe(true)
    expect(targets(c.linux?.target)).toEqual({ AppImage: ['x64'], deb: ['x64'] })
    expect(c.linux?.category).toBeTruthy()
    expect(c.linux?.maintainer).toMatch(/<.+@.+>/) // deb needs a maintainer with an email
  })

  it('publishes a generic update feed whose URL comes from the environment, and the app consumes it with electron-updater', () => {
    const publish = loadBuilderConfig().publish as { provider: string; url: string }
    expect(publish.provider).toBe('generic')
    expect(publish.url).toBe('${env.WARP_HOST_UPDATE_URL}')
    // The feed's consumer: the desktop entry loads electron-updater's autoUpdater (app-update.yml).
    expect(read('src/main/index.ts')).toMatch(/import\('electron-updater'\)/)
    expect(fs.existsSync(path.join(root, 'node_modules/electron-updater/package.json'))).toBe(true)
    // macOS updates from the zip: it must be built next to the dmg.
    const macTargets = (loadBuilderConfig().mac?.target as { target: string }[]).map((t) => t.target)
    expect(macTargets).toContain('zip')
  })

  it('names every artifact with the version and the architecture', () => {
    const c = loadBuilderConfig() as Configuration & Record<string, { artifactName?: string } | undefined>
    for (const key of ['win', 'mac', 'dmg', 'linux']) {
      const name = c[key]?.artifactName
      expect(name, key).toBeDefined()
      expect(name, key).toContain('${version}')
      expect(name, key).toContain('${arch}')
      expect(name, key).toContain('${ext}')
    }
  })

  it('unpacks from asar every production dependency with a native addon (walks the dependency tree)', () => {
    const c = loadBuilderConfig()
    const unpacked = matcherFor(c, 'asarUnpack')
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> }
    const seen = new Map<string, string>()
    const resolveDir = (name: string, from: string): string | null => {
      for (let d = from; ; d = path.dirname(d)) {
        const p = path.join(d, 'node_modules', name)
        if (fs.existsSync(path.join(p, 'package.json'))) return p
        if (path.dirname(d) === d) return null
      }
    }
    const walk = (name: string, from: string): void => {
      const dir = resolveDir(name, from)
      if (!dir || seen.has(dir)) return
      seen.set(dir, name)
      const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
      for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) walk(d, dir)
    }
    for (const d of Object.keys(pkg.dependencies)) walk(d, root)
    expect(seen.size).toBeGreaterThan(10)
    const native = [...seen.entries()].filter(([dir]) => fs.existsSync(path.join(dir, 'binding.gyp')) || fs.readdirSync(dir).some((f) => f.endsWith('.node')))
    expect(native.map(([, name]) => name)).toContain('better-sqlite3')
    for (const [dir, name] of native) {
      const rel = path.relative(fs.realpathSync(root), fs.realpathSync(dir)).split(path.sep).join('/')
      const inTree = rel.startsWith('node_modules/') ? rel : `node_modules/${name}`
      expect(unpacked(`${inTree}/package.json`), `${name} has a native addon: add it to asarUnpack`).toBe(true)
    }
    // werift (peer hosting) is pure JavaScript and stays packed; node-datachannel is a test peer only.
    expect(native.map(([, name]) => name)).not.toContain('werift')
    expect(pkg.dependencies['node-datachannel']).toBeUndefined()
    expect(pkg.devDependencies['node-datachannel']).toBeDefined()
    expect(unpacked('node_modules/werift/package.json')).toBe(false)
  })

  it('one CSP: the headless server and the Electron shell use the constant of src/shared/csp.ts, and no other policy is written anywhere', () => {
    expect(read('src/main/bridge/admin-server.ts')).toContain("res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)")
    expect(read('src/main/electron/app-protocol.ts')).toContain("headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY")
    expect(read('src/renderer/index.html')).toContain('content="%WARP_CSP%"')
    const offenders: string[] = []
    const scan = (dir: string): void => {
      for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`
        if (e.isDirectory()) scan(rel)
        else if (/\.(ts|tsx|html)$/.test(e.name) && rel !== 'src/shared/csp.ts' && /default-src|script-src/.test(read(rel))) offenders.push(rel)
      }
    }
    scan('src')
    expect(offenders).toEqual([])
  })

  it('the built index.html carries the one CSP (npm test builds first)', async () => {
    const built = path.join(root, 'out/renderer/index.html')
    expect(fs.existsSync(built), 'out/renderer/index.html is missing: run `npm run build`').toBe(true)
    const { CONTENT_SECURITY_POLICY_META } = await import('../../../src/shared/csp')
    const html = fs.readFileSync(built, 'utf8')
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY_META}"`)
    expect(html).not.toContain('%WARP_CSP%')
    expect(CONTENT_SECURITY_POLICY_META).not.toContain('unsafe-inline')
    expect(CONTENT_SECURITY_POLICY_META).not.toContain('frame-ancestors') // header-only directive
  })

  it('the appId is the Windows AppUserModelID the app sets (notifications need them equal)', () => {
    const m = /APP_USER_MODEL_ID = '([^']+)'/.exec(read('src/main/index.ts'))
    expect(m?.[1]).toBe(loadBuilderConfig().appId)
  })

  it('ships every icon the app loads next to it (extraResources → <resources>/resources), nothing else', () => {
    const c = loadBuilderConfig()
    const extra = c.extraResources as { from: string; to: string }[]
    expect(extra.map((e) => [e.from, e.to])).toEqual([['resources', 'resources']]) // paths.ts reads <resources>/resources
    const shipped = matcherFor(c, 'extraResources')
    const icons = fs.readdirSync(path.join(root, 'resources')).filter((f) => f.endsWith('.png'))
    expect(icons).toEqual(expect.arrayContaining(['icon.png', 'tray-idle.png', 'tray-idle@2x.png', 'tray-hosting.png', 'tray-hosting@2x.png', 'tray-error.png']))
    for (const f of icons) expect(shipped(f), f).toBe(true)
    expect(shipped('entitlements.mac.plist')).toBe(false)
  })
})

describe('icons', () => {
  it('the app icon is a 512x512 PNG', () => {
    expect(pngSize(path.join(root, 'resources/icon.png'))).toEqual({ width: 512, height: 512 })
  })

  it.each(['idle', 'hosting', 'error'])('tray-%s is 32x32 with a 64x64 @2x', (state) => {
    expect(pngSize(path.join(root, `resources/tray-${state}.png`))).toEqual({ width: 32, height: 32 })
    expect(pngSize(path.join(root, `resources/tray-${state}@2x.png`))).toEqual({ width: 64, height: 64 })
  })
})

describe('CI workflow', () => {
  interface Step {
    name?: string
    run?: string
    uses?: string
    if?: string
    env?: Record<string, string>
  }
  interface Job {
    'runs-on': string
    strategy?: { matrix: { include: { os: string; target: string }[] } }
    steps: Step[]
  }
  interface Workflow {
    jobs: Record<string, Job>
  }
  const workflow = (): Workflow => YAML.parse(read('.github/workflows/build.yml')) as Workflow
  const installers = (): Job => {
    const job = workflow().jobs.installers
    if (!job) throw new Error('no installers job')
    return job
  }
  const indexOf = (steps: Step[], match: (s: Step) => boolean, what: string): number => {
    const i = steps.findIndex(match)
    expect(i, what).toBeGreaterThanOrEqual(0)
    return i
  }

  it('builds each of the three OS on its own runner: install, build, native rebuild, electron-builder, upload', () => {
    const job = installers()
    expect(job['runs-on']).toBe('${{ matrix.os }}')
    const include = Object.fromEntries((job.strategy?.matrix.include ?? []).map((i) => [i.os, i.target]))
    expect(include).toEqual({ 'windows-latest': '--win', 'macos-latest': '--mac', 'ubuntu-latest': '--linux' })
    const runs = job.steps.map((s) => s.run ?? s.uses ?? '').join('\n')
    for (const step of ['npm ci', 'npm run build', 'rebuild-native.mjs electron', 'electron-builder ${{ matrix.target }}', 'actions/upload-artifact']) {
      expect(runs).toContain(step)
    }
  })

  it('runs the _electron smoke test on the PACKAGED app after packaging and before the upload, required (not skippable)', () => {
    const steps = installers().steps
    const pack = indexOf(steps, (s) => (s.run ?? '').includes('electron-builder ${{ matrix.target }}'), 'package step')
    const prepare = indexOf(steps, (s) => (s.run ?? '').includes('scripts/prepare-packaged-smoke.mjs'), 'prepare step')
    const smoke = indexOf(steps, (s) => (s.run ?? '').includes('test/e2e/packaged-smoke.test.ts'), 'packaged smoke step')
    const upload = indexOf(steps, (s) => (s.uses ?? '').startsWith('actions/upload-artifact'), 'upload step')
    expect(pack).toBeLessThan(prepare)
    expect(prepare).toBeLessThan(smoke)
    expect(smoke).toBeLessThan(upload)
    expect(steps[smoke]?.env?.WARP_REQUIRE_ELECTRON).toBe('1')
    expect(steps[smoke]?.if).toBeUndefined() // on every OS
    expect(steps[smoke]?.run).toContain('xvfb-run') // Linux needs a display for the tray and window
    expect(fs.existsSync(path.join(root, 'test/e2e/packaged-smoke.test.ts'))).toBe(true)
    // The smoke test checks what the issue asks: --hidden, tray, a contract call, a draining quit.
    const smokeTest = read('test/e2e/packaged-smoke.test.ts')
    for (const needle of ["args: ['--hidden']", "'shell.info'", "'app.status'", 'final statistics', 'stopped cleanly', 'isVisible()']) expect(smokeTest).toContain(needle)
    // The unpacked-build smoke test still runs before packaging.
    const devSmoke = indexOf(steps, (s) => (s.run ?? '').includes('test/e2e/electron-smoke.test.ts'), 'dev smoke step')
    expect(devSmoke).toBeLessThan(pack)
  })

  it('uploads the installers and the update feed files', () => {
    const upload = installers().steps.find((s) => (s.uses ?? '').startsWith('actions/upload-artifact')) as Step & { with: { path: string; 'if-no-files-found': string } }
    for (const p of ['*.exe', '*.dmg', '*.zip', '*.AppImage', '*.deb', '*.blockmap', 'latest*.yml']) expect(upload.with.path).toContain(p)
    expect(upload.with['if-no-files-found']).toBe('error')
  })

  it('runs an Electron security scan (electronegativity) that fails on findings not in the baseline', () => {
    const job = workflow().jobs['security-scan']
    expect(job).toBeDefined()
    const runs = (job?.steps ?? []).map((s) => s.run ?? '')
    const scan = runs.findIndex((r) => r.includes('@doyensec/electronegativity@') && r.includes('-o electronegativity.sarif'))
    const gate = runs.findIndex((r) => r.includes('scripts/electronegativity-gate.mjs electronegativity.sarif'))
    expect(scan).toBeGreaterThanOrEqual(0)
    expect(gate).toBeGreaterThan(scan)
    const baseline = JSON.parse(read('.github/electronegativity-baseline.json')) as { accepted: unknown[] }
    expect(Array.isArray(baseline.accepted)).toBe(true)
  })
})

describe('packaged smoke preparation (scripts/prepare-packaged-smoke.mjs)', () => {
  const script = path.join(root, 'scripts/prepare-packaged-smoke.mjs')
  /** A release folder with a stand-in linux-unpacked/warp-host whose fuse wire is `wire`. */
  const release = (wire: Record<string, boolean>): { dir: string; exe: string } => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-release-'))
    tmpDirs.push(base)
    const dir = path.join(base, '0.1.0')
    fs.mkdirSync(path.join(dir, 'linux-unpacked'), { recursive: true })
    const bytes = FUSE_NAMES.map((name) => (wire[name] ? 0x31 : 0x30))
    const exe = path.join(dir, 'linux-unpacked', 'warp-host')
    fs.writeFileSync(exe, Buffer.concat([Buffer.alloc(64, 0xcc), Buffer.from(SENTINEL, 'ascii'), Buffer.from([1, bytes.length, ...bytes]), Buffer.alloc(64, 0xcc)]))
    return { dir, exe }
  }

  it('copies the packaged app and turns only the inspector fuse on in the copy (Playwright needs it); the original keeps its fuses', async () => {
    const { dir, exe } = release(STOCK_WIRE)
    await fuses.flipFuses(exe, await fuseConfigFor(loadBuilderConfig())) // what electron-builder ships
    const shipped = await readWire(exe)
    const envFile = path.join(path.dirname(dir), 'github-env')
    const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8', env: { ...process.env, GITHUB_ENV: envFile } })
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0)
    const copy = path.join(path.dirname(dir), 'smoke', 'linux-unpacked', 'warp-host')
    expect(fs.readFileSync(envFile, 'utf8')).toBe(`WARP_PACKAGED_EXE=${copy}\n`)
    expect(await readWire(copy)).toEqual({ ...shipped, EnableNodeCliInspectArguments: true })
    expect(await readWire(exe)).toEqual(shipped)
  })

  it('refuses a packaged binary without the fuses electron-builder.yml asks for', () => {
    const { dir } = release(STOCK_WIRE)
    const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8', env: { ...process.env, GITHUB_ENV: '' } })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('does not have the fuses')
  })

  it('fails clearly when nothing was packaged', () => {
    const r = spawnSync(process.execPath, [script, path.join(os.tmpdir(), 'warp-no-release-here')], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('no unpacked app')
  })
})

describe('electronegativity gate', () => {
  const gate = path.join(root, 'scripts/electronegativity-gate.mjs')
  const sarif = (results: { ruleId: string; uri: string; line?: number }[]): object => ({
    version: '2.1.0',
    runs: [{ results: results.map((r) => ({ ruleId: r.ruleId, message: { text: `${r.ruleId} found` }, locations: [{ physicalLocation: { artifactLocation: { uri: r.uri }, region: { startLine: r.line ?? 1 } } }] })) }]
  })
  const run = (report: object, baseline: object): { status: number | null; out: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-gate-'))
    tmpDirs.push(dir)
    fs.writeFileSync(path.join(dir, 'r.sarif'), JSON.stringify(report))
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify(baseline))
    const r = spawnSync(process.execPath, [gate, path.join(dir, 'r.sarif'), path.join(dir, 'b.json')], { encoding: 'utf8' })
    return { status: r.status, out: `${r.stdout}${r.stderr}` }
  }

  it('passes with no findings, and with only accepted ones (line numbers do not matter)', () => {
    expect(run(sarif([]), { accepted: [] }).status).toBe(0)
    const accepted = { accepted: [{ check: 'OPEN_EXTERNAL_JS_CHECK', file: 'main/electron/open-external.ts', reason: 'http(s) only, checked by isExternalUrlAllowed' }] }
    expect(run(sarif([{ ruleId: 'OPEN_EXTERNAL_JS_CHECK', uri: 'main/electron/open-external.ts', line: 99 }]), accepted).status).toBe(0)
  })

  it('fails on a new finding and names it; reports accepted entries no longer found', () => {
    const r = run(sarif([{ ruleId: 'CONTEXT_ISOLATION_JS_CHECK', uri: 'main/electron/window.ts', line: 12 }]), {
      accepted: [{ check: 'OPEN_EXTERNAL_JS_CHECK', file: 'main/electron/open-external.ts', reason: 'http(s) only' }]
    })
    expect(r.status).toBe(1)
    expect(r.out).toContain('CONTEXT_ISOLATION_JS_CHECK  main/electron/window.ts:12')
    expect(r.out).toContain('no longer found (remove from the baseline): OPEN_EXTERNAL_JS_CHECK')
  })

  it('refuses a baseline entry without a reason, and a missing report', () => {
    expect(run(sarif([]), { accepted: [{ check: 'X', file: 'y', reason: ' ' }] }).status).not.toBe(0)
    expect(spawnSync(process.execPath, [gate, '/nonexistent/report.sarif'], { encoding: 'utf8' }).status).toBe(1)
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
