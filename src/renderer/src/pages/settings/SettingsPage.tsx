/**
 * Settings: the effective configuration grouped by section, edited in place with inline
 * validation by the shared zod rules. Fields fixed by an environment variable are read-only and say
 * which; secrets show only whether they are set and take a new value write-only. Save sends only
 * the changed fields with config.update and shows what changed, which services restarted and what
 * needs an app restart — or the server's issues next to their fields.
 */
import { Fragment, useEffect, useId, useMemo, useRef } from 'react'
import type { ConfigUpdateResult, ConfigView } from '../../../../shared/contract'
import { AiServiceTest } from '../../components/AiServiceTest'
import { DatabaseConnectionTest } from '../../components/DatabaseConnectionTest'
import { Badge } from '../../components/StateBadge'
import { useConfigStore, type DraftValue, type SaveError } from '../../stores/config'
import { useConnectionStore } from '../../stores/connection'
import { SECTIONS } from './config-fields'
import { DesktopShellSettings } from './DesktopShellSettings'
import { evaluateForm, matchIssues, type FieldState } from './settings-form'
import './settings.css'

export function SettingsPage(): React.JSX.Element {
  const view = useConfigStore((s) => s.view)
  const loadError = useConfigStore((s) => s.loadError)
  const live = useConnectionStore((s) => s.info.state === 'open')

  return (
    <div className="page">
      <header className="page__header">
        <h1>Settings</h1>
        <p className="muted">Changes are checked as you type and applied when you save; affected services restart by themselves.</p>
      </header>
      {view ? (
        <SettingsForm view={view} live={live} />
      ) : loadError ? (
        <div className="empty-state empty-state--bad" role="alert">
          <p className="empty-state__title">Could not load the configuration.</p>
          <p>{loadError}</p>
        </div>
      ) : (
        <p className="empty-state">{live ? 'Loading the configuration…' : 'Waiting for the connection to WARP Host…'}</p>
      )}
    </div>
  )
}

