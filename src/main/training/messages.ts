/**
 * Incoming messages of the update and result queues: raw bytes → a typed message, or the reason
 * it is malformed (invalid JSON, no job_id, unknown type, wrong field types). Pure; the service
 * rejects malformed ones without requeue (dead-lettered) and logs them with `excerpt()`.
 */
import { TrainingMessageSchema, type EpochUpdate, type Metrics, type TrainingMessage } from '../../shared/contract'

export type ParsedMessage = { ok: true; message: TrainingMessage } | { ok: false; reason: string }

const KNOWN_TYPES = new Set(['epoch_update', 'training_completed', 'training_failed'])

export function parseMessage(content: Buffer): ParsedMessage {
  let data: unknown
  try {
    data = JSON.parse(content.toString('utf8'))
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, reason: 'not a JSON object' }
  const obj = data as Record<string, unknown>
  if (typeof obj.job_id !== 'string' || obj.job_id.trim() === '') return { ok: false, reason: 'missing job_id' }
  if (typeof obj.type !== 'string' || !KNOWN_TYPES.has(obj.type)) return { ok: false, reason: `unknown type ${JSON.stringify(obj.type ?? null)}` }
  // The hot path (thousands a second): a well-formed epoch update checked by hand, exactly the
  // schema's rules; anything else goes through the schema (and its error message).
  if (obj.type === 'epoch_update') {
    const fast = fastEpochUpdate(obj)
    if (fast) return { ok: true, message: fast }
  }
  const parsed = TrainingMessageSchema.safeParse(obj)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, reason: `bad ${obj.type}: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'invalid'}` }
  }
  return { ok: true, message: parsed.data }
}

const optString = (v: unknown, max: number): v is string | undefined => v === undefined || (typeof v === 'string' && v.length <= max)

/** EpochUpdateSchema's rules without zod; null when anything differs (the schema then says what). */
function fastEpochUpdate(o: Record<string, unknown>): EpochUpdate | null {
  const { job_id: jobId, current_epoch: epoch, total_epochs: total, progress, metrics, status, timestamp } = o
  if (typeof jobId !== 'string' || jobId.length > 128 || jobId.trim() !== jobId || jobId === '') return null
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0) return null
  if (total !== undefined && (typeof total !== 'number' || !Number.isInteger(total) || total <= 0)) return null
  if (progress !== undefined && (typeof progress !== 'number' || !Number.isFinite(progress))) return null
  if (!optString(status, 32) || !optString(timestamp, 64)) return null
  let m: Metrics = {}
  if (metrics !== undefined) {
    if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) return null
    for (const [k, v] of Object.entries(metrics)) {
      if (k.length > 128 || (v !== null && (typeof v !== 'number' || !Number.isFinite(v)))) return null
    }
    m = metrics as Metrics
  }
  return {
    type: 'epoch_update',
    job_id: jobId,
    ...(status !== undefined ? { status } : {}),
    current_epoch: epoch,
    ...(total !== undefined ? { total_epochs: total } : {}),
    ...(progress !== undefined ? { progress } : {}),
    metrics: m,
    ...(timestamp !== undefined ? { timestamp } : {})
  }
}

/** The message's content for a log line: at most `max` characters. */
export function excerpt(content: Buffer, max = 500): string {
  const text = content.subarray(0, max * 4).toString('utf8')
  return text.length > max ? `${text.slice(0, max)}… (${content.length} bytes)` : text
}

/**
 * A message timestamp as epoch ms: ISO 8601, UTC when it names no zone (the AI service sends
 * Python's naive `datetime.utcnow().isoformat()`), microseconds cut to milliseconds. `fallback`
 * when missing or unreadable.
 */
export function parseTimestamp(value: string | undefined, fallback: number): number {
  if (!value) return fallback
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim())
  if (!m) {
    const t = Date.parse(value)
    return Number.isFinite(t) ? t : fallback
  }
  const frac = m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : ''
  let zone = m[4] ?? 'Z'
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`
  const t = Date.parse(`${m[1]}T${m[2]}${frac}${zone.toUpperCase()}`)
  return Number.isFinite(t) ? t : fallback
}
