/**
 * zod compiles fast object parsers with `new Function` after probing whether eval is allowed. Our
 * CSP (src/shared/csp.ts) forbids eval, and Chromium reports the swallowed probe as a CSP
 * violation: run zod without JIT in the renderer. Imported first by main.tsx, before any parse.
 */
import { z } from 'zod'

z.config({ jitless: true })
