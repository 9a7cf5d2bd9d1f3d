/**
 * A request status as a coloured badge (colour plus text, never colour alone). A completed row
 * whose answer carries an HTTP error reads "Completed · 500" in amber.
 */
import { memo } from 'react'
import type { AiRequestStatus } from '../../../../shared/contract'
import { statusBadge } from './health'

export const StatusBadge = memo(function StatusBadge({ status, httpStatus = null }: { status: AiRequestStatus; httpStatus?: number | null }) {
  const b = statusBadge(status, httpStatus)
  return <span className={`rq-badge ${b.cls}`}>{b.text}</span>
})
