/**
 * The Sessions page in real Chromium against the BUILT headless host (run `npm run build` first —
 * `npm test` does), hosting zone prontera (HOST_ZONES) through its embedded coordinator, with REAL
 * werift players in this process (test/integration/hosting-core/player.ts) joining the session
 * through the coordinator's signaling: the session is listed with no players yet; players appear
 * live (no reload) and their figures move when packets flow; a notice to one player and to the
 * session reports its acknowledgements; a player is kicked after a confirmation (it receives the
 * `kicked` error frame) and leaves the table; pause and resume change the state; the Overview card
 * follows; a host without HOST_ZONES explains how to start hosting, and a host whose coordinator
 * cannot run says it waits for a session (the `unavailable` state, hosting service not running, is
 * covered by the store's unit test: no headless configuration stops that service). With WARP_E2E_SHOTS=<folder> it saves screenshots
 * (1280 and 800 px, light and dark, empty and busy).
 */
import net, { type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import type { CoordinatorInfo, HostingSnapshot } from '../../src/shared/contract'
import { packet, packets, Player } from '../integration/hosting-core/player'
import { launchBrowser, shooter, shotsDir, type TestBrowser } from './helpers/browser'
import { assertBuilt, call, startHeadlessHost, stopHost, type HeadlessHost } from './helpers/headless-host'
import { stopHostAndBrowser } from './helpers/host-and-page'

// The dashboard scrolls inside its frame: a tall viewport shows the whole page.
const shoot = shooter({ height: 1400 })

/** Polls `fn` until it returns something other than undefined / false. */
async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const num = async (loc: Locator, attr: string): Promise<number> => Number(await loc.getAttribute(attr))

describe('The Sessions page in real Chromium', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page
  let sessionId = ''
  let coordinatorBase = ''
  const players: Player[] = []
  let traffic: ReturnType<typeof setInterval> | null = null

  const sessionCard = (): Locator => page.locator(`[data-testid="ss-session"][data-session="${sessionId}"]`)
  const peerRow = (id: string): Locator => sessionCard().locator(`tr[data-peer="${id}"]`)
  const player = (id: string): Player => players.find((p) => p.peerId === id)!

  beforeAll(async () => {
    assertBuilt()
    // The default heartbeat (2 s; silent after 3 missed = 6 s). The players live in this test's
    // process beside Chromium's driver: with 500 ms (silent after 1.5 s) a loaded CI machine once
    // stalled it long enough for the host to drop alice and connect her anew mid-test.
    host = await startHeadlessHost({ env: { HOST_ZONES: 'prontera', HOST_HEARTBEAT_MS: '2000' } })
    const info = await call<CoordinatorInfo>(host, 'coordinator.info')
    // The signaling client adds /api/v1/signaling/ws to the registry's origin.
    coordinatorBase = info.url!.replace(/\/api\/v1$/, '')
    const snap = await until('the hosted session', async () => (await call<HostingSnapshot>(host, 'hosting.sessions')).sessions[0])
    sessionId = snap.sessionId
    browser = await launchBrowser()
    page = await browser.newPage()
  })

  afterAll(async () => {
    if (traffic) clearInterval(traffic)
    await Promise.all(players.splice(0).map((p) => p.close()))
    await stopHostAndBrowser(host, browser)
  })

  it('lists the hosted session, with no players yet', async () => {
    await page.goto(`${host.url}#/sessions`)
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor()
    await sessionCard().waitFor()
    expect(await sessionCard().getAttribute('data-state')).toBe('open')
    expect(await sessionCard().getByRole('heading', { level: 2 }).textContent()).toContain('prontera')
    await sessionCard().getByTestId('ss-no-players').waitFor()
    expect(await sessionCard().getByTestId('ss-session-players').textContent()).toBe('0 / 50')
    expect(await page.getByTestId('ss-hosting').getAttribute('data-state')).toBe('hosting')
    // Nobody to tell: the notice buttons wait for players.
    expect(await page.getByRole('button', { name: 'Send a notice to all players', exact: true }).isDisabled()).toBe(true)
    await shoot(page, 'sessions-light-1280-empty')
  })

  it('shows players live as they join, and their figures move when packets flow', async () => {
    for (const id of ['alice', 'bob', 'carol']) {
      const p = new Player(id, coordinatorBase, sessionId)
      players.push(p)
      await p.join() // the host offers on peer-joined
    }
    await until('every player open', () => players.every((p) => p.open && p.controlChannel?.readyState === 'open'))
    // No reload: the rows come with hosting.changed pushes.
    for (const id of ['alice', 'bob', 'carol']) await page.locator(`[data-testid="ss-session"][data-session="${sessionId}"] tr[data-peer="${id}"][data-state="open"]`).waitFor()
    await expect.poll(() => sessionCard().getByTestId('ss-session-players').textContent(), { timeout: 10_000 }).toBe('3 / 50')
    expect(await sessionCard().getAttribute('data-players')).toBe('3')
    expect(await peerRow('alice').textContent()).toContain('Connected')
    expect(await peerRow('alice').textContent()).toContain('host') // the host offered
    // RTT from the control channel's heartbeats.
    await expect.poll(() => peerRow('alice').getByTestId('ss-peer-rtt').textContent(), { timeout: 15_000 }).toMatch(/ms$/)

    const aliceBytes = peerRow('alice').getByTestId('ss-peer-bytes')
    expect(await num(aliceBytes, 'data-bytes-in')).toBe(0)
    for (let i = 0; i < 40; i++) player('alice').send(packet(1, i))
    await until('bob and carol got alice’s packets', () => packets(player('bob').data).length >= 40 && packets(player('carol').data).length >= 40)
    await expect.poll(() => num(aliceBytes, 'data-bytes-in'), { timeout: 10_000 }).toBe(40 * 120)
    await expect.poll(() => num(peerRow('bob').getByTestId('ss-peer-bytes'), 'data-bytes-out'), { timeout: 10_000 }).toBe(40 * 120)
    expect(await aliceBytes.textContent()).toBe('4.7 KB · 0 B')
    // Steady traffic: the rates leave zero, and the figures keep moving without a reload.
    let seq = 40
    traffic = setInterval(() => {
      player('alice').send(packet(1, seq))
      player('bob').send(packet(2, seq))
      seq++
    }, 50)
    await expect.poll(() => peerRow('alice').getByTestId('ss-peer-rate').textContent(), { timeout: 10_000 }).not.toMatch(/^0 · /)
    await expect.poll(() => num(aliceBytes, 'data-bytes-in'), { timeout: 10_000 }).toBeGreaterThan(60 * 120)
    await expect.poll(() => sessionCard().getByTestId('ss-session-rate').textContent(), { timeout: 10_000 }).not.toMatch(/^0\/s/)
    expect(await page.getByTestId('ss-count-players').locator('.stat-card__value').textContent()).toBe('3 / 50')
    await shoot(page, 'sessions-light-1280-busy')

    // At 800 px nothing overflows the page sideways (the players table drops secondary columns).
    for (const width of [800, 1280]) {
      await page.setViewportSize({ width, height: 800 })
      await expect.poll(() => page.evaluate('document.querySelector(".content").scrollWidth - document.querySelector(".content").clientWidth')).toBe(0)
      await expect.poll(() => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0)
      await expect
        .poll(() => page.evaluate('[...document.querySelectorAll(".ss-table-wrap")].map((w) => w.scrollWidth - w.clientWidth)'), { timeout: 5000 })
        .toEqual([0])
    }
  })

  it('sends a notice to one player and to the session, and reports the acknowledgements', async () => {
    await peerRow('carol').getByRole('button', { name: 'Send a notice to carol' }).click()
    const dialog = page.getByTestId('ss-notice-dialog')
    await dialog.waitFor()
    expect(await dialog.getByTestId('ss-notice-target').textContent()).toBe('player carol')
    // Empty is refused in the form.
    await dialog.getByRole('button', { name: 'Send notice' }).click()
    await dialog.getByText('Write the notice first.').waitFor()
    await dialog.getByLabel('Notice text').fill('Welcome to prontera, carol')
    await dialog.getByRole('button', { name: 'Send notice' }).click()
    await dialog.getByTestId('ss-notice-acked').waitFor()
    expect(await dialog.getByTestId('ss-notice-sent').textContent()).toBe('1')
    expect(await dialog.getByTestId('ss-notice-acked').textContent()).toBe('1')
    expect(await dialog.getByTestId('ss-notice-failed').textContent()).toBe('0')
    const noticeTo = (id: string): boolean =>
      player(id).control.some((f) => f.type === 'command' && f.payload?.['command'] === 'notice' && JSON.stringify(f.payload).includes('Welcome to prontera'))
    expect(noticeTo('carol')).toBe(true)
    expect(noticeTo('alice')).toBe(false)
    await dialog.getByRole('button', { name: 'Close', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })

    await sessionCard().getByRole('button', { name: 'Send notice to every player of zone prontera' }).click()
    await dialog.waitFor()
    expect(await dialog.getByTestId('ss-notice-target').textContent()).toBe('every player of zone prontera')
    await dialog.getByLabel('Notice text').fill('The server restarts in 5 minutes')
    await dialog.getByRole('button', { name: 'Send notice' }).click()
    await dialog.getByTestId('ss-notice-acked').waitFor()
    expect(await dialog.getByTestId('ss-notice-acked').textContent()).toBe('3')
    expect(await dialog.getByTestId('ss-notice-result').textContent()).toContain('Notice sent to 3 players: 3 acknowledged.')
    await shoot(page, 'sessions-light-1280-notice-result')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await page.getByTestId('ss-outcome').getByText('Notice sent to 3 players: 3 acknowledged.').waitFor()
  })

  it('kicks a player after a confirmation; the player is told why and leaves the table', async () => {
    const kick = peerRow('carol').getByRole('button', { name: 'Kick carol' })
    await kick.click()
    const dialog = page.getByTestId('ss-kick-dialog')
    await dialog.waitFor()
    // Cancel first: nothing happens.
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    expect(await peerRow('carol').getAttribute('data-state')).toBe('open')

    await kick.click()
    await dialog.getByLabel('Reason shown to the player').fill('testing the kick')
    await shoot(page, 'sessions-light-1280-kick-confirm')
    await dialog.getByRole('button', { name: 'Kick player' }).click()
    await dialog.waitFor({ state: 'detached' })
    await until('carol told she was kicked', () => player('carol').control.some((f) => f.type === 'error' && f.payload?.['code'] === 'kicked'))
    const frame = player('carol').control.find((f) => f.type === 'error' && f.payload?.['code'] === 'kicked')!
    expect(JSON.stringify(frame.payload)).toContain('testing the kick')
    await peerRow('carol').waitFor({ state: 'detached' })
    await page.getByTestId('ss-outcome').getByText('carol was kicked (testing the kick)').waitFor()
    await expect.poll(() => sessionCard().getByTestId('ss-session-players').textContent(), { timeout: 10_000 }).toBe('2 / 50')
    expect(await peerRow('alice').getAttribute('data-state')).toBe('open')
  })

  it('pauses hosting with a reason and resumes it', async () => {
    await page.getByTestId('ss-pause').click()
    const dialog = page.getByTestId('ss-pause-dialog')
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('The 2 players connected now stay.')
    await dialog.getByLabel('Reason (optional)').fill('maintenance')
    await dialog.getByRole('button', { name: 'Pause hosting' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.locator('[data-testid="ss-hosting"][data-state="paused"]').waitFor()
    await page.locator(`[data-testid="ss-session"][data-session="${sessionId}"][data-state="paused"]`).waitFor()
    expect(await page.getByTestId('ss-hosting-detail').textContent()).toContain('maintenance')
    expect((await call<HostingSnapshot>(host, 'hosting.sessions')).pausedReason).toBe('maintenance')
    // Connected players stay.
    expect(await peerRow('alice').getAttribute('data-state')).toBe('open')
    await shoot(page, 'sessions-light-1280-paused')

    // A joiner is refused while paused, and counted.
    const erin = new Player('erin', coordinatorBase, sessionId)
    players.push(erin)
    await erin.join()
    await until('erin refused', () => erin.control.some((f) => f.type === 'error' && f.payload?.['code'] === 'paused'))
    await expect.poll(() => sessionCard().getByTestId('ss-session-refused').textContent(), { timeout: 10_000 }).toBe('1')

    await page.getByTestId('ss-resume').click()
    await page.locator('[data-testid="ss-hosting"][data-state="hosting"]').waitFor()
    await page.locator(`[data-testid="ss-session"][data-session="${sessionId}"][data-state="open"]`).waitFor()
    expect((await call<HostingSnapshot>(host, 'hosting.sessions')).paused).toBe(false)
  })

  it('shows hosting on the Overview, with a link to Sessions', async () => {
    await page.goto(`${host.url}#/overview`)
    const card = page.getByTestId('hosting-card')
    await page.locator('[data-testid="hosting-card"][data-state="hosting"]').waitFor()
    await expect.poll(() => card.getByTestId('hosting-players').locator('.stat-card__value').textContent(), { timeout: 10_000 }).toBe('2 / 50')
    expect(await card.getByTestId('hosting-sessions').locator('.stat-card__value').textContent()).toBe('1')
    await expect.poll(() => card.getByTestId('hosting-rate').locator('.stat-card__value').textContent(), { timeout: 10_000 }).not.toBe('0 · 0/s')
    await shoot(page, 'overview-light-1280-hosting')
    await card.getByRole('link', { name: 'Open Sessions →' }).click()
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor()
    await sessionCard().waitFor()
  })

  it('shows a relay backlog (most players behind at once) while it lasts, on Sessions and the Overview', async () => {
    // A host whose players may have 16 KiB waiting: 20 KB for each of three players at once puts
    // 3 of 4 behind — what a host that cannot send fast enough looks like.
    const small = await startHeadlessHost({ env: { HOST_ZONES: 'prontera', HOST_MAX_BUFFERED_BYTES: '16384' } })
    const crowd: Player[] = []
    let flood: ReturnType<typeof setInterval> | null = null
    try {
      const info = await call<CoordinatorInfo>(small, 'coordinator.info')
      const base = info.url!.replace(/\/api\/v1$/, '')
      const sid = (await until('the hosted session', async () => (await call<HostingSnapshot>(small, 'hosting.sessions')).sessions[0])).sessionId
      for (const id of ['ann', 'ben', 'cat', 'dan']) {
        const p = new Player(id, base, sid)
        crowd.push(p)
        await p.join()
      }
      await until('every player open', () => crowd.every((p) => p.open && p.controlChannel?.readyState === 'open'))
      await page.goto(`${small.url}#/sessions`)
      const card = page.locator(`[data-testid="ss-session"][data-session="${sid}"]`)
      await card.waitFor()
      let seq = 0
      flood = setInterval(() => crowd[0]!.send(packet(1, seq++, 20_000)), 300)
      const banner = card.getByTestId('ss-backlog')
      await banner.waitFor()
      expect(await banner.getAttribute('data-behind')).toBe('3')
      expect(await banner.textContent()).toMatch(/Relay backlog for .+: 3 of 4 players are behind\./)
      expect(await banner.textContent()).toContain('Max players per session')
      await page.getByTestId('ss-hosting').getByText('Behind', { exact: true }).waitFor()
      await shoot(page, 'sessions-light-1280-backlog')
      if (shotsDir) {
        await page.emulateMedia({ colorScheme: 'dark' })
        await page.setViewportSize({ width: 800, height: 800 })
        await shoot(page, 'sessions-dark-800-backlog')
        await page.emulateMedia({ colorScheme: 'light' })
        await page.setViewportSize({ width: 1280, height: 800 })
      }
      // Nobody removed.
      expect(await card.getAttribute('data-players')).toBe('4')
      await page.goto(`${small.url}#/overview`)
      await page.locator('[data-testid="hosting-card"]', { hasText: 'relay backlog in prontera: packets dropped' }).waitFor()
      await page.getByTestId('hosting-card').getByText('Behind', { exact: true }).waitFor()
      await shoot(page, 'overview-light-1280-backlog')
      // It ends a little after the flood does.
      clearInterval(flood)
      flood = null
      await page.goto(`${small.url}#/sessions`)
      await card.waitFor()
      await expect.poll(() => card.getByTestId('ss-backlog').count(), { timeout: 15_000 }).toBe(0)
      expect((await call<HostingSnapshot>(small, 'hosting.sessions')).sessions[0]!.players).toBe(4)
    } finally {
      if (flood) clearInterval(flood)
      await Promise.all(crowd.map((p) => p.close()))
      await stopHost(small)
    }
  })

  it('explains how to start hosting on a host without HOST_ZONES', async () => {
    const idle = await startHeadlessHost()
    try {
      await page.goto(`${idle.url}#/sessions`)
      const empty = page.getByTestId('ss-not-configured')
      await empty.waitFor()
      expect(await empty.textContent()).toContain('Settings → Hosting → Zones')
      expect(await empty.textContent()).toContain('HOST_ZONES=')
      expect(await empty.getByRole('link', { name: 'Settings' }).getAttribute('href')).toBe('#/settings')
      await shoot(page, 'sessions-light-1280-not-configured')
      await page.goto(`${idle.url}#/overview`)
      await page.locator('[data-testid="hosting-card"][data-state="not-configured"]').waitFor()
      await shoot(page, 'overview-light-1280-not-configured')
    } finally {
      await stopHost(idle)
    }
  })

  it('says it waits for the coordinator while no session is open', async () => {
    // The embedded coordinator cannot listen (its port is taken): hosting runs, but no session opens.
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as AddressInfo).port
    const waiting = await startHeadlessHost({ env: { COORDINATOR_PORT: String(port), HOST_ZONES: 'prontera' } })
    try {
      const snap = await call<HostingSnapshot>(waiting, 'hosting.sessions')
      expect(snap).toMatchObject({ configured: true, sessions: [] })
      await page.goto(`${waiting.url}#/sessions`)
      await page.getByTestId('ss-waiting').waitFor()
      expect(await page.getByTestId('ss-hosting').getAttribute('data-state')).toBe('waiting')
      // Why: the coordinator is not running.
      await page.getByTestId('ss-coordinator-down').waitFor()
      await shoot(page, 'sessions-light-1280-waiting')
      await page.goto(`${waiting.url}#/overview`)
      await page.locator('[data-testid="hosting-card"][data-state="waiting"]').waitFor()
    } finally {
      await stopHost(waiting)
      await new Promise<void>((r) => blocker.close(() => r()))
    }
  })

  it.skipIf(!shotsDir)('saves screenshots at 1280 and 800 px, light and dark, empty and busy', async () => {
    const idle = await startHeadlessHost()
    try {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        for (const width of [1280, 800]) {
          await page.setViewportSize({ width, height: 800 })
          await page.goto(`${idle.url}#/sessions`)
          await page.getByTestId('ss-not-configured').waitFor()
          await shoot(page, `sessions-${scheme}-${width}-not-configured`)
          await page.goto(`${host.url}#/sessions`)
          await peerRow('alice').waitFor()
          await expect.poll(() => peerRow('alice').getByTestId('ss-peer-rate').textContent(), { timeout: 10_000 }).not.toMatch(/^0 · /)
          await shoot(page, `sessions-${scheme}-${width}-busy`)
          await page.goto(`${host.url}#/overview`)
          await page.locator('[data-testid="hosting-card"][data-state="hosting"]').waitFor()
          await shoot(page, `overview-${scheme}-${width}-hosting`)
        }
      }
      await page.goto(`${host.url}#/sessions`)
      await peerRow('bob').getByRole('button', { name: 'Kick bob' }).click()
      await page.getByTestId('ss-kick-dialog').waitFor()
      await shoot(page, 'sessions-dark-800-kick-confirm')
      await page.keyboard.press('Escape')
    } finally {
      await stopHost(idle)
    }
  })
})
