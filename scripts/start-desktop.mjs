#!/usr/bin/env node
// `npm start`: launches the desktop app.
//   1. builds (electron-vite) when out/ is missing or older than src/
//   2. makes sure the Electron binary is there (Electron >= 42 does not download it at install:
//      this fetches it once, or explains how when there is no internet)
//   3. switches better-sqlite3 to Electron's ABI (scripts/rebuild-native.mjs electron)
//   4. runs Electron on this folder, passing our arguments through (e.g. `npm start -- --hidden`)
// Without a display or an Electron binary, `npm run headless` runs the same app in a browser.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const electronDir = path.join(root, 'node_modules', 'electron')
const outputs = ['out/main/index.js', 'out/preload/index.js', 'out/renderer/index.html'].map((p) => path.join(root, p))
const inputs = ['src', 'electron.vite.config.ts', 'package.json'].map((p) => path.join(root, p))

function say(msg) {
  console.log(`[start] ${msg}`)
}

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0
  const st = fs.statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)))
  return newest
}

function needsBuild() {
  if (outputs.some((o) => !fs.existsSync(o))) return 'out/ is missing'
  const oldestOutput = Math.min(...outputs.map((o) => fs.statSync(o).mtimeMs))
  return inputs.some((i) => newestMtime(i) > oldestOutput) ? 'src/ changed since the last build' : null
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  return r.status ?? 1
}

/** The Electron executable, or null; never downloads (unlike require('electron')). */
function electronBinary() {
  const pathFile = path.join(electronDir, 'path.txt')
  if (!fs.existsSync(pathFile)) return null
  const rel = fs.readFileSync(pathFile, 'utf8').trim()
  const exe = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron')
    : path.join(electronDir, 'dist', rel)
  return fs.existsSync(exe) ? exe : null
}

function explainMissingElectron() {
  console.error(
    [
      '',
      '[start] The Electron binary is not installed, and it could not be downloaded.',
      '  Electron 45 does not download its binary during `npm install`; it is fetched on first start',
      '  from GitHub (about 100 MB). To get it yourself:',
      '      node node_modules/electron/install.js',
      '  Behind a firewall, point it at a mirror first, e.g.',
      '      ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/ node node_modules/electron/install.js',
      '  or unpack an Electron build and set ELECTRON_OVERRIDE_DIST_PATH to its folder.',
      '',
      '  Without Electron, run the same app headless and open the dashboard in a browser:',
      '      npm run headless',
      ''
    ].join('\n')
  )
}

function main() {
  if (!fs.existsSync(electronDir)) {
    console.error('[start] node_modules/electron is missing: run npm install first')
    return 1
  }

  const why = needsBuild()
  if (why) {
    say(`building (${why})…`)
    if (run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build']) !== 0) {
      console.error('[start] the build failed; see the errors above')
      return 1
    }
  }

  let exe = electronBinary()
  if (!exe && process.env.WARP_NO_ELECTRON_DOWNLOAD !== '1') {
    say('downloading the Electron binary (first start only)…')
    run(process.execPath, [path.join(electronDir, 'install.js')])
    exe = electronBinary()
  }
  if (!exe) {
    explainMissingElectron()
    return 1
  }

  // Non-strict: explains and goes on when Electron's headers cannot be fetched.
  run(process.execPath, [path.join(root, 'scripts', 'rebuild-native.mjs'), 'electron'])

  const env = { ...process.env }
  delete env.ELECTRON_RUN_AS_NODE // would start Electron as plain Node
  say(`starting ${path.relative(root, exe)}`)
  const child = spawn(exe, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env, windowsHide: false })
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal)
    })
  }
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 1 : 0))
  })
  return null
}

const code = main()
if (code !== null) process.exitCode = code
