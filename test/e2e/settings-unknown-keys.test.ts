/**
 * Settings lists the keys of the YAML file the host does not know (config.get's unknownKeys), as a
 * warning with "did you mean …" where a known key is close — in real Chromium against the BUILT
 * headless host.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestBrowser } from './helpers/browser'
import { hostAndBrowser, stopHostAndBrowser } from './helpers/host-and-page'
import { assertBuilt, makeTempDir, type HeadlessHost } from './helpers/headless-host'

describe('Settings with unknown keys in the configuration file', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let configDir: string

  beforeAll(async () => {
    assertBuilt()
    configDir = makeTempDir('config')
    const file = path.join(configDir, 'warp-host.yaml')
    fs.writeFileSync(file, 'polling:\n  intervall_ms: 50\nzzz_not_a_section: 1\n')
    ;({ host, browser } = await hostAndBrowser({ env: { WARP_HOST_CONFIG: file } }))
  })

  afterAll(async () => {
    await stopHostAndBrowser(host, browser)
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true })
  })

  it('shows each unknown key, with the likely intended key when there is one', async () => {
    const page = await browser.newPage()
    await page.goto(`${host.url}#/settings`)
    const box = page.getByTestId('config-unknown-keys')
    await box.waitFor()
    expect(await box.textContent()).toContain('2 keys')
    const typo = box.locator('li[data-key="polling.intervall_ms"]')
    expect(await typo.textContent()).toContain('did you mean polling.interval_ms?')
    const other = box.locator('li[data-key="zzz_not_a_section"]')
    expect(await other.textContent()).toBe('zzz_not_a_section')
  })
})
