/**
 * Edits a zone's requirements (minimum host quality and bandwidth, maximum latency), P2P priority
 * and player limits. The form's values pass the contract's schema before anything is sent; each
 * field shows its own problem.
 */
import { useState } from 'react'
import type { CoordinatorZone } from '../../../../shared/contract'
import { Dialog, DialogFoot, DialogForm } from '../../components/requests/Dialog'
import { REQUIREMENT_FIELDS, parseRequirements, requirementsDraft, updateZone, useCoordinatorStore, type RequirementField, type RequirementsDraft } from '../../stores/coordinator'

export function ZoneRequirementsDialog({ zone, onClose }: { zone: CoordinatorZone; onClose: () => void }): React.JSX.Element {
  const busy = useCoordinatorStore((s) => s.busy)
  const [draft, setDraft] = useState<RequirementsDraft>(() => requirementsDraft(zone))
  const [errors, setErrors] = useState<Partial<Record<RequirementField, string>>>({})
  const [failed, setFailed] = useState<string | null>(null)

  const save = async (): Promise<void> => {
    const parsed = parseRequirements(draft)
    if (!parsed.ok) {
      setErrors(parsed.errors)
      return
    }
    setErrors({})
    if (await updateZone(zone.zone_id, parsed.value)) onClose()
    else setFailed(useCoordinatorStore.getState().outcome?.text ?? 'Could not save')
  }

  return (
    <Dialog title={`Requirements of ${zone.zone_display_name}`} onClose={onClose} testId="hz-zone-dialog">
      <DialogForm onSubmit={save} noValidate>
        <p className="rq-help">A host must meet these to be chosen for the zone or to open a session in it.</p>
        <div className="rq-form-grid hz-form-grid">
          {REQUIREMENT_FIELDS.map((f) => {
            const id = `hz-req-${f.key}`
            const err = errors[f.key]
            return (
              <div key={f.key} className="hz-form-row">
                <label htmlFor={id}>
                  {f.label}
                  {f.unit ? <span className="muted"> ({f.unit})</span> : null}
                </label>
                <div className="hz-form-input">
                  <input
                    id={id}
                    className="input rq-input-narrow"
                    type="number"
                    inputMode="decimal"
                    step={f.step}
                    value={draft[f.key]}
                    aria-invalid={err ? true : undefined}
                    aria-describedby={err ? `${id}-err` : undefined}
                    onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
                  />
                  {err ? (
                    <span id={`${id}-err`} className="rq-field-error">
                      {err}
                    </span>
                  ) : null}
                </div>
              </div>
            )
          })}
        </div>
        {failed ? (
          <p className="rq-field-error" role="alert">
            {failed}
          </p>
        ) : null}
        <DialogFoot onCancel={onClose} submit={busy ? 'Saving…' : 'Save'} disabled={busy !== null} />
      </DialogForm>
    </Dialog>
  )
}
