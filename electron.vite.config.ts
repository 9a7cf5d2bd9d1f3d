import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

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
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } }
    },
    plugins: [react()]
  }
})
