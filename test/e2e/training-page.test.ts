/**
 * The Training page in real Chromium against the BUILT headless host (run `npm run build` first)
 * with the real RabbitMQ (unique queue names, deleted afterwards): the broker panel, the submit
 * form refusing bad input (nothing published) and publishing good input with every key of the
 * seed's request; the test acting as the trainer streams epochs and the page follows live
 * (progress bar, epoch x / y, charts), then the final metrics; a failed job from another backend
 * shows its error; two jobs compared in one chart; 800 px wide and dark. A host without RabbitMQ
 * says so. With WARP_E2E_SHOTS=<folder> it also saves screenshots.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import amqp, { type Channel, type ChannelModel } from 'amqplib'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Page } from 'playwright-core'
import { launchBrowser, shooter, type TestBrowser } from './helpers/browser'
import { assertBuilt, makeTempDir, startHeadlessHost, type HeadlessHost } from './helpers/headless-host'
import { hostAndBrowser, stopHostAndBrowser } from './helpers/host-and-page'

const shoot = shooter({ fullPage: true })
const id = randomBytes(4).toString('hex')
const Q = {
  request: `e2e_req_${id}`,
  update: `e2e_upd_${id}`,
  result: `e2e_res_${id}`,
  dlx: `e2e_dlx_${id}`,
  dead: `e2e_dead_${id}`
}

function epoch(jobId: string, e: number, total: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: 'epoch_update',
      job_id: jobId,
      status: 'running',
      current_epoch: e,
      total_epochs: total,
      progress: (100 * e) / total,
      metrics: { train_loss: 1 / (e + 1), mAP50: e / (total + 1), box_loss: 0.5 / (e + 1) },
      timestamp: new Date(Date.now() - (total - e) * 1000).toISOString().replace('Z', '123')
    })
  )
}

describe('The Training page in real Chromium', () => {
  let host: HeadlessHost
  let browser: TestBrowser
  let page: Page
  let amqpModel: ChannelModel
  let ch: Channel
  let configDir: string
  let jobId = ''

  beforeAll(async () => {
    assertBuilt()
    configDir = makeTempDir('training-config')
    const configFile = path.join(configDir, 'warp-host.yaml')
    fs.writeFileSync(
      configFile,
      [
        'training:',
        '  enabled: true',
        '  host: 127.0.0.1',
        `  request_queue: ${Q.request}`,
        `  update_queue: ${Q.update}`,
        `  result_queue: ${Q.result}`,
        `  dead_letter_exchange: ${Q.dlx}`,
        `  dead_letter_queue: ${Q.dead}`,
        ''
      ].join('\n')
    )
    host = await startHeadlessHost({ env: { WARP_HOST_CONFIG: configFile } })
    amqpModel = await amqp.connect('amqp://guest:guest@127.0.0.1:5672', { clientProperties: { connection_name: 'warp-e2e-training-trainer' } })
    ch = await amqpModel.createChannel()
    browser = await launchBrowser()
    page = await browser.newPage()
  })

  afterAll(async () => {
    await stopHostAndBrowser(host, browser)
    if (ch) {
      for (const q of [Q.request, Q.update, Q.result, Q.dead]) await ch.deleteQueue(q).catch(() => undefined)
      await ch.deleteExchange(Q.dlx).catch(() => undefined)
    }
    await amqpModel?.close().catch(() => undefined)
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true })
  })

  it('shows the broker connected and an empty job list', async () => {
    await page.goto(`${host.url}#/training`)
    await page.getByRole('heading', { name: 'Training', level: 1 }).waitFor()
    const broker = page.getByTestId('tr-broker')
    await broker.and(page.locator('[data-state="connected"]')).waitFor()
    expect(await broker.textContent()).toContain(Q.request)
    await page.getByTestId('tr-jobs-empty').waitFor()
    await shoot(page, 'training-empty')
  })

  it('refuses bad input in the form without publishing, then publishes a good job', async () => {
    await page.getByTestId('tr-new-job').click()
    const form = page.getByTestId('tr-form')
    await form.waitFor()
    await form.getByLabel('Dataset name').fill('bad name')
    await form.getByLabel('Epochs').fill('0')
    await form.getByLabel('Image size (px)').fill('100')
    await form.getByLabel('Batch size').fill('abc')
    await form.getByRole('button', { name: 'Submit job' }).click()
    await page.getByTestId('tr-error-datasetName').waitFor()
    expect(await page.getByTestId('tr-error-epochs').textContent()).toBe('must be at least 1')
    expect(await page.getByTestId('tr-error-imgsz').textContent()).toBe('must be a multiple of 32')
    expect(await page.getByTestId('tr-error-batch').textContent()).toBe('must be a number')
    expect(await form.getByLabel('Epochs').getAttribute('aria-invalid')).toBe('true')
    expect((await ch.checkQueue(Q.request)).messageCount).toBe(0)

    await form.getByLabel('Dataset name').fill('e2e-set')
    await form.getByLabel('Epochs').fill('12')
    await form.getByLabel('Image size (px)').fill('640')
    await form.getByLabel('Batch size').fill('8')
    await form.getByRole('button', { name: 'Submit job' }).click()
    const outcome = page.getByTestId('tr-outcome')
    await outcome.waitFor()
    expect(await outcome.textContent()).toMatch(/Job [0-9a-f]{8} published/)
    jobId = /Job ([0-9a-f]{8})/.exec((await outcome.textContent()) ?? '')![1]!
    await page.locator(`[data-testid="tr-jobs"] tr[data-job="${jobId}"][data-status="submitted"]`).waitFor()

    // What the trainer receives: the seed's request with every key.
    const msg = await vi.waitFor(
      async () => {
        const m = await ch.get(Q.request, { noAck: true })
        if (!m) throw new Error(`nothing on ${Q.request} yet`)
        return m
      },
      { timeout: 10_000, interval: 25 }
    )
    expect(msg.properties.deliveryMode).toBe(2)
    expect(JSON.parse(msg.content.toString('utf8'))).toEqual({
      job_id: jobId,
      dataset: { s3_prefix: 'datasets/e2e-set/', name: 'e2e-set' },
      output: { prefix: 'models/yolov8n', model_name: 'e2e-set.pt' },
      hyperparams: { model: 'yolov8n', epochs: 12, batch: 8, imgsz: 640 }
    })
  })

  it('follows the job live: progress, epoch x / y, charts, then its final metrics', async () => {
    const row = page.locator(`[data-testid="tr-jobs"] tr[data-job="${jobId}"]`)
    const detail = page.getByTestId('tr-detail')
    await detail.and(page.locator(`[data-job="${jobId}"]`)).waitFor()
    for (let e = 1; e <= 4; e++) ch.sendToQueue(Q.update, epoch(jobId, e, 12), { persistent: true })
    await row.and(page.locator('[data-status="running"]')).waitFor()
    await row.getByText('epoch 4 / 12').waitFor()
    await page.locator('[data-testid="tr-chart-mAP50"][data-points="4"]').waitFor()
    expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe(String(Math.round((400 / 12) * 10) / 10))
    expect(await row.getByTestId('tr-eta').textContent()).not.toBe('—')
    expect(await page.locator('[data-testid="tr-charts"] canvas').count()).toBeGreaterThanOrEqual(3)

    for (let e = 5; e <= 12; e++) ch.sendToQueue(Q.update, epoch(jobId, e, 12), { persistent: true })
    await page.locator('[data-testid="tr-chart-train_loss"][data-points="12"]').waitFor()
    ch.sendToQueue(
      Q.result,
      Buffer.from(
        JSON.stringify({
          type: 'training_completed',
          job_id: jobId,
          status: 'completed',
          progress: 100.0,
          model_path: 'uploads/models/model_19/weights/best.pt',
          final_metrics: { final_mAP50: 0.892, final_loss: 0.0156, training_epochs: 12 },
          training_time: 3600.5,
          timestamp: new Date().toISOString().replace('Z', '')
        })
      ),
      { persistent: true }
    )
    const final = page.getByTestId('tr-final')
    await final.waitFor()
    expect(await final.textContent()).toContain('final_mAP50')
    expect(await final.textContent()).toContain('0.892')
    expect(await final.textContent()).toContain('uploads/models/model_19/weights/best.pt')
    await row.and(page.locator('[data-status="completed"]')).waitFor()
    expect(await page.getByTestId('tr-count-completed').locator('.stat-card__value').textContent()).toBe('1')
    await shoot(page, 'training-completed')
  })

  it('shows a failed job of another backend with its error, and compares two jobs in one chart', async () => {
    const other = `ext${id}`
    for (let e = 1; e <= 3; e++) ch.sendToQueue(Q.update, epoch(other, e, 10), { persistent: true })
    ch.sendToQueue(
      Q.result,
      Buffer.from(JSON.stringify({ type: 'training_failed', job_id: other, status: 'failed', current_epoch: 3, error_message: 'CUDA out of memory', partial_metrics: { last_loss: 0.25 }, timestamp: '2026-12-01T10:45:30.123456' })),
      { persistent: true }
    )
    const row = page.locator(`[data-testid="tr-jobs"] tr[data-job="${other}"][data-status="failed"]`)
    await row.waitFor()
    expect(await row.textContent()).toContain('submitted elsewhere')
    await row.getByRole('button', { name: `Show job ${other}` }).click()
    const failure = page.getByTestId('tr-failure')
    await failure.waitFor()
    expect(await failure.textContent()).toContain('CUDA out of memory')
    expect(await failure.textContent()).toContain('Failed at epoch 3')

    await page.getByLabel(`Compare job ${jobId}`).check()
    await page.getByLabel(`Compare job ${other}`).check()
    const compare = page.getByTestId('tr-compare')
    await compare.getByRole('heading', { name: 'Compare 2 jobs' }).waitFor()
    await compare.getByLabel('Metric').selectOption('train_loss')
    // 12 epochs of one job and 3 of the other on one x axis (the union: 12 points).
    await page.locator('[data-testid="tr-compare-chart"][data-points="12"]').waitFor()
    expect(await compare.locator('.u-legend').textContent()).toContain(other)
  })

  it('fits 800 px and draws in the dark theme', async () => {
    await page.setViewportSize({ width: 800, height: 900 })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.getByTestId('tr-compare-chart').locator('canvas').waitFor()
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number
    expect(overflow).toBeLessThanOrEqual(0)
    const bg = (await page.evaluate("getComputedStyle(document.body).backgroundColor")) as string
    expect(bg).toBe('rgb(14, 17, 22)')
    await shoot(page, 'training-800-dark')
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 1280, height: 800 })
  })
})

describe('The Training page without RabbitMQ', () => {
  let host: HeadlessHost
  let browser: TestBrowser

  beforeAll(async () => {
    ;({ host, browser } = await hostAndBrowser())
  })
  afterAll(() => stopHostAndBrowser(host, browser))

  it('says RabbitMQ is not configured and keeps the form from publishing', async () => {
    const page = await browser.newPage()
    await page.goto(`${host.url}#/training`)
    const broker = page.getByTestId('tr-broker')
    await broker.and(page.locator('[data-state="disabled"]')).waitFor()
    expect(await broker.textContent()).toContain('RabbitMQ is not configured')
    await page.getByTestId('tr-jobs-empty').waitFor()
    await page.getByTestId('tr-new-job').click()
    await page.getByTestId('tr-form-unavailable').waitFor()
    expect(await page.getByRole('button', { name: 'Submit job' }).isDisabled()).toBe(true)
  })
})

describe('The Training page with RabbitMQ unreachable', () => {
  let host: HeadlessHost
  let browser: TestBrowser

  beforeAll(async () => {
    // Port 1 answers nothing: the service keeps reconnecting with backoff.
    ;({ host, browser } = await hostAndBrowser({ env: { ENABLE_RABBITMQ: 'true', RABBITMQ_HOST: '127.0.0.1', RABBITMQ_PORT: '1' }, colorScheme: 'dark' }))
  })
  afterAll(() => stopHostAndBrowser(host, browser))

  it('shows the broker reconnecting with its error, and the history still loads', async () => {
    const page = await browser.newPage()
    await page.goto(`${host.url}#/training`)
    const broker = page.getByTestId('tr-broker')
    await broker.and(page.locator('[data-state="reconnecting"]')).waitFor()
    expect(await broker.textContent()).toMatch(/RabbitMQ at amqp:\/\/guest@127\.0\.0\.1:1\/%2F is unavailable: .*ECONNREFUSED/)
    await page.getByTestId('tr-jobs-empty').waitFor()
  })
})
