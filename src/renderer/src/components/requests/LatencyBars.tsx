/**
 * Latency percentiles (p50 / p95 / p99) as three small horizontal SVG bars scaled to p99, each
 * labelled with its value. Shows "no samples" when the window is empty.
 */
import { memo } from 'react'
import type { LatencySummary } from '../../../../shared/contract'
import { formatMs } from './format'

interface LatencyBarsProps {
  latency: LatencySummary | null
  width?: number
}

const ROWS = [
  ['p50', 'rq-lat-p50'],
  ['p95', 'rq-lat-p95'],
  ['p99', 'rq-lat-p99']
] as const

export const LatencyBars = memo(function LatencyBars({ latency, width = 110 }: LatencyBarsProps) {
  if (!latency || latency.samples === 0) return <p className="rq-muted rq-lat-empty">No samples in the last minute</p>
  const max = Math.max(latency.p99, latency.p95, latency.p50, 0.001)
  return (
    <dl className="rq-lat">
      {ROWS.map(([key, cls]) => {
        const v = latency[key]
        const w = Math.max(2, (v / max) * width)
        return (
          <div className="rq-lat-row" key={key}>
            <dt>{key}</dt>
            <dd>
              <svg width={width} height="8" viewBox={`0 0 ${width} 8`} aria-hidden="true">
                <rect className="rq-lat-track" x="0" y="0" width={width} height="8" rx="2" />
                <rect className={`rq-lat-bar ${cls}`} x="0" y="0" width={w} height="8" rx="2" />
              </svg>
              <span className="rq-num">{formatMs(v)}</span>
            </dd>
          </div>
        )
      })}
    </dl>
  )
})
