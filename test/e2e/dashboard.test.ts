/**
 * The dashboard in real Chromium against the BUILT headless host (run `npm run build` first;
 * `npm test` does): Overview shows live status and the version from the tokened URL; Logs shows
 * entries that arrive live and filters them by level and text; Settings validates inline with the
 * shared rules and a valid save round-trips to the host and its YAML file (secrets write-only);
 * a wrong token gets the sign-in prompt and the right one signs in; after SIGTERM the page says it
 * is disconnected and reconnecting, and the host exits 0.
 */
import fs from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { TestBrowser } from './helpers/browser'
import { REPO_ROOT, bridgeBurst, bridgeCall, type HeadlessHost } from './helpers/headless-host'
import { hostAndPage, stopHostAndBrowser } from './helpers/host-and-page'

const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** Log rows (not the header) containing `text`. */
function logRows(page: Page, text?: string): ReturnType<Page['locator']> {
  const rows = page.locator('.log-table__inner [role="row"]')
  return text ? rows.filter({ hasText: text }) : rows
}

describe('dashboard against the built headless host', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page

  beforeAll(async () => {
    ;({ host, browser, page } = await hostAndPage())
  })

  afterAll(() => stopHostAndBrowser(host, browser))

  it('opens the tokened URL on Overview with the live service status and the version', async () => {
    await page.goto(host.url)
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor()
    const store = page.locator('[data-service="store"]')
    await store.getByText('Running').waitFor()
    expect(await store.getByRole('heading').textContent()).toBe('App database')
    await page.getByTestId('app-version').filter({ hasText: `v${version}` }).waitFor()
    await page.locator('.stat-card', { hasText: 'Version' }).filter({ hasText: version }).waitFor()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()
    // The token left the address bar (kept in sessionStorage for this tab only).
    expect(page.url()).not.toContain('token=')
    expect(await page.evaluate(() => sessionStorage.getItem('warp-host.admin-token'))).toBe(host.token)
  })

  it('shows log entries live and filters them by minimum level and text', async () => {
    await page.getByRole('link', { name: 'Logs' }).click()
    await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor()
    await logRows(page, 'configuration loaded').first().waitFor() // from the initial logs.tail

    // New lines while the page is open can only arrive through the live logs.entries event.
    const updated = await bridgeCall(host, 'config.update', { polling: { batch_size: 73 } })
    expect(updated.ok).toBe(true)
    await logRows(page, 'configuration updated').filter({ hasText: 'polling.batch_size' }).waitFor()
    const probe = `e2e.probe-${randomUUID().slice(0, 8)}`
    const rejected = await bridgeCall(host, probe)
    expect(rejected.ok).toBe(false)
    await logRows(page, probe).waitFor()
    expect(await logRows(page, probe).locator('.level').textContent()).toBe('WARN')

    // Minimum level "warn": the warning stays, info lines go.
    await page.getByLabel('Level').selectOption('warn')
    await logRows(page, 'configuration updated').first().waitFor({ state: 'detached' })
    await logRows(page, probe).waitFor()
    const levels = await logRows(page).locator('.level').allTextContents()
    expect(levels.length).toBeGreaterThan(0)
    expect(levels.every((l) => l === 'WARN' || l === 'ERROR')).toBe(true)

    // Text search over message and fields.
    await page.getByLabel('Level').selectOption('debug')
    await page.getByLabel('Search').fill(probe)
    await expect.poll(() => logRows(page).count()).toBe(1)
    await logRows(page, probe).waitFor()
    await page.getByLabel('Search').fill('no-such-text-anywhere')
    await page.getByText('No entries match the level and search.').waitFor()
    await page.getByLabel('Search').fill('')
    await logRows(page, 'configuration loaded').first().waitFor()

    // Follow can be paused and resumed; "Clear view" empties the view but keeps new entries coming.
    const follow = page.getByRole('button', { name: /follow/i })
    expect(await follow.getAttribute('aria-pressed')).toBe('true')
    await follow.click()
    expect(await follow.getAttribute('aria-pressed')).toBe('false')
    await follow.click()
    expect(await follow.getAttribute('aria-pressed')).toBe('true')
    await page.getByRole('button', { name: 'Clear view' }).click()
    await page.getByText('View cleared.').waitFor()
    const after = `e2e.after-clear-${randomUUID().slice(0, 8)}`
    await bridgeCall(host, after)
    await logRows(page, after).waitFor()
    await page.getByRole('button', { name: 'Show cleared' }).click()
    await logRows(page, 'configuration loaded').first().waitFor()
  })

  it('keeps the newest 5,000 log entries and renders only the rows in view', async () => {
    await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor()
    // 5,200 rejected calls = 5,200 new warnings, on top of what is already there.
    await bridgeBurst(host, 'e2e.burst', 5200)
    await logRows(page, 'method=e2e.burst.5199').waitFor() // following: the newest row is in view
    await expect.poll(() => page.getByTestId('log-count').textContent()).toMatch(/^5[,.\u00a0\u202f]?000 entries/)
    expect(await logRows(page).count()).toBeLessThan(150)
    await page.getByLabel('Search').fill('configuration loaded')
    await page.getByText('No entries match the level and search.').waitFor() // the oldest entries left the buffer
    await page.getByLabel('Search').fill('')
  })

  it('validates Settings inline with the shared rules, and a valid save round-trips', async () => {
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    const interval = page.locator('[data-key="polling.interval_ms"]')
    const save = page.getByRole('button', { name: 'Save' })

    await interval.fill('5')
    await page.getByTestId('error-polling.interval_ms').filter({ hasText: 'must be at least 10' }).waitFor()
    expect(await interval.getAttribute('aria-invalid')).toBe('true')
    expect(await save.isDisabled()).toBe(true)
    await page.getByText('1 field needs fixing before saving').waitFor()

    await interval.fill('250')
    await page.getByTestId('error-polling.interval_ms').waitFor({ state: 'detached' })
    await page.getByText('1 unsaved change').waitFor()
    await save.click()
    const result = page.getByTestId('save-result')
    await result.filter({ hasText: 'polling.interval_ms' }).waitFor()
    expect(await result.textContent()).toContain('Changed: polling.interval_ms')

    // Round trip: the host has it, the YAML file has it, and a reload shows it.
    const view = await bridgeCall(host, 'config.get')
    if (!view.ok) throw new Error(view.error.message)
    const config = view.value as { config: { polling: { interval_ms: number } }; filePath: string }
    expect(config.config.polling.interval_ms).toBe(250)
    expect(fs.readFileSync(config.filePath, 'utf8')).toMatch(/interval_ms: 250/)
    await page.reload()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    await expect.poll(() => page.locator('[data-key="polling.interval_ms"]').inputValue()).toBe('250')

    // Env-locked fields are read-only and name their variable.
    const format = page.locator('[data-key="logging.format"]')
    expect(await format.getAttribute('readonly')).not.toBeNull()
    expect(await format.inputValue()).toBe('text')
    await page.locator('.cfield', { has: format }).getByText('LOG_FORMAT').waitFor()
    await page.getByText(config.filePath).waitFor()

    // Secrets: write-only, shown as set / not set, never sent back.
    const password = page.locator('[data-key="database.password"]')
    await page.getByTestId('secret-database.password').filter({ hasText: 'not set' }).waitFor()
    await password.fill('e2e-secret-value')
    await save.click()
    await page.getByTestId('save-result').filter({ hasText: 'database.password' }).waitFor()
    await page.getByTestId('secret-database.password').filter({ hasText: /^set$/ }).waitFor()
    expect(await password.inputValue()).toBe('')
    const after = await bridgeCall(host, 'config.get')
    if (!after.ok) throw new Error(after.error.message)
    const redacted = after.value as { config: { database: { password: string } }; secretsSet: Record<string, boolean> }
    expect(redacted.config.database.password).toBe('')
    expect(redacted.secretsSet['database.password']).toBe(true)
    expect(fs.readFileSync(config.filePath, 'utf8')).not.toContain('e2e-secret-value')
  })

  it('asks for the token when it is wrong or missing, and signs in with the right one', async () => {
    const p = await browser.newPage()
    try {
      await p.goto(`${host.origin}/?token=not-the-token`)
      await p.getByRole('heading', { name: 'Sign in to WARP Host' }).waitFor()
      await p.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor()
      await p.getByText('<data folder>/admin-token', { exact: true }).waitFor()
      expect(p.url()).not.toContain('token=')

      await p.getByLabel('Admin token').fill('still-wrong')
      await p.getByRole('button', { name: 'Sign in' }).click()
      await p.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor()

      await p.getByLabel('Admin token').fill(host.token)
      await p.getByRole('button', { name: 'Sign in' }).click()
      await p.getByRole('heading', { name: 'Overview', level: 1 }).waitFor()
      await p.locator('[data-service="store"]').getByText('Running').waitFor()
    } finally {
      await p.close()
    }

    const fresh = await browser.newPage()
    try {
      await fresh.goto(host.origin)
      await fresh.getByRole('heading', { name: 'Sign in to WARP Host' }).waitFor()
      expect(await fresh.getByRole('alert').count()).toBe(0)
    } finally {
      await fresh.close()
    }
  })

  it('shows "Disconnected — reconnecting" when the host stops, and the host exits 0 on SIGTERM', async () => {
    await page.getByRole('link', { name: 'Overview' }).click()
    await page.locator('[data-service="store"]').getByText('Running').waitFor()
    const exit = await host.stop()
    expect(exit).toEqual({ code: 0, signal: null })
    expect(host.output()).toContain('stopped cleanly')
    await page.getByText('Disconnected — reconnecting…').first().waitFor()
    await page.getByRole('button', { name: 'Retry now' }).waitFor()
    await page.getByText(/Not live: the values below are as of \d\d:\d\d:\d\d/).waitFor()
  })
})
