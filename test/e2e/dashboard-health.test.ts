/**
 * Issue 10's dashboard items (11–15) in real Chromium against the BUILT headless host (embedded
 * SQLite queue; an AI service stub that refuses with 503 and never answers /slow):
 *  - an answer with an HTTP error is an amber "Completed · 400" row, counted on the HTTP errors
 *    tile, found by the HTTP-status filter, and the handler table shows errors and fallbacks;
 *  - latency says what it measures (insert → answer beside claim → answer and handler time),
 *    processing rows show how long they have waited, and the poller line says
 *    "N processing, M in flight here";
 *  - the detail panel starts with its summary; a failed test request never gets a check mark,
 *    and its result names the status instead of a bare "status code 4";
 *  - Overview shows the queue's health and each figure opens the matching Requests view;
 *  - at 820 px the navigation is a drawer and nothing overflows the page sideways;
 *  - Settings' "Test AI service" probes the base URL; the sign-in example uses the page's origin;
 *  - a second host whose database is unreachable shows the failure on the nav, in the header and
 *    on its card with "retrying in N s (attempt k)";
 *  - while disconnected, Requests greys its data and says "as of HH:MM:SS".
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { type TestBrowser } from './helpers/browser'
import { hostAndBrowser, stopHostAndBrowser } from './helpers/host-and-page'
import { assertBuilt, bridgeCall, startHeadlessHost, type HeadlessHost } from './helpers/headless-host'

function eventually<T>(read: () => Promise<T>): ReturnType<typeof expect.poll<T>> {
  return expect.poll(read, { timeout: 30_000, interval: 100 })
}

function rows(page: Page): Locator {
  return page.locator('[data-testid="rq-table"] .rq-body [role="row"]')
}

async function tileCount(page: Page, id: string): Promise<number> {
  return Number(((await page.getByTestId(id).locator('.rq-tile-count').textContent()) ?? '').replace(/\D/g, ''))
}

/** An AI service that refuses everything with 503 and never answers /slow. */
async function aiStub(): Promise<{ url: string; releaseSlow(): void; close(): Promise<void> }> {
  const held: http.ServerResponse[] = []
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/slow')) {
      held.push(res)
      return
    }
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
      return
    }
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded"}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    releaseSlow: () => {
      for (const r of held.splice(0)) r.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    },
    close: async () => {
      for (const r of held) r.destroy()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

describe('dashboard health and errors (issue 10, items 11–15)', () => {
  let ai: Awaited<ReturnType<typeof aiStub>>
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page
  let badId = 0

  beforeAll(async () => {
    assertBuilt()
    ai = await aiStub()
    ;({ host, browser } = await hostAndBrowser({ env: { AI_SERVICE_BASE_URL: ai.url, AI_SERVICE_TIMEOUT: '60' } }))
    page = await browser.newPage()
  })

  afterAll(async () => {
    await stopHostAndBrowser(host, browser)
    await ai?.close()
  })

  it('shows an answer with an HTTP error as amber "Completed · 400", counts it, filters by HTTP status and fills the handler errors and fallbacks', async () => {
    const send = async (input: Record<string, unknown>): Promise<number> => {
      const r = await bridgeCall(host, 'requests.submitTest', { waitMs: 5000, ...input })
      if (!r.ok) throw new Error(r.error.message)
      return (r.value as { id: number }).id
    }
    await send({ type: 'health_check' })
    badId = await send({ type: 'http_get', endpoint: '', data: '{}' }) // validation: completed, 400
    await send({ type: 'ai_npc_dialogue', data: JSON.stringify({ npc_id: 'merchant_1', message: 'hello' }) }) // AI service 503 → template

    await page.goto(`${host.url}#/requests`)
    const bad = page.locator(`[data-testid="rq-table"] [data-id="${badId}"]`)
    await bad.waitFor()
    const badge = bad.locator('.rq-badge')
    expect(await badge.textContent()).toBe('Completed · 400')
    expect(await badge.getAttribute('class')).toContain('rq-st-errored')
    await eventually(() => tileCount(page, 'rq-count-errored')).toBe(1)

    await page.getByTestId('rq-http-filter').selectOption('error')
    await eventually(() => rows(page).count()).toBe(1)
    expect(await rows(page).first().getAttribute('data-id')).toBe(String(badId))
    await page.getByTestId('rq-http-filter').selectOption('2xx')
    await eventually(() => rows(page).count()).toBe(2)
    await page.getByTestId('rq-http-filter').selectOption('')
    await eventually(() => rows(page).count()).toBe(3)

    await page.locator('.rq-handlers summary').click()
    await eventually(async () => (await page.getByTestId('rq-handler-errors-http_proxy').textContent()) ?? '').toBe('1 (100 %)')
    expect(await page.getByTestId('rq-handler-fallbacks-dialogue').textContent()).toBe('1')
    expect(await page.getByTestId('rq-handler-errors-health').textContent()).toBe('0 (0 %)')
  })

  it('says what latency means, shows how long processing rows have waited, and "N processing, M in flight here"', async () => {
    const latency = page.getByTestId('rq-latency')
    expect(await latency.textContent()).toContain('Insert → answer')
    expect(await latency.textContent()).toContain('Claim → answer')
    expect(await page.locator('[data-testid="rq-table"] [role="columnheader"]').allTextContents()).toEqual(
      expect.arrayContaining(['Handler', 'Waited'])
    )
    const r = await bridgeCall(host, 'requests.submitTest', { type: 'http_get', endpoint: '/slow', data: '{}', waitMs: 0, expiresInSeconds: 300 })
    if (!r.ok) throw new Error(r.error.message)
    const slowId = (r.value as { id: number }).id
    const slow = page.locator(`[data-testid="rq-table"] [data-id="${slowId}"][data-status="processing"]`)
    await slow.waitFor()
    const waited = slow.locator('.rq-c-waited')
    expect(await waited.getAttribute('class')).toContain('rq-waiting')
    expect(await waited.getAttribute('title')).toMatch(/^Processing for /)
    await page.getByTestId('rq-inflight').filter({ hasText: '1 processing, 1 in flight here' }).waitFor()
    // The bad answer's row shows insert → answer.
    expect(await page.locator(`[data-id="${badId}"] .rq-c-waited`).textContent()).toMatch(/\d+(\.\d+)? (ms|s)$/)
  })

  it('puts the summary first in the detail panel', async () => {
    await page.locator(`[data-testid="rq-table"] [data-id="${badId}"]`).click()
    const detail = page.getByTestId('rq-detail')
    await detail.getByTestId('rq-detail-summary').waitFor()
    const first = await detail.locator('.rq-detail-body > *').first().getAttribute('data-testid')
    expect(first).toBe('rq-detail-summary')
    const summary = (await detail.getByTestId('rq-detail-summary').textContent()) ?? ''
    expect(summary).toContain('Completed · 400')
    expect(summary).toContain('HTTP 400')
    expect(summary).toContain('Insert → answer')
    expect(summary).toContain('Handler time')
  })

  it('never shows a check mark for a failed test request, and names the status instead of "status code 4"', async () => {
    await page.getByRole('button', { name: 'Send test request' }).click()
    const dialog = page.getByTestId('rq-test-dialog')
    await dialog.getByLabel('Type').fill('no_such_type_e2e')
    await dialog.getByRole('button', { name: 'Send', exact: true }).click()
    const result = page.getByTestId('rq-test-result')
    await result.locator('.rq-badge', { hasText: 'Failed' }).waitFor()
    const line = (await result.locator('.rq-test-line').textContent()) ?? ''
    expect(line).toContain('failed (ai_db_status 4)')
    expect(line).not.toContain('status code')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    const outcome = page.getByTestId('rq-outcome').locator('.rq-outcome')
    await outcome.waitFor()
    expect(await outcome.getAttribute('data-tone')).toBe('warn')
    const text = (await outcome.textContent()) ?? ''
    expect(text).toContain('failed')
    expect(text).not.toContain('✓')
  })

  it('Overview shows the queue health, and each figure opens the matching Requests view', async () => {
    await page.goto(`${host.url}#/overview`)
    const health = page.getByTestId('queue-health')
    await health.waitFor()
    await eventually(async () => (await page.getByTestId('health-processing').textContent()) ?? '').toContain('in flight here')
    await eventually(async () => (await page.getByTestId('health-ai').textContent()) ?? '').toContain('Reachable')
    await eventually(async () => (await page.getByTestId('health-last-error').textContent()) ?? '').toContain('HTTP')
    expect(await page.getByTestId('health-pending').textContent()).toContain('nothing waiting')
    expect(await page.getByTestId('health-errors').getAttribute('href')).toBe('#/requests?http=error')
    expect(await page.getByTestId('health-pending').getAttribute('href')).toBe('#/requests?status=pending')
    await page.getByTestId('health-errors').click()
    await page.getByTestId('requests-page').waitFor()
    expect(await page.getByTestId('rq-http-filter').inputValue()).toBe('error')
    await eventually(() => rows(page).count()).toBe(2) // the 400 answer and the failed unknown type (500)
    await page.getByTestId('rq-http-filter').selectOption('')
  })

  it('at 820 px: the navigation is a drawer, and the page never scrolls sideways', async () => {
    await page.setViewportSize({ width: 820, height: 800 })
    await page.goto(`${host.url}#/requests`)
    await rows(page).first().waitFor()
    expect(await page.locator('#sidenav').isVisible()).toBe(false)
    await page.getByTestId('nav-toggle').click()
    await page.locator('#sidenav').getByRole('link', { name: 'Logs' }).waitFor()
    await page.locator('#sidenav').getByRole('link', { name: 'Requests' }).click()
    await page.locator('#sidenav').waitFor({ state: 'hidden' })
    await page.locator('.rq-handlers summary').click()
    const overflow = await page.evaluate('document.querySelector(".content").scrollWidth - document.querySelector(".content").clientWidth')
    expect(overflow).toBeLessThanOrEqual(0)
    await page.setViewportSize({ width: 1280, height: 800 })
  })

  it('Settings tests the AI service at its base URL; the sign-in example uses the page origin', async () => {
    await page.goto(`${host.url}#/settings`)
    const test = page.getByTestId('ai-service-test')
    await test.getByRole('button', { name: 'Test AI service' }).click()
    const result = test.getByTestId('ai-test-result')
    await result.waitFor()
    expect(await result.getAttribute('data-ok')).toBe('true')
    expect(await result.textContent()).toContain(`${ai.url}/health`)

    const signIn = await browser.newPage()
    await signIn.goto(`${host.origin}/?token=wrong`)
    await signIn.getByRole('alert').waitFor()
    expect(await signIn.getByTestId('signin-example').textContent()).toContain(`${host.origin}/?token=…`)
    await signIn.close()
  })

  it('a host whose database is unreachable shows it on the nav, in the header and on its card with the retry countdown', async () => {
    const broken = await startHeadlessHost({ env: { DB_DRIVER: 'mysql', DB_HOST: '127.0.0.1', DB_PORT: '1', DB_NAME: 'x' } })
    const p = await browser.newPage()
    try {
      await p.goto(`${broken.url}#/overview`)
      await p.getByTestId('header-failing').filter({ hasText: 'AI request poller failing' }).waitFor()
      await p.getByTestId('nav-alert-requests').waitFor()
      const retry = p.getByTestId('retry-ai-ipc')
      await retry.waitFor({ timeout: 30_000 })
      expect(await retry.textContent()).toMatch(/^retrying (in \d+ s|now) \(attempt \d+\)$/)
      await p.getByTestId('health-unavailable').waitFor()
      await p.getByTestId('nav-alert-requests').click()
      await p.getByTestId('rq-unavailable').waitFor()
      expect(await p.getByTestId('rq-unavailable-retry').textContent()).toMatch(/^The poller is retrying (in \d+ s|now) \(attempt \d+\)\.$/)
    } finally {
      await p.close()
      await broken.stop()
      fs.rmSync(broken.dataDir, { recursive: true, force: true })
    }
  })

  it('while disconnected, Requests greys its data and says "as of HH:MM:SS"', async () => {
    await page.goto(`${host.url}#/requests`)
    await rows(page).first().waitFor()
    ai.releaseSlow() // nothing in flight: the host stops at once
    await page.locator('[data-testid="rq-table"] [role="row"][data-status="processing"]').first().waitFor({ state: 'detached' })
    await host.stop()
    const asOf = page.getByTestId('rq-asof')
    await asOf.waitFor()
    expect(await asOf.textContent()).toMatch(/as of \d\d:\d\d:\d\d$/)
    expect(await page.getByTestId('requests-page').getAttribute('class')).toContain('rq-stale')
  })
})
