/**
 * Launches the system Chromium (/usr/bin/chromium) with playwright-core for e2e tests: a persistent
 * context in a fresh temp profile, headless "new" mode, 1280×800, light or dark color scheme.
 * Also the screenshots the page tests save when WARP_E2E_SHOTS names a folder.
 */
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { makeTempDir } from './headless-host'

export const CHROMIUM = '/usr/bin/chromium'

/**
 * The flags environment.md gives for Chromium on these machines (headless "new"; without the
 * background-networking ones its connections are refused by the closed network, many at a time).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

export interface TestBrowser {
  context: BrowserContext
  newPage(): Promise<Page>
  close(): Promise<void>
}

export async function launchBrowser(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}; the e2e tests need it (apt-get install chromium).`)
  const profile = makeTempDir('chromium')
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: false,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1280, height: 800 },
    colorScheme: opts.colorScheme ?? 'light'
  })
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close()
      fs.rmSync(profile, { recursive: true, force: true })
    }
  }
}

/** WARP_E2E_SHOTS: the folder the page tests save their screenshots in (unset: they take none). */
export const shotsDir = process.env.WARP_E2E_SHOTS

/**
 * A `shoot(page, name)` that saves `<shotsDir>/<name>.png` when WARP_E2E_SHOTS is set and does
 * nothing otherwise. `{ height }`: the viewport is made that tall for the screenshot (same width),
 * then put back — for pages that scroll inside the dashboard's frame. `{ fullPage: true }`:
 * Playwright's full-page screenshot at the current viewport.
 */
export function shooter(how: { height: number } | { fullPage: true }): (page: Page, name: string) => Promise<void> {
  return async (page, name) => {
    if (!shotsDir) return
    fs.mkdirSync(shotsDir, { recursive: true })
    const file = path.join(shotsDir, `${name}.png`)
    if ('fullPage' in how) {
      await page.screenshot({ path: file, fullPage: true })
      return
    }
    const size = page.viewportSize()
    if (size) await page.setViewportSize({ width: size.width, height: how.height })
    await page.screenshot({ path: file })
    if (size) await page.setViewportSize(size)
  }
}
