/**
 * Which services are failing, for the navigation and the header: pure helpers over the host's
 * `app.status` services (no React).
 */
import type { ServiceStatus } from '../../../shared/contract'

/** Services that are down: in error, or reconnecting by themselves. */
export function failingServices(services: readonly ServiceStatus[] | undefined): ServiceStatus[] {
  return (services ?? []).filter((s) => s.state === 'error' || s.state === 'reconnecting')
}

/** The failing services a navigation entry watches ('*' = any). */
export function failingFor(watch: readonly string[] | undefined, failing: readonly ServiceStatus[]): ServiceStatus[] {
  if (!watch || watch.length === 0) return []
  return failing.filter((s) => watch.includes('*') || watch.includes(s.name))
}

/** The header's words: "AI request poller failing", "2 services failing"; null when all is well. */
export function failingHeadline(failing: readonly ServiceStatus[]): string | null {
  if (failing.length === 0) return null
  if (failing.length === 1) return `${failing[0]!.label} failing`
  return `${failing.length} services failing`
}
