/**
 * A request status as a coloured badge (colour plus text, never colour alone).
 */
import { memo } from 'react'
import type { AiRequestStatus } from '../../../../shared/contract'
import { STATUS_LABEL } from './format'

export const StatusBadge = memo(function StatusBadge({ status }: { status: AiRequestStatus }) {
  return <span className={`rq-badge rq-st-${status}`}>{STATUS_LABEL[status]}</span>
})
