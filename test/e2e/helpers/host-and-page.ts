/**
 * The setup most page tests share: the BUILT headless host (startHeadlessHost) and Chromium
 * (launchBrowser), with a page opened or not, and their teardown. When a step fails, what was already
 * started is stopped before the error is rethrown, so a failed beforeAll leaves nothing running.
 */
import type { Page } from 'playwright-core'
import { launchBrowser, type TestBrowser } from './browser'
import { startHeadlessHost, stopHost, type HeadlessHost } from './headless-host'

export interface HostAndBrowserOptions {
  /** Passed to startHeadlessHost. */
  env?: Record<string, string>
  /** Passed to launchBrowser (light by default). */
  colorScheme?: 'light' | 'dark'
}

/** Starts the host, then launches Chromium. */
export async function hostAndBrowser(opts: HostAndBrowserOptions = {}): Promise<{ host: HeadlessHost; browser: TestBrowser }> {
  const host = await startHeadlessHost({ env: opts.env })
  try {
    return { host, browser: await launchBrowser({ colorScheme: opts.colorScheme }) }
  } catch (err) {
    await stopHost(host)
    throw err
  }
}

/** hostAndBrowser, then a new page in that browser (not yet navigated). */
export async function hostAndPage(opts: HostAndBrowserOptions = {}): Promise<{ host: HeadlessHost; browser: TestBrowser; page: Page }> {
  const { host, browser } = await hostAndBrowser(opts)
  try {
    return { host, browser, page: await browser.newPage() }
  } catch (err) {
    await stopHostAndBrowser(host, browser)
    throw err
  }
}

/** Closes the browser, then stops the host and deletes its data folder (stopHost); either may be undefined. */
export async function stopHostAndBrowser(host: HeadlessHost | undefined, browser: TestBrowser | undefined): Promise<void> {
  await browser?.close()
  await stopHost(host)
}
