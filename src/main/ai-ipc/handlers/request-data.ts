/**
 * Reading a request's `request_data` column: the size cap, JSON parsing into an object with clear
 * validation messages, and small typed field readers the handlers share.
 */
import { validation, type HandlerOutcome } from './types'

/** request_data larger than this is refused with a validation error ("payload too large"). */
export const MAX_REQUEST_DATA_BYTES = 64 * 1024

export type ParsedRequestData = { ok: true; data: Record<string, unknown> } | { ok: false; outcome: HandlerOutcome }

/** Validation outcome when `raw` is over `maxBytes` UTF-8 bytes, else null. */
export function checkPayloadSize(raw: string | null, maxBytes = MAX_REQUEST_DATA_BYTES): HandlerOutcome | null {
  if (raw === null) return null
  // Cheap bounds first: UTF-8 needs ≥ 1 and ≤ 3 bytes per UTF-16 unit.
  if (raw.length * 3 <= maxBytes) return null
  const bytes = Buffer.byteLength(raw, 'utf8')
  if (bytes <= maxBytes) return null
  return validation(`payload too large: request_data is ${bytes} bytes (max ${maxBytes})`)
}

/**
 * Parses `request_data` as a JSON object. null/empty/whitespace → {}. Over the size cap, invalid
 * JSON, or JSON that is not an object (array, number, string…) → a validation outcome.
 */
export function parseRequestData(raw: string | null, maxBytes = MAX_REQUEST_DATA_BYTES): ParsedRequestData {
  if (raw === null) return { ok: true, data: {} }
  const tooLarge = checkPayloadSize(raw, maxBytes)
  if (tooLarge !== null) return { ok: false, outcome: tooLarge }
  if (raw.trim() === '') return { ok: true, data: {} }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (err) {
    return { ok: false, outcome: validation(`Invalid JSON in request_data: ${(err as Error).message}`) }
  }
  if (!isPlainObject(parsed)) {
    return { ok: false, outcome: validation(`request_data must be a JSON object, got ${describe(parsed)}`) }
  }
  return { ok: true, data: parsed }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A non-empty string field (numbers are accepted and stringified, e.g. numeric NPC ids). */
export function stringField(data: Record<string, unknown>, key: string): string | undefined {
  const v = data[key]
  if (typeof v === 'string') return v.trim() === '' ? undefined : v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

/** The first present string field among `keys`. */
export function firstStringField(data: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = stringField(data, k)
    if (v !== undefined) return v
  }
  return undefined
}

/** A finite positive number field (numeric strings accepted). */
export function positiveNumberField(data: Record<string, unknown>, key: string): number | undefined {
  const v = data[key]
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
  return Number.isFinite(n) && n > 0 ? n : undefined
}

/** A shallow copy of `data` without `keys`. */
export function omitKeys(data: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(data)) if (!keys.includes(k)) out[k] = v
  return out
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return `a ${typeof v}`
}
