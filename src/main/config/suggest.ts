/**
 * "Did you mean …" for configuration keys and command-line options: the closest known name by
 * edit distance, when it is close enough to be a typo.
 */
import { ConfigSchema } from '../../shared/config-schema'

/** Levenshtein distance (small strings: config keys and option names). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = tmp
    }
  }
  return prev[b.length]!
}

/** The closest candidate within a typo's distance (about a third of the name, at least 2), else null. */
export function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null
  let bestD = Infinity
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase())
    if (d < bestD) {
      bestD = d
      best = c
    }
  }
  return best !== null && bestD > 0 && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null
}

/** Every known key: top-level names and `section.key` for each section field. */
export function knownConfigKeys(): string[] {
  const out: string[] = []
  const defaults = ConfigSchema.parse({}) as Record<string, unknown>
  for (const [k, v] of Object.entries(defaults)) {
    out.push(k)
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const sub of Object.keys(v)) out.push(`${k}.${sub}`)
  }
  return out
}

/**
 * A suggestion for an unknown dotted key: the closest key of the same section, else the same
 * field name in another section (`database.interval_ms` → `polling.interval_ms`), else the
 * closest key anywhere.
 */
export function suggestConfigKey(key: string): string | null {
  const known = knownConfigKeys()
  const parts = key.split('.')
  if (parts.length === 1) return closest(key, known.filter((k) => !k.includes('.')))
  const [section, field] = [parts[0]!, parts.slice(1).join('.')]
  const sameSection = known.filter((k) => k.startsWith(`${section}.`))
  if (sameSection.length > 0) {
    const near = closest(field, sameSection.map((k) => k.slice(section.length + 1)))
    if (near) return `${section}.${near}`
  }
  const elsewhere = known.filter((k) => k.endsWith(`.${field}`))
  if (elsewhere.length === 1) return elsewhere[0]!
  return closest(key, known.filter((k) => k.includes('.')))
}
