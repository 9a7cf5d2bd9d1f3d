import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'
import { CONTENT_SECURITY_POLICY_META, devContentSecurityPolicy } from './src/shared/csp'

/** The placeholder in src/renderer/index.html that becomes the CSP <meta> tag's content. */
const CSP_PLACEHOLDER = '%WARP_CSP%'

/**
 * Puts the one policy of src/shared/csp.ts into the HTML. A build fails when the placeholder is
 * missing, so the HTML can never ship without the policy. The dev server gets the relaxed policy
 * (its react-refresh preamble is inline, it injects <style> tags, HMR talks over ws://).
 */
function cspMeta(): Plugin {
  let serving = false
  return {
    name: 'warp-csp-meta',
    configResolved: (config) => {
      serving = config.command === 'serve'
    },
    transformIndexHtml: (html) => {
      if (!html.includes(CSP_PLACEHOLDER)) throw new Error(`index.html has no ${CSP_PLACEHOLDER} placeholder for the Content-Security-Policy meta tag`)
      const policy = serving ? devContentSecurityPolicy('http://localhost:*', { meta: true }) : CONTENT_SECURITY_POLICY_META
      return html.replace(CSP_PLACEHOLDER, policy)
    }
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
    plugins: [react(), cspMeta()]
  }
})
