/**
 * The runtime's typed event bus: services emit contract events here, and both transports
 * (ipc registrar, WebSocket bridge) forward them to the renderer.
 */
import type { EventName, EventPayload } from '../shared/contract'

type AnyListener = (event: EventName, payload: unknown) => void

export class EventBus {
  private listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  private anyListeners = new Set<AnyListener>()

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners.get(event) ?? []) l(payload)
    for (const l of this.anyListeners) l(event, payload)
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    const l = listener as (payload: unknown) => void
    set.add(l)
    return () => set.delete(l)
  }

  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener)
    return () => this.anyListeners.delete(listener)
  }

  get listenerCount(): number {
    let n = this.anyListeners.size
    for (const s of this.listeners.values()) n += s.size
    return n
  }
}
