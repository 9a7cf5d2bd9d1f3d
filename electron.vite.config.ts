import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'

/**
 * The dev server injects an inline react-refresh preamble and talks HMR over ws://; the strict
 * production CSP in index.html would block both. Relax it for `electron-vite dev` only.
 */
function devCsp(): Plugin {
  return {
    name: 'warp-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws: http://localhost:*")
  }
}

// main: two entries (Electron + headless) sharing the same runtime; dependencies stay external
// (better-sqlite3 is native and must be loaded from node_modules / app.asar.unpacked).
// preload: bundled to one CommonJS file so it works with `sandbox: true`.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          headless: resolve(__dirname, 'src/main/headless.ts')
        }
      }
    }
  },
  preload: {
    build: {
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    base: './',
    build: {
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } }
    },
    plugins: [react(), devCsp()]
  }
})
