// Lint rules that hold the architecture together (shared/docs/architecture.md):
// - 'electron' may only be imported by the thin shell: src/main/electron/, src/main/index.ts, src/preload/.
// - src/shared must not touch Node, Electron or the DOM.
// - the renderer never imports main-process code.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

const electronOnlyInShell = {
  paths: [{ name: 'electron', message: "Only src/main/electron/, src/main/index.ts and src/preload/ may import 'electron' (services must run headless)." }],
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
    files: ['src/main/electron/**/*.ts', 'src/main/index.ts', 'src/preload/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' }
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src/shared runs in every process: no Electron.' }],
          patterns: [{ group: ['node:*', 'fs', 'path', 'os', 'child_process', 'react', 'react-dom'], message: 'src/shared must not use Node, DOM or React APIs.' }]
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
          paths: [{ name: 'electron', message: 'The renderer reaches main only through window.api / the bridge.' }],
          patterns: [{ group: ['**/main/**', 'node:*'], message: 'The renderer must not import main-process code or Node APIs.' }]
        }
      ]
    }
  },
  {
    files: ['scripts/**/*.mjs', '*.mjs'],
    languageOptions: { globals: { ...globals.node } }
  }
)