/** Keys in the YAML file the host does not know (ignored), each with the likely intended key. */
function UnknownKeys({ view }: { view: ConfigView }): React.JSX.Element | null {
  const keys = view.unknownKeys ?? []
  if (keys.length === 0) return null
  return (
    <div className="settings__unknown" role="alert" data-testid="config-unknown-keys">
      <p>
        <strong>
          {keys.length === 1 ? '1 key' : `${keys.length} keys`} in {view.filePath ? <code className="path">{view.filePath}</code> : 'the configuration file'}{' '}
          {keys.length === 1 ? 'is' : 'are'} not known and ignored:
        </strong>
      </p>
      <ul>
        {keys.map(({ key, suggestion }) => (
          <li key={key} data-key={key}>
            <code>{key}</code>
            {suggestion ? (
              <>
                {' '}
                — did you mean <code>{suggestion}</code>?
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  )
}

function secretsLocation(view: ConfigView): string {
  if (view.secretStorage === 'safeStorage') return 'in the operating system’s keychain (encrypted with safeStorage), never in the YAML file'
  const dir = view.config.data_dir
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/'
  return `in ${dir.replace(/[\\/]+$/, '')}${sep}secrets.json — readable only by this user, but not encrypted (no OS keychain in this mode)`
}

function SettingsForm({ view, live }: { view: ConfigView; live: boolean }): React.JSX.Element {
  const edits = useConfigStore((s) => s.edits)
  const saving = useConfigStore((s) => s.saving)
  const result = useConfigStore((s) => s.result)
  const saveError = useConfigStore((s) => s.saveError)
  const { setEdit, discard, save } = useConfigStore.getState()
  const formRef = useRef<HTMLFormElement>(null)

  const form = useMemo(() => evaluateForm(view, edits), [view, edits])
  const serverIssues = useMemo(() => matchIssues(saveError?.issues ?? []), [saveError])
  const lockedCount = Object.keys(view.envLocked).length
  const canSave = live && !saving && form.changedKeys.length > 0 && form.invalidKeys.length === 0

  // A refused save: take the user to the first field the host complained about.
  useEffect(() => {
    if (saveError && saveError.issues.length > 0) {
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
    }
  }, [saveError])

  const onSubmit = (e: React.FormEvent): void => {
    e.preventDefault()
    if (form.invalidKeys.length > 0) {
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
      return
    }
    if (canSave) void save(form.patch)
  }

  return (
    <form ref={formRef} className="settings" onSubmit={onSubmit} noValidate aria-label="Configuration">
      <section className="card settings__sources" aria-label="Where settings are kept">
        <dl>
          <dt>Configuration file</dt>
          <dd>
            {view.filePath ? <code className="path">{view.filePath}</code> : 'None — start the app with --config PATH to save changes.'}
          </dd>
          <dt>Secrets</dt>
          <dd>Stored {secretsLocation(view)}.</dd>
          <dt>Data folder</dt>
          <dd>
            <code className="path">{view.config.data_dir}</code>
            {view.envLocked.data_dir ? <span className="muted"> (set by {view.envLocked.data_dir})</span> : null}
          </dd>
        </dl>
        {lockedCount > 0 ? (
          <p className="muted">
            Fields marked “set by …” come from environment variables; change them where the app is started.
          </p>
        ) : null}
        <UnknownKeys view={view} />
      </section>

      {SECTIONS.map((section) => (
        <section key={section.id} className="card settings__section" aria-labelledby={`section-${section.id}`}>
          <h2 id={`section-${section.id}`}>{section.title}</h2>
          <p className="muted settings__section-desc">{section.description}</p>
          <div className="settings__fields">
            {section.fields.map((def) => (
              <Fragment key={def.key}>
                <ConfigField
                  state={form.fields.get(def.key)!}
                  serverError={serverIssues.byField.get(def.key) ?? null}
                  onEdit={(v) => setEdit(def.key, v)}
                />
                {/* "Test AI service" right under the base URL it tests. */}
                {def.key === 'ai_service.base_url' ? <AiServiceTest /> : null}
              </Fragment>
            ))}
          </div>
          {section.id === 'database' ? <DatabaseConnectionTest /> : null}
          {section.id === 'desktop' ? <DesktopShellSettings live={live} /> : null}
        </section>
      ))}

      <div className="savebar" role="region" aria-label="Save changes">
        <SaveOutcome result={result} saveError={saveError} other={serverIssues.other} />
        <div className="savebar__row">
          <span className="savebar__summary">
            {form.invalidKeys.length > 0
              ? `${form.invalidKeys.length} ${form.invalidKeys.length === 1 ? 'field needs' : 'fields need'} fixing before saving`
              : form.changedKeys.length > 0
                ? `${form.changedKeys.length} unsaved ${form.changedKeys.length === 1 ? 'change' : 'changes'}`
                : 'No unsaved changes'}
            {!live ? ' · not connected' : ''}
          </span>
          <button type="button" className="button" onClick={discard} disabled={saving || Object.keys(edits).length === 0}>
            Discard
          </button>
          <button type="submit" className="button button--primary" disabled={!canSave} aria-disabled={!canSave}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
    </form>
  )
}

function SaveOutcome({
  result,
  saveError,
  other
}: {
  result: ConfigUpdateResult | null
  saveError: SaveError | null
  other: { path: string; message: string }[]
}): React.JSX.Element {
  return (
    <div className="savebar__outcome" aria-live="polite">
      {saveError ? (
        <div className="outcome outcome--bad" role="alert">
          <strong>Not saved.</strong> {saveError.issues.length > 0 ? 'The host refused the fields marked on this page.' : saveError.message}
          {other.length > 0 ? (
            <ul>
              {other.map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <code>{i.path}</code>: {i.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : result ? (
        <div className="outcome outcome--ok" data-testid="save-result">
          {result.changed.length === 0 ? (
            <strong>Saved — nothing changed.</strong>
          ) : (
            <>
              <strong>Saved.</strong> Changed: <KeyList keys={result.changed} />.{' '}
              {result.restarted.length > 0 ? (
                <>
                  Restarted: <KeyList keys={result.restarted} />.{' '}
                </>
              ) : (
                'No service needed a restart. '
              )}
              {result.restartRequired.length > 0 ? (
                <span className="outcome__warn">
                  Takes effect after the app restarts: <KeyList keys={result.restartRequired} />.
                </span>
              ) : null}
            </>
          )}
        </div>
      ) : null}
    </div>
  )
}

function KeyList({ keys }: { keys: string[] }): React.JSX.Element {
  return (
    <>
      {keys.map((k, i) => (
        <span key={k}>
          {i > 0 ? ', ' : ''}
          <code>{k}</code>
        </span>
      ))}
    </>
  )
}

function ConfigField({
  state,
  serverError,
  onEdit
}: {
  state: FieldState
  serverError: string | null
  onEdit(value: DraftValue | undefined): void
}): React.JSX.Element {
  const id = useId()
  const { def, lockedBy } = state
  const error = state.error ?? serverError
  const helpId = `${id}-help`
  const errorId = `${id}-error`
  const describedBy = [def.help || lockedBy ? helpId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined
  const common = {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'data-key': def.key
  } as const

  let control: React.ReactNode
  if (lockedBy) {
    const text = def.kind === 'secret' ? (state.secretSet ? 'set' : 'not set') : String(state.input)
    control = <input {...common} type="text" readOnly value={text} className="input input--locked" />
  } else if (def.kind === 'boolean') {
    control = (
      <input {...common} type="checkbox" checked={state.input === true} onChange={(e) => onEdit(e.target.checked)} className="checkbox" />
    )
  } else if (def.kind === 'select') {
    control = (
      <select {...common} value={String(state.input)} onChange={(e) => onEdit(e.target.value)}>
        {(def.options ?? []).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    )
  } else if (def.kind === 'secret') {
    control = (
      <SecretControl
        common={common}
        state={state}
        onEdit={onEdit}
        placeholder={state.secretSet ? 'Type a new value to replace it' : 'Type a value to set it'}
      />
    )
  } else {
    control = (
      <input
        {...common}
        type="text"
        className="input"
        value={String(state.input)}
        inputMode={def.kind === 'number' ? 'decimal' : undefined}
        placeholder={def.placeholder}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => onEdit(e.target.value)}
      />
    )
  }

  return (
    <div className={`cfield${state.dirty ? ' cfield--dirty' : ''}${error ? ' cfield--invalid' : ''}`}>
      <div className="cfield__label">
        <label htmlFor={id}>{def.label}</label>
        <code className="cfield__key">{def.key}</code>
      </div>
      <div className="cfield__control">
        <div className="cfield__row">
          {control}
          {state.dirty ? <span className="cfield__changed">changed</span> : null}
        </div>
        {lockedBy || def.help ? (
          <p id={helpId} className="cfield__help muted">
            {lockedBy ? (
              <span className="locked-note">
                Set by <code>{lockedBy}</code>
              </span>
            ) : null}
            {lockedBy && def.help ? ' · ' : null}
            {def.help}
          </p>
        ) : null}
        {error ? (
          <p id={errorId} className="cfield__error" data-testid={`error-${def.key}`}>
            {error}
          </p>
        ) : null}
      </div>
    </div>
  )
}

function SecretControl({
  common,
  state,
  placeholder,
  onEdit
}: {
  common: { id: string; 'aria-invalid': true | undefined; 'aria-describedby': string | undefined; 'data-key': string }
  state: FieldState
  placeholder: string
  onEdit(value: DraftValue | undefined): void
}): React.JSX.Element {
  return (
    <div className="secret">
      <input
        {...common}
        type="password"
        className="input"
        value={String(state.input)}
        placeholder={placeholder}
        autoComplete="new-password"
        disabled={state.secretRemoval}
        onChange={(e) => onEdit(e.target.value === '' ? undefined : e.target.value)}
      />
      <span data-testid={`secret-${state.def.key}`}>
        <Badge tone={state.secretRemoval ? 'busy' : state.secretSet ? 'ok' : 'idle'}>
          {state.secretRemoval ? 'will be removed' : state.secretSet ? 'set' : 'not set'}
        </Badge>
      </span>
      {state.secretSet ? (
        <button type="button" className="button button--small" onClick={() => onEdit(state.secretRemoval ? undefined : null)}>
          {state.secretRemoval ? 'Keep' : 'Remove'}
        </button>
      ) : null}
    </div>
  )
}
