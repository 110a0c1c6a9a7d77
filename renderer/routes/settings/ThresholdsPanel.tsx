// Which rule turns the model's probabilities into a finding: the current model card's own, a named preset from
// science.md, or a custom triple threshold. Saving a different rule makes every earlier verdict stale.
import { useState, type FormEvent } from 'react';
import type { ThresholdSetting } from '../../../main/api/contract';
import type { PostProcessRule } from '../../../ml/post/rules';
import { describeRule } from './model-card-facts';
import { TextField } from './TextField';
import { formSetting, sameSetting, settingRule, tripletDraft, type ThresholdMode, type TripletDraft, type TripletErrors } from './threshold-form';

type Props = {
  setting: ThresholdSetting;
  /** science.md's presets by name, as system.info reports them; null while unknown */
  presets: Record<string, PostProcessRule> | null;
  /** the current model card's rule; null when no model is current */
  cardRule: PostProcessRule | null;
  busy: boolean;
  onSave: (setting: ThresholdSetting) => Promise<boolean>;
};

const modes: { mode: ThresholdMode; label: string }[] = [
  { mode: 'card', label: "The current model card's rule" },
  { mode: 'preset', label: 'A preset' },
  { mode: 'custom', label: 'Custom triple threshold' },
];

const tripletFields: { key: keyof TripletDraft; label: string; testId: string }[] = [
  { key: 'top', label: 'Top (probability)', testId: 'threshold-top' },
  { key: 'minArea', label: 'Min area (px at 1024²)', testId: 'threshold-min-area' },
  { key: 'bottom', label: 'Bottom (probability)', testId: 'threshold-bottom' },
  { key: 'minRegionArea', label: 'Drop regions under (px, optional)', testId: 'threshold-min-region' },
];

export function ThresholdsPanel({ setting, presets, cardRule, busy, onSave }: Props) {
  const [mode, setMode] = useState<ThresholdMode>(setting.kind);
  const [preset, setPreset] = useState(setting.kind === 'preset' ? setting.name : 'validation-best');
  const [draft, setDraft] = useState<TripletDraft>(() => tripletDraft(setting.kind === 'custom' ? setting.rule : cardRule));
  const [shownErrors, setShownErrors] = useState<TripletErrors>({});
  const [saved, setSaved] = useState(false);

  const candidate = formSetting(mode, preset, draft);
  const rule = candidate.ok ? settingRule(candidate.setting, presets ?? {}, cardRule) : null;
  const unchanged = candidate.ok && sameSetting(candidate.setting, setting);

  const edit = (key: keyof TripletDraft, value: string) => {
    setDraft((current) => ({ ...current, [key]: value }));
    setShownErrors((current) => ({ ...current, [key]: undefined }));
    setSaved(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!candidate.ok) {
      setShownErrors(candidate.errors);
      return;
    }
    setSaved(await onSave(candidate.setting));
  };

  return (
    <form className="settings-card" onSubmit={submit} data-testid="thresholds" aria-labelledby="thresholds-title" noValidate>
      <h2 id="thresholds-title">Thresholds</h2>
      <label className="settings-card__row">
        <span>Rule</span>
        <select
          value={mode}
          onChange={(event) => {
            setMode(event.target.value as ThresholdMode);
            setSaved(false);
          }}
          disabled={busy}
          data-testid="thresholds-mode"
        >
          {modes.map((option) => <option key={option.mode} value={option.mode}>{option.label}</option>)}
        </select>
      </label>
      {mode === 'preset' && (
        <label className="settings-card__row">
          <span>Preset</span>
          <select
            value={preset}
            onChange={(event) => {
              setPreset(event.target.value);
              setSaved(false);
            }}
            disabled={busy || presets === null}
            data-testid="threshold-preset"
          >
            {presets !== null && !Object.hasOwn(presets, preset) && <option value={preset}>{preset} (unknown here)</option>}
            {Object.keys(presets ?? {}).map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </label>
      )}
      {mode === 'custom' && (
        <div className="settings-card__triplet">
          {tripletFields.map(({ key, label, testId }) => (
            <TextField key={key} label={label} value={draft[key]} onChange={(value) => edit(key, value)} error={shownErrors[key]} testId={testId} inputMode="decimal" disabled={busy} />
          ))}
        </div>
      )}
      <p className="settings-card__rule" data-testid="threshold-rule">
        {rule ? describeRule(rule) : mode === 'card' ? 'No model is current, so there is no card rule yet.' : mode === 'custom' ? 'Fix the values above.' : 'Unknown preset.'}
        {!unchanged && <span className="text-warn"> (not saved yet)</span>}
      </p>
      <div className="toolbar">
        <button type="submit" className="button button--primary" disabled={busy || unchanged} data-testid="thresholds-save">
          Save thresholds
        </button>
        {saved && (
          <span role="status" className="text-warn" data-testid="thresholds-saved">
            Saved. Results triaged under the previous thresholds are now stale: triage them again from the worklist.
          </span>
        )}
      </div>
      <p className="muted settings-card__hint">
        Changing the thresholds marks existing results stale: they stay visible, labelled stale, and are never mixed with new ones until triaged again.
      </p>
    </form>
  );
}
