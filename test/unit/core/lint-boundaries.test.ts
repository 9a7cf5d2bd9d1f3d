// The process boundary is enforced by lint: a service that imports 'electron' fails ESLint.
import path from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '../../..')
const code = "import { app } from 'electron'\nexport const name = app.getName()\n"

async function lint(rel: string, text = code): Promise<string[]> {
  const eslint = new ESLint({ cwd: root })
  const [res] = await eslint.lintText(text, { filePath: path.join(root, rel) })
  return (res?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`)
}

describe('process boundaries (ESLint)', () => {
  it('fails when a service imports electron', async () => {
    for (const file of ['src/main/ai-ipc/poller.ts', 'src/main/runtime.ts', 'src/main/headless.ts', 'src/shared/contract.ts']) {
      const msgs = await lint(file)
      expect(msgs.some((m) => m.startsWith('no-restricted-imports')), file).toBe(true)
    }
  }, 60_000)

  it('allows electron in the shell and the preload', async () => {
    for (const file of ['src/main/electron/window.ts', 'src/main/index.ts', 'src/preload/index.ts']) {
      const msgs = await lint(file)
      expect(msgs.filter((m) => m.startsWith('no-restricted-imports')), file).toEqual([])
    }
  }, 60_000)

  it('keeps Node out of src/shared and main code out of the renderer', async () => {
    expect((await lint('src/shared/x.ts', "import fs from 'node:fs'\nexport const f = fs\n")).join()).toContain('no-restricted-imports')
    expect((await lint('src/renderer/src/x.ts', "import { boot } from '../../main/bootstrap'\nexport const b = boot\n")).join()).toContain(
      'no-restricted-imports'
    )
  }, 60_000)
})
