// The final response_data builders and the outcome → row table, byte for byte.
import { describe, expect, it } from 'vitest'
import {
  exhaustedResponse,
  failedResponse,
  noHandlerResponse,
  settleNoHandler,
  settleOutcome,
  successResponse,
  toAiRequest,
  validationResponse
} from '../../../src/main/ai-ipc/handlers'

const NOW = Date.parse('2025-11-27T00:00:00.000Z')

describe('response builders', () => {
  it('validation', () => {
    expect(validationResponse('npc_id or npc_name is required')).toBe('{"status":"error","error":"npc_id or npc_name is required","code":400}')
  })
  it('retries exhausted', () => {
    expect(exhaustedResponse('Timeout calling x', 504)).toBe('{"status":"error","error":"Timeout calling x","code":504,"retries_exhausted":true}')
  })
  it('no handler / failed', () => {
    expect(noHandlerResponse('bogus', NOW)).toBe('{"error":true,"message":"No handler for request type: bogus","timestamp":"2025-11-27T00:00:00.000Z"}')
    expect(failedResponse('boom "quoted"', NOW)).toBe('{"error":true,"message":"boom \\"quoted\\"","timestamp":"2025-11-27T00:00:00.000Z"}')
  })
  it('success uses pre-serialized json when present', () => {
    expect(successResponse({ kind: 'ok', response: { a: 1 } })).toBe('{"a":1}')
    expect(successResponse({ kind: 'ok', response: { a: 1 }, json: '{"a": 1}' })).toBe('{"a": 1}')
  })
})

describe('settleOutcome', () => {
  it('ok → completed with httpStatus (default 200)', () => {
    expect(settleOutcome({ kind: 'ok', response: { s: 1 } }, { retriesLeft: true, nowMs: NOW })).toEqual({
      status: 'completed',
      response: { data: '{"s":1}', httpStatus: 200, error: null }
    })
    expect(settleOutcome({ kind: 'ok', response: {}, httpStatus: 404 }, { retriesLeft: true, nowMs: NOW })).toMatchObject({
      response: { httpStatus: 404 }
    })
  })
  it('validation → completed 400', () => {
    expect(settleOutcome({ kind: 'validation', message: 'bad' }, { retriesLeft: true, nowMs: NOW })).toEqual({
      status: 'completed',
      response: { data: '{"status":"error","error":"bad","code":400}', httpStatus: 400, error: 'bad' }
    })
  })
  it('retryable → retry while retries are left, then completed 500/504 with retries_exhausted', () => {
    const o = { kind: 'retryable', message: 'down', httpStatus: 504 } as const
    expect(settleOutcome(o, { retriesLeft: true, nowMs: NOW })).toEqual({ status: 'retry', message: 'down', httpStatus: 504 })
    expect(settleOutcome(o, { retriesLeft: false, nowMs: NOW })).toEqual({
      status: 'completed',
      response: { data: '{"status":"error","error":"down","code":504,"retries_exhausted":true}', httpStatus: 504, error: 'down' }
    })
  })
  it('failed and no handler → failed 500', () => {
    expect(settleOutcome({ kind: 'failed', message: 'x'.repeat(600) }, { retriesLeft: true, nowMs: NOW })).toMatchObject({
      status: 'failed',
      response: { httpStatus: 500 }
    })
    const s = settleOutcome({ kind: 'failed', message: 'x'.repeat(600) }, { retriesLeft: true, nowMs: NOW })
    expect(s.status === 'failed' && s.response.error?.length).toBe(500)
    expect(settleNoHandler('zzz', NOW)).toEqual({
      status: 'failed',
      response: { data: noHandlerResponse('zzz', NOW), httpStatus: 500, error: 'No handler for request type: zzz' }
    })
  })
})

describe('toAiRequest', () => {
  it('maps a queue row to the old column names', () => {
    expect(
      toAiRequest({ id: 5, type: 'HTTP_GET', endpoint: '/x', data: null, priority: 3, retryCount: 1, correlationId: 'c', sourceNpc: 'n', sourceMap: 'm' })
    ).toEqual({
      id: 5,
      request_type: 'HTTP_GET',
      endpoint: '/x',
      request_data: null,
      priority: 3,
      source_npc: 'n',
      source_map: 'm',
      retry_count: 1,
      correlation_id: 'c'
    })
  })
})
