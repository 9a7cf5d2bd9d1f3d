#!/usr/bin/env node
// Switches the native module (better-sqlite3) between the two runtimes that load it:
//
//   node scripts/rebuild-native.mjs electron   build for Electron's ABI (desktop app, packaging)
//   node scripts/rebuild-native.mjs node       build for this Node (tests, headless)
//
// Options: --strict  exit 1 when the Electron build cannot be made (CI); default is to explain
//                    and exit 0 so `npm start` can go on and say what is missing.
//          --force   rebuild even if a matching build exists.
//
// Each finished build is kept in node_modules/.cache/warp-host-native/<runtime-abi-platform-arch>/,
// so switching back and forth after the first time is a file copy, not a minute of compiling.
// The Electron build needs Electron's headers (downloaded from electronjs.org by node-gyp); when
// they cannot be fetched (offline), the current build is restored untouched and the script says so.
// Never run from postinstall: it downloads.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(root, 'package.json'))
const MODULE = 'better-sqlite3'
const moduleDir = path.join(root, 'node_modules', MODULE)
const binary = path.join(moduleDir, 'build', 'Release', 'better_sqlite3.node')
const cacheRoot = path.join(root, 'node_modules', '.cache', 'warp-host-native')

const args = process.argv.slice(2)
const target = args.find((a) => !a.startsWith('--'))
const strict = args.includes('--strict')
const force = args.includes('--force')

