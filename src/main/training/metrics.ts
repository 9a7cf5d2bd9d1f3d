/**
 * The training service's Prometheus metrics (its own registry, ServiceContext.metrics): messages
 * received by queue, epochs stored, duplicates, rejected messages by reason, requests published,
 * reconnects, ingest batches, and the broker connection as a gauge read at scrape time.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface TrainingMetrics {
  received(queue: 'update' | 'result'): void
  stored(epochs: number, messages: number): void
  duplicates(n: number): void
  rejected(reason: string): void
  published(): void
  reconnected(): void
  batch(size: number, seconds: number): void
}

/** The reason's kind for a label (bounded cardinality). */
function reasonKind(reason: string): string {
  if (reason.startsWith('invalid JSON')) return 'invalid_json'
  if (reason.startsWith('missing job_id')) return 'missing_job_id'
  if (reason.startsWith('unknown type')) return 'unknown_type'
  if (reason.startsWith('store')) return 'store_failed'
  return 'invalid_fields'
}

export function registerTrainingMetrics(registry: Registry, connected: () => boolean): TrainingMetrics {
  const received = new Counter({ name: 'warp_training_messages_received_total', help: 'Messages received from the update and result queues', labelNames: ['queue'] as const, registers: [registry] })
  const epochs = new Counter({ name: 'warp_training_epochs_stored_total', help: 'Epoch updates stored (new ones)', registers: [registry] })
  const messages = new Counter({ name: 'warp_training_messages_stored_total', help: 'Messages stored and acknowledged', registers: [registry] })
  const dups = new Counter({ name: 'warp_training_duplicates_total', help: 'Messages already stored (redelivered or duplicated), acknowledged without change', registers: [registry] })
  const rejected = new Counter({ name: 'warp_training_messages_rejected_total', help: 'Malformed messages rejected without requeue (dead-lettered), by reason', labelNames: ['reason'] as const, registers: [registry] })
  const published = new Counter({ name: 'warp_training_requests_published_total', help: 'Training requests published and confirmed by the broker', registers: [registry] })
  const reconnects = new Counter({ name: 'warp_training_reconnects_total', help: 'Broker connections lost and re-established', registers: [registry] })
  const batches = new Histogram({ name: 'warp_training_ingest_batch_seconds', help: 'Time to store one batch of messages in SQLite', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5], registers: [registry] })
  new Gauge({
    name: 'warp_training_broker_connected',
    help: '1 while connected to RabbitMQ',
    registers: [registry],
    collect() {
      this.set(connected() ? 1 : 0)
    }
  })
  return {
    received: (queue) => received.inc({ queue }),
    stored: (e, m) => {
      epochs.inc(e)
      messages.inc(m)
    },
    duplicates: (n) => dups.inc(n),
    rejected: (reason) => rejected.inc({ reason: reasonKind(reason) }),
    published: () => published.inc(),
    reconnected: () => reconnects.inc(),
    batch: (_size, seconds) => batches.observe(seconds)
  }
}
