// Lint rules that hold the architecture together (shared/docs/architecture.md):
// - 'electron' may only be imported by the thin shell: src/main/electron/, src/main/index.ts, src/preload/.
// - Node-only code (Node's built-in modules and the packages below) runs in the main process only:
//   never in src/shared (imported by every process), the renderer, or the sandboxed preload.
// - src/shared imports no process's code; the renderer and the preload import no main-process code.
// - No import cycles in src/: `npm run lint:cycles` (scripts/import-cycles.ts, also run by
//   test/unit/core/import-cycles.test.ts) — ESLint sees one file at a time, so it cannot.
// test/unit/core/lint-boundaries.test.ts proves each restriction fires.
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

/**
 * Packages that need Node (native addons, raw sockets, Node streams) or that only the main process
 * may talk to (database, broker, signaling, WebRTC peers, metrics registry). Add a package here
 * when main starts using one like it.
 */
export const NODE_ONLY_PACKAGES = [
  'mysql2',
  'better-sqlite3',
  'undici',
  'ws',
  'werift',
  'amqplib',
  'socket.io-client',
  'node-datachannel',
  'prom-client',
  'fastify',
  'socket.io',
  'jose'
]

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** `name` itself or any subpath of it (`mysql2/promise`). */
const anyOf = (names) => `^(?:${names.map(escapeRegex).join('|')})(?:/.*)?$`
const nodeBuiltins = [...new Set(builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.split('/')[0]))]

const noElectron = (message) => ({ name: 'electron', message })
const NO_NODE_BUILTINS = { regex: `^node:|${anyOf(nodeBuiltins)}`, caseSensitive: true, message: "Node's built-in modules exist only in the main process." }
const NO_NODE_ONLY_PACKAGES = { regex: anyOf(NODE_ONLY_PACKAGES), caseSensitive: true, message: 'A Node-only package (NODE_ONLY_PACKAGES in eslint.config.mjs): main process only.' }

const electronOnlyInShell = {
  paths: [noElectron("Only src/main/electron/, src/main/index.ts and src/preload/ may import 'electron' (services must run headless).")],
  patterns: [{ group: ['electron/*'], message: "Only the Electron shell may import 'electron'." }]
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', electronOnlyInShell]
    }
  },
  {
    files: ['src/main/electron/**/*.ts', 'src/main/index.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' }
  },
  {
    // Sandboxed: the bundled preload may require 'electron' and nothing else.
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            NO_NODE_BUILTINS,
            NO_NODE_ONLY_PACKAGES,
            { group: ['**/main/**', '**/renderer/**'], message: 'The preload exposes the contract only: no main-process or renderer code.' }
          ]
        }
      ]
    }
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron('src/shared runs in every process: no Electron.')],
          patterns: [
            NO_NODE_BUILTINS,
            NO_NODE_ONLY_PACKAGES,
            { group: ['react', 'react-dom', 'react-dom/*'], message: 'src/shared must not use DOM or React APIs.' },
            { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared is imported by every process: it imports none of their code.' }
          ]
        }
      ]
    }
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron('The renderer reaches main only through window.api / the bridge.')],
          patterns: [
            NO_NODE_BUILTINS,
            NO_NODE_ONLY_PACKAGES,
            { group: ['**/main/**', '**/preload/**'], message: 'The renderer must not import main-process or preload code (types come from src/shared).' }
          ]
        }
      ]
    }
  },
  {
    files: ['scripts/**/*.mjs', '*.mjs'],
    languageOptions: { globals: { ...globals.node } }
  }
)
