/**
 * Screenshots of Overview and Requests for people to look at (not assertions about pixels): empty
 * and busy queues (completed, HTTP errors, template fallbacks, failed, rows processing behind a
 * slow AI service), at 1280 and 820 px, light and dark, plus the disconnected (stale) state.
 * Runs only when WARP_E2E_SHOTS names a folder, e.g.
 *   WARP_E2E_SHOTS=/tmp/shots npx vitest run --project e2e test/e2e/requests-screenshots.test.ts
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { launchBrowser } from './helpers/browser'
import { assertBuilt, bridgeCall, startHeadlessHost, type HeadlessHost } from './helpers/headless-host'

const shotsDir = process.env.WARP_E2E_SHOTS

/** An AI service that never answers /slow and refuses everything else with 503. */
async function slowService(): Promise<{ url: string; close(): Promise<void> }> {
  const held: http.ServerResponse[] = []
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/slow')) {
      held.push(res)
      return
    }
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded"}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const r of held) r.destroy()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

async function fill(host: HeadlessHost): Promise<void> {
  const send = (input: Record<string, unknown>): Promise<unknown> => bridgeCall(host, 'requests.submitTest', { waitMs: 0, ...input })
  for (let i = 0; i < 12; i++) await send({ type: 'health_check' })
  for (let i = 0; i < 3; i++) await send({ type: 'http_get', endpoint: '', data: '{}' })
  for (let i = 0; i < 4; i++) await send({ type: 'ai_npc_dialogue', data: JSON.stringify({ npc_id: `merchant_${i}`, message: 'hello there' }) })
  await send({ type: 'http_get', endpoint: '/api/v1/missing', data: '{}' })
  await send({ type: 'no_such_type' })
  for (let i = 0; i < 3; i++) await send({ type: 'http_get', endpoint: '/slow', data: '{}', expiresInSeconds: 300 })
}

async function shoot(page: Page, dir: string, name: string): Promise<void> {
  await page.screenshot({ path: path.join(dir, `${name}.png`) })
}

describe.skipIf(!shotsDir)('Overview and Requests screenshots', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`captures Overview and Requests, empty and busy, wide and narrow, in ${scheme}`, async () => {
      assertBuilt()
      const dir = shotsDir!
      fs.mkdirSync(dir, { recursive: true })
      const ai = await slowService()
      const host = await startHeadlessHost({ env: { AI_SERVICE_BASE_URL: ai.url, AI_SERVICE_TIMEOUT: '60' } })
      const browser = await launchBrowser({ colorScheme: scheme })
      try {
        const page = await browser.newPage()
        for (const width of [1280, 820]) {
          await page.setViewportSize({ width, height: 800 })
          await page.goto(`${host.url}#/requests`)
          await page.getByTestId('rq-empty').waitFor()
          await shoot(page, dir, `${scheme}-${width}-requests-empty`)
          await page.goto(`${host.url}#/overview`)
          await page.getByTestId('queue-health').waitFor()
          await shoot(page, dir, `${scheme}-${width}-overview-empty`)
        }
        await fill(host)
        for (const width of [1280, 820]) {
          await page.setViewportSize({ width, height: 800 })
          await page.goto(`${host.url}#/requests`)
          await page.locator('[data-testid="rq-table"] .rq-body [role="row"][data-status="processing"]').first().waitFor()
          // Wait for the quick answers (health, validation errors, fallbacks) to be counted.
          const count = async (id: string): Promise<number> =>
            Number(((await page.getByTestId(id).locator('.rq-tile-count').textContent()) ?? '').replace(/\D/g, ''))
          await expect.poll(async () => (await count('rq-count-completed')) >= 19 && (await count('rq-count-errored')) >= 3, { timeout: 30_000 }).toBe(true)
          await page.locator('[data-testid="rq-table"] .rq-body [role="row"][data-status="completed"]').first().click()
          await page.getByTestId('rq-detail').waitFor()
          await shoot(page, dir, `${scheme}-${width}-requests-busy`)
          await page.locator('.rq-handlers summary').click()
          await page.locator('.rq-handlers table').scrollIntoViewIfNeeded()
          await shoot(page, dir, `${scheme}-${width}-requests-handlers`)
          await page.getByTestId('rq-http-filter').selectOption('error')
          await page.locator('[data-testid="rq-table"] .rq-body .rq-st-errored').first().click()
          await page.getByTestId('rq-detail-summary').waitFor()
          await page.evaluate('document.querySelector(".content").scrollTo(0, 0)')
          await shoot(page, dir, `${scheme}-${width}-requests-errors`)
          await page.getByTestId('rq-http-filter').selectOption('')
          await page.goto(`${host.url}#/overview`)
          await page.getByTestId('queue-health').waitFor()
          await shoot(page, dir, `${scheme}-${width}-overview-busy`)
        }
        await page.setViewportSize({ width: 1280, height: 800 })
        await page.goto(`${host.url}#/settings`)
        await page.getByTestId('ai-service-test').getByRole('button', { name: 'Test AI service' }).click()
        await page.getByTestId('ai-test-result').waitFor()
        await page.getByTestId('ai-service-test').scrollIntoViewIfNeeded()
        await shoot(page, dir, `${scheme}-1280-settings-ai-test`)

        // A host whose queue database is unreachable: the failure on the nav, header and its card.
        const broken = await startHeadlessHost({ env: { DB_DRIVER: 'mysql', DB_HOST: '127.0.0.1', DB_PORT: '1', DB_NAME: 'x' } })
        try {
          const p = await browser.newPage()
          for (const width of [1280, 820]) {
            await p.setViewportSize({ width, height: 800 })
            await p.goto(`${broken.url}#/overview`)
            await p.getByTestId('retry-ai-ipc').waitFor({ timeout: 30_000 })
            await p.getByTestId('health-unavailable').waitFor()
            await shoot(p, dir, `${scheme}-${width}-overview-failing`)
          }
          await p.close()
        } finally {
          await broken.stop()
          fs.rmSync(broken.dataDir, { recursive: true, force: true })
        }

        await page.setViewportSize({ width: 820, height: 800 })
        await page.goto(`${host.url}#/requests`)
        await page.getByTestId('rq-table').waitFor()
        await host.stop()
        await page.getByText('Disconnected — reconnecting…').first().waitFor()
        await shoot(page, dir, `${scheme}-820-requests-disconnected`)
      } finally {
        await browser.close()
        await host.stop()
        await ai.close()
        fs.rmSync(host.dataDir, { recursive: true, force: true })
      }
    }, 120_000)
  }
})
