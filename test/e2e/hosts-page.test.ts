/**
 * The Hosts & Zones page in real Chromium against the BUILT headless host (its embedded
 * coordinator registry on port 0; run `npm run build` first — `npm test` does): the registry panel
 * (embedded, address, API key and its copy button) and the empty states; then hosts, a zone and a
 * session registered through the registry's REST API with its API key appear (live, no reload) with
 * their counters and quality distribution; the hosts table sorts; a zone's P2P is switched off and
 * its requirements edited (a bad value is refused in the form); a session is ended after its
 * confirmation. With WARP_E2E_SHOTS=<folder> it also saves screenshots (1280 and 820 px, light and
 * dark, empty and busy).
 */
import net, { type AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import type { CoordinatorInfo, CoordinatorZone } from '../../src/shared/contract'
import { shooter, shotsDir, type TestBrowser } from './helpers/browser'
import { call, startHeadlessHost, stopHost, type HeadlessHost } from './helpers/headless-host'
import { hostAndPage, stopHostAndBrowser } from './helpers/host-and-page'

// The dashboard scrolls inside its frame: a tall viewport shows the whole page.
const shoot = shooter({ height: 1500 })

/** The embedded registry's REST API, with its API key (as a player's host calls it). */
function restClient(info: CoordinatorInfo): (method: string, p: string, body?: unknown) => Promise<Record<string, unknown>> {
  return async (method, p, body) => {
    const res = await fetch(`${info.url}${p}`, {
      method,
      headers: { 'x-api-key': info.apiKey!, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`)
    return (await res.json()) as Record<string, unknown>
  }
}

async function populate(host: HeadlessHost): Promise<{ sessionId: string; otherSessionId: string }> {
  const info = await call<CoordinatorInfo>(host, 'coordinator.info')
  const rest = restClient(info)
  const hw = { ip_address: '192.168.1.20', port: 7000, cpu_frequency_mhz: 3200 }
  await rest('POST', '/hosts/register', { host_id: 'host-alpha', player_id: 'alice', player_name: 'Alice', cpu_cores: 8, memory_mb: 16384, network_speed_mbps: 1000, ...hw })
  await rest('POST', '/hosts/register', { host_id: 'host-bravo', player_id: 'bob', player_name: 'Bob', cpu_cores: 4, memory_mb: 8192, network_speed_mbps: 100, ...hw })
  await rest('POST', '/hosts/register', { host_id: 'host-charlie', player_id: 'carol', player_name: 'Carol', cpu_cores: 2, memory_mb: 2048, network_speed_mbps: 20, ...hw })
  await rest('POST', '/hosts/host-alpha/heartbeat', { latency_ms: 20, packet_loss_percent: 0.5, current_players: 10, current_zones: 1 })
  await rest('POST', '/hosts/host-bravo/heartbeat', { latency_ms: 150, packet_loss_percent: 1, current_players: 2, current_zones: 1 })
  await rest('POST', '/hosts/host-charlie/heartbeat', { latency_ms: 250, packet_loss_percent: 6, current_players: 0, current_zones: 0 })
  await rest('POST', '/zones/', { zone_id: 'prontera', zone_name: 'prontera', zone_display_name: 'Prontera', p2p_enabled: true, p2p_priority: 8, min_host_quality_score: 40 })
  await rest('POST', '/zones/', { zone_id: 'geffen', zone_name: 'geffen', zone_display_name: 'Geffen', p2p_enabled: true, min_host_quality_score: 30, max_latency_ms: 200 })
  const s1 = await rest('POST', '/sessions/', { host_id: 'host-alpha', zone_id: 'prontera', player_ids: ['alice', 'dave', 'erin'] })
  await rest('POST', `/sessions/${String(s1.session_id)}/activate`)
  const s2 = await rest('POST', '/sessions/', { host_id: 'host-bravo', zone_id: 'geffen', player_ids: ['bob'] })
  return { sessionId: String(s1.session_id), otherSessionId: String(s2.session_id) }
}

function hostIds(page: Page): Promise<string[]> {
  return page.locator('[data-testid="hz-hosts"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host') ?? ''))
}

describe('The Hosts & Zones page in real Chromium', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page
  let sessions: { sessionId: string; otherSessionId: string }

  beforeAll(async () => {
    ;({ host, browser, page } = await hostAndPage())
  })

  afterAll(() => stopHostAndBrowser(host, browser))

  it('shows the embedded registry with its address and API key, and readable empty states', async () => {
    await page.goto(`${host.url}#/hosts`)
    await page.getByRole('heading', { name: 'Hosts & Zones', level: 1 }).waitFor()
    const panel = page.getByTestId('hz-registry')
    await panel.waitFor()
    expect(await panel.getAttribute('data-mode')).toBe('embedded')
    expect(await panel.getByRole('heading', { level: 2 }).textContent()).toBe('Embedded registry')
    const info = await call<CoordinatorInfo>(host, 'coordinator.info')
    expect(await page.getByTestId('hz-url').textContent()).toBe(info.url)
    // The key is masked until shown; the copy button copies the whole key.
    const key = page.getByTestId('hz-api-key')
    expect(await key.textContent()).not.toBe(info.apiKey)
    await panel.getByRole('button', { name: 'Show' }).click()
    expect(await key.textContent()).toBe(info.apiKey)
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin })
    await page.getByTestId('hz-copy-api-key').click()
    await page.getByTestId('hz-copy-api-key').filter({ hasText: 'Copied' }).waitFor()
    // A string: the test's tsconfig has no DOM types.
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(info.apiKey)
    await panel.getByRole('button', { name: 'Hide' }).click()

    await page.getByTestId('hz-hosts-empty').waitFor()
    await page.getByTestId('hz-zones-empty').waitFor()
    await page.getByTestId('hz-sessions-empty').waitFor()
    expect(await page.getByTestId('hz-count-hosts').locator('.stat-card__value').textContent()).toBe('0 / 0')
  })

  it('shows hosts, zones and sessions registered through the REST API, live', async () => {
    sessions = await populate(host)
    // No reload: the page refreshes while shown.
    await page.locator('[data-testid="hz-hosts"] tbody tr').nth(2).waitFor()
    expect(await hostIds(page)).toEqual(['host-alpha', 'host-bravo', 'host-charlie'])
    const alpha = page.locator('[data-host="host-alpha"]')
    expect(await alpha.getByTestId('hz-quality').textContent()).toBe('92.0')
    expect(await alpha.textContent()).toContain('10 / 50')
    expect(await alpha.textContent()).toContain('Online')
    await eventuallyText(page.getByTestId('hz-count-hosts').locator('.stat-card__value'), '3 / 3')
    await eventuallyText(page.getByTestId('hz-count-zones').locator('.stat-card__value'), '2 / 2')
    await eventuallyText(page.getByTestId('hz-count-sessions').locator('.stat-card__value'), '1')

    const chart = page.getByTestId('hz-quality-chart')
    // alpha 92.0 (the spec's example), bravo 82.0, charlie 46.5
    expect(await page.locator('[data-host="host-bravo"]').getByTestId('hz-quality').textContent()).toBe('82.0')
    expect(await page.locator('[data-host="host-charlie"]').getByTestId('hz-quality').textContent()).toBe('46.5')
    const counts = await chart.locator('[data-bucket]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-bucket'), Number(e.getAttribute('data-count'))]))
    expect(counts).toEqual([
      ['excellent', 1],
      ['good', 1],
      ['fair', 0],
      ['poor', 1]
    ])

    const row = page.locator(`[data-session="${sessions.sessionId}"]`)
    await row.waitFor()
    expect(await row.getAttribute('data-status')).toBe('active')
    expect(await row.textContent()).toContain('alice, dave, erin')
    expect(await row.textContent()).toContain('3 / ')
    await page.locator(`[data-session="${sessions.otherSessionId}"][data-status="pending"]`).waitFor()
    await shoot(page, 'e2e-light-1280-busy')

    // At 820 px nothing overflows the page sideways (tables drop secondary columns instead).
    for (const width of [820, 1280]) {
      await page.setViewportSize({ width, height: 800 })
      await expect.poll(() => page.evaluate('document.querySelector(".content").scrollWidth - document.querySelector(".content").clientWidth')).toBe(0)
      // Polled: the frame's navigation animates when the width crosses its breakpoint.
      await expect.poll(() => page.evaluate('[...document.querySelectorAll(".hz-table-wrap")].map((w) => w.scrollWidth - w.clientWidth)')).toEqual([0, 0, 0])
    }
  })

  it('sorts the hosts table by its columns', async () => {
    const byName = page.getByTestId('hz-sort-name')
    await byName.click()
    expect(await hostIds(page)).toEqual(['host-alpha', 'host-bravo', 'host-charlie'])
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Host')
    await byName.click()
    expect(await hostIds(page)).toEqual(['host-charlie', 'host-bravo', 'host-alpha'])
    await page.getByTestId('hz-sort-quality').click()
    expect(await hostIds(page)).toEqual(['host-alpha', 'host-bravo', 'host-charlie'])
    await page.getByTestId('hz-sort-quality').click()
    expect(await hostIds(page)).toEqual(['host-charlie', 'host-bravo', 'host-alpha'])
    await page.getByTestId('hz-sort-players').click()
    expect(await hostIds(page)).toEqual(['host-alpha', 'host-bravo', 'host-charlie'])
  })

  it('switches a zone’s P2P off and on', async () => {
    const row = page.locator('[data-zone="geffen"]')
    expect(await row.getAttribute('data-p2p')).toBe('on')
    await row.getByTestId('hz-p2p').click()
    await page.locator('[data-zone="geffen"][data-p2p="off"]').waitFor()
    await page.getByTestId('hz-outcome').getByText('P2P disabled for zone geffen').waitFor()
    const zones = await call<{ zones: CoordinatorZone[] }>(host, 'coordinator.zones', {})
    expect(zones.zones.find((z) => z.zone_id === 'geffen')?.p2p_enabled).toBe(false)
    await row.getByTestId('hz-p2p').click()
    await page.locator('[data-zone="geffen"][data-p2p="on"]').waitFor()
  })

  it('edits a zone’s requirements; a value out of range is refused in the form', async () => {
    await page.getByRole('button', { name: 'Edit the requirements of Prontera' }).click()
    const dialog = page.getByTestId('hz-zone-dialog')
    await dialog.waitFor()
    const quality = dialog.getByLabel('Minimum host quality')
    expect(await quality.inputValue()).toBe('40')
    await quality.fill('101')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.getByText('Must be at most 100').waitFor()
    expect(await quality.getAttribute('aria-invalid')).toBe('true')
    await quality.fill('65')
    await dialog.getByLabel('Maximum latency').fill('80')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.locator('[data-zone="prontera"] [data-testid="hz-req"]', { hasText: 'quality ≥ 65' }).waitFor()
    const zones = await call<{ zones: CoordinatorZone[] }>(host, 'coordinator.zones', {})
    const prontera = zones.zones.find((z) => z.zone_id === 'prontera')!
    expect(prontera).toMatchObject({ min_host_quality_score: 65, max_latency_ms: 80, p2p_priority: 8, p2p_enabled: true, zone_display_name: 'Prontera' })
  })

  it('ends a session after its confirmation', async () => {
    const row = page.locator(`[data-session="${sessions.sessionId}"]`)
    await row.getByRole('button', { name: `End session ${sessions.sessionId}` }).click()
    const dialog = page.getByTestId('hz-end-dialog')
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('3 players leave it')
    // Cancel first: nothing changes.
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    expect(await row.getAttribute('data-status')).toBe('active')

    await row.getByRole('button', { name: `End session ${sessions.sessionId}` }).click()
    await dialog.getByRole('button', { name: 'End session' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByTestId('hz-outcome').getByText(`Session ${sessions.sessionId} ended`).waitFor()
    await row.waitFor({ state: 'detached' })
    // Listed again, as ended, when ended sessions are shown.
    await page.getByLabel(/Show ended/).check()
    await page.locator(`[data-session="${sessions.sessionId}"][data-status="ended"]`).waitFor()
    const info = await call<CoordinatorInfo>(host, 'coordinator.info')
    const s = await restClient(info)('GET', `/sessions/${sessions.sessionId}`)
    expect(s.status).toBe('ended')
    await eventuallyText(page.getByTestId('hz-count-sessions').locator('.stat-card__value'), '0')
  })

  it('says when it shows a remote coordinator, and that its lists are unavailable here', async () => {
    const remote = await startHeadlessHost({ env: { COORDINATOR_URL: 'http://127.0.0.1:9/api/v1' } })
    try {
      await page.goto(`${remote.url}#/hosts`)
      const panel = page.getByTestId('hz-registry')
      await panel.waitFor()
      expect(await panel.getAttribute('data-mode')).toBe('remote')
      expect(await panel.getByRole('heading', { level: 2 }).textContent()).toBe('Remote coordinator')
      expect(await page.getByTestId('hz-url').textContent()).toBe('http://127.0.0.1:9/api/v1')
      expect(await page.getByTestId('hz-api-key').count()).toBe(0)
      const unavailable = page.getByTestId('hz-unavailable')
      await unavailable.waitFor()
      expect(await unavailable.textContent()).toContain('remote coordinator')
      await shoot(page, 'light-1280-hosts-remote')
    } finally {
      await stopHost(remote)
    }
  })

  it('says when the embedded registry cannot run (its port taken)', async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as AddressInfo).port
    const busy = await startHeadlessHost({ env: { COORDINATOR_PORT: String(port) } })
    try {
      await page.goto(`${busy.url}#/hosts`)
      const panel = page.getByTestId('hz-registry')
      await panel.waitFor()
      expect(await panel.getAttribute('data-mode')).toBe('embedded')
      const unavailable = page.getByTestId('hz-unavailable')
      await unavailable.waitFor()
      expect(await unavailable.textContent()).toContain('The embedded registry is not available.')
      expect(await unavailable.textContent()).toContain('not running')
      await shoot(page, 'light-1280-hosts-registry-down')
    } finally {
      await stopHost(busy)
      await new Promise<void>((r) => blocker.close(() => r()))
    }
  })

  it.skipIf(!shotsDir)('saves screenshots at 1280 and 820 px, light and dark, empty and busy', async () => {
    const empty = await startHeadlessHost()
    try {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        for (const width of [1280, 820]) {
          await page.setViewportSize({ width, height: 800 })
          await page.goto(`${empty.url}#/hosts`)
          await page.getByTestId('hz-hosts-empty').waitFor()
          await shoot(page, `${scheme}-${width}-hosts-empty`)
          await page.goto(`${host.url}#/hosts`)
          await page.locator('[data-testid="hz-hosts"] tbody tr').nth(2).waitFor()
          await shoot(page, `${scheme}-${width}-hosts-busy`)
        }
      }
      await page.getByRole('button', { name: 'Edit the requirements of Geffen' }).click()
      await page.getByTestId('hz-zone-dialog').getByLabel('P2P priority').fill('0')
      await page.getByTestId('hz-zone-dialog').getByRole('button', { name: 'Save' }).click()
      await shoot(page, 'dark-820-zone-dialog-error')
      await page.keyboard.press('Escape')
      await page.getByRole('button', { name: `End session ${sessions.otherSessionId}` }).click()
      await page.getByTestId('hz-end-dialog').waitFor()
      await shoot(page, 'dark-820-end-session-confirm')
      await page.getByTestId('hz-end-dialog').screenshot({ path: path.join(shotsDir!, 'dark-end-session-dialog.png') })
      await page.keyboard.press('Escape')
    } finally {
      await stopHost(empty)
    }
  })
})

async function eventuallyText(loc: Locator, text: string): Promise<void> {
  await expect.poll(() => loc.textContent(), { timeout: 30_000, interval: 100 }).toBe(text)
}
