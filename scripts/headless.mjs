#!/usr/bin/env node
// `npm run headless` (and the `warp-host` bin): builds first when the build is missing or older
// than the sources, then runs the headless runtime in this same process — no child process, so
// SIGTERM/SIGINT sent to this process reach the runtime directly and its exit code is ours.
//
// Under `npm run`, npm starts us through `sh -c`, and on SIGTERM npm forwards the signal to that
// shell only: the shell dies and we would be left running as an orphan. So when started by a
// package manager the runtime watches its parent: once it is gone it drains and exits as if it got
// SIGTERM (main's drainWhenParentExits).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const entry = path.join(root, 'out/main/headless.js')
const rendererIndex = path.join(root, 'out/renderer/index.html')

function newestMtime(dir) {
  let newest = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)
  }
  return newest
}

function needsBuild() {
  if (!fs.existsSync(entry) || !fs.existsSync(rendererIndex)) return 'no build found'
  const built = Math.min(fs.statSync(entry).mtimeMs, fs.statSync(rendererIndex).mtimeMs)
  const sources = Math.max(newestMtime(path.join(root, 'src')), fs.statSync(path.join(root, 'package.json')).mtimeMs)
  return sources > built ? 'sources changed since the last build' : null
}

const reason = needsBuild()
if (reason) {
  process.stderr.write(`Building WARP Host (${reason})…\n`)
  const bin = path.join(root, 'node_modules/.bin/electron-vite')
  if (!fs.existsSync(bin)) {
    process.stderr.write('electron-vite is not installed: run `npm install` first.\n')
    process.exit(1)
  }
  const r = spawnSync(bin, ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) {
    process.stderr.write('Build failed; see the errors above.\n')
    process.exit(r.status ?? 1)
  }
}

const require = createRequire(import.meta.url)
await require(entry).main(process.argv.slice(2), { drainWhenParentExits: Boolean(process.env.npm_lifecycle_event) })
