/**
 * `npm run screenshots [-- <folder>]`: screenshots of the dashboard for people to look at (no
 * assertions): Overview, Logs, Settings with a validation error and after saving, the sign-in
 * prompt and the disconnected state, in light and dark. Runs the BUILT headless host (build first:
 * `npm run build`) and the system Chromium (/usr/bin/chromium) through playwright-core with the
 * flags from environment.md (test/e2e/helpers/browser.ts). Default folder: .tmp/screenshots.
 */
import fs from 'node:fs'
import path from 'node:path'
import { launchBrowser } from '../test/e2e/helpers/browser'
import { REPO_ROOT, assertBuilt, bridgeCall, startHeadlessHost } from '../test/e2e/helpers/headless-host'

type Scheme = 'light' | 'dark'

async function captureAll(scheme: Scheme, dir: string): Promise<string[]> {
  const written: string[] = []
  const shot = (name: string): string => {
    const file = path.join(dir, `${scheme}-${name}.png`)
    written.push(file)
    return file
  }
  const host = await startHeadlessHost()
  const browser = await launchBrowser({ colorScheme: scheme }).catch(async (err: unknown) => {
    await host.stop()
    throw err
  })
  try {
    const page = await browser.newPage()
    await page.goto(host.url)
    await page.locator('[data-service="store"]').getByText('Running').waitFor()
    await page.screenshot({ path: shot('overview') })

    // Some variety for the log view: an info line with fields and a few warnings.
    await bridgeCall(host, 'config.update', { polling: { batch_size: 64 } })
    await bridgeCall(host, 'logs.tail', { limit: 0 })
    await bridgeCall(host, 'no.such.method')
    await page.getByRole('link', { name: 'Logs' }).click()
    await page.locator('.log-table__inner [role="row"]', { hasText: 'no.such.method' }).waitFor()
    await page.locator('.log-table__inner [role="row"]', { hasText: 'configuration updated' }).click()
    await page.screenshot({ path: shot('logs') })

    await page.getByRole('link', { name: 'Settings' }).click()
    const interval = page.locator('[data-key="polling.interval_ms"]')
    await interval.fill('5')
    await page.getByTestId('error-polling.interval_ms').waitFor()
    await page.locator('#section-polling').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: shot('settings-invalid') })
    await interval.fill('250')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByTestId('save-result').waitFor()
    await page.screenshot({ path: shot('settings-saved') })

    const signIn = await browser.newPage()
    await signIn.goto(`${host.origin}/?token=wrong`)
    await signIn.getByRole('alert').waitFor()
    await signIn.screenshot({ path: shot('sign-in') })
    await signIn.close()

    await page.getByRole('link', { name: 'Overview' }).click()
    await host.stop()
    await page.getByText('Disconnected — reconnecting…').first().waitFor()
    await page.screenshot({ path: shot('disconnected') })
    return written
  } finally {
    await browser.close()
    await host.stop()
    fs.rmSync(host.dataDir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(REPO_ROOT, '.tmp', 'screenshots'))
  assertBuilt()
  fs.mkdirSync(dir, { recursive: true })
  for (const scheme of ['light', 'dark'] as const) {
    for (const file of await captureAll(scheme, dir)) process.stdout.write(`${file}\n`)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
