/**
 * Latency percentiles, one row per thing measured (p50 / p95 / p99), each row saying what it
 * measures; a row without samples reads "no answers". Shared by the Requests page, the Overview
 * and the pages still to come.
 */
import { formatCount, formatMs } from './requests/format'
import './latency-table.css'

export interface LatencyFigures {
  p50: number
  p95: number
  p99: number
  samples?: number
}

export interface LatencyRow {
  key: string
  label: React.ReactNode
  /** A second, smaller line under the label. */
  sub?: React.ReactNode
  /** Tooltip: what exactly is measured (the sample count is added). */
  title?: string
  value: LatencyFigures | null
}

export function LatencyTable({ rows, empty = 'no answers', testId }: { rows: LatencyRow[]; empty?: string; testId?: string }): React.JSX.Element {
  return (
    <table className="latency-table" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">
            <span className="latency-table__sr">Measured</span>
          </th>
          <th scope="col">p50</th>
          <th scope="col">p95</th>
          <th scope="col">p99</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} title={r.title === undefined ? undefined : `${r.title}${r.value?.samples !== undefined ? ` · ${formatCount(r.value.samples)} samples` : ''}`}>
            <th scope="row">
              {r.label}
              {r.sub !== undefined ? <span className="latency-table__sub">{r.sub}</span> : null}
            </th>
            {r.value ? (
              <>
                <td>{formatMs(r.value.p50)}</td>
                <td>{formatMs(r.value.p95)}</td>
                <td>{formatMs(r.value.p99)}</td>
              </>
            ) : (
              <td className="latency-table__empty" colSpan={3}>
                {empty}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
