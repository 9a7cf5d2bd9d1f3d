/**
 * The Settings form's state, computed from the config view and the unsaved edits: each field's
 * shown value, inline error (shared zod rules), whether it changed, env lock and secret state;
 * the patch of only the changed fields; and server issues matched to their fields.
 */
import type { ConfigView } from '../../../../shared/contract'
import { getKey, setKey, type ConfigPatch } from '../../../../shared/config-schema'
import type { DraftValue } from '../../stores/config'
import { ALL_FIELDS, fieldForIssuePath, isSecretKey, parseInput, toInputValue, type FieldDef } from './config-fields'

export interface FieldState {
  def: FieldDef
  /** The environment variable that fixes this field, if any. */
  lockedBy: string | undefined
  /** What the input shows. Secrets: the new value being typed (never the saved one). */
  input: string | boolean
  /** Inline validation error of the current input. */
  error: string | null
  /** The input differs from the effective config. */
  dirty: boolean
  /** Secrets only: a value is saved. */
  secretSet: boolean
  /** Secrets only: the saved value will be removed on save. */
  secretRemoval: boolean
}

export interface FormState {
  fields: Map<string, FieldState>
  patch: ConfigPatch
  changedKeys: string[]
  invalidKeys: string[]
}

export function evaluateForm(view: ConfigView, edits: Record<string, DraftValue>): FormState {
  const fields = new Map<string, FieldState>()
  const patch: Record<string, unknown> = {}
  const changedKeys: string[] = []
  const invalidKeys: string[] = []
  for (const def of ALL_FIELDS) {
    const lockedBy = view.envLocked[def.key]
    const current = getKey(view.config, def.key)
    const edit = edits[def.key]
    const state: FieldState = {
      def,
      lockedBy,
      input: toInputValue(def, current),
      error: null,
      dirty: false,
      secretSet: view.secretsSet[def.key] === true,
      secretRemoval: false
    }
    if (lockedBy === undefined && edit !== undefined) {
      if (isSecretKey(def.key)) {
        if (edit === null) {
          state.secretRemoval = state.secretSet
          state.input = ''
          if (state.secretSet) {
            state.dirty = true
            setKey(patch, def.key, '')
          }
        } else if (typeof edit === 'string') {
          state.input = edit
          if (edit !== '') {
            const parsed = parseInput(def, edit)
            if (parsed.ok) {
              state.dirty = true
              setKey(patch, def.key, parsed.value)
            } else state.error = parsed.message
          }
        }
      } else {
        state.input = edit ?? ''
        const parsed = parseInput(def, edit ?? '')
        if (!parsed.ok) state.error = parsed.message
        else if (JSON.stringify(parsed.value) !== JSON.stringify(current)) {
          state.dirty = true
          setKey(patch, def.key, parsed.value)
        }
      }
    }
    if (state.dirty) changedKeys.push(def.key)
    if (state.error) invalidKeys.push(def.key)
    fields.set(def.key, state)
  }
  return { fields, patch: patch as ConfigPatch, changedKeys, invalidKeys }
}

/** Server issues split into those next to a field (by key) and the rest. */
export function matchIssues(issues: readonly { path: string; message: string }[]): {
  byField: Map<string, string>
  other: { path: string; message: string }[]
} {
  const byField = new Map<string, string>()
  const other: { path: string; message: string }[] = []
  for (const issue of issues) {
    const def = fieldForIssuePath(issue.path)
    if (!def) {
      other.push(issue)
      continue
    }
    const rest = issue.path.slice(def.key.length + 1)
    const where = /^\d+$/.test(rest) ? `item ${Number(rest) + 1}` : rest
    const text = where ? `${where}: ${issue.message}` : issue.message
    byField.set(def.key, byField.has(def.key) ? `${byField.get(def.key)}; ${text}` : text)
  }
  return { byField, other }
}
