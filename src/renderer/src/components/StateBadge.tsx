/**
 * Colored state badges. The color is never the only signal: every badge carries its state in words
 * and a shape (dot) so it reads in both themes and for color-blind users.
 */
import type { ServiceState } from '../../../shared/contract'

export type Tone = 'ok' | 'busy' | 'bad' | 'idle'

const SERVICE_STATE: Record<ServiceState, { text: string; tone: Tone }> = {
  running: { text: 'Running', tone: 'ok' },
  starting: { text: 'Starting', tone: 'busy' },
  stopping: { text: 'Stopping', tone: 'busy' },
  stopped: { text: 'Stopped', tone: 'idle' },
  disabled: { text: 'Disabled', tone: 'idle' },
  reconnecting: { text: 'Reconnecting', tone: 'bad' },
  error: { text: 'Error', tone: 'bad' }
}

export function Badge({ tone, children }: { tone: Tone; children: React.ReactNode }): React.JSX.Element {
  return (
    <span className={`badge badge--${tone}`}>
      <span className="badge__dot" aria-hidden="true" />
      {children}
    </span>
  )
}

export function StateBadge({ state }: { state: ServiceState }): React.JSX.Element {
  const { text, tone } = SERVICE_STATE[state]
  return <Badge tone={tone}>{text}</Badge>
}
