// No import cycle in src/ (scripts/import-cycles.ts, TypeScript's own module resolution; type-only
// imports count), and proof that the check finds one: two-file and longer cycles, `export … from`,
// `import type`, dynamic import(); allowed edges are ignored, and a stale allowed edge is reported.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ALLOWED_CYCLE_EDGES, buildImportGraph, describeReport, findImportCycles } from '../../../scripts/import-cycles'

const root = path.resolve(__dirname, '../../..')
const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })))

/** A throwaway project: `files` are paths under it with their text. */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warp-cycles-'))
  dirs.push(dir)
  fs.copyFileSync(path.join(root, 'tsconfig.base.json'), path.join(dir, 'tsconfig.base.json'))
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), text)
  }
  return dir
}

describe('import cycles', () => {
  it('src/ has none (the allow-list holds only imports that still exist)', () => {
    const graph = buildImportGraph(root, ['src'])
    expect(graph.edges.size).toBeGreaterThan(50) // it really read the sources
    expect(graph.edges.get('src/main/services.ts')).toContain('src/main/ai-ipc/index.ts') // and resolved their imports
    expect(describeReport(findImportCycles(graph, ALLOWED_CYCLE_EDGES))).toEqual([])
  })

  it('detects a two-file cycle', () => {
    const dir = project({
      'src/a.ts': "import { b } from './b'\nexport const a = () => b\n",
      'src/b.ts': "import { a } from './a'\nexport const b = () => a\n",
      'src/c.ts': "import { a } from './a'\nexport const c = a\n"
    })
    const report = findImportCycles(buildImportGraph(dir, ['src']))
    expect(report.cycles).toEqual([['src/a.ts', 'src/b.ts', 'src/a.ts']])
    expect(describeReport(report)).toEqual(['import cycle: src/a.ts → src/b.ts → src/a.ts'])
  })

  it('detects longer cycles through index files, re-exports, type-only and dynamic imports', () => {
    const dir = project({
      'src/runtime.ts': "import { svc } from './svc'\nexport type Factory = { name: string }\nexport const r = svc\n",
      'src/svc/index.ts': "export { svc } from './service'\n",
      'src/svc/service.ts': "import type { Factory } from '../runtime'\nexport const svc: Factory = { name: 's' }\n",
      'src/lazy/a.ts': "export const load = () => import('./b')\n",
      'src/lazy/b.ts': "import { load } from './a'\nexport const again = load\n",
      'src/self.ts': "import * as me from './self'\nexport const x = me\n",
      'src/fine.ts': "import { r } from './runtime'\nimport { z } from 'zod'\nimport './style.css'\nexport const f = [r, z]\n"
    })
    const { cycles } = findImportCycles(buildImportGraph(dir, ['src']))
    expect(cycles).toEqual([
      ['src/lazy/a.ts', 'src/lazy/b.ts', 'src/lazy/a.ts'],
      ['src/runtime.ts', 'src/svc/index.ts', 'src/svc/service.ts', 'src/runtime.ts'],
      ['src/self.ts', 'src/self.ts']
    ])
  })

  it('ignores allowed edges and reports allowed edges that are gone', () => {
    const dir = project({
      'src/a.ts': "import { b } from './b'\nexport const a = b\n",
      'src/b.ts': "import type { a } from './a'\nexport const b = 1 as unknown as typeof a\n"
    })
    const graph = buildImportGraph(dir, ['src'])
    const allowB = { from: 'src/b.ts', to: 'src/a.ts', why: 'test' }
    const gone = { from: 'src/a.ts', to: 'src/c.ts', why: 'test' }
    expect(findImportCycles(graph, [allowB])).toEqual({ cycles: [], stale: [] })
    const report = findImportCycles(graph, [allowB, gone])
    expect(report.stale).toEqual([gone])
    expect(describeReport(report)).toEqual([expect.stringContaining('stale allow-list entry') as string])
  })
})
