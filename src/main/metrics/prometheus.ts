/**
 * Shared pieces of the Prometheus export (prom-client): the latency buckets every latency
 * histogram uses, so the same figure can be compared and aggregated across services and hosts,
 * and helpers for metrics whose value is read at scrape time from a snapshot.
 */
import { Counter, Gauge, type Registry } from 'prom-client'

/** Seconds: 1 ms … 30 s, roughly 1-2.5-5 per decade. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** What a snapshot metric exports at scrape time: label set → value. */
export type Series<L extends string> = Iterable<[Partial<Record<L, string>>, number]>

/**
 * A counter whose values are copied at scrape time from totals kept elsewhere (a snapshot that
 * only grows while its owner lives; a new owner starts again from 0, which Prometheus reads as a
 * counter reset). `read` returns the series to export; series it leaves out are not exported.
 */
export function snapshotCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Series<L>
): Counter<L> {
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset()
      for (const [labels, value] of read()) {
        if (Number.isFinite(value) && value >= 0) this.inc(labels, value)
      }
    }
  })
}

/**
 * A gauge whose values are read at scrape time (`read` may be async, e.g. a cached database
 * count). Series `read` leaves out are not exported, nor NaN values (the text format's readers
 * disagree on how to spell it).
 */
export function snapshotGauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Series<L> | Promise<Series<L>>
): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const series = await read()
      this.reset()
      for (const [labels, value] of series) {
        if (!Number.isNaN(value)) this.set(labels, value)
      }
    }
  })
}

/**
 * The registry's text exposition as `GET /api/metrics` serves it. prom-client spells NaN "Nan"
 * (e.g. the event-loop lag mean before its first sample); the format says "NaN", which is what
 * strict readers accept, so sample values are respelled (HELP and TYPE lines are left alone).
 */
export async function exposition(registry: Registry): Promise<string> {
  const text = await registry.metrics()
  return text.replace(/^([^#\n][^\n]*) Nan$/gm, '$1 NaN')
}
