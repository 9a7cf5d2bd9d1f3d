/**
 * Waiting for a condition in the hosting service's own tests (never for a time): `fn` is polled
 * until it answers something other than undefined/false, which is returned; `what` (or a function
 * giving it, for figures read at the moment of failure) names what did not happen in time.
 */
export async function until<T>(what: string | (() => string), fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
