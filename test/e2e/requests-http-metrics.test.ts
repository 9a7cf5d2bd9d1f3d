/**
 * The Requests page's "AI service (HTTP)" panel in real Chromium against the BUILT headless host
 * (run `npm run build` first), with ai_service.base_url pointing at a real stub HTTP server on
 * 127.0.0.1:0 in this process:
 * - before any call it says "No AI service calls yet";
 * - after an http_get test request sent from the page's dialog it shows the stub's upstream with
 *   1 request and latency figures, without a reload (metrics.http refetched on the stats event);
 * - a 404 answer counts as an error, with the kind in the errors cell's tooltip;
 * - the same figures show in the dark colour scheme.
 * With WARP_E2E_SHOTS=<folder> it also saves http-metrics-{empty-light,light,dark}.png there.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import type { MetricsHttp } from '../../src/shared/contract'
import { json, startStub, type Stub } from '../integration/http/stub-server'
import { launchBrowser, type TestBrowser } from './helpers/browser'
import { hostAndBrowser, stopHostAndBrowser } from './helpers/host-and-page'
import { assertBuilt, bridgeCall, type HeadlessHost } from './helpers/headless-host'

const shotsDir = process.env.WARP_E2E_SHOTS

/** Waits (no timing assertion) until the value matches: the panel refreshes with the stats events. */
function eventually<T>(read: () => Promise<T>): ReturnType<typeof expect.poll<T>> {
  return expect.poll(read, { timeout: 30_000, interval: 100 })
}

function upstreamRow(page: Page, origin: string): Locator {
  return page.locator(`[data-testid="rq-http-row"][data-origin="${origin}"]`)
}

async function cell(row: Locator, col: string): Promise<string> {
  return ((await row.locator(`[data-col="${col}"]`).textContent()) ?? '').trim()
}

async function sendFromDialog(page: Page, type: string, endpoint: string): Promise<void> {
  await page.getByRole('button', { name: 'Send test request' }).click()
  const dialog = page.getByTestId('rq-test-dialog')
  await dialog.waitFor()
  await dialog.getByLabel('Type').fill(type)
  await dialog.getByLabel('Endpoint').fill(endpoint)
  await dialog.getByRole('button', { name: 'Send', exact: true }).click()
  await page.getByTestId('rq-test-result').locator('.rq-badge', { hasText: 'Completed' }).waitFor()
  await dialog.getByRole('button', { name: 'Close', exact: true }).click()
  await dialog.waitFor({ state: 'detached' })
}

describe('Requests page: AI service (HTTP) panel', () => {
  let stub: Stub
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page

  beforeAll(async () => {
    assertBuilt()
    stub = await startStub((req, res) => {
      if (req.url.split('?')[0] === '/greeting') return json(res, 200, { text: 'Welcome to Prontera' })
      return json(res, 404, { error: 'no such page' })
    })
    ;({ host, browser } = await hostAndBrowser({ env: { AI_SERVICE_BASE_URL: stub.url }, colorScheme: 'light' }))
    page = await browser.newPage()
  })

  afterAll(async () => {
    await stopHostAndBrowser(host, browser)
    await stub?.close()
  })

  it('says "No AI service calls yet" before any call', async () => {
    await page.goto(`${host.url}#/requests`)
    const panel = page.getByTestId('rq-http')
    await panel.waitFor()
    await panel.getByRole('heading', { name: 'AI service (HTTP)' }).waitFor()
    await panel.getByTestId('rq-http-empty').filter({ hasText: 'No AI service calls yet' }).waitFor()
    expect(await panel.getByTestId('rq-http-row').count()).toBe(0)
    if (shotsDir) {
      fs.mkdirSync(shotsDir, { recursive: true })
      await page.screenshot({ path: path.join(shotsDir, 'http-metrics-empty-light.png') })
    }
  })

  it('shows the upstream with its figures after an http_get test request, without a reload', async () => {
    await sendFromDialog(page, 'http_get', '/greeting')
    expect(stub.requests.map((r) => r.url)).toEqual(['/greeting'])
    const row = upstreamRow(page, stub.url)
    await row.waitFor()
    expect(await row.locator('th').textContent()).toBe(stub.url)
    await eventually(() => cell(row, 'requests')).toBe('1')
    expect(await cell(row, 'errors')).toBe('0')
    expect(await cell(row, 'retries')).toBe('0')
    expect(await cell(row, 'inflight')).toBe('0')
    expect(await cell(row, 'cache')).toBe('—') // the proxy never uses the cache
    for (const col of ['p50', 'p95', 'p99']) expect(await cell(row, col)).toMatch(/^\d+(\.\d+)? (ms|s)$/)
    expect(await page.getByTestId('rq-http-empty').count()).toBe(0)

    // The same figures as the contract method.
    const res = await bridgeCall(host, 'metrics.http')
    if (!res.ok) throw new Error(res.error.message)
    const http = res.value as MetricsHttp
    expect(http.clients.map((c) => c.name)).toEqual(['ai-service'])
    expect(http.clients[0]?.upstreams.find((u) => u.origin === stub.url)?.requests).toBe(1)
  })

  it('counts a 404 as an error and names its kind in the tooltip', async () => {
    await sendFromDialog(page, 'http_get', '/nowhere')
    const row = upstreamRow(page, stub.url)
    await eventually(() => cell(row, 'requests')).toBe('2')
    await eventually(() => cell(row, 'errors')).toBe('1')
    const errors = row.locator('[data-col="errors"]')
    const title = (await errors.getAttribute('title')) ?? ''
    expect(title).toContain('HTTP status: 1')
    expect(title).toContain('timeout: 0')
    expect(title).toContain('connection: 0')
    await page.getByTestId('rq-http').filter({ hasText: '1 upstream · 2 calls · 1 error' }).waitFor()
    if (shotsDir) {
      fs.mkdirSync(shotsDir, { recursive: true })
      await page.getByTestId('rq-http').scrollIntoViewIfNeeded()
      await page.screenshot({ path: path.join(shotsDir, 'http-metrics-light.png') })
    }
  })

  it('shows the same panel in the dark colour scheme', async () => {
    const dark = await launchBrowser({ colorScheme: 'dark' })
    try {
      const p = await dark.newPage()
      await p.goto(`${host.url}#/requests`)
      const row = upstreamRow(p, stub.url)
      await row.waitFor()
      expect(await cell(row, 'requests')).toBe('2')
      expect(await cell(row, 'errors')).toBe('1')
      const bg: unknown = await p.evaluate('getComputedStyle(document.querySelector(\'[data-testid="rq-http"]\')).backgroundColor')
      expect(bg).toBe('rgb(22, 27, 34)') // --surface in dark
      if (shotsDir) await p.screenshot({ path: path.join(shotsDir, 'http-metrics-dark.png') })
    } finally {
      await dark.close()
    }
  })
})
