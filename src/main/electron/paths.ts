/**
 * Where the desktop shell's own files are at run time: the bundled preload, the built renderer
 * and the icons in resources/. Works from the build output (out/main), from a packaged app
 * (icons are copied to <resources>/resources by electron-builder's extraResources) and in dev.
 */
import path from 'node:path'
import { app } from 'electron'

export interface ShellPaths {
  /** out/preload/index.js: one CommonJS bundle, so it runs in a sandboxed renderer. */
  preload: string
  /** out/renderer/index.html (production load). */
  rendererHtml: string
  /** Folder holding icon.png and the tray-*.png state icons. */
  resourcesDir: string
}

/** `mainDir` is the folder of the running main bundle (`__dirname` of out/main/index.js). */
export function shellPaths(mainDir: string): ShellPaths {
  const outDir = path.resolve(mainDir, '..')
  return {
    preload: path.join(outDir, 'preload', 'index.js'),
    rendererHtml: path.join(outDir, 'renderer', 'index.html'),
    resourcesDir: app.isPackaged ? path.join(process.resourcesPath, 'resources') : path.resolve(outDir, '..', 'resources')
  }
}
