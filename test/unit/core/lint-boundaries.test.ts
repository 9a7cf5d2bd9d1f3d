// The process boundaries are enforced by lint (eslint.config.mjs): a service that imports
// 'electron', Node or a Node-only package (mysql2, better-sqlite3, ws, …) in src/shared, the
// renderer or the sandboxed preload, and main-process code outside main all fail ESLint.
import path from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '../../..')
const electronImport = "import { app } from 'electron'\nexport const name = app.getName()\n"
const importOf = (spec: string): string => `import * as m from '${spec}'\nexport const x = m\n`
const typeImportOf = (spec: string): string => `import type * as m from '${spec}'\nexport type X = typeof m\n`

const eslint = new ESLint({ cwd: root })

async function lint(rel: string, text: string): Promise<string[]> {
  const [res] = await eslint.lintText(text, { filePath: path.join(root, rel) })
  return (res?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`)
}

async function restricted(rel: string, text: string): Promise<boolean> {
  return (await lint(rel, text)).some((m) => m.startsWith('no-restricted-imports'))
}

const NODE_ONLY = ['mysql2', 'mysql2/promise', 'better-sqlite3', 'undici', 'ws', 'werift', 'amqplib', 'socket.io-client', 'node-datachannel', 'prom-client']
const NODE_BUILTINS = ['node:fs', 'fs', 'fs/promises', 'node:path', 'path', 'child_process', 'node:crypto', 'events', 'node:worker_threads']
const RENDERER = 'src/renderer/src/stores/x.ts'
const RENDERER_TSX = 'src/renderer/src/pages/X.tsx'
const SHARED = 'src/shared/x.ts'
const PRELOAD = 'src/preload/x.ts'

describe('process boundaries (ESLint)', () => {
  it('fails when a service imports electron', async () => {
    for (const file of ['src/main/ai-ipc/poller.ts', 'src/main/runtime.ts', 'src/main/headless.ts', 'src/shared/contract.ts', RENDERER]) {
      expect(await restricted(file, electronImport), file).toBe(true)
    }
  }, 60_000)

  it('allows electron in the shell and the preload', async () => {
    for (const file of ['src/main/electron/window.ts', 'src/main/index.ts', 'src/preload/index.ts']) {
      const msgs = await lint(file, electronImport)
      expect(msgs.filter((m) => m.startsWith('no-restricted-imports')), file).toEqual([])
    }
  }, 60_000)

  it('a renderer file importing mysql2 (or any Node-only package) fails, type-only imports too', async () => {
    expect(await lint(RENDERER, importOf('mysql2'))).toEqual([expect.stringMatching(/^no-restricted-imports: .*Node-only package/)])
    for (const spec of NODE_ONLY) {
      expect(await restricted(RENDERER, importOf(spec)), spec).toBe(true)
      expect(await restricted(RENDERER_TSX, importOf(spec)), `${spec} in .tsx`).toBe(true)
    }
    expect(await restricted(RENDERER, typeImportOf('better-sqlite3'))).toBe(true)
  }, 60_000)

  it('a shared file importing node:fs (or any Node built-in or Node-only package) fails', async () => {
    expect(await lint(SHARED, importOf('node:fs'))).toEqual([expect.stringMatching(/^no-restricted-imports: .*built-in modules/)])
    for (const spec of [...NODE_BUILTINS, ...NODE_ONLY]) expect(await restricted(SHARED, importOf(spec)), spec).toBe(true)
    expect(await restricted(SHARED, typeImportOf('ws'))).toBe(true)
    expect(await restricted(SHARED, importOf('react'))).toBe(true)
  }, 60_000)

  it('the renderer and the sandboxed preload get no Node built-ins or Node-only packages either', async () => {
    for (const spec of NODE_BUILTINS) expect(await restricted(RENDERER, importOf(spec)), `renderer: ${spec}`).toBe(true)
    for (const spec of [...NODE_BUILTINS, ...NODE_ONLY]) expect(await restricted(PRELOAD, importOf(spec)), `preload: ${spec}`).toBe(true)
  }, 60_000)

  it('main-process code stays out of the renderer, the preload and src/shared', async () => {
    expect(await restricted(RENDERER, importOf('../../../main/bootstrap'))).toBe(true)
    expect(await restricted(PRELOAD, importOf('../main/runtime'))).toBe(true)
    expect(await restricted(SHARED, importOf('../main/runtime'))).toBe(true)
    expect(await restricted(SHARED, importOf('../renderer/src/api/client'))).toBe(true)
  }, 60_000)

  it('does not flag what those places may import', async () => {
    const allowed: [string, string][] = [
      [RENDERER, 'zod'],
      [RENDERER, 'zustand'],
      [RENDERER, '../api/client'],
      [RENDERER, './events'], // a relative module named like a Node built-in
      [RENDERER, '../../../shared/contract'],
      [RENDERER_TSX, 'react'],
      [SHARED, 'zod'],
      [SHARED, './log'],
      [PRELOAD, '../shared/contract'],
      // main may use Node and every Node-only package
      ['src/main/ai-ipc/x.ts', 'mysql2/promise'],
      ['src/main/store/x.ts', 'better-sqlite3'],
      ['src/main/bridge/x.ts', 'node:http'],
      ['src/main/bridge/x.ts', 'ws']
    ]
    for (const [file, spec] of allowed) expect(await lint(file, importOf(spec)), `${file}: ${spec}`).toEqual([])
  }, 60_000)
})
