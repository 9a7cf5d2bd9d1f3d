/**
 * Rate-over-time sparkline: the client-side rate history (last ~2 minutes) as an inline SVG area
 * line. The x axis is time (a fixed window ending at the newest sample), so gaps while the host
 * was idle or unreachable stay visible. Decorative for screen readers: the caller labels it.
 */
import { memo } from 'react'
import type { RatePoint } from '../../stores/requests'

interface SparklineProps {
  points: readonly RatePoint[]
  windowMs: number
  width?: number
  height?: number
}

export const Sparkline = memo(function Sparkline({ points, windowMs, width = 180, height = 40 }: SparklineProps) {
  const last = points[points.length - 1]
  if (!last || points.length < 2) {
    return (
      <svg className="rq-spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
        <line className="rq-spark-base" x1="0" y1={height - 1} x2={width} y2={height - 1} />
      </svg>
    )
  }
  // Young history grows from the left edge; once it spans the window it scrolls.
  const end = Math.max(last.t, points[0]!.t + windowMs)
  const start = end - windowMs
  let max = 0
  for (const p of points) max = Math.max(max, p.rate)
  const top = max > 0 ? max * 1.15 : 1
  const pad = 2
  const x = (t: number): number => ((t - start) / windowMs) * width
  const y = (r: number): number => height - pad - (r / top) * (height - pad * 2)
  const coords = points.filter((p) => p.t >= start).map((p) => `${x(p.t).toFixed(1)},${y(p.rate).toFixed(1)}`)
  const first = points.find((p) => p.t >= start) ?? last
  const area = `M${x(first.t).toFixed(1)},${height} L${coords.join(' L')} L${x(last.t).toFixed(1)},${height} Z`
  return (
    <svg className="rq-spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      <path className="rq-spark-area" d={area} />
      <polyline className="rq-spark-line" points={coords.join(' ')} />
      <circle className="rq-spark-dot" cx={x(last.t)} cy={y(last.rate)} r="2.5" />
    </svg>
  )
})
