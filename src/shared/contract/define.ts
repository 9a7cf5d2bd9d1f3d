/**
 * How a domain declares its contract table: `method(input, output, summary)` per method, and
 * `NoInput` for methods that take nothing. Domain tables are checked against the name lists of
 * names.ts (`satisfies MethodTableOf<…>`), so a name and its table never drift apart.
 */
import { z } from 'zod'

export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I
  output: O
  /** One line: what the method does. */
  summary: string
}

export function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): MethodDef<I, O> {
  return { input, output, summary }
}

/** Input schema for methods that take nothing. */
export const NoInput = z.undefined().or(z.null()).or(z.object({}).strict()).optional()

/** A domain's method table: exactly the names of its list. */
export type MethodTableOf<Names extends readonly string[]> = { readonly [K in Names[number]]: MethodDef }
/** A domain's event table: exactly the names of its list. */
export type EventTableOf<Names extends readonly string[]> = { readonly [K in Names[number]]: z.ZodType }
