/**
 * Import cycles in src/, found with the TypeScript compiler's own module resolution (the same
 * options as tsconfig.base.json): every `import`, `export … from`, `import()` and `require()` of a
 * source file is an edge, type-only imports included — a type-only circle still ties two modules
 * together (architecture.md: nothing under a service imports the runtime, not even for a type).
 * Cycles are reported per strongly connected component, each with one concrete path.
 *
 * `npm run lint:cycles` runs it (part of `npm run lint`); test/unit/core/import-cycles.test.ts
 * keeps src/ free of cycles and proves the check finds one.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** An import that is allowed to close a cycle, with the reason and the change that removes it. */
export interface AllowedEdge {
  from: string
  to: string
  why: string
}

/**
 * Imports known to close a cycle today, ignored by the check until the change that removes them.
 * Paths are relative to the repository root, with '/'. An entry whose import no longer exists
 * fails the check ("stale"): delete it then, so the list only ever shrinks. Keep it empty.
 */
export const ALLOWED_CYCLE_EDGES: readonly AllowedEdge[] = []

export interface ImportGraph {
  /** Repository-relative file → the repository-relative files it imports (inside the scanned dirs). */
  edges: Map<string, Set<string>>
}

export interface CycleReport {
  /** One concrete cycle per strongly connected component, e.g. ['a.ts', 'b.ts', 'a.ts']. */
  cycles: string[][]
  /** Allowed edges that are not imports any more (remove them from the list). */
  stale: AllowedEdge[]
}

const SOURCE = /\.(?:ts|tsx|mts|cts)$/

function compilerOptions(root: string): ts.CompilerOptions {
  const base = path.join(root, 'tsconfig.base.json')
  if (!fs.existsSync(base)) return { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, resolveJsonModule: true }
  const read = ts.readConfigFile(base, (f) => ts.sys.readFile(f))
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'))
  const raw = (read.config as { compilerOptions?: unknown }).compilerOptions ?? {}
  const { options, errors } = ts.convertCompilerOptionsFromJson(raw, root, base)
  if (errors.length > 0) throw new Error(errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('\n'))
  return options
}

function listSources(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...listSources(p))
    } else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) {
      out.push(p)
    }
  }
  return out
}

const rel = (root: string, file: string): string => path.relative(root, file).split(path.sep).join('/')

/** Reads every source under `dirs` (relative to `root`) and resolves its imports. */
export function buildImportGraph(root: string, dirs: string[] = ['src']): ImportGraph {
  const options = compilerOptions(root)
  const host = ts.createCompilerHost(options)
  const files = dirs.flatMap((d) => listSources(path.join(root, d)))
  const known = new Set(files.map((f) => path.resolve(f)))
  const edges = new Map<string, Set<string>>()
  for (const file of files) {
    const targets = new Set<string>()
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true)
    for (const ref of info.importedFiles) {
      const resolved = ts.resolveModuleName(ref.fileName, file, options, host).resolvedModule
      if (!resolved || resolved.isExternalLibraryImport) continue
      const target = path.resolve(resolved.resolvedFileName)
      if (known.has(target)) targets.add(rel(root, target))
    }
    edges.set(rel(root, file), targets)
  }
  return { edges }
}

/** Tarjan's strongly connected components (the graph of a repository is small: recursion is fine). */
function stronglyConnected(edges: Map<string, Set<string>>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const out: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next)
    next++
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      out.push(component)
    }
  }
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v)
  return out
}

/** The shortest path from `start` back to itself inside one component. */
function cycleThrough(start: string, component: Set<string>, edges: Map<string, Set<string>>): string[] {
  const parent = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()!
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!component.has(w)) continue
      if (w === start) {
        const chain: string[] = []
        for (let u: string | undefined = v; u !== undefined && u !== start; u = parent.get(u)) chain.unshift(u)
        return [start, ...chain, start]
      }
      if (!parent.has(w)) {
        parent.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}

/** The cycles left after ignoring the allowed edges, and the allowed edges that are gone. */
export function findImportCycles(graph: ImportGraph, allowed: readonly AllowedEdge[] = []): CycleReport {
  const stale = allowed.filter((a) => !graph.edges.get(a.from)?.has(a.to))
  const edges = new Map<string, Set<string>>()
  for (const [from, tos] of graph.edges) edges.set(from, new Set([...tos].filter((to) => !allowed.some((a) => a.from === from && a.to === to))))
  const cycles: string[][] = []
  for (const component of stronglyConnected(edges)) {
    const first = [...component].sort()[0]!
    if (component.length > 1 || edges.get(first)?.has(first)) cycles.push(cycleThrough(first, new Set(component), edges))
  }
  return { cycles: cycles.sort((a, b) => a[0]!.localeCompare(b[0]!)), stale }
}

/** Human-readable lines for a report (empty when clean). */
export function describeReport(report: CycleReport): string[] {
  return [
    ...report.cycles.map((c) => `import cycle: ${c.join(' → ')}`),
    ...report.stale.map((a) => `stale allow-list entry (the import is gone, delete it from ALLOWED_CYCLE_EDGES): ${a.from} → ${a.to}`)
  ]
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const graph = buildImportGraph(root, ['src'])
  const lines = describeReport(findImportCycles(graph, ALLOWED_CYCLE_EDGES))
  if (lines.length > 0) {
    process.stderr.write(`${lines.join('\n')}\n`)
    process.exit(1)
  }
  process.stdout.write(`no import cycles in src/ (${graph.edges.size} files)\n`)
}
