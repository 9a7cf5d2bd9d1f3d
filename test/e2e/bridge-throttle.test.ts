/**
 * A browser whose address the host refuses after too many failed sign-ins (bridge close 4429)
 * says "Too many failed sign-ins, retrying in N s" and waits instead of reconnecting at once — in
 * real Chromium against the BUILT headless host (20 wrong tokens from 127.0.0.1 trip the throttle).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestBrowser } from './helpers/browser'
import { hostAndBrowser, stopHostAndBrowser } from './helpers/host-and-page'
import { assertBuilt, type HeadlessHost } from './helpers/headless-host'

describe('dashboard against a host that throttles this address', () => {
  let host: HeadlessHost
  let browser: TestBrowser

  beforeAll(async () => {
    assertBuilt()
    ;({ host, browser } = await hostAndBrowser())
  })

  afterAll(async () => {
    await stopHostAndBrowser(host, browser)
  })

  it('shows "too many failed sign-ins, retrying in N s" and does not hammer the host', async () => {
    let status = 401
    for (let i = 0; i < 40 && status !== 429; i++) status = (await fetch(`${host.origin}/api/status?token=wrong-${i}`)).status
    expect(status).toBe(429)

    const page = await browser.newPage()
    const sockets: string[] = []
    page.on('websocket', (ws) => sockets.push(ws.url()))
    await page.goto(host.url)
    const note = page.getByTestId('throttled')
    await note.waitFor()
    expect(await note.textContent()).toMatch(/^Too many failed sign-ins, retrying in \d+ s$/)
    const seconds = Number(/(\d+) s$/.exec((await note.textContent()) ?? '')?.[1])
    expect(seconds).toBeGreaterThan(30)
    // Still one attempt a few seconds later: it waits for the refusal to end.
    await page.waitForTimeout(2000)
    expect(sockets).toHaveLength(1)
  })
})
