/** Shared fixtures for handler unit tests: a silent logger, requests and a context. */
import { HttpClient } from '../../../src/main/http'
import type { Logger } from '../../../src/main/logging/logger'
import type { AiRequest, HandlerConfig, HandlerContext } from '../../../src/main/ai-ipc/handlers'

export const silentLog: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  scope() {
    return silentLog
  }
}

export function makeRequest(type: string, endpoint: string | null = null, data: unknown = null): AiRequest {
  return {
    id: 1,
    request_type: type,
    endpoint,
    request_data: data === null ? null : typeof data === 'string' ? data : JSON.stringify(data),
    priority: 5,
    source_npc: null,
    source_map: null,
    retry_count: 0,
    correlation_id: null
  }
}

export function makeConfig(over: Partial<HandlerConfig> = {}): HandlerConfig {
  return { baseUrl: 'http://ai.local:8000', timeoutMs: 1000, allowedOrigins: [], version: '1.2.3', ...over }
}

export function makeContext(over: Partial<HandlerContext> = {}): HandlerContext {
  return {
    http: new HttpClient({ rateLimit: false }),
    config: makeConfig(),
    log: silentLog,
    startedAt: Date.parse('2025-01-01T00:00:00Z'),
    now: () => Date.parse('2025-01-01T01:00:00.250Z'),
    ...over
  }
}
