/**
 * A real Runtime (boot → config, logger, app store) in a fresh temp data folder, for shell tests
 * that should run against the real dispatcher and event bus rather than a mock.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { boot, type Booted } from '../../../src/main/bootstrap'
import type { AnyServiceModule } from '../../../src/main/service-module'

export interface RealRuntime extends Booted {
  dataDir: string
  /** Console lines the logger wrote. */
  lines: string[]
  /** Stops the runtime and removes the data folder (unless keepDataDir). */
  cleanup(): Promise<void>
}

export async function startRealRuntime(
  opts: { modules?: readonly AnyServiceModule[]; env?: NodeJS.ProcessEnv; start?: boolean; dataDir?: string; keepDataDir?: boolean } = {}
): Promise<RealRuntime> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'warp-shell-test-'))
  const lines: string[] = []
  const booted = boot({
    mode: 'desktop',
    argv: [],
    env: { WARP_HOST_DATA_DIR: dataDir, ...opts.env },
    write: (line) => lines.push(line),
    modules: opts.modules ?? []
  })
  if (opts.start ?? true) await booted.runtime.start()
  return {
    ...booted,
    dataDir,
    lines,
    async cleanup() {
      await booted.runtime.stop()
      booted.sink.closeFile()
      if (!opts.keepDataDir) fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
