/**
 * The Requests dashboard in real Chromium against the BUILT headless host (embedded SQLite queue in
 * a temp data folder; run `npm run build` first — `npm test` does): the empty state; a health_check
 * sent from the UI comes back completed and its detail shows the pretty response JSON; an unknown
 * type comes back failed with "No handler for request type"; filters (status, type, NPC, id) narrow
 * the table; keyboard selection opens the detail; status counts and the table follow the live
 * events; retry is disabled until a failed row is ticked; purge needs its confirmation; the
 * database "Test connection" in Settings succeeds for SQLite and, with unsaved MySQL values that
 * point at a closed port, reports "Host unreachable" without saving anything; and with polling
 * disabled the page shows the server's "unavailable" message with a link to Settings.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import type { RequestsStats, RequestsSubmitTestResult } from '../../src/shared/contract'
import type { TestBrowser } from './helpers/browser'
import { assertBuilt, bridgeCall, call, makeTempDir, type HeadlessHost } from './helpers/headless-host'
import { hostAndBrowser, hostAndPage, stopHostAndBrowser } from './helpers/host-and-page'

const UNKNOWN_TYPE = 'no_such_type_e2e'

/** Waits (no timing assertion) until the value matches: live figures arrive about once a second. */
function eventually<T>(read: () => Promise<T>): ReturnType<typeof expect.poll<T>> {
  return expect.poll(read, { timeout: 30_000, interval: 100 })
}

/** Body rows of the requests grid (not the header). */
function rows(page: Page): Locator {
  return page.locator('[data-testid="rq-table"] .rq-body [role="row"]')
}

/** The number shown on a status tile ("1,204" → 1204). */
async function tileCount(page: Page, status: string): Promise<number> {
  const text = await page.getByTestId(`rq-count-${status}`).locator('.rq-tile-count').textContent()
  return Number((text ?? '').replace(/[^\d]/g, ''))
}

