/**
 * Screenshots of the dashboard for people to look at (not assertions about pixels): Overview,
 * Logs, Settings with a validation error, the sign-in prompt and the disconnected state, in light
 * and dark. Runs only when WARP_E2E_SHOTS names a folder, e.g.
 *   WARP_E2E_SHOTS=/tmp/shots npx vitest run --project e2e test/e2e/dashboard-screenshots.test.ts
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'vitest'
import { launchBrowser } from './helpers/browser'
import { assertBuilt, bridgeCall, startHeadlessHost } from './helpers/headless-host'

const shotsDir = process.env.WARP_E2E_SHOTS

describe.skipIf(!shotsDir)('dashboard screenshots', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`captures every screen in ${scheme}`, async () => {
      assertBuilt()
      const dir = shotsDir!
      fs.mkdirSync(dir, { recursive: true })
      const shot = (name: string): string => path.join(dir, `${scheme}-${name}.png`)
      const host = await startHeadlessHost()
      const browser = await launchBrowser({ colorScheme: scheme })
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
      } finally {
        await browser.close()
        await host.stop()
        fs.rmSync(host.dataDir, { recursive: true, force: true })
      }
    })
  }
})
