/**
 * Signaling for the coordinator: the embedded server (both dialects on one http.Server) and the
 * client (both dialects behind one interface). Mount the server on the registry's http.Server:
 *
 *   const signaling = new SignalingServer({ verifyToken, metrics, log })
 *   signaling.attach(fastify.server)   // before or after listen
 *   …
 *   await signaling.close()            // before closing the http.Server
 */
export { SignalingServer, type Dialect, type SignalingServerOptions, type SignalingStats } from './server'
export {
  createSignalingClient,
  type SignalingClient,
  type SignalingClientOptions,
  type SignalingClientState,
  type SignalingDialect,
  type SignalingMessage,
  type SignalingStateName
} from './client'
export { SIGNALING_WS_PATH, SOCKET_IO_PATH, SUPPORTED_PROTOCOLS, type CandidatePayload, type SdpPayload, type ServerFrame } from './protocol'