describe('Requests dashboard against the built headless host', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page
  let healthId = 0
  let failedId = 0

  beforeAll(async () => {
    ;({ host, browser, page } = await hostAndPage())
  })

  afterAll(() => stopHostAndBrowser(host, browser))

  it('shows the empty state with how requests arrive and a way to send a test request', async () => {
    await page.goto(`${host.url}#/requests`)
    await page.getByRole('heading', { name: 'Requests', level: 1 }).waitFor()
    const empty = page.getByTestId('rq-empty')
    await empty.waitFor()
    expect(await empty.textContent()).toContain('No AI requests yet')
    expect(await empty.textContent()).toContain('ai_requests')
    await empty.getByRole('button', { name: 'Send a test request' }).waitFor()
    await page.getByTestId('rq-polling').filter({ hasText: 'Polling' }).waitFor()
    expect(await tileCount(page, 'completed')).toBe(0)
  })

  it('sends a health_check from the UI: it appears completed and the detail shows the pretty response JSON', async () => {
    await page.getByTestId('rq-empty').getByRole('button', { name: 'Send a test request' }).click()
    const dialog = page.getByTestId('rq-test-dialog')
    await dialog.waitFor()
    expect(await dialog.getByLabel('Type').inputValue()).toBe('health_check')
    await dialog.getByRole('button', { name: 'Send', exact: true }).click()
    const result = page.getByTestId('rq-test-result')
    await result.locator('.rq-badge', { hasText: 'Completed' }).waitFor()
    const idText = (await result.locator('strong').first().textContent()) ?? ''
    healthId = Number(idText.replace('#', ''))
    expect(healthId).toBeGreaterThan(0)
    expect(await result.textContent()).toContain('HTTP 200')
    await dialog.getByRole('button', { name: 'Close', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })

    // In the table, completed.
    const row = page.locator(`[data-testid="rq-table"] [data-id="${healthId}"]`)
    await row.waitFor()
    expect(await row.getAttribute('data-status')).toBe('completed')
    expect(await row.textContent()).toContain('health_check')

    // The detail of the new request is open with the response pretty-printed (2-space JSON).
    const detail = page.getByTestId('rq-detail')
    await detail.getByRole('heading', { name: `Request #${healthId}` }).waitFor()
    const response = detail.getByTestId('rq-detail-response')
    await response.waitFor()
    const json = (await response.textContent()) ?? ''
    expect(json).toContain('{\n  "status": "ok",\n  "service": "ai_ipc_service"')
    expect(JSON.parse(json)).toMatchObject({ status: 'ok', service: 'ai_ipc_service' })
    expect(await detail.textContent()).toContain('HTTP 200')
  })

  it('sends an unknown type: it comes back failed with the "No handler for request type" message', async () => {
    await page.getByRole('button', { name: 'Send test request' }).click()
    const dialog = page.getByTestId('rq-test-dialog')
    await dialog.getByLabel('Type').fill(UNKNOWN_TYPE)
    await dialog.getByRole('button', { name: 'Send', exact: true }).click()
    const result = page.getByTestId('rq-test-result')
    await result.locator('.rq-badge', { hasText: 'Failed' }).waitFor()
    await result.getByText(`No handler for request type: ${UNKNOWN_TYPE}`).first().waitFor()
    failedId = Number(((await result.locator('strong').first().textContent()) ?? '').replace('#', ''))
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    const row = page.locator(`[data-testid="rq-table"] [data-id="${failedId}"]`)
    await row.waitFor()
    expect(await row.getAttribute('data-status')).toBe('failed')
    const detail = page.getByTestId('rq-detail')
    await detail.getByRole('heading', { name: `Request #${failedId}` }).waitFor()
    expect(await detail.getByTestId('rq-detail-error').textContent()).toContain(`No handler for request type: ${UNKNOWN_TYPE}`)
    expect(await detail.textContent()).toContain('HTTP 500')
  })

  it('follows the live stats and list: counts and rows update without a reload', async () => {
    await eventually(() => tileCount(page, 'completed')).toBe(1)
    await eventually(() => tileCount(page, 'failed')).toBe(1)
    // Requests inserted by someone else (here: straight through the bridge) arrive via the events.
    const sent: RequestsSubmitTestResult[] = []
    for (let i = 0; i < 3; i++) sent.push(await call<RequestsSubmitTestResult>(host, 'requests.submitTest', { type: 'health_check' }))
    expect(sent.every((s) => s.status === 'completed')).toBe(true)
    await eventually(() => tileCount(page, 'completed')).toBe(4)
    for (const s of sent) await page.locator(`[data-testid="rq-table"] [data-id="${s.id}"][data-status="completed"]`).waitFor()
    await page.getByTestId('rq-shown').filter({ hasText: 'Showing 5 of 5 requests' }).waitFor()
    // The handler table has the health handler's figures.
    await page.locator('.rq-handlers summary').click()
    await page.locator('.rq-htable tbody tr', { hasText: 'health' }).first().waitFor()
    await page.locator('.rq-handlers summary').click()
  })

  it('narrows the table with the status, type, NPC and id filters, and selects rows by keyboard', async () => {
    const clearFilters = page.getByRole('search', { name: 'Filter requests' }).getByRole('button', { name: 'Clear filters' })
    // Status: only failed.
    await page.getByTestId('rq-status-filter').click()
    await page.getByRole('checkbox', { name: 'Failed' }).check()
    await page.keyboard.press('Escape')
    await eventually(() => rows(page).count()).toBe(1)
    expect(await rows(page).first().getAttribute('data-id')).toBe(String(failedId))
    await page.getByTestId('rq-status-filter').filter({ hasText: 'Failed' }).waitFor()
    await clearFilters.click()
    await eventually(() => rows(page).count()).toBe(5)

    // Status tiles toggle the same filter.
    await page.getByTestId('rq-count-completed').click()
    await eventually(() => rows(page).count()).toBe(4)
    expect(await page.getByTestId('rq-count-completed').getAttribute('aria-pressed')).toBe('true')
    await page.getByTestId('rq-count-completed').click()
    await eventually(() => rows(page).count()).toBe(5)

    // Type (exact, case-insensitive).
    await page.getByLabel('Type', { exact: true }).fill(UNKNOWN_TYPE.toUpperCase())
    await page.getByLabel('Type', { exact: true }).press('Enter')
    await eventually(() => rows(page).count()).toBe(1)
    await clearFilters.click()
    await eventually(() => rows(page).count()).toBe(5)

    // Id.
    await page.getByLabel('Id', { exact: true }).fill(String(healthId))
    await page.getByLabel('Id', { exact: true }).press('Enter')
    await eventually(() => rows(page).count()).toBe(1)
    expect(await rows(page).first().getAttribute('data-id')).toBe(String(healthId))
    await page.getByLabel('Id', { exact: true }).fill('not-a-number')
    await page.getByLabel('Id', { exact: true }).press('Enter')
    await page.getByRole('alert').filter({ hasText: 'Id must be a whole number' }).waitFor()
    await clearFilters.click()

    // NPC that matches nothing → "no match" state with a way back.
    await page.getByLabel('NPC', { exact: true }).fill('nobody-by-this-name')
    await page.getByLabel('NPC', { exact: true }).press('Enter')
    await page.getByTestId('rq-nomatch').waitFor()
    await page.getByTestId('rq-nomatch').getByRole('button', { name: 'Clear filters' }).click()
    await eventually(() => rows(page).count()).toBe(5)

    // Keyboard: focus the grid, ↓ opens the newest row's detail, ↓ again the next one, Space ticks it.
    const grid = page.getByRole('grid', { name: /AI requests/ })
    await page.getByTestId('rq-detail').getByRole('button', { name: 'Close the detail panel' }).click()
    await page.getByTestId('rq-detail').waitFor({ state: 'detached' })
    await grid.focus()
    await page.keyboard.press('ArrowDown')
    const first = await rows(page).first().getAttribute('data-id')
    await page.getByTestId('rq-detail').getByRole('heading', { name: `Request #${first}` }).waitFor()
    await page.keyboard.press('ArrowDown')
    const second = await rows(page).nth(1).getAttribute('data-id')
    await page.getByTestId('rq-detail').getByRole('heading', { name: `Request #${second}` }).waitFor()
    expect(await grid.getAttribute('aria-activedescendant')).toBe(`rq-row-${second}`)
    await page.keyboard.press(' ')
    expect(await rows(page).nth(1).getAttribute('aria-selected')).toBe('true')
    await page.keyboard.press(' ')
    expect(await rows(page).nth(1).getAttribute('aria-selected')).toBe('false')
    await page.keyboard.press('Escape')
    await page.getByTestId('rq-detail').waitFor({ state: 'detached' })
  })

  it('retries only ticked failed rows, and says why the buttons are disabled otherwise', async () => {
    const retry = page.getByRole('button', { name: /^Retry( \d+)? selected$/ })
    const cancel = page.getByRole('button', { name: /^Cancel( \d+)? selected$/ })
    expect(await retry.isDisabled()).toBe(true)
    expect(await cancel.isDisabled()).toBe(true)
    await page.getByText('Tick rows to retry or cancel them').waitFor()

    // A completed row is neither retryable nor cancellable.
    await page.getByRole('checkbox', { name: `Select request ${healthId}` }).check()
    expect(await retry.isDisabled()).toBe(true)
    expect(await retry.getAttribute('title')).toBe('None of the ticked rows is failed or timed out')
    await page.getByRole('checkbox', { name: `Select request ${healthId}` }).uncheck()

    await page.getByRole('checkbox', { name: `Select request ${failedId}` }).check()
    await page.getByRole('button', { name: 'Retry 1 selected' }).click()
    await page.getByTestId('rq-outcome').filter({ hasText: '1 request put back to pending' }).waitFor()
    // The poller picks it up again and it fails again (still no handler), live.
    await eventually(async () => (await call<RequestsStats>(host, 'requests.stats')).totals.failed).toBe(2)
    await page.locator(`[data-testid="rq-table"] [data-id="${failedId}"][data-status="failed"]`).waitFor()
  })

  it('asks for a confirmation before purging, and says what the purge did', async () => {
    const before = await rows(page).count()
    await page.getByRole('button', { name: 'Purge…' }).click()
    const dialog = page.getByTestId('rq-purge-dialog')
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('This deletes rows for good')
    expect(await dialog.textContent()).toContain('cannot be undone')
    // Backing out sends nothing.
    await dialog.getByRole('button', { name: 'Keep them' }).click()
    await dialog.waitFor({ state: 'detached' })
    expect(await page.getByTestId('rq-outcome').textContent()).not.toContain('deleted')
    expect(await rows(page).count()).toBe(before)

    // Confirming sends the purge (confirm: true): nothing is a day old yet.
    await page.getByRole('button', { name: 'Purge…' }).click()
    await dialog.getByLabel('Older than (days)').fill('1')
    await dialog.getByRole('button', { name: 'Delete for good' }).click()
    await page.getByTestId('rq-outcome').filter({ hasText: 'Nothing older than 1 day to delete' }).waitFor()
    expect(await rows(page).count()).toBe(before)
  })

  it('tests the SQLite queue connection from Settings and reports success with each check', async () => {
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    const box = page.getByTestId('db-connection-test')
    await box.getByRole('button', { name: 'Test connection' }).click()
    const result = box.getByTestId('db-test-result')
    await result.waitFor()
    expect(await result.getAttribute('data-ok')).toBe('true')
    const text = (await result.textContent()) ?? ''
    expect(text).toContain('Connected')
    expect(text).toContain('SQLite')
    expect(text).toContain(path.join(host.dataDir, 'ai-ipc.db'))
    expect(await result.locator('.dbtest__checks li').count()).toBeGreaterThan(0)
    expect(await result.locator('.dbtest__check--bad').count()).toBe(0)
  })

  it('tests unsaved MySQL values without saving them, and says exactly what failed', async () => {
    const box = page.getByTestId('db-connection-test')
    await page.locator('[data-key="database.driver"]').selectOption('mysql')
    await page.locator('[data-key="database.host"]').fill('127.0.0.1')
    await page.locator('[data-key="database.port"]').fill('1') // nothing listens on port 1
    await box.getByText('Tests the unsaved values').waitFor()
    await box.getByRole('button', { name: 'Test connection' }).click()
    const result = box.locator('[data-testid="db-test-result"][data-ok="false"]')
    await result.waitFor()
    const text = (await result.textContent()) ?? ''
    expect(text).toContain('Failed')
    expect(text).toContain('Host unreachable')
    expect(text).toContain('127.0.0.1:1')
    expect(await result.locator('.dbtest__check--bad').count()).toBe(1)

    // An invalid field blocks the test and says which.
    await page.locator('[data-key="database.port"]').fill('not-a-port')
    await box.getByText('Fix Port first').waitFor()
    expect(await box.getByRole('button', { name: 'Test connection' }).isDisabled()).toBe(true)

    // Nothing was saved: the host still runs the SQLite queue.
    await page.getByRole('button', { name: 'Discard' }).click()
    const view = await call<{ config: { database: { driver: string } } }>(host, 'config.get')
    expect(view.config.database.driver).toBe('sqlite')
  })
})

describe('Requests dashboard with the poller disabled', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let configDir: string

  beforeAll(async () => {
    assertBuilt()
    configDir = makeTempDir('config')
    const file = path.join(configDir, 'warp-host.yaml')
    fs.writeFileSync(file, 'polling:\n  enabled: false\n')
    ;({ host, browser } = await hostAndBrowser({ env: { WARP_HOST_CONFIG: file }, colorScheme: 'dark' }))
  })

  afterAll(async () => {
    await stopHostAndBrowser(host, browser)
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true })
  })

  it("shows the server's unavailable message and a link to Settings", async () => {
    const stats = await bridgeCall(host, 'requests.stats')
    expect(stats.ok).toBe(false)
    if (stats.ok) return
    expect(stats.error.code).toBe('unavailable')

    const page = await browser.newPage()
    await page.goto(`${host.url}#/requests`)
    const state = page.getByTestId('rq-unavailable')
    await state.waitFor()
    expect(await state.textContent()).toContain(stats.error.message)
    await state.getByRole('link', { name: 'Open Settings' }).click()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
  })
})
