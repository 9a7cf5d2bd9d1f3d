/**
 * A strict reader of the Prometheus text exposition format (0.0.4) for the metrics tests: every
 * line must be a HELP, a TYPE, another comment or a well-formed sample; a family's HELP and TYPE
 * come once, before its samples, and its samples are contiguous; label values are unescaped
 * (`\\`, `\"`, `\n` only). Any violation throws with the line number and the line.
 */

export type ExpositionType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped'

export interface ExpositionSample {
  /** The sample's own name (e.g. `x_sum` for a summary `x`). */
  name: string
  /** The family it belongs to (the TYPE line's name). */
  family: string
  labels: Record<string, string>
  value: number
  line: number
}

export interface Exposition {
  help: Map<string, string>
  types: Map<string, ExpositionType>
  samples: ExpositionSample[]
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const METRIC_NAME = new RegExp(`^${NAME}$`)
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`)
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|summary|histogram|untyped)$`)
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/
const TIMESTAMP = /^-?\d+$/

const SUFFIXES: Record<ExpositionType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  summary: ['', '_sum', '_count'],
  histogram: ['_bucket', '_sum', '_count']
}

function fail(line: number, text: string, why: string): never {
  throw new Error(`line ${line}: ${why}: ${JSON.stringify(text)}`)
}

/** Un-escapes a HELP docstring (`\\` and `\n` are the only escapes). */
function unescapeHelp(s: string, line: number, text: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c !== '\\') {
      out += c
      continue
    }
    const next = s[++i]
    if (next === '\\') out += '\\'
    else if (next === 'n') out += '\n'
    else fail(line, text, 'bad escape in HELP text')
  }
  return out
}

/** Parses `{a="x",b="y"}` starting at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(s: string, start: number, line: number, text: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {}
  let i = start + 1
  if (s[i] === '}') return { labels, end: i + 1 }
  for (;;) {
    const eq = s.indexOf('=', i)
    if (eq < 0) fail(line, text, 'label without "="')
    const name = s.slice(i, eq)
    if (!LABEL_NAME.test(name)) fail(line, text, `bad label name ${JSON.stringify(name)}`)
    if (name in labels) fail(line, text, `label ${name} given twice`)
    if (s[eq + 1] !== '"') fail(line, text, 'label value must be double-quoted')
    let value = ''
    let j = eq + 2
    for (;;) {
      const c = s[j]
      if (c === undefined) fail(line, text, 'unterminated label value')
      if (c === '"') break
      if (c === '\\') {
        const next = s[j + 1]
        if (next === '\\') value += '\\'
        else if (next === '"') value += '"'
        else if (next === 'n') value += '\n'
        else fail(line, text, 'bad escape in label value')
        j += 2
        continue
      }
      value += c
      j++
    }
    labels[name] = value
    i = j + 1
    if (s[i] === '}') return { labels, end: i + 1 }
    if (s[i] !== ',') fail(line, text, 'expected "," or "}" after a label')
    i++
    if (s[i] === '}') return { labels, end: i + 1 } // a trailing comma is allowed
  }
}

function parseNumber(v: string): number {
  if (v === '+Inf') return Infinity
  if (v === '-Inf') return -Infinity
  if (v === 'NaN') return NaN
  return Number(v)
}

/** The family a sample name belongs to, among the families declared so far. */
function familyOf(name: string, types: Map<string, ExpositionType>): string | undefined {
  for (const [family, type] of types) {
    if (SUFFIXES[type].some((suffix) => `${family}${suffix}` === name)) return family
  }
  return undefined
}

export function parseExposition(text: string): Exposition {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const help = new Map<string, string>()
  const types = new Map<string, ExpositionType>()
  const samples: ExpositionSample[] = []
  const seenSeries = new Set<string>()
  const closedFamilies = new Set<string>()
  let currentFamily: string | null = null
  const lines = text === '' ? [] : text.slice(0, -1).split('\n')
  lines.forEach((raw, index) => {
    const n = index + 1
    if (raw.trim() === '') return
    if (raw.startsWith('#')) {
      const h = HELP_LINE.exec(raw)
      if (h) {
        const name = h[1]!
        if (help.has(name)) fail(n, raw, `second HELP for ${name}`)
        if (samples.some((s) => s.family === name)) fail(n, raw, `HELP for ${name} after its samples`)
        help.set(name, unescapeHelp(h[2]!, n, raw))
        return
      }
      if (raw.startsWith('# HELP')) fail(n, raw, 'malformed HELP line')
      const t = TYPE_LINE.exec(raw)
      if (t) {
        const name = t[1]!
        if (types.has(name)) fail(n, raw, `second TYPE for ${name}`)
        if (samples.some((s) => s.name === name)) fail(n, raw, `TYPE for ${name} after its samples`)
        types.set(name, t[2] as ExpositionType)
        return
      }
      if (raw.startsWith('# TYPE')) fail(n, raw, 'malformed TYPE line')
      return // any other comment
    }
    const nameMatch = new RegExp(`^${NAME}`).exec(raw)
    if (!nameMatch) fail(n, raw, 'a sample must start with a metric name')
    const name = nameMatch[0]
    if (!METRIC_NAME.test(name)) fail(n, raw, 'bad metric name')
    let rest = nameMatch.index + name.length
    let labels: Record<string, string> = {}
    if (raw[rest] === '{') {
      const parsed = parseLabels(raw, rest, n, raw)
      labels = parsed.labels
      rest = parsed.end
    }
    if (raw[rest] !== ' ') fail(n, raw, 'expected one space before the value')
    const fields = raw.slice(rest + 1).split(' ')
    if (fields.length < 1 || fields.length > 2) fail(n, raw, 'expected "value" or "value timestamp"')
    const [value, timestamp] = fields as [string, string | undefined]
    if (!VALUE.test(value)) fail(n, raw, `bad value ${JSON.stringify(value)}`)
    if (timestamp !== undefined && !TIMESTAMP.test(timestamp)) fail(n, raw, 'bad timestamp')
    const family = familyOf(name, types)
    if (family === undefined) fail(n, raw, `sample of ${name} without a TYPE line before it`)
    if (family !== currentFamily) {
      if (closedFamilies.has(family)) fail(n, raw, `samples of ${family} are not contiguous`)
      if (currentFamily !== null) closedFamilies.add(currentFamily)
      currentFamily = family
    }
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`
    if (seenSeries.has(series)) fail(n, raw, 'the same series twice')
    seenSeries.add(series)
    samples.push({ name, family, labels, value: parseNumber(value), line: n })
  })
  return { help, types, samples }
}

/** Samples of `name` whose labels include every given label. */
export function findSamples(exp: Exposition, name: string, labels: Record<string, string> = {}): ExpositionSample[] {
  return exp.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

/** The value of the one sample of `name` with these labels; throws when there is not exactly one. */
export function sampleValue(exp: Exposition, name: string, labels: Record<string, string> = {}): number {
  const found = findSamples(exp, name, labels)
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`)
  return found[0]!.value
}
