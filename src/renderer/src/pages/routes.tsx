/**
 * The dashboard's pages: one entry per page, in navigation order. Adding a page is one line here
 * (path, label, component).
 */
import type { ComponentType } from 'react'
import { HostsPage } from './hosts/HostsPage'
import { InboxPage } from './inbox/InboxPage'
import { LogsPage } from './logs/LogsPage'
import { OverviewPage } from './OverviewPage'
import { RequestsPage } from './requests/RequestsPage'
import { SessionsPage } from './sessions/SessionsPage'
import { SettingsPage } from './settings/SettingsPage'
import { TrainingPage } from './training/TrainingPage'

export interface PageRoute {
  /** URL hash path: `#/<path>`. */
  path: string
  /** Navigation label and document title. */
  label: string
  component: ComponentType
  /** Marked "soon" in the navigation: the capability is not in this version yet. */
  planned?: boolean
  /** Services whose failure the navigation flags on this entry ('*' = any service). */
  services?: readonly string[]
}

export const ROUTES: readonly PageRoute[] = [
  { path: 'overview', label: 'Overview', component: OverviewPage, services: ['*'] },
  { path: 'requests', label: 'Requests', component: RequestsPage, services: ['ai-ipc'] },
  { path: 'sessions', label: 'Sessions', component: SessionsPage, services: ['hosting'] },
  { path: 'hosts', label: 'Hosts', component: HostsPage, services: ['coordinator'] },
  { path: 'training', label: 'Training', component: TrainingPage, services: ['training'] },
  { path: 'inbox', label: 'Inbox', component: InboxPage, services: ['inbox'] },
  { path: 'logs', label: 'Logs', component: LogsPage },
  { path: 'settings', label: 'Settings', component: SettingsPage }
]

export const DEFAULT_ROUTE = ROUTES[0]!

export function routeFor(path: string): PageRoute {
  return ROUTES.find((r) => r.path === path) ?? DEFAULT_ROUTE
}
