/**
 * The AI IPC request handlers' public surface: types and response builders, the registry, the
 * built-in handlers and the helpers custom handlers use.
 */
export * from './types'
export { HandlerRegistry, createDefaultRegistry, type DefaultRegistryOptions, type HandlerListing } from './registry'
export {
  parseRequestData,
  checkPayloadSize,
  MAX_REQUEST_DATA_BYTES,
  isPlainObject,
  stringField,
  firstStringField,
  positiveNumberField,
  omitKeys,
  type ParsedRequestData
} from './request-data'
export { resolveProxyUrl, serviceTargets, MAX_ENDPOINT_LENGTH, type ResolvedUrl, type ServiceTargets } from './proxy-url'
export { handlerConfigFrom, aiServiceClientOptions, createHandlerContext, type AiServiceSettings, type HandlerContextOptions } from './context'
export { HealthHandler, probeAiService, SERVICE_NAME, DETAILED_HEALTH_TIMEOUT_MS, type AiServiceHealth, type AiServiceHealthStatus } from './health'
export { HttpProxyHandler, buildProxyCall, proxyOutcome, upstreamBodyOutcome, mimeType } from './http-proxy'
export { DialogueHandler, DIALOGUE_TEMPLATES, NPC_TYPE_KEYWORDS, npcTypeOf, fallbackDialogue, type NpcType } from './dialogue'
export { DecisionHandler, fallbackAction, DEFAULT_ACTION } from './decision'
export { EmotionHandler, detectEmotion, EMOTION_KEYWORDS, type Emotion, type DetectedEmotion } from './emotion'
export { AsyncJobHandler, SUBMIT_TYPES, CHECK_TYPES, type AsyncJobOptions } from './async'
export { npcIdentity, parseNpcRequest, npcUrl, callNpcService, type NpcIdentity, type NpcAction, type NpcServiceReply } from './npc-service'
