// request_data parsing: empty, objects, invalid JSON, non-objects, the 64 KiB cap.
import { describe, expect, it } from 'vitest'
import { MAX_REQUEST_DATA_BYTES, checkPayloadSize, firstStringField, parseRequestData, positiveNumberField, stringField } from '../../../src/main/ai-ipc/handlers'

describe('parseRequestData', () => {
  it('treats null and blank as {}', () => {
    expect(parseRequestData(null)).toEqual({ ok: true, data: {} })
    expect(parseRequestData('  ')).toEqual({ ok: true, data: {} })
  })
  it('parses a JSON object', () => {
    expect(parseRequestData('{"a":1}')).toEqual({ ok: true, data: { a: 1 } })
  })
  it('invalid JSON → validation with a clear message', () => {
    const r = parseRequestData('{"a":')
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.outcome.kind).toBe('validation')
      expect(r.outcome.kind === 'validation' && r.outcome.message).toMatch(/^Invalid JSON in request_data: /)
    }
  })
  it.each([
    ['[1,2]', 'an array'],
    ['42', 'a number'],
    ['"s"', 'a string'],
    ['null', 'null']
  ])('non-object %s → validation', (raw, what) => {
    const r = parseRequestData(raw)
    expect(r).toEqual({ ok: false, outcome: { kind: 'validation', message: `request_data must be a JSON object, got ${what}` } })
  })
  it('caps the payload at 64 KiB (UTF-8 bytes)', () => {
    const at = '"' + 'a'.repeat(MAX_REQUEST_DATA_BYTES - 2) + '"'
    expect(checkPayloadSize(at)).toBeNull()
    const over = JSON.stringify({ x: 'a'.repeat(MAX_REQUEST_DATA_BYTES) })
    const r = parseRequestData(over)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.outcome).toMatchObject({ kind: 'validation', message: expect.stringMatching(/^payload too large/) as unknown })
    // multi-byte characters count as bytes: 30,000 × 3 bytes > 64 KiB though only 30,000 chars
    expect(checkPayloadSize('€'.repeat(30_000))).not.toBeNull()
  })
})

describe('field readers', () => {
  it('read strings, numbers and positive numbers', () => {
    const d = { a: 'x', b: 7, c: ' ', e: '2.5', f: -1 }
    expect(stringField(d, 'a')).toBe('x')
    expect(stringField(d, 'b')).toBe('7')
    expect(stringField(d, 'c')).toBeUndefined()
    expect(firstStringField(d, 'zz', 'c', 'a')).toBe('x')
    expect(positiveNumberField(d, 'e')).toBe(2.5)
    expect(positiveNumberField(d, 'f')).toBeUndefined()
  })
})
