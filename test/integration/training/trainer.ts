/**
 * A test trainer process (what the AI service does, spec-training.md): consumes the request
 * queue and, for each request, publishes an epoch update per epoch to the update queue and then a
 * completion — or, when the dataset's name contains "fail", a failure halfway — to the result
 * queue. Prints every request it took as `REQUEST <json>` and `DONE <job_id>` when it is through.
 *
 * Env: AMQP_URL, REQUEST_QUEUE, UPDATE_QUEUE, RESULT_QUEUE. Run with tsx.
 */
import amqp from 'amqplib'

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const requestQueue = process.env.REQUEST_QUEUE!
const updateQueue = process.env.UPDATE_QUEUE!
const resultQueue = process.env.RESULT_QUEUE!

const naive = (ms: number): string => new Date(ms).toISOString().replace('Z', '456')

async function main(): Promise<void> {
  const model = await amqp.connect(url, { clientProperties: { connection_name: 'warp-training-test-trainer' } })
  const ch = await model.createConfirmChannel()
  await ch.prefetch(1)
  await ch.checkQueue(requestQueue)
  await ch.consume(requestQueue, (msg) => {
    if (!msg) return
    void (async () => {
      const req = JSON.parse(msg.content.toString('utf8')) as { job_id: string; dataset: { name: string }; hyperparams: { epochs: number } }
      process.stdout.write(`REQUEST ${msg.content.toString('utf8')}\n`)
      const total = req.hyperparams.epochs
      const failAt = req.dataset.name.includes('fail') ? Math.max(1, Math.floor(total / 2)) : null
      const t0 = Date.now()
      const last = failAt ?? total
      for (let e = 1; e <= last; e++) {
        const update = {
          type: 'epoch_update',
          job_id: req.job_id,
          status: 'running',
          current_epoch: e,
          total_epochs: total,
          progress: (100 * e) / total,
          metrics: { train_loss: 1 / (e + 1), mAP50: e / (total + 1), box_loss: 0.5 / (e + 1), cls_loss: 0.2 / (e + 1), dfl_loss: 0.1 / (e + 1) },
          timestamp: naive(t0 + e * 1000)
        }
        ch.sendToQueue(updateQueue, Buffer.from(JSON.stringify(update)), { persistent: true })
      }
      const result = failAt
        ? { type: 'training_failed', job_id: req.job_id, status: 'failed', current_epoch: failAt, error_message: 'CUDA out of memory', partial_metrics: { last_loss: 1 / (failAt + 1), last_mAP50: failAt / (total + 1) }, timestamp: naive(t0 + (failAt + 1) * 1000) }
        : { type: 'training_completed', job_id: req.job_id, status: 'completed', progress: 100.0, model_path: `uploads/models/${req.job_id}/weights/best.pt`, final_metrics: { final_mAP50: total / (total + 1), final_loss: 1 / (total + 1), training_epochs: total }, training_time: total * 1.0, timestamp: naive(t0 + (total + 1) * 1000) }
      ch.sendToQueue(resultQueue, Buffer.from(JSON.stringify(result)), { persistent: true })
      await ch.waitForConfirms()
      ch.ack(msg)
      process.stdout.write(`DONE ${req.job_id}\n`)
    })().catch((err: unknown) => {
      process.stderr.write(`trainer failed: ${String(err)}\n`)
      process.exit(1)
    })
  })
  process.stdout.write('TRAINER READY\n')
  process.on('SIGTERM', () => {
    void model.close().finally(() => process.exit(0))
  })
}

main().catch((err: unknown) => {
  process.stderr.write(`trainer failed: ${String(err)}\n`)
  process.exit(1)
})
