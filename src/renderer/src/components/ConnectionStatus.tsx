/**
 * The connection in words, for the header (a compact badge) and for the banner shown above every
 * page while the live connection is down ("Disconnected — reconnecting…", with a Retry button).
 */
import type { ConnectionInfo } from '../api/live-client'
import { useConnectionStore } from '../stores/connection'
import { useStatusStore } from '../stores/status'
import { formatAsOf } from './requests/health'
import { Badge, type Tone } from './StateBadge'
import { useNow } from './use-now'

function headline(info: ConnectionInfo): { tone: Tone; text: string } {
  switch (info.state) {
    case 'open':
      return { tone: 'ok', text: info.transport === 'ipc' ? 'Connected (desktop)' : 'Connected' }
    case 'connecting':
      return { tone: 'busy', text: info.attempt > 0 ? 'Reconnecting…' : 'Connecting…' }
    case 'disconnected':
      if (info.throttled) return { tone: 'bad', text: 'Too many failed sign-ins' }
      return { tone: 'bad', text: info.retryAt ? 'Disconnected — reconnecting…' : 'Disconnected' }
    case 'unauthorized':
      return { tone: 'bad', text: 'Sign-in required' }
  }
}

function RetryCountdown({ retryAt, throttled }: { retryAt: number; throttled: boolean }): React.JSX.Element {
  const now = useNow()
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000))
  if (throttled) return <span className="muted">{seconds > 0 ? `retrying in ${seconds} s` : 'retrying now'}</span>
  return <span className="muted">{seconds > 0 ? `next try in ${seconds} s` : 'trying now'}</span>
}

export function ConnectionBadge(): React.JSX.Element {
  const info = useConnectionStore((s) => s.info)
  const { tone, text } = headline(info)
  return (
    <span className="connection-badge" role="status" title={info.reason ?? undefined}>
      <Badge tone={tone}>{text}</Badge>
    </span>
  )
}

/** Shown above the page while the connection is not open. */
export function ConnectionBanner(): React.JSX.Element | null {
  const info = useConnectionStore((s) => s.info)
  const reconnectNow = useConnectionStore((s) => s.reconnectNow)
  const receivedAt = useStatusStore((s) => s.receivedAt)
  if (info.state === 'open' || info.state === 'unauthorized') return null
  const { text } = headline(info)
  return (
    <div className={`banner ${info.state === 'disconnected' ? 'banner--bad' : 'banner--busy'}`}>
      <div className="banner__text">
        <strong>{text}</strong>
        <span className="banner__detail">
          {info.reason ? `${info.reason}. ` : ''}
          {receivedAt ? `Showing what was last received, ${formatAsOf(receivedAt)}. ` : ''}
          {info.state === 'disconnected' && info.retryAt ? <RetryCountdown retryAt={info.retryAt} throttled={info.throttled} /> : null}
        </span>
      </div>
      {info.state === 'disconnected' && info.retryAt && !info.throttled ? (
        <button type="button" className="button" onClick={reconnectNow}>
          Retry now
        </button>
      ) : null}
    </div>
  )
}
