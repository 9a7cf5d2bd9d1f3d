/**
 * The Inbox page in real Chromium against the BUILT headless host: the groups, the figures and the
 * empty states; then a handled message, an invalid file and an answer waiting for an ACK (answers
 * need an ACK, with a long ACK timeout) appear live (no reload): handled count, error count and
 * the error's row with why and where it is kept, the pending answers' count and row; the ACK
 * written into messages/ clears it; one still waiting when the inbox restarts goes to the error
 * store.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { groupDir, writeFileAtomic } from '../../src/main/inbox/files'
import { createMessage } from '../../src/main/messaging/envelope'
import type { TestBrowser } from './helpers/browser'
import { bridgeCall, type HeadlessHost } from './helpers/headless-host'
import { hostAndPage, stopHostAndBrowser } from './helpers/host-and-page'

describe('Inbox page', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page
  const messages = (): string => groupDir(path.join(host.dataDir, 'ipc'), 'main', 'messages')

  beforeAll(async () => {
    ;({ host, browser, page } = await hostAndPage({ env: { INBOX_ACK_RESPONSES: 'true', INBOX_ACK_TIMEOUT_MS: '600000', INBOX_SETTLE_MS: '0' } }))
  })

  afterAll(() => stopHostAndBrowser(host, browser))

  it('shows the groups, the figures and readable empty states', async () => {
    await page.goto(`${host.url}#/inbox`)
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor()
    await page.getByTestId('inbox-groups').waitFor()
    expect(await page.getByTestId('inbox-groups').locator('tbody tr').count()).toBe(1)
    expect(await page.getByTestId('inbox-handled').textContent()).toContain('0')
    expect(await page.getByTestId('inbox-errors-empty').textContent()).toBe('No failed messages.')
    await page.getByTestId('inbox-pending-empty').waitFor()
  })

  it('shows a handled message, an invalid file and an answer waiting for its ACK live, and the ACK clears it', async () => {
    const m = createMessage('command', 'main', { command: 'status' }, { requiresAck: true })
    await writeFileAtomic(messages(), `${m.id}.json`, JSON.stringify(m))
    fs.writeFileSync(path.join(messages(), 'broken.json'), '{"this is": not json')
    const errorRow = page.getByTestId('inbox-errors').locator('tbody tr')
    await errorRow.first().waitFor()
    expect(await errorRow.first().textContent()).toMatch(/invalid.*not JSON.*errors\/.*-broken\.json/)
    expect(await page.getByTestId('inbox-error-count').textContent()).toContain('1')
    const pending = page.getByTestId('inbox-pending').locator('tbody tr')
    await pending.first().waitFor()
    expect(await pending.count()).toBe(1)
    expect(await pending.first().textContent()).toMatch(/main.*response.*1 \/ 4/)
    expect(await page.getByTestId('inbox-pending-count').textContent()).toContain('1')
    await page.getByTestId('inbox-handled').getByText('1', { exact: true }).waitFor()

    // The sender ACKs the answer: it leaves the list.
    const responses = fs.readdirSync(groupDir(path.join(host.dataDir, 'ipc'), 'main', 'responses')).filter((n) => !n.startsWith('.'))
    expect(responses).toHaveLength(1)
    const answerId = responses[0]!.replace(/\.json$/, '')
    await writeFileAtomic(messages(), `ack-${answerId}.json`, JSON.stringify({ ack: answerId }))
    await page.getByTestId('inbox-pending-empty').waitFor()
  })

  it('an answer still waiting for its ACK when the inbox restarts goes to the error store (not resent), and the page shows it', async () => {
    const m = createMessage('command', 'main', { command: 'status' }, { requiresAck: true })
    await writeFileAtomic(messages(), `${m.id}.json`, JSON.stringify(m))
    await page.getByTestId('inbox-pending').locator('tbody tr').first().waitFor()
    expect(await page.getByTestId('inbox-pending-count').textContent()).toContain('1')
    // A change to the inbox section restarts the inbox (as reload-config or Settings would).
    expect(await bridgeCall(host, 'config.update', { inbox: { retention_hours: 100 } })).toMatchObject({ ok: true, value: { restarted: expect.arrayContaining(['inbox']) } })
    await page.getByTestId('inbox-pending-empty').waitFor()
    const errorRow = page.getByTestId('inbox-errors').locator('tbody tr')
    await page.getByTestId('inbox-error-count').getByText('2', { exact: true }).waitFor()
    expect(await errorRow.first().textContent()).toMatch(new RegExp(`main.*no ACK.*no ACK for the answer to ${m.id} before the inbox stopped`))
  })
})