function say(msg) {
  console.log(`[rebuild-native] ${msg}`)
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

function electronVersion() {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version
}

function nodeKey() {
  return `node-abi${process.versions.modules}-${process.platform}-${process.arch}`
}

function electronKey() {
  return `electron-${electronVersion()}-${process.platform}-${process.arch}`
}

function cached(key) {
  return path.join(cacheRoot, key, 'better_sqlite3.node')
}

/** True when the current build loads in this Node (i.e. it is the Node build). */
function loadsInNode() {
  if (!fs.existsSync(binary)) return false
  const r = spawnSync(process.execPath, ['-e', `new (require(${JSON.stringify(MODULE)}))(':memory:').close()`], { cwd: root, stdio: 'ignore' })
  return r.status === 0
}

/** Keeps a copy of the current build under `key`. */
function stash(key) {
  if (!fs.existsSync(binary)) return
  fs.mkdirSync(path.dirname(cached(key)), { recursive: true })
  fs.copyFileSync(binary, cached(key))
}

/** Puts a build in place atomically (temp file + rename): a process that has the old one loaded keeps it. */
function install(from) {
  fs.mkdirSync(path.dirname(binary), { recursive: true })
  const tmp = `${binary}.${process.pid}.tmp`
  fs.copyFileSync(from, tmp)
  fs.renameSync(tmp, binary)
}

/** The current build is already the one cached under `key`. */
function isCurrent(key) {
  return fs.existsSync(binary) && fs.existsSync(cached(key)) && sha256(binary) === sha256(cached(key))
}

function keepNodeBuild() {
  if (loadsInNode()) stash(nodeKey())
}

async function rebuildForElectron() {
  const key = electronKey()
  if (!force && isCurrent(key)) {
    say(`${MODULE} is already built for Electron ${electronVersion()}`)
    return 0
  }
  keepNodeBuild()
  if (!force && fs.existsSync(cached(key))) {
    install(cached(key))
    say(`${MODULE}: switched to the kept Electron ${electronVersion()} build`)
    return 0
  }

  // Build in a staging copy of the module, so a failed or slow build never leaves the live
  // node_modules without a loadable binary (node-gyp deletes build/ before it downloads headers).
  const stage = path.join(cacheRoot, 'stage')
  const stagedModule = path.join(stage, 'node_modules', MODULE)
  fs.rmSync(stage, { recursive: true, force: true })
  fs.mkdirSync(path.dirname(stagedModule), { recursive: true })
  // Real files, never links: node-gyp must not reach through a symlink into the live module.
  const realModuleDir = fs.realpathSync(moduleDir)
  fs.cpSync(realModuleDir, stagedModule, {
    recursive: true,
    dereference: true,
    filter: (src) => path.relative(realModuleDir, src).split(path.sep)[0] !== 'build'
  })
  const stagedReal = fs.realpathSync(stagedModule)
  if (!stagedReal.startsWith(fs.realpathSync(stage) + path.sep) || fs.lstatSync(stagedModule).isSymbolicLink()) {
    console.error(`[rebuild-native] refusing to build: the staging copy resolves to ${stagedReal}, outside ${stage}`)
    return 1
  }
  const moduleVersion = JSON.parse(fs.readFileSync(path.join(moduleDir, 'package.json'), 'utf8')).version
  fs.writeFileSync(
    path.join(stage, 'package.json'),
    JSON.stringify({ name: 'warp-host-native-stage', version: '0.0.0', private: true, dependencies: { [MODULE]: moduleVersion }, devDependencies: { electron: electronVersion() } })
  )
  const stagedBinary = path.join(stagedModule, 'build', 'Release', 'better_sqlite3.node')

  say(`building ${MODULE} for Electron ${electronVersion()} (${process.platform}-${process.arch}); needs Electron's headers from electronjs.org…`)
  // An npm `nodedir` setting (npm exports it as npm_config_nodedir) would make node-gyp compile
  // against this Node's headers while calling it an Electron build: always use Electron's.
  for (const name of Object.keys(process.env)) {
    if (name.toLowerCase() === 'npm_config_nodedir') delete process.env[name]
  }
  try {
    // @electron/rebuild comes with electron-builder (it is what `electron-builder install-app-deps` runs).
    const { rebuild } = await import(pathToFileURL(require.resolve('@electron/rebuild')).href)
    const headerURL = process.env.npm_config_disturl || undefined // a headers mirror, if the default is unreachable
    // projectRootPath = stage: the module search must never climb into the project's node_modules.
    await rebuild({
      buildPath: stage,
      projectRootPath: stage,
      electronVersion: electronVersion(),
      onlyModules: [MODULE],
      force: true,
      mode: 'sequential',
      ...(headerURL ? { headerURL } : {})
    })
    if (!fs.existsSync(stagedBinary)) throw new Error('the build finished without producing better_sqlite3.node')
    // An Electron build has Electron's ABI: if this Node can load it, it was built with Node's headers.
    const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(stagedBinary)})`], { stdio: 'ignore' })
    if (probe.status === 0) throw new Error("the result loads in Node, so it was built against Node's headers, not Electron's")
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err)
    console.error(
      [
        `[rebuild-native] could not build ${MODULE} for Electron: ${message}`,
        "  Building for Electron needs Electron's headers from https://www.electronjs.org/headers (or a",
        '  mirror: set npm_config_disturl to its URL). Without internet this step cannot run here.',
        `  The current ${MODULE} build was left untouched. The desktop app needs the Electron build;`,
        '  `npm run headless` and the tests do not.'
      ].join('\n')
    )
    return strict ? 1 : 0
  } finally {
    if (!fs.existsSync(stagedBinary)) fs.rmSync(stage, { recursive: true, force: true })
  }
  fs.mkdirSync(path.dirname(cached(key)), { recursive: true })
  fs.copyFileSync(stagedBinary, cached(key))
  install(cached(key))
  fs.rmSync(stage, { recursive: true, force: true })
  say(`${MODULE} is built for Electron ${electronVersion()} (kept for quick switching; 'node scripts/rebuild-native.mjs node' switches back)`)
  return 0
}

function rebuildForNode() {
  if (!force && loadsInNode()) {
    stash(nodeKey())
    say(`${MODULE} is already built for Node ${process.versions.node}`)
    return 0
  }
  if (!force && fs.existsSync(cached(nodeKey()))) {
    install(cached(nodeKey()))
    if (loadsInNode()) {
      say(`${MODULE}: switched to the kept Node ${process.versions.node} build`)
      return 0
    }
  }
  say(`building ${MODULE} for Node ${process.versions.node} (npm rebuild ${MODULE})…`)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const r = spawnSync(npm, ['rebuild', MODULE], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0 || !loadsInNode()) {
    console.error(`[rebuild-native] npm rebuild ${MODULE} failed (exit ${r.status}); see the output above`)
    return 1
  }
  stash(nodeKey())
  say(`${MODULE} is built for Node ${process.versions.node}`)
  return 0
}

async function main() {
  if (!fs.existsSync(moduleDir)) {
    console.error(`[rebuild-native] ${MODULE} is not installed: run npm install first`)
    return 1
  }
  if (target === 'electron') return rebuildForElectron()
  if (target === 'node') return rebuildForNode()
  console.error('usage: node scripts/rebuild-native.mjs electron|node [--strict] [--force]')
  return 2
}

process.exitCode = await main()
