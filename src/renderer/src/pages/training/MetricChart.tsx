/**
 * One metric per epoch as a uPlot line chart (canvas: it stays smooth while epochs stream in).
 * The chart is built once and fed with `setData` when the series' version changes; it follows its
 * container's width (ResizeObserver) and the theme (colors read from the CSS variables, rebuilt
 * when the system switches between light and dark).
 */
import { useEffect, useRef, useState } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartLine {
  label: string
}

export interface MetricChartProps {
  title: string
  lines: readonly ChartLine[]
  /** [epochs, ...one column per line] (uPlot's aligned data). */
  data: [number[], ...(number | null)[][]]
  /** Changes whenever `data` changed (the arrays may be the same objects). */
  version: string | number
  height?: number
  testId?: string
}

/** Line colors readable on both themes' surfaces. */
export const LINE_COLORS = ['#3b82f6', '#e8590c', '#2f9e44', '#ae3ec9', '#d6336c', '#0c8599', '#f08c00', '#5c7cfa']

/**
 * Chart redraws waiting for a frame. A push touches several charts at once; drawing them all in one
 * frame would make that frame long, so each frame draws charts only until DRAW_BUDGET_MS is spent
 * (at least one), the rest in the next frames. A chart queued twice is drawn once, with its latest data.
 */
const DRAW_BUDGET_MS = 6
const drawQueue = new Map<object, () => void>()
let drawFrame: number | null = null

function runDraws(): void {
  drawFrame = null
  const start = performance.now()
  for (const [key, draw] of drawQueue) {
    drawQueue.delete(key)
    draw()
    if (performance.now() - start >= DRAW_BUDGET_MS) break
  }
  if (drawQueue.size > 0) drawFrame = requestAnimationFrame(runDraws)
}

function queueDraw(key: object, draw: () => void): void {
  drawQueue.delete(key) // re-queued at the end: the charts drawn longest ago go first
  drawQueue.set(key, draw)
  drawFrame ??= requestAnimationFrame(runDraws)
}

function cancelDraw(key: object): void {
  drawQueue.delete(key)
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return v || fallback
}

function useDarkScheme(): boolean {
  const [dark, setDark] = useState(() => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false)
  useEffect(() => {
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)')
    if (!mq) return
    const on = (): void => setDark(mq.matches)
    mq.addEventListener('change', on)
    return () => mq.removeEventListener('change', on)
  }, [])
  return dark
}

export function MetricChart({ title, lines, data, version, height = 180, testId }: MetricChartProps): React.JSX.Element {
  const box = useRef<HTMLDivElement | null>(null)
  const plot = useRef<uPlot | null>(null)
  const dataRef = useRef(data)
  const linesRef = useRef(lines)
  const dark = useDarkScheme()
  const linesKey = lines.map((l) => l.label).join('\u0000')

  // Runs before the effect below: a rebuilt chart starts from the latest data and lines.
  useEffect(() => {
    dataRef.current = data
    linesRef.current = lines
  })

  useEffect(() => {
    const el = box.current
    if (!el) return
    const lines = linesRef.current
    const text = cssVar('--muted', '#59636e')
    const grid = cssVar('--border', '#d9dee4')
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' }
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: lines.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: 'epoch', labelFont: '11px system-ui, sans-serif', labelSize: 16 },
        { ...axis, size: 52 }
      ],
      series: [{ label: 'epoch' }, ...lines.map((l, i) => ({ label: l.label, stroke: LINE_COLORS[i % LINE_COLORS.length]!, width: 1.5, spanGaps: true, points: { show: false } }))]
    }
    const u = new uPlot(opts, dataRef.current, el)
    plot.current = u
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth)
      if (w !== u.width) u.setSize({ width: w, height })
    })
    ro.observe(el)
    return () => {
      ro.disconnect()
      u.destroy()
      plot.current = null
    }
  }, [linesKey, height, dark])

  // New data is drawn once per version, in a coming animation frame (see queueDraw).
  useEffect(() => {
    const key = box
    queueDraw(key, () => plot.current?.setData(dataRef.current))
    return () => cancelDraw(key)
  }, [version])

  const n = data[0].length
  return (
    <figure className="tr-chart" data-testid={testId} data-points={n}>
      <figcaption className="tr-chart__title">{title}</figcaption>
      <div ref={box} className="tr-chart__plot" role="img" aria-label={`${title} per epoch, ${n} epochs`} />
    </figure>
  )
}
