/**
 * The GET response cache: an LRU map (Map insertion order) bounded in entries, each entry with
 * its own expiry from an injectable monotonic clock, plus hit/miss/eviction counters. Stored
 * values are deep-frozen so one caller cannot change what the next one reads.
 */

export interface CachedResponse {
  status: number
  data: unknown
  text: string | undefined
  contentType: string | undefined
  headers: Record<string, string | string[] | undefined> | undefined
}

interface Entry {
  expiresAt: number
  value: CachedResponse
}

export class ResponseCache {
  private readonly map = new Map<string, Entry>()
  hits = 0
  misses = 0
  evictions = 0

  constructor(
    readonly maxEntries: number,
    private readonly clock: () => number
  ) {}

  get size(): number {
    return this.map.size
  }

  /** The live entry for `key` (marking it most recently used), or undefined. Counts hit/miss. */
  get(key: string): CachedResponse | undefined {
    const entry = this.map.get(key)
    if (entry === undefined) {
      this.misses++
      return undefined
    }
    if (entry.expiresAt <= this.clock()) {
      this.map.delete(key)
      this.misses++
      return undefined
    }
    this.map.delete(key)
    this.map.set(key, entry)
    this.hits++
    return entry.value
  }

  set(key: string, value: CachedResponse, ttlMs: number): void {
    if (ttlMs <= 0 || this.maxEntries <= 0) return
    deepFreeze(value)
    this.map.delete(key)
    this.map.set(key, { expiresAt: this.clock() + ttlMs, value })
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next()
      if (oldest.done) break
      this.map.delete(oldest.value)
      this.evictions++
    }
  }

  has(key: string): boolean {
    const entry = this.map.get(key)
    return entry !== undefined && entry.expiresAt > this.clock()
  }

  delete(key: string): boolean {
    return this.map.delete(key)
  }

  clear(): void {
    this.map.clear()
  }

  /** Keys from least to most recently used (for tests and the dashboard). */
  keys(): string[] {
    return [...this.map.keys()]
  }
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const v of Object.values(value)) deepFreeze(v)
}
