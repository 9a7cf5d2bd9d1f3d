/**
 * Launches the system Chromium (/usr/bin/chromium) with playwright-core for e2e tests: a persistent
 * context in a fresh temp profile, headless "new" mode, 1280×800, light or dark color scheme.
 */
import fs from 'node:fs'
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
