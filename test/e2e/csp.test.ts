/**
 * The one strict CSP (src/shared/csp.ts: no inline script or style) in real Chromium against the
 * built headless host: every page of the dashboard renders, visibly styled, without a single CSP
 * violation; the HTML carries the policy both as the server's header and as the build's <meta>;
 * and the Settings page shows the desktop section, where a headless host says start at login and
 * updates belong to the desktop app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_META } from '../../src/shared/csp'
import { type TestBrowser } from './helpers/browser'
import { hostAndBrowser, stopHostAndBrowser } from './helpers/host-and-page'
import { assertBuilt, type HeadlessHost } from './helpers/headless-host'

const PAGES = ['overview', 'requests', 'sessions', 'hosts', 'training', 'logs', 'settings']

describe('the one CSP in a real browser', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page
  const violations: string[] = []

  beforeAll(async () => {
    assertBuilt()
    ;({ host, browser } = await hostAndBrowser())
    page = await browser.newPage()
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text())
    })
    await page.addInitScript(() => {
      type Violation = { violatedDirective: string; blockedURI: string }
      const doc = (globalThis as unknown as { document: { addEventListener: (t: string, l: (e: Violation) => void) => void } }).document
      doc.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to load: CSP ${e.violatedDirective} ${e.blockedURI}`))
    })
  })

  afterAll(async () => {
    await stopHostAndBrowser(host, browser)
  })

  it('serves the page with the policy as header and as <meta>', async () => {
    const res = await page.goto(host.url)
    expect(res?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(CONTENT_SECURITY_POLICY_META)
  })

  it('renders every page, styled, without a CSP violation', async () => {
    for (const p of PAGES) {
      await page.evaluate((hash) => {
        ;(globalThis as unknown as { location: { hash: string } }).location.hash = hash
      }, `#/${p}`)
      await page.locator('main h1').first().waitFor()
      await page.waitForTimeout(200) // let charts and virtual lists lay out (not a timing assertion)
    }
    // The stylesheet applied: the frame is a grid, not unstyled blocks.
    const display = await page.locator('.frame').evaluate((el) => (globalThis as unknown as { getComputedStyle: (e: unknown) => { display: string } }).getComputedStyle(el).display)
    expect(display).toBe('grid')
    expect(violations).toEqual([])
  })

  it('Settings has the desktop section; headless, start at login and updates say they belong to the desktop app', async () => {
    await page.evaluate(() => {
      ;(globalThis as unknown as { location: { hash: string } }).location.hash = '#/settings'
    })
    await page.getByRole('heading', { name: 'Desktop app', level: 2 }).waitFor()
    await page.getByTestId('shell-unavailable').waitFor()
    expect(await page.getByTestId('shell-unavailable').textContent()).toMatch(/desktop app/)
    expect(await page.getByTestId('update-banner').count()).toBe(0)
    expect(violations).toEqual([])
  })
})
