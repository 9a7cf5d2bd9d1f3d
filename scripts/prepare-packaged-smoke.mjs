#!/usr/bin/env node
// CI only, after `electron-builder --<os>`: prepares the PACKAGED app for the Playwright `_electron`
// smoke test (test/e2e/packaged-smoke.test.ts).
//
// Playwright drives Electron's main process through the Node inspector (it launches with
// --inspect=0), which the shipped binary refuses: its EnableNodeCliInspectArguments fuse is off.
// So this copies the unpacked app that electron-builder left next to the installers
// (release/<version>/linux-unpacked, win-unpacked, mac-arm64/WARP Host.app or mac/…) to
// release/smoke/, turns that ONE fuse back on in the copy (ad-hoc re-signing on macOS) and leaves
// everything else — app.asar, its integrity hash, the other fuses, app:// — as shipped.
// Prints the executable and, on GitHub Actions, exports it as WARP_PACKAGED_EXE.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(root, 'package.json'))
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const productName = pkg.productName
// Optional argument: the folder electron-builder wrote (default release/<version>, as electron-builder.yml says).
const releaseDir = path.resolve(process.argv[2] ?? path.join(root, 'release', pkg.version))

/** The unpacked app folder and its executable inside it, per platform. */
function findUnpacked() {
  const candidates =
    process.platform === 'darwin'
      ? [`mac-${process.arch}`, 'mac-arm64', 'mac', 'mac-universal'].map((d) => ({ dir: path.join(releaseDir, d, `${productName}.app`), exe: path.join('Contents', 'MacOS', productName) }))
      : process.platform === 'win32'
        ? [{ dir: path.join(releaseDir, 'win-unpacked'), exe: `${productName}.exe` }]
        : [{ dir: path.join(releaseDir, 'linux-unpacked'), exe: pkg.name }]
  return candidates.find((c) => fs.existsSync(path.join(c.dir, c.exe))) ?? null
}

async function main() {
  const found = findUnpacked()
  if (!found) {
    console.error(`[packaged-smoke] no unpacked app under ${releaseDir}: run electron-builder first`)
    return 1
  }
  const smokeDir = path.join(path.dirname(releaseDir), 'smoke')
  fs.rmSync(smokeDir, { recursive: true, force: true })
  fs.mkdirSync(smokeDir, { recursive: true })
  const copy = path.join(smokeDir, path.basename(found.dir))
  // verbatimSymlinks keeps the .app's framework symlinks as they are.
  fs.cpSync(found.dir, copy, { recursive: true, verbatimSymlinks: true })
  const exe = path.join(copy, found.exe)

  // @electron/fuses comes with electron-builder (app-builder-lib depends on it).
  const fuses = createRequire(require.resolve('app-builder-lib/package.json'))('@electron/fuses')
  await fuses.flipFuses(exe, {
    version: fuses.FuseVersion.V1,
    resetAdHocDarwinSignature: process.platform === 'darwin',
    [fuses.FuseV1Options.EnableNodeCliInspectArguments]: true
  })
  const wire = await fuses.getCurrentFuseWire(exe)
  const ENABLED = 0x31 // '1' in the fuse wire (@electron/fuses' FuseState.ENABLE, not exported)
  const on = (o) => wire[fuses.FuseV1Options[o]] === ENABLED
  const report = ['RunAsNode', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'OnlyLoadAppFromAsar', 'EnableEmbeddedAsarIntegrityValidation', 'GrantFileProtocolExtraPrivileges']
    .map((o) => `${o}=${on(o) ? 'on' : 'off'}`)
    .join(' ')
  console.log(`[packaged-smoke] ${exe}\n[packaged-smoke] fuses of the copy: ${report}`)
  if (on('RunAsNode') || on('EnableNodeOptionsEnvironmentVariable') || on('GrantFileProtocolExtraPrivileges') || !on('OnlyLoadAppFromAsar')) {
    console.error('[packaged-smoke] the packaged binary does not have the fuses electron-builder.yml asks for')
    return 1
  }
  if (process.env.GITHUB_ENV) fs.appendFileSync(process.env.GITHUB_ENV, `WARP_PACKAGED_EXE=${exe}\n`)
  return 0
}

process.exitCode = await main()
