/**
 * Turns what a transport delivered into typed values: unwraps the contract's CallResult envelope
 * (throwing ContractCallError on a failure) and checks results and event payloads against the
 * contract's schemas, so a page never renders a shape it did not expect.
 */
import {
  CallResultSchema,
  ContractCallError,
  events,
  methods,
  type EventName,
  type EventPayload,
  type MethodName,
  type MethodResult
} from '../../../shared/contract'

/** The value of a successful call, or a thrown ContractCallError carrying the server's issues. */
export function unwrapCallResult<M extends MethodName>(method: M, raw: unknown): MethodResult<M> {
  const envelope = CallResultSchema.safeParse(raw)
  if (!envelope.success) {
    throw new ContractCallError('internal', `WARP Host answered ${method} with something that is not a call result`)
  }
  if (!envelope.data.ok) {
    const { code, message, issues } = envelope.data.error
    throw new ContractCallError(code, message, issues)
  }
  const value = methods[method].output.safeParse(envelope.data.value)
  if (!value.success) {
    const first = value.error.issues[0]
    const where = first ? ` (${first.path.map(String).join('.') || 'value'}: ${first.message})` : ''
    throw new ContractCallError('internal', `WARP Host answered ${method} with an unexpected shape${where}`)
  }
  return value.data as MethodResult<M>
}

/** The payload of a pushed event, or null (and a console warning) when it does not match the contract. */
export function parseEventPayload<E extends EventName>(event: E, payload: unknown): EventPayload<E> | null {
  const parsed = events[event].safeParse(payload)
  if (!parsed.success) {
    console.warn(`Ignoring a malformed "${event}" event from WARP Host`, parsed.error.issues[0])
    return null
  }
  return parsed.data as EventPayload<E>
}

/** A readable message for anything a call may throw. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
