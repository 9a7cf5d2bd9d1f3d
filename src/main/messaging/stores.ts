/**
 * Where a message endpoint remembers what it handled (de-duplication by message id) and what
 * failed (the error store). The in-memory implementations are bounded; the inbox swaps in stores
 * backed by the app database so both survive a restart.
 */
import type { Message } from './envelope'

/** Ids of messages already handled (a re-delivered id is ACKed again but not handled twice). */
export interface DedupeStore {
  has(id: string): boolean
  /** May return a promise (a store that commits in groups): the ACK waits for it. */
  add(id: string): void | Promise<void>
}

/** Where a failure happened. */
export type ErrorStage = 'invalid' | 'handler' | 'ack-timeout' | 'send'

export interface StoredError {
  /** Epoch milliseconds. */
  at: number
  stage: ErrorStage
  /** Why, in one line. */
  error: string
  stack?: string
  /** The message's id (or what an invalid frame claimed as its id). */
  messageId?: string
  /** The message's type (or what an invalid frame claimed). */
  type?: string
  group: string
  /** The message, when it was a valid envelope. */
  message?: Message
  /** The start of the frame as received, when it was not a valid envelope. */
  raw?: string
  /** Attempts made (ack-timeout / send failures of an outgoing message). */
  attempts?: number
  /** Where the frame came from, as the transport names it (the inbox: the message file's name). */
  source?: string
}

export interface ErrorStore {
  add(e: StoredError): void
  /** Newest first. */
  list(limit?: number): StoredError[]
  /** How many errors were added (including those a bounded store no longer holds). */
  count(): number
}

/** A bounded LRU of ids (Map insertion order; a hit moves the id to the young end). */
export class MemoryDedupeStore implements DedupeStore {
  private readonly ids = new Map<string, true>()
  constructor(private readonly max = 10_000) {}

  has(id: string): boolean {
    if (!this.ids.has(id)) return false
    this.ids.delete(id)
    this.ids.set(id, true)
    return true
  }

  add(id: string): void {
    this.ids.delete(id)
    this.ids.set(id, true)
    while (this.ids.size > this.max) {
      const oldest = this.ids.keys().next()
      if (oldest.done === true) break
      this.ids.delete(oldest.value)
    }
  }

  get size(): number {
    return this.ids.size
  }
}

/** A bounded list of errors, oldest dropped first. */
export class MemoryErrorStore implements ErrorStore {
  private readonly items: StoredError[] = []
  private total = 0
  constructor(private readonly max = 1_000) {}

  add(e: StoredError): void {
    this.total++
    this.items.push(e)
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max)
  }

  list(limit = this.max): StoredError[] {
    if (limit <= 0) return []
    return this.items.slice(-limit).reverse()
  }

  count(): number {
    return this.total
  }
}
